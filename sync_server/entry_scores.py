"""Per-entry scores for the dashboard, stored whenever an entry's head changes.

The dashboard's figures (observation scores and indicator results per regency and kecamatan,
the community survey's IKM, the visit map) are sums and averages over thousands of entries.
Reading every head revision's answers for them took seconds at 100,000 entries, so each head's
figures are kept in one ``entry_scores`` row (migration 0011), written in the same transaction
as the head: push (new entry, fast-forward, merge), supervisor edit, conflict resolution and
the admin's move. A soft delete or restore flips ``deleted``. The row repeats the entry's
``form_id``, ``region`` and ``kecamatan`` and is clustered by them (SQLite ``WITHOUT ROWID``),
so a dashboard query reads one contiguous range of one table, no join.

What is kept (:func:`score_values`, a pure function of the answers):

* ``score``: the overall score, ``skor_total`` (observation, weighted mean of the components)
  or ``ikm`` (survey), 0-100; ``part_1`` .. ``part_9``: ``skor_k1`` .. ``skor_k6`` (0-100) or
  the SKM elements ``skm_u1`` .. ``skm_u9`` (1-4). Anything that is not such a number is
  stored as no value (never a failure).
* ``ind_01`` .. ``ind_19``: the indicator results ``hasil_i01`` .. ``hasil_i19`` as one packed
  integer each, so that one ``SUM`` counts all three outcomes: fulfilled adds 1, partly
  2**21, not fulfilled 2**42 (not applicable and unanswered add 0). A sum over at most
  2,097,151 entries decodes exactly (:func:`unpack_tally`).
* ``consent``: 1 / 0 for ``persetujuan`` ``ya`` / ``tidak`` (survey), else empty.
* ``lat``, ``lon``: the ``lokasi`` geopoint (the first top-level geopoint when there is no
  ``lokasi``), when it lies on the earth.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, select, update

from .schema import entries, entry_scores, revisions

__all__ = [
    "INDICATORS",
    "PARTS",
    "TALLY_BITS",
    "head_answers_of",
    "refresh_entry_scores",
    "score_values",
    "set_scores_deleted",
    "store_scores",
    "unpack_tally",
]

#: indicators of the observation checklist kept per entry
INDICATORS = 19
#: component scores (observation) or SKM elements (survey) kept per entry
PARTS = 9
#: width of each outcome's count inside a packed indicator sum
TALLY_BITS = 21
_OUTCOME = {"terpenuhi": 1, "sebagian": 1 << TALLY_BITS, "tidak_terpenuhi": 1 << (2 * TALLY_BITS)}
_MASK = (1 << TALLY_BITS) - 1


def _number(value: Any, low: float, high: float) -> float | None:
    """``value`` as a finite number in ``[low, high]``, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def _geopoint(answers: dict[str, Any]) -> tuple[float | None, float | None]:
    """Latitude and longitude of ``lokasi`` or, without it, of the first top-level geopoint."""
    value = answers.get("lokasi")
    if not isinstance(value, dict):
        value = next((v for v in answers.values() if v.__class__ is dict and "latitude" in v), None)
    if isinstance(value, dict):
        lat = _number(value.get("latitude"), -90.0, 90.0)
        lon = _number(value.get("longitude"), -180.0, 180.0)
        if lat is not None and lon is not None:
            return lat, lon
    return None, None


#: the stored value of each indicator result
_HASIL = tuple(f"hasil_i{i:02d}" for i in range(1, INDICATORS + 1))
_IND = tuple(f"ind_{i:02d}" for i in range(1, INDICATORS + 1))


#: the component scores of the observation form
_COMPONENTS = tuple(f"skor_k{i}" for i in range(1, 7))
#: (answer, lowest, highest) of the overall score and the parts: observation, then survey
_OBSERVATION_FIELDS = (("skor_total", 0.0, 100.0), *((name, 0.0, 100.0) for name in _COMPONENTS))
_SURVEY_FIELDS = (("ikm", 0.0, 100.0), *((f"skm_u{i}", 1.0, 4.0) for i in range(1, 10)))
_PART_COLUMNS = tuple(f"part_{i}" for i in range(1, PARTS + 1))
_CONSENT = {"ya": 1, "tidak": 0}


def _empty(value: Any) -> bool:
    """No answer: missing, null, ``""`` or ODK's text ``"NaN"`` of a sum with an empty part."""
    return value is None or value == "" or value == "NaN"


def score_values(answers: Any) -> dict[str, Any]:
    """The ``entry_scores`` values of one head revision's answers (see the module text).

    ``invalid`` counts the score fields holding something that is not a score (text, a list,
    a boolean, a number out of range or not finite): stored as no value, and counted so that
    the dashboard can say how many values it left out."""
    doc = answers if isinstance(answers, dict) else {}
    observation = "skor_total" in doc or any(name in doc for name in _COMPONENTS)
    fields = _OBSERVATION_FIELDS if observation else _SURVEY_FIELDS
    numbers = []
    invalid = 0
    for name, low, high in fields:
        value = doc.get(name)
        number = _number(value, low, high)
        if number is None and not _empty(value):
            invalid += 1
        numbers.append(number)
    lat, lon = _geopoint(doc)
    consent = doc.get("persetujuan")
    values: dict[str, Any] = {
        "score": numbers[0],
        # (a list or an object here once raised a TypeError: it is no consent either)
        "consent": _CONSENT.get(consent) if consent.__class__ is str else None,
        "lat": lat,
        "lon": lon,
        "invalid": invalid,
    }
    for column, part in zip(_PART_COLUMNS, numbers[1:], strict=False):
        values[column] = part
    for column in _PART_COLUMNS[len(numbers) - 1 :]:
        values[column] = None
    get, outcome = doc.get, _OUTCOME.get
    for name, column in zip(_HASIL, _IND, strict=True):
        result = get(name)
        values[column] = outcome(result, 0) if result.__class__ is str else 0
    return values


def unpack_tally(total: Any) -> tuple[int, int, int]:
    """``(fulfilled, partly, not_fulfilled)`` counts of a summed ``ind_NN`` column."""
    value = int(total or 0)
    return value & _MASK, (value >> TALLY_BITS) & _MASK, (value >> (2 * TALLY_BITS)) & _MASK


def _row(entry: dict[str, Any], rev: str, answers: Any) -> dict[str, Any]:
    kecamatan = answers.get("kecamatan") if isinstance(answers, dict) else None
    return {
        "entry_id": entry["entry_id"],
        "rev": rev,
        "form_id": entry["form_id"],
        "region": entry["region"],
        "kecamatan": kecamatan[:100] if isinstance(kecamatan, str) else "",
        "deleted": entry.get("deleted_at") is not None,
        **score_values(answers),
    }


def store_scores(
    conn: Connection, heads: Iterable[tuple[dict[str, Any], str, Any]], *, fresh: bool = False
) -> None:
    """Write the scores of new heads: ``(entry, head_rev, answers)`` each, where ``entry`` has
    at least ``entry_id``, ``form_id``, ``region`` (the head's) and ``deleted_at``.

    ``fresh`` (entries created in this transaction) skips deleting an older row."""
    rows = [_row(entry, rev, answers) for entry, rev, answers in heads]
    if not rows:
        return
    if not fresh:
        ids = [row["entry_id"] for row in rows]
        for start in range(0, len(ids), 500):
            conn.execute(
                delete(entry_scores).where(entry_scores.c.entry_id.in_(ids[start : start + 500]))
            )
    conn.execute(entry_scores.insert(), rows)


def head_answers_of(conn: Connection, entry: dict[str, Any]) -> Any:
    """The answers of ``entry["head_rev"]`` (read from ``revisions``; ``{}`` when unreadable)."""
    text = conn.execute(
        select(revisions.c.answers).where(
            revisions.c.entry_id == entry["entry_id"], revisions.c.rev == entry["head_rev"]
        )
    ).scalar_one()
    try:
        return json.loads(text)
    except ValueError:
        return {}


def set_scores_deleted(conn: Connection, entry_id: str, deleted: bool) -> None:
    """Follow a soft delete or restore of an entry."""
    conn.execute(
        update(entry_scores).where(entry_scores.c.entry_id == entry_id).values(deleted=deleted)
    )


def refresh_entry_scores(conn: Connection, batch: int = 1000) -> int:
    """Store the scores of every entry whose stored row is missing or not of its head (data
    stored before migration 0011, or written into the database by other means); returns how
    many rows were written. Idempotent; the migration runs it once."""
    stale = (
        select(
            entries.c.entry_id,
            entries.c.form_id,
            entries.c.region,
            entries.c.deleted_at,
            entries.c.head_rev,
            revisions.c.answers,
        )
        .select_from(
            entries.join(
                revisions,
                (revisions.c.entry_id == entries.c.entry_id)
                & (revisions.c.rev == entries.c.head_rev),
            ).outerjoin(entry_scores, entry_scores.c.entry_id == entries.c.entry_id)
        )
        .where(
            (entry_scores.c.rev.is_(None))
            | (entry_scores.c.rev != entries.c.head_rev)
            | (entry_scores.c.region != entries.c.region)
        )
    )
    pending = []
    written = 0
    for row in conn.execute(stale).mappings().all():
        try:
            answers = json.loads(row["answers"])
        except ValueError:
            answers = {}
        pending.append((dict(row), row["head_rev"], answers))
        if len(pending) >= batch:
            store_scores(conn, pending)
            written += len(pending)
            pending = []
    store_scores(conn, pending)
    written += len(pending)
    return written
