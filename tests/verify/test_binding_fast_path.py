"""Binding shortcuts of issue 13: ``_mrz_head`` reads the common DG1 form inline and must answer
as the TLV walk does on every one-byte change and cut; ``binding.card_access`` against DG14 is
cached by the exact EF.CardAccess / DG14 bytes and the PACE protocol, and its tampered twins
(changed EF.CardAccess, another PACE parameter) still fail on a warm cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Optional, Union

import pytest

from cccd_chip.document import Document
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.errors import CccdError, ParseError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import dg1, security_infos
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.verify import binding
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Verdict

POLICY = Policy(at=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))


def _reference_head(raw: bytes) -> "str | CccdError":
    try:
        outer = tlv.read_header(raw, 0, file="DG1")
        if outer.tag != dg1.TAG or outer.total_len != len(raw):
            raise ParseError("DG1 is not one element with tag 61", file="DG1", offset=0)
        pos = outer.header_len
        while pos < len(raw):
            h = tlv.read_header(raw, pos, file="DG1")
            if h.tag == dg1.MRZ_TAG:
                if h.length not in (90, 72, 88):
                    break
                start = pos + h.header_len
                return raw[start:start + 5].decode("latin-1")
            pos += h.total_len
    except CccdError as e:
        return e
    return ParseError("DG1 has no MRZ of a known length", file="DG1")


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


@pytest.fixture(scope="module")
def cccd2021(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, TrustStore]:
    tmp = tmp_path_factory.mktemp("binding")
    card_dir = Path(personalize("cccd-2021", 7, tmp / "card"))
    secrets = json.loads((card_dir / "card.json").read_text())["secrets"]
    doc = read_document(LocalTransport(Applet(VirtualCard.load(card_dir))), Credential.from_can(secrets["can"]),
                        rng=lambda n: bytes(range(n)))
    store = TrustStore()
    store.add_path(card_dir / "csca.pem")
    return doc, store


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
