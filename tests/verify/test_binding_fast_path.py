"""Binding shortcuts of issue 13: ``_mrz_head`` reads the common DG1 form inline and must answer
as the TLV walk does on every one-byte change and cut; ``binding.card_access`` against DG14 is
cached by the exact EF.CardAccess / DG14 bytes and the PACE protocol, and its tampered twins
(changed EF.CardAccess, another PACE parameter) still fail on a warm cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Optional, Union

import pytest
from testsupport.cards import read_with_trust

from cccd_chip.document import Document
from cccd_chip.errors import CccdError
from cccd_chip.lds import dg1, security_infos
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify import binding
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Verdict

POLICY = Policy(at=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))


_reference_head = binding._mrz_head_walk  # the general TLV walk, which the inline read must equal


def _norm(v: "Optional[str | CccdError]") -> Union[str, None, tuple[str, str, object]]:
    return (type(v).__name__, v.message, v.offset) if isinstance(v, CccdError) else v


def test_mrz_head_inline_equals_the_walk() -> None:
    for fmt in ("TD1", "TD2", "TD3"):
        raw = dg1.build(dg1.make(fmt, document_code="ID" if fmt != "TD3" else "P", issuing_state="VNM",
                                 document_number="C03000123", date_of_birth="900101", sex="F", date_of_expiry="350101",
                                 nationality="VNM", primary_identifier="NGUYEN", secondary_identifier="LAN"))
        cases = [raw, raw + b"\x00", b"\x61\x81" + bytes([len(raw) - 2]) + raw[2:]]
        for i in range(8):
            for mask in (0x01, 0x02, 0x40, 0x80, 0xFF):
                b = bytearray(raw)
                b[i] ^= mask
                cases.append(bytes(b))
        cases += [raw[:cut] for cut in range(len(raw))]
        for c in cases:
            assert _norm(binding._mrz_head(c)) == _norm(_reference_head(c)), c.hex()
    # the common 61 / 5F1F form with an MRZ of every length a short length allows: only 90, 72
    # and 88 characters are an MRZ (the inline read must refuse the others as the walk does)
    for n in range(0, 0x7C):
        c = bytes([0x61, n + 3, 0x5F, 0x1F, n]) + b"I" * n
        assert _norm(binding._mrz_head(c)) == _norm(_reference_head(c)), n


@pytest.fixture(scope="module")
def cccd2021(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, TrustStore]:
    return read_with_trust(tmp_path_factory.mktemp("binding"), "cccd-2021", 7)


def _card_access_verdict(doc: Document, store: TrustStore) -> Verdict:
    rep = verify_document(doc, store, policy=POLICY)
    (c,) = [c for c in rep.checks if c.check == "binding.card_access"]
    return c.verdict


def test_card_access_against_dg14_twins_fail_on_a_warm_cache(cccd2021: tuple[Document, TrustStore]) -> None:
    doc, store = cccd2021
    assert "CardSecurity" not in doc.files and doc.access is not None and doc.access.protocol == "PACE"
    assert _card_access_verdict(doc, store) is Verdict.SUCCESSFUL  # the cache now holds the genuine result
    ca = doc.files["CardAccess"]
    info = security_infos.parse(ca, file="CardAccess").pace_infos[0]
    i = ca.index(info.raw) + len(info.raw) - 1  # the parameterId's last byte
    b = bytearray(ca)
    b[i] ^= 0x01
    assert _card_access_verdict(doc.with_file("CardAccess", bytes(b)), store) is Verdict.FAILED
    other = dataclasses.replace(doc.access, parameter_id=(doc.access.parameter_id or 0) ^ 0x01)
    assert _card_access_verdict(dataclasses.replace(doc, access=other), store) is Verdict.FAILED
    assert _card_access_verdict(doc, store) is Verdict.SUCCESSFUL
