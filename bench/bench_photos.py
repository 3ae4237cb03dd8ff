"""Photos as the tablet keeps them: a 12-megapixel camera photo under the pilot's max-pixels.

Figures (issue 12): the kept photo's size (target: a few hundred kB, < 600 kB) and the time to
prepare it (read, turn upright from EXIF, scale to 1600 px, encode JPEG; for information: a
tablet's CPU is slower than this machine's). The photo is generated with Pillow like a camera's
(4000x3000, EXIF orientation 6, JPEG quality 92, about 4.5 MB). Run:
``python -m bench.bench_photos``.
"""

from __future__ import annotations

from typing import Any

from bench.common import median, result, timed
from field_app.photos import prepare_photo
from tests.field_app.photo_samples import camera_photo


def run() -> list[dict[str, Any]]:
    """Prepare the generated 12 MP photo five times; return the figures."""
    photo = camera_photo()
    prepared = prepare_photo(photo, 1600)
    times = timed(lambda: prepare_photo(photo, 1600), 5)
    return [
        result("12 MP photo kept at max-pixels 1600 (from 4.5 MB)", len(prepared.data) / 1024,
               "kB", 600, note=f"{prepared.width}x{prepared.height} JPEG"),
        result("12 MP photo prepared (median of 5)", median(times), "ms", None),
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:<52} {row['value']:>10.1f} {row['unit']:<3} target {row['target']:<8}"
              f" {'PASS' if row['pass'] else 'FAIL'}")
