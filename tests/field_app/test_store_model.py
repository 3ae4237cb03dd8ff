"""The store against a plain model, for random sequences of operations and restarts."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from field_app import entries
from field_app.store import Store
from tests.field_app.helpers import kunjungan_form, valid_answers

FORM = kunjungan_form()


class StoreMachine(RuleBasedStateMachine):
    """Each rule does one thing the app does; the model says what must be true afterwards."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="store-model-"))
        self.store = Store(self.folder, durable=False)
        self.model: dict[str, dict] = {}  # entry_id -> {"status", "answers"}
        self.deleted: set[str] = set()

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def ids(self, status: str) -> list[str]:
        # in creation order: entry ids are random UUIDs, so sorting them would make hypothesis's
        # draws differ between a run and its replay (FlakyStrategyDefinition, about 1 run in 25)
        return [k for k, v in self.model.items() if v["status"] == status]

    @rule(n=st.integers(0, 1000))
    def create(self, n: int) -> None:
        entry_id = self.store.create_draft(FORM.form_id, FORM.version, "16.71", valid_answers(n))
        self.model[entry_id] = {"status": entries.DRAFT, "answers": valid_answers(n)}

    @precondition(lambda self: self.ids(entries.DRAFT))
    @rule(data=st.data(), n=st.integers(0, 1000))
    def autosave(self, data: st.DataObject, n: int) -> None:
        entry_id = data.draw(st.sampled_from(self.ids(entries.DRAFT)))
        self.store.save_answers(entry_id, valid_answers(n))
        self.model[entry_id]["answers"] = valid_answers(n)

    @precondition(lambda self: self.ids(entries.DRAFT))
    @rule(data=st.data())
    def finalize(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(self.ids(entries.DRAFT)))
        assert self.store.finalize_entry(entry_id, FORM) == []
        self.model[entry_id]["status"] = entries.FINALIZED

    @precondition(lambda self: self.ids(entries.DRAFT))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(self.ids(entries.DRAFT)))
        if entries.can_delete(self.store.get_entry(entry_id)):
            self.store.delete_draft(entry_id)
            del self.model[entry_id]
            self.deleted.add(entry_id)

    @precondition(lambda self: self.ids(entries.FINALIZED))
    @rule(data=st.data(), reject=st.booleans())
    def server_answers(self, data: st.DataObject, reject: bool) -> None:
        chosen = data.draw(st.lists(st.sampled_from(self.ids(entries.FINALIZED)), min_size=1,
                                    unique=True))
        revs = {p["entry_id"]: p["rev"] for p in self.store.pending_revisions()}
        status = "rejected" if reject else "stored"
        self.store.apply_push_results(
            [{"entry_id": e, "rev": revs[e], "status": status, "error": "invalid"}
             for e in chosen])
        for entry_id in chosen:
            self.model[entry_id]["status"] = entries.DRAFT if reject else entries.SENT

    @precondition(lambda self: self.ids(entries.SENT))
    @rule(data=st.data())
    def correction(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(self.ids(entries.SENT)))
        self.store.start_correction(entry_id)
        self.model[entry_id]["status"] = entries.DRAFT

    @precondition(lambda self: self.ids(entries.FINALIZED))
    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(self.ids(entries.FINALIZED)))
        self.store.reopen_entry(entry_id)  # e.g. to retake a lost photo
        self.model[entry_id]["status"] = entries.DRAFT

    @precondition(lambda self: self.ids(entries.DRAFT))
    @rule(data=st.data())
    def late_acknowledgement(self, data: st.DataObject) -> None:
        """A sync that was sending a revision when it was reopened gets the server's answer:
        the draft stays a draft (re-based on that revision); nothing else changes."""
        entry_id = data.draw(st.sampled_from(self.ids(entries.DRAFT)))
        old = (self.store.get_entry(entry_id).get("reopened") or {}).get("rev")
        if old:
            self.store.apply_push_results([{"entry_id": entry_id, "rev": old,
                                            "status": "stored"}])
            assert self.store.get_entry(entry_id)["parent_rev"] == old

    @precondition(lambda self: self.ids(entries.SENT) or self.ids(entries.DRAFT))
    @rule(data=st.data())
    def reopen_refused(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(self.ids(entries.SENT) + self.ids(entries.DRAFT)))
        try:
            self.store.reopen_entry(entry_id)
        except entries.LifecycleError as exc:
            assert exc.code == "not_reopenable"
        else:
            raise AssertionError("only a finalized entry can be reopened")

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = Store(self.folder, durable=False)

    @invariant()
    def matches_model(self) -> None:
        listed = sorted((s["entry_id"], s["status"]) for s in self.store.list_entries())
        assert listed == sorted((k, v["status"]) for k, v in self.model.items())
        assert not any(self.store.has_entry(e) for e in self.deleted)
        counts = self.store.counts()
        assert all(counts[s] == len(self.ids(s)) for s in entries.STATUSES)
        for entry_id, expected in self.model.items():
            assert self.store.get_entry(entry_id)["answers"] == expected["answers"]
        assert self.store.has_unsent() == bool(self.ids(entries.FINALIZED))
        drafts = {p.stem for p in (self.folder / "drafts").glob("*.json")}
        assert drafts == set(self.ids(entries.DRAFT))  # one file per draft, no orphans


StoreMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStoreMachine = StoreMachine.TestCase
