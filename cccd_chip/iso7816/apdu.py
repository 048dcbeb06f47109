"""Command and response APDUs (ISO/IEC 7816-3 §12.1, 7816-4 §5.1).

The four ISO cases, short and extended length, encoded and decoded exactly:

- case 1: CLA INS P1 P2
- case 2: header + Le           (short: 1 byte, 00 = 256; extended: 00 + 2 bytes, 0000 = 65536)
- case 3: header + Lc + data    (short: 1 byte; extended: 00 + 2 bytes)
- case 4: header + Lc + data + Le (extended: Le is 2 bytes without the leading 00)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import MalformedResponseError, ParseError

SHORT_MAX_LC = 255
SHORT_MAX_LE = 256
EXT_MAX_LC = 65535
EXT_MAX_LE = 65536


@dataclass(frozen=True)
class CommandApdu:
    """A command APDU; ``le=None`` means no Le field, ``le=256``/``65536`` the maximum."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: Optional[int] = None
    extended: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.cla <= 0xFF and 0 <= self.ins <= 0xFF and 0 <= self.p1 <= 0xFF and 0 <= self.p2 <= 0xFF):
            for name in ("cla", "ins", "p1", "p2"):
                if not 0 <= getattr(self, name) <= 0xFF:
                    raise ValueError(f"{name} out of range")
        if len(self.data) > EXT_MAX_LC:
            raise ValueError("command data too long")
        if self.le is not None and not 1 <= self.le <= EXT_MAX_LE:
            raise ValueError("Le out of range")

    @property
    def is_extended(self) -> bool:
        """Extended encoding when forced or when a field does not fit short."""
        return (
            self.extended
            or len(self.data) > SHORT_MAX_LC
            or (self.le is not None and self.le > SHORT_MAX_LE)
        )

    @property
    def case(self) -> int:
        if not self.data:
            return 1 if self.le is None else 2
        return 3 if self.le is None else 4

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    def encode(self) -> bytes:
        data, le = self.data, self.le
        if not self.extended and len(data) <= SHORT_MAX_LC and (le is None or le <= SHORT_MAX_LE):
            # short encoding (the common case), written out: header [Lc data] [Le, 256 as 00]
            head = bytes((self.cla, self.ins, self.p1, self.p2))
            if data:
                head += bytes((len(data),)) + bytes(data)
            return head if le is None else head + bytes((le & 0xFF,))
        out = bytearray(self.header)
        ext = self.is_extended
        if self.data:
            if ext:
                out += b"\x00" + len(self.data).to_bytes(2, "big")
            else:
                out.append(len(self.data))
            out += self.data
        if self.le is not None:
            if ext:
                le = 0 if self.le == EXT_MAX_LE else self.le
                if not self.data:
                    out.append(0)
                out += le.to_bytes(2, "big")
            else:
                out.append(0 if self.le == SHORT_MAX_LE else self.le)
        return bytes(out)

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> "CommandApdu":
        """Decode a C-APDU exactly (ISO/IEC 7816-3 §12.1.3); raise ParseError otherwise."""
        n = len(raw)
        if n < 4:
            raise ParseError("C-APDU shorter than 4 bytes", offset=n)
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        if n == 4:
            return cls(cla, ins, p1, p2)
        b = raw[4]
        if n == 5:
            return cls(cla, ins, p1, p2, le=256 if b == 0 else b)
        if b != 0:
            lc = b
            if n == 5 + lc:
                return cls(cla, ins, p1, p2, bytes(raw[5:]))
            if n == 6 + lc:
                le = raw[5 + lc]
                return cls(cla, ins, p1, p2, bytes(raw[5 : 5 + lc]), 256 if le == 0 else le)
            raise ParseError("C-APDU length does not match Lc", offset=4)
        # extended
        if n == 7:
            le = int.from_bytes(raw[5:7], "big")
            return cls(cla, ins, p1, p2, le=65536 if le == 0 else le, extended=True)
        if n < 7:
            raise ParseError("C-APDU extended length truncated", offset=4)
        lc = int.from_bytes(raw[5:7], "big")
        if lc == 0:
            raise ParseError("C-APDU extended Lc of zero", offset=5)
        if n == 7 + lc:
            return cls(cla, ins, p1, p2, bytes(raw[7:]), extended=True)
        if n == 9 + lc:
            le = int.from_bytes(raw[7 + lc :], "big")
            return cls(cla, ins, p1, p2, bytes(raw[7 : 7 + lc]), 65536 if le == 0 else le, extended=True)
        raise ParseError("C-APDU length does not match extended Lc", offset=5)


@dataclass(frozen=True)
class ResponseApdu:
    """A response APDU: data and status word."""

    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    def encode(self) -> bytes:
        return bytes(self.data) + bytes((self.sw1, self.sw2))

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> "ResponseApdu":
        if len(raw) < 2:
            raise MalformedResponseError(f"R-APDU of {len(raw)} bytes (fewer than 2)")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])

    @classmethod
    def of(cls, data: bytes, sw: int) -> "ResponseApdu":
        return cls(bytes(data), (sw >> 8) & 0xFF, sw & 0xFF)
