"""Repeat instance keys ("@key"): the implied-key rule and what validation accepts."""

from __future__ import annotations

import pytest

from survey_forms.instance_keys import (
    KEY,
    implied_key,
    instance_key,
    is_valid_key,
    key_problems,
    new_instance_key,
    strip_keys,
    with_keys,
)
from tests.survey_forms.formtools import md_form

NESTED = """
| survey |
| | type | name | label |
| | text | judul | Judul |
| | begin_repeat | temuan | Temuan |
| | text | uraian | Uraian |
| | begin_repeat | bukti | Bukti |
| | text | ket | Keterangan |
| | end_repeat | | |
| | end_repeat | | |
"""


def codes(issues):
    return sorted((i.path, i.code) for i in issues)


def test_the_implied_key_is_the_index_and_a_given_key_wins() -> None:
    assert instance_key({}, 0) == "#0"
    assert instance_key({"uraian": "x"}, 7) == "#7"
    assert instance_key({KEY: "abc"}, 7) == "abc"
    assert instance_key({KEY: 5}, 2) == "#2"  # not a string: as if absent (validation reports it)
    assert implied_key(3) == "#3"


def test_new_keys_are_uuid_hex_valid_and_never_implied() -> None:
    keys = {new_instance_key() for _ in range(1000)}
    assert len(keys) == 1000
    for key in keys:
        assert len(key) == 32 and is_valid_key(key) and not key.startswith("#")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("a", True),
        ("#0", True),
        ("A-z_0.9:#", True),
        ("x" * 64, True),
        ("", False),
        ("x" * 65, False),
        ("a b", False),
        ("a/b", False),
        ("ä", False),
        ("a\n", False),
        (3, False),
        (None, False),
    ],
)
def test_key_format(value, valid) -> None:
    assert is_valid_key(value) is valid


def test_key_problems_counts_implied_keys() -> None:
    assert key_problems([{}, {}, {KEY: "x"}]) == []
    assert key_problems([{KEY: "#1"}, {}]) == [(1, "duplicate")]
    assert key_problems([{KEY: "a"}, {KEY: "a"}, {KEY: "a b"}]) == [
        (1, "duplicate"),
        (2, "malformed"),
    ]


def test_with_keys_fills_implied_keys_at_every_depth_and_strip_keys_undoes_it() -> None:
    form = md_form(NESTED)
    legacy = {
        "judul": "j",
        "temuan": [
            {"uraian": "a", "bukti": [{"ket": "1"}, {"ket": "2"}]},
            {KEY: "k1", "uraian": "b", "bukti": [{KEY: "x", "ket": "3"}, {"ket": "4"}]},
        ],
    }
    keyed = with_keys(legacy, form)
    assert keyed == {
        "judul": "j",
        "temuan": [
            {KEY: "#0", "uraian": "a", "bukti": [{KEY: "#0", "ket": "1"}, {KEY: "#1", "ket": "2"}]},
            {KEY: "k1", "uraian": "b", "bukti": [{KEY: "x", "ket": "3"}, {KEY: "#1", "ket": "4"}]},
        ],
    }
    assert with_keys(keyed, form) == keyed
    assert with_keys(legacy, form) == keyed  # deterministic
    assert KEY not in legacy["temuan"][0]  # the input is not changed
    assert strip_keys(keyed, form) == {
        "judul": "j",
        "temuan": [
            {"uraian": "a", "bukti": [{"ket": "1"}, {"ket": "2"}]},
            {"uraian": "b", "bukti": [{"ket": "3"}, {"ket": "4"}]},
        ],
    }


def test_validation_accepts_keys_in_instances() -> None:
    form = md_form(NESTED)
    answers = {
        "temuan": [
            {KEY: new_instance_key(), "uraian": "a", "bukti": [{KEY: "#0", "ket": "1"}]},
            {KEY: "#1", "uraian": "b"},
            {"uraian": "c", "bukti": [{}, {KEY: "b:2"}]},
        ]
    }
    assert form.validate(answers) == []
    assert form.validate(with_keys(answers, form)) == []


def test_validation_reports_malformed_and_duplicate_keys_on_the_instance() -> None:
    form = md_form(NESTED)
    answers = {
        "temuan": [
            {KEY: "a", "uraian": "a", "bukti": [{KEY: "b"}, {KEY: "b"}]},
            {KEY: "a", "uraian": "b"},
            {KEY: "a b", "uraian": "c"},
            {KEY: 7},
            {KEY: ""},
            {KEY: "x" * 65},
            {KEY: "#7"},
            {},  # implied "#7": a duplicate of the one before
        ]
    }
    issues = form.validate(answers)
    assert codes(issues) == sorted(
        [
            ("temuan[0]/bukti[1]", "repeat_shape"),
            ("temuan[1]", "repeat_shape"),
            ("temuan[2]", "repeat_shape"),
            ("temuan[3]", "repeat_shape"),
            ("temuan[4]", "repeat_shape"),
            ("temuan[5]", "repeat_shape"),
            ("temuan[7]", "repeat_shape"),
        ]
    )
    assert all(i.message["id"] and i.message["en"] and "@key" in i.message["en"] for i in issues)


def test_key_is_reserved_only_inside_instances() -> None:
    form = md_form(NESTED)
    assert codes(form.validate({KEY: "x", "judul": "j"})) == [("@key", "unknown_field")]
