"""A synthetic face image for DG2: drawn shapes, no real person.

ICAO 9303-10 / ISO 19794-5 token-frontal style: head and shoulders on a
plain light background, 480 x 640, JPEG. Texture noise from a seeded
generator gives the file a realistic size (the quality is stepped down,
deterministically, until the JPEG fits ``[min_size, max_size]``, default
15-25 KB like the images on real chips). Same seed, same bytes (for the
same Pillow / libjpeg build).
"""

from __future__ import annotations

import io
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

WIDTH, HEIGHT = 480, 640


def _draw(seed: int, width: int, height: int) -> "Image.Image":
    try:
        from PIL import Image, ImageDraw, ImageFilter
    except ImportError as exc:
        from ..errors import UnsupportedError

        raise UnsupportedError("virtual cards draw their face with Pillow "
                               "(pip install 'cccd-chip[emulator]')") from exc

    r = random.Random(f"face:{seed}")
    bg = (r.randint(215, 240), r.randint(220, 245), r.randint(225, 250))
    img = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(img)
    skin = r.choice([(224, 187, 150), (205, 160, 120), (236, 200, 170), (190, 145, 105)])
    hair = r.choice([(25, 20, 18), (40, 30, 25), (60, 45, 35)])
    shirt = r.choice([(240, 240, 240), (40, 60, 110), (90, 90, 95), (255, 255, 255)])
    cx = width // 2 + r.randint(-8, 8)
    # shoulders and neck
    d.ellipse((cx - 230, int(height * 0.78), cx + 230, int(height * 1.25)), fill=shirt)
    d.rectangle((cx - 45, int(height * 0.60), cx + 45, int(height * 0.82)), fill=skin)
    # head
    hw, hh = r.randint(118, 135), r.randint(160, 178)
    cy = int(height * 0.42)
    d.ellipse((cx - hw - 6, cy - hh - 22, cx + hw + 6, cy + hh - 60), fill=hair)
    d.ellipse((cx - hw, cy - hh, cx + hw, cy + hh), fill=skin)
    d.ellipse((cx - hw - 14, cy - 20, cx - hw + 14, cy + 40), fill=skin)  # ears
    d.ellipse((cx + hw - 14, cy - 20, cx + hw + 14, cy + 40), fill=skin)
    d.chord((cx - hw - 4, cy - hh - 20, cx + hw + 4, cy + 10), 180, 360, fill=hair)
    # eyes, brows, nose, mouth
    ey = cy - 10
    for sx in (-1, 1):
        ex = cx + sx * r.randint(42, 50)
        d.ellipse((ex - 20, ey - 9, ex + 20, ey + 9), fill=(250, 250, 250))
        d.ellipse((ex - 8, ey - 8, ex + 8, ey + 8), fill=(45, 30, 20))
        d.line((ex - 24, ey - 26, ex + 22, ey - 28), fill=hair, width=6)
    d.line((cx, ey + 10, cx - 8, cy + 55, cx + 6, cy + 60), fill=(170, 120, 90), width=3)
    my = cy + 95
    d.arc((cx - 35, my - 18, cx + 35, my + 12), 20, 160, fill=(150, 70, 70), width=4)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    # skin / background texture (sensor noise): what gives a real photo its JPEG size
    noise = Image.frombytes("L", (width, height), r.randbytes(width * height))
    noise = noise.filter(ImageFilter.GaussianBlur(0.6))
    img = Image.blend(img, Image.merge("RGB", (noise, noise, noise)), 0.10)
    return img


def face_jpeg(seed: int, *, max_size: int = 25_000,
              width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """JPEG bytes of an invented face: the highest quality that fits ``max_size``."""
    img = _draw(seed, width, height)
    best = b""
    for quality in (85, 80, 75, 70, 65, 60, 55, 50, 45, 40, 35, 30, 25, 20):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, optimize=False, progressive=False, subsampling=2)
        data = buf.getvalue()
        best = data
        if len(data) <= max_size:
            break
    return best
