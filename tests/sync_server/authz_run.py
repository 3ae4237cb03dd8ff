"""Running the matrix's cells: requests, judging the answers, the leak and existence checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import requests

from .authz_cells import (
    KNOWN_ATTACHMENT_EXISTS,
    KNOWN_ATTACHMENT_GET,
    KNOWN_HEAD,
    NONE_ID,
    NONE_SHA,
    Cell,
    Rule,
    readable,
)
from .authz_support import ACCOUNTS, World, response_text

# --- running the cells ------------------------------------------------------------------------


def forbidden_strings(w: World, cell: Cell) -> list[str]:
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


def send(w: World, cell: Cell, method: str | None = None) -> requests.Response:
    creds = w.fresh(cell.role) if cell.fresh else w.creds[cell.role]
    method = method or cell.method
    headers: dict[str, str] = dict(cell.headers or {})
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
    leaked = [s for s in forbidden_strings(w, cell) if s in body]
    if leaked:
        problems.append(f"leaks {leaked}")
    if cell.check is not None and not problems:
        extra = cell.check(w, resp)
        if extra:
            problems.append(extra)
    if cell.after is not None:
        cell.after(w, resp)
    return problems


def cell_label(cell: Cell, method: str | None = None) -> str:
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
    resp = send(w, cell)
    answers[(cell.endpoint, cell.method, cell.role, cell.via, cell.obj)] = _answer(w, cell, resp)
    count = 1
    problems = _judge(w, cell, resp)
    if problems:
        note = f" ({cell.expect.known})" if cell.expect.known else ""
        failures.append(f"{cell_label(cell)}: {'; '.join(problems)}{note}")
    if cell.method == "GET" and cell.head and not explicit_head and "HEAD" in rule.methods:
        head = send(w, cell, "HEAD")
        count += 1
        if head.status_code != resp.status_code or head.content:
            note = KNOWN_HEAD.get(cell.endpoint, "")
            failures.append(
                f"{cell_label(cell, 'HEAD')}: got {head.status_code} and {len(head.content)} "
                f"body bytes, GET gave {resp.status_code}" + (f" ({note})" if note else "")
            )
    return failures, count


def run_matrix(
    w: World, rules: dict[str, Rule], workers: int = 4
) -> tuple[list[str], dict[str, set[str]], int]:
    """Run every cell (GET cells also as HEAD); the failures, roles tested per method, count.

    Cells of rules that read state they change (review comments, delete/restore, sign-out)
    run one at a time after the others, which run on a few threads.
    """
    tested: dict[str, set[str]] = {}
    parallel, serial = [], []
    for endpoint, rule in rules.items():
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
        if endpoint in ("api.attachment_put", "api.attachment_upload_append"):
            continue  # uploading needs the file's bytes; its "none" cell is a hash mismatch
        if answer != missing:
            known = ""
            if endpoint.startswith("api.attachment"):
                get = endpoint == "api.attachment_get" and method == "GET"
                known = f" ({KNOWN_ATTACHMENT_GET if get else KNOWN_ATTACHMENT_EXISTS})"
            out.append(
                f"{method} {endpoint} as {role} via {via}: the {obj} entry is answered "
                f"{answer[0]}, a missing one {missing[0]}"
                + (" (bodies differ)" if answer[0] == missing[0] else "")
                + known
            )
    return out
