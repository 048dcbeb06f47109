"""CommandApdu.encode's written-out short case equals the general ISO/IEC 7816-3 §12.1 encoding."""

from hypothesis import given, strategies as st

from cccd_chip.iso7816.apdu import EXT_MAX_LE, SHORT_MAX_LE, CommandApdu


def _general(c: CommandApdu) -> bytes:
    """The encoding as the general path writes it (header, Lc, data, Le; short or extended)."""
    out = bytearray(c.header)
    ext = c.is_extended
    if c.data:
        out += (b"\x00" + len(c.data).to_bytes(2, "big")) if ext else bytes((len(c.data),))
        out += c.data
    if c.le is not None:
        if ext:
            if not c.data:
                out.append(0)
            out += (0 if c.le == EXT_MAX_LE else c.le).to_bytes(2, "big")
        else:
            out.append(0 if c.le == SHORT_MAX_LE else c.le)
    return bytes(out)


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300),
       st.one_of(st.none(), st.integers(1, 300), st.just(65536)), st.booleans())
def test_every_apdu_encodes_as_the_general_path(cla, ins, data, le, ext):
    c = CommandApdu(cla, ins, 0x12, 0x34, data, le, ext and (bool(data) or le is not None))
    assert c.encode() == _general(c)
    assert CommandApdu.decode(c.encode()).encode() == c.encode()


def test_out_of_range_header_bytes_are_refused():
    import pytest

    for args in ((256, 0, 0, 0), (0, -1, 0, 0), (0, 0, 300, 0), (0, 0, 0, 256)):
        with pytest.raises(ValueError):
            CommandApdu(*args)
