"""The ``survey-server`` command (click's runner, real instance folders)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from sync_server.cli import DEMO_ACCOUNTS, cli

from .services import FORMS_DIR

DOCS = Path(__file__).resolve().parents[2] / "docs" / "server.md"


def run(instance: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], input=input)


def test_init_db_seed_demo_and_list_forms_are_idempotent(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    first = run(inst, "init-db")
    assert first.exit_code == 0 and "upgraded from empty" in first.output
    assert "already at schema version" in run(inst, "init-db").output
    seeded = run(inst, "seed-demo")
    assert seeded.exit_code == 0, seeded.output
    for account in DEMO_ACCOUNTS:
        assert account["username"] in seeded.output and account["password"] in seeded.output
    again = run(inst, "seed-demo")
    assert again.exit_code == 0 and again.output.count("unchanged") == 2
    listing = run(inst, "list-forms")
    assert "observasi_kabkota_antikorupsi\t2024110101" in listing.output
    assert "survei_partisipasi_masyarakat\t2024110101" in listing.output


def test_publish_form_refuses_changed_content_under_an_existing_version(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    run(inst, "init-db")
    ok = run(inst, "publish-form", str(FORMS_DIR / "mini.md"))
    assert ok.exit_code == 0 and "Published mini version 1" in ok.output
    same = run(inst, "publish-form", str(FORMS_DIR / "mini.md"))
    assert same.exit_code == 0 and "nothing to do" in same.output
    changed = run(inst, "publish-form", str(FORMS_DIR / "mini_same_version_changed.md"))
    assert changed.exit_code == 1
    assert "already published with different content" in changed.output
    assert "Traceback" not in changed.output
    newer = run(inst, "publish-form", str(FORMS_DIR / "mini_v2.md"))
    assert newer.exit_code == 0 and "version 2" in newer.output
    broken = tmp_path / "broken.md"
    broken.write_text("| survey |\n| | type | name | label |\n| | bogus_type | x | X |\n")
    failed = run(inst, "publish-form", str(broken))
    assert failed.exit_code == 1 and "broken.md" in failed.output
    assert "Traceback" not in failed.output


def test_publish_form_refuses_a_version_that_breaks_stored_data(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    run(inst, "init-db")
    assert run(inst, "publish-form", str(FORMS_DIR / "mini.md")).exit_code == 0
    assert run(inst, "publish-form", str(FORMS_DIR / "mini_v2.md")).exit_code == 0
    refused = run(inst, "publish-form", str(FORMS_DIR / "mini_v3_incompatible.md"))
    assert refused.exit_code == 1, refused.output
    assert "Traceback" not in refused.output
    # both problems named, against both earlier versions
    assert "'n' changes type from integer to date" in refused.output
    assert "'t' moves from repeat r to (none)" in refused.output
    assert "against version 1" in refused.output and "against version 2" in refused.output
    assert "mini\t3" not in run(inst, "list-forms").output
    # integer -> decimal, a new question: allowed
    ok = run(inst, "publish-form", str(FORMS_DIR / "mini_v3_compatible.md"))
    assert ok.exit_code == 0 and "version 3" in ok.output, ok.output
    assert "mini\t3" in run(inst, "list-forms").output


def test_create_user_and_revoke_tokens(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    run(inst, "init-db")
    made = run(
        inst,
        "create-user",
        "budi",
        "--role",
        "officer",
        "--region",
        "16.71",
        "--full-name",
        "Budi",
        "--password-stdin",
        input="rahasia-budi\n",
    )
    assert made.exit_code == 0 and "Created officer budi" in made.output
    dup = run(
        inst,
        "create-user",
        "budi",
        "--role",
        "officer",
        "--region",
        "16.71",
        "--password-stdin",
        input="rahasia-budi\n",
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    no_region = run(
        inst,
        "create-user",
        "sari",
        "--role",
        "supervisor",
        "--password-stdin",
        input="rahasia-sari\n",
    )
    assert no_region.exit_code == 1 and "region" in no_region.output
    short = run(inst, "create-user", "sari", "--role", "admin", "--password-stdin", input="x\n")
    assert short.exit_code == 1 and "8 characters" in short.output
    prompted = run(
        inst, "create-user", "admin2", "--role", "admin", input="rahasia-admin\nrahasia-admin\n"
    )
    assert prompted.exit_code == 0, prompted.output
    bad_role = run(inst, "create-user", "x", "--role", "boss")
    assert bad_role.exit_code == 2
    assert "Revoked 0 token(s) of budi" in run(inst, "revoke-tokens", "budi").output
    missing = run(inst, "revoke-tokens", "nobody")
    assert missing.exit_code == 1 and "no user" in missing.output


def test_commands_need_an_initialised_database(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "list-forms")
    assert result.exit_code == 1 and "init-db" in result.output


def test_every_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in cli.commands:
        assert re.search(rf"survey-server[^\n]*\b{re.escape(name)}\b", text), name


def test_publish_form_takes_the_choice_files_it_names(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    run(inst, "init-db")
    form = tmp_path / "forms" / "desa_cli.md"
    form.parent.mkdir()
    form.write_text(
        "| survey |\n| | type | name | label | appearance |\n"
        "| | select_one_from_file desa.csv | desa | Desa | quick |\n"
        "| | text | t | T | thousands-sep |\n"
    )
    missing = run(inst, "publish-form", str(form))
    assert missing.exit_code == 1 and "desa.csv" in missing.output
    assert "tidak disertakan" in missing.output and "Traceback" not in missing.output
    files = tmp_path / "files"
    files.mkdir()
    (files / "desa.csv").write_text("name,label\nbukit,Bukit Lama\n")
    ok = run(inst, "publish-form", str(form), "--media", str(files / "desa.csv"))
    assert ok.exit_code == 0, ok.output
    assert "With the files: desa.csv" in ok.output
    assert "Warning:" in ok.output and "thousands-sep" in ok.output
