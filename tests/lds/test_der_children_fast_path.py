"""``_der.children`` reads the common element forms inline (issue 13): it must give the very
spans and the very errors (message and offset) of a walk with ``read_element`` itself, on
well-formed input and on every truncation and length defect near an element's end."""

from __future__ import annotations

import random
from typing import Callable, Union

from cccd_chip.errors import ParseError
from cccd_chip.lds._der import Span, children, read_element


def _reference(data: bytes, start: int, end: int, base: int) -> list[Span]:
    out: list[Span] = []
    pos = start
    while pos < end:
        t, vs, ve = read_element(data, pos, end, file="F", base=base)
        out.append((t, pos, vs, ve))
        pos = ve
    return out


def _fast(data: bytes, start: int, end: int, base: int) -> list[Span]:
    return children(data, start, end, file="F", base=base)


def _outcome(fn: Callable[[bytes, int, int, int], list[Span]], data: bytes, start: int, end: int,
             base: int) -> Union[list[Span], tuple[str, object]]:
    try:
        return fn(data, start, end, base)
    except ParseError as e:
        return (e.message, e.offset)


SAMPLES = [
    bytes.fromhex("3003020101") + bytes.fromhex("0403aabbcc"),
    bytes.fromhex("0481") + bytes([0x90]) + bytes(0x90) + bytes.fromhex("0500"),
    bytes.fromhex("308201") + bytes([0x04]) + bytes(0x104),
    bytes.fromhex("1f2102abcd0400"),  # multi-byte tag: the checked path
    bytes.fromhex("04830000020000"),  # three-byte length: the checked path
    bytes.fromhex("0080") + bytes(4),  # tag 00 / indefinite length: refused by the checked path
    bytes.fromhex("30800000"),
]


def test_children_equals_read_element_walk_on_samples_and_every_cut() -> None:
    for data in SAMPLES:
        for end in range(0, len(data) + 1):
            for start in range(0, min(end, 4) + 1):
                assert _outcome(_fast, data, start, end, 7) == _outcome(_reference, data, start, end, 7), (data.hex(), start, end)


def test_children_equals_read_element_walk_on_random_bytes() -> None:
    rng = random.Random(13)
    for _ in range(4000):
        n = rng.randrange(0, 40)
        data = bytes(rng.choice((0x04, 0x30, 0x81, 0x82, 0x00, 0x1F, 0x02, rng.randrange(256))) for _ in range(n))
        assert _outcome(_fast, data, 0, n, 0) == _outcome(_reference, data, 0, n, 0), data.hex()
