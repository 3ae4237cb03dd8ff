"""What waits on this tablet, reported to the server with every sync call.

The supervisor's dashboard shows, per officer and tablet, when the tablet last contacted the
server and how many entries were waiting on it at that moment. The sync client sends
:func:`header_value` in the ``X-Device-Report`` header of each call of one sync run, counted
when the run starts:

* ``waiting``: the signed-in officer's finalized entries the server has not accepted yet;
* ``drafts``: the officer's unfinished entries (drafts).

Other officers' entries on a shared tablet are not counted (they are reported when their owner
signs in and syncs).
"""

from __future__ import annotations

from typing import Any

from field_app import entries

__all__ = ["HEADER", "counts", "header_value"]

HEADER = "X-Device-Report"


def counts(store: Any) -> dict[str, int]:
    """``{"waiting": n, "drafts": n}`` for the signed-in officer's entries in ``store``."""
    per_status = store.counts()
    return {
        "waiting": int(per_status.get(entries.FINALIZED, 0)),
        "drafts": int(per_status.get(entries.DRAFT, 0)),
    }


def header_value(store: Any) -> str:
    """The ``X-Device-Report`` value, e.g. ``"waiting=3, drafts=1"``."""
    found = counts(store)
    return f"waiting={found['waiting']}, drafts={found['drafts']}"
