"""DG3/DG4 in a dump (as a read after Terminal Authentication holds them): hashes and headers.

The virtual cards hold synthetic DG3 (WSQ fingers) and DG4 (JPEG irises). Until the chip
serves them (Terminal Authentication), the dump of a read lists them as absent; these
tests put the personalised bytes into the dump, as an EAC read writes them, and check
that the verifier hashes them like every other data group: the genuine bytes are
``successful``, one changed byte is ``failed`` ``DG_HASH_MISMATCH`` (exit 1).
"""

from __future__ import annotations

import json

import pytest

from cccd_chip.emulator.card import VirtualCard
from cccd_chip.lds import finger

AT = "2027-03-01T00:00:00Z"


def _eac_dump(cccd, cards, tmp_path, profile: str):
    card = cards.get(profile, 5)
    s = cards.secrets(card)
    dump = tmp_path / f"{profile}.json"
    r = cccd("read", "--virtual", card, "--can", s["can"], "--csca", card / "csca.pem", "--at", AT, "--out", dump)
    assert r.code == 0, r.err
    m = json.loads(dump.read_text())
    files = VirtualCard.load(card).files
    for name in ("DG3", "DG4"):
        if name in files:
            m["files"][name] = files[name].data.hex().upper()
            m["absent"].pop(name, None)
    dump.write_text(json.dumps(m))
    return card, dump, m


def _dg_checks(run) -> dict:
    return {c["subject"]: c for c in run.json()["checks"] if c["check"] == "passive.dg_hash"}


@pytest.mark.parametrize("profile,groups", [("cccd-2021", ("DG3",)), ("passport-eac", ("DG3", "DG4"))])
def test_biometric_groups_in_a_dump_are_hashed(cccd, cards, tmp_path, profile, groups):
    card, dump, _ = _eac_dump(cccd, cards, tmp_path, profile)
    r = cccd("verify", dump, "--csca", card / "csca.pem", "--at", AT, "--json")
    assert r.code == 0, r.out + r.err
    checks = _dg_checks(r)
    for name in groups:
        assert checks[name]["verdict"] == "successful" and checks[name]["reason"] == "OK"


@pytest.mark.parametrize("profile,name,where", [
    ("cccd-2021", "DG3", "quality"),   # a forger raising a finger's quality score
    ("cccd-2021", "DG3", "image"),     # one byte of the WSQ stream
    ("passport-eac", "DG4", "image"),  # one byte of an iris JPEG
])
def test_one_changed_byte_in_a_biometric_group_fails(cccd, cards, tmp_path, profile, name, where):
    card, dump, m = _eac_dump(cccd, cards, tmp_path, profile)
    raw = bytearray(bytes.fromhex(m["files"][name]))
    if where == "quality":
        record = raw.find(finger.FORMAT_ID)
        i = record + finger.HEADER_LEN + 7  # finger image header: length (4), position, count, number, QUALITY
    else:
        i = len(raw) - 40
    raw[i] ^= 0x01
    m["files"][name] = raw.hex().upper()
    dump.write_text(json.dumps(m))
    r = cccd("verify", dump, "--csca", card / "csca.pem", "--at", AT, "--json")
    assert r.code == 1, r.out + r.err
    check = _dg_checks(r)[name]
    assert (check["verdict"], check["reason"]) == ("failed", "DG_HASH_MISMATCH")
    assert r.json()["overall"] == "failed"


def test_inspect_shows_record_headers_without_image_bytes(cccd, cards, tmp_path):
    _, dump, m = _eac_dump(cccd, cards, tmp_path, "passport-eac")
    r = cccd("inspect", dump, "--json")
    assert r.code == 0, r.err
    files = r.json()["files"]
    views = [v for t in files["DG3"]["fields"]["templates"] for v in t["record"]["views"]]
    assert [v["finger"] for v in views] == ["right-index", "left-index"]
    assert {v["image_format"] for v in views} == {"WSQ"} and all(v["quality"] <= 100 for v in views)
    eyes = [i["eye"] for t in files["DG4"]["fields"]["templates"] for i in t["record"]["images"]]
    assert eyes == ["right-eye", "left-eye"]
    text = cccd("inspect", dump)
    assert text.code == 0 and "right-index" in text.out and "WSQ" in text.out
    for name in ("DG3", "DG4"):  # no image bytes in the default output (only sizes and headers)
        image_hex = m["files"][name][-200:]
        assert image_hex not in r.out and image_hex not in text.out
