"""Cells of the authorization matrix (tests/sync_server/test_authz_matrix.py): the expected
outcome classes, one request's description, and who may read what."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import requests

from .authz_support import ACCOUNTS, World

NONE_ID = "00000000-0000-4000-8000-000000000000"
NONE_SHA = "e" * 64
ENTRY_OBJECTS = ("plg", "plg2", "mura", "del", "none")
#: read-only routes also get the 16.05 entry in conflict (writes would resolve it)
READ_OBJECTS = (*ENTRY_OBJECTS, "conf")
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
COUNTER = itertools.count()


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
    headers: dict[str, str] | None = None  # extra request headers (e.g. Content-Range)


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


def read_expect(w: World, role: str, obj: str, allowed: Expect) -> Expect:
    """An entry read: allowed for readers; a supervisor may or may not see a deleted entry."""
    if not readable(w, role, obj):
        return HIDDEN
    if obj == "del" and ACCOUNTS[role].kind == "supervisor":
        return replace(allowed, statuses=allowed.statuses | {404})
    return allowed


# --- review writes leave a unique comment: check it landed only where allowed --------------


def may_review(w: World, role: str, obj: str) -> bool | None:
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


def review_cell(w: World, cell: Cell, role: str, obj: str) -> Cell:
    comment = f"authz-{role}-{obj}-{next(COUNTER)}"
    allowed = may_review(w, role, obj)
    if cell.json is not None:
        cell.json = {"status": "received", "comment": comment}
    else:
        cell.form = {**(cell.form or {}), "status": "received", "comment": comment}
    cell.check = _comment_check(obj, comment, allowed)
    return cell


@dataclass(frozen=True)
class Rule:
    """The methods an endpoint answers and the cells that test them."""

    methods: frozenset[str]
    cells: Callable[[World], Iterator[Cell]]
    web_post: bool = False  # a web form: CSRF must be enforced
    serial: bool = False  # its cells change what they (or others) check: run them one by one


def make_rule(methods: str, cells: Callable[[World], Iterator[Cell]], **kw: Any) -> Rule:
    return Rule(frozenset(methods.split()), cells, **kw)
