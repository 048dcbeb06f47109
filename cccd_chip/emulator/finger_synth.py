"""Synthetic fingerprint images for DG3 of the virtual cards: drawn ridges, no real finger.

What a plain live-scan finger image on a chip looks like (ISO/IEC 19794-4
Annex A / ICAO 9303-10 §4.7.3): 500 ppi, 8-bit gray, dark ridges on a light
background, about 0.6 x 0.8 inch, WSQ compressed. The ridge pattern is an
oriented sinusoid ``cos(2 pi phase / period)`` whose phase follows one of the
three Henry classes around a core point:

- *loop*: circles around the core that continue as parallel lines on one
  side (a hairpin, slanted), blended into the rings further out;
- *whorl*: rings around the core, rounder above it, flatter below;
- *arch*: horizontal lines bent upwards over the core.

The coordinates are warped by low-frequency sinusoids, the contact area is an
ellipse with a soft border, and pressure and sensor noise vary the
contrast. Everything is drawn from a DRBG seeded with the card seed and
finger position: same seed, same pixels (and, for one codec build, the
same WSQ bytes). Results are cached per (seed, position).
"""

from __future__ import annotations

import functools
import math
import random
from typing import TYPE_CHECKING, Any

from ..errors import UnsupportedError

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

WIDTH, HEIGHT = 320, 400  # 0.64 x 0.8 inch at 500 ppi
PPI = 500
PATTERNS = ("loop", "whorl", "arch")
_LUT_SIZE = 1024
_COS = [math.cos(2 * math.pi * i / _LUT_SIZE) for i in range(_LUT_SIZE)]


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError as exc:
        raise UnsupportedError("virtual cards draw their fingerprints with Pillow "
                               "(pip install 'cccd-chip[emulator]')") from exc
    return Image


def pattern_for(seed: int, position: int) -> str:
    """The Henry class drawn for this finger (loops are the most common, as in people)."""
    r = random.Random(f"finger-class:{seed}:{position}")
    return r.choices(PATTERNS, weights=(6, 3, 1))[0]


def pixels(seed: int, position: int, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The 8-bit gray pixels (row-major) of the synthetic finger ``position`` of card ``seed``."""
    return _pixels(seed, position, width, height)


@functools.lru_cache(maxsize=64)
def _pixels(seed: int, position: int, width: int, height: int) -> bytes:
    r = random.Random(f"finger:{seed}:{position}")
    kind = pattern_for(seed, position)
    period = r.uniform(8.5, 10.5)  # ridge period in pixels: ~0.45 mm at 500 ppi
    cx = width * r.uniform(0.42, 0.58)
    cy = height * r.uniform(0.36, 0.5)
    # loops open to the thumb side on most fingers: the hairpin's slant follows the hand
    side = -1.0 if position in (6, 7, 8, 9, 10) else 1.0
    slant = math.radians(r.uniform(15, 35)) * side
    cos_s, sin_s = math.cos(slant), math.sin(slant)
    aspect_up = r.uniform(1.1, 1.35)  # ridges above the core: rounder arcs
    aspect_down = r.uniform(0.7, 0.9)  # below it: flatter, running across the finger
    hairpin = r.uniform(55, 85)  # how far the loop's hairpin reaches before the rings take over
    arch_height = r.uniform(0.10, 0.22) * height
    arch_width = width * r.uniform(0.25, 0.4)
    # low-frequency warp (skin elasticity, finger curvature)
    wa, wf, wp = r.uniform(3, 7), r.uniform(0.012, 0.025), r.uniform(0, 6.3)
    wb, wg, wq = r.uniform(3, 7), r.uniform(0.012, 0.025), r.uniform(0, 6.3)
    warp_x = [wa * math.sin(wf * y + wp) for y in range(height)]
    warp_y = [wb * math.sin(wg * x + wq) for x in range(width)]
    # contact area: ellipse with a soft border; pressure falls off towards it
    ex, ey = width * r.uniform(0.40, 0.46), height * r.uniform(0.44, 0.48)
    ecx, ecy = width / 2 + r.uniform(-6, 6), height * 0.52
    noise = r.randbytes(width * height)
    inv_period = _LUT_SIZE / period
    out = bytearray(width * height)
    i = 0
    inv_ex2, inv_ey2 = 1.0 / (ex * ex), 1.0 / (ey * ey)
    hypot, exp = math.hypot, math.exp
    for y in range(height):
        wx = warp_x[y]
        qy = (y - ecy) * (y - ecy) * inv_ey2
        for x in range(width):
            q = (x - ecx) * (x - ecx) * inv_ex2 + qy
            if q >= 1.0:  # outside the contact area: paper-white background
                out[i] = 245 + (noise[i] & 7)
                i += 1
                continue
            px = x + wx
            py = y + warp_y[x]
            dx, dy = px - cx, py - cy
            if kind == "arch":
                phase = py + arch_height * exp(-(dx / arch_width) ** 2)
            else:
                # rings around the core; both fields below grow away from the core, so blending
                # them never folds the ridge density
                dist = hypot(dx, dy * (aspect_up if dy < 0 else aspect_down))
                if kind == "whorl":
                    phase = dist
                else:
                    u = dx * cos_s - dy * sin_s  # across the hairpin
                    v = dx * sin_s + dy * cos_s  # along it (v > 0: the open side)
                    pin = hypot(u, v) if v < 0 else abs(u)
                    w = exp(-(dist / hairpin) ** 2)
                    phase = w * pin + (1.0 - w) * dist
            ridge = _COS[int(phase * inv_period) % _LUT_SIZE]
            contrast = 105.0 * (1.0 - q * q * q)
            value = int(150 - contrast * ridge + ((noise[i] & 31) - 16))
            if q > 0.85:  # fade into the background
                edge = (q - 0.85) / 0.15
                value = int(value * (1 - edge) + 250 * edge)
            out[i] = 0 if value < 0 else 255 if value > 255 else value
            i += 1
    return bytes(out)


def image(seed: int, position: int, width: int = WIDTH, height: int = HEIGHT) -> "Image":
    """The synthetic finger as a Pillow image (mode L)."""
    pil = _pillow()
    im: "Image" = pil.frombytes("L", (width, height), pixels(seed, position, width, height))
    return im


@functools.lru_cache(maxsize=64)
def finger_wsq(seed: int, position: int, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """WSQ bytes of the synthetic finger (needs the ``wsq`` codec: the emulator extra installs it)."""
    from ..lds import wsq

    return wsq.encode(image(seed, position, width, height))


__all__ = ["pixels", "image", "finger_wsq", "pattern_for", "WIDTH", "HEIGHT", "PPI"]
