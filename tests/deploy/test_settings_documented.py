"""Every environment variable the server and its deployment read is documented, under the name
that is read, in docs/server.md and in deploy/kpk-survey.env.example; and every name those
files (and the systemd units) tell an operator to set is one that something reads.

The class of bug: docs/server.md told operators to set ``METRICS_TOKEN`` while config.py reads
``SURVEY_METRICS_TOKEN``, and the env example did not name it at all.
"""

from __future__ import annotations

import re
from pathlib import Path

from sync_server.config import ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "server.md"
ENV_EXAMPLE = ROOT / "deploy" / "kpk-survey.env.example"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
#: read by the test suite only (scripts/test-services.sh), never by a server
TEST_ONLY = {"SURVEY_TEST_DATABASE_URL"}
#: set by the systemd unit itself, not by the operator's environment file
UNIT_SET = {"PROMETHEUS_MULTIPROC_DIR"}

_LITERAL = re.compile(r"""["']((?:SURVEY|PROMETHEUS)_[A-Z0-9_]+)["']""")
_ASSIGNED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
_MENTIONED = re.compile(r"\b(SURVEY_[A-Z0-9_]+)\b")


def read_variables() -> set[str]:
    """The variables named as string literals in the server's and the deployment's code
    (``os.environ.get("SURVEY_X")``, ``ENV_VARS``, constants), and config.py's table."""
    names = set(ENV_VARS)
    sources = [*(ROOT / "sync_server").rglob("*.py"), *(ROOT / "deploy").rglob("*.py")]
    for path in sources:
        names.update(_LITERAL.findall(path.read_text("utf-8")))
    return names


def test_the_hunt_sees_the_variables_of_each_place() -> None:
    names = read_variables()
    # config.py, sync_server/app.py, observability.py, deploy/gunicorn.conf.py, prometheus
    for expected in ("SURVEY_METRICS_TOKEN", "SURVEY_INSTANCE_PATH", "SURVEY_ACCESS_LOG",
                     "SURVEY_GUNICORN_WORKERS", "PROMETHEUS_MULTIPROC_DIR"):
        assert expected in names


def test_every_variable_read_is_documented_under_its_own_name() -> None:
    docs = DOCS.read_text("utf-8")
    example = ENV_EXAMPLE.read_text("utf-8")
    in_example = set(_ASSIGNED.findall(example))
    undocumented = sorted(n for n in read_variables() if f"`{n}`" not in docs)
    assert not undocumented, f"not in docs/server.md: {undocumented}"
    not_in_example = sorted(n for n in read_variables() - UNIT_SET if n not in in_example)
    assert not not_in_example, f"not in deploy/kpk-survey.env.example: {not_in_example}"
    units = "".join(path.read_text("utf-8") for path in UNITS)
    for name in UNIT_SET:
        assert f"Environment={name}=" in units, f"{name} is not set by a systemd unit"


def test_every_variable_an_operator_is_told_to_set_is_read() -> None:
    read = read_variables()
    told = set(_ASSIGNED.findall(ENV_EXAMPLE.read_text("utf-8")))
    for unit in UNITS:
        told |= set(re.findall(r"^Environment=([A-Z][A-Z0-9_]*)=", unit.read_text("utf-8"),
                               re.MULTILINE))
    assert told - read == set(), "set in the env example or a unit, read by nothing"
    for doc in (DOCS, ROOT / "deploy" / "README.md", ROOT / "README.md"):
        mentioned = set(_MENTIONED.findall(doc.read_text("utf-8"))) - TEST_ONLY
        assert mentioned - read == set(), f"{doc.name} names variables nothing reads"
