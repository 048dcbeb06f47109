"""EF.CVCA: the chip's trust points (BSI TR-03110-1 v1.11 §A.1.2.2; ICAO Doc 9303 EAC supplement).

In the eMRTD application, FID 011C / SFI 1C (a TerminalAuthenticationInfo may name
another file). Content: the CARs of at most two CVCA public keys the chip trusts,
each a ``42`` data object (most recent first), then ``00`` padding to 36 bytes.
The file is readable after BAC/PACE; it is unsigned (a hint for choosing the
certificate chain: the chip itself decides at PSO:Verify Certificate).
"""

from __future__ import annotations

from ..errors import ParseError
from ..iso7816 import tlv
from .cvc import decode_reference, encode_reference

FID = 0x011C
SFI = 0x1C
FILE_SIZE = 36
MAX_CARS = 2


def parse(data: bytes, *, file: str = "CVCA") -> tuple[str, ...]:
    """The CARs in EF.CVCA (1 or 2), in file order; ParseError when malformed."""
    if len(data) > 4 * FILE_SIZE:
        raise ParseError(f"EF.CVCA of {len(data)} bytes", file=file, offset=0)
    end = len(data.rstrip(b"\x00"))
    if end == 0:
        raise ParseError("EF.CVCA holds no CAR", file=file, offset=0)
    cars: list[str] = []
    pos = 0
    while pos < end:
        h = tlv.read_header(data, pos, file=file)
        if h.tag != 0x42 or len(cars) >= MAX_CARS:
            raise ParseError("EF.CVCA holds at most two CAR data objects (42)", file=file, offset=pos)
        cars.append(decode_reference(data[pos + h.header_len : pos + h.total_len], what="CAR", file=file, offset=pos))
        pos += h.total_len
    return tuple(cars)


def build(cars: "tuple[str, ...] | list[str]") -> bytes:
    """EF.CVCA content for one or two CARs, padded with zeros to 36 bytes."""
    if not 1 <= len(cars) <= MAX_CARS:
        raise ValueError("EF.CVCA holds one or two CARs")
    body = b"".join(tlv.encode(0x42, encode_reference(c)) for c in cars)
    return body + bytes(max(0, FILE_SIZE - len(body)))
