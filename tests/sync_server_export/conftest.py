"""Fixtures of the export tests: a live server with a two-version test form, accounts and
entries pushed over the API by officers of two regions (one edited by a supervisor, one
reviewed, one with its photo uploaded)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import LiveServer, create_user, publish_form, start_live_server
from tests.sync_server.helpers import PASSWORD, Client, make_revision

FORMS = Path(__file__).resolve().parent / "forms"
FORM_ID = "ekspor_uji"
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes with a hash"
PHOTO_SHA = hashlib.sha256(PHOTO).hexdigest()


def answers_v1(n: int, region: str = "16.71") -> dict[str, Any]:
    """Answers of version 1 with awkward texts: Indonesian, commas, quotes, new lines, formulas."""
    return {
        "start": "2024-08-13T09:00:00.000+07:00",
        "kabkota": region,
        "kecamatan": f"{region}.0{1 + n % 3}",
        "nama_unit": f'Dinas "Pelayanan" Terpadu, unit {n}',
        "catatan_lama": "Baris satu\nbaris dua, dengan koma" if n % 2 else "=SUM(A1:A9)",
        "jumlah": -3 + n,
        "nilai": -2.5 if n % 2 else 87.35,
        "bukti": ["regulasi", "notulen"] if n % 2 else ["foto"],
        "lokasi": {
            "latitude": -2.990934,
            "longitude": 104.756554,
            "altitude": 14.2,
            "accuracy": 4.5,
        },
        "temuan": [
            {
                "temuan_teks": f'Temuan pertama {n}; "penting"',
                "prioritas": "tinggi",
                "tindakan": [
                    {"tindakan_teks": "@petugas tindak lanjut"},
                    {"tindakan_teks": "+62 811"},
                ],
            },
            {"temuan_teks": "Temuan kedua", "prioritas": "rendah"},
        ],
    }


def answers_v2(n: int, region: str = "16.71") -> dict[str, Any]:
    """Answers of version 2 (``alamat`` added, ``catatan_lama`` gone, a photo, no repeats)."""
    return {
        "start": "2024-08-14T08:00:00.000+07:00",
        "kabkota": region,
        "kecamatan": f"{region}.02",
        "nama_unit": f"Mal Pelayanan Publik {n}",
        "alamat": "Jl. Merdeka No. 1, Palembang",
        "jumlah": n,
        "bukti": ["survei"],
        "lokasi": {"latitude": -3.1, "longitude": 103.2},
        "foto": {
            "sha256": PHOTO_SHA,
            "filename": "papan, informasi.jpg",
            "media_type": "image/jpeg",
        },
    }


@dataclass
class Seeded:
    """The seeded server and what was pushed: entry id -> (answers, region, version, officer)."""

    server: LiveServer
    pushed: dict[str, dict[str, Any]] = field(default_factory=dict)
    edited: str = ""
    reviewed: str = ""

    def client(self, username: str) -> Client:
        """A signed-in API client."""
        return Client(self.server.url, username)


def seed(server: LiveServer) -> Seeded:
    """Publish both versions, create accounts, push entries, edit, review, upload a photo."""
    publish_form(server.app, FORMS / "ekspor_v1.md")
    publish_form(server.app, FORMS / "ekspor_v2.md")
    create_user(server.app, "petugas_plg", PASSWORD, "officer", ["16.71"], "Petugas Palembang")
    create_user(server.app, "petugas_mura", PASSWORD, "officer", ["16.05"], "Petugas Musi Rawas")
    create_user(server.app, "spv_plg", PASSWORD, "supervisor", ["16.71"], "Supervisor Palembang")
    create_user(server.app, "spv_mura", PASSWORD, "supervisor", ["16.05"])
    create_user(server.app, "admin", PASSWORD, "admin", [])
    seeded = Seeded(server)
    plg = seeded.client("petugas_plg")
    mura = seeded.client("petugas_mura")
    items: list[tuple[Client, dict[str, Any], str, str]] = []
    for n in range(3):
        items.append((plg, answers_v1(n), "16.71", "1"))
    items.append((plg, answers_v2(7), "16.71", "2"))
    items.append((mura, answers_v1(5, "16.05"), "16.05", "1"))
    for client, answers, region, version in items:
        rev = make_revision(answers, region=region, form_id=FORM_ID, form_version=version)
        result = client.push(rev)[0]
        assert result["status"] == "stored", result
        seeded.pushed[rev["entry_id"]] = {
            "answers": answers,
            "region": region,
            "version": version,
            "officer": "petugas_plg" if client is plg else "petugas_mura",
            "rev": rev["rev"],
        }
    admin = seeded.client("admin")
    resp = plg.session.put(
        f"{plg.base}/attachments/{PHOTO_SHA}", data=PHOTO, headers={"Content-Type": "image/jpeg"}
    )
    assert resp.status_code in (200, 201), resp.text
    first = next(iter(seeded.pushed))
    edited_answers = dict(seeded.pushed[first]["answers"], nama_unit="Diperbaiki supervisor")
    resp = admin.post(
        f"/entries/{first}/revisions",
        json={
            "parent_rev": seeded.pushed[first]["rev"],
            "answers": edited_answers,
            "comment": "Nama unit diperbaiki",
        },
    )
    assert resp.status_code in (200, 201), resp.text
    seeded.pushed[first]["answers"] = edited_answers
    seeded.edited = first
    second = list(seeded.pushed)[1]
    resp = admin.post(
        f"/entries/{second}/review", json={"status": "needs_correction", "comment": "Cek, lagi"}
    )
    assert resp.status_code == 200, resp.text
    seeded.reviewed = second
    return seeded


@pytest.fixture
def seeded(live_server: LiveServer) -> Seeded:
    """The live server (SQLite and PostgreSQL) with the test form, accounts and entries."""
    return seed(live_server)


@pytest.fixture
def sqlite_seeded(tmp_path: Path) -> Iterator[Seeded]:
    """The same on SQLite only (session cookies without the Secure flag, for the test client)."""
    live = start_live_server(tmp_path / "instance-export", SESSION_COOKIE_SECURE=False)
    try:
        yield seed(live)
    finally:
        live.stop()
