"""field_app's core imports neither Kivy nor the server side (it talks to it over HTTP only).

The UI (``field_app/ui``, ``field_app/main.py``) is built on the core and may import Kivy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import field_app

PACKAGE = Path(field_app.__file__).parent
FORBIDDEN = ("kivy", "sync_server", "flask", "sqlalchemy")
CORE = ("storage", "store", "entries", "form_session", "attachments", "http_api", "sync_client",
        "background", "rejections", "messages", "paths", "__init__")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_core_module_imports_kivy_or_the_server() -> None:
    for path in (PACKAGE / f"{name}.py" for name in CORE):
        bad = {name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN}
        assert not bad, f"{path.name} imports {bad}"


def test_importing_the_core_loads_no_kivy_or_server() -> None:
    code = ("import sys, field_app.store, field_app.sync_client, field_app.background, "
            "field_app.form_session; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{FORBIDDEN!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    assert out.stdout.strip() == "[]"
