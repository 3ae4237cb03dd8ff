"""Request bodies are decoded by msgspec first, by ``json`` when msgspec refuses: the values and
the refusals must be exactly those of the strict ``json`` path alone."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_server import requests_json
from sync_server.errors import ApiError

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


def _strict(raw: bytes) -> object:
    """What the ``json`` path alone gives (value, or the error code)."""
    original = requests_json._FAST_DECODER
    try:
        requests_json._FAST_DECODER = _Refusing()  # type: ignore[assignment]
        return requests_json.parse_json_bytes(raw)
    except ApiError as exc:
        return ("error", exc.code)
    finally:
        requests_json._FAST_DECODER = original


class _Refusing:
    def decode(self, raw: bytes) -> object:
        raise requests_json.msgspec.DecodeError("refused")


def _both(raw: bytes) -> tuple[object, object]:
    try:
        fast: object = requests_json.parse_json_bytes(raw)
    except ApiError as exc:
        fast = ("error", exc.code)
    return fast, _strict(raw)


@settings(max_examples=300, deadline=None)
@given(_values, st.booleans())
def test_same_values_as_json(value: object, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    fast, strict = _both(raw)
    assert repr(fast) == repr(strict)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"NaN", ("error", "malformed_json")),
        (b"[Infinity]", ("error", "malformed_json")),
        (b'"\\ud800"', ("error", "not_utf8")),
        (b'"\xff"', ("error", "not_utf8")),
        # numbers a float cannot hold are refused, not read as infinities
        (b"[1e400]", ("error", "number_out_of_range")),
        (b'{"a": -1e400}', ("error", "number_out_of_range")),
        (b"[1" + b"0" * 400 + b"]", ("error", "number_out_of_range")),
        (b"[-1" + b"0" * 5000 + b"]", ("error", "number_out_of_range")),
        (b"[1e308, 1e-400]", [1e308, 0.0]),
        (b'["1' + b"0" * 400 + b'"]', ["1" + "0" * 400]),  # digits in text are text
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b"[" * 5000 + b"]" * 5000, ("error", "malformed_json")),
        (b'{"a":1}x', ("error", "malformed_json")),
        (b"123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_edge_cases_like_json(raw: bytes, expected: object) -> None:
    fast, strict = _both(raw)
    assert repr(fast) == repr(strict) == repr(expected)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(300, 320).map(lambda n: b"7" * n),  # runs around the limit
            st.binary(max_size=20),
            st.sampled_from([b"0", b"9", b"/", b":", b"\xd9\xa3", b" "]),
        ),
        max_size=8,
    )
)
def test_the_long_digit_scan_is_the_regular_expression(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    expected = re.search(rb"[0-9]{309}", raw) is not None
    assert requests_json.has_long_digit_run(raw) is expected
    assert requests_json.has_long_digit_run(bytearray(raw)) is expected
