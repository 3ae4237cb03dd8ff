"""Operations: Prometheus metrics behind a token, one JSON log line per request, private
database and key files, and demo accounts that never land on a real server by accident."""

from __future__ import annotations

import json
import logging
import re
import stat
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from sync_server.cli import DEMO_ACCOUNTS, cli
from tests.support.server import LiveServer

from .helpers import Client, child, make_revision, observation_answers


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    match = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _scrape(server: LiveServer, token: str = "scrape-me") -> str:
    resp = requests.get(
        server.url + "/metrics", timeout=10, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.text


def test_metrics_are_private_and_count_pushes_conflicts_and_exports(server: LiveServer) -> None:
    assert requests.get(server.url + "/metrics", timeout=10).status_code == 404  # no token set
    server.app.config["METRICS_TOKEN"] = "scrape-me"
    assert requests.get(server.url + "/metrics", timeout=10).status_code == 401
    wrong = requests.get(
        server.url + "/metrics", timeout=10, headers={"Authorization": "Bearer scrape-mee"}
    )
    assert wrong.status_code == 401
    before = _scrape(server)

    officer = Client(server.url, "petugas_plg")
    base = make_revision(observation_answers())
    assert officer.push(base)[0]["status"] == "stored"
    assert officer.push(base)[0]["status"] == "duplicate"
    one = child(base, {**observation_answers(), "nama_unit": "Dinas A"})
    two = child(base, {**observation_answers(), "nama_unit": "Dinas B"})
    statuses = [r["status"] for r in officer.push(one, two)]
    assert statuses[-1] == "conflict", statuses
    spv = requests.Session()
    spv.headers["Authorization"] = f"Bearer {Client(server.url, 'spv_plg').token}"
    export = spv.get(server.url + "/export/observasi_kabkota_antikorupsi.csv", timeout=30)
    assert export.status_code == 200

    after = _scrape(server)

    def delta(name: str, **labels: str) -> float:
        return _metric(after, name, **labels) - _metric(before, name, **labels)

    assert delta("survey_pushes_total") == 3
    assert delta("survey_revisions_total", status="stored") == 2
    assert delta("survey_revisions_total", status="duplicate") == 1
    assert delta("survey_revisions_total", status="conflict") == 1
    assert delta("survey_conflicts_total") == 1
    assert delta("survey_exports_total", kind="csv") == 1
    assert delta("survey_push_seconds_count") == 3
    assert delta("survey_http_requests_total", endpoint="api.sync_push", status="2xx") == 3
    assert "/metrics" not in after  # the scrape itself is not counted as traffic


def test_every_request_logs_one_json_line(server: LiveServer, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sync_server.access")
    officer = Client(server.url, "petugas_plg")
    officer.push(make_revision(observation_answers()))
    requests.get(server.url + "/api/v1/nothing-here", timeout=10)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "sync_server.access"]
    push = [line for line in lines if line["endpoint"] == "api.sync_push"]
    assert len(push) == 1
    assert push[0]["status"] == 200 and push[0]["user"] == "petugas_plg"
    assert push[0]["method"] == "POST" and push[0]["path"] == "/api/v1/sync/push"
    assert push[0]["duration_ms"] >= 0 and push[0]["remote"] == "127.0.0.1"
    assert any(line["status"] == 404 for line in lines)


def run(instance: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], input=input)


def test_database_wal_and_secret_key_are_private_to_the_server_user(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    assert run(inst, "init-db").exit_code == 0
    assert run(inst, "seed-demo").exit_code == 0  # writes, so the WAL exists
    for name in ("survey.sqlite3", "survey.sqlite3-wal", "secret_key"):
        path = inst / name
        if name.endswith("-wal") and not path.exists():
            continue  # checkpointed and removed at close
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def test_seed_demo_never_adds_demo_accounts_beside_real_ones(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    assert run(inst, "init-db").exit_code == 0
    made = run(
        inst,
        "create-user",
        "ibu_rina",
        "--role",
        "admin",
        "--password-stdin",
        input="a-real-pass-1\n",
    )
    assert made.exit_code == 0, made.output
    refused = run(inst, "seed-demo")
    assert refused.exit_code == 0, refused.output  # make run / make server still start
    assert "NOT created" in refused.output and "ibu_rina" in refused.output
    listing = run(inst, "list-users") if "list-users" in cli.commands else None
    for account in DEMO_ACCOUNTS:
        assert account["password"] not in refused.output
    if listing is not None:
        assert "admin-demo" not in listing.output
    forced = run(inst, "seed-demo", "--force-demo-accounts")
    assert forced.exit_code == 0
    assert "DEMO ACCOUNTS" in forced.output
    assert all(a["username"] in forced.output for a in DEMO_ACCOUNTS)


def test_seed_demo_on_a_fresh_instance_says_loudly_that_they_are_demo_accounts(
    tmp_path: Path,
) -> None:
    inst = tmp_path / "inst"
    assert run(inst, "init-db").exit_code == 0
    seeded = run(inst, "seed-demo")
    assert seeded.exit_code == 0
    assert seeded.output.count("DEMO ACCOUNTS") == 2  # before and after the list
    again = run(inst, "seed-demo")  # the demo accounts themselves are not "real" ones
    assert again.exit_code == 0 and "NOT created" not in again.output


@pytest.mark.parametrize("header", ["", "Basic c2NyYXBlLW1lOg==", "Bearer "])
def test_metrics_refuse_other_credentials(server: LiveServer, header: str) -> None:
    server.app.config["METRICS_TOKEN"] = "scrape-me"
    resp = requests.get(server.url + "/metrics", timeout=10, headers={"Authorization": header})
    assert resp.status_code == 401


def test_serve_prints_the_access_log_as_json_lines(server: LiveServer) -> None:
    """``survey-server serve`` turns the access log on (the root logger stays as it is)."""
    import io

    from sync_server.observability import access_log, enable_access_log

    stream = io.StringIO()
    handler = enable_access_log(stream)
    try:
        assert enable_access_log(stream) is handler  # not twice
        requests.get(server.url + "/api/v1/health", timeout=10)
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert any(line["endpoint"] == "api.health" and line["status"] == 200 for line in lines)
    finally:
        access_log.removeHandler(handler)
        access_log.propagate = True
        access_log.setLevel(logging.NOTSET)
