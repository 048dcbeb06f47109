"""Every exit code of docs/architecture.md §5, each reached through the real command.

| 0 ok | 1 failed verification | 2 usage | 3 undetermined | 4 reader/card/link |
| 5 access denied / protocol | 6 malformed data | 70 internal error |
"""

from __future__ import annotations

import json

import pytest

from cccd_chip.transport.trace import load


def _id_args(cards, card):
    return ["--id", cards.secrets(card)["id"]]


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_0_everything_successful(cccd, cards):
    card = cards.get()
    r = cccd("read", "--virtual", card, *_id_args(cards, card), "--csca", card / "csca.pem", "--json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["schema"] == "cccd-read/1"
    assert doc["verification"]["overall"] == "successful"
    assert doc["access"]["protocol"] == "PACE"


def test_1_tampered_document_fails(cccd, cards):
    card = cards.get("cccd-2021", 7, "dg-altered:DG2")
    r = cccd("read", "--virtual", card, *_id_args(cards, card), "--csca", card / "csca.pem", "--json")
    assert r.code == 1, r.err
    assert r.json()["verification"]["overall"] == "failed"


@pytest.mark.parametrize("args", [
    ["read", "--id", "001304184794"],  # no source
    ["read", "--virtual", "x", "--replay", "y", "--can", "123456"],  # two sources
    ["read", "--virtual", "x"],  # no credential
    ["read", "--virtual", "x", "--can", "12"],  # malformed CAN
    ["read", "--bogus-option"],
    ["watch", "--virtual", "x", "--can", "123456"],  # no output
])
def test_2_usage(cccd, args):
    r = cccd(*args)
    assert r.code == 2, (r.code, r.err)
    assert "Traceback" not in r.err


def test_3_no_trust_anchor_is_undetermined(cccd, cards):
    card = cards.get()
    r = cccd("read", "--virtual", card, *_id_args(cards, card), "--json")
    assert r.code == 3, r.err
    assert r.json()["verification"]["overall"] == "undetermined"


def test_4_card_removed_mid_read(cccd, cards):
    card = cards.get("cccd-2021", 7, "remove:30")
    r = cccd("read", "--virtual", card, *_id_args(cards, card))
    assert r.code == 4
    line = _one_line(r.err)
    assert line.startswith("cccd: aborted:") and "removed" in line
    assert r.out == ""  # nothing that could pass for a result


def test_4_aborted_json_is_an_error_document(cccd, cards):
    card = cards.get("cccd-2021", 7, "remove:30")
    r = cccd("read", "--virtual", card, *_id_args(cards, card), "--json")
    assert r.code == 4
    doc = r.json()
    assert doc["schema"] == "cccd-error/1" and doc["aborted"] is True
    assert doc["reason"] == "TRANSPORT_CARD_REMOVED"


def test_4_no_such_reader(cccd):
    # with or without a running pcscd (or pyscard) this is a reader/link problem
    r = cccd("read", "--reader", "no reader has this name 42", "--can", "123456")
    assert r.code == 4, r.err
    _one_line(r.err)


def test_5_wrong_can(cccd, cards):
    card = cards.get()
    r = cccd("read", "--virtual", card, "--can", "000000")
    assert r.code == 5
    line = _one_line(r.err)
    assert "000000" not in line


def test_5_wrong_date_of_birth(cccd, cards):
    card = cards.get()
    s = cards.secrets(card)
    dob = "010101" if s["date_of_birth"] != "010101" else "020202"
    r = cccd("read", "--virtual", card, "--bac", "--doc", s["document_number"], "--dob", dob,
             "--doe", s["date_of_expiry"])
    assert r.code == 5
    line = _one_line(r.err)
    assert s["document_number"] not in line and dob not in line


def test_6_tlv_claiming_4_gb(cccd, cards):
    card = cards.get("cccd-2021", 7, "huge-length:DG2")
    r = cccd("read", "--virtual", card, *_id_args(cards, card))
    assert r.code == 6
    line = _one_line(r.err)
    assert "DG2" in line


def test_6_tlv_claiming_4_gb_from_a_crafted_trace(cccd, cards, tmp_path):
    """A length field 84 FFFFFFFF in the first answer to READ BINARY of EF.CardAccess (before SM)."""
    card = cards.get()
    trace = tmp_path / "t.jsonl"
    assert cccd("read", "--virtual", card, *_id_args(cards, card), "--trace", trace).code == 3
    lines = trace.read_text().splitlines()
    for i, ln in enumerate(lines[1:], 1):
        ev = json.loads(ln)
        if ev.get("r", "").endswith("9000") and len(ev["r"]) > 8:  # the first data answer: CardAccess
            ev["r"] = "3184FFFFFFFF" + ev["r"][4:]
            lines[i] = json.dumps(ev)
            break
    trace.write_text("\n".join(lines) + "\n")
    r = cccd("read", "--replay", trace, *_id_args(cards, card))
    assert r.code == 6
    assert "CardAccess" in _one_line(r.err)


@pytest.mark.parametrize("content", [b"", b"\x00\xff garbage", b"not json\n", b'{"format":"x"}\n',
                                     b'{"format":"cccd-apdu-trace","version":1}\n{"c":"zz","r":"9000"}\n'])
def test_6_garbage_trace(cccd, tmp_path, content):
    p = tmp_path / "g.jsonl"
    p.write_bytes(content)
    r = cccd("trace", "replay", p, "--can", "123456")
    assert r.code == 6
    assert _one_line(r.err).startswith("cccd: error:")


def test_70_unexpected_exception_is_one_line(cccd, cards, monkeypatch):
    import cccd_chip.reader as reader

    def boom(*a, **k):
        raise RuntimeError("deliberate")

    monkeypatch.setattr(reader, "read_document", boom)
    monkeypatch.delenv("CCCD_DEBUG", raising=False)
    card = cards.get()
    r = cccd("read", "--virtual", card, *_id_args(cards, card))
    assert r.code == 70
    assert "internal error (RuntimeError)" in _one_line(r.err)


def test_readers_json_is_one_document_or_exit_4(cccd):
    r = cccd("readers", "--json")
    if r.code == 0:
        doc = r.json()
        assert doc["schema"] == "cccd-readers/1" and isinstance(doc["readers"], list)
    else:  # no PC/SC service on this machine
        assert r.code == 4
        _one_line(r.err)


def test_trace_of_an_aborted_read_ends_with_removed(cccd, cards, tmp_path):
    card = cards.get("cccd-2021", 7, "remove:30")
    trace = tmp_path / "a.jsonl"
    r = cccd("read", "--virtual", card, *_id_args(cards, card), "--trace", trace)
    assert r.code == 4
    _h, events = load(trace)
    assert events[-1].kind == "removed"
    assert sum(1 for e in events if e.kind == "apdu") == 29


def test_verbose_logs_hold_no_secret_or_personal_data(cards):
    import subprocess
    import sys
    from pathlib import Path

    card = cards.get()
    s = cards.secrets(card)
    exe = Path(sys.executable).with_name("cccd")
    r = subprocess.run([str(exe), "-vv", "read", "--virtual", str(card), "--id", s["id"], "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3
    assert "read DG2:" in r.stderr and "APDUs" in r.stderr  # the logs are there ...
    doc = json.loads(r.stdout)
    for secret in (s["id"], s["can"], s["document_number"], s["date_of_birth"], doc["holder"]["name"]):
        assert secret not in r.stderr  # ... and hold nothing secret or personal
