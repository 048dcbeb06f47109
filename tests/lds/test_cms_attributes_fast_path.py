"""``cms._attributes`` reads the common Attribute form inline (issue 13): it must give the very
Attributes and the very errors (message and offset) of the general element walk, on the signed
attributes the virtual chip writes and on every one-byte change and cut of them."""

from __future__ import annotations

import random
from typing import Callable, Union

from cccd_chip.errors import ParseError
from cccd_chip.lds import cms
from cccd_chip.lds._der import children, der, der_oid, der_seq, oid_at
from cccd_chip.lds.cms import Attribute

Result = Union[tuple[Attribute, ...], tuple[str, object]]


def _reference(data: bytes, vs: int, ve: int, file: str, base: int) -> tuple[Attribute, ...]:
    out = []
    for tag, pos, s, e in children(data, vs, ve, file=file, base=base):
        if tag != 0x30:
            raise ParseError("attribute is not a SEQUENCE", file=file, offset=base + pos)
        inner = children(data, s, e, file=file, base=base)
        if len(inner) != 2 or inner[0][0] != 0x06 or inner[1][0] != 0x31:
            raise ParseError("malformed attribute", file=file, offset=base + pos)
        vals = tuple(cms._raw(data, v, file, base) for v in children(data, inner[1][2], inner[1][3], file=file, base=base))
        out.append(Attribute(oid_at(data, inner[0], "attribute type", file=file, base=base), vals))
    return tuple(out)


def _outcome(fn: Callable[[bytes, int, int, str, int], tuple[Attribute, ...]], data: bytes) -> Result:
    try:
        return fn(data, 0, len(data), "SOD", 5)
    except ParseError as e:
        return (e.message, e.offset)


def _attr(oid: str, *values: bytes) -> bytes:
    return der_seq(der_oid(oid), der(0x31, b"".join(values)))


SAMPLES = [
    _attr("1.2.840.113549.1.9.3", der_oid("2.23.136.1.1.1"))
    + _attr("1.2.840.113549.1.9.5", der(0x17, b"261203160000Z"))
    + _attr("1.2.840.113549.1.9.4", der(0x04, bytes(range(32)))),
    _attr("1.2.840.113549.1.9.4", der(0x04, bytes(64))) + _attr("1.2.3", der(0x30, der(0x02, b"\x01")), der(0x05, b"")),
    _attr("1.2.840.113549.1.9.4", der(0x04, bytes(0x90))),  # long-form value length: the general walk
    _attr("1.2.3", der(0x30, der(0x04, b"ab") + der(0x04, b"cd"))),  # a constructed value, structure-checked
]


def test_inline_read_equals_the_general_walk_on_every_byte_change_and_cut() -> None:
    for data in SAMPLES:
        assert _outcome(cms._attributes, data) == _outcome(_reference, data)
        for i in range(len(data)):
            for mask in (0x01, 0x04, 0x1B, 0x1F, 0x20, 0x80, 0x7F, 0xFF):
                b = bytearray(data)
                b[i] ^= mask
                assert _outcome(cms._attributes, bytes(b)) == _outcome(_reference, bytes(b)), (data.hex(), i, mask)
        for cut in range(len(data)):
            assert _outcome(cms._attributes, data[:cut]) == _outcome(_reference, data[:cut])


def test_inline_read_equals_the_general_walk_on_random_attributes() -> None:
    rng = random.Random(13)
    for _ in range(4000):
        body = b""
        for _ in range(rng.randrange(1, 3)):
            if rng.random() < 0.5:  # near the common form: 06 l OID 31 l' t n value, lengths perturbed
                oid, value = bytes(rng.randrange(1, 4)), bytes(rng.randrange(0, 4))
                tag = rng.choice((0x04, 0x06, 0x17, 0x30, 0x1F, 0x00, 0x9F, rng.randrange(256)))
                inner = bytes([0x06, len(oid) + rng.choice((0, 0, 0, 1, -1)) & 0xFF]) + oid
                inner += bytes([0x31, 2 + len(value) + rng.choice((0, 0, 0, 1, -1)) & 0xFF, tag,
                                len(value) + rng.choice((0, 0, 0, 1, -1, 0x80)) & 0xFF]) + value
            else:
                n = rng.randrange(0, 12)
                inner = bytes(rng.choice((0x06, 0x31, 0x04, 0x30, 0x00, 0x1F, 0x80, 0x01, 0x02, rng.randrange(256)))
                              for _ in range(n))
            body += bytes([0x30, len(inner)]) + inner
        assert _outcome(cms._attributes, body) == _outcome(_reference, body), body.hex()
