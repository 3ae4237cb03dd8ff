"""Access rules of the web pages: an officer's credentials or a supervisor of another region
cannot see, review, edit, resolve or export what they should not (403/404, never data)."""

from __future__ import annotations

from flask import Flask

from .conftest import PASSWORD, WebClient, as_user, csrf_of
from .data import new_entry
from .test_pages_conflicts import make_conflict

FORM = "observasi_kabkota_antikorupsi"


def test_other_region_supervisor_gets_404_everywhere(app: Flask) -> None:
    rev = new_entry(app)
    conflict = make_conflict(app)
    entry_id = rev["entry_id"]
    other = as_user(app, "spv_mura")
    for url in (
        f"/entries/{entry_id}",
        f"/entries/{conflict['entry_id']}/conflict",
    ):
        resp = other.get(url)
        assert resp.status_code == 404, url
        assert "Mal Pelayanan Publik" not in resp.text
    for url, data in (
        (f"/entries/{entry_id}/review", {"status": "approved"}),
        (f"/entries/{entry_id}/edit", {"name": "jumlah_petugas", "value": "9"}),
        (f"/entries/{conflict['entry_id']}/resolve", {"choice_0": "theirs"}),
    ):
        resp = other.post(url, data)
        assert resp.status_code == 404, url
    table = other.get(f"/forms/{FORM}/entries").text
    assert entry_id not in table and conflict["entry_id"] not in table
    # Nothing changed: the entry's own supervisor still sees it received and unedited.
    page = as_user(app, "spv_plg").get(f"/entries/{entry_id}").text
    assert 'id="entry-status">Diterima' in page and page.count('class="rev"') == 1


def test_other_region_supervisor_cannot_export_it(app: Flask) -> None:
    rev = new_entry(app)
    mine = as_user(app, "spv_plg").get(f"/export/{FORM}.csv")
    assert mine.status_code == 200 and rev["entry_id"] in mine.get_data(as_text=True)
    other = as_user(app, "spv_mura").get(f"/export/{FORM}.csv")
    assert rev["entry_id"] not in other.get_data(as_text=True)
    anonymous = app.test_client().get(f"/export/{FORM}.csv")
    assert anonymous.status_code == 401


def test_officer_bearer_token_and_password_open_no_page(app: Flask) -> None:
    rev = new_entry(app)
    client = app.test_client()
    token = client.post(
        "/api/v1/sessions",
        json={"username": "petugas_plg", "password": PASSWORD, "device_id": "tab"},
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/", f"/entries/{rev['entry_id']}", f"/forms/{FORM}/entries", "/admin/users"):
        resp = client.get(url, headers=headers)
        assert resp.status_code == 302 and "/signin" in resp.headers["Location"], url
    web = WebClient(app.test_client())
    assert web.sign_in("petugas_plg").status_code == 403
    assert web.client.get(f"/entries/{rev['entry_id']}").status_code == 302


def test_forged_session_cookie_for_an_officer_is_ignored(app: Flask) -> None:
    rev = new_entry(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "petugas_plg"
        session["stamp"] = "x"
    assert client.get(f"/entries/{rev['entry_id']}").status_code == 302


def test_supervisor_cannot_open_administration(app: Flask) -> None:
    web = as_user(app, "spv_plg")
    for url in ("/admin/users", "/admin/forms", "/admin/audit"):
        assert web.get(url).status_code == 403, url
    resp = web.post("/admin/users", {"username": "penyusup", "password": "x" * 10, "role": "admin"})
    assert resp.status_code == 403
    admin = as_user(app, "admin")
    assert "penyusup" not in admin.get("/admin/users").text


def test_review_post_from_another_site_is_refused(app: Flask) -> None:
    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    resp = web.client.post(f"/entries/{rev['entry_id']}/review", data={"status": "approved"})
    assert resp.status_code == 400
    other_token = csrf_of(as_user(app, "spv_mura").get("/").text)
    resp = web.client.post(
        f"/entries/{rev['entry_id']}/review",
        data={"status": "approved", "csrf_token": other_token},
    )
    assert resp.status_code == 400
    assert 'id="entry-status">Diterima' in web.get(f"/entries/{rev['entry_id']}").text


def test_bulk_review_back_link_stays_on_the_site(app: Flask) -> None:
    rev = new_entry(app)
    web = as_user(app, "spv_plg")
    web.get(f"/forms/{FORM}/entries")
    resp = web.post(
        f"/forms/{FORM}/entries/review",
        {"entry_id": rev["entry_id"], "status": "approved", "back": "//evil.example/x"},
    )
    assert resp.headers["Location"] == f"/forms/{FORM}/entries"
