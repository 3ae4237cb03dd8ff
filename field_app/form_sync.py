"""The forms on the tablet: downloading published versions with their files, and opening them.

A form version is downloaded as its compiled JSON; a version with choice files
(``select_one_from_file``) names each file with its SHA-256 (``choice_files``), and the files are
downloaded with it and kept under ``<store>/form_media/<sha256>``, written durably, before the
version is saved, so a form on the device always has its files (one lost or damaged later is
downloaded again at the next sync). When the form is opened, its
choice lists are read from those files (:meth:`survey_forms.Form.from_json` checks each against
its SHA-256).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from field_app.http_api import ApiClient, SyncError
from field_app.storage import atomic_write_bytes, make_dir

__all__ = ["FormShelf", "media_folder"]

Report = Callable[[str, int, int | None], None]


def media_folder(store_folder: Path) -> Path:
    """Where the files published with forms are kept (under their SHA-256)."""
    return store_folder / "form_media"


def _choice_files(definition: dict[str, Any]) -> dict[str, str]:
    """File name -> SHA-256 of the files a compiled form needs."""
    files = definition.get("choice_files") or {}
    return {str(name): str(info.get("sha256", "")) for name, info in files.items()}


class FormShelf:
    """The forms of one store: cached ``Form`` objects, and their download with their files."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.folder = media_folder(store.folder)
        self._forms: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def form(self, form_id: str, version: str) -> Any:
        """The cached form as a ``survey_forms.Form`` (``None`` if not on the device).

        Raises ``survey_forms.FormError`` when a file it needs is missing or damaged."""
        key = (form_id, str(version))
        if key not in self._forms:
            definition = self.store.form_definition(form_id, str(version))
            if definition is None:
                return None
            from survey_forms import Form

            form = Form.from_json(definition, media=self._read_media(definition))
            with self._lock:
                self._forms.setdefault(key, form)
        return self._forms[key]

    def _read_media(self, definition: dict[str, Any]) -> dict[str, bytes]:
        media: dict[str, bytes] = {}
        for name, sha256 in _choice_files(definition).items():
            path = self._path(sha256)
            if path is not None and path.exists():
                media[name] = path.read_bytes()  # from_json checks the hash
        return media

    def _path(self, sha256: str) -> Path | None:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            return None
        return self.folder / sha256

    def _have(self, sha256: str) -> bool:
        path = self._path(sha256)
        if path is None or not path.exists():
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256

    def download(
        self, api: ApiClient, report: Report, wanted: list[tuple[str, str]] | None = None
    ) -> int:
        """Download the published versions in ``wanted`` (default: every one) the device lacks,
        each with its files; return how many versions were saved."""
        if wanted is None:
            wanted = [(f["form_id"], str(f["version"])) for f in api.list_forms()]
        have = {(f["form_id"], f["version"]) for f in self.store.list_forms()}
        todo = [key for key in dict.fromkeys(wanted) if key not in have]
        self._repair([key for key in dict.fromkeys(wanted) if key in have], api)
        if not todo:
            return 0
        report("forms", 0, len(todo))
        definitions = []
        for done, (form_id, version) in enumerate(todo, start=1):
            definition = api.get_form(form_id, version)
            self._download_media(api, form_id, version, definition)
            definitions.append(definition)
            report("forms", done, len(todo))
        self.store.save_forms(definitions)
        return len(definitions)

    def _repair(self, keys: list[tuple[str, str]], api: ApiClient) -> None:
        """Download again the files of forms on the device whose files are missing or damaged
        (a form that cannot open is thus mended at the next sync)."""
        for form_id, version in keys:
            definition = self.store.form_definition(form_id, version)
            files = _choice_files(definition or {})
            if files and not all(self._have(sha256) for sha256 in files.values()):
                self._download_media(api, form_id, version, definition or {})
                with self._lock:
                    self._forms.pop((form_id, version), None)

    def _download_media(
        self, api: ApiClient, form_id: str, version: str, definition: dict[str, Any]
    ) -> None:
        for name, sha256 in _choice_files(definition).items():
            path = self._path(sha256)
            if path is None:
                raise SyncError("unexpected", f"form {form_id} {version}: bad file hash {name}")
            if self._have(sha256):
                continue  # the same file came with another version
            data = api.get_form_media(form_id, version, name)
            if hashlib.sha256(data).hexdigest() != sha256:
                raise SyncError(
                    "unexpected", f"form {form_id} {version}: {name} does not match its hash"
                )
            make_dir(self.folder, durable=self.store.durable)
            atomic_write_bytes(path, data, durable=self.store.durable)
