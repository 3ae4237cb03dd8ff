"""A tablet syncing observation entries with photos over a weak link (the throttling and cutting
loopback proxy of :mod:`tests.support.tcp_proxy`): the scenario of issue 12, shared by the short
test (tests/field_app/test_weak_link_live.py) and the benchmark (bench/bench_weak_link.py).

Photos are made as a tablet keeps them: a photo-like picture at camera size (12 megapixels by
default) downscaled with Pillow to the form's ``max-pixels`` long side and saved as JPEG.
"""

from __future__ import annotations

import io
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw

from field_app.attachments import import_photo
from field_app.store import Store
from field_app.sync_client import Progress, SyncClient, SyncOutcome

__all__ = ["WeakLinkRun", "make_entries", "realistic_photo", "sync_until_done"]

OBSERVATION = ("observasi_kabkota_antikorupsi", "2024110101")
REGION = "16.71"
_FIXTURE = Path(__file__).resolve().parents[1] / "survey_forms" / "fixtures" / \
    "observasi_complete.json"
PHOTO_QUESTIONS = ("foto_i08", "foto_i10", "foto_i14")


def realistic_photo(
    seed: int, source: tuple[int, int] = (4000, 3000), max_pixels: int = 1600,
    quality: int = 80,
) -> bytes:
    """JPEG bytes of a photo-like picture (gradients, grain, shapes) of ``source`` pixels,
    downscaled with Pillow to ``max_pixels`` on its long side (aspect ratio kept)."""
    width, height = source
    rng = random.Random(seed)
    blotches = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 60 + seed % 7)
    blotches = blotches.resize((width, height), Image.Resampling.BILINEAR)
    grain = Image.effect_noise((width, height), 25)
    light = Image.linear_gradient("L").resize((width, height)).rotate(seed * 37 % 360)
    picture = Image.merge("RGB", (
        ImageChops.add(light, blotches, scale=2.0),
        ImageChops.add(blotches, grain, scale=2.0),
        ImageChops.add(light.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grain, scale=2.0),
    ))
    draw = ImageDraw.Draw(picture)
    for _ in range(40):  # walls, boards, windows
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle([x, y, x + rng.randrange(width // 80 + 1, width // 5 + 2),
                        y + rng.randrange(height // 60 + 1, height // 5 + 2)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    picture.thumbnail((max_pixels, max_pixels), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _answers() -> dict[str, Any]:
    answers = json.loads(_FIXTURE.read_text("utf-8"))
    return {k: v for k, v in answers.items() if not (isinstance(v, dict) and "sha256" in v)}


def make_entries(
    store: Store, client: SyncClient, folder: Path, plain: int, photos: list[list[bytes]]
) -> tuple[list[str], list[str]]:
    """Finalize ``plain`` observation entries without photos, then one entry per item of
    ``photos`` with those photos. Returns (ids without photos, ids with photos)."""
    form = client.form(*OBSERVATION)
    assert form is not None, "the observation form is not on the tablet"
    plain_ids, photo_ids = [], []
    for number in range(plain + len(photos)):
        answers = _answers()
        answers["nama_unit"] = f"Unit layanan {number + 1}"  # a name the officer tells apart
        if number >= plain:
            for index, data in enumerate(photos[number - plain]):
                source = folder / f"foto_{number}_{index}.jpg"
                source.write_bytes(data)
                answers[PHOTO_QUESTIONS[index]] = import_photo(client.attachments_folder, source)
        entry_id = store.create_draft(form.form_id, form.version, REGION, answers)
        issues = store.finalize_entry(entry_id, form)
        assert issues == [], issues
        (plain_ids if number < plain else photo_ids).append(entry_id)
    return plain_ids, photo_ids


@dataclass
class WeakLinkRun:
    """What :func:`sync_until_done` saw."""

    attempts: int = 0
    seconds: float = 0.0
    #: seconds from the start until the server had acknowledged every entry without photos
    plain_seconds: float | None = None
    outcomes: list[SyncOutcome] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)


def sync_until_done(
    store: Store, client: SyncClient, plain_ids: list[str], max_attempts: int,
    pause: float = 0.0,
) -> WeakLinkRun:
    """Sync (push only) until nothing waits or ``max_attempts`` syncs ran."""
    run = WeakLinkRun()
    start = time.monotonic()
    waiting = set(plain_ids)

    def seen(progress: Progress) -> None:
        run.progress.append(progress)
        if run.plain_seconds is None and progress.phase == "push" and waiting:
            waiting.difference_update(
                e for e in list(waiting) if store.get_entry(e)["status"] == "sent")
            if not waiting:
                run.plain_seconds = time.monotonic() - start

    while run.attempts < max_attempts:
        run.attempts += 1
        outcome = client.sync(seen, pull=False)
        run.outcomes.append(outcome)
        if outcome.ok and not store.has_unsent():
            break
        time.sleep(pause)
    run.seconds = time.monotonic() - start
    if run.plain_seconds is None and not waiting:
        run.plain_seconds = run.seconds
    return run
