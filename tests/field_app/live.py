"""Helpers for the tests against a live sync server: a tablet, and a supervisor's calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from field_app.store import Store
from field_app.sync_client import SyncClient

FIXTURES = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures"
PASSWORD = "rahasia-123"
FAST_RETRIES = {"backoff_base": 0.01, "backoff_cap": 0.05, "timeout": (2.0, 10.0)}


def tablet(folder: Path, url: str, **options: Any) -> tuple[Store, SyncClient]:
    """A device: its store in ``folder`` and a sync client (quick retries for tests)."""
    store = Store(folder / "store", durable=False)
    api_options = {**FAST_RETRIES, **options.pop("api_options", {})}
    client = SyncClient(store, url, attachments_folder=folder / "attachments",
                        api_options=api_options, **options)
    return store, client


def observation_answers(photos: bool = False) -> dict[str, Any]:
    """A complete, valid entry of the observation pilot form (without its photos)."""
    answers = json.loads((FIXTURES / "observasi_complete.json").read_text("utf-8"))
    if not photos:
        answers = {k: v for k, v in answers.items()
                   if not (isinstance(v, dict) and "sha256" in v)}
    return answers


class Staff:
    """A supervisor or admin calling the server's API (what the review pages do)."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url + "/api/v1"
        response = requests.post(f"{self.url}/sessions", json={
            "username": username, "password": PASSWORD, "device_id": f"browser-{username}"},
            timeout=10)
        response.raise_for_status()
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, path: str) -> dict[str, Any]:
        response = requests.get(self.url + path, headers=self.headers, timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(self.url + path, json=body, headers=self.headers, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()
