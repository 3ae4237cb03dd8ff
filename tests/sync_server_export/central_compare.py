"""Holding our export against the expected text of ODK Central's own tests.

Central's expected CSVs (``test/unit/data/briefcase.js`` and ``test/integration/api/
submissions.js`` of getodk/central-backend) are compared with our export of the same form
(rebuilt as an XLSForm in ``forms/central/``) and the same answers, pushed to a live server and
exported with ``bom=0`` (Central's raw bytes: no byte-order mark, LF line ends). Only these
differences are allowed, each documented in docs/export.md ("Differences from Central"):

* our own columns at the end of the root table (``EXTRA_AFTER``) are dropped;
* ``meta-instanceID`` stands where the form has its ``meta`` group: last in an XLSForm (pyxform
  puts ``meta`` at the end), first in Central's hand-written test forms; a test form without
  ``meta`` has no such column in Central;
* cells that depend on the server and not on the answers (``SubmissionDate``, the submitter,
  ``DeviceID``, ``FormVersion``) are given Central's test values; our instance ids
  (``uuid:<entry id>``) are mapped to the test's (``one``, ``two``);
* questions renamed where XLSForm needs unique names (``name`` inside a repeat).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

#: Our own root columns after Central's (docs/export.md), written out here, not imported
EXTRA_AFTER = ("RegionCode", "RegionName", "ReviewStatus", "ReviewComment")

__all__ = ["as_central"]


def as_central(
    body: bytes,
    ids: Mapping[str, str],
    *,
    meta: str = "first",
    rename: Mapping[str, str] | None = None,
    fill: Mapping[str, str] | None = None,
) -> str:
    """Our ``bom=0`` CSV bytes seen through the documented differences, as Central's text.

    ``meta``: ``"first"`` (Central's test form has ``meta`` first), ``"none"`` (it has none) or
    ``"last"`` (as an XLSForm). ``fill``: column -> Central's value for server-side cells.
    """
    assert not body.startswith(b"\xef\xbb\xbf"), "bom=0 writes no byte-order mark"
    text = body.decode("utf-8")
    assert "\r\n" not in text, "bom=0 writes LF line ends"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    keep = [i for i, name in enumerate(header) if name not in EXTRA_AFTER]
    # ``meta-instanceID``, or ``instanceID`` without group prefixes (Central's groupPaths=false)
    instance_id = next((h for h in ("meta-instanceID", "instanceID") if h in header), None)
    if instance_id is not None:
        at = header.index(instance_id)
        keep.remove(at)
        if meta == "first":
            keep.insert(1, at)
        elif meta == "last":
            keep.insert(keep.index(header.index("KEY")), at)
    names = [(rename or {}).get(header[i], header[i]) for i in keep]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows[1:]:
        cells = []
        for i, name in zip(keep, names, strict=True):
            cell = row[i]
            if fill and name in fill:
                cell = fill[name]
            for ours, theirs in ids.items():
                cell = cell.replace(ours, theirs)
            cells.append(cell)
        writer.writerow(cells)
    return out.getvalue()
