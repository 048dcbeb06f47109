"""APDU encoding in the four ISO cases, short and extended (ISO/IEC 7816-3 §12.1)."""

import pytest
from hypothesis import given, strategies as st

from cccd_chip.errors import MalformedResponseError, ParseError
from cccd_chip.iso7816 import commands, sw
from cccd_chip.iso7816.apdu import CommandApdu, ResponseApdu


@pytest.mark.parametrize("cmd, raw", [
    (CommandApdu(0, 0x84, 0, 0), "00840000"),
    (CommandApdu(0, 0x84, 0, 0, le=8), "0084000008"),
    (CommandApdu(0, 0xB0, 0, 0, le=256), "00B0000000"),
    (CommandApdu(0, 0xB0, 0, 0, le=65536), "00B00000000000"),
    (CommandApdu(0, 0xB0, 0, 0, le=1000), "00B000000003E8"),
    (CommandApdu(0, 0xA4, 2, 0x0C, b"\x01\x1e"), "00A4020C02011E"),
    (CommandApdu(0, 0x82, 0, 0, b"\xaa" * 2, 0x28), "0082000002AAAA28"),
    (CommandApdu(0, 0x82, 0, 0, b"\xaa" * 300, 256), "0082000000012C" + "AA" * 300 + "0100"),
    (CommandApdu(0, 0xB0, 0, 0, le=256, extended=True), "00B00000000100"),
])
def test_encode_decode_exact(cmd, raw):
    assert cmd.encode().hex().upper() == raw
    d = CommandApdu.decode(bytes.fromhex(raw))
    assert (d.header, d.data, d.le, d.is_extended) == (cmd.header, cmd.data, cmd.le, cmd.is_extended)
    assert d.encode() == cmd.encode()


@given(st.binary(max_size=400), st.one_of(st.none(), st.integers(1, 65536)), st.booleans())
def test_roundtrip(data, le, ext):
    c = CommandApdu(0x0C, 0xB0, 1, 2, data, le, ext and (bool(data) or le is not None))
    d = CommandApdu.decode(c.encode())
    assert (d.data, d.le, d.is_extended) == (c.data, c.le, c.is_extended)


@pytest.mark.parametrize("raw", ["00B0", "00B0000002AA", "00B00000000000AA", "00B000000005AABB"])
def test_decode_malformed(raw):
    with pytest.raises(ParseError):
        CommandApdu.decode(bytes.fromhex(raw))


def test_response():
    r = ResponseApdu.decode(bytes.fromhex("01029000"))
    assert r.data == b"\x01\x02" and r.sw == 0x9000 and r.ok
    with pytest.raises(MalformedResponseError):
        ResponseApdu.decode(b"\x90")


def test_builders():
    assert commands.select_aid().encode().hex().upper() == "00A4040C07A0000002471001"
    assert commands.read_binary(0, 0xDF, sfi=0x1C).encode().hex().upper() == "00B09C00DF"
    assert commands.read_binary(0x1234, 0x10).encode().hex().upper() == "00B0123410"
    odd = commands.read_binary(40000, 0xDF)
    assert odd.ins == 0xB1 and odd.data == bytes.fromhex("54029C40")
    with pytest.raises(ValueError):
        commands.read_binary(300, 1, sfi=1)
    assert commands.general_authenticate(b"", last=False).cla == 0x10


def test_status_words():
    assert sw.describe(0x6982) == "security status not satisfied"
    assert "more bytes" in sw.describe(0x6110)
    assert "3 tries" in sw.describe(0x63C3)
    assert sw.error_for(0x6A82, "SELECT", file="DG11").reason == "FILE_NOT_FOUND"
