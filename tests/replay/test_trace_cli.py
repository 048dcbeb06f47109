"""Recorded traces through the CLI: exact replay, tampering, mismatches, removal at every APDU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testsupport.cards import Cards
from testsupport.cli import CliResult as Run, run_cccd
from testsupport.secret_scan import contains_secret

AT = "2026-06-01T00:00:00Z"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One full read of cccd-2021 recorded with --trace, and its --json output."""
    from host_cli.main import main

    root = tmp_path_factory.mktemp("rec")
    cards = Cards(root)
    card = cards.get()
    trace = root / "full.jsonl"
    out = root / "out.json"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            main(["read", "--virtual", str(card), "--id", cards.secrets(card)["id"], "--csca",
                  str(card / "csca.pem"), "--json", "--at", AT, "--trace", str(trace)])
        except SystemExit as e:
            assert e.code == 0
    out.write_text(buf.getvalue())
    return card, cards.secrets(card), trace, buf.getvalue()


@pytest.fixture
def cccd(capsys):
    def run(*args: object) -> Run:
        return run_cccd(capsys, *args)

    return run


def _events(trace: Path) -> tuple[str, list[dict]]:
    lines = trace.read_text().splitlines()
    return lines[0], [json.loads(x) for x in lines[1:]]


def _write(path: Path, header: str, events: list[dict]) -> Path:
    path.write_text("\n".join([header] + [json.dumps(e) for e in events]) + "\n")
    return path


def test_replay_gives_identical_json(recorded, cccd):
    card, s, trace, out = recorded
    r = cccd("trace", "replay", trace, "--id", s["id"], "--csca", card / "csca.pem", "--json", "--at", AT)
    assert r.code == 0, r.err
    assert r.out == out
    r2 = cccd("read", "--replay", trace, "--id", s["id"], "--csca", card / "csca.pem", "--json", "--at", AT)
    assert r2.out == out


def test_trace_holds_no_credential(recorded):
    _card, s, trace, _out = recorded
    text = trace.read_text()
    for secret in (s["id"], s["can"], s["document_number"]):
        assert not contains_secret(text, secret)


def test_flipped_response_byte_is_a_secure_messaging_error(recorded, cccd, tmp_path):
    card, s, trace, _out = recorded
    header, events = _events(trace)
    apdus = [i for i, e in enumerate(events) if "c" in e]
    # a protected READ BINARY answer somewhere in the middle (CLA 0C, INS B0)
    idx = next(i for i in apdus[len(apdus) // 2:] if events[i]["c"].startswith("0CB0"))
    r_hex = events[idx]["r"]
    flipped = bytearray(bytes.fromhex(r_hex))
    flipped[5] ^= 0x01  # inside the cryptogram: only the MAC check can notice
    events[idx]["r"] = flipped.hex().upper()
    bad = _write(tmp_path / "flip.jsonl", header, events)
    r = cccd("trace", "replay", bad, "--id", s["id"], "--csca", card / "csca.pem")
    assert r.code == 5, r.err
    assert "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    assert "MAC" in r.err or "secure messaging" in r.err


def test_command_mismatch_names_the_index(recorded, cccd, tmp_path):
    card, s, trace, _out = recorded
    header, events = _events(trace)
    idx = [i for i, e in enumerate(events) if "c" in e][10]
    c = bytearray(bytes.fromhex(events[idx]["c"]))
    c[-1] ^= 0xFF
    events[idx]["c"] = c.hex().upper()
    bad = _write(tmp_path / "mismatch.jsonl", header, events)
    r = cccd("read", "--replay", bad, "--id", s["id"], "--json")
    assert r.code == 4
    doc = r.json()
    assert doc["error"] == "TraceMismatchError"
    assert doc["index"] == idx
    assert f"APDU #{idx}" in r.err


def test_leftover_events_are_a_mismatch(recorded, cccd, tmp_path):
    card, s, trace, _out = recorded
    header, events = _events(trace)
    events.append({"c": "00B0000001", "r": "009000", "ms": 0.1})
    bad = _write(tmp_path / "leftover.jsonl", header, events)
    r = cccd("read", "--replay", bad, "--id", s["id"], "--json")
    assert r.code == 4
    assert r.json()["error"] == "TraceMismatchError"


def test_card_removed_at_every_apdu_position(recorded, cccd, tmp_path):
    """Cut the recorded read after n APDUs and replace the rest by a removal, for every n.

    Every run ends aborted (exit 4, one line, no traceback, no result on
    stdout), and a complete read afterwards in the same process succeeds.
    """
    card, s, trace, out = recorded
    header, events = _events(trace)
    apdu_idx = [i for i, e in enumerate(events) if "c" in e]
    assert len(apdu_idx) > 100
    for n, cut in enumerate(apdu_idx):
        cut_trace = _write(tmp_path / "cut.jsonl", header, events[:cut] + [{"event": "removed"}])
        r = cccd("read", "--replay", cut_trace, "--id", s["id"], "--csca", card / "csca.pem")
        assert r.code == 4, (n, r.err)
        assert r.out == ""
        assert r.err.startswith("cccd: aborted:") and "removed" in r.err and "Traceback" not in r.err
        assert len(r.err.strip().splitlines()) == 1
        if n % 25 == 0 or n == len(apdu_idx) - 1:
            ok = cccd("read", "--replay", trace, "--id", s["id"], "--csca", card / "csca.pem", "--json",
                      "--at", AT)
            assert ok.code == 0 and ok.out == out


@pytest.mark.parametrize("position", [1, 2, 7, 12, 25, 60])
def test_virtual_chip_removal_fault_then_next_read(cards_session, cccd, position):
    """The emulator's own removal fault (remove:N), then a clean card in the same process."""
    faulty = cards_session.get("cccd-2021", 7, f"remove:{position}")
    clean = cards_session.get()
    sid = cards_session.secrets(clean)["id"]
    r = cccd("read", "--virtual", faulty, "--id", sid)
    assert r.code == 4 and "Traceback" not in r.err
    ok = cccd("read", "--virtual", clean, "--id", sid, "--csca", clean / "csca.pem")
    assert ok.code == 0, ok.err


@pytest.fixture(scope="module")
def cards_session(tmp_path_factory):
    return Cards(tmp_path_factory.mktemp("cards"))


def test_card_reset_mid_read_is_aborted(recorded, cccd, tmp_path):
    card, s, trace, _out = recorded
    header, events = _events(trace)
    cut = [i for i, e in enumerate(events) if "c" in e][20]
    bad = _write(tmp_path / "reset.jsonl", header, events[:cut] + [{"event": "reset"}])
    r = cccd("read", "--replay", bad, "--id", s["id"], "--json")
    assert r.code == 4 and r.json()["reason"] == "TRANSPORT_CARD_RESET"
    assert "reset" in r.err and "Traceback" not in r.err
