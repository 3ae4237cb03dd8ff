"""Merging is deterministic: the same set of revisions gives the same head in any arrival order."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sync_server.db import read_tx
from sync_server.entries import push
from sync_server.schema import entries, revisions

from .helpers import make_revision
from .services import ServiceDb, make_service_db

TEXT = st.text("abc", min_size=1, max_size=2)
INSTANCE = st.fixed_dictionaries({"t": TEXT}, optional={"u": TEXT})
ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "a": TEXT,
        "b": TEXT,
        "c": TEXT,
        "n": st.integers(0, 3),
        "r": st.lists(INSTANCE, min_size=1, max_size=3),
    },
)


@pytest.fixture
def db(database_url: str) -> Iterator[ServiceDb]:
    service = make_service_db(database_url)
    yield service
    service.engine.dispose()


@st.composite
def revision_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A root revision and 2-4 edits, each on top of an earlier one (a tree)."""
    nodes = [
        make_revision(
            draw(ANSWERS),
            entry_id="00000000-0000-0000-0000-000000000000",
            form_id="mini",
            form_version="1",
        )
    ]
    for _ in range(draw(st.integers(2, 4))):
        parent = draw(st.sampled_from(nodes))
        answers = draw(ANSWERS)
        rev = make_revision(
            answers,
            entry_id=parent["entry_id"],
            parent_rev=parent["rev"],
            form_id="mini",
            form_version="1",
        )
        if all(rev["rev"] != n["rev"] for n in nodes):
            nodes.append(rev)
    return nodes


def arrival_order(data: st.DataObject, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A random order in which every parent arrives before its children."""
    pending = list(nodes)
    arrived: set[str | None] = {None}
    order = []
    while pending:
        ready = [n for n in pending if n["parent_rev"] in arrived]
        pick = ready[data.draw(st.integers(0, len(ready) - 1))]
        pending.remove(pick)
        arrived.add(pick["rev"])
        order.append(pick)
    return order


def state_of(db: ServiceDb, entry_id: str) -> dict[str, Any]:
    with read_tx(db.engine) as conn:
        entry = conn.execute(select(entries).where(entries.c.entry_id == entry_id)).one()
        answers = conn.execute(
            select(revisions.c.answers).where(
                revisions.c.entry_id == entry_id, revisions.c.rev == entry.head_rev
            )
        ).scalar_one()
    return {
        "head": entry.head_rev,
        "answers": json.loads(answers),
        "status": entry.review_status,
        # each side's writer is part of the state; only when this server received it is not
        "conflicts": [
            {k: ({f: x for f, x in v.items() if f != "at"} if k.endswith("_by") else v)
             for k, v in conflict.items()}
            for conflict in json.loads(entry.conflicts)
        ],
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=revision_trees(), data=st.data())
def test_head_is_independent_of_arrival_order(
    db: ServiceDb, tree: list[dict[str, Any]], data: st.DataObject
) -> None:
    finals = []
    for _ in range(2):
        entry_id = str(uuid.uuid4())
        for item in arrival_order(data, tree):
            result = push(db.engine, db.forms, db.officer, [{**item, "entry_id": entry_id}])[0]
            assert result["status"] in ("stored", "merged", "conflict"), result
        finals.append(state_of(db, entry_id))
    assert finals[0] == finals[1]


def test_branches_arriving_in_both_orders_give_one_head(db: ServiceDb) -> None:
    root = make_revision({"a": "x", "b": "x"}, form_id="mini", form_version="1")
    left = make_revision(
        {"a": "y", "b": "x"},
        entry_id=root["entry_id"],
        parent_rev=root["rev"],
        form_id="mini",
        form_version="1",
    )
    right = make_revision(
        {"a": "x", "b": "z"},
        entry_id=root["entry_id"],
        parent_rev=root["rev"],
        form_id="mini",
        form_version="1",
    )
    heads = []
    for order in ((root, left, right), (root, right, left)):
        entry_id = str(uuid.uuid4())
        results = [
            push(db.engine, db.forms, db.officer, [{**r, "entry_id": entry_id}])[0] for r in order
        ]
        assert [r["status"] for r in results] == ["stored", "stored", "merged"]
        heads.append(state_of(db, entry_id))
    assert heads[0] == heads[1]
    assert heads[0]["answers"] == {"a": "y", "b": "z"}
    assert heads[0]["status"] == "received"
