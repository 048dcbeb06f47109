"""The CBOR decoder and encoder of the binary dump form (cccd_chip/cbor_input.py, cbor_output.py).

The independent judge is RFC 8949 itself: the worked examples of Appendix A (encoded bytes and
the value they stand for) for every type the dump form accepts, the refusal of every other type
of Appendix A, and the not-well-formed examples of Appendix F. Then each refusal kind, the
bounds (declared lengths far beyond the input, nesting at and beyond the limit, 64-bit edges),
indefinite and non-shortest forms, and a fuzz: random and mutated inputs raise nothing but the
caller's exception class, and what decodes encodes back to the same value.
"""

from __future__ import annotations

import random

import pytest

from cccd_chip.cbor_input import MAGIC, CborInputError, load_cbor
from cccd_chip.cbor_output import dump_cbor
from cccd_chip.errors import CccdError, DumpFormatError, UsageError

LIMIT = 1 << 20


def dec(hexstr: str, **kw) -> object:
    """``hexstr`` (spaces allowed) decoded without the magic."""
    return load_cbor(bytes.fromhex(hexstr.replace(" ", "")), max_size=kw.pop("max_size", LIMIT), magic=False, **kw)


def kind_of(raw: bytes, **kw) -> str:
    with pytest.raises(CborInputError) as e:
        load_cbor(raw, max_size=kw.pop("max_size", LIMIT), **kw)
    return e.value.kind


def refused(hexstr: str, **kw) -> str:
    return kind_of(bytes.fromhex(hexstr.replace(" ", "")), magic=False, **kw)


# --- RFC 8949 Appendix A: the types the dump form holds -----------------------------------------------

APPENDIX_A = [  # (encoded, value): every example of the types the dump form accepts
    ("00", 0), ("01", 1), ("0a", 10), ("17", 23), ("1818", 24), ("1819", 25), ("1864", 100),
    ("1903e8", 1000), ("1a000f4240", 1000000), ("1b000000e8d4a51000", 1000000000000),
    ("20", -1), ("29", -10), ("3863", -100), ("3903e7", -1000),
    ("f4", False), ("f5", True), ("f6", None),
    ("40", b""), ("4401020304", b"\x01\x02\x03\x04"),
    ("60", ""), ("6161", "a"), ("6449455446", "IETF"), ("62225c", "\"\\"), ("62c3bc", "\u00fc"),
    ("63e6b0b4", "\u6c34"), ("64f0908591", "\U00010151"),
    ("80", []), ("83010203", [1, 2, 3]), ("8301820203820405", [1, [2, 3], [4, 5]]),
    ("98190102030405060708090a0b0c0d0e0f101112131415161718181819", list(range(1, 26))),
    ("a0", {}), ("a26161016162820203", {"a": 1, "b": [2, 3]}), ("826161a161626163", ["a", {"b": "c"}]),
    ("a56161614161626142616361436164614461656145", {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}),
]

APPENDIX_A_INDEFINITE = [  # the indefinite-length examples (RFC 8949 §3.2.2, §3.2.3), and the preferred
    # serialization of their value (definite lengths, §4.2.1)
    ("5f42010243030405ff", b"\x01\x02\x03\x04\x05", "450102030405"),
    ("7f657374726561646d696e67ff", "streaming", "6973747265616d696e67"),
    ("9fff", [], "80"),
    ("9f018202039f0405ffff", [1, [2, 3], [4, 5]], "8301820203820405"),
    ("9f01820203820405ff", [1, [2, 3], [4, 5]], "8301820203820405"),
    ("83018202039f0405ff", [1, [2, 3], [4, 5]], "8301820203820405"),
    ("83019f0203ff820405", [1, [2, 3], [4, 5]], "8301820203820405"),
    ("9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", list(range(1, 26)),
     "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}, "a26161016162820203"),
    ("826161bf61626163ff", ["a", {"b": "c"}], "826161a161626163"),
    ("bf6346756ef563416d7421ff", {"Fun": True, "Amt": -2}, "a26346756ef563416d7421"),
]

APPENDIX_A_REFUSED = [  # the other examples of Appendix A: types a dump never holds
    ("1bffffffffffffffff", "int-range"),  # 18446744073709551615
    ("3bffffffffffffffff", "int-range"),  # -18446744073709551616
    ("c249010000000000000000", "tag"),  # bignum 18446744073709551616
    ("c349010000000000000000", "tag"),  # bignum -18446744073709551617
    ("f90000", "unsupported"), ("f98000", "unsupported"), ("f93c00", "unsupported"),  # half floats
    ("fb3ff199999999999a", "unsupported"), ("f93e00", "unsupported"), ("f97bff", "unsupported"),
    ("fa47c35000", "unsupported"), ("fa7f7fffff", "unsupported"), ("fb7e37e43c8800759c", "unsupported"),
    ("f90001", "unsupported"), ("f90400", "unsupported"), ("f9c400", "unsupported"),
    ("fbc010666666666666", "unsupported"), ("f97c00", "unsupported"), ("f97e00", "unsupported"),
    ("f9fc00", "unsupported"), ("fa7f800000", "unsupported"), ("fa7fc00000", "unsupported"),
    ("faff800000", "unsupported"), ("fb7ff0000000000000", "unsupported"), ("fb7ff8000000000000", "unsupported"),
    ("fbfff0000000000000", "unsupported"),
    ("f7", "unsupported"),  # undefined
    ("f0", "unsupported"), ("f8ff", "unsupported"),  # simple(16), simple(255)
    ("c074323031332d30332d32315432303a30343a30305a", "tag"), ("c11a514b67b0", "tag"),
    ("c1fb41d452d9ec200000", "tag"), ("d74401020304", "tag"), ("d818456449455446", "tag"),
    ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", "tag"),
    ("a201020304", "key-type"),  # {1: 2, 3: 4}
]


@pytest.mark.parametrize("encoded,value", APPENDIX_A + [(e, v) for e, v, _ in APPENDIX_A_INDEFINITE])
def test_appendix_a_decodes(encoded, value):
    got = dec(encoded)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("encoded,value", APPENDIX_A)
def test_appendix_a_encodes_in_the_preferred_serialization(encoded, value):
    """The definite examples of Appendix A are the preferred serialization (§4.2.1): the encoder's bytes."""
    assert dump_cbor(value) == MAGIC + bytes.fromhex(encoded)


@pytest.mark.parametrize("encoded,value,definite", APPENDIX_A_INDEFINITE)
def test_indefinite_forms_encode_definite(encoded, value, definite):
    assert dump_cbor(value) == MAGIC + bytes.fromhex(definite)
    assert dec(definite) == value


@pytest.mark.parametrize("encoded,kind", APPENDIX_A_REFUSED)
def test_appendix_a_types_outside_the_dump_form_are_refused(encoded, kind):
    assert refused(encoded) == kind


# --- RFC 8949 Appendix F: not well-formed ---------------------------------------------------------------

NOT_WELL_FORMED = {
    # F.1 end of input in a head, or in a definite string / container
    "truncated": ["18", "19", "1a", "1b", "1901", "1a0102", "1b01020304050607", "38", "58", "78", "98",
                  "9a01ff00", "b8", "f8", "41", "61", "5affffffff00",
                  "5bffffffffffffffff010203", "7affffffff00", "7b7fffffffffffffff010203", "8201", "9a00000001",
                  "a16161", "a261610161", "5f4100", "5f41", "7f6100", "9f", "9f0102", "bf", "bf616101",
                  "82009f", "9f80", "bf6161", "a1ff"],
    # F.1 reserved additional information 28-30
    "malformed": ["1c", "1d", "1e", "3c", "3d", "3e", "5c", "5d", "5e", "7c", "7d", "7e", "9c", "9d", "9e",
                  "bc", "bd", "be", "fc", "fd", "fe",
                  # indefinite length on a major type without one
                  "1f", "3f",
                  # break where no indefinite item ends
                  "ff", "81ff", "8200ff", "a2616101ff00", "a16161ff", "9f81ff",
                  # chunks that are no definite string of the same major type
                  "5f00ff", "5f21ff", "5f6100ff", "5f80ff", "5fa0ff", "5fc000ff", "5fe0ff", "7f4100ff",
                  "5f5f4100ffff", "7f7f6100ffff",
                  # an indefinite map that ends after a key
                  "bf6161ff",
                  # two-byte simple values below 32
                  "f800", "f801", "f818", "f81f"],
}


@pytest.mark.parametrize("kind,encoded", [(k, e) for k, es in NOT_WELL_FORMED.items() for e in es])
def test_appendix_f_not_well_formed(kind, encoded):
    assert refused(encoded) == kind


def test_a_tag_is_refused_at_its_initial_byte_whatever_follows():
    for encoded in ("d8", "dc", "dd", "de", "df", "c0", "d9d9f7"):  # truncated, reserved, indefinite: a tag
        assert refused(encoded) == "tag", encoded
    for encoded in ("f9", "f900", "fa0000", "fb000000"):  # a float, however short the input
        assert refused(encoded) == "unsupported", encoded


# --- accepted constructs beyond Appendix A ------------------------------------------------------------

@pytest.mark.parametrize("encoded,value", [
    ("1800", 0), ("190001", 1), ("1a00000001", 1), ("1b0000000000000001", 1), ("3800", -1),
    ("5801ff", b"\xff"), ("590001ff", b"\xff"), ("5b0000000000000001ff", b"\xff"),
    ("780161", "a"), ("7a0000000161", "a"), ("980101", [1]), ("9b000000000000000101", [1]),
    ("b801616101", {"a": 1}), ("5f5801ff4100ff", b"\xff\x00"), ("7f780161ff", "a"), ("5fff", b""), ("7fff", ""),
    ("bfff", {}), ("bf7f6161ff01ff", {"a": 1}),
])
def test_non_shortest_and_indefinite_forms_mean_the_same(encoded, value):
    assert dec(encoded) == value


def test_64_bit_edges():
    assert dec("1b7fffffffffffffff") == (1 << 63) - 1
    assert dec("3b7fffffffffffffff") == -(1 << 63)
    assert refused("1b8000000000000000") == "int-range"
    assert refused("3b8000000000000000") == "int-range"
    assert dump_cbor((1 << 63) - 1) == MAGIC + bytes.fromhex("1b7fffffffffffffff")
    assert dump_cbor(-(1 << 63)) == MAGIC + bytes.fromhex("3b7fffffffffffffff")
    for v in ((1 << 63), -(1 << 63) - 1):
        with pytest.raises(UsageError):
            dump_cbor(v)


def test_every_head_length_boundary_round_trips():
    for n in (0, 23, 24, 255, 256, 65535, 65536, (1 << 32) - 1, 1 << 32, (1 << 63) - 1):
        for v in (n, -1 - n):
            raw = dump_cbor(v)
            assert load_cbor(raw, max_size=LIMIT) == v
            assert len(raw) == 3 + 1 + (0 if n < 24 else 1 if n < 256 else 2 if n < 65536 else 4 if n < 1 << 32 else 8)
    for n in (0, 23, 24, 255, 256, 65536):
        assert load_cbor(dump_cbor(b"\xab" * n), max_size=LIMIT) == b"\xab" * n
        assert load_cbor(dump_cbor("x" * n), max_size=LIMIT) == "x" * n
        assert load_cbor(dump_cbor(list(range(min(n, 300)))), max_size=LIMIT) == list(range(min(n, 300)))


# --- the refusal kinds ----------------------------------------------------------------------------------

def test_size_is_checked_first():
    assert kind_of(b"\xff" * 11, max_size=10) == "too-large"  # garbage, but too large before anything
    assert load_cbor(MAGIC + b"\x00", max_size=4) == 0


def test_magic():
    assert load_cbor(MAGIC + bytes.fromhex("a16161f6"), max_size=LIMIT) == {"a": None}
    assert kind_of(bytes.fromhex("a16161f6")) == "no-magic"
    assert kind_of(b"") == "no-magic"
    assert kind_of(b"\xd9\xd9") == "no-magic"
    assert kind_of(bytes.fromhex("da0000d9f7a0")) == "no-magic"  # 55799 in a longer head is no magic
    assert kind_of(MAGIC) == "truncated"
    assert kind_of(MAGIC + MAGIC + b"\xa0") == "tag"  # 55799 twice
    assert kind_of(MAGIC + bytes.fromhex("a16161d9d9f700")) == "tag"  # 55799 inside
    assert kind_of(MAGIC + bytes.fromhex("a16161c100")) == "tag"
    assert refused("d9d9f7a0") == "tag"  # without magic=True, no tag anywhere


def test_trailing_bytes():
    assert refused("0000") == "trailing-bytes"
    assert kind_of(MAGIC + b"\xa0\xa0") == "trailing-bytes"
    assert kind_of(MAGIC + b"\xa0\xff") == "trailing-bytes"


def test_text_must_be_utf8():
    for bad in ("62c328", "63eda080", "62c080", "61ff", "64f4908080", "7f61c361bcff"):
        assert refused(bad) == "not-utf8", bad  # invalid, a UTF-8 surrogate, overlong, > U+10FFFF, split
    assert refused("a162c3280f") == "not-utf8"  # as a map key too


def test_map_keys():
    for bad in ("a10102", "a1416101", "a1f601", "a18001", "a1a001", "a1c06161", "bf0102ff", "a1f401"):
        assert refused(bad) in ("key-type", "tag"), bad
    assert refused("a10102") == "key-type"
    for dup in ("a2616101616102", "bf616101616102ff", "a26161017801610f", "a261610f7f6161ff0f",
                "a3616101616202616101"):
        assert refused(dup) == "duplicate-key", dup
    assert dec("a2616101614101") == {"a": 1, "A": 1}  # keys differ by case: two keys


def test_declared_lengths_beyond_the_input_allocate_nothing():
    for head in ("5b", "7b", "9b", "bb"):
        assert refused(head + "7fffffffffffffff") == "truncated"
        assert refused(head + "ffffffffffffffff") == "truncated"
    assert refused("5f5b7fffffffffffffffff") == "truncated"  # a chunk's length
    assert refused("9a7fffffff" + "00" * 100) == "truncated"  # more items than bytes left
    assert refused("ba7fffffff" + "00" * 100) == "truncated"  # a map needs two bytes a pair
    assert refused("a2616101") == "truncated"  # a definite map runs out of pairs


@pytest.mark.parametrize("depth", [1, 2, 15, 16])
def test_nesting_at_the_limit_is_accepted_beyond_refused(depth):
    for opener in ("81", "9f", "a16161", "bf6161"):
        closer = "ff" if opener in ("9f", "bf6161") else ""
        raw = opener * depth + "00" + closer * depth
        assert dec(raw, max_depth=depth) is not None
        assert refused(opener + raw + closer, max_depth=depth) == "too-deep"


@pytest.mark.parametrize("levels", [129, 1000, 200_000])
def test_deep_nesting_never_recurses_without_bound(levels):
    for opener in (b"\x81", b"\x9f", b"\xa1\x61\x61"):
        raw = opener * levels + b"\x00"
        assert kind_of(raw, magic=False, max_size=len(raw), max_depth=16) == "too-deep"
        assert kind_of(raw, magic=False, max_size=len(raw), max_depth=10**6) == "too-deep"  # capped at 128


def test_errors_are_the_callers_class_with_kind_offset_and_no_input_quoted():
    secret = "NGUYEN VAN SECRET"
    raw = MAGIC + dump_cbor({"a": secret, "b": secret})[3:] + b"\x00"
    with pytest.raises(DumpFormatError) as e:
        load_cbor(raw, max_size=LIMIT, what="dump.cbor is not an acceptable CBOR dump", error=DumpFormatError)
    assert e.value.kind == "trailing-bytes" and e.value.offset == len(raw) - 1
    assert "SECRET" not in str(e.value) and str(e.value).startswith("dump.cbor is not an acceptable CBOR dump: ")
    dup = MAGIC + bytes.fromhex("a2") + dump_cbor(secret)[3:] + b"\x00" + dump_cbor(secret)[3:] + b"\x00"
    with pytest.raises(DumpFormatError) as e:
        load_cbor(dup, max_size=LIMIT, error=DumpFormatError)
    assert e.value.kind == "duplicate-key" and "SECRET" not in str(e.value)


def test_encoder_refuses_what_the_decoder_refuses():
    for bad in (1.5, float("nan"), {1: 2}, {"a": object()}, "\ud800", {"a": set()}):
        with pytest.raises(UsageError):
            dump_cbor(bad)
    deep: object = 0
    for _ in range(65):
        deep = [deep]
    with pytest.raises(UsageError):
        dump_cbor(deep)


def test_bytes_like_inputs():
    raw = dump_cbor({"a": b"\x01"})
    assert load_cbor(bytearray(raw), max_size=LIMIT) == load_cbor(memoryview(raw), max_size=LIMIT) == {"a": b"\x01"}
    assert type(load_cbor(bytearray(raw), max_size=LIMIT)["a"]) is bytes


# --- fuzz: nothing but the caller's class, and what decodes encodes back -----------------------------

SAMPLE = {"format": "cccd-dump", "version": 1, "tool": "cccd 0.1.0", "read_at": None, "source": "virtual",
          "access": {"protocol": "PACE", "password": "CAN", "parameter_id": 13, "fallback": False},
          "evidence": {"chip_auth": {"key_id": None, "verified": True, "x": ["A0", "B1", -5, 70000]}},
          "absent": {"DG3": "6982"}, "files": {"DG1": bytes(range(90)), "DG2": bytes(300), "SOD": b"\x30" * 40}}


def _check(raw: bytes) -> None:
    try:
        value = load_cbor(raw, max_size=LIMIT, max_depth=16)
    except CborInputError as e:
        assert e.kind in ("truncated", "trailing-bytes", "malformed", "too-deep", "int-range", "not-utf8",
                          "unsupported", "tag", "no-magic", "key-type", "duplicate-key"), e.kind
        return
    assert load_cbor(dump_cbor(value), max_size=LIMIT, max_depth=16) == value  # encoder and decoder agree


def test_fuzz_mutated_inputs():
    rng = random.Random(8949)
    base = dump_cbor(SAMPLE)
    _check(base)
    for i in range(6000):
        raw = bytearray(base)
        op = i % 5
        if op == 0:  # byte flips
            for _ in range(rng.randint(1, 4)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        elif op == 1:  # truncation
            del raw[rng.randrange(len(raw)):]
        elif op == 2:  # a head byte's additional information edited (lengths, argument sizes)
            p = rng.randrange(3, len(raw))
            raw[p] = (raw[p] & 0xE0) | rng.choice([24, 25, 26, 27, 28, 31, rng.randrange(32)])
        elif op == 3:  # bytes inserted
            p = rng.randrange(len(raw))
            raw[p:p] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
        else:  # a span removed
            p = rng.randrange(len(raw))
            del raw[p:p + rng.randint(1, 40)]
        _check(bytes(raw))


def test_fuzz_random_inputs():
    rng = random.Random(55799)
    for _ in range(6000):
        n = rng.randint(0, 40)
        body = bytes(rng.randrange(256) for _ in range(n))
        _check(MAGIC + body)
        _check(body)
    # inputs made of heads only: every major type and additional information, nested at random
    heads = [bytes([m << 5 | ai]) for m in range(8) for ai in range(32)]
    for _ in range(3000):
        _check(MAGIC + b"".join(rng.choice(heads) + bytes(rng.randrange(3)) for _ in range(rng.randint(1, 12))))


def test_decoder_only_raises_project_errors_on_its_own():
    """Without the caller's class: CborInputError, a CccdError (exit 6 through ParseError)."""
    assert issubclass(CborInputError, CccdError)
    with pytest.raises(CborInputError):
        load_cbor(b"\x00", max_size=LIMIT)
