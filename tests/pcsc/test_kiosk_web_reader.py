"""`cccd kiosk --reader` over the real PC/SC stack (our pcscd + vpcd), in headless Chromium.

One kiosk process, two cards inserted and removed through vpcd: the first card's CAN comes
from --credentials, the second is typed on the page's keypad (the kiosk polls the card's
presence meanwhile). Checks the DOM at each result and that personal data leaves the page
when the card is pulled; prints card-detected -> result-on-screen times.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.emulator.vpcd import READER_NAME
from cccd_chip.transport.pcsc import card_present

_KB = Path(__file__).resolve().parents[1] / "kiosk_web" / "kiosk_browser.py"
_spec = importlib.util.spec_from_file_location("kiosk_browser_pcsc", _KB)
assert _spec and _spec.loader
kb = importlib.util.module_from_spec(_spec)
sys.modules["kiosk_browser_pcsc"] = kb
_spec.loader.exec_module(kb)

pytestmark = pytest.mark.timeout(180)


def _wait(pred, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_kiosk_screen_with_reader_over_vpcd(emulate, tmp_path):
    good = Path(personalize("cccd-2021", 31, tmp_path / "good"))
    altered = Path(personalize("cccd-2021", 32, tmp_path / "altered", ("dg-altered:DG2",)))
    can_good = VirtualCard.load(good).secrets["can"]
    can_altered = VirtualCard.load(altered).secrets["can"]
    creds = tmp_path / "creds.txt"
    creds.write_text(can_good + "\n")  # then the keypad
    out = tmp_path / "records.jsonl"
    link = emulate(good)
    browser = kb.start_chromium(kb.LANDSCAPE)
    k = kb.KioskProcess("--reader", READER_NAME, "--credentials", creds, "--csca", good / "csca.pem",
                        "--lang", "en", "--hold", "1", "--out-jsonl", out)
    try:
        kb.set_size(browser, kb.LANDSCAPE)
        browser.get(k.url)
        kb.wait_shown(browser, 30)
        f = kb.fields(browser)
        assert f["id"] == VirtualCard.load(good).secrets["id"] and any(ord(c) > 127 for c in f["name"])
        assert kb.face_info(browser)["w"] == 480
        assert kb.text_of(browser, "#verdict-title") == "Verified"
        kb.screenshot(browser, "20-vpcd-result-verified-landscape")
        first = browser.execute_script("return window.kiosk.timings[window.kiosk.timings.length - 1]")

        link.remove_card()  # pulled from the real reader
        kb.wait_state(browser, "removed", 15)
        assert kb.fields(browser) == {} and kb.face_info(browser)["src"] is None
        assert f["name"] not in browser.execute_script("return document.body.innerText")
        kb.wait_state(browser, "waiting", 15)
        _wait(lambda: not card_present(READER_NAME), 15, "PC/SC to see the reader empty")

        link.applet = Applet(VirtualCard.load(altered))
        link.insert_card()
        kb.wait_state(browser, "can", 30)
        kb.type_can(browser, can_altered)
        kb.wait_shown(browser, 30)
        assert kb.text_of(browser, "#verdict-title") == "NOT verified"
        reasons = browser.execute_script(
            "return Array.from(document.querySelectorAll('#reasons li')).map(function (l) { return l.textContent; })")
        assert "The face image (DG2) was changed after the card was issued." in reasons
        second = browser.execute_script("return window.kiosk.timings[window.kiosk.timings.length - 1]")
        for name, t in (("card 1 (--credentials)", first), ("card 2 (keypad, includes typing)", second)):
            print(f"\nkiosk over vpcd, {name}: card detected -> result on screen "
                  f"{t['shown_at'] - 1000 * t['detected_at']:.0f} ms")
    finally:
        browser.quit()
        k.stop()
    import json

    recs = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    assert [(r["status"], r["verdict"]) for r in recs] == [("complete", "successful"), ("complete", "failed")]
    assert can_altered not in k.stderr()
