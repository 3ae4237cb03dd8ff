"""The seeded world of the authorization matrix (tests/sync_server/test_authz_matrix.py).

One live server per backend holds entries of two regencies (16.71 Palembang, 16.05 Musi Rawas),
each with a marker string in a searched answer and a photo whose bytes carry a marker too, plus
one soft-deleted entry and one entry of the other pilot form. Every role of the matrix gets an
API token and, where the web pages let it sign in, a session cookie; the deactivated account
gets both while still active, then is deactivated.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey_forms import pilot_form_path
from tests.support.fixtures import PG_ENV, PG_SKIP_REASON, ensure_pg_trgm
from tests.support.server import LiveServer, create_user, engine_of, publish_form

from .helpers import PASSWORD, Client, make_revision, observation_answers

__all__ = [
    "ACCOUNTS",
    "OTHER_ACCOUNTS",
    "ROLES",
    "Account",
    "Seeded",
    "World",
    "build_world",
    "pg_schema",
    "response_text",
]

_CSRF_LOCK = threading.Lock()
JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SURVEI_FORM = "survei_partisipasi_masyarakat"
OBS_FORM = "observasi_kabkota_antikorupsi"
FORM_VERSION = "2024110101"


@dataclass(frozen=True)
class Account:
    """Who a role of the matrix is: ``kind`` is None for anonymous callers."""

    username: str | None
    kind: str | None
    regions: tuple[str, ...] = ()
    active: bool = True

    def can_read(self, region: str, officer: str) -> bool:
        """The intended read rule (ignoring soft deletion)."""
        if self.kind is None or not self.active:
            return False
        if self.kind == "admin":
            return True
        if self.kind == "supervisor":
            return region in self.regions
        return officer == self.username


#: the roles of the matrix, in the order they run
ACCOUNTS: dict[str, Account] = {
    "anon": Account(None, None),
    "officer_plg": Account("petugas_plg", "officer", ("16.71",)),
    "officer_mura": Account("petugas_mura", "officer", ("16.05",)),
    "spv_plg": Account("spv_plg", "supervisor", ("16.71",)),
    "spv_mura": Account("spv_mura", "supervisor", ("16.05",)),
    "admin": Account("admin", "admin"),
    "deactivated": Account("mantan", "supervisor", ("16.71",), active=False),
}
ROLES = tuple(ACCOUNTS)
#: accounts that own or receive data but are not roles of the matrix
OTHER_ACCOUNTS: dict[str, Account] = {
    "petugas_plg2": Account("petugas_plg2", "officer", ("16.71",)),
    "korban": Account("korban", "officer", ("16.05",)),
}


@dataclass
class Seeded:
    """One seeded entry: its id, where it lives, the marker strings that must not leak."""

    key: str
    entry_id: str
    form_id: str
    region: str
    officer: str
    marker: str | None
    sha: str | None
    photo: bytes | None
    deleted: bool = False
    first_rev: dict[str, Any] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """Strings only a reader of this entry may ever receive."""
        out = [self.entry_id]
        if self.marker:
            out.append(self.marker)
        if self.photo:
            out.append(self.photo[len(JPEG_START) :].decode("ascii"))
        return out


@dataclass
class Creds:
    """A role's ways in: a bearer token (or None) and a cookie session (maybe anonymous)."""

    token: str | None
    web: requests.Session
    csrf: str | None = None


@dataclass
class World:
    """The seeded server and every role's credentials."""

    server: LiveServer
    entries: dict[str, Seeded]
    creds: dict[str, Creds]
    child_of_plg: dict[str, Any]

    @property
    def url(self) -> str:
        return self.server.url

    def fresh(self, role: str) -> Creds:
        """New credentials for ``role`` (for sign-out cells, which end what they use): a new
        token and, for the web roles, a new sign-in. A role that cannot sign in gets a copy of
        its token and cookie jar (ending those changes nothing the other cells rely on)."""
        account = ACCOUNTS[role]
        if account.username is not None and account.active:
            return _sign_in(self.server, account)
        old = self.creds[role]
        web = requests.Session()
        web.cookies.update(old.web.cookies)
        return Creds(old.token, web, old.csrf)

    def csrf(self, creds: Creds) -> str:
        """The CSRF token of a cookie session (read once from a page; the first read may set
        the session cookie, so it runs under a lock)."""
        with _CSRF_LOCK:
            return self._csrf(creds)

    def _csrf(self, creds: Creds) -> str:
        if creds.csrf is None:
            page = creds.web.get(self.url + "/signin", allow_redirects=False, timeout=30)
            if page.status_code != 200:
                page = creds.web.get(self.url + "/", timeout=30)
            match = CSRF_RE.search(page.text)
            assert match, "no CSRF token in the pages"
            creds.csrf = match.group(1)
        return creds.csrf

    def db_value(self, sql: str, **params: Any) -> Any:
        """One value read straight from the database."""
        with engine_of(self.server.app).connect() as conn:
            return conn.execute(text(sql), params).scalar()


@contextmanager
def pg_schema() -> Iterator[str]:
    """A PostgreSQL URL on a fresh schema, dropped afterwards (module-scoped variant of the
    ``postgres_schema_url`` fixture of tests/support/fixtures.py)."""
    import pytest

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ensure_pg_trgm(conn)
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def issue_token(server: LiveServer, username: str) -> str:
    """A device token made in the database (no password check: sign-ins cost ~0.2 s each)."""
    from sync_server.db import write_tx
    from sync_server.users import get_user
    from sync_server.users import issue_token as issue

    with write_tx(engine_of(server.app)) as conn:
        user = get_user(conn, username)
        assert user is not None
        return issue(conn, user, "authz", 30)


def _sign_in(server: LiveServer, account: Account) -> Creds:
    url = server.url
    web = requests.Session()
    if account.username is None:
        return Creds(None, web)
    token = issue_token(server, account.username)
    if account.kind in ("supervisor", "admin"):
        page = web.get(url + "/signin", timeout=30)
        match = CSRF_RE.search(page.text)
        assert match
        signed = web.post(
            url + "/signin",
            data={"username": account.username, "password": PASSWORD, "csrf_token": match[1]},
            allow_redirects=False,
            timeout=30,
        )
        assert signed.status_code == 302, signed.text
    return Creds(token, web)


class _TokenClient(Client):
    """The helpers' API client with a token made in the database instead of a sign-in."""

    def __init__(self, server: LiveServer, username: str) -> None:
        self.base = server.url + "/api/v1"
        self.session = requests.Session()
        self.token = issue_token(server, username)
        self.session.headers["Authorization"] = f"Bearer {self.token}"


def _seed_entry(
    server: LiveServer, key: str, officer: str, region: str, *, form_id: str = OBS_FORM
) -> Seeded:
    tab = _TokenClient(server, officer)
    if form_id == OBS_FORM:
        marker = f"ZQ{key.upper()}MARK"
        # a JPEG signature, then the marker (the server may check what a photo is)
        photo = JPEG_START + f"ZQPHOTO-{key}-{uuid.uuid4().hex[:8]}".encode("ascii")
        sha = hashlib.sha256(photo).hexdigest()
        answers = observation_answers(region)
        answers["nama_unit"] = f"Unit {marker}"
        answers["foto_i08"] = {"sha256": sha, "filename": f"{key}.jpg", "media_type": "image/jpeg"}
        answers.pop("foto_i10", None)  # foto_i14 stays: a file nobody uploaded
        put = tab.session.put(f"{tab.base}/attachments/{sha}", data=photo, timeout=30)
        assert put.status_code == 201, put.text
    else:
        import json

        fixture = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
        answers = json.loads((fixture / "survei_complete.json").read_text("utf-8"))
        marker, photo, sha = None, None, None
    rev = make_revision(answers, region=region, officer=officer, form_id=form_id)
    result = tab.push(rev)[0]
    assert result["status"] == "stored", result
    return Seeded(key, rev["entry_id"], form_id, region, officer, marker, sha, photo, False, rev)


def _conflicted(server: LiveServer, entry: Seeded) -> Seeded:
    """Two tablet edits of the same field on one parent: the entry is in conflict, and the
    conflict's sides carry the marker."""
    tab = _TokenClient(server, entry.officer)
    for side in ("a", "b"):
        answers = dict(entry.first_rev["answers"])
        answers["nama_unit"] = f"Unit {entry.marker}-{side}"
        edit = make_revision(
            answers,
            entry_id=entry.entry_id,
            parent_rev=entry.first_rev["rev"],
            region=entry.region,
            officer=entry.officer,
        )
        tab.push(edit)
    status = tab.get(f"/entries/{entry.entry_id}").json()["review_status"]
    assert status == "conflict", status
    return entry


def build_world(server: LiveServer) -> World:
    """Publish the forms, create the accounts and entries, sign every role in."""
    publish_form(server.app, pilot_form_path("observasi"))
    publish_form(server.app, pilot_form_path("survei_masyarakat"))
    for account in ACCOUNTS.values():
        if account.username:
            create_user(server.app, account.username, PASSWORD, account.kind, account.regions)
    for account in OTHER_ACCOUNTS.values():
        create_user(server.app, account.username, PASSWORD, account.kind, account.regions)
    seeded = {
        "plg": _seed_entry(server, "plg", "petugas_plg", "16.71"),
        "plg2": _seed_entry(server, "plg2", "petugas_plg2", "16.71"),
        "mura": _seed_entry(server, "mura", "petugas_mura", "16.05"),
        "del": _seed_entry(server, "del", "petugas_plg", "16.71"),
        "sm": _seed_entry(server, "sm", "petugas_plg", "16.71", form_id=SURVEI_FORM),
    }
    seeded["conf"] = _conflicted(server, _seed_entry(server, "conf", "petugas_mura", "16.05"))
    admin = _TokenClient(server, "admin")
    gone = admin.session.delete(f"{admin.base}/entries/{seeded['del'].entry_id}", timeout=30)
    assert gone.status_code == 200, gone.text
    seeded["del"].deleted = True
    creds = {role: _sign_in(server, account) for role, account in ACCOUNTS.items()}
    from sync_server.db import write_tx
    from sync_server.users import update_user

    with write_tx(engine_of(server.app)) as conn:
        update_user(
            conn,
            "mantan",
            role="supervisor",
            regions=["16.71"],
            full_name="",
            active=False,
            actor="test",
        )
    plg = seeded["plg"]
    child_answers = dict(plg.first_rev["answers"])
    child_answers["jumlah_petugas"] = 5
    child = make_revision(
        child_answers,
        entry_id=plg.entry_id,
        parent_rev=plg.first_rev["rev"],
        region=plg.region,
        officer=plg.officer,
    )
    world = World(server, seeded, creds, child)
    for role_creds in creds.values():
        world.csrf(role_creds)  # every session has its token before cells run in parallel
    return world


def response_text(resp: requests.Response) -> str:
    """The body as text for the leak checks; a ZIP is unpacked (every member)."""
    data = resp.content
    if data[:4] == b"PK\x03\x04":
        parts = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                parts.append(name)
                parts.append(archive.read(name).decode("utf-8", "replace"))
        return "\n".join(parts)
    return data.decode("utf-8", "replace")
