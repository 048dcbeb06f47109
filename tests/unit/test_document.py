"""Dump format cccd-dump v1: lossless save/load, folder and inline JSON, bad input."""

import json

import pytest

from cccd_chip.document import AccessInfo, Document, Evidence
from cccd_chip.evidence import ChipAuthEvidence
from cccd_chip.errors import DumpFormatError
from host_cli.exit_codes import exit_code_for


def _doc():
    return Document(
        files={"COM": b"\x60\x00", "DG1": bytes(range(256)) * 3, "SOD": b"\x77\x01\x00"},
        absent={"DG3": "EAC-protected (6982)"},
        access=AccessInfo("PACE", "CAN", "0.4.0.127.0.7.2.2.4.2.2", "GM", "AES-128", 13),
        evidence=Evidence(aa_challenge=b"\x01" * 8, aa_signature=b"\x02" * 64, ca=ChipAuthEvidence(protocol="CA").finished(True, "OK", "proved")),
        read_at="2026-11-29T00:00:00Z", source="test",
    )


@pytest.mark.parametrize("name", ["dump", "dump.json"])
def test_roundtrip(tmp_path, name):
    d = _doc()
    d.save(tmp_path / name)
    e = Document.load(tmp_path / name)
    assert e == d


def test_overwrite_is_atomic_and_leaves_no_temp(tmp_path):
    _doc().save(tmp_path / "dump")
    _doc().with_file("DG2", b"\x75\x00").save(tmp_path / "dump")
    assert Document.load(tmp_path / "dump").files["DG2"] == b"\x75\x00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump"]


def test_flipped_byte_is_kept_not_rejected(tmp_path):
    _doc().save(tmp_path / "dump")
    p = tmp_path / "dump" / "DG1.bin"
    b = bytearray(p.read_bytes())
    b[10] ^= 1
    p.write_bytes(bytes(b))
    assert Document.load(tmp_path / "dump").files["DG1"][10] == 11  # verification judges it


@pytest.mark.parametrize("manifest", [
    "not json", "[]", '{"format":"cccd-dump","version":2,"files":{}}',
    '{"format":"cccd-dump","version":1,"files":{"../etc":"x.bin"}}',
    '{"format":"cccd-dump","version":1,"files":{"DG1":"zz"}}',
    '{"format":"cccd-dump","version":1,"files":{"DG1":"00"},"evidence":{"aa_challenge":5}}',
])
def test_bad_dumps(tmp_path, manifest):
    p = tmp_path / "d.json"
    p.write_text(manifest)
    with pytest.raises(DumpFormatError) as e:
        Document.load(p)
    assert exit_code_for(e.value) == 6


def test_missing_dump(tmp_path):
    with pytest.raises(DumpFormatError):
        Document.load(tmp_path / "nope.json")


_CAM = {"oid": "0.4.0.127.0.7.2.2.4.6.2", "parameter_id": 13, "key_id": None, "ca_ic": "01" * 32,
        "pk_map_ic": "04" + "02" * 64,
        "check": {"check": "pace.cam", "verdict": "successful", "reason": "OK", "subject": "CardSecurity"}}


@pytest.mark.parametrize("where", ["ca", "ca.check"])
def test_an_unknown_member_of_the_ca_record_is_refused(where):
    ca = _doc().evidence.ca.to_dict()
    (ca if where == "ca" else ca["check"])["extra"] = 1
    with pytest.raises(DumpFormatError, match=f"dump evidence {where if where == 'ca.check' else repr(where)} has an unknown member"):
        Evidence.from_json({"ca": ca})
    ca.pop("extra", None), ca["check"].pop("extra", None)
    assert Evidence.from_json({"ca": ca}).ca == _doc().evidence.ca  # the control: without it, read


@pytest.mark.parametrize("where,problem", [("pace_cam", "unknown member"),
                                          ("pace_cam.check", "dump evidence pace_cam.check has an unknown member")])
def test_an_unknown_member_of_the_cam_record_makes_it_unreadable(where, problem):
    from cccd_chip.evidence import PaceCamEvidence, UnreadableEvidence

    cam = json.loads(json.dumps(_CAM))
    (cam if where == "pace_cam" else cam["check"])["extra"] = 1
    record = Evidence.from_json({"pace_cam": cam}).pace_cam
    assert isinstance(record, UnreadableEvidence) and record.problem == problem
    assert isinstance(Evidence.from_json({"pace_cam": _CAM}).pace_cam, PaceCamEvidence)  # the control


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_a_single_file_dump_loads_from_any_bytes_like_object(tmp_path, kind):
    """Compiled (cccd_chip/_native.py), a `bytes` parameter refuses other types: the entry takes them."""
    p = tmp_path / "d.json"
    _doc().save(p)
    raw = p.read_bytes()
    assert Document.from_json_bytes(kind(raw)) == Document.from_json_bytes(raw)
    with pytest.raises(DumpFormatError):
        Document.from_json_bytes(kind(raw[:-2]))  # its tampered twin: still refused as a dump
