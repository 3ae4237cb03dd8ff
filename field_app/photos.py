"""Photos as they are taken or chosen: the form's ``max-pixels`` applied, a name per question.

A tablet camera takes 12-megapixel photos of 3-6 MB; sent over a weak mobile connection in Musi
Rawas, 19 of them per observation would take the whole day. An image question's
``max-pixels`` parameter (the pilot form says 1600) caps the longest side, as in ODK Collect:

* :func:`prepare_photo` reads the photo with Pillow, turns it upright from its EXIF orientation
  (``ImageOps.exif_transpose``: a photo taken holding the tablet sideways stays sideways in
  every viewer, the orientation tag is no longer needed), scales it down keeping the aspect
  ratio, and encodes it as a JPEG of :data:`JPEG_QUALITY`. A photo already small enough and
  upright is kept byte for byte (no needless loss of quality).
* :func:`photo_filename` names the stored photo after its question, repeat item and entry, plus
  the start of its hash: ``foto_i08-3f2a9c1b-5d41402a.jpg``. The export's photo cells and the
  ZIP's ``media/`` folder then tell every photo apart (never ``camera.jpg`` for all).

Only the prepared bytes are kept: the attachment store (:mod:`field_app.attachments`) writes
them under their SHA-256; the camera's full-size file is left to the camera app.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "JPEG_QUALITY",
    "PhotoError",
    "PreparedPhoto",
    "max_pixels_of",
    "photo_filename",
    "prepare_photo",
]

#: JPEG quality of a downscaled photo: documents stay legible, 1600 px is about 200-400 kB.
JPEG_QUALITY = 82

#: EXIF tag of the orientation (274).
_ORIENTATION = 0x0112

_UNSAFE = re.compile(r"[^0-9A-Za-z_-]+")


class PhotoError(ValueError):
    """The file is not a photo Pillow can read (``code``: ``not_an_image``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class PreparedPhoto:
    """The bytes to keep for a photo, with what was done to it."""

    data: bytes
    media_type: str
    extension: str
    width: int
    height: int
    original_width: int
    original_height: int
    resized: bool


def max_pixels_of(question: Any) -> int | None:
    """The image question's ``max-pixels`` (``None`` when absent or not a positive number)."""
    parameters = getattr(question, "parameters", None) or {}
    text = str(parameters.get("max-pixels", "")).strip()
    try:
        value = int(float(text))
    except ValueError:
        return None
    return value if value > 0 else None


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1) or 1)
    except Exception:  # a damaged EXIF block: treat the photo as upright
        return 1


def prepare_photo(data: bytes, max_pixels: int | None,
                  quality: int = JPEG_QUALITY) -> PreparedPhoto:
    """The photo to keep for ``data`` under a longest side of ``max_pixels`` (see the module).

    Raises :class:`PhotoError` when ``data`` is not an image Pillow can decode.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            source_format = (probe.format or "").upper()
            width, height = probe.size
            orientation = _orientation(probe)
            if (source_format == "JPEG" and max_pixels is not None
                    and max(width, height) > 2 * max_pixels):
                # decode at 1/2, 1/4 or 1/8 scale straight from the JPEG's DCT, never below
                # the target size: several times faster on a tablet than decoding 12 MP
                ratio = max_pixels / max(width, height)
                probe.draft("RGB", (math.ceil(width * ratio), math.ceil(height * ratio)))
            probe.load()  # a cut-off file fails here, not later
            upright = orientation == 1
            fits = max_pixels is None or max(width, height) <= max_pixels
            if fits and upright:
                kind = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}.get(
                    source_format)
                if kind is not None:
                    return PreparedPhoto(data, kind[0], kind[1], width, height, width, height,
                                         False)
            image = ImageOps.exif_transpose(probe)
            if image.mode not in ("RGB", "L"):
                image = _flatten(image)
            if max_pixels is not None and max(image.size) > max_pixels:
                image.thumbnail((max_pixels, max_pixels), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError("not_an_image", str(exc)) from exc
    new_width, new_height = image.size
    return PreparedPhoto(out.getvalue(), "image/jpeg", "jpg", new_width, new_height,
                         width, height, (new_width, new_height) != (width, height)
                         or not upright)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: a transparent picture on white, a palette one converted."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def photo_filename(question: str, instance: tuple[int, ...], entry_id: str, sha256: str,
                   extension: str = "jpg") -> str:
    """``<question>[_<item>...]-<entry id start>-<hash start>.<ext>`` (items counted from 1)."""
    parts = [_UNSAFE.sub("_", question) or "foto"]
    parts += [str(index + 1) for index in instance]
    entry = _UNSAFE.sub("", entry_id)[:8] or "entri"
    return f"{'_'.join(parts)}-{entry}-{sha256[:8]}.{extension}"
