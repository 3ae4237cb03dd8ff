"""Our export against the expected CSV text of ODK Central's own tests (live server, SQLite and
PostgreSQL): the same forms (rebuilt as XLSForms in ``forms/central/``), the same answers pushed
over the API, the export compared with Central's text through the documented differences only
(:mod:`.central_compare`). The expected strings below are the ones in getodk/central-backend's
``test/unit/data/briefcase.js`` and ``test/integration/api/submissions.js``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.server import LiveServer, create_user, publish_form
from tests.sync_server.helpers import PASSWORD, Client, make_revision

from .central_compare import as_central

CENTRAL_FORMS = Path(__file__).resolve().parent / "forms" / "central"
DATE = "2018-01-01T00:00:00.000Z"
ROOT_META = (
    "KEY,SubmitterID,SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,"
    "DeviceID,Edits,FormVersion"
)


@dataclass
class CentralSetup:
    """A live server with one of Central's test forms, an officer and an admin."""

    server: LiveServer
    form_id: str
    officer: Client
    admin: Client
    #: our KEY (``uuid:<entry id>``) -> the instance id of Central's test (``one``)
    ids: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)  # test id -> our entry id

    def push(self, central_id: str, answers: dict[str, Any]) -> str:
        """Push one entry; remembers which of Central's instance ids it stands for."""
        rev = make_revision(answers, form_id=self.form_id, form_version="1", officer="alice")
        result = self.officer.push(rev)[0]
        assert result["status"] == "stored", result
        self.ids[f"uuid:{rev['entry_id']}"] = central_id
        self.entries[central_id] = rev["entry_id"]
        return rev["entry_id"]

    def export(self, suffix: str, **params: Any) -> bytes:
        """``GET /export/<form_id><suffix>`` as the admin."""
        resp = requests.get(
            f"{self.server.url}/export/{self.form_id}{suffix}",
            params=params,
            headers={"Authorization": f"Bearer {self.admin.token}"},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        return resp.content


def central_setup(server: LiveServer, form: str) -> CentralSetup:
    """Publish ``forms/central/<form>.md`` and create the accounts."""
    publish_form(server.app, CENTRAL_FORMS / f"{form}.md")
    create_user(server.app, "alice", PASSWORD, "officer", ["16.71"], "Alice")
    create_user(server.app, "admin", PASSWORD, "admin", [])
    return CentralSetup(server, form, Client(server.url, "alice"), Client(server.url, "admin"))


def zip_member(body: bytes, name: str) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return archive.read(name)


SERVER_CELLS = {"SubmissionDate": DATE, "SubmitterID": "", "SubmitterName": "", "DeviceID": ""}
UNIT_FILL = {**SERVER_CELLS, "FormVersion": "version"}


def test_select_multiple_split_as_central_integration(live_server: LiveServer) -> None:
    """submissions.js 'should split select multiple values if ?splitSelectMultiples=true' and
    'should omit multiples it does not know about': the columns are the values chosen, sorted;
    0 where not chosen; newest first."""
    setup = central_setup(live_server, "selectMultiple")
    setup.push("one", {"q1": ["a", "b"], "q2": ["x", "y", "z"]})
    setup.push("two", {"q1": ["b"], "q2": ["m", "x"]})
    fill = {**SERVER_CELLS, "SubmitterID": "5", "SubmitterName": "Alice", "FormVersion": ""}
    split = setup.export(".csv", split_select_multiple=1, bom=0)
    assert as_central(split, setup.ids, fill=fill).split("\n") == [
        "SubmissionDate,meta-instanceID,q1,q1/a,q1/b,g1-q2,g1-q2/m,g1-q2/x,g1-q2/y,g1-q2/z,"
        + ROOT_META,
        DATE + ",two,b,0,1,m x,1,1,0,0,two,5,Alice,0,0,,,,0,",
        DATE + ",one,a b,1,1,x y z,0,1,1,1,one,5,Alice,0,0,,,,0,",
        "",
    ]
    plain = setup.export(".csv", bom=0)
    assert as_central(plain, setup.ids, fill=fill).split("\n") == [
        "SubmissionDate,meta-instanceID,q1,g1-q2," + ROOT_META,
        DATE + ",two,b,m x,two,5,Alice,0,0,,,,0,",
        DATE + ",one,a b,x y z,one,5,Alice,0,0,,,,0,",
        "",
    ]
    # 'should split select multiples and filter given both options': the columns come from the
    # entries the filter keeps (here: the unreviewed one)
    resp = setup.admin.post(f"/entries/{setup.entries['two']}/review", json={"status": "approved"})
    assert resp.status_code == 200, resp.text
    kept = setup.export(".csv", split_select_multiple=1, bom=0, review_status="received")
    lines = as_central(kept, setup.ids, fill=fill).split("\n")
    assert len(lines) == 3 and ",one," in lines[1] and "two" not in lines[1] and lines[2] == ""
    assert lines[0].startswith("SubmissionDate,meta-instanceID,q1,q1/a,q1/b,g1-q2,g1-q2/x,")
    # an entry that left both questions unanswered: 0 in every split column, as Central's frame
    setup.push("three", {})
    lines = as_central(setup.export(".csv", split_select_multiple=1, bom=0), setup.ids, fill=fill)
    assert lines.split("\n")[1] == DATE + ",three,,0,0,,0,0,0,0,three,5,Alice,0,0,,,,0,"


def test_single_repeat_keys_hold_the_group_as_central(live_server: LiveServer) -> None:
    """briefcase.js 'should handle single-level repeats, with KEY/PARENT_KEY'."""
    setup = central_setup(live_server, "singlerepeat")
    # pushed oldest last: newest first gives the test's order (one, two, three)
    setup.push(
        "three",
        {"name": "Chelsea", "age": 38, "child": [{"name_child": "Candace", "age_child": 2}]},
    )
    setup.push(
        "two",
        {
            "name": "Bob",
            "age": 34,
            "child": [
                {"name_child": "Billy", "age_child": 4},
                {"name_child": "Blaine", "age_child": 6},
            ],
        },
    )
    setup.push("one", {"name": "Alice", "age": 30})
    body = setup.export(".zip", bom=0)
    assert as_central(zip_member(body, "singlerepeat.csv"), setup.ids, fill=UNIT_FILL) == (
        "SubmissionDate,meta-instanceID,name,age," + ROOT_META + "\n"
        "2018-01-01T00:00:00.000Z,one,Alice,30,one,,,0,0,,,,0,version\n"
        "2018-01-01T00:00:00.000Z,two,Bob,34,two,,,0,0,,,,0,version\n"
        "2018-01-01T00:00:00.000Z,three,Chelsea,38,three,,,0,0,,,,0,version\n"
    )
    rename = {"name_child": "name", "age_child": "age"}
    child = zip_member(body, "singlerepeat-child.csv")
    assert as_central(child, setup.ids, rename=rename) == (
        "name,age,PARENT_KEY,KEY\n"
        "Billy,4,two,two/children/child[1]\n"
        "Blaine,6,two,two/children/child[2]\n"
        "Candace,2,three,three/children/child[1]\n"
    )


def test_nested_repeats_as_central(live_server: LiveServer) -> None:
    """briefcase.js 'should handle nested repeats, with PARENT_KEY/KEY'."""
    setup = central_setup(live_server, "multirepeat")
    setup.push(
        "three",
        {
            "name": "Chelsea",
            "age": 38,
            "child": [
                {
                    "name_child": "Candace",
                    "age_child": 2,
                    "toy": [
                        {"name_toy": "Millennium Falcon"},
                        {"name_toy": "X-Wing"},
                        {"name_toy": "Pod racer"},
                    ],
                }
            ],
        },
    )
    setup.push(
        "two",
        {
            "name": "Bob",
            "age": 34,
            "child": [
                {"name_child": "Billy", "age_child": 4, "toy": [{"name_toy": "R2-D2"}]},
                {
                    "name_child": "Blaine",
                    "age_child": 6,
                    "toy": [{"name_toy": "BB-8"}, {"name_toy": "Porg plushie"}],
                },
                {"name_child": "Baker", "age_child": 7},
            ],
        },
    )
    setup.push("one", {"name": "Alice", "age": 30})
    body = setup.export(".zip", bom=0)
    assert as_central(zip_member(body, "multirepeat.csv"), setup.ids, fill=UNIT_FILL) == (
        "SubmissionDate,meta-instanceID,name,age," + ROOT_META + "\n"
        "2018-01-01T00:00:00.000Z,one,Alice,30,one,,,0,0,,,,0,version\n"
        "2018-01-01T00:00:00.000Z,two,Bob,34,two,,,0,0,,,,0,version\n"
        "2018-01-01T00:00:00.000Z,three,Chelsea,38,three,,,0,0,,,,0,version\n"
    )
    rename = {"name_child": "name", "age_child": "age", "name_toy": "name"}
    assert as_central(zip_member(body, "multirepeat-child.csv"), setup.ids, rename=rename) == (
        "name,age,PARENT_KEY,KEY\n"
        "Billy,4,two,two/children/child[1]\n"
        "Blaine,6,two,two/children/child[2]\n"
        "Baker,7,two,two/children/child[3]\n"
        "Candace,2,three,three/children/child[1]\n"
    )
    assert as_central(zip_member(body, "multirepeat-toy.csv"), setup.ids, rename=rename) == (
        "name,PARENT_KEY,KEY\n"
        "R2-D2,two/children/child[1],two/children/child[1]/toy[1]\n"
        "BB-8,two/children/child[2],two/children/child[2]/toy[1]\n"
        "Porg plushie,two/children/child[2],two/children/child[2]/toy[2]\n"
        "Millennium Falcon,three/children/child[1],three/children/child[1]/toy[1]\n"
        "X-Wing,three/children/child[1],three/children/child[1]/toy[2]\n"
        "Pod racer,three/children/child[1],three/children/child[1]/toy[3]\n"
    )


def test_geopoint_as_central(live_server: LiveServer) -> None:
    """briefcase.js 'should split geopoint columns into four components' (a form without
    ``meta``: Central has no meta-instanceID column there)."""
    setup = central_setup(live_server, "mytestform")
    setup.push("three", {"name": "Chelsea", "age": 38})
    setup.push(
        "two",
        {
            "name": "Bob",
            "age": 34,
            "location": {"latitude": 47.599115, "longitude": -122.331753, "altitude": 10},
        },
    )
    setup.push(
        "one",
        {
            "name": "Alice",
            "age": 30,
            "location": {
                "latitude": 47.649434,
                "longitude": -122.347737,
                "altitude": 26.8,
                "accuracy": 3.14,
            },
        },
    )
    body = setup.export(".csv", bom=0)
    assert as_central(body, setup.ids, meta="none", fill=UNIT_FILL) == (
        "SubmissionDate,name,age,location-Latitude,location-Longitude,location-Altitude,"
        "location-Accuracy," + ROOT_META + "\n"
        "2018-01-01T00:00:00.000Z,Alice,30,47.649434,-122.347737,26.8,3.14,one,,,0,0,,,,0,version\n"
        "2018-01-01T00:00:00.000Z,Bob,34,47.599115,-122.331753,10,,two,,,0,0,,,,0,version\n"
        "2018-01-01T00:00:00.000Z,Chelsea,38,,,,,three,,,0,0,,,,0,version\n"
    )
    # the default (bom=1) is the same text with a byte-order mark and CRLF line ends
    default = setup.export(".csv")
    assert default == b"\xef\xbb\xbf" + body.replace(b"\n", b"\r\n")


def test_meta_instance_id_is_last_of_the_questions_as_an_xlsform_gives(
    live_server: LiveServer,
) -> None:
    """An XLSForm's ``meta`` group is the last child of the instance: ``meta-instanceID`` right
    before ``KEY`` (``instanceID`` without group prefixes), our own columns after Central's."""
    setup = central_setup(live_server, "mytestform")
    setup.push("one", {"name": "Alice"})
    body = setup.export(".csv", bom=0, group_prefix=0)
    header = body.decode("utf-8").split("\n")[0].split(",")
    assert header[header.index("KEY") - 1] == "instanceID"
    assert header[-4:] == ["RegionCode", "RegionName", "ReviewStatus", "ReviewComment"]
    assert header[header.index("KEY") :][:10] == ROOT_META.split(",")


def test_review_state_and_edits_as_central(live_server: LiveServer) -> None:
    """briefcase.js 'should attach review state if present' (``rejected``) and 'should attach
    an edit count if nonzero' (``Edits`` 3), and our other words in Central's vocabulary."""
    setup = central_setup(live_server, "hometown")
    # 'should attach an edit count if nonzero': no answers, three edits after the first push
    item = make_revision({}, form_id="hometown", form_version="1", officer="alice")
    first = item["entry_id"]
    setup.ids[f"uuid:{first}"] = "edits"
    for n in range(4):  # the first push, then three edits (the last one without answers again)
        if n:
            answers = {"name": f"draft {n}"} if n < 3 else {}
            item = make_revision(
                answers,
                entry_id=first,
                parent_rev=item["rev"],
                form_id="hometown",
                form_version="1",
                officer="alice",
            )
        result = setup.officer.push(item)[0]
        assert result["status"] == "stored", result
    # 'should attach review state if present': a rejected entry
    two = setup.push("two", {"name": "Bob", "age": 34, "hometown": "Portland, OR"})
    resp = setup.admin.post(f"/entries/{two}/review", json={"status": "rejected"})
    assert resp.status_code == 200, resp.text
    lines = as_central(setup.export(".csv", bom=0), setup.ids, meta="none", fill=UNIT_FILL)
    assert lines.split("\n") == [
        "SubmissionDate,name,age,hometown," + ROOT_META,
        '2018-01-01T00:00:00.000Z,Bob,34,"Portland, OR",two,,,0,0,,rejected,,0,version',
        # Central's unit test sets the count alone; a real edit makes Central's review state
        # "edited" (its PUT of a new version), as ours does (docs/export.md)
        "2018-01-01T00:00:00.000Z,,,,edits,,,0,0,,edited,,3,version",
        "",
    ]
    # the same edited entry once reviewed: the review's word, the count stays
    for status, word in (
        ("approved", "approved"),
        ("needs_correction", "hasIssues"),
        ("rejected", "rejected"),
        ("received", "edited"),
    ):
        resp = setup.admin.post(f"/entries/{first}/review", json={"status": status})
        assert resp.status_code == 200, resp.text
        row = as_central(setup.export(".csv", bom=0), setup.ids, meta="none", fill=UNIT_FILL)
        assert row.split("\n")[2] == f"2018-01-01T00:00:00.000Z,,,,edits,,,0,0,,{word},,3,version"


def test_structures_flattened_with_and_without_group_paths_as_central(
    live_server: LiveServer,
) -> None:
    """briefcase.js 'should flatten structures within a table' and 'should leave out structure
    names if groupPaths = false'; submissions.js 'should split select multiple values and omit
    group paths' (``splitSelectMultiples=true&groupPaths=false``)."""
    setup = central_setup(live_server, "structuredform")
    home = {"street": "99 Mission Ave", "city": "San Francisco, CA"}
    setup.push("three", {"name": "Chelsea", "type": "House", **home})
    setup.push(
        "two", {"name": "Bob", "type": "Condo", "street": "20 Broadway", "city": "Portland, OR"}
    )
    setup.push(
        "one",
        {"name": "Alice", "type": "Apartment", "street": "101 Pike St", "city": "Seattle, WA"},
    )
    rows = (
        '2018-01-01T00:00:00.000Z,one,Alice,Apartment,101 Pike St,"Seattle, WA",one,,,0,0,,,,0,'
        "version\n"
        '2018-01-01T00:00:00.000Z,two,Bob,Condo,20 Broadway,"Portland, OR",two,,,0,0,,,,0,'
        "version\n"
        "2018-01-01T00:00:00.000Z,three,Chelsea,House,99 Mission Ave,"
        '"San Francisco, CA",three,,,0,0,,,,0,version\n'
    )
    grouped = as_central(setup.export(".csv", bom=0), setup.ids, fill=UNIT_FILL)
    assert grouped == (
        "SubmissionDate,meta-instanceID,name,home-type,home-address-street,home-address-city,"
        + ROOT_META
        + "\n"
        + rows
    )
    bare = as_central(setup.export(".csv", bom=0, group_prefix=0), setup.ids, fill=UNIT_FILL)
    assert bare == "SubmissionDate,instanceID,name,type,street,city," + ROOT_META + "\n" + rows


def test_select_multiple_split_without_group_paths_as_central(live_server: LiveServer) -> None:
    """submissions.js 'should split select multiple values and omit group paths if asked'."""
    setup = central_setup(live_server, "selectMultiple")
    setup.push("one", {"q1": ["a", "b"], "q2": ["x", "y", "z"]})
    setup.push("two", {"q1": ["b"], "q2": ["m", "x"]})
    fill = {**SERVER_CELLS, "SubmitterID": "5", "SubmitterName": "Alice", "FormVersion": ""}
    body = setup.export(".csv", split_select_multiple=1, group_prefix=0, bom=0)
    lines = as_central(body, setup.ids, fill=fill).split("\n")
    assert lines[0] == (
        "SubmissionDate,instanceID,q1,q1/a,q1/b,q2,q2/m,q2/x,q2/y,q2/z,KEY,SubmitterID,"
        "SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,"
        "Edits,FormVersion"
    )
    date = len("yyyy-mm-ddThh:mm:ss._msZ")
    assert lines[1][date:] == ",two,b,0,1,m x,1,1,0,0,two,5,Alice,0,0,,,,0,"
    assert lines[2][date:] == ",one,a b,1,1,x y z,0,1,1,1,one,5,Alice,0,0,,,,0,"
