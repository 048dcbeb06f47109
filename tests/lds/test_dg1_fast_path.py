"""``dg1.parse`` reads the common form ``61 L 5F1F L' MRZ`` inline (issue 13): it must give the very
value and the very error (message and offset) of the TLV walk, on TD1/TD2/TD3 DG1s and on every
one-byte change and cut of them."""

from __future__ import annotations

from typing import Callable, Union

from cccd_chip.errors import ParseError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import dg1
from cccd_chip.lds.dg1 import DG1


def _reference(raw: bytes) -> DG1:
    """DG1 read by the TLV walk alone."""
    outer = tlv.decode_one(raw, expected_tag=dg1.TAG, file=dg1.FILE)
    base = len(raw) - len(outer.value)
    found = [t for t in tlv.iter_tlv(outer.value, file=dg1.FILE) if t.tag == dg1.MRZ_TAG]
    if len(found) != 1:
        raise ParseError("DG1 must hold exactly one MRZ (5F1F)", file=dg1.FILE, offset=base)
    return dg1.parse_mrz(found[0].value.decode("latin-1"), raw=raw, file=dg1.FILE, offset=base + found[0].offset)


def _outcome(fn: Callable[[bytes], DG1], raw: bytes) -> Union[DG1, tuple[str, object, object]]:
    try:
        return fn(raw)
    except ParseError as e:
        return (e.message, e.offset, e.file)


def _samples() -> list[bytes]:
    out = []
    for fmt in ("TD1", "TD2", "TD3"):
        value = dg1.make(fmt, document_code="I" if fmt != "TD3" else "P", issuing_state="VNM", document_number="C03000123",
                         date_of_birth="900101", sex="F", date_of_expiry="350101", nationality="VNM",
                         primary_identifier="NGUYEN", secondary_identifier="THI LAN", optional_data_1="0012345")
        out.append(dg1.build(value))
    return out


def test_inline_read_equals_the_tlv_walk_on_every_byte_change_and_cut() -> None:
    samples = _samples()
    samples.append(b"\x61\x81" + bytes([len(samples[2]) - 2]) + samples[2][2:])  # long-form length: the walk
    for raw in samples:
        assert _outcome(dg1.parse, raw) == _outcome(_reference, raw)
        for i in range(min(len(raw), 12)):  # the header bytes and the first MRZ characters
            for mask in (0x01, 0x02, 0x20, 0x40, 0x80, 0xFF):
                b = bytearray(raw)
                b[i] ^= mask
                assert _outcome(dg1.parse, bytes(b)) == _outcome(_reference, bytes(b)), (raw.hex(), i, mask)
        for cut in range(len(raw)):
            assert _outcome(dg1.parse, raw[:cut]) == _outcome(_reference, raw[:cut])
        assert _outcome(dg1.parse, raw + b"\x00") == _outcome(_reference, raw + b"\x00")
