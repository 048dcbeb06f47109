"""Quirk: SOD in BER with indefinite lengths and a segmented eContent (RFC 5652 §1.1, §5.4; issue 11 defect 1)."""

from __future__ import annotations

import hashlib

import pytest

from cccd_chip.errors import ParseError
from cccd_chip.lds import ber, cms, sod
from cccd_chip.lds._der import MAX_DER_DEPTH
from cccd_chip.verify.report import Verdict

from quirk_helpers import DSC, FILES, flip, passive, trusted, verdict_of
from cccd_chip.emulator import testpki


def _ber_sod(segment: int = 50) -> bytes:
    der = testpki.make_sod(FILES, DSC)
    return ber.indefinite(der, verbatim=frozenset({DSC.cert_der}), segment=segment)


def test_ber_sod_is_really_ber_and_verifies():
    raw = _ber_sod()
    assert raw[:2] == b"\x77\x80" and b"\x24\x80" in raw  # indefinite outer, segmented OCTET STRINGs
    parsed = sod.parse(raw)
    assert parsed.raw == raw
    # the eContent octets are exactly the concatenated segments (what the signer hashed)
    lso = parsed.signed_data.econtent
    assert parsed.signed_data.signer_infos[0].message_digest == hashlib.sha256(lso).digest()
    res = passive({**FILES, "SOD": raw})
    assert trusted(res), res.checks
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "OK")


@pytest.mark.parametrize("segment", [0, 1, 7, 1000])
def test_ber_segment_sizes(segment):
    res = passive({**FILES, "SOD": _ber_sod(segment)})
    assert trusted(res)


def test_ber_signed_attributes_are_verified_over_their_der():
    raw = _ber_sod(5)
    si = sod.parse(raw).signed_data.signer_infos[0]
    # messageDigest was segmented inside the stored signed attributes: the DER differs
    assert si.signed_attrs != si.signed_attrs_der
    assert b"\x24" not in si.signed_attrs_der[:4]


def test_tampered_twin_ber_sod_fails():
    raw = _ber_sod()
    econtent = sod.parse(raw).signed_data.econtent
    # change one byte inside a DG hash in the (segmented) eContent
    pos = raw.index(econtent[-20:-10]) if econtent[-20:-10] in raw else None
    if pos is None:  # segments split it: find a byte of the last segment
        pos = raw.rindex(b"\x04", 0, raw.index(DSC.cert_der)) + 3
    res = passive({**FILES, "SOD": flip(raw, pos)})
    assert not trusted(res)
    v, reason = verdict_of(res, "passive.signature")
    assert v is Verdict.FAILED or res.checks[0].verdict is Verdict.FAILED


def test_tampered_twin_dg_still_fails_under_ber():
    raw = _ber_sod()
    dg1 = flip(FILES["DG1"], 10)
    res = passive({**FILES, "DG1": dg1, "SOD": raw})
    assert verdict_of(res, "passive.dg_hash", "DG1") == (Verdict.FAILED, "DG_HASH_MISMATCH")


def test_ber_signature_bit_flip_fails():
    raw = _ber_sod()
    si = sod.parse(raw).signed_data.signer_infos[0]
    pos = raw.index(si.signature[:8])
    res = passive({**FILES, "SOD": flip(raw, pos + 4)})
    assert verdict_of(res, "passive.signature")[0] is Verdict.FAILED


def test_definite_keeps_der_identity():
    der = testpki.make_sod(FILES, DSC)
    assert ber.definite(der) is der


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x30\x80\x02\x01\x01", "end-of-contents missing"),
        (b"\x30\x80\x02\x01\x01\x00\x01", "malformed end-of-contents"),
        (b"\x04\x80\x00\x00", "primitive"),
        # EOC of the inner indefinite element lies outside its definite parent
        (b"\x30\x05\x30\x80\x02\x01\x01\x00\x00", "end-of-contents missing"),
        (b"\x30\x80\x00\x00\x00", "trailing"),
    ],
)
def test_ber_bounds(data, message):
    with pytest.raises(ParseError, match=message):
        ber.definite(data)


def test_ber_depth_bound():
    deep = b"\x30\x80" * (MAX_DER_DEPTH + 5) + b"\x00\x00" * (MAX_DER_DEPTH + 5)
    with pytest.raises(ParseError, match="deep"):
        ber.definite(deep)


def test_ber_size_bound():
    with pytest.raises(ParseError, match="maximum"):
        ber.definite(b"\x30\x80" + b"\x04\x01\x00" * 100 + b"\x00\x00", max_size=64)


def test_malformed_ber_sod_is_sod_malformed_not_a_crash():
    raw = _ber_sod()
    res = passive({**FILES, "SOD": raw[:-2]})  # outer end-of-contents cut
    assert verdict_of(res, "passive.sod") == (Verdict.FAILED, "SOD_MALFORMED")


def test_ber_card_security_style_cms_parses():
    der = cms.build_signed_data("0.4.0.127.0.7.3.2.1", b"\x31\x00", DSC.cert_der, lambda d: b"\x00" * 64)
    b = ber.indefinite(der, verbatim=frozenset({DSC.cert_der}), segment=1)
    assert cms.parse(b).econtent == b"\x31\x00"


def test_canonical_der_sorts_and_flattens():
    ber_set = b"\x31\x80" + b"\x04\x01\x02" + b"\x24\x80\x04\x01\x01\x00\x00" + b"\x00\x00"
    assert ber.canonical_der(ber_set) == b"\x31\x06\x04\x01\x01\x04\x01\x02"
