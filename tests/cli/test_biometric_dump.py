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


# --- --fingers / --iris export ---------------------------------------------------------------


def test_inspect_exports_fingers_and_irises_as_png(cccd, cards, tmp_path):
    import io
    import stat

    from PIL import Image

    from cccd_chip.emulator import finger_synth

    _, dump, _ = _eac_dump(cccd, cards, tmp_path, "passport-eac")
    fingers, irises = tmp_path / "out" / "fingers", tmp_path / "out" / "iris"
    r = cccd("inspect", dump, "--fingers", fingers, "--iris", irises)
    assert r.code == 0, r.err
    assert sorted(p.name for p in fingers.iterdir()) == ["left-index.png", "right-index.png"]
    assert sorted(p.name for p in irises.iterdir()) == ["left-eye.png", "right-eye.png"]
    assert "Fingerprints written to" in r.out and "right-index.png" in r.out
    assert stat.S_IMODE(fingers.stat().st_mode) == 0o700
    for p in [*fingers.iterdir(), *irises.iterdir()]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600  # biometrics are personal data
    im = Image.open(io.BytesIO((fingers / "right-index.png").read_bytes()))
    assert im.format == "PNG" and im.size == (finger_synth.WIDTH, finger_synth.HEIGHT) and im.mode == "L"
    drawn = finger_synth.pixels(5, 2)
    assert sum(abs(a - b) for a, b in zip(im.tobytes(), drawn)) / len(drawn) < 12  # the WSQ-decoded finger
    assert Image.open(irises / "left-eye.png").size == (640, 480)
    j = cccd("inspect", dump, "--fingers", fingers, "--json")  # JSON stdout stays one document
    assert j.code == 0 and j.json()["schema"] == "cccd-inspect/1"


def test_read_without_terminal_authentication_has_no_fingers(cccd, cards, tmp_path):
    card = cards.get("cccd-2021", 5)
    r = cccd("read", "--virtual", card, "--can", cards.secrets(card)["can"], "--csca", card / "csca.pem",
             "--at", AT, "--fingers", tmp_path / "fingers")
    assert r.code == 2, r.out + r.err
    assert "no DG3 (fingerprints) was read" in r.err and "6982" in r.err
    assert list((tmp_path / "fingers").iterdir()) == []


def test_missing_wsq_codec_is_exit_5_naming_the_extra(cccd, cards, tmp_path, monkeypatch):
    import sys

    _, dump, _ = _eac_dump(cccd, cards, tmp_path, "cccd-2021")
    monkeypatch.setitem(sys.modules, "wsq", None)  # as if the bio extra were not installed
    r = cccd("inspect", dump, "--fingers", tmp_path / "f")
    assert r.code == 5, r.out + r.err
    assert "cccd-chip[bio]" in r.err and "0 of 2 fingerprints written" in r.err and "Traceback" not in r.err


def test_a_broken_wsq_image_is_exit_6_after_the_others(cccd, cards, tmp_path):
    _, dump, m = _eac_dump(cccd, cards, tmp_path, "cccd-2021")
    raw = bytearray(bytes.fromhex(m["files"]["DG3"]))
    second = raw.rfind(b"\xff\xa2")  # the frame header of the last finger's WSQ stream
    raw[second:second + 2] = b"\xff\xb9"  # no longer a WSQ marker
    m["files"]["DG3"] = raw.hex().upper()
    dump.write_text(json.dumps(m))
    r = cccd("inspect", dump, "--fingers", tmp_path / "f")
    assert r.code == 6, r.out + r.err
    assert "unknown WSQ marker" in r.err and "1 of 2 fingerprints written" in r.err
    assert [p.name for p in (tmp_path / "f").iterdir()] == ["right-index.png"]


def test_export_from_a_single_file_and_usage_errors(cccd, cards, tmp_path):
    _, dump, _ = _eac_dump(cccd, cards, tmp_path, "cccd-2021")
    target = tmp_path / "taken"
    target.write_text("x")
    r = cccd("inspect", dump, "--fingers", target)
    assert r.code == 2 and "is not a folder" in r.err
    card = cards.get("cccd-2021", 5)
    r = cccd("inspect", card / "files" / "DG3.bin", "--fingers", tmp_path / "f")
    assert r.code == 0, r.err
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["left-index.png", "right-index.png"]
    r = cccd("inspect", card / "files" / "DG1.bin", "--iris", tmp_path / "i")
    assert r.code == 2 and "no DG4 (iris images)" in r.err


def test_a_malformed_finger_record_is_exit_6_and_the_good_finger_is_written(cccd, cards, tmp_path):
    from cccd_chip.lds import cbeff, dg3

    card = cards.get("cccd-2021", 5)
    good = dg3.parse((card / "files" / "DG3.bin").read_bytes())
    first = good.group.infos()[0]
    hostile = bytearray(good.group.infos()[1].data)
    hostile[finger.HEADER_LEN:finger.HEADER_LEN + 4] = b"\xff\xff\xff\xf0"  # a view claiming 4 GB
    raw = cbeff.encode_file(dg3.TAG, cbeff.BiometricGroup(2, (first, cbeff.BiometricInfo(
        good.group.infos()[1].header, bytes(hostile)))))
    f = tmp_path / "DG3.bin"
    f.write_bytes(raw)
    shown = cccd("inspect", f, "--json")
    assert shown.code == 0 and "length out of bounds" in shown.out  # the template says why, the file is shown
    r = cccd("inspect", f, "--fingers", tmp_path / "out")
    assert r.code == 6, r.out + r.err
    assert "finger data block length out of bounds" in r.err and "1 of 2 fingerprints written" in r.err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["right-index.png"]


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-eac"])
def test_read_with_terminal_authentication_exports_and_verifies(cccd, cards, tmp_path, profile):
    """The whole path: TA with the card set's test inspection system, DG3 (and DG4) read, hashed, exported."""
    card = cards.get(profile, 5)
    args = ["read", "--virtual", card, "--can", cards.secrets(card)["can"], "--csca", card / "csca.pem", "--at", AT,
            "--terminal-chain", card / "eac" / "chain", "--terminal-key", card / "eac" / "is_key.pem",
            "--fingers", tmp_path / "f", "--json"]
    if profile == "passport-eac":
        args += ["--iris", tmp_path / "i"]
    r = cccd(*args)
    assert r.code == 0, r.out + r.err
    checks = {c["subject"]: c for c in r.json()["verification"]["checks"] if c["check"] == "passive.dg_hash"}
    assert checks["DG3"]["verdict"] == "successful"
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["left-index.png", "right-index.png"]
    if profile == "passport-eac":
        assert checks["DG4"]["verdict"] == "successful"
        assert sorted(p.name for p in (tmp_path / "i").iterdir()) == ["left-eye.png", "right-eye.png"]
