"""Bad input never gives a 500 and never changes what is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, update

from sync_server.db import read_tx, write_tx
from sync_server.schema import audit_log, changes, device_tokens, entries, revisions
from tests.support.server import LiveServer, engine_of, start_live_server

from .conftest import seed
from .helpers import Client, child, make_revision, observation_answers

LIMIT = 300_000


@pytest.fixture
def small(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A seeded server with a small request limit and a strict sign-in limit."""
    live = start_live_server(
        tmp_path / "instance", database_url, MAX_CONTENT_LENGTH=LIMIT, SIGNIN_MAX_FAILURES=3
    )
    seed(live)
    try:
        yield live
    finally:
        live.stop()


def snapshot(server: LiveServer) -> tuple[int, ...]:
    with read_tx(engine_of(server.app)) as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (entries, revisions, changes, audit_log)
        )


def assert_json_error(resp: requests.Response, status: int, code: str | None = None) -> None:
    assert resp.status_code == status, (resp.status_code, resp.text)
    body = resp.json()
    assert set(body) >= {"error", "message", "message_id"}
    if code:
        assert body["error"] == code


def test_bad_requests_get_json_4xx_and_change_nothing(small: LiveServer) -> None:
    tab = Client(small.url, "petugas_plg")
    stored = make_revision(observation_answers())
    tab.push(stored)
    before = snapshot(small)
    push_url = tab.base + "/sync/push"
    headers = {"Content-Type": "application/json"}
    post = tab.session.post

    assert_json_error(post(push_url, data=b"{not json", headers=headers), 400, "malformed_json")
    assert_json_error(post(push_url, data=b"\xff\xfe{}", headers=headers), 400, "not_utf8")
    assert_json_error(post(push_url, data=b'{"revisions": NaN}', headers=headers), 400)
    lone = b'{"revisions": [{"answers": {"a": "\\ud800"}}]}'
    assert_json_error(post(push_url, data=lone, headers=headers), 400, "not_utf8")
    sign_in = b'{"username": "\\udfff", "password": "x", "device_id": "d"}'
    assert_json_error(post(tab.base + "/sessions", data=sign_in, headers=headers), 400, "not_utf8")
    assert_json_error(post(push_url, data=b"[" * 50_000, headers=headers), 400)
    assert_json_error(post(push_url, json=[1, 2]), 400, "bad_request")
    assert_json_error(post(push_url, json={"revisions": "semua"}), 400, "bad_request")
    assert_json_error(post(push_url, json={"revisions": [], "extra": 1}), 400, "bad_request")
    assert_json_error(post(push_url, json={}), 400, "bad_request")
    assert_json_error(post(push_url, data=b"revisions=1"), 415, "unsupported_media_type")
    huge = json.dumps({"revisions": [{"x": "a" * (LIMIT + 10)}]}).encode()
    assert_json_error(post(push_url, data=huge, headers=headers), 413, "too_large")
    assert_json_error(tab.get("/sync/pull", params={"since": "../../etc"}), 400, "bad_cursor")
    assert_json_error(tab.get("/sync/pull", params={"limit": "-1"}), 400)
    assert_json_error(tab.get("/sync/pull", params={"limit": "99999999999"}), 400)
    # digits that are not ASCII 0-9 ('²' passes str.isdigit but not int())
    assert_json_error(tab.get("/sync/pull", params={"limit": "\u00b2"}), 400)
    assert_json_error(tab.get("/sync/pull", params={"since": "c\u00b2"}), 400, "bad_cursor")
    assert_json_error(tab.get("/sync/pull", params={"evil": "1"}), 400)
    assert_json_error(tab.get("/tidak-ada"), 404, "not_found")
    assert_json_error(tab.session.put(push_url, json={}), 405, "method_not_allowed")
    assert snapshot(small) == before


def test_bad_revisions_are_rejected_one_by_one(small: LiveServer) -> None:
    tab = Client(small.url, "petugas_plg")
    stored = make_revision(observation_answers())
    tab.push(stored)
    before = snapshot(small)
    long_text = observation_answers()
    long_text["catatan_i01"] = "x" * 25_000
    nul_text = observation_answers()
    nul_text["catatan_i01"] = "a\x00b"
    null_answer = observation_answers()
    null_answer["catatan_i01"] = None
    wrong_type = observation_answers()
    wrong_type["jumlah_petugas"] = "empat"
    unknown_field = make_revision(observation_answers())
    unknown_field["server_says"] = "trust me"
    unknown_meta = make_revision(observation_answers())
    unknown_meta["meta"]["is_admin"] = "yes"
    bad_uuid = make_revision(observation_answers(), entry_id="../../etc/passwd")
    traversal = make_revision(
        observation_answers(),
        attachments=[
            {"sha256": "a" * 64, "filename": "../../etc/passwd", "media_type": "image/jpeg"}
        ],
    )
    bad_sha = make_revision(
        observation_answers(),
        attachments=[{"sha256": "../" * 10, "filename": "a.jpg", "media_type": "image/jpeg"}],
    )
    same_rev_other_content = dict(stored, answers=observation_answers("16.05"))
    items = [
        make_revision(long_text),
        make_revision(nul_text),
        make_revision(null_answer),
        unknown_field,
        unknown_meta,
        bad_uuid,
        traversal,
        bad_sha,
        same_rev_other_content,
        {"entry_id": 5, "rev": [], "answers": "no"},
        None,
    ]
    results = tab.push(*items)
    assert [r["status"] for r in results] == ["rejected"] * len(items)
    assert all(r["error"] == "malformed" for r in results if r["status"] == "rejected"), results
    typed = tab.push(make_revision(wrong_type))[0]
    assert typed["error"] == "invalid" and typed["issues"][0]["code"] == "type"
    assert snapshot(small) == before


def test_attachment_path_tricks_and_hash_mismatch(small: LiveServer) -> None:
    tab = Client(small.url, "petugas_plg")
    before = snapshot(small)
    data = b"\xff\xd8\xff\xe0 photo bytes"  # a JPEG signature: only photos are stored
    sha = hashlib.sha256(data).hexdigest()
    for bad in ("..%2F..%2Fetc%2Fpasswd", "A" * 64, "abc", sha + "0"):
        resp = tab.session.put(f"{tab.base}/attachments/{bad}", data=data)
        assert resp.status_code in (400, 404), resp.text
        assert resp.json()["error"] in ("bad_hash", "not_found")
    wrong = tab.session.put(f"{tab.base}/attachments/{'0' * 64}", data=data)
    assert_json_error(wrong, 400, "hash_mismatch")
    assert tab.session.head(f"{tab.base}/attachments/{'0' * 64}").status_code == 404
    attachments_dir = Path(small.app.config["ATTACHMENTS_DIR"])
    leftovers = [p for p in attachments_dir.rglob("*") if p.is_file()]
    assert leftovers == []
    ok = tab.session.put(
        f"{tab.base}/attachments/{sha}", data=data, headers={"Content-Type": "image/jpeg"}
    )
    assert ok.status_code == 201
    repeat = tab.session.put(f"{tab.base}/attachments/{sha}", data=data)
    assert repeat.status_code == 200
    assert tab.session.head(f"{tab.base}/attachments/{sha}").status_code == 200
    assert (attachments_dir / sha[:2] / sha).read_bytes() == data
    missing = tab.post("/attachments/missing", json={"sha256": [sha, "1" * 64]}).json()
    assert missing == {"missing": ["1" * 64]}
    assert snapshot(small)[:3] == before[:3]


def test_tokens_missing_garbage_revoked_or_expired_get_401(small: LiveServer) -> None:
    tab = Client(small.url, "petugas_plg")
    plain = requests.get(small.url + "/api/v1/sync/pull", timeout=10)
    assert_json_error(plain, 401, "unauthorized")
    garbage = requests.get(
        small.url + "/api/v1/sync/pull", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert_json_error(garbage, 401, "invalid_token")
    basic = requests.get(
        small.url + "/api/v1/sync/pull", headers={"Authorization": "Basic eDp5"}, timeout=10
    )
    assert_json_error(basic, 401, "unauthorized")
    assert tab.get("/sync/pull").status_code == 200
    with write_tx(engine_of(small.app)) as conn:
        conn.execute(update(device_tokens).values(expires_at="2000-01-01T00:00:00.000000Z"))
    assert_json_error(tab.get("/sync/pull"), 401, "invalid_token")
    before = snapshot(small)
    rev = make_revision(observation_answers())
    resp = tab.session.post(tab.base + "/sync/push", json={"revisions": [rev]})
    assert_json_error(resp, 401, "invalid_token")
    assert snapshot(small) == before

    second = Client(small.url, "petugas_plg")
    admin = Client(small.url, "admin")
    revoked = admin.post("/users/petugas_plg/revoke-tokens")
    # the expired token and the new one were both still unrevoked
    assert revoked.status_code == 200 and revoked.json()["revoked"] == 2
    assert_json_error(second.get("/sync/pull"), 401, "invalid_token")


def test_sign_in_sign_out_and_rate_limit(small: LiveServer) -> None:
    url = small.url + "/api/v1/sessions"
    good = {"username": "petugas_plg", "password": "rahasia-123", "device_id": "tab-1"}
    resp = requests.post(url, json=good, timeout=10)
    assert resp.status_code == 201
    body = resp.json()
    assert body["user"] == {
        "username": "petugas_plg",
        "full_name": "",
        "role": "officer",
        "regions": ["16.71"],
    }
    token = body["token"]
    with read_tx(engine_of(small.app)) as conn:
        stored = conn.execute(select(device_tokens.c.token_hash)).scalars().all()
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.delete(url + "/current", headers=auth, timeout=10).status_code == 204
    assert requests.get(small.url + "/api/v1/forms", headers=auth, timeout=10).status_code == 401

    assert_json_error(requests.post(url, json={**good, "extra": 1}, timeout=10), 400)
    assert_json_error(requests.post(url, json={**good, "password": 5}, timeout=10), 400)
    for _ in range(3):
        wrong = requests.post(url, json={**good, "password": "salah-salah"}, timeout=10)
        assert_json_error(wrong, 401, "invalid_credentials")
    limited = requests.post(url, json=good, timeout=10)
    assert_json_error(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    unknown = requests.post(url, json={**good, "username": "siapa"}, timeout=10)
    assert unknown.status_code in (401, 429)  # the address may be limited too


def test_roles_are_enforced(small: LiveServer) -> None:
    tab = Client(small.url, "petugas_plg")
    spv = Client(small.url, "spv_plg")
    rev = make_revision(observation_answers())
    tab.push(rev)
    assert_json_error(
        tab.post(f"/entries/{rev['entry_id']}/review", json={"status": "approved"}),
        403,
        "forbidden",
    )
    assert_json_error(
        spv.post("/sync/push", json={"revisions": [child(rev, observation_answers())]}),
        403,
        "forbidden",
    )
    assert_json_error(spv.post("/users/petugas_plg/revoke-tokens"), 403, "forbidden")
    assert_json_error(
        spv.post(f"/entries/{rev['entry_id']}/review", json={"status": "selesai"}),
        400,
        "invalid_status",
    )
    assert tab.get(f"/entries/{rev['entry_id']}").status_code == 200
