"""``cccd kiosk`` usage errors (exit 2, no traceback) and the start-up line."""

from __future__ import annotations

import socket

import pytest

from testsupport.cli import run_cccd


def run(capsys, *args):
    r = run_cccd(capsys, *args)
    return r.code, r.out, r.err


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    from cccd_chip.emulator.personalize import personalize

    return personalize("cccd-2021", 22, tmp_path_factory.mktemp("cli") / "card")


def test_needs_a_source(capsys):
    code, _, err = run(capsys, "kiosk")
    assert code == 2 and "--reader" in err and "Traceback" not in err


def test_reader_and_virtual_exclusive(capsys, card):
    code, _, err = run(capsys, "kiosk", "--reader", "0", "--virtual", card)
    assert code == 2


def test_one_record_sink_at_most(capsys, card, tmp_path):
    code, _, err = run(capsys, "kiosk", "--virtual", card, "--out-jsonl", tmp_path / "a", "--out-dir", tmp_path / "b")
    assert code == 2 and "at most one" in err


def test_fixed_credential_and_file_exclusive(capsys, card, tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("123456\n")
    code, _, err = run(capsys, "kiosk", "--virtual", card, "--can", "123456", "--credentials", f)
    assert code == 2


def test_bad_language(capsys, card):
    code, _, err = run(capsys, "kiosk", "--virtual", card, "--lang", "fr")
    assert code == 2


def test_bad_virtual_folder(capsys, tmp_path):
    code, _, err = run(capsys, "kiosk", "--virtual", tmp_path / "missing")
    assert code == 2 and "Traceback" not in err


def test_port_in_use_is_a_usage_error(capsys, card):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        code, out, err = run(capsys, "kiosk", "--virtual", card, "--port", s.getsockname()[1])
    finally:
        s.close()
    assert code == 2 and "in use" in err  # (stdout may carry the JSON error document when a previous in-process command asked for JSON)


def test_binding_key_is_used_and_never_kept_with_the_records(capsys, card, tmp_path):
    import json
    import os
    import time

    import kiosk_browser as kb

    key = tmp_path / "keys" / "binding.key"
    key.parent.mkdir()
    key.write_bytes(os.urandom(32))
    records = tmp_path / "out"
    code, _, err = run(capsys, "kiosk", "--virtual", card, "--can", "123456", "--binding-key", records / "k.key",
                       "--out-dir", records)
    assert code == 2
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    out = tmp_path / "rec" / "records.jsonl"
    k = kb.KioskProcess("--virtual", card, "--can", secrets["can"], "--binding-key", key, "--out-jsonl", out)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (out.exists() and out.read_text().strip()):
            time.sleep(0.1)
    finally:
        k.stop()
    rec = json.loads(out.read_text().splitlines()[0])
    assert rec["status"] == "complete"
    assert "password_mac" in json.dumps(rec)
