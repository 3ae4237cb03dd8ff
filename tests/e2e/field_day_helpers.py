"""Helpers of the field-day test: tablets, filling a form answer by answer, the expected CSV.

The expected export cells are computed here from the answers the scenario expects, by the rules
of docs/architecture.md (value types) and the export's documented cell rules, independently of
the export's own code.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import requests

from field_app.form_session import EntryEditor
from field_app.store import Store
from field_app.sync_client import SyncClient

FIXTURE = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures" / "observasi_complete.json"
PASSWORD = "kata-sandi-uji-1"
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "timeout": (3.0, 20.0)}
#: Filled by the form session itself (start/end, dates, device and user).
AUTOMATIC = ("start", "end", "today", "deviceid", "username")
META_COLUMNS = frozenset((
    "SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "ReviewStatus", "ReviewComment", "DeviceID",
    "Edits", "FormVersion", "RegionCode", "RegionName", "meta-instanceID",
))
GEO_SUFFIXES = {"Latitude": "latitude", "Longitude": "longitude", "Altitude": "altitude",
                "Accuracy": "accuracy"}
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def base_answers() -> dict[str, Any]:
    """The complete observation entry of the fixtures, without photos and automatic fields."""
    answers = json.loads(FIXTURE.read_text("utf-8"))
    return {k: v for k, v in answers.items()
            if k not in AUTOMATIC and not (isinstance(v, dict) and "sha256" in v)}


def tablet(folder: Path, url: str, username: str) -> tuple[Store, SyncClient]:
    """A signed-in tablet: its store and sync client."""
    store = Store(folder / "store", durable=False)
    client = SyncClient(store, url, attachments_folder=folder / "attachments",
                        api_options=dict(FAST))
    client.sign_in(username, PASSWORD)
    return store, client


def fill(editor: EntryEditor, answers: dict[str, Any]) -> None:
    """Answer every question of ``answers`` through the form session, one call per answer."""
    for name, value in answers.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                index = editor.add_repeat(name)
                for inner, inner_value in item.items():
                    editor.set_answer(inner, inner_value, (index,))
        else:
            editor.set_answer(name, copy.deepcopy(value))


class Staff:
    """A supervisor calling the JSON API with a bearer token."""

    def __init__(self, url: str, username: str) -> None:
        self.base = url
        response = requests.post(url + "/api/v1/sessions", json={
            "username": username, "password": PASSWORD, "device_id": f"web-{username}"},
            timeout=10)
        assert response.status_code == 201, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, path: str, **params: Any) -> requests.Response:
        """GET a path under the server's root."""
        return requests.get(self.base + path, headers=self.headers, params=params, timeout=20)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to the API; asserts a 2xx answer."""
        response = requests.post(self.base + "/api/v1" + path, json=body, headers=self.headers,
                                 timeout=20)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def entry(self, entry_id: str) -> dict[str, Any]:
        """The entry's head and review state."""
        response = self.get(f"/api/v1/entries/{entry_id}")
        assert response.status_code == 200, response.text
        return response.json()


def neutralised(text: str) -> str:
    """A text cell as a spreadsheet-safe export writes it (leading apostrophe on formulas)."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def expected_cell(value: Any) -> str:
    """The CSV cell of one answer (root table, no label options)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("no boolean answers in the pilot forms")
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, dict) and "sha256" in value:
        return neutralised(value["filename"])  # an image: its file name
    return neutralised(str(value))


def question_of(header: str) -> tuple[str, str | None]:
    """``(question name, geopoint part or None)`` of an export column header."""
    parts = header.split("-")
    if len(parts) > 1 and parts[-1] in GEO_SUFFIXES:
        return parts[-2], GEO_SUFFIXES[parts[-1]]
    return parts[-1], None


def row_mismatches(row: dict[str, str], answers: dict[str, Any]) -> list[str]:
    """Every question column of an export row that differs from ``answers`` (empty: all equal)."""
    problems = []
    seen = set()
    for header, cell in row.items():
        if header in META_COLUMNS:
            continue
        name, geo_part = question_of(header)
        seen.add(name)
        value = answers.get(name)
        if geo_part is not None:
            value = None if value is None else value.get(geo_part)
        want = expected_cell(value)
        if cell != want:
            problems.append(f"{header}: export {cell!r} != expected {want!r}")
    repeats = {k for k, v in answers.items() if isinstance(v, list) and v
               and isinstance(v[0], dict)}
    for name in set(answers) - seen - repeats:
        problems.append(f"{name}: answered but no column in the export")
    return problems
