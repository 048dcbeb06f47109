"""`cccd watch`, `cccd readers` and `cccd read --reader` over the real PC/SC stack (pcscd + vpcd).

Three cards are presented and removed one after another, the second one pulled
mid-read (the virtual chip's ``remove:N`` fault): two complete records and one
aborted record, from one `cccd watch` process that is never restarted. A
pcscd restart (the reader vanishing and coming back) is survived too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.emulator.vpcd import READER_NAME, wait_for_card
from cccd_chip.transport.pcsc import card_present

CCCD = Path(sys.executable).with_name("cccd")


@pytest.fixture(scope="module")
def watch_cards(tmp_path_factory):
    root = tmp_path_factory.mktemp("watch-cards")
    clean = Path(personalize("cccd-2021", 5, root / "clean"))
    pulled = Path(personalize("cccd-2021", 5, root / "pulled", ("remove:50",)))
    return clean, pulled


def _records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def _wait(pred, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _swap(link, card_dir: Path) -> None:
    """Take the card out, wait until PC/SC sees it gone, put another card in."""
    link.remove_card()
    _wait(lambda: not card_present(READER_NAME), 15, "card removal")
    link.applet = Applet(VirtualCard.load(card_dir))
    link.insert_card()


def _watch(out: Path, card_dir: Path, *extra: str) -> subprocess.Popen:
    cid = VirtualCard.load(card_dir).secrets["id"]
    return subprocess.Popen([str(CCCD), "watch", "--reader", "0", "--id", cid, "--csca", str(card_dir / "csca.pem"),
                             "--out-jsonl", str(out), "--max-cards", "3", "--poll", "0.1", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_watch_three_cards_one_pulled_mid_read(watch_cards, emulate, tmp_path):
    clean, pulled = watch_cards
    out = tmp_path / "records.jsonl"
    link = emulate(clean)
    proc = _watch(out, clean)
    try:
        _wait(lambda: len(_records(out)) == 1, 60, "record 1")
        _swap(link, pulled)  # this card leaves the field at APDU 50
        _wait(lambda: len(_records(out)) == 2, 60, "record 2")
        _wait(lambda: not card_present(READER_NAME), 15, "the pulled card to be gone")
        link.applet = Applet(VirtualCard.load(clean))
        link.insert_card()
        _wait(lambda: len(_records(out)) == 3, 60, "record 3")
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    recs = _records(out)
    assert [r["status"] for r in recs] == ["complete", "aborted", "complete"]
    assert [r["verdict"] for r in recs] == ["successful", None, "successful"]
    assert recs[1]["exit_code"] == 4 and recs[1]["result"] is None
    assert all(r["reader"] == READER_NAME for r in recs)
    assert "Traceback" not in stderr
    assert "3 cards: 2 complete, 1 aborted" in stderr


def test_watch_survives_the_reader_going_away(watch_cards, emulate, pcsc_stack, tmp_path):
    clean, _ = watch_cards
    out = tmp_path / "records.jsonl"
    link = emulate(clean, retry=0.1)
    proc = _watch(out, clean)
    try:
        _wait(lambda: len(_records(out)) == 1, 60, "record 1")
        link.remove_card()
        _wait(lambda: not card_present(READER_NAME), 15, "card removal")
        pcsc_stack.restart()  # the reader disappears and comes back (as when unplugged)
        link.insert_card()
        assert wait_for_card(READER_NAME, 20)
        _wait(lambda: len(_records(out)) == 2, 60, "record 2 after the reader came back")
        _swap(link, clean)
        _wait(lambda: len(_records(out)) == 3, 60, "record 3")
        _stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert [r["status"] for r in _records(out)] == ["complete"] * 3


def test_read_by_reader_name_part_and_wait(watch_cards, emulate):
    clean, _ = watch_cards
    emulate(clean)
    cid = VirtualCard.load(clean).secrets["id"]
    amb = subprocess.run([str(CCCD), "read", "--reader", "virtual pcd", "--id", cid], capture_output=True,
                         text=True, timeout=60)
    assert amb.returncode == 2 and "readers match" in amb.stderr  # vpcd has two slots: ambiguous
    part = READER_NAME.lower()[-8:]  # e.g. "pcd 00 00"
    r = subprocess.run([str(CCCD), "read", "--reader", part, "--wait", "5", "--id", cid, "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3, r.stderr  # no trust anchor given: undetermined
    doc = json.loads(r.stdout)
    assert doc["access"]["protocol"] == "PACE" and "DG2" in doc["files"]


def test_pcsc_failures_are_exit_4_one_line(watch_cards, emulate):
    clean, _ = watch_cards
    emulate(clean)
    for reader in ("7", "no reader is called like this"):
        r = subprocess.run([str(CCCD), "read", "--reader", reader, "--can", "123456"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 4, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_no_card_is_exit_4(watch_cards, emulate, tmp_path):
    clean, _ = watch_cards
    link = emulate(clean)
    link.remove_card()
    _wait(lambda: not card_present(READER_NAME), 15, "card removal")
    r = subprocess.run([str(CCCD), "read", "--reader", "0", "--can", "123456", "--wait", "0.5"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 4
    assert "no card" in r.stderr and "Traceback" not in r.stderr
