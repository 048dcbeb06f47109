"""``sod.parse_security_object`` reads the common DataGroupHash form inline (issue 13): it must
give the very values and the very errors (message and offset) of the general element walk, on
the SODs the virtual chip writes and on every one-byte change and cut of their
LDSSecurityObject."""

from __future__ import annotations

import random
from typing import Callable, Union

from cccd_chip.errors import ParseError
from cccd_chip.lds import cms, sod
from cccd_chip.lds.sod import DataGroupHash, LDSSecurityObject


def _reference(raw: bytes) -> LDSSecurityObject:
    """The LDSSecurityObject read with the inline form switched off: every DataGroupHash through
    the general element walk."""
    inline = sod._inline_hash
    sod._inline_hash = lambda *_: None  # type: ignore[assignment]  # the general path for this call only
    try:
        return sod.parse_security_object(raw)
    finally:
        sod._inline_hash = inline


def _outcome(fn: Callable[[bytes], LDSSecurityObject], raw: bytes) -> Union[LDSSecurityObject, tuple[str, object]]:
    try:
        return fn(raw)
    except ParseError as e:
        return (e.message, e.offset)


def _samples() -> list[bytes]:
    out = []
    for version, hashes in ((0, [(1, bytes(32)), (2, bytes(range(32))), (15, b"\x7f" * 32)]),
                            (0, [(1, b"\x01" * 20), (127, b"\x02" * 64), (0, b"")]),
                            (0, [(128, bytes(32)), (3, bytes(0x7F))]),  # two-byte number, 127-byte value
                            (0, [(1, bytes(0x80))])):  # a value with a long-form length: the general path
        lso = LDSSecurityObject(version, cms.AlgorithmIdentifier("2.16.840.1.101.3.4.2.1"),
                                tuple(DataGroupHash(n, v) for n, v in hashes))
        out.append(sod.build_security_object(lso))
    return out


def test_inline_read_equals_the_general_walk_on_every_byte_change_and_cut() -> None:
    for raw in _samples():
        assert _outcome(sod.parse_security_object, raw) == _outcome(_reference, raw)
        for i in range(len(raw)):
            for mask in (0x01, 0x80, 0x7F, 0xFF):
                b = bytearray(raw)
                b[i] ^= mask
                changed = bytes(b)
                assert _outcome(sod.parse_security_object, changed) == _outcome(_reference, changed), (raw.hex(), i, mask)
        for cut in range(len(raw)):
            assert _outcome(sod.parse_security_object, raw[:cut]) == _outcome(_reference, raw[:cut])


def test_inline_read_equals_the_general_walk_on_random_hash_entries() -> None:
    rng = random.Random(13)
    head = bytes.fromhex("020100300b0609608648016503040201")  # version 0, sha256
    for _ in range(3000):
        entries = b""
        for _ in range(rng.randrange(1, 4)):
            n = rng.randrange(0, 9)
            body = bytes(rng.choice((0x02, 0x04, 0x01, 0x00, 0x80, 0x7F, 0x81, rng.randrange(256))) for _ in range(n))
            entries += bytes([rng.choice((0x30, 0x30, 0x31)), len(body)]) + body
        inner = head + bytes([0x30, len(entries)]) + entries
        raw = bytes([0x30, len(inner)]) + inner if len(inner) < 0x80 else bytes([0x30, 0x81, len(inner)]) + inner
        assert _outcome(sod.parse_security_object, raw) == _outcome(_reference, raw), raw.hex()
