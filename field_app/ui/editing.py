"""Adapters the form screen needs around the core's :class:`~field_app.form_session.EntryEditor`.

* :func:`move_repeat`: the editor has no ``move_repeat`` yet; this moves through its session
  and saves (to be replaced by ``EntryEditor.move_repeat`` when the core adds it).
* :class:`ReadOnlyEntry`: the same reading interface over an entry that cannot be edited
  (sent, waiting to be sent, or in conflict), so one screen shows both.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ReadOnlyEntry", "comment_of", "move_repeat"]


def move_repeat(editor: Any, name: str, index: int, new_index: int,
                instance: tuple[int, ...] = ()) -> None:
    """Move repeat instance ``index`` of ``name`` to ``new_index`` and save the draft."""
    editor.session.move_repeat(name, index, new_index, instance)
    editor.save()


def comment_of(record: dict[str, Any]) -> str:
    """The supervisor's comment to show on an entry being corrected (``""`` if none)."""
    correction = record.get("correction") or {}
    return correction.get("comment") or record.get("review_comment") or ""


class ReadOnlyEntry:
    """An entry shown without editing: a session over its answers, never saved."""

    read_only = True

    def __init__(self, form: Any, record: dict[str, Any]) -> None:
        """Show ``record`` (a store record) with ``form``."""
        self.form = form
        self.entry_id = record["entry_id"]
        self.record = record
        self.session = form.new_session(record["answers"], {})

    def value(self, name: str, instance: tuple[int, ...] = ()) -> Any:
        """The current value of a question."""
        return self.session.value(name, instance)

    def answers(self) -> dict[str, Any]:
        """The entry's answers."""
        return self.session.answers()
