"""Filling a form on the tablet: a ``survey_forms`` session whose every answer is saved at once.

:class:`EntryEditor` wraps a :class:`survey_forms.FormSession` for one draft entry. Each change
(an answer, a repeat added or removed, a photo) is written to the store before the call returns,
so nothing typed is lost when the battery dies. Finalizing goes through the store, which
refuses unless ``form.validate(answers)`` is empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from field_app import entries, entry_meta
from field_app.attachments import import_photo, store_bytes
from field_app.photos import max_pixels_of, photo_filename, prepare_photo
from field_app.store import Store

__all__ = ["EntryEditor"]


class EntryEditor:
    """Edit one draft entry with autosave."""

    def __init__(self, store: Store, form: Any, entry_id: str) -> None:
        """Open the draft ``entry_id`` of ``form`` (``LifecycleError`` if it is not a draft)."""
        record = store.get_entry(entry_id)
        if record["status"] != entries.DRAFT:
            raise entries.LifecycleError("not_editable", entry_id, record["status"])
        self.store = store
        self.form = form
        self.entry_id = entry_id
        creds = store.credentials() or {}
        meta = {"deviceid": store.device_id,
                "username": (creds.get("user") or {}).get("username", "")}
        self.session = form.new_session(record["answers"], meta)

    @classmethod
    def new(
        cls, store: Store, form: Any, region: str, answers: dict[str, Any] | None = None
    ) -> EntryEditor:
        """Start a new draft of ``form`` for ``region`` and open it.

        The draft records its metadata (``start``, ``today``, ``deviceid``, ``username``) now,
        whatever ``answers`` it starts with (see :mod:`field_app.entry_meta`).
        """
        creds = store.credentials() or {}
        answers = entry_meta.stamp_created(
            form, answers or {}, store.now(), store.device_id,
            str((creds.get("user") or {}).get("username") or ""))
        entry_id = store.create_draft(form.form_id, form.version, region, answers)
        editor = cls(store, form, entry_id)
        editor.save()  # the session may have filled start/deviceid/calculations
        return editor

    def save(self) -> None:
        """Write the session's answers to the store (done after every change)."""
        self.store.save_answers(self.entry_id, self.session.answers())

    def set_answer(self, name: str, value: Any, instance: tuple[int, ...] = ()) -> None:
        """Answer a question and save the draft."""
        self.session.set_answer(name, value, instance)
        self.save()

    def add_repeat(self, name: str, instance: tuple[int, ...] = ()) -> int:
        """Add a repeat instance, save, and return its index."""
        index = self.session.add_repeat(name, instance)
        self.save()
        return index

    def remove_repeat(self, name: str, index: int, instance: tuple[int, ...] = ()) -> None:
        """Remove a repeat instance and save."""
        self.session.remove_repeat(name, index, instance)
        self.save()

    def attach_photo(
        self, name: str, source: str | Path, instance: tuple[int, ...] = (),
        media_type: str | None = None,
    ) -> dict[str, Any]:
        """Keep a photo for question ``name``: the form's ``max-pixels`` applied, named after
        the question, item and entry (see :mod:`field_app.photos`); answer with it and save.

        Only the prepared bytes are kept (under their SHA-256); the source file is not touched.
        Raises ``OSError`` when the file cannot be read and
        :class:`~field_app.photos.PhotoError` when it is not an image.
        """
        answer = self.prepare_photo(name, source, instance, media_type)
        self.set_answer(name, answer, instance)
        return answer

    def prepare_photo(
        self, name: str, source: str | Path, instance: tuple[int, ...] = (),
        media_type: str | None = None,
    ) -> dict[str, Any]:
        """The first half of :meth:`attach_photo`: keep the prepared photo and return its
        answer, without answering (file work only, so it may run off the interface's thread;
        the answer is then given with :meth:`set_answer`)."""
        folder = self.store.folder.parent / "attachments"
        question = self.form.question(name) if self.form.has_question(name) else None
        prepared = prepare_photo(Path(source).read_bytes(), max_pixels_of(question))
        sha = store_bytes(folder, prepared.data)
        return {
            "sha256": sha,
            "filename": photo_filename(name, instance, self.entry_id, sha, prepared.extension),
            "media_type": prepared.media_type if media_type is None or prepared.resized
            else media_type,
        }

    def attach_file(
        self, name: str, source: str | Path, instance: tuple[int, ...] = ()
    ) -> dict[str, Any]:
        """Keep a sound, video or other file for question ``name`` as it is (no scaling),
        named after the question, item and entry like a photo; answer with it and save.
        Raises ``OSError`` when the file cannot be read."""
        folder = self.store.folder.parent / "attachments"
        answer = import_photo(folder, source)
        extension = Path(source).suffix.lstrip(".").lower() or "bin"
        answer["filename"] = photo_filename(
            name, instance, self.entry_id, answer["sha256"], extension
        )
        self.set_answer(name, answer, instance)
        return answer

    def remove_photo(self, name: str, instance: tuple[int, ...] = ()) -> None:
        """Take the photo off question ``name`` and save (its file stays until the
        attachment clean-up; another entry may hold the same photo)."""
        self.set_answer(name, None, instance)

    def value(self, name: str, instance: tuple[int, ...] = ()) -> Any:
        """The current value of a question."""
        return self.session.value(name, instance)

    def is_relevant(self, name: str, instance: tuple[int, ...] = ()) -> bool:
        """Whether a question is shown."""
        return self.session.is_relevant(name, instance)

    def choices(self, name: str, instance: tuple[int, ...] = ()) -> list[Any]:
        """The choices offered for a question (after its choice filter)."""
        return self.session.choices(name, instance)

    def errors(self) -> list[Any]:
        """Current validation issues of relevant questions."""
        return self.session.errors()

    def answers(self) -> dict[str, Any]:
        """The entry's answers as they will be saved."""
        return self.session.answers()

    def finalize(self) -> list[Any]:
        """Save, then finalize if the form validates; return the issues (``[]`` = finalized)."""
        self.save()
        return self.store.finalize_entry(self.entry_id, self.form)
