"""The production stack of deploy/, on loopback: nginx terminating TLS in front of gunicorn
workers on PostgreSQL, reached by the real tablet sync client and a supervisor's browser session.

The certificate authority and the server certificate are made here with openssl; nginx runs the
rendered deploy/nginx/kpk-survey.conf.in and gunicorn runs deploy/gunicorn.conf.py, the files an
operator installs (deploy/README.md). Needs Debian's nginx (installed by scripts/test-services.sh)
and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from field_app import entries
from field_app.http_api import ApiClient, SyncError
from survey_forms import pilot_form_path
from sync_server.db import make_engine, write_tx
from sync_server.forms_store import publish_file
from sync_server.migrate import upgrade
from sync_server.schema import signin_attempts
from sync_server.users import create_user
from tests.field_app.live import observation_answers, tablet
from tests.support.addresses import FromAddress
from tests.support.ports import free_port
from tests.support.processes import wait_until_up

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUNICORN = Path(sys.executable).with_name("gunicorn")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "rahasia-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

sys.path.insert(0, str(DEPLOY))
from render_config import render  # noqa: E402


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@dataclass
class Pki:
    ca: Path
    cert: Path
    key: Path
    other_ca: Path


def make_pki(folder: Path) -> Pki:
    """A test certificate authority, a server certificate it signs for 127.0.0.1 and
    localhost, and an unrelated authority (a client trusting it must refuse the server)."""
    folder.mkdir()
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for name in ("ca", "other-ca"):
        _openssl(
            "req",
            "-x509",
            *ec,
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-subj",
            f"/CN=KPK test {name}",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            cwd=folder,
        )
    _openssl(
        "req",
        "-new",
        *ec,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
        cwd=folder,
    )
    (folder / "ext.cnf").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=folder,
    )
    return Pki(
        folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "other-ca.pem"
    )


@dataclass
class Stack:
    https: str
    http: str
    pki: Pki
    folder: Path
    database_url: str


def env_example() -> dict[str, str]:
    """The settings of deploy/kpk-survey.env.example (what the operator installs)."""
    pairs = (
        line.split("=", 1)
        for line in (DEPLOY / "kpk-survey.env.example").read_text("utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture
def stack(postgres_schema_url: str, tmp_path: Path) -> Iterator[Stack]:
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (scripts/test-services.sh installs Debian's nginx)")
    pki = make_pki(tmp_path / "pki")
    engine = make_engine(postgres_schema_url)
    upgrade(engine)
    with write_tx(engine) as conn:
        publish_file(conn, pilot_form_path("observasi"), actor="test")
        create_user(conn, "petugas_plg", PASSWORD, "officer", ["16.71"])
        create_user(conn, "spv_plg", PASSWORD, "supervisor", ["16.71"])
    engine.dispose()

    app_port, https_port, http_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": postgres_schema_url,
        "SURVEY_SECRET_KEY": "https-stack-test-secret",
        "SURVEY_INSTANCE_PATH": str(tmp_path / "instance"),
        "SURVEY_ATTACHMENTS_DIR": str(tmp_path / "files"),
        # as the deployment instructions set it (the client address test below checks it)
        "SURVEY_TRUSTED_PROXY_COUNT": env_example()["SURVEY_TRUSTED_PROXY_COUNT"],
        "SURVEY_BIND": f"127.0.0.1:{app_port}",
        "SURVEY_GUNICORN_WORKERS": "2",
        "SURVEY_ACCESS_LOG": str(tmp_path / "access.jsonl"),
    }
    gunicorn = subprocess.Popen(
        [str(GUNICORN), "-c", str(DEPLOY / "gunicorn.conf.py"), "sync_server.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    site = render(
        (DEPLOY / "nginx" / "kpk-survey.conf.in").read_text("utf-8"),
        {
            "SERVER_NAME": "localhost 127.0.0.1",
            "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
            "HTTP_LISTEN": f"127.0.0.1:{http_port}",
            "TLS_CERT": str(pki.cert),
            "TLS_KEY": str(pki.key),
            "UPSTREAM": f"127.0.0.1:{app_port}",
            "MAX_BODY": "16m",
        },
    )
    (nginx_dir / "site.conf").write_text(site)
    temp = "\n".join(
        f"  {kind}_temp_path {nginx_dir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # tmp_path is private to its owner
    (nginx_dir / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {nginx_dir / 'nginx.pid'};\n"
        f"error_log {nginx_dir / 'error.log'};\nevents {{ worker_connections 64; }}\n"
        f"http {{\n  access_log {nginx_dir / 'access.log'};\n{temp}\n"
        f"  include {nginx_dir / 'site.conf'};\n}}\n"
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    https = f"https://127.0.0.1:{https_port}"
    try:
        wait_until_up(
            lambda: requests.get(f"http://127.0.0.1:{app_port}/api/v1/health", timeout=3).ok,
            "gunicorn",
            gunicorn,
        )
        wait_until_up(
            lambda: requests.get(f"{https}/api/v1/health", verify=str(pki.ca), timeout=3).ok,
            "nginx",
            nginx,
        )
        yield Stack(https, f"http://127.0.0.1:{http_port}", pki, tmp_path, postgres_schema_url)
    finally:
        for proc in (nginx, gunicorn):
            proc.terminate()
        for proc in (nginx, gunicorn):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_tablet_syncs_and_supervisor_exports_over_https(stack: Stack) -> None:
    # The tablet trusts the office's authority (the app's ca-bundle setting) and verifies.
    store, client = tablet(
        stack.folder / "tab", stack.https, api_options={"ca_bundle": str(stack.pki.ca)}
    )
    client.sign_in("petugas_plg", PASSWORD)
    assert client.sync().ok
    form = client.form("observasi_kabkota_antikorupsi", store.list_forms()[0]["version"])
    entry_id = store.create_draft(form.form_id, form.version, "16.71", observation_answers())
    assert store.finalize_entry(entry_id, form) == []
    outcome = client.sync()
    assert outcome.ok and outcome.sent == 1, outcome
    assert store.get_entry(entry_id)["status"] == entries.SENT

    # A supervisor signs in through the web form over HTTPS, as a browser does (it sends the
    # Referer that Flask-WTF's strict HTTPS check wants), and downloads the export.
    web = requests.Session()
    web.verify = str(stack.pki.ca)
    web.trust_env = False  # else REQUESTS_CA_BUNDLE would win over the session's authority
    page = web.get(f"{stack.https}/signin", timeout=10)
    assert page.status_code == 200
    token = CSRF_RE.search(page.text).group(1)
    # The app knows the request came over HTTPS (X-Forwarded-Proto through ProxyFix): a post
    # whose Referer is another origin fails Flask-WTF's HTTPS referrer check.
    forged = web.post(
        f"{stack.https}/signin",
        timeout=10,
        allow_redirects=False,
        headers={"Referer": "https://elsewhere.example/signin"},
        data={"username": "spv_plg", "password": PASSWORD, "csrf_token": token},
    )
    assert forged.status_code == 400
    resp = web.post(
        f"{stack.https}/signin",
        timeout=10,
        allow_redirects=False,
        headers={"Referer": f"{stack.https}/signin"},
        data={"username": "spv_plg", "password": PASSWORD, "csrf_token": token},
    )
    assert resp.status_code in (302, 303), re.sub(r"\s+", " ", resp.text)[-1500:]
    location = resp.headers["Location"]
    assert not location.startswith("http://"), location  # the app knows it is behind HTTPS
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie, cookie
    export = web.get(f"{stack.https}/export/observasi_kabkota_antikorupsi.csv", timeout=30)
    assert export.status_code == 200, export.text[:500]
    assert entry_id in export.text

    # The app saw the client's address and scheme through nginx (ProxyFix, one trusted proxy).
    health = web.get(f"{stack.https}/api/v1/health", timeout=10)
    assert health.ok and health.headers.get("Strict-Transport-Security")


def test_the_app_sees_the_real_client_address_through_nginx(stack: Stack) -> None:
    """Sign-in limits count the client's own address: nginx passes it on (overwriting a forged
    X-Forwarded-For) and the app trusts exactly that one hop, as deploy/ sets them up. With the
    proxy count left at 0 the app would see nginx's address (127.0.0.1) for everyone."""
    clients = {}
    for source in ("127.0.0.2", "127.0.0.3"):
        http = requests.Session()
        http.verify = str(stack.pki.ca)
        http.trust_env = False
        http.mount("https://", FromAddress(source))
        clients[source] = http
    forged = {"X-Forwarded-For": "10.66.0.1", "X-Real-IP": "10.66.0.2"}
    sent = [
        ("127.0.0.2", "spv_plg", "salah-salah", 401),
        ("127.0.0.3", "petugas_plg", PASSWORD, 201),
    ]
    for source, username, password, status in sent:
        resp = clients[source].post(
            f"{stack.https}/api/v1/sessions",
            json={"username": username, "password": password, "device_id": "tablet-x"},
            headers=forged,
            timeout=30,
        )
        assert resp.status_code == status, resp.text
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            seen = conn.execute(
                select(signin_attempts.c.username, signin_attempts.c.remote_addr)
            ).all()
    finally:
        engine.dispose()
    assert sorted(map(tuple, seen)) == [("petugas_plg", "127.0.0.3"), ("spv_plg", "127.0.0.2")]


def test_plain_http_redirects_to_https(stack: Stack) -> None:
    resp = requests.get(f"{stack.http}/api/v1/health", timeout=10, allow_redirects=False)
    assert resp.status_code == 301
    assert resp.headers["Location"].startswith("https://")


def test_certificate_errors_are_explained_never_ignored(stack: Stack) -> None:
    for bundle in (None, str(stack.pki.other_ca)):  # the system's authorities, a wrong one
        api = ApiClient(stack.https, ca_bundle=bundle, max_retries=3, backoff_base=0.01)
        started = time.monotonic()
        with pytest.raises(SyncError) as failure:
            api.sign_in("petugas_plg", PASSWORD, "tablet-1")
        assert time.monotonic() - started < 5  # refused at once, not retried as a lost network
        error = failure.value
        assert error.reason == "certificate"
        assert "sertifikat" in error.message["id"].lower()
        assert "certificate" in error.message["en"].lower()


def test_request_body_limit_matches_the_app(stack: Stack) -> None:
    # nginx refuses what the app would refuse (16 MiB), before it reaches gunicorn.
    resp = requests.post(
        f"{stack.https}/api/v1/sync/push",
        verify=str(stack.pki.ca),
        data=b"x" * (17 * 1024 * 1024),
        timeout=30,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 413
