"""BER-TLV codec: exact encoding, hard limits, only ParseError for bad input."""

import random

import pytest
from hypothesis import given, settings, strategies as st

from cccd_chip.errors import ParseError
from cccd_chip.iso7816 import tlv


def test_encode_lengths_der():
    assert tlv.encode_length(0) == b"\x00"
    assert tlv.encode_length(127) == b"\x7f"
    assert tlv.encode_length(128) == b"\x81\x80"
    assert tlv.encode_length(256) == b"\x82\x01\x00"
    assert tlv.encode(0x5F1F, b"AB") == b"\x5f\x1f\x02AB"
    assert tlv.encode(0x7F61, b"") == b"\x7f\x61\x00"


def test_decode_nested_tree_and_offsets():
    inner = tlv.encode(0x02, b"\x01") + tlv.encode(0x5F1F, b"xyz")
    data = tlv.encode(0x61, tlv.encode(0x30, inner))
    (root,) = tlv.decode_tree(data)
    assert root.tag == 0x61 and root.constructed
    seq = root.find(0x30)
    assert [c.tag for c in seq.children] == [0x02, 0x5F1F]
    assert seq.children[1].value == b"xyz"
    assert seq.children[1].offset == data.index(b"\x5f\x1f")


def test_length_larger_than_data_is_rejected_with_offset():
    with pytest.raises(ParseError) as e:
        tlv.decode_one(b"\x61\x84\xff\xff\xff\xff\x00")
    assert e.value.offset == 0 and "exceeds" in str(e.value)


def test_four_gigabyte_length_prefix_is_bounded():
    total, hlen = tlv.total_length_from_prefix(b"\x77\x84\xff\xff\xff\xff")
    assert total == 0xFFFFFFFF + 6 and hlen == 6  # the caller bounds it by its max size


def test_too_many_length_bytes_indefinite_and_trailing():
    for bad in (b"\x30\x85\x00\x00\x00\x00\x01", b"\x30\x80\x00\x00", b"\x01\x01\x00\x00"):
        with pytest.raises(ParseError):
            tlv.decode_one(bad)


def test_depth_is_bounded():
    data = b"\x05\x00"
    for _ in range(100):
        data = tlv.encode(0x30, data)
    with pytest.raises(ParseError, match="deep"):
        tlv.decode_tree(data)
    assert tlv.decode_tree(data, max_depth=200)


def test_tag_too_long():
    with pytest.raises(ParseError):
        tlv.read_tag(b"\x5f\xff\xff\xff\x01\x00")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0x04, 0x5F1F, 0x7F61, 0x80, 0x9F1A]), st.binary(max_size=300)),
                max_size=5))
def test_roundtrip(items):
    data = tlv.encode_many(items)
    assert [(t.tag, t.value) for t in tlv.decode(data)] == items


def test_fuzz_only_parse_error():
    rnd = random.Random(7)
    seed = tlv.encode(0x61, tlv.encode(0x5F1F, b"A" * 90) + tlv.encode(0x7F61, tlv.encode(0x02, b"\x01")))
    for _ in range(20000):
        b = bytearray(seed)
        for _ in range(rnd.randint(1, 4)):
            op = rnd.random()
            i = rnd.randrange(len(b)) if b else 0
            if op < 0.5 and b:
                b[i] ^= 1 << rnd.randrange(8)
            elif op < 0.75:
                del b[i:]
            else:
                b[i:i] = rnd.choice([b"\x84\xff\xff\xff\xff", b"\x1f\xff", b"\x30\x80", b"\x00"])
        try:
            tlv.decode_tree(bytes(b))
        except ParseError:
            pass
