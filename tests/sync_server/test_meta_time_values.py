"""Implausible times from tablets, end to end on a live server (SQLite and PostgreSQL).

Review of issues 14 and 19, gap 1: a ``finalized_at`` of year 9999 made the whole push batch a
500, and a stored ``started_at`` of ``9999-12-31T23:59:59-23:59`` made the entry page a 500. The
class hunted: any time-like value a tablet sends, or an old row holds, on every path that
reads it (push, entry name, pages, exports, API, pull feed, later edits and merges).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import select, update

from survey_forms import pilot_form_path
from sync_server.schema import entries, revisions
from tests.support.server import LiveServer, create_user, engine_of, publish_form, start_live_server

from .attachment_support import web_session
from .authz_support import pg_schema
from .bad_times import BAD_MOMENTS
from .helpers import OBS_FORM, PASSWORD, Client, child, make_revision, observation_answers

#: what an old row may hold in a meta time, beyond the bad texts: not a text at all
STORED_ODDITIES: list[Any] = [12345, {"at": "2024"}, ["2024-08-13"], True]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def srv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One seeded live server per backend for the module."""
    with ExitStack() as stack:
        url = stack.enter_context(pg_schema()) if request.param == "postgres" else None
        server = start_live_server(
            tmp_path_factory.mktemp(f"times-{request.param}"), url, SESSION_COOKIE_SECURE=False
        )
        stack.callback(server.stop)
        publish_form(server.app, pilot_form_path("observasi"))
        create_user(server.app, "petugas_plg", PASSWORD, "officer", ["16.71"])
        create_user(server.app, "spv_plg", PASSWORD, "supervisor", ["16.71"])
        create_user(server.app, "admin", PASSWORD, "admin", [])
        yield server


def test_a_bad_time_is_set_aside_and_its_revision_stored(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    parent = make_revision(observation_answers())
    assert tab.push(parent)[0]["status"] == "stored"
    batch, bad_at = [], {}
    for kind, value in sorted(BAD_MOMENTS.items()):
        for field in ("started_at", "finalized_at"):
            batch.append(make_revision(observation_answers()))  # a good one before each bad one
            bad = make_revision(observation_answers())
            bad["meta"][field] = value
            bad_at[len(batch)] = (field, kind)
            batch.append(bad)
    # and a bad time on a later revision of a stored entry
    later = child(parent, dict(copy.deepcopy(parent["answers"]), jumlah_petugas=2))
    later["meta"]["finalized_at"] = BAD_MOMENTS["far future, offset -23:59"]
    bad_at[len(batch)] = ("finalized_at", "later revision")
    batch.append(later)
    resp = tab.session.post(tab.base + "/sync/push", json={"revisions": batch}, timeout=60)
    assert resp.status_code == 200, resp.text[:500]
    results = resp.json()["results"]
    assert len(results) == len(batch)
    for i, result in enumerate(results):
        if i in bad_at:
            field, kind = bad_at[i]
            assert result["status"] in ("stored", "merged"), (kind, result)
            shown = spv.get(f"/entries/{batch[i]['entry_id']}")
            assert shown.status_code == 200, (kind, shown.text[:300])
            assert field not in shown.json()["meta"], (kind, shown.json()["meta"])
        else:
            assert result["status"] == "stored", result
            assert spv.get(f"/entries/{batch[i]['entry_id']}").status_code == 200
    assert spv.get(f"/entries/{parent['entry_id']}").json()["rev"] == later["rev"]


def _store_bad_times(server: LiveServer, entry_id: str, value: Any) -> None:
    """Give the entry a head whose meta times (and time answers) hold ``value``, written
    straight into the database as a row stored before the push checked them (revisions are
    append-only: a new head row is added on top of the current one)."""
    engine = engine_of(server.app)
    with engine.begin() as conn:
        head_rev = conn.execute(
            select(entries.c.head_rev).where(entries.c.entry_id == entry_id)
        ).scalar_one()
        row = dict(
            conn.execute(
                select(revisions).where(
                    revisions.c.entry_id == entry_id, revisions.c.rev == head_rev
                )
            ).mappings().one()
        )
        meta = dict(json.loads(row["meta"]), started_at=value, finalized_at=value)
        answers = json.loads(row["answers"])
        if isinstance(value, str):
            answers.update(start=value, end=value)
        generation = row["generation"] + 1
        row.pop("id")
        row.update(
            rev=f"{generation}-{uuid.uuid4().hex}",
            parent_rev=head_rev,
            merge_parent_rev=None,
            generation=generation,
            meta=json.dumps(meta),
            answers=json.dumps(answers),
        )
        conn.execute(revisions.insert().values(**row))
        conn.execute(
            update(entries).where(entries.c.entry_id == entry_id).values(head_rev=row["rev"])
        )


def _no_5xx(session: Any, url: str) -> Any:
    resp = session.get(url, timeout=60)
    assert resp.status_code < 500, (url, resp.status_code, resp.text[:300])
    return resp


def test_stored_bad_times_break_no_page_export_or_api(srv: LiveServer) -> None:
    tab, spv = Client(srv.url, "petugas_plg"), Client(srv.url, "spv_plg")
    values = [*BAD_MOMENTS.values(), *STORED_ODDITIES]
    plain, conflicted = [], []
    for value in values:
        base = make_revision(observation_answers())
        assert tab.push(base)[0]["status"] == "stored"
        side_a = child(base, dict(copy.deepcopy(base["answers"]), jenis_unit="rsud"))
        side_b = child(base, dict(copy.deepcopy(base["answers"]), jenis_unit="opd"))
        assert tab.push(side_a, side_b)[-1]["status"] == "conflict"
        other = make_revision(observation_answers())
        assert tab.push(other)[0]["status"] == "stored"
        for entry in (base, other):
            _store_bad_times(srv, entry["entry_id"], value)
        plain.append(other)
        conflicted.append((base, side_a))
    web = web_session(srv.url, "spv_plg")
    admin = web_session(srv.url, "admin")
    for path in (
        "/", "/review", "/dashboard", "/conflicts", f"/forms/{OBS_FORM}/entries",
        f"/forms/{OBS_FORM}/entries?sort=entry_date", f"/forms/{OBS_FORM}/entries?text=9999",
        f"/export/{OBS_FORM}.csv", f"/export/{OBS_FORM}.xlsx", f"/export/{OBS_FORM}.zip",
        f"/export/{OBS_FORM}/size",
    ):  # fmt: skip
        assert _no_5xx(web, srv.url + path).status_code == 200, path
    assert _no_5xx(admin, srv.url + "/admin/audit").status_code == 200
    for other, (base, _) in zip(plain, conflicted, strict=True):
        for eid in (other["entry_id"], base["entry_id"]):
            page = _no_5xx(web, f"{srv.url}/entries/{eid}")
            assert page.status_code == 200
            assert _no_5xx(spv.session, f"{tab.base}/entries/{eid}").status_code == 200
        assert _no_5xx(web, f"{srv.url}/entries/{other['entry_id']}/form").status_code == 200
        assert _no_5xx(web, f"{srv.url}/entries/{base['entry_id']}/conflict").status_code == 200
    changes, _ = tab.pull_all()
    assert len(changes) >= 2 * len(values)
    # writes on top of such rows: an edit (the entry's name is computed again from the meta),
    # a tablet's next revision, and a merge of two tablet revisions
    for other, (base, side_a) in zip(plain, conflicted, strict=True):
        head = spv.get(f"/entries/{other['entry_id']}").json()
        resp = spv.post(
            f"/entries/{other['entry_id']}/revisions",
            json={"parent_rev": head["rev"], "answers": dict(head["answers"], jumlah_petugas=6)},
        )
        assert resp.status_code == 201, resp.text[:300]
        next_rev = child(other, dict(copy.deepcopy(other["answers"]), jumlah_petugas=8))
        assert tab.push(next_rev)[0]["status"] in ("merged", "conflict"), next_rev
        late = child(side_a, dict(copy.deepcopy(side_a["answers"]), nama_unit="Unit baru"))
        assert tab.push(late)[0]["status"] == "conflict"
        for eid in (other["entry_id"], base["entry_id"]):
            assert _no_5xx(web, f"{srv.url}/entries/{eid}").status_code == 200
    assert _no_5xx(web, f"{srv.url}/export/{OBS_FORM}.csv").status_code == 200
    assert _no_5xx(web, f"{srv.url}/dashboard").status_code == 200
