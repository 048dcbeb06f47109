"""Class (h), the CBOR form: an attacker hands over hostile ``.cbor`` files.

Thousands of mutations of genuine CBOR dumps (byte flips, truncations, edited heads and lengths,
inserted and removed spans) go through ``Document.from_cbor_bytes``: each is a Document or a
``DumpFormatError``, never another exception; what loads re-encodes to itself. A sample goes
through ``cccd verify`` in a real process: an exit code of the documented table (0, 1, 3, 6),
never a traceback. Then the bounds through the command: a header claiming 2^63 bytes, nesting
200 000 levels deep, a file over the size limit (sparse, never read whole), a FIFO named
``x.cbor`` (never opened for reading).
"""

from __future__ import annotations

import os
import random

import pytest

from adversary import AT_TEXT, run_cli, verify_outcome
from cccd_chip.cbor_input import MAGIC
from cccd_chip.document import MAX_DUMP_JSON, Document
from cccd_chip.errors import DumpFormatError

DUMP_FORMAT = dict(expect="error", reason="DUMP_FORMAT", exit_code=6)
VERIFY_EXIT_CODES = {0, 1, 3, 6}  # docs/cli.md: successful, failed, undetermined, malformed


def mutate(rng: random.Random, base: bytes) -> bytes:
    raw = bytearray(base)
    op = rng.randrange(6)
    if op == 0:  # byte flips
        for _ in range(rng.randint(1, 3)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
    elif op == 1:  # truncation
        del raw[rng.randrange(len(raw)):]
    elif op == 2:  # a length edited: the additional information of some byte
        p = rng.randrange(len(raw))
        raw[p] = (raw[p] & 0xE0) | rng.choice([24, 25, 26, 27, 28, 31, rng.randrange(24)])
    elif op == 3:  # a head's major type edited
        p = rng.randrange(len(raw))
        raw[p] = (raw[p] & 0x1F) | rng.randrange(8) << 5
    elif op == 4:  # bytes inserted
        p = rng.randrange(len(raw))
        raw[p:p] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
    else:  # a span removed, small or large
        p = rng.randrange(len(raw))
        del raw[p:p + rng.choice([1, 2, 5, 100, 5000])]
    return bytes(raw)


@pytest.mark.parametrize("profile", ("cccd-2021", "passport-bac", "passport-pace-cam"))
def test_mutated_cbor_dumps_are_a_document_or_a_dump_format_error(genuine, profile):
    g = genuine(profile)
    base = g.doc.to_cbor_bytes()
    rng = random.Random(profile)
    loaded = refused = 0
    for _ in range(2500):
        raw = mutate(rng, base)
        try:
            doc = Document.from_cbor_bytes(raw)
        except DumpFormatError:
            refused += 1
            continue
        loaded += 1
        assert Document.from_cbor_bytes(doc.to_cbor_bytes()) == doc  # one meaning, written back
    assert refused > 1000 and loaded > 20, (loaded, refused)  # both sides of the judge are exercised


def test_mutated_dumps_through_the_command(genuine, judge, tmp_path):
    g = genuine("cccd-2021")
    base = g.doc.to_cbor_bytes()
    rng = random.Random(6)
    folder = tmp_path / "mutants"
    folder.mkdir()
    for i in range(12):
        (folder / f"m{i:02}.cbor").write_bytes(mutate(rng, base))
    trust = ("--csca", g.card_dir / "csca.pem", "--at", AT_TEXT)
    for i in (0, 1, 2):
        r = run_cli("verify", folder / f"m{i:02}.cbor", *trust)
        assert r.code in VERIFY_EXIT_CODES and "Traceback" not in r.err, (r.code, r.err)
        # a mutation of an unsigned member (tool, read_at) may still verify: successful is then the answer
        judge(r.outcome, expect="successful" if r.code == 0 else ("failed", "undetermined", "error"))
    r = run_cli("verify", folder, *trust, "--workers", "1")
    assert r.code in VERIFY_EXIT_CODES and "Traceback" not in r.err + r.out, (r.code, r.err)
    assert len(r.out.strip().splitlines()) == 12


def _header_claims(size_head: bytes) -> bytes:
    return MAGIC + bytes.fromhex("a1") + b"\x65files" + bytes.fromhex("a1") + b"\x63DG1" + size_head + b"\x00" * 16


@pytest.mark.parametrize("name,raw", [
    ("byte string of 2^63-1 bytes", _header_claims(bytes.fromhex("5b7fffffffffffffff"))),
    ("byte string of 2^64-1 bytes", _header_claims(bytes.fromhex("5bffffffffffffffff"))),
    ("map of 2^63-1 pairs", MAGIC + bytes.fromhex("bb7fffffffffffffff") + b"\x00" * 8),
    ("array nested 200 000 deep", MAGIC + b"\xa1\x65files" + b"\x81" * 200_000 + b"\x00"),
    ("indefinite arrays 200 000 deep", MAGIC + b"\xa1\x65files" + b"\x9f" * 200_000),
    ("chunk of 2^32-1 bytes", _header_claims(bytes.fromhex("5f5affffffff"))),
])
def test_hostile_headers(genuine, judge, tmp_path, name, raw):
    g = genuine("cccd-2021")
    judge(verify_outcome(lambda: Document.from_cbor_bytes(raw), g.store), **DUMP_FORMAT)
    path = tmp_path / "hostile.cbor"
    path.write_bytes(raw)
    judge(verify_outcome(lambda: Document.load(path), g.store), **DUMP_FORMAT)


def test_hostile_files_through_the_command(genuine, judge, tmp_path):
    g = genuine("cccd-2021")
    deep = tmp_path / "deep.cbor"
    deep.write_bytes(MAGIC + b"\x81" * 300_000 + b"\x00")
    huge = tmp_path / "huge.cbor"
    with open(huge, "wb") as f:  # sparse: over the limit without writing it
        f.write(MAGIC)
        f.truncate(MAX_DUMP_JSON + 1)
    fifo = tmp_path / "fifo.cbor"
    os.mkfifo(fifo)
    for path in (deep, huge, fifo):
        r = run_cli("verify", path, "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT, timeout=60)
        assert "Traceback" not in r.err, r.err
        judge(r.outcome, expect="error", exit_code=6)
