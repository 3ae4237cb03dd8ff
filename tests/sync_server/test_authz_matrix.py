"""Authorization matrix over every route of the sync server, on SQLite and PostgreSQL.

Every endpoint of ``app.url_map`` (all its methods) has a rule in :data:`RULES`; a new route
without one fails :func:`test_every_route_has_a_rule` ("add an authorization rule for ...").
Each rule yields cells: (method, role, object) with the expected outcome class:

* allowed: 2xx/3xx, or a 4xx validation answer that comes only after the access check;
* hidden (404) for objects the role may not read (other region, other officer, nonexistent):
  the same answer as for an object that does not exist, so existence does not leak;
* forbidden (403) where the role alone decides (an officer on a supervisor action);
* unauthenticated: 401 for the API and the export, a redirect to /signin for the web pages.

Every response (also errors, redirects, CSV and unpacked ZIP exports, HEAD/OPTIONS) is
searched for the entry ids, marker answers, photo bytes and officer names of entries the role
may not read; listings without ``include_deleted`` must not show the soft-deleted entry, and a
form's listing must not show another form's entries.

Roles: anonymous, the officer of 16.71 who owns the 16.71 entries, the officer of 16.05, the
supervisors of 16.71 and of 16.05, an admin, and a supervisor deactivated after signing in
(token and cookie). Objects: the 16.71 entry of that officer (``plg``), a 16.71 entry of another
officer (``plg2``), a 16.05 entry (``mura``), a soft-deleted 16.71 entry (``del``) and an entry
id that does not exist (``none``); photos, forms, users and query strings likewise.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from sync_server import create_app
from tests.support.server import start_live_server

from .authz_support import (
    ACCOUNTS,
    JPEG_START,
    OBS_FORM,
    OTHER_ACCOUNTS,
    ROLES,
    SURVEI_FORM,
    World,
    build_world,
    pg_schema,
    response_text,
)
from .helpers import PASSWORD, make_revision, observation_answers

NONE_ID = "00000000-0000-4000-8000-000000000000"
NONE_SHA = "e" * 64
ENTRY_OBJECTS = ("plg", "plg2", "mura", "del", "none")
#: read-only routes also get the 16.05 entry in conflict (writes would resolve it)
READ_OBJECTS = (*ENTRY_OBJECTS, "conf")
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
_counter = itertools.count()


# --- expected outcome classes -------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """Accepted statuses; for a 302, whether it must (True) or must not (False) go to /signin."""

    statuses: frozenset[int]
    to_signin: bool | None = None
    known: str = ""

    def note(self, known: str) -> Expect:
        """The same expectation, marked as a known finding being fixed elsewhere."""
        return replace(self, known=known)


def ok(*codes: int) -> Expect:
    """Allowed: these statuses (a 302 must not be the sign-in redirect)."""
    return Expect(frozenset(codes), to_signin=False if 302 in codes else None)


UNAUTH_API = Expect(frozenset({401}))
UNAUTH_WEB = Expect(frozenset({302}), to_signin=True)
FORBIDDEN = Expect(frozenset({403}))
HIDDEN = Expect(frozenset({404}))

KNOWN_ATTACHMENT_GET = "known: GET /api/v1/attachments/<sha> ignores the entry's region"
KNOWN_ATTACHMENT_EXISTS = "known: HEAD/missing attachments tell who may not read it that it exists"
KNOWN_TEXT_SQLITE = "known: ?text= on SQLite ignores region/form/deleted (entry_filters.TextMatch)"
KNOWN_REVIEW_DELETED = "known: supervisors can review soft-deleted entries"
KNOWN_HEAD = {
    "review.signin": "finding: HEAD /signin runs the sign-in POST branch "
    "(pages_auth.signin tests request.method == 'GET') and records a failed sign-in",
}


@dataclass
class Cell:
    """One request of the matrix and what must come back."""

    endpoint: str
    method: str
    role: str
    obj: str
    path: str
    expect: Expect
    via: str = "token"  # "token" (Authorization header, no cookies) or "cookie" (web session)
    json: Any = None
    form: dict[str, Any] | None = None  # web form fields; a valid CSRF token is added
    body: bytes | None = None
    fresh: bool = False  # run with new credentials (sign-out ends the ones it uses)
    hides_deleted: bool = False  # a listing without include_deleted
    one_form: str | None = None  # a listing of one form's entries
    check: Callable[[World, requests.Response], str | None] | None = None
    after: Callable[[World, requests.Response], None] | None = None
    head: bool = True  # also send it as HEAD (GET cells)


def api_gate(role: str, *kinds: str) -> Expect | None:
    """401 for callers without a valid token, 403 for a role not in ``kinds``, else None."""
    account = ACCOUNTS[role]
    if account.kind is None or not account.active:
        return UNAUTH_API
    if kinds and account.kind not in kinds:
        return FORBIDDEN
    return None


def web_gate(role: str, *kinds: str) -> Expect | None:
    """The sign-in redirect for callers without a web session (officers cannot have one)."""
    account = ACCOUNTS[role]
    if account.kind not in ("supervisor", "admin") or not account.active:
        return UNAUTH_WEB
    if kinds and account.kind not in kinds:
        return FORBIDDEN
    return None


def readable(w: World, role: str, obj: str) -> bool:
    """Whether ``role`` may read the entry ``obj`` (ignoring soft deletion)."""
    entry = w.entries.get(obj)
    return entry is not None and ACCOUNTS[role].can_read(entry.region, entry.officer)


def entry_id(w: World, obj: str) -> str:
    return w.entries[obj].entry_id if obj in w.entries else NONE_ID


def sees_file(w: World, role: str, obj: str) -> bool:
    """Whether ``role`` may learn that the photo of entry ``obj`` exists."""
    return obj != "none" and readable(w, role, obj)


def _read_expect(w: World, role: str, obj: str, allowed: Expect) -> Expect:
    """An entry read: allowed for readers; a supervisor may or may not see a deleted entry."""
    if not readable(w, role, obj):
        return HIDDEN
    if obj == "del" and ACCOUNTS[role].kind == "supervisor":
        return replace(allowed, statuses=allowed.statuses | {404})
    return allowed


# --- review writes leave a unique comment: check it landed only where allowed --------------


def _may_review(w: World, role: str, obj: str) -> bool | None:
    """True/False, or None when either outcome is acceptable (an admin on a deleted entry)."""
    if ACCOUNTS[role].kind not in ("supervisor", "admin") or not readable(w, role, obj):
        return False
    if obj == "del":
        return None if ACCOUNTS[role].kind == "admin" else False
    return True


def _comment_check(obj: str, comment: str, allowed: bool | None) -> Callable[..., str | None]:
    def check(w: World, resp: requests.Response) -> str | None:
        if obj not in w.entries or allowed is None:
            return None
        stored = w.db_value(
            "SELECT review_comment FROM entries WHERE entry_id = :e", e=w.entries[obj].entry_id
        )
        if (stored == comment) != allowed:
            known = f" ({KNOWN_REVIEW_DELETED})" if obj == "del" else ""
            return f"review comment {'not ' if allowed else ''}saved on {obj}{known}"
        return None

    return check


def _review_cell(w: World, cell: Cell, role: str, obj: str) -> Cell:
    comment = f"authz-{role}-{obj}-{next(_counter)}"
    allowed = _may_review(w, role, obj)
    if cell.json is not None:
        cell.json = {"status": "received", "comment": comment}
    else:
        cell.form = {**(cell.form or {}), "status": "received", "comment": comment}
    cell.check = _comment_check(obj, comment, allowed)
    return cell


# --- the rules, one per endpoint ------------------------------------------------------------


def r_entry_detail(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, READ_OBJECTS):
        expect = api_gate(role) or _read_expect(w, role, obj, ok(200))
        yield Cell(
            "api.entry_detail", "GET", role, obj, f"/api/v1/entries/{entry_id(w, obj)}", expect
        )


def r_entry_review(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
        expect = api_gate(role, "supervisor", "admin")
        if expect is None:
            allowed = _may_review(w, role, obj)
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
        yield _review_cell(w, cell, role, obj)


def _api_entry_write(endpoint: str, suffix: str, body: dict[str, Any]) -> Callable[..., Any]:
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


def _api_delete_or_restore(endpoint: str, method: str, suffix: str) -> Callable[..., Any]:
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
            expect = _read_expect(w, role, obj, ok(200)) if obj != "none" else HIDDEN
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


def r_static(w: World) -> Iterator[Cell]:
    objects = {"css": ("review/review.css", 200), "escape": ("../config.py", 404)}
    for role, (obj, (tail, status)) in itertools.product(ROLES, objects.items()):
        yield Cell("static", "GET", role, obj, f"/static/{tail}", ok(status), via="cookie")


# --- web pages (session cookie) ---------------------------------------------------------------


def _web(endpoint: str, method: str, path: str, *kinds: str, allowed: Expect | None = None,
         form: dict[str, Any] | None = None) -> Callable[..., Any]:  # fmt: skip
    def rule(w: World) -> Iterator[Cell]:
        for role in ROLES:
            expect = web_gate(role, *kinds) or allowed or ok(200)
            yield Cell(endpoint, method, role, "-", path, expect, via="cookie", form=form)

    return rule


def _web_entry(endpoint: str, method: str, suffix: str, allowed: Expect,
               form: dict[str, Any] | None = None, conflicted: Expect | None = None,
               ) -> Callable[..., Any]:  # fmt: skip
    """An entry route of the web pages; ``conflicted``: also the entry in conflict (reads)."""
    objects = READ_OBJECTS if conflicted is not None else ENTRY_OBJECTS

    def rule(w: World) -> Iterator[Cell]:
        for role, obj in itertools.product(ROLES, objects):
            permitted = conflicted if obj == "conf" and conflicted is not None else allowed
            expect = web_gate(role) or _read_expect(w, role, obj, permitted)
            path = f"/entries/{entry_id(w, obj)}{suffix}"
            cell = Cell(endpoint, method, role, obj, path, expect, via="cookie",
                        form=dict(form) if form is not None else None)  # fmt: skip
            if endpoint == "review.entry_review":
                cell = _review_cell(w, cell, role, obj)
            yield cell

    return rule


def r_entry_file(w: World) -> Iterator[Cell]:
    objects = {k: (entry_id(w, k), e.sha) for k, e in w.entries.items() if e.sha}
    objects["mixed"] = (entry_id(w, "plg"), w.entries["mura"].sha)
    objects["none"] = (NONE_ID, w.entries["plg"].sha)
    for role, (obj, (eid, sha)) in itertools.product(ROLES, objects.items()):
        expect = web_gate(role)
        if expect is None:
            expect = HIDDEN if obj in ("mixed", "none") else _read_expect(w, role, obj, ok(200))
        yield Cell("review.entry_file", "GET", role, obj, f"/entries/{eid}/files/{sha}",
                   expect, via="cookie")  # fmt: skip


def r_bulk_review(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
        expect = web_gate(role) or ok(302)
        cell = Cell("review.bulk_review", "POST", role, obj, f"/forms/{OBS_FORM}/entries/review",
                    expect, via="cookie", form={"entry_id": entry_id(w, obj)})  # fmt: skip
        yield _review_cell(w, cell, role, obj)


def r_admin_user_update(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, ("korban", "nobody")):
        expect = web_gate(role, "admin") or ok(302)
        yield Cell("review.admin_user_update", "POST", role, obj, f"/admin/users/{obj}", expect,
                   via="cookie", form={"action": "update", "role": ""})  # fmt: skip


def r_signin(w: World) -> Iterator[Cell]:
    for role in ROLES:
        signed_in = web_gate(role) is None
        yield Cell("review.signin", "GET", role, "-", "/signin",
                   ok(302) if signed_in else ok(200), via="cookie")  # fmt: skip
        # an empty user name is refused without a (slow) password check
        yield Cell("review.signin", "POST", role, "no_username", "/signin", ok(401),
                   via="cookie", form={"username": "", "password": "salah"})  # fmt: skip


def r_signout(w: World) -> Iterator[Cell]:
    for role in ROLES:
        yield Cell("review.signout", "POST", role, "-", "/signout",
                   Expect(frozenset({302}), to_signin=True), via="cookie", form={}, fresh=True)  # fmt: skip


def _lang_check(_w: World, resp: requests.Response) -> str | None:
    """The redirect stays on this site (a browser reads ``//host`` and ``/\\host`` as a host)."""
    target = resp.headers.get("Location", "")
    parts = urlsplit(target)
    on_site = parts.netloc in ("",) or parts.netloc.startswith("127.0.0.1")
    if not on_site or target.startswith(("//", "/\\")) or parts.scheme not in ("", "http"):
        return f"redirects off-site to {target!r}"
    return None


def r_set_language(w: World) -> Iterator[Cell]:
    objects = {
        "en": "/lang/en?next=/dashboard",
        "xx": "/lang/xx?next=//evil.example/x",
        "backslash": "/lang/en?next=/%5Cevil.example",
        "scheme": "/lang/en?next=https:evil.example",
    }
    for role, (obj, path) in itertools.product(ROLES, objects.items()):
        yield Cell("review.set_language", "GET", role, obj, path, Expect(frozenset({302})),
                   via="cookie", check=_lang_check)  # fmt: skip


def r_review_home(w: World) -> Iterator[Cell]:
    for role in ROLES:
        yield Cell("review.review_home", "GET", role, "-", "/review", ok(302), via="cookie")


def r_dashboard(w: World) -> Iterator[Cell]:
    objects = {
        "default": ("", 200),
        "obs": (f"?form_id={OBS_FORM}", 200),
        "obs_16.71": (f"?form_id={OBS_FORM}&region=16.71", 200),
        "obs_16.05": (f"?form_id={OBS_FORM}&region=16.05", 200),
        "survei": (f"?form_id={SURVEI_FORM}", 200),
        "unknown_form": ("?form_id=nope", 404),
    }
    for role, (obj, (query, status)) in itertools.product(ROLES, objects.items()):
        expect = web_gate(role) or ok(status)
        yield Cell("review.dashboard", "GET", role, obj, f"/dashboard{query}", expect,
                   via="cookie")  # fmt: skip


#: query strings of the entries table and the export: (query, status for a permitted reader)
LISTING_QUERIES: dict[str, str] = {
    "plain": "",
    "text_any": "text=-",
    "text_mura": "text=zqmuram",
    "text_plg2": "text=zqplg2",
    "text_del": "text=zqdelm",
    "region_16.05": "region=16.05",
    "region_16.71": "region=16.71",
    "officer_mura": "officer=petugas_mura",
    "officer_plg2": "officer=petugas_plg2",
    "kecamatan_16.05": "kecamatan=16.05.01",
    "status_received": "review_status=received",
    "dates": "date_from=2000-01-01&date_to=2100-12-31",
    "include_deleted": "include_deleted=1",
    "include_deleted_text": "include_deleted=1&text=-",
    "everything": "region=16.71&officer=petugas_plg&review_status=received&text=-"
    "&kecamatan=16.71.01&date_from=2000-01-01&include_deleted=1",
    "bad_date": "date_from=kemarin",
}


#: the listing queries also sent as HEAD (the others differ only in the body)
HEAD_QUERIES = ("plain", "region_16.05", "bad_date", "unknown_form")


def _listing_status(role: str, obj: str) -> int:
    if obj == "bad_date":
        return 400
    account = ACCOUNTS[role]
    if account.kind == "supervisor" and "region=" in LISTING_QUERIES[obj]:
        region = LISTING_QUERIES[obj].split("region=", 1)[1].split("&", 1)[0]
        if region not in account.regions:
            return 403
    return 200


def _text_known(obj: str) -> str:
    return KNOWN_TEXT_SQLITE if "text=" in LISTING_QUERIES.get(obj, "") else ""


def r_entries_table(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, [*LISTING_QUERIES, "unknown_form"]):
        form_id = "nope" if obj == "unknown_form" else OBS_FORM
        query = LISTING_QUERIES.get(obj, "")
        status = 404 if obj == "unknown_form" else _listing_status(role, obj)
        # the table narrows a foreign region to nothing instead of refusing it
        expect = web_gate(role) or ok(200 if status == 403 else status).note(_text_known(obj))
        yield Cell("review.entries_table", "GET", role, obj,
                   f"/forms/{form_id}/entries" + (f"?{query}" if query else ""), expect,
                   via="cookie", hides_deleted="include_deleted" not in query,
                   one_form=OBS_FORM, head=obj in HEAD_QUERIES)  # fmt: skip


def _export_rule(endpoint: str, ext: str) -> Callable[..., Any]:
    def rule(w: World) -> Iterator[Cell]:
        for role, obj, via in itertools.product(
            ROLES, [*LISTING_QUERIES, "unknown_form", "labels_en"], ("token", "cookie")
        ):
            if via == "cookie" and ACCOUNTS[role].kind not in ("supervisor", "admin"):
                continue  # no cookie to send: the token cell is the same request
            form_id = "nope" if obj == "unknown_form" else OBS_FORM
            query = {"labels_en": "labels=1&lang=en&split_select_multiple=1&group_prefix=0"}.get(
                obj, LISTING_QUERIES.get(obj, "")
            )
            account = ACCOUNTS[role]
            has = (account.kind is not None and account.active) and (
                via == "token" or account.kind in ("supervisor", "admin")
            )
            if not has:
                expect = UNAUTH_API
            elif account.kind == "officer":
                expect = FORBIDDEN
            elif obj == "unknown_form":
                expect = HIDDEN
            elif obj == "labels_en":
                expect = ok(200, 400)
            else:
                expect = ok(_listing_status(role, obj)).note(_text_known(obj))
            path = f"/export/{form_id}.{ext}" + (f"?{query}" if query else "")
            yield Cell(endpoint, "GET", role, obj, path, expect, via=via,
                       hides_deleted="include_deleted" not in query, one_form=OBS_FORM,
                       head=obj in HEAD_QUERIES)  # fmt: skip

    return rule


@dataclass(frozen=True)
class Rule:
    """The methods an endpoint answers and the cells that test them."""

    methods: frozenset[str]
    cells: Callable[[World], Iterator[Cell]]
    web_post: bool = False  # a web form: CSRF must be enforced
    serial: bool = False  # its cells change what they (or others) check: run them one by one


def _rule(methods: str, cells: Callable[[World], Iterator[Cell]], **kw: Any) -> Rule:
    return Rule(frozenset(methods.split()), cells, **kw)


BAD_PARENT = {"parent_rev": "1-" + "0" * 32, "answers": {"kabkota": "16.71"}}

#: endpoint -> its rule. A route of the app without a rule here fails the suite.
RULES: dict[str, Rule] = {
    "api.health": _rule("GET HEAD", r_public("api.health", "/api/v1/health")),
    "api.openapi_json": _rule("GET HEAD", r_public("api.openapi_json", "/api/v1/openapi.json")),
    "static": _rule("GET HEAD", r_static),
    "auth.sign_in": _rule("POST", r_sign_in),
    "auth.sign_out": _rule("DELETE", r_sign_out, serial=True),
    "api.forms_index": _rule("GET HEAD", r_forms_index),
    "api.form_detail": _rule("GET HEAD", r_form_detail),
    "api.sync_push": _rule("POST", r_sync_push),
    "api.sync_pull": _rule("GET HEAD", r_sync_pull),
    "api.attachment_get": _rule("GET HEAD", r_attachment_get),
    "api.attachments_missing": _rule("POST", r_attachments_missing),
    "api.entries_missing_attachments": _rule("GET HEAD", r_entries_missing_attachments),
    "api.entry_detail": _rule("GET HEAD", r_entry_detail),
    "api.entry_review": _rule("POST", r_entry_review, serial=True),
    "api.entry_edit": _rule("POST", _api_entry_write("api.entry_edit", "/revisions", BAD_PARENT)),
    "api.entry_resolve": _rule(
        "POST", _api_entry_write("api.entry_resolve", "/resolve", {"answers": {}})
    ),
    "api.entry_delete": _rule(
        "DELETE", _api_delete_or_restore("api.entry_delete", "DELETE", ""), serial=True
    ),
    "api.entry_restore": _rule(
        "POST", _api_delete_or_restore("api.entry_restore", "POST", "/restore"), serial=True
    ),
    "api.user_revoke_tokens": _rule("POST", r_user_revoke_tokens),
    "export.export_csv": _rule("GET HEAD", _export_rule("export.export_csv", "csv")),
    "export.export_zip": _rule("GET HEAD", _export_rule("export.export_zip", "zip")),
    "review.review_home": _rule("GET HEAD", r_review_home),
    "review.set_language": _rule("GET HEAD", r_set_language),
    "review.signin": _rule("GET HEAD POST", r_signin, web_post=True),
    "review.signout": _rule("POST", r_signout, web_post=True, serial=True),
    "review.index": _rule("GET HEAD", _web("review.index", "GET", "/")),
    "review.dashboard": _rule("GET HEAD", r_dashboard),
    "review.conflicts_queue": _rule(
        "GET HEAD", _web("review.conflicts_queue", "GET", "/conflicts")
    ),
    "review.entries_table": _rule("GET HEAD", r_entries_table),
    "review.bulk_review": _rule("POST", r_bulk_review, web_post=True, serial=True),
    "review.entry_page": _rule(
        "GET HEAD", _web_entry("review.entry_page", "GET", "", ok(200), conflicted=ok(200))
    ),
    "review.conflict_page": _rule(
        "GET HEAD",
        _web_entry("review.conflict_page", "GET", "/conflict", ok(302), conflicted=ok(200)),
    ),
    "review.entry_review": _rule(
        "POST",
        _web_entry("review.entry_review", "POST", "/review", ok(302), {}),
        web_post=True,
        serial=True,
    ),
    "review.entry_edit": _rule(
        "POST",
        _web_entry("review.entry_edit", "POST", "/edit", ok(302), {"name": "nope", "value": "1"}),
        web_post=True,
    ),
    "review.conflict_resolve": _rule(
        "POST",
        _web_entry("review.conflict_resolve", "POST", "/resolve", ok(302), {}),
        web_post=True,
    ),
    "review.entry_file": _rule("GET HEAD", r_entry_file),
    "review.admin_users": _rule(
        "GET HEAD", _web("review.admin_users", "GET", "/admin/users", "admin")
    ),
    "review.admin_user_create": _rule(
        "POST",
        _web(
            "review.admin_user_create",
            "POST",
            "/admin/users",
            "admin",
            allowed=ok(302),
            form={"username": "", "password": "x", "role": "officer"},
        ),
        web_post=True,
    ),
    "review.admin_user_update": _rule("POST", r_admin_user_update, web_post=True),
    "review.admin_forms": _rule(
        "GET HEAD", _web("review.admin_forms", "GET", "/admin/forms", "admin")
    ),
    "review.admin_form_upload": _rule(
        "POST",
        _web("review.admin_form_upload", "POST", "/admin/forms", "admin", allowed=ok(400), form={}),
        web_post=True,
    ),
    # last, one by one: uploading a file's bytes may make it visible to the uploader
    "api.attachment_put": _rule("PUT", r_attachment_put, serial=True),
    "review.admin_audit": _rule(
        "GET HEAD", _web("review.admin_audit", "GET", "/admin/audit", "admin")
    ),
}


# --- running the cells ------------------------------------------------------------------------


def _forbidden_strings(w: World, cell: Cell) -> list[str]:
    """What must never appear in the answer to ``cell``."""
    account = ACCOUNTS[cell.role]
    out: list[str] = []
    seen_officers = {account.username}
    for entry in w.entries.values():
        if account.can_read(entry.region, entry.officer):
            seen_officers.add(entry.officer)
            if (cell.hides_deleted and entry.deleted) or (
                cell.one_form and entry.form_id != cell.one_form
            ):
                out += entry.secrets()
        else:
            out += entry.secrets()
    out += sorted({e.officer for e in w.entries.values()} - seen_officers)
    sent = cell.path + repr(cell.json) + repr(cell.form)
    return [s for s in out if s not in sent]


def _request(w: World, cell: Cell, method: str | None = None) -> requests.Response:
    creds = w.fresh(cell.role) if cell.fresh else w.creds[cell.role]
    method = method or cell.method
    headers: dict[str, str] = {}
    client: Any = requests
    if cell.via == "cookie":
        client = creds.web
    elif creds.token:
        headers["Authorization"] = f"Bearer {creds.token}"
    data = None
    if cell.form is not None:
        data = {"csrf_token": w.csrf(creds), **cell.form}
    return client.request(
        method,
        w.url + cell.path,
        headers=headers,
        json=cell.json,
        data=cell.body if cell.body is not None else data,
        allow_redirects=False,
        timeout=60,
    )


def _judge(w: World, cell: Cell, resp: requests.Response) -> list[str]:
    problems = []
    expect = cell.expect
    if resp.status_code >= 500:
        problems.append(f"server error {resp.status_code}")
    elif resp.status_code not in expect.statuses:
        problems.append(f"got {resp.status_code}, expected {sorted(expect.statuses)}")
    elif resp.status_code == 302 and expect.to_signin is not None:
        to_signin = urlsplit(resp.headers.get("Location", "")).path == "/signin"
        if to_signin != expect.to_signin:
            problems.append(f"redirects to {resp.headers.get('Location')}")
    body = response_text(resp) + "\n" + resp.headers.get("Location", "")
    leaked = [s for s in _forbidden_strings(w, cell) if s in body]
    if leaked:
        problems.append(f"leaks {leaked}")
    if cell.check is not None and not problems:
        extra = cell.check(w, resp)
        if extra:
            problems.append(extra)
    if cell.after is not None:
        cell.after(w, resp)
    return problems


def _label(cell: Cell, method: str | None = None) -> str:
    return (
        f"{method or cell.method} {cell.path} as {cell.role} via {cell.via} "
        f"[{cell.endpoint}, {cell.obj}]"
    )


#: what a cell's answer looked like, for comparing hidden objects with missing ones
Answer = tuple[int, str]


def _answer(w: World, cell: Cell, resp: requests.Response) -> Answer:
    """The status and (JSON answers) the body with the object's own id and hash replaced by
    the missing ones. HTML pages are compared by status only: they carry the session's flash
    messages from other cells."""
    if not resp.headers.get("Content-Type", "").startswith("application/json"):
        return resp.status_code, ""
    body = response_text(resp)
    entry = w.entries.get(cell.obj)
    if entry is not None:
        body = body.replace(entry.entry_id, NONE_ID)
        if entry.sha:
            body = body.replace(entry.sha, NONE_SHA)
    return resp.status_code, body


def _run_cell(
    w: World, rule: Rule, cell: Cell, explicit_head: bool, answers: dict[tuple[str, ...], Answer]
) -> tuple[list[str], int]:
    """One cell (and its HEAD twin): the failures and the number of requests."""
    failures = []
    resp = _request(w, cell)
    answers[(cell.endpoint, cell.method, cell.role, cell.via, cell.obj)] = _answer(w, cell, resp)
    count = 1
    problems = _judge(w, cell, resp)
    if problems:
        note = f" ({cell.expect.known})" if cell.expect.known else ""
        failures.append(f"{_label(cell)}: {'; '.join(problems)}{note}")
    if cell.method == "GET" and cell.head and not explicit_head and "HEAD" in rule.methods:
        head = _request(w, cell, "HEAD")
        count += 1
        if head.status_code != resp.status_code or head.content:
            note = KNOWN_HEAD.get(cell.endpoint, "")
            failures.append(
                f"{_label(cell, 'HEAD')}: got {head.status_code} and {len(head.content)} "
                f"body bytes, GET gave {resp.status_code}" + (f" ({note})" if note else "")
            )
    return failures, count


def run_matrix(w: World, workers: int = 4) -> tuple[list[str], dict[str, set[str]], int]:
    """Run every cell (GET cells also as HEAD); the failures, roles tested per method, count.

    Cells of rules that read state they change (review comments, delete/restore, sign-out)
    run one at a time after the others, which run on a few threads.
    """
    tested: dict[str, set[str]] = {}
    parallel, serial = [], []
    for endpoint, rule in RULES.items():
        cells = list(rule.cells(w))
        explicit_head = any(c.method == "HEAD" for c in cells)
        for cell in cells:
            tested.setdefault(f"{endpoint} {cell.method}", set()).add(cell.role)
            if cell.method == "GET" and not explicit_head and "HEAD" in rule.methods:
                tested.setdefault(f"{endpoint} HEAD", set()).add(cell.role)
            (serial if rule.serial else parallel).append((rule, cell, explicit_head))
    failures: list[str] = []
    answers: dict[tuple[str, ...], Answer] = {}
    count = 0
    with ThreadPoolExecutor(workers) as pool:
        for found, n in pool.map(lambda job: _run_cell(w, *job, answers), parallel):
            failures += found
            count += n
    for job in serial:
        found, n = _run_cell(w, *job, answers)
        failures += found
        count += n
    return failures + _existence_leaks(w, answers), tested, count


def _existence_leaks(w: World, answers: dict[tuple[str, ...], Answer]) -> list[str]:
    """An entry (or photo) the role may not read must be answered exactly like one that does
    not exist: same status, same body once the ids are swapped."""
    out = []
    for (endpoint, method, role, via, obj), answer in answers.items():
        missing = answers.get((endpoint, method, role, via, "none"))
        if obj == "none" or obj not in w.entries or missing is None or readable(w, role, obj):
            continue
        if endpoint == "api.attachment_put":
            continue  # uploading needs the file's bytes; its "none" cell is a hash mismatch
        if answer != missing:
            known = f" ({KNOWN_ATTACHMENT_EXISTS})" if endpoint.startswith("api.attachment") else ""
            out.append(
                f"{method} {endpoint} as {role} via {via}: the {obj} entry is answered "
                f"{answer[0]}, a missing one {missing[0]}"
                + (" (bodies differ)" if answer[0] == missing[0] else "")
                + known
            )
    return out


# --- the tests --------------------------------------------------------------------------------


def rule_gaps(app: Any) -> list[str]:
    """Routes (endpoint and method) of ``app`` without a rule, and rules without a route."""
    missing = []
    seen = set()
    for url_rule in app.url_map.iter_rules():
        seen.add(url_rule.endpoint)
        rule = RULES.get(url_rule.endpoint)
        if rule is None:
            missing.append(f"add an authorization rule for {url_rule.endpoint} ({url_rule.rule})")
            continue
        for method in sorted((url_rule.methods or set()) - {"OPTIONS"} - rule.methods):
            missing.append(f"add an authorization rule for {url_rule.endpoint} {method}")
    missing += [f"stale authorization rule for {name}" for name in sorted(set(RULES) - seen)]
    return missing


def test_every_route_has_a_rule() -> None:
    """Every endpoint and method of the app has an authorization rule (and no rule is stale)."""
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="authz-")})
    missing = rule_gaps(app)
    assert not missing, "\n".join(missing)


def test_a_new_route_or_method_without_a_rule_is_reported() -> None:
    """The guard itself: a route added to the app, or a method added to a route, is named."""
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="authz-")})
    app.add_url_rule("/api/v1/secret", "api.secret", lambda: "", methods=["GET"])
    app.add_url_rule(
        "/api/v1/health", "api.health", app.view_functions["api.health"], methods=["DELETE"]
    )
    gaps = rule_gaps(app)
    assert "add an authorization rule for api.secret (/api/v1/secret)" in gaps
    assert "add an authorization rule for api.health DELETE" in gaps


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One seeded live server per backend for the whole module."""
    with ExitStack() as stack:
        url = stack.enter_context(pg_schema()) if request.param == "postgres" else None
        server = start_live_server(
            tmp_path_factory.mktemp(f"authz-{request.param}"),
            url,
            SIGNIN_MAX_FAILURES=100_000,
            SIGNIN_MAX_FAILURES_PER_ADDRESS=100_000,
            SESSION_COOKIE_SECURE=False,  # the test clients speak plain HTTP
        )
        stack.callback(server.stop)
        yield build_world(server)


def test_authorization_matrix(world: World) -> None:
    """Every route x every role x own/other/nonexistent object gives the expected class of
    answer and never another region's (or officer's, or a deleted) entry's data."""
    failures, tested, count = run_matrix(world)
    for endpoint, rule in RULES.items():
        for method in rule.methods:
            roles = tested.get(f"{endpoint} {method}", set())
            if set(ROLES) - roles:
                failures.append(f"{endpoint} {method}: no cell for {sorted(set(ROLES) - roles)}")
    failures += _audit_violations(world)
    assert not failures, f"{len(failures)} problems in {count} requests:\n" + "\n".join(failures)


def _audit_violations(w: World) -> list[str]:
    """Entry actions in the audit log by someone who may not act on that entry's region."""
    from sqlalchemy import text as sql

    from tests.support.server import engine_of

    with engine_of(w.server.app).connect() as conn:
        rows = conn.execute(
            sql(
                "SELECT a.actor, a.action, e.region, e.officer, e.entry_id FROM audit_log a "
                "JOIN entries e ON e.entry_id = a.target_id "
                "WHERE a.target_type = 'entry' AND a.action <> 'entry.push'"
            )
        ).all()
    out = []
    by_name = {a.username: a for a in [*ACCOUNTS.values(), *OTHER_ACCOUNTS.values()]}
    for actor, action, region, officer, eid in rows:
        account = by_name.get(actor)
        if account is None or not account.can_read(region, officer):
            out.append(f"audit: {actor} did {action} on {eid} ({region}, {officer})")
    return out


def _sample_cells(w: World) -> dict[str, Cell]:
    """One admin cell per endpoint (its path stands for the route)."""
    out: dict[str, Cell] = {}
    for endpoint, rule in RULES.items():
        cells = [c for c in rule.cells(w) if c.role == "admin"]
        out[endpoint] = next((c for c in cells if c.obj in ("plg", "-", "obs")), cells[0])
    return out


def test_other_methods_give_405_and_options_an_empty_answer(world: World) -> None:
    """A method a route does not have is 405 (JSON under /api/), never a 500 or a leak,
    for anonymous callers and for an admin; OPTIONS answers without a body."""
    adapter = world.server.app.url_map.bind("127.0.0.1")
    failures = []
    for sample in _sample_cells(world).values():
        path = urlsplit(sample.path).path
        allowed = set(adapter.allowed_methods(path))
        for method in ALL_METHODS:
            if method in allowed:
                continue
            for role, via in (("anon", "token"), ("admin", "token"), ("admin", "cookie")):
                cell = replace(sample, role=role, via=via, method=method, json=None, form=None,
                               body=None, fresh=False)  # fmt: skip
                resp = _request(world, cell)
                is_json = resp.headers.get("Content-Type", "").startswith("application/json")
                if resp.status_code != 405 or (path.startswith("/api/") and not is_json):
                    failures.append(f"{_label(cell)}: got {resp.status_code}")
                elif any(s in response_text(resp) for s in _forbidden_strings(world, cell)):
                    failures.append(f"{_label(cell)}: leaks")
        options = _request(world, replace(sample, role="anon", method="OPTIONS", json=None,
                                          form=None, body=None))  # fmt: skip
        if options.status_code != 200 or options.content or "Allow" not in options.headers:
            failures.append(f"OPTIONS {path}: {options.status_code}, {len(options.content)} bytes")
    assert not failures, "\n".join(failures)


def test_csrf_is_enforced_on_every_web_post(world: World) -> None:
    """Every POST of the web pages (cookie sessions) needs its session's CSRF token; the API
    is exempt from CSRF because a cookie never authenticates it (bearer tokens only)."""
    app = world.server.app
    assert "csrf" in app.extensions, "flask-wtf's CSRFProtect is not active"
    web_posts = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods or ()) and r.endpoint.split(".")[0] not in ("api", "auth")
    }
    unmarked = sorted(e for e in web_posts if not RULES[e].web_post)
    assert not unmarked, f"web POST routes without web_post=True in RULES: {unmarked}"
    failures = []
    other_token = world.csrf(world.creds["spv_plg"])
    for endpoint, sample in _sample_cells(world).items():
        if not RULES[endpoint].web_post:
            continue
        comment = f"csrf-{endpoint}-{next(_counter)}"
        form = {**(sample.form or {}), "comment": comment, "status": "approved"}
        for label, token in (("no token", None), ("another session's token", other_token)):
            data = dict(form) if token is None else {**form, "csrf_token": token}
            resp = world.creds["admin"].web.post(
                world.url + sample.path, data=data, allow_redirects=False, timeout=30
            )
            if resp.status_code != 400:
                failures.append(f"POST {sample.path} with {label}: got {resp.status_code}")
        if sample.obj in world.entries:
            eid = world.entries[sample.obj].entry_id
            stored = world.db_value("SELECT review_comment FROM entries WHERE entry_id = :e", e=eid)
            if stored == comment:
                failures.append(f"POST {sample.path} without a valid CSRF token changed the entry")
    # cookies never authenticate the API: a signed-in browser cannot be made to call it
    for endpoint, sample in _sample_cells(world).items():
        if not endpoint.startswith(("api.", "auth.")) or RULES[endpoint].web_post:
            continue
        if api_gate("anon") != UNAUTH_API or endpoint in PUBLIC_API:
            continue
        cell = replace(sample, via="cookie", fresh=False)
        resp = _request(world, cell)
        if resp.status_code != 401:
            failures.append(f"{_label(cell)} with the admin's cookie only: got {resp.status_code}")
    assert not failures, "\n".join(failures)


#: API endpoints that answer without a token
PUBLIC_API = ("api.health", "api.openapi_json", "auth.sign_in")


def _dead_admin_tokens(w: World) -> dict[str, str]:
    """An admin's tokens that must open nothing: revoked (signed out), expired, made up."""
    from sync_server.db import write_tx
    from sync_server.users import get_user, issue_token, revoke_token
    from tests.support.server import engine_of

    with write_tx(engine_of(w.server.app)) as conn:
        admin = get_user(conn, "admin")
        assert admin is not None
        revoked = issue_token(conn, admin, "authz-revoked", 30)
        revoke_token(conn, revoked, "admin")
        expired = issue_token(conn, admin, "authz-expired", -1)
    return {"revoked": revoked, "expired": expired, "made up": "x" * 43}


def test_revoked_expired_and_made_up_tokens_open_nothing(world: World) -> None:
    """An admin's revoked, expired or invented token is 401 on every route that takes a
    token (API and export), like no token at all."""
    failures = []
    tokens = _dead_admin_tokens(world)
    checked = set()
    for endpoint, sample in _sample_cells(world).items():
        if sample.via != "token" or endpoint in PUBLIC_API:
            continue
        checked.add(endpoint)
        for label, token in tokens.items():
            resp = requests.request(
                sample.method,
                world.url + sample.path,
                headers={"Authorization": f"Bearer {token}"},
                json=sample.json,
                data=sample.body,
                allow_redirects=False,
                timeout=60,
            )
            if resp.status_code != 401:
                failures.append(f"{sample.method} {sample.path} with a {label} token: "
                                f"{resp.status_code}")  # fmt: skip
    assert len(checked) == 18, sorted(checked)  # the 16 API routes with a token, 2 exports
    assert not failures, "\n".join(failures)
