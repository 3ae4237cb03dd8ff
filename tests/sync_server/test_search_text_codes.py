"""``search_text`` leaves code words out (choice names, numbers, dates) without running the
regular expression on every answer of every pushed entry: the shortcut must give what the
expression gives."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sync_server.entry_rows import _CODE_RE, SEARCH_ANSWER_MAX, _short_texts, is_code

# code characters, blanks, digits of other scripts (\d matches them), date and time pieces
ALPHABET = "az09_.:+-T Z\t\n٣AÉé/,"
DATE_LIKE = st.builds(
    lambda d, sep, t, zone: f"{d}{sep}{t}{zone}",
    st.sampled_from(["2024-08-13", "٢٠٢٤-08-13", "2024-8-13", "2024-08-1"]),
    st.sampled_from(["T", " ", "t", ""]),
    st.sampled_from(["09:02:11.315", "09", "", "x"]),
    st.sampled_from(["", "Z", "+07:00", "+0700", "-07", "z"]),
)
TEXTS = st.one_of(st.text(ALPHABET, min_size=1, max_size=30), DATE_LIKE)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("2024-08-13T09:02:11.315+07:00")
@example("terpenuhi")
@example("Unit layanan 1")
@example("٣")
def test_is_code_is_the_expression(text: str) -> None:
    text = text.strip()
    if text:
        assert is_code(text) == (_CODE_RE.match(text) is not None), repr(text)


def earlier_short_texts(answers: dict[str, Any]) -> list[str]:
    """The rule as first written: every string answer, stripped, short, not a code word."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if 0 < len(value) <= SEARCH_ANSWER_MAX + 2:
                text = value.strip()
                if text and len(text) <= SEARCH_ANSWER_MAX and not _CODE_RE.match(text):
                    out.append(text)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict) and "sha256" not in value:
            for item in value.values():
                walk(item)

    walk(answers)
    return out


leaf = st.one_of(TEXTS, st.text(max_size=70), st.integers(), st.floats(), st.booleans())
answers_values = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "sha256", "c"]), children, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=3), answers_values, max_size=6))
def test_short_texts_keep_their_rule(answers: dict[str, Any]) -> None:
    out: list[str] = []
    _short_texts(answers, out)
    assert out == earlier_short_texts(answers)
    assert all(not re.match(r"^\s", text) for text in out)
