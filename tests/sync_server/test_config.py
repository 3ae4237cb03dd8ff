"""Configuration: defaults, instance file, environment, explicit mapping (in that order)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server import create_app
from sync_server.config import env_overrides


def test_defaults_put_everything_in_the_instance_folder(tmp_path: Path, monkeypatch) -> None:
    for var in (
        "SURVEY_DATABASE_URL",
        "SURVEY_SECRET_KEY",
        "SURVEY_ATTACHMENTS_DIR",
        "SURVEY_MAX_CONTENT_LENGTH",
    ):
        monkeypatch.delenv(var, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'survey.sqlite3'}"
    assert app.config["ATTACHMENTS_DIR"] == str(tmp_path / "attachments")
    assert len(app.config["SECRET_KEY"]) == 64
    # The generated key is kept: a restart gets the same one.
    assert (
        create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
        == app.config["SECRET_KEY"]
    )


def test_instance_file_then_environment_then_mapping(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "config.py").write_text(
        "MAX_CONTENT_LENGTH = 1234\nSECRET_KEY = 'from-file'\nPULL_LIMIT_DEFAULT = 7\n"
    )
    monkeypatch.setenv("SURVEY_SECRET_KEY", "from-env")
    monkeypatch.setenv("SURVEY_ATTACHMENTS_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PULL_LIMIT_DEFAULT": 9})
    assert app.config["MAX_CONTENT_LENGTH"] == 1234
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["ATTACHMENTS_DIR"] == str(tmp_path / "files")
    assert app.config["DATABASE_URL"].endswith("other.sqlite3")
    assert app.config["PULL_LIMIT_DEFAULT"] == 9


def test_bad_environment_values_are_reported() -> None:
    with pytest.raises(ValueError, match="SURVEY_MAX_CONTENT_LENGTH"):
        env_overrides({"SURVEY_MAX_CONTENT_LENGTH": "banyak"})
    assert env_overrides({"SURVEY_MAX_CONTENT_LENGTH": "100"}) == {"MAX_CONTENT_LENGTH": 100}
