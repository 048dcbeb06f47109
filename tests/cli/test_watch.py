"""Kiosk mode: the library loop (in-process card source) and `cccd watch` over virtual cards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cccd_chip.errors import OutputError

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import CardRemovedError
from cccd_chip.kiosk import (
    DumpDirSink,
    JsonLinesSink,
    KioskCallbacks,
    KioskLoop,
    Record,
    ScriptedCardSource,
)
from cccd_chip.reader import Credential
from cccd_chip.transport.local import LocalTransport
from host_cli.exit_codes import exit_code_for


class PulledAt:
    """The card leaves the field when APDU number ``n`` (from 1) is sent."""

    def __init__(self, inner, n: int) -> None:
        self.inner, self.n, self.sent = inner, n, 0
        self.reader, self.atr = "test reader", inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        self.sent += 1
        if self.sent >= self.n:
            raise CardRemovedError("card removed")
        return self.inner.transmit(apdu)

    def close(self) -> None:
        pass


def _transport(card: VirtualCard):
    return LocalTransport(Applet(card), reader="test reader")


def _loop(source, card_dir: Path, sink, **kw):
    s = json.loads((card_dir / "card.json").read_text())["secrets"]
    return KioskLoop(source, credentials=lambda info: Credential.from_cccd_id(s["id"]), sink=sink,
                     exit_code_for=exit_code_for, **kw)


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_three_cards_one_pulled(cards, tmp_path):
    d = cards.get()
    card = VirtualCard.load(d)
    seen = []
    cb = KioskCallbacks(on_card=lambda i: seen.append(("card", i.sequence)),
                        on_record=lambda r: seen.append((r.status, r.sequence)),
                        on_removed=lambda: seen.append(("removed",)))
    out = tmp_path / "records.jsonl"
    source = ScriptedCardSource([_transport(card), PulledAt(_transport(card), 40), _transport(card)])
    counts = _loop(source, d, JsonLinesSink(out), callbacks=cb, trust_store=None).run(max_cards=3)
    assert (counts.complete, counts.aborted, counts.error) == (2, 1, 0)
    recs = _lines(out)
    assert [r["status"] for r in recs] == ["complete", "aborted", "complete"]
    assert recs[1]["result"] is None and recs[1]["verdict"] is None
    assert recs[1]["reason"] == "TRANSPORT_CARD_REMOVED" and recs[1]["exit_code"] == 4
    assert recs[0]["result"]["files"]["DG2"]["length"] > 10000
    assert all(r["schema"] == "cccd-kiosk-record/1" for r in recs)
    assert seen[:3] == [("card", 1), ("complete", 1), ("removed",)]


def test_pulled_at_every_apdu_position_then_next_card_reads(cards, tmp_path):
    """cccd-2024 (extended length, PACE + CA + AA): every position of the full read."""
    d = cards.get("cccd-2024", 7)
    card = VirtualCard.load(d)
    s = json.loads((d / "card.json").read_text())["secrets"]
    probe = _transport(card)
    from cccd_chip.reader import ReadStats, read_document

    stats = ReadStats()
    read_document(probe, Credential.from_can(s["can"]), stats=stats)
    total = stats.apdus
    assert total >= 10
    out = tmp_path / "r.jsonl"
    cards_seq = []
    for n in range(1, total + 1):
        cards_seq += [PulledAt(_transport(card), n), _transport(card)]
    loop = KioskLoop(ScriptedCardSource(cards_seq), credentials=lambda i: Credential.from_can(s["can"]),
                     sink=JsonLinesSink(out), verify=lambda doc, store: None)
    counts = loop.run(max_cards=len(cards_seq))
    assert counts.aborted == total and counts.complete == total and counts.error == 0
    statuses = [r["status"] for r in _lines(out)]
    assert statuses == ["aborted", "complete"] * total


def test_errors_are_recorded_and_the_loop_goes_on(cards, tmp_path):
    d = cards.get()
    card = VirtualCard.load(d)
    creds = iter([Credential.from_can("000000"), None])
    out = tmp_path / "r.jsonl"
    loop = KioskLoop(ScriptedCardSource([_transport(card), _transport(card)]), credentials=lambda i: next(creds),
                     sink=JsonLinesSink(out), exit_code_for=exit_code_for)
    counts = loop.run(max_cards=2)
    recs = _lines(out)
    assert counts.error == 2
    assert recs[0]["exit_code"] == 5 and recs[1]["exit_code"] == 2
    assert "000000" not in out.read_text()


def test_jsonl_sink_closes_a_torn_line(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text('{"schema":"cccd-kiosk-record/1","sequence":1,"status":"comp')  # a crash mid-write
    rec = Record(2, "aborted", "t0", "t1", "r", None, 4, reason="TRANSPORT_CARD_REMOVED", message="card removed")
    JsonLinesSink(out).write(rec)
    lines = out.read_text().splitlines()
    assert len(lines) == 2
    with pytest.raises(ValueError):
        json.loads(lines[0])  # the torn record can never be read as complete
    assert json.loads(lines[1])["status"] == "aborted"


def test_dump_dir_sink_is_atomic(cards, tmp_path, monkeypatch):
    from cccd_chip.document import Document

    d = cards.get()
    card = VirtualCard.load(d)
    sink = DumpDirSink(tmp_path / "out")
    _loop(ScriptedCardSource([_transport(card)]), d, sink).run(max_cards=1)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["000001-complete"]
    assert json.loads((tmp_path / "out" / names[0] / "record.json").read_text())["status"] == "complete"
    loaded = Document.load(tmp_path / "out" / names[0] / "dump")
    assert "DG2" in loaded.files

    def crash(self, path):
        raise OSError("disk full")

    monkeypatch.setattr(Document, "save", crash)
    with pytest.raises(OutputError):  # a failed write is an output error (exit 7), never a bare OSError
        _loop(ScriptedCardSource([_transport(card)]), d, DumpDirSink(tmp_path / "out")).run(max_cards=1)
    finals = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert finals == ["000001-complete"]  # no second folder that looks whole
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no hidden copy left
    (tmp_path / "out" / ".tmp-000002-complete-1").mkdir()  # what a kill -9 of an older version left
    monkeypatch.undo()
    _loop(ScriptedCardSource([_transport(card)]), d, DumpDirSink(tmp_path / "out")).run(max_cards=1)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["000001-complete", "000002-complete"]  # the crash's leftovers are gone


def test_cli_watch_three_virtual_cards_one_pulled(cccd, cards, tmp_path):
    clean = cards.get()
    pulled = cards.get("cccd-2021", 7, "remove:50")
    s = cards.secrets(clean)
    out = tmp_path / "w.jsonl"
    r = cccd("watch", "--virtual", clean, "--virtual", pulled, "--virtual", clean, "--id", s["id"],
             "--csca", clean / "csca.pem", "--out-jsonl", out, "--json")
    assert r.code == 0, r.err
    recs = _lines(out)
    assert [x["status"] for x in recs] == ["complete", "aborted", "complete"]
    assert [x["verdict"] for x in recs] == ["successful", None, "successful"]
    assert [json.loads(x)["status"] for x in r.out.splitlines()] == ["complete", "aborted", "complete"]
    assert "3 cards: 2 complete, 1 aborted" in r.err


def test_cli_watch_credentials_file(cccd, cards, tmp_path):
    clean = cards.get()
    s = cards.secrets(clean)
    creds = tmp_path / "creds.txt"
    creds.write_text(f"# one per card\n{s['can']}\n{json.dumps({'id': s['id']})}\n000000\n")
    r = cccd("watch", "--virtual", clean, "--virtual", clean, "--virtual", clean, "--credentials", creds,
             "--out-dir", tmp_path / "d")
    assert r.code == 0, r.err
    names = sorted(p.name for p in (tmp_path / "d").iterdir())
    assert names == ["000001-complete", "000002-complete", "000003-error"]


def test_cli_watch_bad_credentials_file_is_usage(cccd, cards, tmp_path):
    creds = tmp_path / "creds.txt"
    creds.write_text("hello\n")
    r = cccd("watch", "--virtual", cards.get(), "--credentials", creds, "--out-jsonl", tmp_path / "x")
    assert r.code == 2 and "Traceback" not in r.err


def test_failing_callbacks_never_stop_the_kiosk(cards, tmp_path):
    d = cards.get()
    card = VirtualCard.load(d)
    calls = []

    def bad(*a):
        calls.append(a)
        raise RuntimeError("UI bug")

    cb = KioskCallbacks(on_waiting=bad, on_card=bad, on_progress=bad, on_record=bad, on_removal_wait=bad,
                        on_removed=bad)
    out = tmp_path / "r.jsonl"
    counts = _loop(ScriptedCardSource([_transport(card), _transport(card)]), d, JsonLinesSink(out),
                   callbacks=cb).run(max_cards=2)
    assert counts.complete == 2 and len(calls) > 10
    assert [r["status"] for r in _lines(out)] == ["complete", "complete"]
