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

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from sync_server import create_app
from tests.support.server import start_live_server

from .authz_cells import ALL_METHODS, COUNTER, UNAUTH_API, Cell, Rule, api_gate, make_rule, ok
from .authz_rules_api import (
    api_delete_or_restore,
    api_entry_write,
    r_attachment_get,
    r_attachment_put,
    r_attachment_upload_append,
    r_attachment_upload_status,
    r_attachments_missing,
    r_entries_missing_attachments,
    r_entry_detail,
    r_entry_move,
    r_entry_review,
    r_form_detail,
    r_form_media_detail,
    r_forms_index,
    r_metrics,
    r_public,
    r_revisions_missing,
    r_sign_in,
    r_sign_out,
    r_static,
    r_sync_pull,
    r_sync_push,
    r_user_me,
    r_user_revoke_tokens,
)
from .authz_rules_web import (
    export_rule,
    r_admin_form_columns,
    r_admin_user_update,
    r_bulk_review,
    r_dashboard,
    r_entries_table,
    r_entry_file,
    r_entry_form,
    r_entry_form_post,
    r_entry_move_web,
    r_review_home,
    r_set_language,
    r_signin,
    r_signout,
    web_entry,
    web_rule,
)
from .authz_run import cell_label, forbidden_strings, run_matrix, send
from .authz_support import (
    ACCOUNTS,
    OTHER_ACCOUNTS,
    ROLES,
    World,
    build_world,
    pg_schema,
    response_text,
)

BAD_PARENT = {"parent_rev": "1-" + "0" * 32, "answers": {"kabkota": "16.71"}}

#: endpoint -> its rule. A route of the app without a rule here fails the suite.
RULES: dict[str, Rule] = {
    "api.health": make_rule("GET HEAD", r_public("api.health", "/api/v1/health")),
    "api.openapi_json": make_rule("GET HEAD", r_public("api.openapi_json", "/api/v1/openapi.json")),
    "static": make_rule("GET HEAD", r_static),
    "metrics": make_rule("GET HEAD", r_metrics),
    "auth.sign_in": make_rule("POST", r_sign_in),
    "auth.sign_out": make_rule("DELETE", r_sign_out, serial=True),
    "api.forms_index": make_rule("GET HEAD", r_forms_index),
    "api.form_detail": make_rule("GET HEAD", r_form_detail),
    "api.form_media_detail": make_rule("GET HEAD", r_form_media_detail),
    "api.sync_push": make_rule("POST", r_sync_push),
    "api.sync_pull": make_rule("GET HEAD", r_sync_pull),
    "api.attachment_get": make_rule("GET HEAD", r_attachment_get),
    "api.attachments_missing": make_rule("POST", r_attachments_missing),
    "api.entries_missing_attachments": make_rule("GET HEAD", r_entries_missing_attachments),
    "api.entry_detail": make_rule("GET HEAD", r_entry_detail),
    "api.entry_review": make_rule("POST", r_entry_review, serial=True),
    "api.entry_edit": make_rule(
        "POST", api_entry_write("api.entry_edit", "/revisions", BAD_PARENT)
    ),
    "api.entry_resolve": make_rule(
        "POST", api_entry_write("api.entry_resolve", "/resolve", BAD_PARENT)
    ),
    "api.entry_delete": make_rule(
        "DELETE", api_delete_or_restore("api.entry_delete", "DELETE", ""), serial=True
    ),
    "api.entry_restore": make_rule(
        "POST", api_delete_or_restore("api.entry_restore", "POST", "/restore"), serial=True
    ),
    "api.user_revoke_tokens": make_rule("POST", r_user_revoke_tokens),
    "export.export_csv": make_rule("GET HEAD", export_rule("export.export_csv", "csv")),
    "export.export_zip": make_rule("GET HEAD", export_rule("export.export_zip", "zip")),
    "export.export_xlsx": make_rule("GET HEAD", export_rule("export.export_xlsx", "xlsx")),
    "export.export_size": make_rule(
        "GET HEAD", export_rule("export.export_size", "zip", tail="/size")
    ),
    "api.entry_move": make_rule("POST", r_entry_move),
    "api.sync_revisions_missing": make_rule("POST", r_revisions_missing),
    "api.user_me": make_rule("GET HEAD", r_user_me),
    "review.entry_move": make_rule("POST", r_entry_move_web, web_post=True),
    "review.review_home": make_rule("GET HEAD", r_review_home),
    "review.set_language": make_rule("GET HEAD", r_set_language),
    "review.signin": make_rule("GET HEAD POST", r_signin, web_post=True),
    "review.signout": make_rule("POST", r_signout, web_post=True, serial=True),
    "review.index": make_rule("GET HEAD", web_rule("review.index", "GET", "/")),
    "review.dashboard": make_rule("GET HEAD", r_dashboard),
    "review.conflicts_queue": make_rule(
        "GET HEAD", web_rule("review.conflicts_queue", "GET", "/conflicts")
    ),
    "review.entries_table": make_rule("GET HEAD", r_entries_table),
    "review.bulk_review": make_rule("POST", r_bulk_review, web_post=True, serial=True),
    "review.entry_page": make_rule(
        "GET HEAD", web_entry("review.entry_page", "GET", "", ok(200), conflicted=ok(200))
    ),
    "review.conflict_page": make_rule(
        "GET HEAD",
        web_entry("review.conflict_page", "GET", "/conflict", ok(302), conflicted=ok(200)),
    ),
    "review.entry_review": make_rule(
        "POST",
        web_entry("review.entry_review", "POST", "/review", ok(302), {}),
        web_post=True,
        serial=True,
    ),
    "review.entry_edit": make_rule(
        "POST",
        web_entry("review.entry_edit", "POST", "/edit", ok(302), {"name": "nope", "value": "1"}),
        web_post=True,
    ),
    "review.entry_form": make_rule("GET HEAD", r_entry_form),
    "review.entry_form_post": make_rule("POST", r_entry_form_post, web_post=True),
    "review.admin_form_columns": make_rule(
        "GET HEAD POST", r_admin_form_columns, web_post=True
    ),
    "review.conflict_resolve": make_rule(
        "POST",
        web_entry("review.conflict_resolve", "POST", "/resolve", ok(302), {}),
        web_post=True,
    ),
    "review.entry_file": make_rule("GET HEAD", r_entry_file),
    "review.admin_users": make_rule(
        "GET HEAD", web_rule("review.admin_users", "GET", "/admin/users", "admin")
    ),
    "review.admin_user_create": make_rule(
        "POST",
        web_rule(
            "review.admin_user_create",
            "POST",
            "/admin/users",
            "admin",
            allowed=ok(302),
            form={"username": "", "password": "x", "role": "officer"},
        ),
        web_post=True,
    ),
    "review.admin_user_update": make_rule("POST", r_admin_user_update, web_post=True),
    "review.admin_forms": make_rule(
        "GET HEAD", web_rule("review.admin_forms", "GET", "/admin/forms", "admin")
    ),
    "review.admin_form_upload": make_rule(
        "POST",
        web_rule(
            "review.admin_form_upload", "POST", "/admin/forms", "admin", allowed=ok(400), form={}
        ),
        web_post=True,
    ),
    # last, one by one: uploading a file's bytes may make it visible to the uploader
    "api.attachment_put": make_rule("PUT", r_attachment_put, serial=True),
    "api.attachment_upload_status": make_rule("GET HEAD", r_attachment_upload_status),
    "api.attachment_upload_append": make_rule("PATCH", r_attachment_upload_append, serial=True),
    "review.admin_audit": make_rule(
        "GET HEAD", web_rule("review.admin_audit", "GET", "/admin/audit", "admin")
    ),
}


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
    failures, tested, count = run_matrix(world, RULES)
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
                resp = send(world, cell)
                is_json = resp.headers.get("Content-Type", "").startswith("application/json")
                if resp.status_code != 405 or (path.startswith("/api/") and not is_json):
                    failures.append(f"{cell_label(cell)}: got {resp.status_code}")
                elif any(s in response_text(resp) for s in forbidden_strings(world, cell)):
                    failures.append(f"{cell_label(cell)}: leaks")
        options = send(world, replace(sample, role="anon", method="OPTIONS", json=None,
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
        comment = f"csrf-{endpoint}-{next(COUNTER)}"
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
        resp = send(world, cell)
        if resp.status_code != 401:
            failures.append(
                f"{cell_label(cell)} with the admin's cookie only: got {resp.status_code}"
            )
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
        if sample.via != "token" or endpoint in PUBLIC_API or endpoint == "metrics":
            continue  # /metrics takes the scraper's own token, never an account's
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
    assert len(checked) == 26, sorted(checked)  # the 22 API routes with a token, 4 export routes
    assert not failures, "\n".join(failures)
