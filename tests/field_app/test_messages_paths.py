"""Message catalogs (Indonesian first, English second) and the data folder per platform."""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs

from field_app import messages, paths
from field_app.http_api import SyncError

SYNC_REASONS = ("no_connection", "wrong_password", "token_revoked", "not_signed_in",
                "rate_limited", "server_error", "entry_rejected", "attachment_missing",
                "cancelled", "busy", "unexpected")


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    indonesian, english = messages.catalog("id"), messages.catalog("en")
    assert indonesian.keys() == english.keys()
    for key in indonesian:
        assert set(re.findall(r"{(\w+)}", indonesian[key])) == \
            set(re.findall(r"{(\w+)}", english[key])), key
        assert indonesian[key] != english[key] or key.endswith("field_issue"), key


def test_every_sync_reason_has_a_message_in_both_languages() -> None:
    for reason in SYNC_REASONS:
        message = SyncError(reason, count=2, filename="x.jpg").message
        assert message["id"] and message["en"] and message["id"] != message["en"]
        assert "{" not in message["id"] + message["en"]
        assert "Traceback" not in message["id"]


def test_text_falls_back_without_breaking() -> None:
    assert messages.text("sync.ok", "en", sent=2) == "Sync finished: 2 entries sent."
    assert messages.text("no.such.key") == "no.such.key"
    assert messages.text("sync.ok", "id") .startswith("Sinkronisasi selesai")


def test_data_folder_per_platform(tmp_path: Path) -> None:
    assert paths.data_dir({"FIELD_APP_DATA_DIR": str(tmp_path)}) == tmp_path
    android = paths.data_dir({"ANDROID_PRIVATE": "/data/data/id.go.kpk.survey/files"})
    assert android == Path("/data/data/id.go.kpk.survey/files") / paths.APP_NAME
    desktop = paths.data_dir({})
    assert desktop == platformdirs.user_data_path(paths.APP_NAME, paths.APP_AUTHOR)
    assert paths.store_dir(tmp_path) == tmp_path / "store"
    assert paths.attachments_dir(tmp_path) == tmp_path / "attachments"


def test_store_opens_in_the_data_folder(tmp_path: Path) -> None:
    from field_app.store import Store

    store = Store.open_default(tmp_path)
    assert store.folder == tmp_path / "store" and (tmp_path / "store" / "device.json").exists()
