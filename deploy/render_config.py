#!/usr/bin/env python3
"""Render a deployment template: replace each ``@NAME@`` with a value, refuse anything left over.

    python3 deploy/render_config.py deploy/nginx/kpk-survey.conf.in \\
        SERVER_NAME=survei.example HTTPS_LISTEN=443 HTTP_LISTEN=80 \\
        TLS_CERT=/etc/ssl/certs/kpk-survey.pem TLS_KEY=/etc/ssl/private/kpk-survey.key \\
        UPSTREAM=unix:/run/kpk-survey/gunicorn.sock MAX_BODY=16m \\
        > /etc/nginx/sites-available/kpk-survey

Standard library only, so it runs on a bare server. The CI test renders the same templates.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def render(template: str, values: Mapping[str, str]) -> str:
    """Return ``template`` with every ``@NAME@`` replaced; ``ValueError`` names what is missing.

    Comment lines (``#``) may mention placeholders; they are replaced too when a value is given
    and otherwise left as they are. A value that is not used is an error as well (a typo).
    """
    wanted = {
        m.group(1)
        for line in template.splitlines()
        if not line.lstrip().startswith("#")
        for m in PLACEHOLDER.finditer(line)
    }
    missing = sorted(wanted - values.keys())
    unused = sorted(values.keys() - {m.group(1) for m in PLACEHOLDER.finditer(template)})
    if missing or unused:
        parts = []
        if missing:
            parts.append("missing values for " + ", ".join(missing))
        if unused:
            parts.append("unknown names " + ", ".join(unused))
        raise ValueError("; ".join(parts))
    for name, value in values.items():
        if "\n" in value:
            raise ValueError(f"{name}: a value must be one line")
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def main(argv: list[str]) -> int:
    """``render_config.py TEMPLATE NAME=VALUE ...``: print the rendered file."""
    if len(argv) < 1 or any("=" not in arg for arg in argv[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    values = dict(arg.split("=", 1) for arg in argv[1:])
    try:
        sys.stdout.write(render(Path(argv[0]).read_text("utf-8"), values))
    except (OSError, ValueError) as exc:
        print(f"render_config: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
