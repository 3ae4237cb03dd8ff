"""Fixed limits of API v1 fields, shared by the views that enforce them and the OpenAPI
document that declares them (the configurable limits live in :mod:`sync_server.config`)."""

from __future__ import annotations

__all__ = ["MAX_COMMENT", "MAX_DEVICE_ID", "MAX_HASHES", "MAX_PASSWORD", "MAX_USERNAME"]

#: Characters of a review or edit comment.
MAX_COMMENT = 5000
#: Characters of a user name (after trimming) at sign-in.
MAX_USERNAME = 64
#: Characters of a device id (after trimming) at sign-in.
MAX_DEVICE_ID = 200
#: Characters of a password at sign-in.
MAX_PASSWORD = 1024
#: Hashes in one ``POST /attachments/missing``.
MAX_HASHES = 5000
