"""The push path's fast canonical encoder must give exactly ``canonical_json``'s text.

Revision ids hash that text on the tablet (``json.dumps``) and on the server: one character of
difference and every push is refused as ``malformed``.
"""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_forms.revisions import canonical_json, revision_id
from sync_server.payload import (
    Limits,
    canonical_answers_json,
    check_answers,
    parse_revision,
    revision_id_from_canonical,
)

_scalars = (
    st.text()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.booleans()
    | st.floats(allow_nan=False)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1), inner, max_size=4)
    ),
    max_leaves=20,
)


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats(item)]
    if isinstance(value, list):
        return [f for item in value for f in _floats(item)]
    return []


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(min_size=1), _values, max_size=6))
def test_fast_encoder_matches_canonical_json(answers: dict) -> None:
    assert canonical_answers_json(answers, _floats(answers)) == canonical_json(answers)


def test_edge_values_match_canonical_json() -> None:
    answers = {
        "\U00010000": "astral key after the BMP",
        "\uffff": "last BMP key",
        "é": "é\u2028\u2029\x7f",
        "controls": "".join(chr(c) for c in range(32)) + '"\\/',
        "big": [2**64, -(2**63) - 1, 10**40],
        "floats": [1e16, 1e-07, 1.5e300, 5e-324, -0.0, 0.0001, 87.35, 104.756554, math.inf],
        "nested": {"b": [], "a": {}, "B": True, "": None},
    }
    assert canonical_answers_json(answers, _floats(answers)) == canonical_json(answers)


def test_exponent_float_falls_back_and_rev_matches() -> None:
    # 1e+16 (json) and 1e16 (msgspec) differ: the id must still be the tablet's.
    answers = {"luas": 1e16, "skor": 87.35, "nama": "Kantor Camat Ilir Barat I"}
    text, _ = check_answers(answers, Limits())
    assert text == canonical_json(answers) and '"luas":1e+16' in text
    rev = revision_id(None, "f", "1", "16.71", answers)
    assert revision_id_from_canonical(None, "f", "1", "16.71", text) == rev
    item = {
        "entry_id": "6f1c5d1e-34f6-4a55-9c0a-0a1b2c3d4e5f",
        "rev": rev,
        "parent_rev": None,
        "form_id": "f",
        "form_version": "1",
        "region": "16.71",
        "answers": json.loads(json.dumps(answers)),
    }
    assert parse_revision(item, Limits()).answers_json == text
