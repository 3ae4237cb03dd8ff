"""The merge part of a push: an entry's revisions as merge nodes, the form's calculations in
merges, and advancing the head (storing the merge revisions :mod:`sync_server.merge` plans).
Split out of :mod:`sync_server.push`."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import Connection, select

from .entry_rows import PendingRows, issue_dict
from .forms_store import FormCache
from .merge import Calculations, RevisionNode, nodes_from, plan_head
from .messages import message
from .payload import attachment_refs
from .schema import revisions

__all__ = ["advance_head", "load_nodes", "merge_calculations"]

log = logging.getLogger(__name__)


def load_nodes(
    conn: Connection, entry_id: str
) -> tuple[dict[str, RevisionNode], dict[str, str], dict[str, list[dict[str, Any]]]]:
    """Every revision of an entry as merge nodes, with their meta (JSON text) and conflicts."""
    rows = conn.execute(
        select(
            revisions.c.rev,
            revisions.c.parent_rev,
            revisions.c.merge_parent_rev,
            revisions.c.author_kind,
            revisions.c.form_id,
            revisions.c.form_version,
            revisions.c.region,
            revisions.c.answers,
            revisions.c.meta,
            revisions.c.conflicts,
        ).where(revisions.c.entry_id == entry_id)
    ).mappings()
    decoded = []
    metas = {}
    conflicts = {}
    for row in rows:
        item = dict(row)
        item["answers"] = json.loads(item["answers"])
        metas[item["rev"]] = item.pop("meta")
        conflicts[item["rev"]] = json.loads(item.pop("conflicts"))
        decoded.append(item)
    return nodes_from(decoded), metas, conflicts


def merge_calculations(conn: Connection, forms: FormCache, form_id: str) -> Calculations:
    """The form's part in merges (``survey_forms.recompute``): reproducible calculations do
    not conflict and are computed again from each merge's answers, and the head is validated
    (its issues become open conflicts of kind ``"invalid"``). A form version the server does
    not hold has none of these (its answers merge as they are)."""
    from survey_forms.recompute import recompute_calculations, reproducible_calculations

    known: dict[str, frozenset[str]] = {}  # per version: merge steps ask for names then recompute

    def names(version: str) -> frozenset[str]:
        if version not in known:
            form = forms.get(conn, form_id, version)
            known[version] = reproducible_calculations(form) if form is not None else frozenset()
        return known[version]

    def recompute(version: str, answers: dict[str, Any]) -> dict[str, Any]:
        form = forms.get(conn, form_id, version)
        if form is None:
            return answers
        return recompute_calculations(form, answers, names(version))

    def validate(version: str, answers: dict[str, Any]) -> list[dict[str, Any]]:
        form = forms.get(conn, form_id, version)
        if form is None:
            return []
        try:
            return [issue_dict(issue) for issue in form.validate(answers)]
        except Exception:  # a validator bug must not lose the merge: flag it for review
            log.exception("validation crashed on a merged head of form %s", form_id)
            text_ = message("malformed", detail="the merged answers could not be validated")
            return [{"path": "", "code": "malformed", "message": text_}]

    return Calculations(names, recompute, validate)


def advance_head(
    conn: Connection,
    entry: dict[str, Any],
    actor: str,
    now: str,
    tx: PendingRows,
    calculations: Calculations | None = None,
) -> tuple[str, list[dict[str, Any]], bool]:
    """Recompute the head from all revisions; store new merge revisions. Returns
    ``(head_rev, open_conflicts_at_the_head, merged)``: the field conflicts still open at the
    head (:mod:`sync_server.merge`) and, with ``calculations``, its validation issues as
    conflicts of kind ``"invalid"``, so an invalid head is never "received"."""
    nodes, metas, conflicts_by_rev = load_nodes(conn, entry["entry_id"])
    plan = plan_head(nodes, calculations)
    for node, step_conflicts in plan.merges:
        if node.rev in nodes:
            continue
        first_parent_meta = metas.get(node.parents[0], "{}")
        conn.execute(
            revisions.insert().values(
                entry_id=entry["entry_id"],
                rev=node.rev,
                parent_rev=node.parents[0],
                merge_parent_rev=node.parents[1],
                generation=int(node.rev.split("-", 1)[0]),
                form_id=node.form_id,
                form_version=node.form_version,
                region=node.region,
                answers=json.dumps(node.answers, ensure_ascii=False, separators=(",", ":")),
                meta=first_parent_meta,
                attachments=json.dumps(attachment_refs(node.answers)),
                author="server",
                author_kind="merge",
                conflicts=json.dumps(step_conflicts, ensure_ascii=False),
                created_at=now,
            )
        )
        nodes[node.rev] = node
        metas[node.rev] = first_parent_meta
        conflicts_by_rev[node.rev] = step_conflicts
        tx.audit.append(
            (
                actor,
                "entry.merge",
                "entry",
                entry["entry_id"],
                {"rev": node.rev, "parents": list(node.parents), "conflicts": len(step_conflicts)},
            )
        )
    return plan.head, plan.open_conflicts, bool(plan.merges)
