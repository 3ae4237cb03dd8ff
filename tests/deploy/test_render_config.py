"""deploy/render_config.py: every placeholder of a template filled, no typo let through."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
sys.path.insert(0, str(DEPLOY))
from render_config import main, render  # noqa: E402

NGINX_VALUES = {
    "SERVER_NAME": "survei.example",
    "HTTPS_LISTEN": "443",
    "HTTP_LISTEN": "80",
    "TLS_CERT": "/etc/ssl/certs/s.pem",
    "TLS_KEY": "/etc/ssl/private/s.key",
    "UPSTREAM": "unix:/run/kpk-survey/gunicorn.sock",
    "MAX_BODY": "16m",
}


def test_the_nginx_template_renders_with_every_value_and_nothing_left() -> None:
    out = render((DEPLOY / "nginx" / "kpk-survey.conf.in").read_text("utf-8"), NGINX_VALUES)
    body = "\n".join(line for line in out.splitlines() if not line.lstrip().startswith("#"))
    assert "@" not in body
    assert "listen 443 ssl" in body and "return 301 https://" in body
    assert "client_max_body_size 16m;" in body


def test_a_missing_or_unknown_value_is_refused() -> None:
    template = (DEPLOY / "nginx" / "kpk-survey.conf.in").read_text("utf-8")
    with pytest.raises(ValueError, match="missing values for TLS_KEY"):
        render(template, {k: v for k, v in NGINX_VALUES.items() if k != "TLS_KEY"})
    with pytest.raises(ValueError, match="unknown names TLS_KEYS"):
        render(template, {**NGINX_VALUES, "TLS_KEYS": "x"})
    with pytest.raises(ValueError, match="one line"):
        render(template, {**NGINX_VALUES, "SERVER_NAME": "a\nb"})


def test_the_command_prints_and_fails_clearly(tmp_path: Path, capsys) -> None:
    template = tmp_path / "t.in"
    template.write_text("a @X@ b\n")
    assert main([str(template), "X=1"]) == 0
    assert capsys.readouterr().out == "a 1 b\n"
    assert main([str(template)]) == 1
    assert "missing values for X" in capsys.readouterr().err


def test_the_app_body_limit_and_the_documented_nginx_limit_agree() -> None:
    from sync_server.config import DEFAULTS

    assert DEFAULTS["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024  # MAX_BODY=16m in deploy/README.md
    readme = (DEPLOY / "README.md").read_text("utf-8")
    assert "MAX_BODY=16m" in readme
