"""Mutation fuzzing of every LDS parser (robustness-catalogue family 16).

Seeded and reproducible: valid files of every type are mutated (bit flips,
byte changes, truncations, insertions, long-form lengths such as 84 FF FF FF FF,
indefinite lengths, deep nesting, spliced chunks): a fixed number of cases (40 000
in ``make test``; ``CCCD_FUZZ_CASES`` for longer campaigns), never a wall-time
budget, so a loaded machine cannot fail it. Only ``ParseError`` (with file and an offset inside the
input) may escape a parser; ``inspect.describe`` must never raise and must
stay JSON-serialisable.
"""

from __future__ import annotations

import json
import os
import random
import time
import tracemalloc

import pytest

from cccd_chip.errors import ParseError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import inspect, registry

from fuzz_corpus import seeds

SEED = int(os.environ.get("CCCD_FUZZ_SEED", "20261129"))
CASES = int(os.environ.get("CCCD_FUZZ_CASES", "40000"))
MAX_CASE_S = 2.0  # one input: a blow-up (quadratic parse, huge allocation), not load

LONG_LENGTHS = [b"\x84\xff\xff\xff\xff", b"\x84\x7f\xff\xff\xff", b"\x83\xff\xff\xff", b"\x82\xff\xff",
                b"\x80", b"\x85\x01\x00\x00\x00\x00", b"\x88" + b"\xff" * 8, b"\x81\x00", b"\x84\x00\x00\x00\x01"]


def header_offsets(data: bytes) -> list[int]:
    """Offsets of every TLV header of a valid seed (descending into constructed tags)."""
    out: list[int] = []

    def walk(start: int, end: int, depth: int) -> None:
        pos = start
        while pos < end and depth < 40:
            try:
                h = tlv.read_header(data[:end], pos)
            except ParseError:
                return
            out.append(pos)
            if h.constructed:
                walk(pos + h.header_len, pos + h.total_len, depth + 1)
            pos += h.total_len

    walk(0, len(data), 0)
    return out


def mutate(rng: random.Random, data: bytes, headers: list[int]) -> bytes:
    b = bytearray(data)
    op = rng.randrange(11)
    n = len(b)
    if op == 0:  # bit flips
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)
    elif op == 1:  # random bytes
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(n)] = rng.randrange(256)
    elif op == 2:  # truncation
        del b[rng.randrange(n):]
    elif op == 3:  # long-form / indefinite length at a header
        pos = rng.choice(headers)
        tag_len = 2 if (b[pos] & 0x1F) == 0x1F else 1
        lpos = pos + tag_len
        first = b[lpos] if lpos < n else 0
        old = 1 + (first & 0x7F if first & 0x80 else 0)
        b[lpos : lpos + old] = rng.choice(LONG_LENGTHS)
    elif op == 4:  # length off by a little
        pos = rng.choice(headers)
        tag_len = 2 if (b[pos] & 0x1F) == 0x1F else 1
        lpos = pos + tag_len
        if lpos < n:
            b[lpos] = (b[lpos] + rng.choice([-2, -1, 1, 2, 0x40])) & 0xFF
    elif op == 5:  # deep nesting spliced at a header
        pos = rng.choice(headers)
        depth = rng.choice([8, 40, 200, 1000])
        tag = rng.choice([0x30, 0x31, 0xA0, 0x7F, 0x61])
        inner = bytes(b[pos:])
        for _ in range(depth):
            inner = bytes([tag]) + tlv.encode_length(min(len(inner), 0xFFFF))[:3] + inner
            if len(inner) > 200_000:
                break
        b[pos:] = inner
    elif op == 6:  # insert random bytes
        i = rng.randrange(n + 1)
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif op == 7:  # delete a chunk
        i = rng.randrange(n)
        del b[i : i + rng.randint(1, 16)]
    elif op == 8:  # duplicate a chunk
        i = rng.randrange(n)
        chunk = b[i : i + rng.randint(1, 64)]
        j = rng.randrange(n + 1)
        b[j:j] = chunk
    elif op == 9:  # change a tag
        pos = rng.choice(headers)
        b[pos] = rng.choice([0x00, 0xFF, 0x1F, 0x5F, 0x7F, 0x30, 0x31, 0x02, 0x04, 0x06, 0x0C, 0x13, 0x80, 0xBF])
    else:  # trailing garbage
        b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return bytes(b)


@pytest.mark.slow
def test_fuzz_every_lds_parser():
    rng = random.Random(SEED)
    corpus = [(name, raw, header_offsets(raw)) for name, raw in seeds()]
    names = {name for name, _, _ in corpus}
    assert names >= {"COM", "SOD", "CardAccess", "CardSecurity"} | {f"DG{n}" for n in (1, 2, 3, 5, 7, 11, 12, 13, 14, 15, 16)}
    failures: list[str] = []
    parsed_ok = errors = cases = 0
    slowest = 0.0
    start = time.perf_counter()
    while cases < CASES:
        name, raw, headers = corpus[cases % len(corpus)]
        data = mutate(rng, raw, headers)
        if rng.random() < 0.15:
            data = mutate(rng, data, header_offsets(data) or [0]) if data else data
        t0 = time.perf_counter()
        try:
            registry.parse_file(name, data)
            parsed_ok += 1
        except ParseError as exc:
            errors += 1
            if exc.file != name or exc.offset is None or not 0 <= exc.offset <= len(data):
                failures.append(f"{name}: ParseError without file/offset in input: {exc!r} {exc.file} {exc.offset}")
        except Exception as exc:  # noqa: BLE001 - this is what the test looks for
            failures.append(f"{name}: {type(exc).__name__}: {exc} input={data[:200].hex()}")
        if cases % 7 == 0:
            try:
                d = inspect.describe(name, data)
                if cases % 70 == 0:
                    json.dumps(d)
            except Exception as exc:  # noqa: BLE001
                failures.append(f"describe {name}: {type(exc).__name__}: {exc} input={data[:200].hex()}")
        slowest = max(slowest, time.perf_counter() - t0)
        cases += 1
        if len(failures) >= 5:
            break
    elapsed = time.perf_counter() - start
    print(f"fuzz: {cases} cases in {elapsed:.1f}s, {parsed_ok} parsed, {errors} ParseError, slowest {slowest*1000:.1f} ms")
    assert not failures, "\n".join(failures)
    assert slowest < MAX_CASE_S
    assert parsed_ok > 0 and errors > 0


@pytest.mark.parametrize("index", range(len(seeds())))
def test_huge_declared_length_allocates_nothing(index):
    name, raw = seeds()[index]
    tag_len = 2 if (raw[0] & 0x1F) == 0x1F else 1
    first = raw[tag_len]
    old = 1 + (first & 0x7F if first & 0x80 else 0)
    data = raw[:tag_len] + b"\x84\xff\xff\xff\xff" + raw[tag_len + old :]
    tracemalloc.start()
    try:
        with pytest.raises(ParseError) as ei:
            registry.parse_file(name, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ei.value.offset == 0
    assert peak < 64 * len(data) + 256 * 1024


def test_seeds_parse_and_rebuild_exactly():
    for name, raw in seeds():
        info = registry.by_name(name)
        value = info.parse(raw)
        assert info.build(value) == raw, name
        assert info.parse(info.build(value)) == value, name
