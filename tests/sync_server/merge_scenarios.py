"""Random merge scenarios of the observation form, played on several servers at once.

A scenario is seeded: tablets (devices of one officer) edit overlapping and disjoint answers
and repeat instances (with ``"@key"`` when the form accepts it), in phases; each phase's
revisions reach every server in its own random order and batching; at each sync point the
servers are compared and checked, a supervisor may resolve the conflict (or edit), tablets pull
the head or go on from their own stale revision (late revisions), and old revisions are resent.

Checks at every sync point (see :func:`play`): the same head everywhere; every answer a leaf
revision wrote is in the head or under an open conflict; repeat edits stay on their instance
(identity paths); resends are duplicates that change nothing; a head stored as "received"
validates; a supervisor's revision stands until a later write touches what it wrote.

Used by tests/sync_server/test_merge_properties.py (short form) and ``stress.merge_properties``
(long form, ``make stress``).
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from survey_forms import load_xlsform, pilot_form_path
from survey_forms.recompute import reproducible_calculations
from survey_forms.revisions import canonical_json
from sync_server.merge import instance_key
from sync_server.merge_paths import flatten
from sync_server.review.diffs import set_path

from .helpers import child, make_revision, observation_answers

FORM = load_xlsform(pilot_form_path("observasi"))
DERIVED = reproducible_calculations(FORM)


def keys_accepted() -> bool:
    """Whether validation accepts ``"@key"`` on repeat instances (the keys change)."""
    answers = observation_answers()
    answers["temuan"][0]["@key"] = "probe"
    return not any(i.code == "unknown_field" for i in FORM.validate(answers))


class Server(Protocol):
    """What a scenario needs from a server (in-process core or live HTTP)."""

    name: str

    def push(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def entry(self, entry_id: str) -> dict[str, Any]: ...

    def resolve(self, entry_id: str, answers: dict[str, Any], parent: str) -> int: ...

    def edit(self, entry_id: str, answers: dict[str, Any], parent: str) -> int: ...


class ScenarioError(AssertionError):
    """A checked property did not hold (the message says which, with the seed)."""


@dataclass
class Scenario:
    """The state of one played scenario (what the tablets and the test know)."""

    seed: int
    keyed: bool
    rnd: random.Random
    entry_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # rev -> answers
    parent: dict[str, str | None] = field(default_factory=dict)  # edit rev -> parent
    kind: dict[str, str] = field(default_factory=dict)  # edit rev -> device/supervisor
    pushed: list[dict[str, Any]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # edit revs in creation order
    base: dict[str, Any] | None = None

    def fail(self, what: str) -> None:
        raise ScenarioError(f"seed {self.seed}: {what}")


# --- tablet edits ----------------------------------------------------------------------

TEXTS = ["Catatan A", "Catatan B", "Bukti lain diperiksa", "Dicek ulang"]


def _new_finding(rnd: random.Random, keyed: bool) -> dict[str, Any]:
    item = {
        "temuan_teks": rnd.choice(["Antrean panjang", "Tarif tidak diumumkan", "Loket tutup"]),
        "temuan_komponen": rnd.choice(["k1", "k2", "k3", "k4"]),
        "rekomendasi": rnd.choice(["Umumkan tarif", "Tambah petugas", "Perbaiki SOP"]),
        "prioritas": rnd.choice(["tinggi", "sedang", "rendah"]),
    }
    if keyed:
        item["@key"] = f"t-{rnd.getrandbits(40):010x}"
    return item


def _edit(answers: dict[str, Any], rnd: random.Random, keyed: bool) -> None:
    kind = rnd.randrange(11)
    findings = answers.setdefault("temuan", [])
    if kind == 0:
        answers["jenis_unit"] = rnd.choice(["mpp", "opd", "rsud", "unit_layanan"])
    elif kind == 1:
        answers["jumlah_petugas"] = rnd.randint(1, 30)
    elif kind == 2:
        answers["nama_unit"] = rnd.choice(["MPP Kota", "RSUD Bari", "Dinas Perizinan"])
    elif kind == 3:
        answers["hasil_i05"] = "terpenuhi"
        answers.pop("catatan_i05", None)
    elif kind == 4:
        answers["hasil_i05"] = "tidak_terpenuhi"
        answers["catatan_i05"] = rnd.choice(TEXTS)
    elif kind == 5:
        answers["bukti_i05"] = sorted({*answers.get("bukti_i05", []), "lainnya"} - {"tidak_ada"})
    elif kind == 6:
        answers["catatan_i05"] = rnd.choice(TEXTS)
    elif kind == 7 and keyed and len(findings) > 1:  # without keys, identity is the index
        findings.pop(rnd.randrange(len(findings)))
    elif kind == 8 and findings:
        rnd.choice(findings)["prioritas"] = rnd.choice(["tinggi", "sedang", "rendah"])
    elif kind == 9 and keyed and len(findings) < 6:
        findings.insert(len(findings), _new_finding(rnd, keyed))
    elif findings:
        rnd.choice(findings)["temuan_teks"] = rnd.choice(["Teks baru", "Teks diperbaiki"])


_ISSUES: dict[str, list[Any]] = {}


def issues_of(answers: dict[str, Any]) -> list[Any]:
    """The form's issues, without "@key" ones (the model accepts keys before the form does);
    memoized, validation being the slow part of a scenario."""
    key = canonical_json(answers)
    if key not in _ISSUES:
        if len(_ISSUES) > 20000:
            _ISSUES.clear()
        _ISSUES[key] = [
            i
            for i in FORM.validate(answers)
            if not (i.code == "unknown_field" and i.path.endswith("/@key"))
        ]
    return _ISSUES[key]


def _issue_paths(answers: dict[str, Any]) -> set[str]:
    return {issue.path for issue in issues_of(answers)}


def _tablet_revision(sc: Scenario, parent_rev: str) -> dict[str, Any] | None:
    """A valid revision on ``parent_rev`` (or one no worse than an invalid parent)."""
    parent_answers = sc.answers[parent_rev]
    allowed = _issue_paths(parent_answers)
    for _attempt in range(6):
        answers = copy.deepcopy(parent_answers)
        for _ in range(sc.rnd.randint(1, 3)):
            _edit(answers, sc.rnd, sc.keyed)
        if answers == parent_answers:
            continue
        if _issue_paths(answers) <= allowed:
            parent = {**sc.base, "rev": parent_rev} if sc.base else None
            assert parent is not None
            rev = child(parent, answers)
            sc.answers[rev["rev"]] = answers
            sc.parent[rev["rev"]] = parent_rev
            sc.kind[rev["rev"]] = "device"
            sc.order.append(rev["rev"])
            return rev
    return None


# --- delivering ------------------------------------------------------------------------


def _topological_shuffle(sc: Scenario, revs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A random order of ``revs`` in which every parent comes before its children."""
    pending = list(revs)
    done: set[str] = set()
    out: list[dict[str, Any]] = []
    ids = {r["rev"] for r in revs}
    while pending:
        ready = [r for r in pending if r["parent_rev"] not in ids or r["parent_rev"] in done]
        pick = sc.rnd.choice(ready)
        pending.remove(pick)
        done.add(pick["rev"])
        out.append(pick)
    return out


def _deliver(sc: Scenario, servers: list[Server], revs: list[dict[str, Any]]) -> None:
    for server in servers:
        ordered = _topological_shuffle(sc, revs)
        while ordered:
            size = sc.rnd.randint(1, max(1, len(ordered)))
            batch, ordered = ordered[:size], ordered[size:]
            results = server.push(batch)
            bad = [r for r in results if r["status"] == "rejected"]
            if bad:
                sc.fail(f"{server.name} rejected {bad}")


# --- checks ----------------------------------------------------------------------------


def _conflict_paths(head: dict[str, Any]) -> list[tuple[str, ...]]:
    """Identity paths of the open field conflicts (indexes resolved in the head)."""
    out = []
    for conflict in head["conflicts"]:
        if conflict.get("kind") == "invalid":
            continue
        path: list[str] = []
        node: Any = head["answers"]
        for part in conflict["path"].split("/"):
            name, _, rest = part.partition("[")
            path.append(name)
            node = node.get(name) if isinstance(node, dict) else None
            if rest:
                if not rest.rstrip("]").isdigit():
                    raise ScenarioError(
                        f"conflict path {conflict['path']!r} does not index the head"
                    )
                index = int(rest.rstrip("]"))
                item = node[index] if isinstance(node, list) and index < len(node) else {}
                path.append(instance_key(item, index))
                node = item
        out.append(tuple(path))
    return out


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    fb, fa = flatten(before)[0], flatten(after)[0]
    out = {}
    for path in set(fb) | set(fa):
        if path[-1] in DERIVED:
            continue
        if fb.get(path, _ABSENT) != fa.get(path, _ABSENT):
            out[path] = fa.get(path, _ABSENT)
    return out


_ABSENT: Any = object()


def _covered(path: tuple[str, ...], conflicts: list[tuple[str, ...]]) -> bool:
    return any(path[: len(c)] == c or c[: len(path)] == path for c in conflicts)


def _leaves(sc: Scenario, head: dict[str, Any]) -> list[str]:
    """Our edit revisions that no other edit revision descends from (through merges too)."""
    parents: dict[str, list[str]] = {}
    for row in head["revisions"]:
        parents[row["rev"]] = [p for p in (row["parent_rev"], row["merge_parent_rev"]) if p]
    covered: set[str] = set()
    for rev in sc.order:
        stack = list(parents.get(rev, []))
        while stack:
            current = stack.pop()
            if current not in covered:
                covered.add(current)
                stack.extend(parents.get(current, []))
    return [rev for rev in sc.order if rev not in covered and sc.parent.get(rev) is not None]


def _plain(conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conflicts without their writers (``ours_by``/``theirs_by``: the model has none)."""
    return [{k: v for k, v in c.items() if not k.endswith("_by")} for c in conflicts]


def _has_writers(head: dict[str, Any]) -> bool:
    return any(k.endswith("_by") for c in head["conflicts"] for k in c)


def _writers(conflicts: list[dict[str, Any]]) -> list[Any]:
    """Who wrote each side, without ``at`` (when this server received it: differs between
    servers that hold the same revisions)."""
    return [{side: {k: v for k, v in (c.get(side) or {}).items() if k != "at"}
             for side in ("ours_by", "theirs_by")} for c in conflicts]


def _check(sc: Scenario, servers: list[Server], last_supervisor: str | None) -> dict[str, Any]:
    heads = [server.entry(sc.entry_id) for server in servers]
    first = heads[0]
    for server, head in zip(servers, heads, strict=True):
        same = (head["rev"], head["answers"], _plain(head["conflicts"]), head["review_status"])
        if same != (first["rev"], first["answers"], _plain(first["conflicts"]),
                    first["review_status"]):
            sc.fail(f"{server.name} has another head than {servers[0].name}")
        if _has_writers(head) and _has_writers(first) and \
                _writers(head["conflicts"]) != _writers(first["conflicts"]):
            sc.fail(f"{server.name} names other writers of a conflict than {servers[0].name}")
    if first["review_status"] == "received" and issues_of(first["answers"]):
        sc.fail(f"head stored as received does not validate: {issues_of(first['answers'])}")
    if first["review_status"] != "conflict" and first["conflicts"]:
        sc.fail("conflicts listed on an entry that is not in conflict")
    sc.answers.setdefault(first["rev"], first["answers"])
    head_flat = flatten(first["answers"])[0]
    conflicts = _conflict_paths(first)
    # every answer a leaf wrote is in the head or under an open conflict
    for rev in _leaves(sc, first):
        for path, value in _changed(sc.answers[sc.parent[rev]], sc.answers[rev]).items():
            if head_flat.get(path, _ABSENT) != value and not _covered(path, conflicts):
                sc.fail(f"leaf {rev} wrote {path}={value!r}: not in the head nor a conflict")
    # a supervisor's revision stands until a later write touches what it wrote
    if last_supervisor is not None:
        written = _changed(sc.answers[sc.parent[last_supervisor]], sc.answers[last_supervisor])
        later = sc.order[sc.order.index(last_supervisor) + 1 :]
        touched: set[tuple[str, ...]] = set()
        for rev in later:
            before = sc.answers[sc.parent[rev] or rev]
            touched |= set(_changed(before, sc.answers[rev]))
        removed = [p for p, v in written.items() if len(p) % 2 == 0 and v is _ABSENT]
        for path, value in written.items():
            if any(_covered(path, [t]) for t in touched):
                continue
            # a removed instance whose fields a later revision edits: a conflict, not a loss
            gone = [r for r in removed if path[: len(r)] == r]
            if any(t[: len(r)] == r for r in gone for t in touched):
                continue
            if head_flat.get(path, _ABSENT) != value or _covered(path, conflicts):
                sc.fail(f"the supervisor's {path}={value!r} did not stand")
    # resends are duplicates and change nothing
    resend = sc.rnd.sample(sc.pushed, min(3, len(sc.pushed)))
    for server in servers:
        results = server.push(resend)
        if any(r["status"] != "duplicate" for r in results):
            sc.fail(f"{server.name}: resend not a duplicate: {results}")
        if server.entry(sc.entry_id)["rev"] != first["rev"]:
            sc.fail(f"{server.name}: a resend moved the head")
    return first


# --- supervisor ------------------------------------------------------------------------


def _supervisor_answers(sc: Scenario, head: dict[str, Any]) -> dict[str, Any]:
    answers = copy.deepcopy(head["answers"])
    changes = []
    for conflict in head["conflicts"]:
        if conflict.get("kind") == "invalid":
            continue
        choice = sc.rnd.choice(["ours", "theirs", "base"])
        changes.append((conflict["path"], conflict.get(choice)))
    sets = [(p, v) for p, v in dict(changes).items() if v is not None]
    removals = sorted((p for p, v in dict(changes).items() if v is None), reverse=True)
    for path, value in sets:
        answers = set_path(answers, path, value)
    for path in removals:
        answers = set_path(answers, path, None)
    if "catatan_i05" not in answers and sc.rnd.random() < 0.9:
        answers["catatan_i05"] = "Dicek supervisor"
    if head["review_status"] != "conflict" or sc.rnd.random() < 0.3:
        answers["jumlah_petugas"] = sc.rnd.randint(1, 30)
    return answers


def _supervise(sc: Scenario, servers: list[Server], head: dict[str, Any]) -> str | None:
    answers = _supervisor_answers(sc, head)
    act: Callable[[Server], int]
    if head["review_status"] == "conflict":

        def act(server: Server) -> int:
            return server.resolve(sc.entry_id, answers, head["rev"])
    else:

        def act(server: Server) -> int:
            return server.edit(sc.entry_id, answers, head["rev"])

    codes = {server.name: act(server) for server in servers}
    if len(set(codes.values())) != 1:
        sc.fail(f"servers answered the supervisor differently: {codes}")
    if next(iter(codes.values())) != 201:
        return None
    after = servers[0].entry(sc.entry_id)
    rev = after["rev"]
    sc.answers[rev] = after["answers"]
    sc.parent[rev] = head["rev"]
    sc.kind[rev] = "supervisor"
    sc.order.append(rev)
    return rev


# --- playing ---------------------------------------------------------------------------


def play(seed: int, servers: list[Server], keyed: bool, phases: int = 3) -> Scenario:
    """Play one seeded scenario on ``servers``; raises :class:`ScenarioError` on a broken
    property."""
    rnd = random.Random(seed)
    sc = Scenario(seed, keyed, rnd)
    answers = observation_answers()
    if keyed:
        for item in answers["temuan"]:
            item["@key"] = f"t-{rnd.getrandbits(40):010x}"
    base = make_revision(answers, entry_id=sc.entry_id)
    sc.base = base
    sc.answers[base["rev"]] = answers
    sc.parent[base["rev"]] = None
    sc.kind[base["rev"]] = "device"
    sc.order.append(base["rev"])
    sc.pushed.append(base)
    _deliver(sc, servers, [base])
    tablets = [base["rev"]] * rnd.randint(2, 3)
    last_supervisor: str | None = None
    for _phase in range(phases):
        new: list[dict[str, Any]] = []
        for t, parent in enumerate(tablets):
            if rnd.random() < 0.25:
                continue
            if rnd.random() < 0.1:
                parent = base["rev"]  # a late revision from an old copy
            for _ in range(rnd.randint(1, 2)):
                rev = _tablet_revision(sc, parent)
                if rev is None:
                    break
                new.append(rev)
                parent = rev["rev"]
            tablets[t] = parent
        sc.pushed.extend(new)
        _deliver(sc, servers, new)
        head = _check(sc, servers, last_supervisor)
        if rnd.random() < (0.6 if head["review_status"] == "conflict" else 0.2):
            made = _supervise(sc, servers, head)
            if made is not None:
                last_supervisor = made
                head = _check(sc, servers, last_supervisor)
        sc.answers.setdefault(head["rev"], head["answers"])
        for t in range(len(tablets)):
            if rnd.random() < 0.6:
                tablets[t] = head["rev"]  # pulled the head
    return sc
