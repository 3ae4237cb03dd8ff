"""Invalid heads and the revisions tablets build on them.

A merged head that does not validate is stored with open conflicts of kind ``"invalid"``
(:mod:`sync_server.merge`). A tablet that pulled such a head keeps working on it: its next
revision is accepted although it is not valid yet, as long as it does not make things worse
(every invalid path it has was already invalid in its parent). The entry stays in conflict
until the issues are fixed (by the tablet or by a supervisor's resolution).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from .forms_store import FormCache
from .payload import Revision
from .schema import revisions

__all__ = ["has_open_conflicts", "tolerated_issues"]

log = logging.getLogger(__name__)


def has_open_conflicts(conflicts_json: str | None) -> bool:
    """Whether an entry has open conflicts: then even a tablet revision on top of its head is
    planned again (its validity decides the "invalid" ones, and conflict paths are indexed in
    the new head, whose repeat instances may have moved)."""
    return bool(conflicts_json) and conflicts_json.strip() != "[]"


def tolerated_issues(
    conn: Connection,
    forms: FormCache,
    rev: Revision,
    issues: Sequence[Any],
    batch: Mapping[str, Revision] | None = None,
) -> bool:
    """Whether ``rev`` (with validation ``issues``) builds on an invalid revision of the same
    entry (stored, or earlier in the same ``batch``) and adds no invalid path beyond that
    parent's."""
    if rev.parent_rev is None or not issues:
        return False
    pending = (batch or {}).get(rev.parent_rev)
    if pending is not None and pending.entry_id == rev.entry_id:
        parent = (pending.form_id, pending.form_version, pending.answers)
    else:
        row = conn.execute(
            select(revisions.c.answers, revisions.c.form_id, revisions.c.form_version).where(
                revisions.c.entry_id == rev.entry_id, revisions.c.rev == rev.parent_rev
            )
        ).first()
        if row is None:
            return False
        parent = (row.form_id, row.form_version, json.loads(row.answers))
    form_id, version, answers = parent
    if form_id != rev.form_id:
        return False
    form = forms.get(conn, form_id, version)
    if form is None:
        return False
    try:
        parent_issues = form.validate(answers)
    except Exception:
        log.exception("validation crashed on revision %s", rev.parent_rev)
        return False
    before = {issue.path for issue in parent_issues}
    return bool(before) and all(issue.path in before for issue in issues)
