"""Output contracts: one JSON document on stdout, progress only on a terminal, face export, human summary."""

from __future__ import annotations

import json

from host_cli.progress import file_progress


def test_json_is_exactly_one_document_and_stderr_has_no_progress(cccd, cards):
    card = cards.get()
    r = cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--json")
    doc = json.loads(r.out)  # raises if there were two documents or any markup
    assert doc["schema"] == "cccd-read/1"
    assert "reading" not in r.err and "\x1b[" not in r.out
    for name, meta in doc["files"].items():
        assert len(meta["sha256"]) == 64 and meta["sha256"] == meta["sha256"].upper()
    assert doc["dg13"]["full_name"]  # DG13 fields decoded (Vietnamese text, not escaped)
    assert "\\u" not in r.out


def test_progress_only_on_a_terminal(capsys):
    with file_progress() as cb:  # pytest's stderr is not a terminal
        assert cb is None
    with file_progress(True) as cb:
        cb("DG2", 0, 1000)
        cb("DG2", 1000, 1000)
        cb("SOD", 10, 10)
    assert capsys.readouterr().out == ""  # bars never touch stdout


def test_face_export(cccd, cards, tmp_path):
    card = cards.get()
    face = tmp_path / "face.jpg"
    r = cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--face", face,
             "--csca", card / "csca.pem")
    assert r.code == 0, r.err
    assert face.read_bytes()[:2] == b"\xff\xd8"


def test_human_summary_has_holder_access_and_verdicts(cccd, cards):
    card = cards.get()
    s = cards.secrets(card)
    r = cccd("read", "--virtual", card, "--id", s["id"], "--csca", card / "csca.pem")
    assert r.code == 0
    assert f"ID number" in r.out and s["id"] in r.out
    assert "PACE-GM AES-128 (CAN, parameter 13)" in r.out
    assert "Verification: SUCCESSFUL" in r.out
    assert "DG13 place of residence" in r.out
    assert "Not read: DG3" in r.out and "EAC-protected" in r.out


def test_dump_then_verify_offline(cccd, cards, tmp_path):
    card = cards.get()
    dump = tmp_path / "dump"
    assert cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--out", dump).code == 3
    r = cccd("verify", dump, "--csca", card / "csca.pem", "--json")
    assert r.code == 0 and r.json()["schema"] == "cccd-verify/1"
    assert cccd("verify", tmp_path / "missing").code == 2  # nothing at that path: usage (issue 10 defect 4)
