"""The matrix's rules for the JSON API, the attachments, sign-in and the public routes: each
yields the cells of one endpoint (every role x every object)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import requests

from .authz_cells import (
    ENTRY_OBJECTS,
    HIDDEN,
    KNOWN_ATTACHMENT_EXISTS,
    KNOWN_ATTACHMENT_GET,
    KNOWN_REVIEW_DELETED,
    NONE_SHA,
    READ_OBJECTS,
    Cell,
    Expect,
    api_gate,
    entry_id,
    may_review,
    ok,
    read_expect,
    readable,
    review_cell,
    sees_file,
)
from .authz_support import ACCOUNTS, JPEG_START, OBS_FORM, ROLES, World
from .helpers import PASSWORD, make_revision, observation_answers

# --- the rules, one per endpoint ------------------------------------------------------------


def r_entry_detail(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, READ_OBJECTS):
        expect = api_gate(role) or read_expect(w, role, obj, ok(200))
        yield Cell(
            "api.entry_detail", "GET", role, obj, f"/api/v1/entries/{entry_id(w, obj)}", expect
        )


def r_entry_review(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
        expect = api_gate(role, "supervisor", "admin")
        if expect is None:
            allowed = may_review(w, role, obj)
            if not readable(w, role, obj):
                expect = HIDDEN
            elif allowed is None:
                expect = ok(200, 404, 409)
            elif not allowed:
                expect = Expect(frozenset({404, 409}), known=KNOWN_REVIEW_DELETED)
            else:
                expect = ok(200)
        cell = Cell(
            "api.entry_review", "POST", role, obj,
            f"/api/v1/entries/{entry_id(w, obj)}/review", expect, json={},
        )  # fmt: skip
        yield review_cell(w, cell, role, obj)


def api_entry_write(endpoint: str, suffix: str, body: dict[str, Any]) -> Callable[..., Any]:
    """Edit and resolve: after the access check the body is refused (stale parent / no
    conflict / deleted entry: 409), so nothing changes."""

    def rule(w: World) -> Iterator[Cell]:
        for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
            expect = api_gate(role, "supervisor", "admin")
            if expect is None:
                expect = ok(404, 409) if obj == "del" and readable(w, role, obj) else None
            if expect is None:
                expect = ok(409) if readable(w, role, obj) else HIDDEN
            path = f"/api/v1/entries/{entry_id(w, obj)}{suffix}"
            yield Cell(endpoint, "POST", role, obj, path, expect, json=body)

    return rule


def api_delete_or_restore(endpoint: str, method: str, suffix: str) -> Callable[..., Any]:
    """Admins only; each successful call is undone at once."""

    def undo(obj: str) -> Callable[[World, requests.Response], None]:
        def after(w: World, resp: requests.Response) -> None:
            if resp.status_code != 200 or obj not in w.entries:
                return
            token = w.creds["admin"].token
            eid = w.entries[obj].entry_id
            url = f"{w.url}/api/v1/entries/{eid}"
            headers = {"Authorization": f"Bearer {token}"}
            if w.entries[obj].deleted:
                back = requests.delete(url, headers=headers, timeout=30)
            else:
                back = requests.post(url + "/restore", headers=headers, timeout=30)
            assert back.status_code == 200, back.text

        return after

    def rule(w: World) -> Iterator[Cell]:
        for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
            expect = api_gate(role, "admin") or (ok(200) if obj in w.entries else HIDDEN)
            path = f"/api/v1/entries/{entry_id(w, obj)}{suffix}"
            yield Cell(endpoint, method, role, obj, path, expect, after=undo(obj))

    return rule


def _file_objects(w: World) -> dict[str, tuple[str, bytes | None]]:
    out = {k: (e.sha, e.photo) for k, e in w.entries.items() if e.sha}
    out["none"] = (NONE_SHA, JPEG_START + b"not the bytes of that hash")
    return out


def r_attachment_get(w: World) -> Iterator[Cell]:
    for role, (obj, (sha, _photo)) in itertools.product(ROLES, _file_objects(w).items()):
        path = f"/api/v1/attachments/{sha}"
        expect = api_gate(role)
        if expect is None and ACCOUNTS[role].kind == "officer":
            # officers: 403 for every file (the documented rule), or the photos of the entries
            # they can read and 404 for the rest (the scoped rule); compared with "none" below
            expect = ok(200, 403) if sees_file(w, role, obj) else Expect(frozenset({403, 404}))
        elif expect is None:
            expect = read_expect(w, role, obj, ok(200)) if obj != "none" else HIDDEN
            if expect == HIDDEN and obj != "none":
                expect = expect.note(KNOWN_ATTACHMENT_GET)
        yield Cell("api.attachment_get", "GET", role, obj, path, expect)
        head = api_gate(role)
        if head is None:
            head = ok(200) if sees_file(w, role, obj) else HIDDEN
            if obj == "del" and ACCOUNTS[role].kind == "supervisor":
                head = ok(200, 404)
            if head == HIDDEN and obj != "none":
                head = head.note(KNOWN_ATTACHMENT_EXISTS)
        yield Cell("api.attachment_get", "HEAD", role, obj, path, head)
    for role in ROLES:
        expect = api_gate(role) or Expect(frozenset({400}))
        yield Cell("api.attachment_get", "GET", role, "bad", "/api/v1/attachments/xyz", expect)


def r_attachment_put(w: World) -> Iterator[Cell]:
    for role, (obj, (sha, photo)) in itertools.product(ROLES, _file_objects(w).items()):
        expect = api_gate(role) or (ok(400) if obj == "none" else ok(200, 201))
        path = f"/api/v1/attachments/{sha}"
        yield Cell("api.attachment_put", "PUT", role, obj, path, expect, body=photo)


def r_attachment_upload_status(w: World) -> Iterator[Cell]:
    """Any signed-in account may ask how much of a file it sent itself (the answer is about
    the caller's own bytes only)."""
    for role, (obj, (sha, _photo)) in itertools.product(ROLES, _file_objects(w).items()):
        path = f"/api/v1/attachments/{sha}/upload"
        yield Cell("api.attachment_upload_status", "GET", role, obj, path, api_gate(role) or ok(200))
    for role in ROLES:
        expect = api_gate(role) or Expect(frozenset({400}))
        yield Cell("api.attachment_upload_status", "GET", role, "bad",
                   "/api/v1/attachments/xyz/upload", expect)


def r_attachment_upload_append(w: World) -> Iterator[Cell]:
    """Like the whole-file PUT: any signed-in account may send bytes it holds; bytes that do not
    match the hash are refused (400)."""
    for role, (obj, (sha, photo)) in itertools.product(ROLES, _file_objects(w).items()):
        expect = api_gate(role) or (ok(400) if obj == "none" else ok(200, 201))
        path = f"/api/v1/attachments/{sha}/upload"
        body = photo or b""
        headers = {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}",
                   "Content-Type": "image/jpeg"}
        yield Cell("api.attachment_upload_append", "PATCH", role, obj, path, expect, body=body,
                   headers=headers)


def _missing_check(w: World, role: str, obj: str, sha: str) -> Callable[..., str | None]:
    def check(_w: World, resp: requests.Response) -> str | None:
        if resp.status_code != 200:
            return None
        reported = sha in resp.json().get("missing", [])
        hidden = not sees_file(w, role, obj) and not (
            obj == "del" and ACCOUNTS[role].kind == "supervisor"
        )
        if obj == "del" and ACCOUNTS[role].kind == "supervisor":
            return None
        if reported != hidden:
            what = "missing" if reported else "held"
            known = "" if hidden is False else f" ({KNOWN_ATTACHMENT_EXISTS})"
            return f"reports the {obj} photo as {what}{known}"
        return None

    return check


def r_attachments_missing(w: World) -> Iterator[Cell]:
    for role, (obj, (sha, _photo)) in itertools.product(ROLES, _file_objects(w).items()):
        expect = api_gate(role) or ok(200)
        cell = Cell(
            "api.attachments_missing", "POST", role, obj, "/api/v1/attachments/missing",
            expect, json={"sha256": [sha]}, check=_missing_check(w, role, obj, sha),
        )  # fmt: skip
        yield cell


def r_entries_missing_attachments(w: World) -> Iterator[Cell]:
    for role in ROLES:
        expect = api_gate(role) or ok(200)
        path = "/api/v1/entries/missing-attachments"
        yield Cell("api.entries_missing_attachments", "GET", role, "-", path, expect,
                   hides_deleted=True)  # fmt: skip


def r_forms_index(w: World) -> Iterator[Cell]:
    for role in ROLES:
        yield Cell("api.forms_index", "GET", role, "-", "/api/v1/forms", api_gate(role) or ok(200))


def r_form_detail(w: World) -> Iterator[Cell]:
    objects = {"obs": (f"{OBS_FORM}/2024110101", 200), "nope": ("nope/1", 404)}
    for role, (obj, (tail, status)) in itertools.product(ROLES, objects.items()):
        expect = api_gate(role) or ok(status)
        yield Cell("api.form_detail", "GET", role, obj, f"/api/v1/forms/{tail}", expect)


def r_form_media_detail(w: World) -> Iterator[Cell]:
    # the matrix's forms have no choice files: an unknown file of a real version, and an
    # unknown version (tests/sync_server/test_form_media.py fetches real files)
    objects = {
        "obs-nofile": (f"{OBS_FORM}/2024110101/media/villages.csv", 404),
        "nope": ("nope/1/media/villages.csv", 404),
    }
    for role, (obj, (tail, status)) in itertools.product(ROLES, objects.items()):
        expect = api_gate(role) or ok(status)
        yield Cell("api.form_media_detail", "GET", role, obj, f"/api/v1/forms/{tail}", expect)


def _push_check(allowed: bool) -> Callable[..., str | None]:
    def check(_w: World, resp: requests.Response) -> str | None:
        if resp.status_code != 200:
            return None
        result = resp.json()["results"][0]
        accepted = result["status"] in ("stored", "duplicate", "merged", "conflict")
        if accepted != allowed:
            return f"push result {result} (expected {'accepted' if allowed else 'rejected'})"
        return None

    return check


def r_sync_push(w: World) -> Iterator[Cell]:
    for role in ROLES:
        account = ACCOUNTS[role]
        own = account.regions[0] if account.regions else "16.71"
        other = "16.05" if own == "16.71" else "16.71"
        officer = account.username or "petugas_plg"
        objects = {
            "new_own_region": (make_revision(observation_answers(own), region=own,
                                             officer=officer), True),
            "new_other_region": (make_revision(observation_answers(other), region=other,
                                               officer=officer), account.kind == "admin"),
            # only the owner extends an entry (an admin's tablet gets not_owner too)
            "child_of_plg": (w.child_of_plg, role == "officer_plg"),
        }  # fmt: skip
        for obj, (rev, allowed) in objects.items():
            expect = api_gate(role, "officer", "admin") or ok(200)
            yield Cell("api.sync_push", "POST", role, obj, "/api/v1/sync/push", expect,
                       json={"revisions": [rev]}, check=_push_check(allowed))  # fmt: skip


def r_sync_pull(w: World) -> Iterator[Cell]:
    for role in ROLES:
        yield Cell("api.sync_pull", "GET", role, "all", "/api/v1/sync/pull?limit=1000",
                   api_gate(role) or ok(200))  # fmt: skip
        yield Cell("api.sync_pull", "GET", role, "bad", "/api/v1/sync/pull?since=zz",
                   api_gate(role) or ok(400))  # fmt: skip


def r_user_revoke_tokens(w: World) -> Iterator[Cell]:
    for role, (obj, status) in itertools.product(ROLES, {"korban": 200, "nobody": 404}.items()):
        expect = api_gate(role, "admin") or ok(status)
        yield Cell("api.user_revoke_tokens", "POST", role, obj,
                   f"/api/v1/users/{obj}/revoke-tokens", expect)  # fmt: skip


def r_sign_in(w: World) -> Iterator[Cell]:
    """Sign-in needs no token and ignores one; each password check costs ~0.2 s, so the
    checked ones run once (anonymous) and the other roles send an empty user name."""
    objects = {
        "good": ({"username": "petugas_plg", "password": PASSWORD}, 201),
        "wrong_password": ({"username": "petugas_mura", "password": "salah-sekali"}, 401),
        "deactivated": ({"username": "mantan", "password": PASSWORD}, 401),
    }
    for obj, (body, status) in objects.items():
        # 429: the failed sign-ins of other cells from this address may throttle it
        yield Cell("auth.sign_in", "POST", "anon", obj, "/api/v1/sessions", ok(status, 429),
                   json={**body, "device_id": "authz-signin"})  # fmt: skip
    for role in ROLES:
        yield Cell("auth.sign_in", "POST", role, "no_username", "/api/v1/sessions", ok(400),
                   json={"username": "", "password": "x", "device_id": "authz"})  # fmt: skip


def r_sign_out(w: World) -> Iterator[Cell]:
    for role in ROLES:
        yield Cell("auth.sign_out", "DELETE", role, "-", "/api/v1/sessions/current",
                   api_gate(role) or ok(204), fresh=True)  # fmt: skip


def r_public(endpoint: str, path: str) -> Callable[..., Any]:
    def rule(w: World) -> Iterator[Cell]:
        for role in ROLES:
            yield Cell(endpoint, "GET", role, "-", path, ok(200))

    return rule


def r_metrics(w: World) -> Iterator[Cell]:
    """Prometheus metrics: no account's token opens them (only the scraper's METRICS_TOKEN,
    which the matrix's server does not set, so /metrics does not exist for anyone)."""
    for role in ROLES:
        yield Cell("metrics", "GET", role, "-", "/metrics", HIDDEN)
        yield Cell("metrics", "GET", role, "cookie", "/metrics", HIDDEN, via="cookie")


def r_static(w: World) -> Iterator[Cell]:
    objects = {"css": ("review/review.css", 200), "escape": ("../config.py", 404)}
    for role, (obj, (tail, status)) in itertools.product(ROLES, objects.items()):
        yield Cell("static", "GET", role, obj, f"/static/{tail}", ok(status), via="cookie")


def r_entry_move(w: World) -> Iterator[Cell]:
    """Admins only; an empty body is refused before the entry is looked up (nothing moves)."""
    for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
        expect = api_gate(role, "admin") or ok(400)
        yield Cell("api.entry_move", "POST", role, obj,
                   f"/api/v1/entries/{entry_id(w, obj)}/move", expect, json={})  # fmt: skip


def r_revisions_missing(w: World) -> Iterator[Cell]:
    """Officers and admins ask which of their revisions the server lacks."""
    for role in ROLES:
        expect = api_gate(role, "officer", "admin") or ok(200)
        yield Cell("api.sync_revisions_missing", "POST", role, "-",
                   "/api/v1/sync/revisions/missing", expect, json={"revisions": []})  # fmt: skip


def r_user_me(w: World) -> Iterator[Cell]:
    """Every signed-in account reads its own account, nobody else's."""
    for role in ROLES:
        yield Cell("api.user_me", "GET", role, "-", "/api/v1/users/me", api_gate(role) or ok(200))
