"""A model server over the pure merge (sync_server.merge), for the merge scenarios.

It stores revisions in memory and plans the head the way the real server does (validation,
tolerated revisions on invalid heads, calculations recomputed, supervisor resolutions). Its use:
playing scenarios with repeat ``"@key"``s before the server's validation accepts them (the
model's validator ignores that one issue), and a fast extra "server" next to the real ones.
"""

from __future__ import annotations

from typing import Any

from survey_forms import Form
from survey_forms.recompute import (
    recompute_calculations,
    reproducible_calculations,
    validate_and_recalculate,
)
from survey_forms.revisions import canonical_json, revision_id
from sync_server.merge import Calculations, RevisionNode, plan_head

_ISSUES: dict[tuple[int, bool, str], list[Any]] = {}  # shared by all model servers


def _is_key_issue(issue: Any) -> bool:
    return issue.code == "unknown_field" and issue.path.endswith("/@key")


class ModelServer:
    """One model server (all entries of one officer, one form)."""

    def __init__(self, name: str, form: Form, accept_keys: bool = True) -> None:
        self.name = name
        self.form = form
        self.accept_keys = accept_keys
        self.names = reproducible_calculations(form)
        self.nodes: dict[str, dict[str, RevisionNode]] = {}
        self.heads: dict[str, dict[str, Any]] = {}
        self.calcs = Calculations(
            names=lambda _v: self.names,
            recompute=lambda _v, answers: recompute_calculations(form, answers, self.names),
            validate=lambda _v, answers: [i.to_json() for i in self.issues(answers)],
        )

    def issues(self, answers: dict[str, Any]) -> list[Any]:
        """The form's issues (without the "@key" one when keys are accepted), memoized."""
        key = (id(self.form), self.accept_keys, canonical_json(answers))
        if key not in _ISSUES:
            if len(_ISSUES) > 20000:
                _ISSUES.clear()
            found = self.form.validate(answers)
            _ISSUES[key] = [i for i in found if not (self.accept_keys and _is_key_issue(i))]
        return _ISSUES[key]

    def _plan(self, entry_id: str) -> None:
        nodes = self.nodes[entry_id]
        plan = plan_head(nodes, self.calcs)
        for node, _ in plan.merges:
            nodes.setdefault(node.rev, node)
        head = self.heads[entry_id]
        head["rev"] = plan.head
        head["conflicts"] = plan.open_conflicts
        head["review_status"] = "conflict" if plan.open_conflicts else "received"

    def push(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = []
        for item in items:
            entry_id, rev, parent = item["entry_id"], item["rev"], item["parent_rev"]
            nodes = self.nodes.setdefault(entry_id, {})
            if rev in nodes:
                results.append({"rev": rev, "status": "duplicate"})
                continue
            if parent is not None and parent not in nodes:
                results.append({"rev": rev, "status": "rejected", "error": "unknown_parent"})
                continue
            issues = {i.path for i in self.issues(item["answers"])}
            before = {i.path for i in self.issues(dict(nodes[parent].answers))} if parent else set()
            if issues and not (before and issues <= before):
                results.append({"rev": rev, "status": "rejected", "error": "invalid"})
                continue
            # as the server: a valid revision is stored with the server's calculated values,
            # a tolerated invalid one as sent
            answers = item["answers"]
            if not issues:
                answers = validate_and_recalculate(self.form, answers)[1] or answers
            nodes[rev] = RevisionNode(
                rev,
                (parent,) if parent else (),
                "device",
                item["form_id"],
                item["form_version"],
                item["region"],
                answers,
            )
            self.heads.setdefault(entry_id, {})
            self._plan(entry_id)
            results.append({"rev": rev, "status": "stored"})
        return results

    def entry(self, entry_id: str) -> dict[str, Any]:
        head = self.heads[entry_id]
        nodes = self.nodes[entry_id]
        node = nodes[head["rev"]]
        return {
            **head,
            "answers": dict(node.answers),
            "revisions": [
                {
                    "rev": n.rev,
                    "parent_rev": n.parents[0] if n.parents else None,
                    "merge_parent_rev": n.parents[1] if len(n.parents) > 1 else None,
                }
                for n in nodes.values()
            ],
        }

    def _supervise(
        self, entry_id: str, answers: dict[str, Any], parent: str, resolving: bool
    ) -> int:
        head = self.heads[entry_id]
        if (head["review_status"] == "conflict") != resolving:
            return 409
        if parent != head["rev"]:
            return 409
        if self.issues(answers):
            return 422
        answers = recompute_calculations(self.form, answers)
        if self.issues(answers):
            return 422
        base = self.nodes[entry_id][parent]
        rev = revision_id(parent, base.form_id, base.form_version, base.region, answers)
        if rev == parent:
            return 400
        self.nodes[entry_id][rev] = RevisionNode(
            rev, (parent,), "supervisor", base.form_id, base.form_version, base.region, answers
        )
        head.update(rev=rev, conflicts=[], review_status="received")
        return 201

    def resolve(self, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        return self._supervise(entry_id, answers, parent, True)

    def edit(self, entry_id: str, answers: dict[str, Any], parent: str) -> int:
        return self._supervise(entry_id, answers, parent, False)
