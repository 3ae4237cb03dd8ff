"""The field officer's tablet app: offline store, sync client (and, later, the Kivy UI).

The core modules here are plain Python and never import Kivy: :mod:`field_app.store` (the
one-writer TinyDB store), :mod:`field_app.entries` (the entry lifecycle),
:mod:`field_app.form_session` (autosaving form filling), :mod:`field_app.attachments`,
:mod:`field_app.sync_client` and :mod:`field_app.messages`.
"""

__version__ = "0.1.0"
