"""Checking pushed revisions before storage (sync_server.payload), without a server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_forms.revisions import canonical_json, revision_id
from sync_server.payload import Limits, Rejected, parse_revision, revision_id_from_canonical

from .helpers import make_revision

JSON_SCALARS = st.one_of(
    st.text(max_size=5), st.integers(), st.floats(allow_nan=False, allow_infinity=False)
)
ANSWERS = st.dictionaries(
    st.text(min_size=1, max_size=4),
    st.recursive(
        JSON_SCALARS,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(min_size=1, max_size=3), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    max_size=5,
)
REV = st.one_of(
    st.none(),
    st.builds(lambda n, h: f"{n}-{h:032x}", st.integers(1, 99), st.integers(0, 2**128 - 1)),
)


@given(REV, st.text(max_size=8), st.text(max_size=8), st.text(max_size=6), ANSWERS)
def test_fast_revision_id_equals_the_shared_definition(parent, form_id, version, region, answers):
    fast = revision_id_from_canonical(parent, form_id, version, region, canonical_json(answers))
    assert fast == revision_id(parent, form_id, version, region, answers)


def test_a_valid_revision_parses_with_its_attachments() -> None:
    answers = {
        "foto": {"sha256": "a" * 64, "filename": "x.jpg", "media_type": "image/jpeg"},
        "r": [{"t": "ok"}],
    }
    rev = parse_revision(make_revision(answers), Limits())
    assert rev.attachments == [answers["foto"]]
    assert rev.answers == answers


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda r: r["answers"].update(x="y" * 30), "longer than"),
        (lambda r: r["answers"].update(x=None), "null answer"),
        (lambda r: r["answers"].update(x={"a": {"b": {"c": {"d": "e"}}}}), "nested too deeply"),
        (lambda r: r.update(rev="2-" + "0" * 32), "does not match"),
        (lambda r: r.update(entry_id="not-a-uuid"), "UUID"),
        (lambda r: r.update(region="16/71"), "region"),
        (lambda r: r.update(form_id="../x"), "form_id"),
    ],
)
def test_malformed_revisions_name_the_problem(change, needle) -> None:
    rev = make_revision({"x": "ok"})
    change(rev)
    with pytest.raises(Rejected) as info:
        parse_revision(rev, Limits(max_string=20, max_depth=3))
    assert info.value.code == "malformed"
    assert needle in info.value.params["detail"]
