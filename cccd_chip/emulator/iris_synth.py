"""Synthetic iris images for DG4 of the virtual cards: drawn shapes, no real eye.

ISO/IEC 19794-6:2005 rectilinear near-infrared style: 640 x 480, 8-bit
gray, the iris about 200 pixels across (§6.5.1.9 iris diameter), a dark
pupil, radial furrows and crypts drawn as spokes and blobs of seeded gray
levels, a collarette ring, eyelids as arcs, one specular highlight and
sensor noise; stored as mono JPEG (image format 0x0006). Deterministic from
the card seed and the eye; cached per (seed, eye).
"""

from __future__ import annotations

import functools
import io
import math
import random
from typing import TYPE_CHECKING, Any

from ..errors import UnsupportedError

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

WIDTH, HEIGHT = 640, 480
IRIS_DIAMETER = 210


def _pillow() -> Any:
    try:
        from PIL import Image, ImageDraw, ImageFilter
    except ImportError as exc:
        raise UnsupportedError("virtual cards draw their iris images with Pillow "
                               "(pip install 'cccd-chip[emulator]')") from exc
    return Image, ImageDraw, ImageFilter


def image(seed: int, eye: int) -> "Image":
    """The synthetic eye ``eye`` (1 right, 2 left) of card ``seed`` as a Pillow image (mode L)."""
    pil, draw_mod, filt = _pillow()
    r = random.Random(f"iris:{seed}:{eye}")
    im = pil.new("L", (WIDTH, HEIGHT), r.randint(95, 120))  # skin
    d = draw_mod.Draw(im)
    cx, cy = WIDTH // 2 + r.randint(-12, 12), HEIGHT // 2 + r.randint(-8, 8)
    ri = IRIS_DIAMETER // 2 + r.randint(-6, 6)
    rp = int(ri * r.uniform(0.3, 0.42))
    # sclera (almond shape between the lids)
    d.ellipse((cx - 230, cy - 120, cx + 230, cy + 120), fill=r.randint(175, 200))
    # iris base and radial texture
    base = r.randint(70, 110)
    d.ellipse((cx - ri, cy - ri, cx + ri, cy + ri), fill=base)
    for _ in range(260):
        a = r.uniform(0, 2 * math.pi)
        r0, r1 = rp + r.uniform(0, 10), ri - r.uniform(0, 25)
        g = base + r.randint(-40, 45)
        d.line((cx + r0 * math.cos(a), cy + r0 * math.sin(a), cx + r1 * math.cos(a), cy + r1 * math.sin(a)),
               fill=max(0, min(255, g)), width=r.randint(1, 3))
    for _ in range(40):  # crypts
        a, rr = r.uniform(0, 2 * math.pi), r.uniform(rp + 8, ri - 12)
        s = r.uniform(3, 9)
        x, y = cx + rr * math.cos(a), cy + rr * math.sin(a)
        d.ellipse((x - s, y - s * 0.6, x + s, y + s * 0.6), fill=max(0, base - r.randint(20, 50)))
    collarette = rp + (ri - rp) * r.uniform(0.35, 0.5)
    d.ellipse((cx - collarette, cy - collarette, cx + collarette, cy + collarette),
              outline=min(255, base + 35), width=3)
    d.ellipse((cx - ri, cy - ri, cx + ri, cy + ri), outline=max(0, base - 45), width=4)  # limbus
    d.ellipse((cx - rp, cy - rp, cx + rp, cy + rp), fill=r.randint(8, 22))  # pupil
    hx, hy = cx + r.randint(-rp // 2, rp // 2), cy - r.randint(0, rp // 2)
    d.ellipse((hx - 7, hy - 5, hx + 7, hy + 5), fill=250)  # specular reflection of the illuminator
    # eyelids: skin arcs cutting the top and bottom of the sclera/iris
    top = cy - ri + r.randint(5, 30)
    d.chord((cx - 330, top - 260, cx + 330, top + 30), 0, 180, fill=r.randint(95, 120))
    d.rectangle((0, 0, WIDTH, max(0, top - 100)), fill=r.randint(95, 120))
    bottom = cy + ri - r.randint(0, 15)
    d.chord((cx - 330, bottom - 20, cx + 330, bottom + 240), 180, 360, fill=r.randint(100, 125))
    d.rectangle((0, min(HEIGHT, bottom + 110), WIDTH, HEIGHT), fill=r.randint(100, 125))
    for i in range(24):  # lashes
        x = cx - 200 + i * 17 + r.randint(-4, 4)
        d.line((x, top + 26, x + r.randint(-20, 20), top - r.randint(5, 25)), fill=r.randint(10, 40), width=2)
    im = im.filter(filt.GaussianBlur(1.1))
    noise = pil.frombytes("L", (WIDTH, HEIGHT), r.randbytes(WIDTH * HEIGHT)).filter(filt.GaussianBlur(0.5))
    out: "Image" = pil.blend(im, noise, 0.08)
    return out


@functools.lru_cache(maxsize=32)
def iris_jpeg(seed: int, eye: int, quality: int = 60) -> bytes:
    """Mono JPEG bytes of the synthetic eye (19794-6 image format 0x0006)."""
    buf = io.BytesIO()
    image(seed, eye).save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


__all__ = ["image", "iris_jpeg", "WIDTH", "HEIGHT", "IRIS_DIAMETER"]
