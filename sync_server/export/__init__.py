"""CSV export of a form's entries in ODK Central's layout (issue 6).

* :mod:`.columns`: the column model from every published version of a form;
* :mod:`.rows`: entries to cells (labels, select_multiple, geopoints, formula neutralising);
* :mod:`.writer`: streaming CSV (UTF-8 with BOM, RFC 4180) and ZIP writers;
* :mod:`.source`: entries read in keyset pages;
* :mod:`.service`: checks and assembly; :mod:`.views`: the ``/export`` blueprint;
  :mod:`.command`: ``survey-server export``.

See docs/export.md for the layout and the options.
"""

from __future__ import annotations

from .columns import build_tables, merge_orders, merged_choices
from .rows import EntryRecord, ExportLayout, ExportOptions, neutralise
from .service import ExportError, PreparedExport, options_from_args, prepare_export

__all__ = [
    "EntryRecord",
    "ExportError",
    "ExportLayout",
    "ExportOptions",
    "PreparedExport",
    "build_tables",
    "merge_orders",
    "merged_choices",
    "neutralise",
    "options_from_args",
    "prepare_export",
]
