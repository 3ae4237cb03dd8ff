"""Repeat instance keys ("@key") through the payload check and a live push/pull round trip."""

from __future__ import annotations

from survey_forms.instance_keys import KEY, new_instance_key
from sync_server.payload import Limits, parse_revision
from tests.support.server import LiveServer

from .helpers import Client, child, make_revision, observation_answers


def keyed_answers() -> dict:
    answers = observation_answers()
    answers["temuan"][0][KEY] = new_instance_key()
    answers["temuan"][1][KEY] = "#1"
    # the third finding stays keyless: a legacy instance, implied key "#2"
    return answers


def test_the_payload_check_accepts_keys_in_repeat_instances() -> None:
    answers = keyed_answers()
    rev = parse_revision(make_revision(answers), Limits())
    assert rev.answers == answers


def test_keyed_answers_round_trip_through_push_and_pull(server: LiveServer) -> None:
    officer = Client(server.url, "petugas_plg")
    answers = keyed_answers()
    first = make_revision(answers)
    assert officer.push(first)[0]["status"] == "stored"
    edited = keyed_answers()
    edited["temuan"][0][KEY] = answers["temuan"][0][KEY]
    # the keys move with their findings; the keyless (legacy) finding stays where it was, as
    # its identity is its place ("#2": moved, it would name another instance, so such a
    # revision is refused as repeat_keys_missing, see test_server_revision_rules.py)
    edited["temuan"][:2] = edited["temuan"][1::-1]
    second = child(first, edited)
    assert officer.push(second)[0]["status"] == "stored"

    changes, _ = officer.pull_all()
    pulled = [c for c in changes if c["kind"] == "entry"][-1]
    assert pulled["rev"] == second["rev"]
    # every answer as sent (the server adds the calculated values the fixture leaves out)
    assert {name: pulled["answers"][name] for name in edited} == edited
    assert [item.get(KEY) for item in pulled["answers"]["temuan"]] == [
        "#1",
        answers["temuan"][0][KEY],
        None,
    ]


def test_a_duplicate_key_is_refused_with_its_instance_path(server: LiveServer) -> None:
    officer = Client(server.url, "petugas_plg")
    answers = observation_answers()
    answers["temuan"][0][KEY] = "sama"
    answers["temuan"][2][KEY] = "sama"
    [result] = officer.push(make_revision(answers))
    assert result["status"] == "rejected", result
    assert [(i["path"], i["code"]) for i in result["issues"]] == [("temuan[2]", "repeat_shape")]


def test_the_openapi_document_shows_the_key_of_a_repeat_instance() -> None:
    import re

    from sync_server.api.openapi import document

    schemas = document()["components"]["schemas"]
    assert schemas["Revision"]["properties"]["answers"] == {"$ref": "#/components/schemas/Answers"}
    key = schemas["RepeatInstance"]["properties"][KEY]
    pattern = re.compile(key["pattern"])
    assert pattern.match(new_instance_key()) and pattern.match("#12")
    assert not pattern.match("a b") and not pattern.match("x" * 65) and not pattern.match("")
    assert "'#<its 0-based index>'" in schemas["RepeatInstance"]["description"]
