"""``score_values`` runs for every stored head (each pushed entry): its constants are built once.
The rule must stay the one first written, held here against that version."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_server.entry_scores import _OUTCOME, PARTS, _empty, _geopoint, score_values


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def earlier_score_values(answers: Any) -> dict[str, Any]:
    """The rule as first written (fields and names built at each call)."""
    doc = answers if isinstance(answers, dict) else {}
    observation = "skor_total" in doc or any(f"skor_k{i}" in doc for i in range(1, 7))
    if observation:
        fields = [("skor_total", 100.0)] + [(f"skor_k{i}", 100.0) for i in range(1, 7)]
        low = 0.0
    else:
        fields = [("ikm", 100.0)] + [(f"skm_u{i}", 4.0) for i in range(1, 10)]
        low = 1.0
    numbers = []
    invalid = 0
    for i, (name, high) in enumerate(fields):
        value = doc.get(name)
        number = _number(value, 0.0 if i == 0 else low, high)
        if number is None and not _empty(value):
            invalid += 1
        numbers.append(number)
    score, parts = numbers[0], numbers[1:]
    parts += [None] * (PARTS - len(parts))
    lat, lon = _geopoint(doc)
    consent = doc.get("persetujuan")
    values: dict[str, Any] = {
        "score": score,
        # (an unhashable answer raised a TypeError here; now it is no consent, as any other)
        "consent": {"ya": 1, "tidak": 0}.get(consent) if isinstance(consent, str) else None,
        "lat": lat,
        "lon": lon,
        "invalid": invalid,
    }
    for i, part in enumerate(parts, start=1):
        values[f"part_{i}"] = part
    for i in range(1, 20):
        result = doc.get(f"hasil_i{i:02d}")
        values[f"ind_{i:02d}"] = _OUTCOME.get(result, 0) if isinstance(result, str) else 0
    return values


NAMES = ["skor_total", "skor_k1", "skor_k6", "ikm", "skm_u1", "skm_u4", "skm_u9", "persetujuan",
         "hasil_i01", "hasil_i19", "lokasi", "other"]
VALUES = st.one_of(
    st.sampled_from(["0", "4", "50.5", "100", "101", "NaN", "", "ya", "tidak", "terpenuhi",
                     "sebagian", "tidak_terpenuhi", "1e400"]),
    st.integers(-5, 120),
    st.floats(),
    st.booleans(),
    st.none(),
    st.just({"latitude": -3.0, "longitude": 104.7}),
    st.just(["ya"]),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.dictionaries(st.sampled_from(NAMES), VALUES), st.text(max_size=2)))
def test_score_values_keep_their_rule(answers: Any) -> None:
    assert score_values(answers) == earlier_score_values(answers)
