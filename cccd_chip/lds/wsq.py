"""WSQ fingerprint images (FBI IAFIS-IC-0110 "WSQ Gray-scale Fingerprint Image Compression").

ISO/IEC 19794-4:2005 records in DG3 carry WSQ (compression code 2) on real
documents. This module

- walks the WSQ marker segments itself (``construct`` frame header, every
  segment length checked against the bytes present, entropy-coded data
  scanned to the next marker) so that only a well-formed stream of bounded
  size ever reaches the C decoder, and reads the frame's width and height;
- decodes and encodes through the maintained ``wsq`` Pillow plugin (NBIS
  code; ``pip install 'cccd-chip[bio]'``). Without it decoding raises
  :class:`UnsupportedError` (exit 5) naming the extra.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import construct as c

from ..errors import ParseError, UnsupportedError

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

SOI, EOI, SOF, SOB, DTT, DQT, DHT, DRT, COM = (0xFFA0, 0xFFA1, 0xFFA2, 0xFFA3, 0xFFA4, 0xFFA5, 0xFFA6, 0xFFA7,
                                               0xFFA8)
RESTARTS = range(0xFFB0, 0xFFB8)
SEGMENT_MARKERS = (SOF, SOB, DTT, DQT, DHT, DRT, COM)
MAX_PIXELS = 4_000_000  # a 2000 x 2000 finger image at 1000 ppi is already a large slap
MAX_SEGMENTS = 4096
MISSING_CODEC = ("decoding WSQ fingerprint images needs the wsq codec "
                 "(pip install 'cccd-chip[bio]')")

FrameHeader = c.Struct(
    "a" / c.Int8ub,
    "b" / c.Int8ub,
    "height" / c.Int16ub,
    "width" / c.Int16ub,
    "m_exponent" / c.Int8ub,
    "m" / c.Int16ub,
    "r_exponent" / c.Int8ub,
    "r" / c.Int16ub,
    "encoder" / c.Int8ub,
    "software" / c.Int16ub,
)


@dataclass(frozen=True)
class WsqFrame:
    """What the marker walk found: frame size and segment counts."""

    width: int
    height: int
    blocks: int
    tables: int
    comments: tuple[bytes, ...] = ()


def is_wsq(data: bytes) -> bool:
    """WSQ streams start with the SOI marker FFA0."""
    return data[:2] == b"\xff\xa0"


def inspect_stream(data: bytes, *, file: Optional[str] = None, base: int = 0) -> WsqFrame:
    """Walk the markers of a WSQ stream; raise :class:`ParseError` if it is not well formed."""
    data = bytes(data)
    if not is_wsq(data):
        raise ParseError("not a WSQ stream (no SOI marker)", file=file, offset=base)
    pos = 2
    frame: Optional[Any] = None
    blocks = tables = 0
    comments: list[bytes] = []
    for _ in range(MAX_SEGMENTS):
        if len(data) - pos < 2:
            raise ParseError("WSQ stream ends without the EOI marker", file=file, offset=base + pos)
        marker = int.from_bytes(data[pos:pos + 2], "big")
        if marker == EOI:
            if frame is None or blocks == 0:
                raise ParseError("WSQ stream without a frame or data block", file=file, offset=base + pos)
            if pos + 2 != len(data):
                raise ParseError("bytes after the WSQ EOI marker", file=file, offset=base + pos + 2)
            return WsqFrame(frame.width, frame.height, blocks, tables, tuple(comments))
        if marker not in SEGMENT_MARKERS:
            raise ParseError(f"unknown WSQ marker {marker:04X}", file=file, offset=base + pos)
        if len(data) - pos < 4:
            raise ParseError("WSQ segment truncated", file=file, offset=base + pos)
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if length < 2 or length > len(data) - pos - 2:
            raise ParseError("WSQ segment length out of bounds", file=file, offset=base + pos + 2)
        body = data[pos + 4:pos + 2 + length]
        if marker == SOF:
            if frame is not None or len(body) != FrameHeader.sizeof():
                raise ParseError("bad or repeated WSQ frame header", file=file, offset=base + pos)
            frame = FrameHeader.parse(body)
            if not frame.width or not frame.height or frame.width * frame.height > MAX_PIXELS:
                raise ParseError(f"WSQ frame size {frame.width}x{frame.height} out of bounds",
                                 file=file, offset=base + pos + 6)
        elif marker in (DTT, DQT, DHT, DRT):
            tables += 1
        elif marker == COM:
            comments.append(body)
        pos += 2 + length
        if marker == SOB:
            if frame is None or tables == 0:
                raise ParseError("WSQ data block before the frame or tables", file=file, offset=base + pos)
            blocks += 1
            pos = _skip_entropy_data(data, pos, file, base)
    raise ParseError("too many WSQ segments", file=file, offset=base + pos)


def _skip_entropy_data(data: bytes, pos: int, file: Optional[str], base: int) -> int:
    """Position of the next marker after entropy-coded data (FF00 is a stuffed byte, FFBn a restart)."""
    while True:
        nxt = data.find(b"\xff", pos)
        if nxt < 0 or nxt + 1 >= len(data):
            raise ParseError("WSQ entropy-coded data runs to the end of the stream", file=file, offset=base + pos)
        follower = 0xFF00 | data[nxt + 1]
        if data[nxt + 1] == 0 or follower in RESTARTS:
            pos = nxt + 2
            continue
        return nxt


def codec_available() -> bool:
    """True when the ``wsq`` Pillow plugin can be imported."""
    try:
        _plugin()
    except UnsupportedError:
        return False
    return True


def _plugin() -> Any:
    try:
        import wsq  # noqa: F401  (registers the WSQ format with Pillow)
        from PIL import Image
    except ImportError as exc:
        raise UnsupportedError(MISSING_CODEC) from exc
    return Image


# The NBIS decoder is C code that crashes (SIGSEGV) on some malformed streams that pass
# the marker walk (found by mutating valid streams). Untrusted WSQ is therefore decoded
# in a child process with memory, CPU and core-dump limits; it imports only Pillow and
# the plugin, reads the stream on stdin and writes width, height and the pixels.
_CHILD = r"""
import sys, io, resource
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
import wsq
from PIL import Image
data = sys.stdin.buffer.read()
with Image.open(io.BytesIO(data), formats=["WSQ"]) as im:
    im.load()
    out = im.convert("L")
sys.stdout.buffer.write(out.width.to_bytes(4, "big") + out.height.to_bytes(4, "big") + out.tobytes())
"""
CHILD_TIMEOUT = 60.0


def decode(data: bytes, *, file: Optional[str] = None, base: int = 0) -> "Image":
    """Decode a WSQ stream to an 8-bit grayscale Pillow image.

    The marker structure is checked here; the pixels are decoded in a child
    process (see ``_CHILD``): a decoder crash or timeout is a
    :class:`ParseError`, never a crash of the caller.
    """
    frame = inspect_stream(data, file=file, base=base)
    image_mod = _plugin()
    try:
        proc = subprocess.run([sys.executable, "-I", "-c", _CHILD], input=bytes(data), capture_output=True,
                              timeout=CHILD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ParseError("WSQ image decoding timed out", file=file, offset=base) from exc
    except OSError as exc:
        raise UnsupportedError(f"cannot start the WSQ decoder process ({type(exc).__name__})") from exc
    out = proc.stdout
    if proc.returncode != 0 or len(out) < 8:
        why = f"signal {-proc.returncode}" if proc.returncode < 0 else "decoder error"
        raise ParseError(f"WSQ image cannot be decoded ({why})", file=file, offset=base)
    width, height = int.from_bytes(out[:4], "big"), int.from_bytes(out[4:8], "big")
    if (width, height) != (frame.width, frame.height) or len(out) != 8 + width * height:
        raise ParseError("WSQ image size differs from its frame header", file=file, offset=base)
    image: "Image" = image_mod.frombytes("L", (width, height), out[8:])
    return image


def encode(image: "Image") -> bytes:
    """WSQ bytes of an 8-bit grayscale Pillow image (the plugin's default bit rate).

    Used by the virtual cards; the emulator extra requires the codec, so a card is never
    personalised with another fingerprint encoding than real documents use.
    """
    try:
        _plugin()
    except UnsupportedError as exc:
        raise UnsupportedError("virtual cards store WSQ fingerprints: personalising needs the wsq codec "
                               "(pip install 'cccd-chip[emulator]')") from exc
    if image.mode != "L":
        raise ValueError("WSQ encodes 8-bit grayscale images (mode L)")
    buf = io.BytesIO()
    image.save(buf, "WSQ")
    return buf.getvalue()


__all__ = ["WsqFrame", "inspect_stream", "is_wsq", "codec_available", "decode", "encode", "MISSING_CODEC"]
