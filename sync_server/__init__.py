"""KPK field survey sync server: receives, merges and keeps every entry.

``create_app`` is the Flask application factory; the pieces are:

* :mod:`.config`, :mod:`.db`, :mod:`.schema`, :mod:`.migrate` - configuration and storage;
* :mod:`.users`, :mod:`.ratelimit`, :mod:`.audit` - accounts, device tokens, audit log;
* :mod:`.forms_store`, :mod:`.merge`, :mod:`.entries`, :mod:`.feed`, :mod:`.attachments` - the
  services (plain functions over a connection) that the API and, later, the review pages call;
* :mod:`.api` and :mod:`.auth` - the HTTP blueprints; :mod:`.cli` - the ``survey-server`` command.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["__version__", "create_app"]

__version__ = "0.1.0"
