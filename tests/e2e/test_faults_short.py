"""Short forms of the fault scripts in ``stress/`` (the arguments of ``stress.run_all.SHORT``).

Each script runs in its own process, as ``python -m stress.<name>`` does; the test reads the
figures it printed and asserts the invariants: faults were injected, 0 entries lost,
0 duplicates, no 5xx. A negative control shows the final check catches a lost entry.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from stress.common import Report, check_server, make_tablets, seed, sqlite_url
from stress.run_all import SHORT
from survey_forms import load_pilot_form
from tests.support.fixtures import PG_ENV

ROOT = Path(__file__).resolve().parents[2]


def run_script(name: str, *extra: str) -> tuple[str, dict[str, str]]:
    """Run one script's short form; return its output and its last ``name: value`` figures."""
    result = subprocess.run(
        [sys.executable, "-m", f"stress.{name}", *SHORT[name], *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    figures = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.rpartition(": ")
        if sep:
            figures[key.strip()] = value.strip()
    return result.stdout, figures


def assert_invariants(output: str) -> None:
    """Every report block in ``output`` held: 0 lost, 0 duplicates, no 5xx, result OK."""
    blocks = [b for b in output.split("== ")[1:] if "skipped" not in b.splitlines()[1]]
    assert blocks, output
    for block in blocks:
        assert re.search(r"^entries lost: 0$", block, re.M), block
        assert re.search(r"^duplicates: 0$", block, re.M), block
        assert re.search(r"^5xx responses: 0$", block, re.M), block
        assert re.search(r"^entries not marked sent: 0$|^operations: ", block, re.M), block
        assert block.rstrip().endswith("result: OK"), block


def test_network_faults_short() -> None:
    output, figures = run_script("network_faults")
    assert_invariants(output)
    assert int(figures["faults injected"]) > 0
    assert figures["entries on the server"] == "60"
    assert figures["entries not marked sent"] == "0"


def test_server_crash_short() -> None:
    output, figures = run_script("server_crash")
    assert_invariants(output)
    assert int(figures["server SIGKILLs"]) >= 1
    assert figures["entries on the server"] == "120"


def test_store_kill_short() -> None:
    if not hasattr(os, "fork"):
        pytest.skip("the store kill test needs os.fork")
    _, figures = run_script("store_kill")
    assert figures["kills"] == "20"
    assert figures["saves lost"] == "0"


def test_concurrency_short() -> None:
    output, figures = run_script("concurrency")
    assert_invariants(output)
    assert "concurrency (waitress-sqlite)" in output
    if os.environ.get(PG_ENV):
        assert "concurrency (gunicorn-postgres)" in output
        assert output.count("result: OK") == 2
    assert figures["entries on the server"] == "18"
    assert figures["revisions on the server"] == "24"  # 18 entries + 6 edits


def test_bad_input_short() -> None:
    output, figures = run_script("bad_input")
    assert_invariants(output)
    assert int(figures["operations"]) >= 30
    assert figures["all operations: cases with failures"] == "0"
    assert figures["existing entry and file: cases with failures"] == "0"


def test_the_final_check_catches_lost_and_unsent_entries(tmp_path: Path) -> None:
    """Negative control: entries a tablet holds but the server never received are counted."""
    database_url = sqlite_url(tmp_path)
    seed(database_url, ["petugas_0"])
    tablet = make_tablets(tmp_path, "http://127.0.0.1:9", 1, statuses=Counter())[0]
    form = load_pilot_form("observasi")
    tablet.fill(3, form)
    report = Report("control")
    check_server(database_url, [tablet], report, None)
    assert report.lost == 3
    assert "3 entries not marked sent on their tablet" in report.problems
    assert not report.ok
