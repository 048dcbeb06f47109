"""Reader policy: EF.COM is only a hint, the SOD decides what is read; PACE never silently becomes BAC."""

import json
import shutil

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import AccessDeniedError
from cccd_chip.iso7816 import tlv
from cccd_chip.reader import Credential, ReadOptions, read_document
from cccd_chip.transport.local import LocalTransport


def _copy(card_factory, tmp_path, profile="cccd-2021"):
    d = tmp_path / "card"
    shutil.copytree(card_factory(profile), d)
    return d


def _read(d, cred=None, options=ReadOptions()):
    card = VirtualCard.load(d)
    cred = cred or Credential.from_cccd_id(card.secrets["id"])
    return read_document(LocalTransport(Applet(card)), cred, options=options)


def test_dg_missing_from_com_is_still_read(card_factory, tmp_path):
    d = _copy(card_factory, tmp_path)
    (d / "files" / "COM.bin").write_bytes(tlv.encode(0x60, tlv.encode(0x5F01, b"0107") + tlv.encode(
        0x5F36, b"040000") + tlv.encode(0x5C, bytes([0x61, 0x75]))))
    doc = _read(d)
    assert {"DG1", "DG2", "DG13", "DG14", "DG15", "SOD"} <= set(doc.files)
    assert doc.evidence.ca and doc.evidence.aa_signature


def test_card_without_ef_com(card_factory, tmp_path):
    d = _copy(card_factory, tmp_path)
    meta = json.loads((d / "card.json").read_text())
    meta["files"] = [f for f in meta["files"] if f["name"] != "COM"]
    (d / "card.json").write_text(json.dumps(meta))
    doc = _read(d)
    assert "COM" not in doc.files and "not found" in doc.absent["COM"]
    assert {"DG1", "DG2", "DG13", "SOD"} <= set(doc.files)


def test_wrong_can_is_not_silently_bac(card_factory, tmp_path):
    d = card_factory("cccd-2021")
    card = VirtualCard.load(d)
    s = card.secrets
    wrong = "000000" if s["can"] != "000000" else "111111"
    cred = Credential(wrong, s["document_number"], s["date_of_birth"], s["date_of_expiry"])
    with pytest.raises(AccessDeniedError) as e:
        _read(d, cred)
    assert "PACE step 4" in str(e.value) and e.value.sw == 0x6300
    doc = _read(d, cred, ReadOptions(allow_bac_fallback=True))
    assert doc.access.protocol == "BAC" and doc.access.fallback
    assert "PACE" in doc.access.fallback_reason


def test_password_binding_only_where_dg1_holds_the_same(card_factory):
    from cccd_chip.document import access_password_mac, binding_key_id

    key = b"installation binding key for tests"
    cccd = VirtualCard.load(card_factory("cccd-2021"))
    doc = _read(card_factory("cccd-2021"), Credential.from_can(cccd.secrets["can"]), ReadOptions(binding_key=key))
    assert doc.access.password_binding == "matched"
    assert doc.access.password_mac == access_password_mac(key, "CAN", cccd.secrets["can"].encode())
    assert doc.access.password_mac_key == binding_key_id(key)
    doc = _read(card_factory("cccd-2021"), Credential.from_can(cccd.secrets["can"]))
    assert doc.access.password_binding == "matched" and doc.access.password_mac is None  # no key: no MAC
    pp = VirtualCard.load(card_factory("passport-pace-im"))
    doc = _read(card_factory("passport-pace-im"), Credential.from_can(pp.secrets["can"]), ReadOptions(binding_key=key))
    assert doc.access.protocol == "PACE" and doc.access.password_binding is None  # a printed CAN is not in DG1
    assert doc.access.password_mac is None
    s = pp.secrets
    doc = _read(card_factory("passport-pace-im"), Credential.from_mrz(s["document_number"], s["date_of_birth"],
                                                                       s["date_of_expiry"]))
    assert doc.access.password == "MRZ" and doc.access.password_binding == "matched"
