"""The matrix's rules for the web pages (session cookie) and the CSV/ZIP export."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from .authz_cells import (
    ENTRY_OBJECTS,
    FORBIDDEN,
    HIDDEN,
    KNOWN_TEXT_SQLITE,
    NONE_ID,
    READ_OBJECTS,
    UNAUTH_API,
    Cell,
    Expect,
    entry_id,
    ok,
    read_expect,
    review_cell,
    web_gate,
)
from .authz_support import ACCOUNTS, OBS_FORM, ROLES, SURVEI_FORM, World

# --- web pages (session cookie) ---------------------------------------------------------------


def web_rule(endpoint: str, method: str, path: str, *kinds: str, allowed: Expect | None = None,
         form: dict[str, Any] | None = None) -> Callable[..., Any]:  # fmt: skip
    def rule(w: World) -> Iterator[Cell]:
        for role in ROLES:
            expect = web_gate(role, *kinds) or allowed or ok(200)
            yield Cell(endpoint, method, role, "-", path, expect, via="cookie", form=form)

    return rule


def web_entry(endpoint: str, method: str, suffix: str, allowed: Expect,
               form: dict[str, Any] | None = None, conflicted: Expect | None = None,
               ) -> Callable[..., Any]:  # fmt: skip
    """An entry route of the web pages; ``conflicted``: also the entry in conflict (reads)."""
    objects = READ_OBJECTS if conflicted is not None else ENTRY_OBJECTS

    def rule(w: World) -> Iterator[Cell]:
        for role, obj in itertools.product(ROLES, objects):
            permitted = conflicted if obj == "conf" and conflicted is not None else allowed
            expect = web_gate(role) or read_expect(w, role, obj, permitted)
            path = f"/entries/{entry_id(w, obj)}{suffix}"
            cell = Cell(endpoint, method, role, obj, path, expect, via="cookie",
                        form=dict(form) if form is not None else None)  # fmt: skip
            if endpoint == "review.entry_review":
                cell = review_cell(w, cell, role, obj)
            yield cell

    return rule


def r_entry_file(w: World) -> Iterator[Cell]:
    objects = {k: (entry_id(w, k), e.sha) for k, e in w.entries.items() if e.sha}
    objects["mixed"] = (entry_id(w, "plg"), w.entries["mura"].sha)
    objects["none"] = (NONE_ID, w.entries["plg"].sha)
    for role, (obj, (eid, sha)) in itertools.product(ROLES, objects.items()):
        expect = web_gate(role)
        if expect is None:
            expect = HIDDEN if obj in ("mixed", "none") else read_expect(w, role, obj, ok(200))
        yield Cell("review.entry_file", "GET", role, obj, f"/entries/{eid}/files/{sha}",
                   expect, via="cookie")  # fmt: skip


def _form_edit_expect(w: World, role: str, obj: str, allowed: Expect) -> Expect:
    """Editing through the form: readers who may write get ``allowed``; a deleted entry or one
    in conflict cannot be edited (409; a supervisor may also not see a deleted entry: 404)."""
    gate = web_gate(role)
    if gate is not None:
        return gate
    expect = read_expect(w, role, obj, allowed)
    if expect.statuses == allowed.statuses and obj in ("del", "conf"):
        return Expect(frozenset({409}))
    if obj == "del" and 404 in expect.statuses:
        return Expect(frozenset({404, 409}))
    return expect


def r_entry_form(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, READ_OBJECTS):
        yield Cell("review.entry_form", "GET", role, obj, f"/entries/{entry_id(w, obj)}/form",
                   _form_edit_expect(w, role, obj, ok(200)), via="cookie")  # fmt: skip


def r_entry_form_post(w: World) -> Iterator[Cell]:
    # no form state: a permitted caller is sent back to a fresh form, nothing is saved
    for role, obj in itertools.product(ROLES, READ_OBJECTS):
        yield Cell("review.entry_form_post", "POST", role, obj,
                   f"/entries/{entry_id(w, obj)}/form",
                   _form_edit_expect(w, role, obj, ok(302)), via="cookie",
                   form={"do": "save"})  # fmt: skip


def r_admin_form_columns(w: World) -> Iterator[Cell]:
    path = f"/admin/forms/{OBS_FORM}/columns"
    yield from web_rule("review.admin_form_columns", "GET", path, "admin")(w)
    # an unknown question is refused (400), nothing saved
    yield from web_rule("review.admin_form_columns", "POST", path, "admin", allowed=ok(400),
                        form={"question": "no_such_question"})(w)  # fmt: skip


def r_bulk_review(w: World) -> Iterator[Cell]:
    for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
        expect = web_gate(role) or ok(302)
        cell = Cell("review.bulk_review", "POST", role, obj, f"/forms/{OBS_FORM}/entries/review",
                    expect, via="cookie", form={"entry_id": entry_id(w, obj)})  # fmt: skip
        yield review_cell(w, cell, role, obj)


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


def export_rule(endpoint: str, ext: str, tail: str | None = None) -> Callable[..., Any]:
    """An export route: ``/export/<form_id>.<ext>`` (or ``/export/<form_id><tail>``)."""
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
            path = f"/export/{form_id}{tail or '.' + ext}" + (f"?{query}" if query else "")
            yield Cell(endpoint, "GET", role, obj, path, expect, via=via,
                       hides_deleted="include_deleted" not in query, one_form=OBS_FORM,
                       head=obj in HEAD_QUERIES)  # fmt: skip

    return rule


def r_entry_move_web(w: World) -> Iterator[Cell]:
    """The admin's move form; an empty form only says what is missing (nothing moves)."""
    for role, obj in itertools.product(ROLES, ENTRY_OBJECTS):
        expect = web_gate(role, "admin") or ok(302)
        yield Cell("review.entry_move", "POST", role, obj, f"/entries/{entry_id(w, obj)}/move",
                   expect, via="cookie", form={})  # fmt: skip
