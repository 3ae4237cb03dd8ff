"""The dashboard's figures per regency and kecamatan, read from the stored per-entry scores
(``entry_scores``, :mod:`sync_server.entry_scores`), never from the entries' answers.

:func:`area_sums` is one grouped query (sums and counts per region and kecamatan, so regency
figures are exact sums of their kecamatan rows); :func:`observation_table` and
:func:`survey_table` turn them into the rows the page shows (pure functions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, case, false, func, select

from ..entry_scores import INDICATORS, PARTS, unpack_tally
from ..schema import entry_scores

__all__ = [
    "AreaSums",
    "area_sums",
    "grade_of",
    "observation_table",
    "scoped",
    "survey_table",
]

#: IKM grades of PermenPAN-RB 14/2017 (lower bound of each, IKM rounded to 2 decimals)
GRADES = (("A", 88.31), ("B", 76.61), ("C", 65.0), ("D", 0.0))


@dataclass
class AreaSums:
    """Sums and counts of one region (``kecamatan`` ``None``) or one kecamatan."""

    region: str
    kecamatan: str | None
    n: int = 0
    score_sum: float = 0.0
    score_n: int = 0
    part_sum: list[float] = field(default_factory=lambda: [0.0] * PARTS)
    part_n: list[int] = field(default_factory=lambda: [0] * PARTS)
    tallies: list[tuple[int, int, int]] = field(default_factory=lambda: [(0, 0, 0)] * INDICATORS)
    consent_yes: int = 0
    consent_no: int = 0
    invalid: int = 0

    def add(self, other: AreaSums) -> None:
        """Add another area's sums (a kecamatan into its regency)."""
        self.n += other.n
        self.score_sum += other.score_sum
        self.score_n += other.score_n
        self.part_sum = [a + b for a, b in zip(self.part_sum, other.part_sum, strict=True)]
        self.part_n = [a + b for a, b in zip(self.part_n, other.part_n, strict=True)]
        self.tallies = [
            (a[0] + b[0], a[1] + b[1], a[2] + b[2])
            for a, b in zip(self.tallies, other.tallies, strict=True)
        ]
        self.consent_yes += other.consent_yes
        self.consent_no += other.consent_no
        self.invalid += other.invalid


def scoped(stmt: Any, user: Any, form_id: str, region: str | None) -> Any:
    """Restrict a select over ``entry_scores`` to one form, entries not deleted, the user's
    regions (admins: all) and optionally one region (one the user does not oversee: nothing)."""
    stmt = stmt.where(entry_scores.c.form_id == form_id, entry_scores.c.deleted.is_(False))
    if region:
        if user.role != "admin" and region not in user.regions:
            return stmt.where(false())
        return stmt.where(entry_scores.c.region == region)
    if user.role != "admin":
        stmt = stmt.where(entry_scores.c.region.in_(list(user.regions)))
    return stmt


def area_sums(
    conn: Connection, user: Any, form_id: str, region: str | None, kind: str = "observation"
) -> list[AreaSums]:
    """One :class:`AreaSums` per (region, kecamatan) of the form's entries the user may see.

    ``kind`` chooses the sums: ``observation`` (the score, six component scores and the 19
    packed indicator results) or ``survey`` (the IKM, nine SKM elements and the consent); the
    others stay zero. Each sum is one aggregate of a stored column: no answers are read."""
    es = entry_scores.c
    width = 6 if kind == "observation" else PARTS
    parts = [getattr(es, f"part_{i}") for i in range(1, width + 1)]
    inds = (
        [getattr(es, f"ind_{i:02d}") for i in range(1, INDICATORS + 1)]
        if kind == "observation"
        else []
    )
    consent = (
        [
            func.sum(case((es.consent == 1, 1), else_=0)),
            func.sum(case((es.consent == 0, 1), else_=0)),
        ]
        if kind == "survey"
        else []
    )
    columns = [
        es.region,
        es.kecamatan,
        func.count(),
        func.sum(es.invalid),
        func.sum(es.score),
        func.count(es.score),
        *[func.sum(p) for p in parts],
        *[func.count(p) for p in parts],
        *[func.sum(i) for i in inds],
        *consent,
    ]
    stmt = scoped(select(*columns), user, form_id, region).group_by(es.region, es.kecamatan)
    out = []
    for row in conn.execute(stmt):
        values = list(row)
        region_, kecamatan, n, invalid, score_sum, score_n = values[:6]
        rest = values[6:]
        sums = [float(v or 0) for v in rest[:width]]
        counts = [int(v) for v in rest[width : 2 * width]]
        tallies = [unpack_tally(v) for v in rest[2 * width : 2 * width + len(inds)]]
        yes, no = (int(v or 0) for v in rest[2 * width + len(inds) :]) if consent else (0, 0)
        out.append(
            AreaSums(
                region=region_,
                kecamatan=kecamatan or None,
                n=int(n),
                score_sum=float(score_sum or 0),
                score_n=int(score_n),
                part_sum=sums + [0.0] * (PARTS - width),
                part_n=counts + [0] * (PARTS - width),
                tallies=tallies or [(0, 0, 0)] * INDICATORS,
                consent_yes=yes,
                consent_no=no,
                invalid=int(invalid or 0),
            )
        )
    return out


def _by_region(rows: list[AreaSums]) -> list[tuple[AreaSums, list[AreaSums]]]:
    """Regency totals, each followed by its kecamatan rows (sorted by code)."""
    regions: dict[str, AreaSums] = {}
    children: dict[str, list[AreaSums]] = {}
    for row in sorted(rows, key=lambda r: (r.region, r.kecamatan or "")):
        total = regions.setdefault(row.region, AreaSums(row.region, None))
        total.add(row)
        children.setdefault(row.region, []).append(row)
    return [(regions[r], children[r]) for r in sorted(regions)]


def _mean(total: float, n: int) -> float | None:
    return total / n if n else None


def _shares(tally: tuple[int, int, int]) -> dict[str, Any]:
    """Shares (percent) of fulfilled / partly / not fulfilled among the answered applicable
    results, the count ``n``, and the colour class 0-4 of the fulfilled share."""
    yes, partly, no = tally
    n = yes + partly + no
    if not n:
        return {"n": 0, "yes": None, "partly": None, "no": None, "level": None}
    shares = [100.0 * v / n for v in tally]
    return {
        "n": n,
        "yes": shares[0],
        "partly": shares[1],
        "no": shares[2],
        "level": min(4, int(shares[0] // 20)),
    }


def observation_table(rows: list[AreaSums]) -> list[dict[str, Any]]:
    """Rows of the observation view: per regency then its kecamatan, the number of entries,
    the average component scores (``parts``, 6), the average overall score (the form's weighted
    mean of the components, ``score``) and each indicator's result shares (``cells``, 19)."""
    out = []
    for total, kecamatans in _by_region(rows):
        for area in [total, *kecamatans]:
            out.append(
                {
                    "region": area.region,
                    "kecamatan": area.kecamatan,
                    "is_region": area is total,
                    "n": area.n,
                    "invalid": area.invalid,
                    "score": _mean(area.score_sum, area.score_n),
                    "parts": [_mean(area.part_sum[i], area.part_n[i]) for i in range(6)],
                    "cells": [_shares(t) for t in area.tallies],
                }
            )
    return out


def grade_of(ikm: float | None) -> str | None:
    """The IKM grade A-D (thresholds :data:`GRADES`), ``None`` without an IKM."""
    if ikm is None:
        return None
    value = round(ikm, 2)
    return next(letter for letter, low in GRADES if value >= low)


def survey_table(rows: list[AreaSums]) -> list[dict[str, Any]]:
    """Rows of the community survey view: per regency then its kecamatan, the respondents
    (consent given), the consent rate among those asked, each SKM element's IKM (element mean
    x 25) and the overall IKM: the mean of the nine element means x 25 (PermenPAN-RB 14/2017),
    with its grade. An element nobody answered leaves the overall IKM empty."""
    out = []
    for total, kecamatans in _by_region(rows):
        for area in [total, *kecamatans]:
            elements = [_mean(area.part_sum[i], area.part_n[i]) for i in range(PARTS)]
            element_ikm = [None if e is None else 25.0 * e for e in elements]
            ikm = (
                None if any(e is None for e in elements) else 25.0 * sum(elements) / PARTS  # type: ignore[arg-type]
            )
            asked = area.consent_yes + area.consent_no
            out.append(
                {
                    "region": area.region,
                    "kecamatan": area.kecamatan,
                    "is_region": area is total,
                    "n": area.n,
                    "invalid": area.invalid,
                    "respondents": area.consent_yes,
                    "consent_rate": 100.0 * area.consent_yes / asked if asked else None,
                    "elements": element_ikm,
                    "ikm": ikm,
                    "grade": grade_of(ikm),
                }
            )
    return out
