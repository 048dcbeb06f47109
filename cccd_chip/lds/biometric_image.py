"""Finger and iris images of DG3/DG4 to PNG (ISO/IEC 19794-4 Table 3, 19794-6 §6.5.1.12).

One entry point, :func:`to_png`: WSQ through :mod:`.wsq` (child-process
decoder), JPEG / JPEG2000 / PNG through Pillow, uncompressed 8-bit gray from
the header's width and height. Sizes are bounded; decoder errors on
untrusted bytes become :class:`ParseError`, a missing codec
:class:`UnsupportedError` naming the extra to install.
"""

from __future__ import annotations

import io
from typing import Any, Optional

from ..errors import ParseError, UnsupportedError
from . import face, wsq

MAX_PIXELS = 16_000_000
RAW = "raw"


def sniff(data: bytes) -> str:
    """Image format from its first bytes: WSQ, JPEG, JP2, J2K, PNG or unknown."""
    if wsq.is_wsq(data):
        return "WSQ"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    return face.sniff_image(data)  # JPEG, JP2, J2K or unknown


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError as exc:
        raise UnsupportedError("exporting biometric images needs Pillow (pip install 'cccd-chip[bio]')") from exc
    return Image


def to_png(data: bytes, declared: str, *, width: int = 0, height: int = 0, depth: int = 8,
           file: Optional[str] = None, base: int = 0) -> bytes:
    """PNG bytes of one biometric image.

    ``declared``: the record's compression (``WSQ``, ``JPEG``, ``JPEG2000``,
    ``PNG``, ``raw``); the bytes must agree with it (a JPEG labelled WSQ is
    malformed). ``width``/``height``/``depth`` are needed for raw images.
    """
    image_mod = _pillow()
    data = bytes(data)
    found = sniff(data)
    if declared == RAW:
        if depth != 8:
            raise UnsupportedError(f"uncompressed images of {depth} bits per pixel are not exported", file=file)
        if not width or not height or width * height > MAX_PIXELS or len(data) != width * height:
            raise ParseError("uncompressed image size differs from its header", file=file, offset=base)
        im = image_mod.frombytes("L", (width, height), data)
    elif declared == "WSQ":
        if found != "WSQ":
            raise ParseError("image declared WSQ is not a WSQ stream", file=file, offset=base)
        im = wsq.decode(data, file=file, base=base)
    elif declared in ("JPEG", "JPEG2000", "PNG"):
        if declared == "JPEG2000" and found not in ("JP2", "J2K") or declared != "JPEG2000" and found != declared:
            raise ParseError(f"image declared {declared} is {found}", file=file, offset=base)
        im = _open(image_mod, data, file, base)
    else:
        raise UnsupportedError(f"biometric image compression {declared} is not exported", file=file, offset=base)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _open(image_mod: Any, data: bytes, file: Optional[str], base: int) -> Any:
    try:
        with image_mod.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise ParseError("biometric image too large to convert", file=file, offset=base)
            im.load()
            return im.copy()
    except (ParseError, UnsupportedError):
        raise
    except Exception as exc:  # noqa: BLE001 - decoder errors on untrusted images
        raise ParseError(f"biometric image cannot be decoded ({type(exc).__name__})", file=file,
                         offset=base) from exc


__all__ = ["sniff", "to_png", "RAW"]
