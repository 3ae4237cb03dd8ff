"""Photos missing or damaged on the tablet, shown on the form screen, and reopening an entry.

Two places of :class:`~field_app.ui.screens.form.FormScreen` use this module:

* a finalized entry waiting to be sent opens read-only; on top of its pages a panel lists every
  photo that is missing or damaged (each named, missing or damaged said apart) and offers
  **Buka kembali untuk diperbaiki**: the entry becomes a draft again
  (:meth:`field_app.store.Store.reopen_entry`), opens at the first affected photo, and the
  officer retakes or removes it and finalizes again;
* the summary page of a draft lists the same problems, and finalizing is refused while any
  remains (the entry could not be sent without its photos).
"""

from __future__ import annotations

import logging
from typing import Any

from field_app import entries
from field_app.photo_check import PhotoProblem, describe_problems
from field_app.ui.texts import tr
from field_app.ui.widgets import ErrorLabel, HintLabel, PrimaryButton

__all__ = ["add_problem_lines", "add_reopen_panel", "current_problems", "reopen"]

log = logging.getLogger(__name__)


def current_problems(screen: Any) -> list[PhotoProblem]:
    """The photos of the entry shown that are missing or damaged on the tablet."""
    return screen.app.controller.photo_problems(screen.editor.answers())


def add_problem_lines(screen: Any, body: Any, problems: list[PhotoProblem]) -> None:
    """One error line per problem photo (in the officer's language) into ``body``."""
    if not problems:
        return
    text = describe_problems(problems, screen.form)
    body.add_widget(ErrorLabel(text=text.get(screen.lang) or text["id"]))


def add_reopen_panel(screen: Any, body: Any) -> None:
    """On a read-only finalized entry: its photo problems and the button to reopen it."""
    if not screen.read_only:
        return
    record = getattr(screen.editor, "record", None) or {}
    if record.get("status") != entries.FINALIZED:
        return
    add_problem_lines(screen, body, current_problems(screen))
    body.add_widget(HintLabel(text=tr("form.reopen.hint", screen.lang)))
    button = PrimaryButton(text=tr("form.reopen.button", screen.lang))
    button.bind(on_release=lambda *_: reopen(screen))
    screen.ids["reopen_button"] = button
    body.add_widget(button)


def reopen(screen: Any) -> None:
    """Reopen the entry shown as a draft and go to its first problem photo."""
    entry_id = screen.editor.entry_id
    controller = screen.app.controller
    try:
        controller.reopen_entry(entry_id)
    except entries.LifecycleError as exc:
        key = "form.reopen.busy" if exc.code == "sync_running" else "form.reopen.not_allowed"
        screen.app.notify(tr(key, screen.lang))
        return
    except Exception:
        log.exception("cannot reopen %s", entry_id)
        screen.app.notify(tr("error.unexpected", screen.lang))
        return
    screen.prepare(entry_id=entry_id)
    problems = current_problems(screen)
    if problems:
        target = screen._page_of_question(problems[0].question, problems[0].instance)
        if target is not None:
            screen.show_page(target)
    screen.app.notify(tr("form.reopen.done", screen.lang))
