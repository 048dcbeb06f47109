"""Trace record + strict replay (docs/architecture.md §7, transport/trace.py) on the in-process virtual chip."""

import json

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.errors import SecureMessagingError, TraceFormatError, TraceMismatchError, CardRemovedError
from cccd_chip.reader import Credential, ReadOptions, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.transport.trace import TraceRecorder, TraceReplayer
from testsupport.secret_scan import contains_secret
from host_cli.exit_codes import exit_code_for


@pytest.fixture(scope="module")
def card_dir(tmp_path_factory):
    return personalize("cccd-2021", 3, tmp_path_factory.mktemp("card") / "c")


def _bac_cred(card):
    s = card.secrets
    return Credential.from_mrz(s["document_number"], s["date_of_birth"], s["date_of_expiry"])


def _record(card_dir, path):
    card = VirtualCard.load(card_dir)
    import os
    rec = TraceRecorder(LocalTransport(Applet(card)), path, rng=os.urandom, source="test")
    doc = read_document(rec, _bac_cred(card), rng=rec.rng, options=ReadOptions(force="BAC"))
    rec.save()
    return card, doc


def test_replay_gives_identical_document(card_dir, tmp_path):
    card, doc = _record(card_dir, tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "cccd-apdu-trace" and header["version"] == 1 and header["atr"]
    assert any('"rng"' in ln for ln in lines)
    # the password itself never appears in the trace
    assert not contains_secret((tmp_path / "t.jsonl").read_text(), card.secrets["date_of_birth"])
    rep = TraceReplayer(tmp_path / "t.jsonl")
    doc2 = read_document(rep, _bac_cred(card), rng=rep.rng, options=ReadOptions(force="BAC"))
    rep.finish()
    assert doc2.files == doc.files and doc2.access == doc.access


def test_flipped_response_byte_is_a_secure_messaging_error(card_dir, tmp_path):
    card, _ = _record(card_dir, tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    # flip a byte in the last protected response (it carries DO'87'/DO'8E')
    for i in range(len(lines) - 1, 0, -1):
        ev = json.loads(lines[i])
        if "r" in ev and ev["r"].startswith("87"):
            r = bytearray.fromhex(ev["r"])
            r[4] ^= 0x01
            ev["r"] = r.hex().upper()
            lines[i] = json.dumps(ev)
            break
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n")
    rep = TraceReplayer(tmp_path / "bad.jsonl")
    with pytest.raises(SecureMessagingError) as e:
        read_document(rep, _bac_cred(card), rng=rep.rng, options=ReadOptions(force="BAC"))
    assert exit_code_for(e.value) == 5


def test_command_mismatch_names_the_index(card_dir, tmp_path):
    card, _ = _record(card_dir, tmp_path / "t.jsonl")
    rep = TraceReplayer(tmp_path / "t.jsonl")
    s = card.secrets
    wrong_dob = "010101" if s["date_of_birth"] != "010101" else "020202"
    other = Credential.from_mrz(s["document_number"], wrong_dob, s["date_of_expiry"])
    with pytest.raises(TraceMismatchError) as e:
        read_document(rep, other, rng=rep.rng, options=ReadOptions(force="BAC"))
    assert e.value.index is not None and "APDU #" in str(e.value)


def test_leftover_events_and_exhaustion(card_dir, tmp_path):
    card, _ = _record(card_dir, tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    (tmp_path / "long.jsonl").write_text("\n".join(lines + [lines[-1]]) + "\n")
    rep = TraceReplayer(tmp_path / "long.jsonl")
    read_document(rep, _bac_cred(card), rng=rep.rng, options=ReadOptions(force="BAC"))
    with pytest.raises(TraceMismatchError):
        rep.finish()
    (tmp_path / "short.jsonl").write_text("\n".join(lines[:-3]) + "\n")
    rep = TraceReplayer(tmp_path / "short.jsonl")
    with pytest.raises(TraceMismatchError):
        read_document(rep, _bac_cred(card), rng=rep.rng, options=ReadOptions(force="BAC"))


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"not json\n", b'{"format":"x"}\n',
                                     b'{"format":"cccd-apdu-trace","version":1}\n{"c":"zz","r":"9000"}\n',
                                     b'{"format":"cccd-apdu-trace","version":1}\n[1,2]\n'])
def test_garbage_trace(tmp_path, content):
    p = tmp_path / "g.jsonl"
    p.write_bytes(content)
    with pytest.raises(TraceFormatError) as e:
        TraceReplayer(p)
    assert exit_code_for(e.value) == 6


def test_removed_event_replays_as_removal(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text('{"format":"cccd-apdu-trace","version":1}\n{"event":"removed"}\n')
    rep = TraceReplayer(p)
    with pytest.raises(CardRemovedError):
        rep.transmit(b"\x00\xa4\x04\x0c")


@pytest.mark.parametrize("ms", ["9" * 400, "-" + "9" * 400, "1e999", '"fast"', "true"])
def test_odd_timing_values_are_dropped_not_crashing(ms):
    """'ms' is informational: an integer too large for a float (OverflowError) or a non-finite value is ignored."""
    from cccd_chip.transport import trace

    raw = ('{"format":"cccd-apdu-trace","version":1}\n{"c":"00A4040C","r":"9000","ms":' + ms + '}\n').encode()
    _, events = trace.parse(raw)
    assert [(e.kind, e.response) for e in events] == [("apdu", b"\x90\x00")]
    assert events[0].ms is None or events[0].ms == 1.0


@pytest.mark.parametrize("ms", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(ms):
    """NaN / Infinity are not JSON (RFC 8259 §6): the one JSON loader refuses the line (exit 6), no crash."""
    from cccd_chip.errors import TraceFormatError
    from cccd_chip.transport import trace

    raw = ('{"format":"cccd-apdu-trace","version":1}\n{"c":"00A4040C","r":"9000","ms":' + ms + '}\n').encode()
    with pytest.raises(TraceFormatError):
        trace.parse(raw)
