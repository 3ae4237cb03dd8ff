"""Test photos made with Pillow: a 12-megapixel camera photo with an EXIF orientation."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter

ORIENTATION = 0x0112


def camera_photo(width: int = 4000, height: int = 3000, orientation: int = 6,
                 quality: int = 92) -> bytes:
    """A JPEG like a tablet camera's: smooth light, texture (sensor noise, detail), a red
    marker in the stored image's top-left corner, and the EXIF orientation tag."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width // 2, height // 2), 24).resize((width, height))
    photo = Image.merge("RGB", (base.getchannel(0), noise, Image.eval(base.getchannel(0),
                                                                       lambda v: 255 - v)))
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))
    draw = ImageDraw.Draw(photo)
    for step in range(0, width, 97):  # edges a camera sees (shelves, text on a notice board)
        draw.line((step, 0, step + height // 3, height), fill=(30, 30, 30), width=3)
    draw.rectangle((0, 0, width // 8, height // 8), fill=(230, 20, 20))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def small_photo(width: int = 640, height: int = 480) -> bytes:
    """An upright JPEG under any ``max-pixels``."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()
