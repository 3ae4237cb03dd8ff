"""Published form versions: publishing, listing, and a cache of compiled ``Form`` objects.

Each published version keeps the compiled JSON (``Form.to_json()``) and the source file bytes,
and the files published with it (the choice files of ``select_one_from_file``, table
``form_media``; the compiled JSON names each with its SHA-256, so the version's content covers
them).
A version number is immutable: publishing it again with the same compiled content is a no-op,
with different content it is refused (:class:`FormVersionExistsError`). A new version whose
questions change type or move in or out of a repeat against any published version of the same
form is refused too (:class:`FormIncompatibleError`, rule in :mod:`survey_forms.compat`): stored
entries and the merged export keep one column per question with one type.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from . import audit
from .clock import now_iso
from .db import lock_feed
from .schema import changes, form_media, forms

__all__ = [
    "FormCache",
    "FormIncompatibleError",
    "FormVersionExistsError",
    "compiled_form",
    "compiled_sha256",
    "form_media_file",
    "form_media_files",
    "form_row",
    "list_forms",
    "load_form_source",
    "publish",
    "publish_file",
]


class FormVersionExistsError(ValueError):
    """A form version that is already published with different content."""

    def __init__(self, form_id: str, version: str) -> None:
        self.form_id = form_id
        self.version = version
        super().__init__(
            f"form {form_id} version {version} is already published with different content; "
            "raise the version number in the settings sheet"
        )


class FormIncompatibleError(ValueError):
    """A new form version that would break data stored under earlier versions."""

    def __init__(self, form_id: str, version: str, problems: list[tuple[str, Any]]) -> None:
        self.form_id = form_id
        self.version = version
        #: ``(earlier version, survey_forms.compat.Incompatibility)`` of each change
        self.problems = problems
        lines = "; ".join(f"against version {old}: {p.describe()}" for old, p in problems)
        super().__init__(
            f"form {form_id} version {version} is incompatible with published data: {lines}. "
            "Give the changed question a new name instead"
        )


def compiled_sha256(compiled: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a compiled form (also its HTTP ETag)."""
    canonical = json.dumps(compiled, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def publish(
    conn: Connection, form: Any, source: bytes, filename: str, actor: str
) -> dict[str, Any]:
    """Publish a loaded ``survey_forms.Form``; returns ``{form_id, version, title, status,
    media}``, ``media`` naming the files kept with it (``form.media_data``).

    ``status`` is ``"published"`` or ``"unchanged"`` (same version, same content).
    """
    compiled = form.to_json()
    digest = compiled_sha256(compiled)
    form_id, version = str(form.form_id), str(form.version)
    existing = conn.execute(
        select(forms.c.sha256).where(forms.c.form_id == form_id, forms.c.version == version)
    ).first()
    result = {
        "form_id": form_id,
        "version": version,
        "title": _title(form),
        "sha256": digest,
        "media": list(form.media_names),
        # what the loader ignored (presentation only): Indonesian / English
        "warnings": [f"{w.message['id']} / {w.message['en']}" for w in form.warnings],
    }
    if existing is not None:
        if existing.sha256 != digest:
            raise FormVersionExistsError(form_id, version)
        return {**result, "status": "unchanged"}
    problems = _incompatibilities(conn, form)
    if problems:
        raise FormIncompatibleError(form_id, version, problems)
    now = now_iso()
    conn.execute(
        forms.insert().values(
            form_id=form_id,
            version=version,
            title=result["title"],
            sha256=digest,
            compiled_json=json.dumps(compiled, ensure_ascii=False),
            source_filename=Path(filename).name,
            source_sha256=hashlib.sha256(source).hexdigest(),
            source_bytes=source,
            published_at=now,
            published_by=actor,
        )
    )
    for name in form.media_names:
        data = form.media_data[name]
        conn.execute(
            form_media.insert().values(
                form_id=form_id,
                version=version,
                filename=name,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                data=data,
            )
        )
    lock_feed(conn)
    conn.execute(
        changes.insert().values(kind="form", form_id=form_id, form_version=version, created_at=now)
    )
    audit.record(
        conn,
        actor,
        "form.publish",
        "form",
        f"{form_id}/{version}",
        {"sha256": digest, "source": Path(filename).name, "media": list(form.media_names)},
    )
    return {**result, "status": "published"}


def _incompatibilities(conn: Connection, form: Any) -> list[tuple[str, Any]]:
    """Incompatible changes of ``form`` against every published version of its form id."""
    from survey_forms.compat import incompatibilities

    problems: list[tuple[str, Any]] = []
    rows = conn.execute(
        select(forms.c.version, forms.c.compiled_json)
        .where(forms.c.form_id == str(form.form_id))
        .order_by(forms.c.published_at)
    )
    for row in rows.all():
        old = compiled_form(conn, str(form.form_id), row.version, row.compiled_json)
        problems.extend((row.version, problem) for problem in incompatibilities(old, form))
    return problems


def compiled_form(conn: Connection, form_id: str, version: str, compiled_json: str) -> Any:
    """``survey_forms.Form.from_json`` of a stored version, with the files published with it."""
    from survey_forms import Form

    data = json.loads(compiled_json)
    media = form_media_files(conn, form_id, version) if data.get("choice_files") else None
    return Form.from_json(data, media=media)


def form_media_files(conn: Connection, form_id: str, version: str) -> dict[str, bytes]:
    """The files published with a version, by name (empty when it has none)."""
    rows = conn.execute(
        select(form_media.c.filename, form_media.c.data).where(
            form_media.c.form_id == form_id, form_media.c.version == version
        )
    )
    return {row.filename: bytes(row.data) for row in rows}


def form_media_file(
    conn: Connection, form_id: str, version: str, filename: str
) -> dict[str, Any] | None:
    """One file published with a version: ``{filename, sha256, size, data}``, or ``None``."""
    row = (
        conn.execute(
            select(
                form_media.c.filename, form_media.c.sha256, form_media.c.size, form_media.c.data
            ).where(
                form_media.c.form_id == form_id,
                form_media.c.version == version,
                form_media.c.filename == filename,
            )
        )
        .mappings()
        .first()
    )
    return {**row, "data": bytes(row["data"])} if row else None


def load_form_source(
    data: bytes,
    file_type: str,
    form_id: str | None = None,
    media: dict[str, bytes] | None = None,
    media_folder: Path | None = None,
) -> Any:
    """Load an XLSForm from its bytes with ``survey_forms.load_xlsform``, after checking that an
    .xlsx archive does not unpack to too much (:mod:`survey_forms.xlsx_guard`). ``media`` holds
    the files given with it by name (choice files); one not given is read from ``media_folder``
    when that is set.

    Raises ``survey_forms.FormError`` for a file that cannot or may not be loaded.
    """
    from survey_forms import load_xlsform
    from survey_forms.xlsx_guard import check_xlsx_archive

    if file_type.lower().lstrip(".") == "xlsx":
        check_xlsx_archive(data)
    return load_xlsform(
        data, file_type, form_id=form_id, media=media, media_folder=media_folder
    )


def read_media_paths(paths: list[Path]) -> dict[str, bytes]:
    """The files given to publish with a form, by file name (only those the form names are
    kept with it)."""
    from survey_forms import FormError

    media: dict[str, bytes] = {}
    for path in map(Path, paths):
        try:
            media[path.name] = path.read_bytes()
        except OSError as exc:
            raise FormError(
                f"cannot read {path.name}: {exc.strerror or exc}",
                message_id=f"tidak dapat membaca {path.name}: {exc.strerror or exc}",
            ) from None
    return media


def publish_file(
    conn: Connection, path: Path, actor: str, media_paths: list[Path] | None = None
) -> dict[str, Any]:
    """Load an XLSForm file (:func:`load_form_source`) and publish it, with the choice files it
    names: from ``media_paths``, else from beside the form file."""
    from survey_forms import FormError
    from survey_forms.loader import FILE_TYPES

    path = Path(path)
    kind = FILE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise FormError(
            f"unsupported file type '{path.suffix}' for {path.name}: use .xlsx, .xls, .csv or .md"
        )
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise FormError(f"cannot read {path}: {exc.strerror or exc}") from None
    media = read_media_paths(list(media_paths or []))
    form = load_form_source(
        source, kind, form_id=path.stem, media=media, media_folder=path.parent
    )
    return publish(conn, form, source, path.name, actor)


def _title(form: Any) -> str:
    title = form.title
    if isinstance(title, dict):
        default = getattr(form, "default_language", None)
        return str(title.get(default) or next(iter(title.values()), form.form_id))
    return str(title or form.form_id)


def list_forms(conn: Connection) -> list[dict[str, Any]]:
    """Every published version: ``form_id, version, title, published_at, sha256``."""
    rows = conn.execute(
        select(
            forms.c.form_id, forms.c.version, forms.c.title, forms.c.published_at, forms.c.sha256
        ).order_by(forms.c.form_id, forms.c.version)
    ).mappings()
    return [dict(row) for row in rows]


def form_row(conn: Connection, form_id: str, version: str) -> dict[str, Any] | None:
    """The stored row of one version (compiled JSON as text), or ``None``."""
    row = (
        conn.execute(
            select(
                forms.c.form_id,
                forms.c.version,
                forms.c.title,
                forms.c.sha256,
                forms.c.compiled_json,
                forms.c.published_at,
            ).where(forms.c.form_id == form_id, forms.c.version == version)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


class FormCache:
    """``Form.from_json`` objects per (form_id, version), loaded once per process.

    Published versions never change, so entries never need invalidating.
    """

    def __init__(self) -> None:
        self._forms: dict[tuple[str, str], Any] = {}
        self._derived: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def derived(
        self, conn: Connection, form_id: str, version: str, name: str, build: Any
    ) -> Any | None:
        """``build(form)`` for a published version, made once per process and kept (``None``
        when the version is not published). For objects made from a form that cost time to
        build, such as the export's cell renderer."""
        key = (form_id, version, name)
        value = self._derived.get(key)
        if value is not None:
            return value
        form = self.get(conn, form_id, version)
        if form is None:
            return None
        value = build(form)
        with self._lock:
            self._derived.setdefault(key, value)
        return self._derived[key]

    def get(self, conn: Connection, form_id: str, version: str) -> Any | None:
        """The compiled ``Form`` or ``None`` when this version is not published."""
        key = (form_id, version)
        form = self._forms.get(key)
        if form is not None:
            return form
        row = conn.execute(
            select(forms.c.compiled_json).where(
                forms.c.form_id == form_id, forms.c.version == version
            )
        ).first()
        if row is None:
            return None
        form = compiled_form(conn, form_id, version, row.compiled_json)
        with self._lock:
            self._forms.setdefault(key, form)
        return self._forms[key]
