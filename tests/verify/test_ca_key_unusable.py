"""A chip whose DG14 key cannot be used: CA could not be run (undetermined), and the dump loads.

Field quirk: a DG14 Chip Authentication key that is malformed or not on its curve is the
issuer's mistake (DG14 is signed, Passive Authentication judges it); the reader records
``verified: null`` with the reason. Such a dump must load and verify as undetermined (verdict
rule, docs/verification.md §0). Tampered twin: the same record next to a DG14 whose key is
valid is an edited record hiding a CA outcome, and fails.
"""

from __future__ import annotations

import pytest

from cccd_chip.crypto import domain_params as dp
from cccd_chip.errors import DumpFormatError
from cccd_chip.evidence import ChipAuthEvidence
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si
from cccd_chip.verify.chip_auth import check_chip_authentication
from cccd_chip.verify.report import Reason, Verdict


def _dg14(valid: bool) -> bytes:
    d = dp.standard(13)
    spki = bytearray(si.build_subject_public_key(d, d.mul_gen(0x1234567)))
    if not valid:
        spki[-1] ^= 1  # the point leaves the curve
    info = si.ChipAuthenticationPublicKeyInfo(si.ID_PK_ECDH, bytes(spki), 1)
    return tlv.encode(0x6E, si.build([info, si.ChipAuthenticationInfo(si.ca_oid("ECDH", "AES-128"), 1, 1)]))


def _record(reason: str) -> ChipAuthEvidence:
    return ChipAuthEvidence(protocol="CA").finished(None, reason, "DG14 Chip Authentication key unusable")


def _judge(ev: ChipAuthEvidence, dg14: bytes | None):
    loaded = ChipAuthEvidence.from_dict(ev.to_dict())  # through the dump form
    assert loaded == ev
    return check_chip_authentication(loaded, dg14, dg14_authenticated=True)


def test_invalid_key_record_loads_and_is_undetermined():
    c = _judge(_record("KEY_PARAMS_INVALID"), _dg14(valid=False))
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.KEY_PARAMS_INVALID)


def test_malformed_dg14_record_is_undetermined():
    c = _judge(_record("DG_MALFORMED"), b"\x6E\x03\x31\x01\x00")
    assert (c.verdict, c.reason) == (Verdict.UNDETERMINED, Reason.DG_MALFORMED)


@pytest.mark.parametrize("reason", ["KEY_PARAMS_INVALID", "DG_MALFORMED"])
def test_twin_a_usable_key_recorded_as_unusable_is_failed(reason):
    c = _judge(_record(reason), _dg14(valid=True))
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.CA_PROTOCOL_ERROR)


def test_twin_the_record_without_dg14_is_failed():
    c = _judge(_record("KEY_PARAMS_INVALID"), None)
    assert c.verdict is Verdict.FAILED


@pytest.mark.parametrize("record", [
    {"protocol": "CA", "verified": None, "reason": "OK"},
    {"protocol": "CA", "verified": None, "reason": "CA_KEY_MISMATCH"},
    {"protocol": "CA", "verified": None},
    {"protocol": "CA", "verified": None, "result": "successful", "reason": "KEY_PARAMS_INVALID"},
    {"protocol": "CA", "verified": "yes", "reason": "OK"},
])
def test_inconsistent_null_records_are_refused(record):
    with pytest.raises(DumpFormatError):
        ChipAuthEvidence.from_dict(record)
