"""Helpers for the sync_server tests: building revisions as a tablet does, and a tiny client."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import requests

from survey_forms.revisions import revision_id

FIXTURES = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
OBS_FORM = "observasi_kabkota_antikorupsi"
OBS_VERSION = "2024110101"
PASSWORD = "rahasia-123"


def observation_answers(region: str = "16.71") -> dict[str, Any]:
    """A complete, valid answers object of the observation pilot form."""
    answers = json.loads((FIXTURES / "observasi_complete.json").read_text("utf-8"))
    answers = copy.deepcopy(answers)
    if region != answers.get("kabkota"):
        answers["kabkota"] = region
        answers["kecamatan"] = f"{region}.01"
    return answers


def make_revision(
    answers: dict[str, Any],
    *,
    entry_id: str | None = None,
    parent_rev: str | None = None,
    region: str = "16.71",
    form_id: str = OBS_FORM,
    form_version: str = OBS_VERSION,
    officer: str = "petugas_plg",
    attachments: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A push item with its content-derived revision id."""
    rev = {
        "entry_id": entry_id or str(uuid.uuid4()),
        "rev": revision_id(parent_rev, form_id, form_version, region, answers),
        "parent_rev": parent_rev,
        "form_id": form_id,
        "form_version": form_version,
        "region": region,
        "answers": answers,
        "meta": {
            "officer": officer,
            "device_id": "tablet-test",
            "started_at": "2024-08-13T09:00:00+07:00",
            "finalized_at": "2024-08-13T11:00:00+07:00",
            "app_version": "0.1.0",
        },
    }
    if attachments is not None:
        rev["attachments"] = attachments
    return rev


def child(parent: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """A new revision of the same entry on top of ``parent``."""
    return make_revision(
        answers,
        entry_id=parent["entry_id"],
        parent_rev=parent["rev"],
        region=parent["region"],
        form_id=parent["form_id"],
        form_version=parent["form_version"],
    )


class Client:
    """A signed-in HTTP client, as a tablet (or a supervisor's script) uses the API."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD) -> None:
        self.base = base_url + "/api/v1"
        self.session = requests.Session()
        resp = self.session.post(
            self.base + "/sessions",
            json={"username": username, "password": password, "device_id": f"dev-{username}"},
            timeout=10,
        )
        assert resp.status_code == 201, resp.text
        self.token = resp.json()["token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def push(self, *revisions: dict[str, Any]) -> list[dict[str, Any]]:
        resp = self.session.post(
            self.base + "/sync/push", json={"revisions": list(revisions)}, timeout=30
        )
        assert resp.status_code == 200, resp.text
        return resp.json()["results"]

    def pull(self, since: str = "", limit: int = 500) -> dict[str, Any]:
        resp = self.session.get(
            self.base + "/sync/pull", params={"since": since, "limit": limit}, timeout=30
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    def pull_all(self, since: str = "") -> tuple[list[dict[str, Any]], str]:
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(since)
            changes.extend(page["changes"])
            since = page["next"]
            if not page["more"]:
                return changes, since

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.session.post(self.base + path, timeout=30, **kw)


def store_head_directly(engine: Any, entry_id: str, answers_text: str) -> str:
    """Give an entry a new head revision whose answers are ``answers_text`` exactly, written
    straight into the database (as damaged or old data would be; revisions are append-only,
    so a new row is inserted). Returns the new revision id."""
    from sqlalchemy import select, update

    from sync_server.schema import entries, revisions

    with engine.begin() as conn:
        head_rev = conn.execute(
            select(entries.c.head_rev).where(entries.c.entry_id == entry_id)
        ).scalar_one()
        head = dict(
            conn.execute(
                select(revisions).where(
                    (revisions.c.entry_id == entry_id) & (revisions.c.rev == head_rev)
                )
            )
            .mappings()
            .one()
        )
        generation = int(head_rev.split("-", 1)[0]) + 1
        new_rev = f"{generation}-{uuid.uuid4().hex}"
        head.pop("id", None)
        head.update(rev=new_rev, parent_rev=head_rev, generation=generation, answers=answers_text)
        conn.execute(revisions.insert().values(**head))
        conn.execute(update(entries).where(entries.c.entry_id == entry_id).values(head_rev=new_rev))
    return new_rev


def head_answers_text(engine: Any, entry_id: str) -> str:
    """The stored answers text of an entry's head revision."""
    from sqlalchemy import select

    from sync_server.schema import entries, revisions

    with engine.connect() as conn:
        head_rev = conn.execute(
            select(entries.c.head_rev).where(entries.c.entry_id == entry_id)
        ).scalar_one()
        return conn.execute(
            select(revisions.c.answers).where(
                (revisions.c.entry_id == entry_id) & (revisions.c.rev == head_rev)
            )
        ).scalar_one()
