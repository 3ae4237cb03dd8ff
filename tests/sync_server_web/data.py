"""Entries for the web tests, pushed through the core service like a tablet would."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask

from tests.sync_server.helpers import child, make_revision, observation_answers

from .conftest import push_as

__all__ = ["child", "make_revision", "new_entry", "observation_answers", "push_as"]


def new_entry(
    app: Flask,
    officer: str = "petugas_plg",
    region: str = "16.71",
    changes: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Push one observation entry (answers of the complete fixture, with ``changes``); returns
    the pushed revision (``entry_id``, ``rev``, ``answers``, ...)."""
    answers = copy.deepcopy(observation_answers(region))
    answers.update(changes or {})
    for name in drop:
        answers.pop(name, None)
    revision = make_revision(answers, region=region, officer=officer)
    result = push_as(app, officer, [revision])[0]
    assert result["status"] == "stored", result
    return revision
