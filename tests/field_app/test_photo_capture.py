"""Photos as taken: max-pixels, EXIF orientation, names per question and entry; photos lost
or damaged on the tablet named one by one; a finalized, unsent entry reopened to fix them."""

from __future__ import annotations

import hashlib
import io
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from field_app import entries
from field_app.form_session import EntryEditor
from field_app.photo_check import DAMAGED, MISSING, describe_problems, photo_problems
from field_app.photos import PhotoError, max_pixels_of, photo_filename, prepare_photo
from field_app.store import Store
from tests.field_app.helpers import kunjungan_form
from tests.field_app.photo_samples import camera_photo, small_photo

FOTO = """
| survey |
| | type | name | label::Indonesia (id) | label::English (en) | required | parameters |
| | text | opd | Nama OPD | Agency name | yes | |
| | image | foto_a | Foto loket | Photo of the counter | | max-pixels=1600 |
| | image | foto_b | Foto maklumat | Photo of the pledge | | max-pixels=1600 |
| | begin_repeat | temuan | Temuan | Finding | | |
| | image | foto_temuan | Foto temuan | Photo of the finding | | max-pixels=800 |
| | end_repeat | | | | | |
| settings |
| | form_id | version | default_language |
| | foto_uji | 2024110101 | id |
"""


@pytest.fixture(scope="module")
def form():
    return kunjungan_form(textwrap.dedent(FOTO))


@pytest.fixture(scope="module")
def twelve_mp() -> bytes:
    return camera_photo()  # 4000x3000, EXIF orientation 6 (taken holding the tablet upright)


def _red_corner(data: bytes) -> tuple[int, int]:
    """Where the red marker ended up: (0|1, 0|1) for left/right, top/bottom."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        w, h = rgb.size
        for x, y in ((0, 0), (1, 0), (0, 1), (1, 1)):
            r, g, b = rgb.getpixel((int((0.02 + 0.96 * x) * (w - 1)),
                                    int((0.02 + 0.96 * y) * (h - 1))))
            if r > 180 and g < 90 and b < 90:
                return x, y
    raise AssertionError("no red corner")


def test_a_12_megapixel_photo_becomes_a_few_hundred_kb_upright(twelve_mp: bytes) -> None:
    assert len(twelve_mp) > 3_000_000
    prepared = prepare_photo(twelve_mp, 1600)
    assert (prepared.original_width, prepared.original_height) == (4000, 3000)
    # orientation 6: the stored picture is shown turned 90° clockwise, so it stands upright
    assert (prepared.width, prepared.height) == (1200, 1600)
    assert prepared.resized and prepared.media_type == "image/jpeg"
    assert 50_000 < len(prepared.data) < 600_000, len(prepared.data)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format == "JPEG" and image.size == (1200, 1600)
        assert image.getexif().get(0x0112, 1) == 1  # no rotation left for a viewer to apply
    # the stored image's top-left marker is at the top right once turned clockwise
    assert _red_corner(twelve_mp) == (0, 0)
    assert _red_corner(prepared.data) == (1, 0)


@pytest.mark.parametrize(("orientation", "size", "corner"), [
    (1, (1600, 1200), (0, 0)), (3, (1600, 1200), (1, 1)), (8, (1200, 1600), (0, 1)),
])
def test_every_orientation_is_applied(orientation: int, size: tuple[int, int],
                                      corner: tuple[int, int]) -> None:
    prepared = prepare_photo(camera_photo(2000, 1500, orientation, quality=80), 1600)
    assert (prepared.width, prepared.height) == size
    assert _red_corner(prepared.data) == corner


def test_a_small_upright_photo_is_kept_byte_for_byte_and_a_bad_file_refused() -> None:
    small = small_photo()
    prepared = prepare_photo(small, 1600)
    assert prepared.data == small and not prepared.resized
    assert prepare_photo(small, 320).width == 320  # max-pixels is the longest side
    with pytest.raises(PhotoError) as refused:
        prepare_photo(b"\xff\xd8\xff\xe0 not really a jpeg", 1600)
    assert refused.value.code == "not_an_image"
    with pytest.raises(PhotoError):
        prepare_photo(camera_photo(800, 600)[:5000], 1600)  # cut off


def test_max_pixels_is_read_from_the_question(form) -> None:
    assert max_pixels_of(form.question("foto_a")) == 1600
    assert max_pixels_of(form.question("foto_temuan")) == 800
    assert max_pixels_of(kunjungan_form().question("foto")) is None


def test_taken_photos_are_downscaled_kept_alone_and_named_apart(
        tmp_path: Path, form, twelve_mp: bytes) -> None:
    store = Store(tmp_path / "data" / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    camera = tmp_path / "camera.jpg"  # the camera app writes every photo to one name
    camera.write_bytes(twelve_mp)
    first = editor.attach_photo("foto_a", camera)
    camera.write_bytes(camera_photo(2400, 1800, 1, quality=90))
    second = editor.attach_photo("foto_b", camera)
    index = editor.add_repeat("temuan")
    third = editor.attach_photo("foto_temuan", camera, (index,))
    names = [first["filename"], second["filename"], third["filename"]]
    assert len(set(names)) == 3 and "camera.jpg" not in names
    entry = editor.entry_id[:8]
    assert first["filename"] == f"foto_a-{entry}-{first['sha256'][:8]}.jpg"
    assert third["filename"] == f"foto_temuan_1-{entry}-{third['sha256'][:8]}.jpg"
    kept = sorted((tmp_path / "data" / "attachments").iterdir())
    assert [p.name for p in kept] == sorted(a["sha256"] for a in (first, second, third))
    for answer in (first, second, third):  # only the downscaled files, under their hashes
        data = (tmp_path / "data" / "attachments" / answer["sha256"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == answer["sha256"]
        assert len(data) < 600_000
    with Image.open(tmp_path / "data" / "attachments" / third["sha256"]) as image:
        assert max(image.size) == 800
    assert store.get_entry(editor.entry_id)["answers"]["foto_b"] == second
    assert photo_filename("foto a/../x", (0, 2), "../etc", "ab" * 32) == \
        "foto_a_x_1_3-etc-abababab.jpg"


def test_every_missing_and_damaged_photo_is_named(tmp_path: Path, form) -> None:
    store = Store(tmp_path / "data" / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    photos = {}
    for n, (name, instance) in enumerate((("foto_a", ()), ("foto_b", ()),
                                          ("foto_temuan", (0,)), ("foto_temuan", (1,)))):
        if instance and instance[0] >= len(editor.answers().get("temuan") or []):
            editor.add_repeat("temuan")
        source = tmp_path / f"p{n}.jpg"
        source.write_bytes(small_photo(300 + n, 200))
        photos[(name, instance)] = editor.attach_photo(name, source, instance)
    folder = tmp_path / "data" / "attachments"
    assert photo_problems(folder, editor.answers()) == []
    (folder / photos[("foto_a", ())]["sha256"]).unlink()
    damaged = folder / photos[("foto_temuan", (1,))]["sha256"]
    data = bytearray(damaged.read_bytes())
    data[-3] ^= 0xFF  # same size, other bytes: only the hash tells
    damaged.write_bytes(bytes(data))
    (folder / photos[("foto_b", ())]["sha256"]).write_bytes(b"")  # emptied by flash failure
    problems = photo_problems(folder, editor.answers())
    assert [(p.question, p.instance, p.kind) for p in problems] == [
        ("foto_a", (), MISSING), ("foto_b", (), DAMAGED), ("foto_temuan", (1,), DAMAGED)]
    assert [p.filename for p in problems] == [photos[(p.question, p.instance)]["filename"]
                                              for p in problems]
    assert store.entry_photo_problems(editor.entry_id) == problems
    text = describe_problems(problems, form)
    assert text["id"].splitlines()[0] == "3 foto entri ini tidak dapat dikirim:"
    assert f"Foto loket: foto {photos[('foto_a', ())]['filename']} hilang dari tablet" in text["id"]
    assert "Foto maklumat: foto" in text["id"] and "rusak di tablet" in text["id"]
    assert "Photo of the finding #2: photo" in text["en"] and "is damaged" in text["en"]
    assert text["en"].count("\n") == 3


def test_a_finalized_unsent_entry_reopens_to_retake_a_photo(tmp_path: Path, form) -> None:
    folder = tmp_path / "data"
    store = Store(folder / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    editor.set_answer("opd", "Dinas Kesehatan")
    source = tmp_path / "p.jpg"
    source.write_bytes(small_photo())
    lost = editor.attach_photo("foto_a", source)
    assert editor.finalize() == []
    first_rev = store.get_entry(editor.entry_id)["rev"]
    (folder / "attachments" / lost["sha256"]).unlink()
    with pytest.raises(entries.LifecycleError):
        EntryEditor(store, form, editor.entry_id)  # finalized: not editable ...
    store.reopen_entry(editor.entry_id)  # ... until reopened
    record = store.get_entry(editor.entry_id)
    assert record["status"] == entries.DRAFT and record["rev"] is None
    assert record["reopened"]["rev"] == first_rev and "finalized_at" not in record["meta"]
    assert store.pending_revisions() == [] and entries.can_delete(record)
    again = Store(folder / "store", durable=False)  # on disk, in the drafts' folder only
    assert again.get_entry(editor.entry_id)["status"] == entries.DRAFT
    assert not again.has_unsent()
    fixing = EntryEditor(again, form, editor.entry_id)
    source.write_bytes(small_photo(500, 300))
    fixing.attach_photo("foto_a", source)
    assert again.entry_photo_problems(editor.entry_id) == []
    assert fixing.finalize() == []
    [payload] = again.pending_revisions()
    assert payload["rev"] != first_rev and payload["parent_rev"] is None
    assert payload["attachments"][0]["sha256"] != lost["sha256"]
    again.apply_push_results([{"entry_id": editor.entry_id, "rev": payload["rev"],
                               "status": "stored"}])
    with pytest.raises(entries.LifecycleError) as refused:
        again.reopen_entry(editor.entry_id)  # sent: corrected, never reopened
    assert refused.value.code == "not_reopenable"


def test_a_late_acknowledgement_of_the_reopened_revision_is_kept(tmp_path: Path, form) -> None:
    """Reopened while a sync was sending it, and the server took it after all: the draft
    builds on that revision, so finalizing again gives its child, never a second root."""
    store = Store(tmp_path / "store", durable=False)
    editor = EntryEditor.new(store, form, "16.71")
    editor.set_answer("opd", "Bappeda")
    assert editor.finalize() == []
    [payload] = store.pending_revisions()
    store.reopen_entry(editor.entry_id)
    store.apply_push_results([{"entry_id": editor.entry_id, "rev": payload["rev"],
                               "status": "stored"}])
    record = store.get_entry(editor.entry_id)
    assert record["status"] == entries.DRAFT
    assert record["sent_rev"] == record["parent_rev"] == payload["rev"]
    assert not entries.can_delete(record)  # the server has it now
    editor = EntryEditor(store, form, editor.entry_id)
    editor.set_answer("opd", "Bappeda Kota")
    assert editor.finalize() == []
    assert store.pending_revisions()[0]["parent_rev"] == payload["rev"]
