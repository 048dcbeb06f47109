"""``cccd kiosk`` in a real headless Chromium: the DOM at each state, against virtual cards.

Each test runs the real command (a process, stopped by its PID) and the page in Debian's
Chromium. Screenshots of each state go to kiosk_browser.ARTIFACTS.
"""

from __future__ import annotations

import json

import pytest

import kiosk_browser as kb
from kiosk_browser import HOSTILE, HOSTILE2

from cccd_chip.kiosk_web import catalogue
from cccd_chip.lds import dg13

pytestmark = pytest.mark.timeout(120)


def _dg13_name(card) -> str:
    return dg13.parse((card / "files" / "DG13.bin").read_bytes()).personal_data.full_name


def _trust(card) -> list:
    return ["--csca", card / "csca.pem", "--crl", card / "csca.crl"]


def _records(path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _body_text(driver) -> str:
    return driver.execute_script("return document.body.innerText")


def test_keypad_reading_result_removed_waiting(cards, browser, kiosk, tmp_path):
    """Every state of one card, the data with diacritics, the face, both orientations, data gone after removal."""
    card = cards.get("cccd-2021", 7)
    out = tmp_path / "records.jsonl"
    k = kiosk("--virtual", card, *_trust(card), "--lang", "en", "--hold", "1.5", "--virtual-latency", "12",
              "--out-jsonl", out)
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_state(browser, "can")  # no credential given: the keypad
    assert kb.text_of(browser, '[data-for="can"] h2') == "Enter the 6-digit CAN"
    assert browser.execute_script("return document.getElementById('can-error').hidden") is True
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "02-can-portrait")
    kb.type_can(browser, cards.secrets(card)["can"])
    kb.wait_state(browser, "reading")
    browser.execute_script("return 1")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10, 0.02).until(lambda d: d.execute_script(
        "return !!document.querySelector('#files li[data-file=\"DG2\"]')"))
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "03-reading-portrait")
    kb.wait_shown(browser)
    history = browser.execute_script("return window.kiosk.history")
    assert history[0] == "can" and "reading" in history and "verifying" in history and history[-1] == "result"
    assert history.index("reading") < history.index("verifying") < history.index("result")

    f = kb.fields(browser)
    name = _dg13_name(card)
    assert f["name"] == name and any(ord(c) > 127 for c in name)  # DG13: the name with its diacritics
    assert f["id"] == cards.secrets(card)["id"]
    for key in ("dob", "sex", "nationality", "expiry", "origin", "residence", "issue"):
        assert f.get(key), key
    face = kb.face_info(browser)
    assert face["w"] == 480 and face["h"] == 640 and face["format"] == "JPEG" and not face["hidden"]
    assert kb.text_of(browser, "#verdict-title") == "Verified"
    assert browser.execute_script("return document.getElementById('verdict').className") == "verdict verified"
    assert browser.execute_script("return document.getElementById('reasons-box').hidden") is True
    # portrait: the face above the data; nothing wider than the screen
    geo = browser.execute_script(
        "var a = document.getElementById('face').getBoundingClientRect(),"
        " b = document.getElementById('fields').getBoundingClientRect();"
        " return {faceBottom: a.bottom, fieldsTop: b.top, faceRight: a.right, fieldsLeft: b.left,"
        " sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight,"
        " w: window.innerWidth, h: window.innerHeight};")
    assert geo["faceBottom"] <= geo["fieldsTop"] and geo["sw"] <= geo["w"] and geo["sh"] <= geo["h"]
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "04-result-verified-portrait")
    kb.set_size(browser, kb.LANDSCAPE)
    geo = browser.execute_script(
        "var a = document.getElementById('face').getBoundingClientRect(),"
        " b = document.getElementById('fields').getBoundingClientRect();"
        " return {faceRight: a.right, fieldsLeft: b.left, sw: document.documentElement.scrollWidth,"
        " sh: document.documentElement.scrollHeight, w: window.innerWidth, h: window.innerHeight};")
    assert geo["faceRight"] <= geo["fieldsLeft"] and geo["sw"] <= geo["w"] and geo["sh"] <= geo["h"]
    kb.screenshot(browser, "05-result-verified-landscape")

    kb.click(browser, "#virtual-remove")  # the card leaves the reader
    kb.wait_state(browser, "removed")
    assert kb.fields(browser) == {}
    face = kb.face_info(browser)
    assert face["src"] is None and face["hidden"]
    text = _body_text(browser)
    assert name not in text and cards.secrets(card)["id"] not in text
    kb.screenshot(browser, "06-removed-landscape")
    kb.wait_state(browser, "waiting")
    assert kb.text_of(browser, '[data-for="waiting"] h2') == "Place the ID card on the reader"
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "01-waiting-landscape")
    kb.set_size(browser, kb.PORTRAIT)
    kb.screenshot(browser, "01-waiting-portrait")
    recs = _records(out)
    assert [(r["status"], r["verdict"]) for r in recs] == [("complete", "successful")]
    assert k.stop() == 0  # SIGTERM: a clean stop with the card counts
    assert "1 cards: 1 complete, 0 aborted, 0 errors" in k.stderr()


def test_wrong_can_on_keypad_then_retry(cards, browser, kiosk):
    card = cards.get("cccd-2021", 12)
    right = cards.secrets(card)["can"]
    wrong = right[1:] + right[0] if right[1:] + right[0] != right else "000000"
    k = kiosk("--virtual", card, *_trust(card), "--lang", "en", verbose=True)
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_state(browser, "can")
    kb.type_can(browser, wrong)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 15, 0.02).until(lambda d: d.execute_script(
        "return document.body.getAttribute('data-state') === 'can' && !document.getElementById('can-error').hidden"))
    assert kb.text_of(browser, "#can-error") == catalogue.text("en", "ui", "can_wrong")
    assert browser.execute_script("return document.querySelectorAll('#can-display .filled').length") == 0
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "07-can-wrong-portrait")
    kb.type_can(browser, right)
    kb.wait_shown(browser)
    assert kb.text_of(browser, "#verdict-title") == "Verified"
    assert kb.fields(browser)["name"] == _dg13_name(card)
    k.stop()
    log = k.stderr()
    assert "cccd_chip.channel: read DG2" in log  # -vv: the protocol log was on
    assert wrong not in log and right not in log  # the typed CANs never reach the log


@pytest.mark.parametrize("lang, title, words", [
    ("en", "NOT verified", "The face image (DG2) was changed after the card was issued."),
    ("vi", "KHÔNG xác thực được", "Phần ảnh khuôn mặt (DG2) đã bị thay đổi sau khi thẻ được cấp."),
])
def test_dg_altered_card_is_not_verified_with_the_reason_in_words(cards, browser, kiosk, lang, title, words):
    card = cards.get("cccd-2021", 8, "dg-altered:DG2")
    k = kiosk("--virtual", card, *_trust(card), "--can", cards.secrets(card)["can"], "--lang", lang)
    kb.set_size(browser, kb.LANDSCAPE)
    browser.get(k.url)
    kb.wait_shown(browser)
    assert kb.text_of(browser, "#verdict-title") == title
    assert browser.execute_script("return document.getElementById('verdict').className") == "verdict not_verified"
    reasons = browser.execute_script(
        "return Array.from(document.querySelectorAll('#reasons li')).map(function (l) { return l.textContent; })")
    assert words in reasons
    assert all("_" not in r for r in reasons)  # words, not reason codes
    assert browser.execute_script("return document.documentElement.lang") == lang
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, f"08-result-not-verified-{lang}-landscape")


def test_no_trust_anchor_could_not_verify(cards, browser, kiosk):
    card = cards.get("cccd-2021", 7)
    k = kiosk("--virtual", card, "--can", cards.secrets(card)["can"], "--lang", "vi")
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_shown(browser)
    assert kb.text_of(browser, "#verdict-title") == "Chưa thể xác thực"
    reasons = browser.execute_script(
        "return Array.from(document.querySelectorAll('#reasons li')).map(function (l) { return l.textContent; })")
    assert catalogue.reason_words("vi", "CSCA_NOT_FOUND") in reasons
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "09-result-could-not-verify-vi-portrait")


def test_card_pulled_mid_read_shows_try_again_then_next_card_works(cards, browser, kiosk, tmp_path):
    pulled, good = cards.get("cccd-2021", 9, "remove:60"), cards.get("cccd-2021", 7)
    creds = tmp_path / "creds.txt"
    creds.write_text(f"{cards.secrets(pulled)['can']}\n{cards.secrets(good)['can']}\n")
    out = tmp_path / "records.jsonl"
    k = kiosk("--virtual", pulled, "--virtual", good, *_trust(good), "--credentials", creds, "--lang", "en",
              "--hold", "3", "--virtual-gap", "4", "--virtual-latency", "10", "--out-jsonl", out)
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_state(browser, "aborted")
    assert kb.text_of(browser, '[data-for="aborted"] h2') == "Card removed, try again"
    assert kb.fields(browser) == {} and kb.face_info(browser)["src"] is None  # never a partial result
    assert "result" not in browser.execute_script("return window.kiosk.history")
    assert kb.contrast_failures(browser) == []
    kb.screenshot(browser, "10-aborted-portrait")
    kb.wait_shown(browser)  # the next card is read normally
    assert kb.text_of(browser, "#verdict-title") == "Verified"
    history = browser.execute_script("return window.kiosk.history")
    assert history.index("aborted") < history.index("waiting") < history.index("result")
    assert [r["status"] for r in _records(out)] == ["aborted", "complete"]
    assert _records(out)[0]["reason"] == "TRANSPORT_CARD_REMOVED"


def test_personal_data_cleared_after_timeout(cards, browser, kiosk):
    card = cards.get("cccd-2021", 7)
    k = kiosk("--virtual", card, "--can", cards.secrets(card)["can"], "--lang", "en", "--clear-after", "2")
    kb.set_size(browser, kb.LANDSCAPE)
    browser.get(k.url)
    kb.wait_shown(browser)
    name = kb.fields(browser)["name"]
    kb.wait_state(browser, "done", timeout=10)  # the card is still on the reader
    assert kb.fields(browser) == {} and kb.face_info(browser)["src"] is None
    assert name not in _body_text(browser)
    assert kb.text_of(browser, '[data-for="done"] h2') == "Please take your card"
    kb.screenshot(browser, "11-cleared-landscape")


def test_jpeg2000_face_is_converted_and_shown(cards, browser, kiosk):
    card = cards.get("cccd-2021", 13, variant="jpeg2000")
    assert (card / "files" / "DG2.bin").read_bytes().find(b"jP  \r\n\x87\n") > 0  # really JPEG2000 on the chip
    k = kiosk("--virtual", card, *_trust(card), "--can", cards.secrets(card)["can"], "--lang", "en")
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_shown(browser)
    face = kb.face_info(browser)
    assert face["format"] == "JPEG2000" and face["src"].startswith("data:image/png;base64,")
    assert face["w"] == 480 and face["h"] == 640
    assert kb.text_of(browser, "#face-note") == catalogue.text("en", "ui", "face_jpeg2000")
    assert kb.text_of(browser, "#verdict-title") == "Verified"  # the JPEG2000 card is signed like any other


def test_strings_from_the_card_are_text_never_markup(cards, browser, kiosk):
    card = cards.get("cccd-2021", 14, variant="hostile")
    k = kiosk("--virtual", card, *_trust(card), "--can", cards.secrets(card)["can"], "--lang", "en")
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_shown(browser)
    f = kb.fields(browser)
    assert f["residence"] == HOSTILE and f["origin"] == HOSTILE2
    assert browser.execute_script("return document.querySelectorAll('#fields *').length") == 2 * len(f)  # dt + dd only
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1  # kiosk.js only
    assert browser.title != "pwned"
    assert kb.text_of(browser, "#verdict-title") == "Verified"  # the odd strings are the signed data


def test_restyle_with_own_stylesheet(cards, browser, kiosk, tmp_path):
    card = cards.get("cccd-2021", 7)
    css = tmp_path / "bank.css"
    css.write_text(":root { --bar-bg: #5a1a7a; --ok-bg: #00522a; }\n.bar h1 { letter-spacing: 0.1em; }\n")
    k = kiosk("--virtual", card, *_trust(card), "--can", cards.secrets(card)["can"], "--lang", "en", "--style", css)
    kb.set_size(browser, kb.LANDSCAPE)
    browser.get(k.url)
    kb.wait_shown(browser)
    bar = browser.execute_script("return getComputedStyle(document.querySelector('.bar')).backgroundColor")
    ok = browser.execute_script("return getComputedStyle(document.getElementById('verdict')).backgroundColor")
    assert bar == "rgb(90, 26, 122)" and ok == "rgb(0, 82, 42)"
    assert kb.contrast_failures(browser) == []


def test_contrast_checker_catches_low_contrast(cards, browser, kiosk, tmp_path):
    """The WCAG check above can fail: a pale verdict colour is reported."""
    card = cards.get("cccd-2021", 7)
    css = tmp_path / "pale.css"
    css.write_text(":root { --ok-bg: #7fd69a; }\n")
    k = kiosk("--virtual", card, *_trust(card), "--can", cards.secrets(card)["can"], "--lang", "en", "--style", css)
    browser.get(k.url)
    kb.wait_shown(browser)
    failures = kb.contrast_failures(browser)
    assert any("Verified" in f for f in failures)


def test_card_removed_while_keypad_shown_then_cancel_on_the_next(cards, browser, kiosk, tmp_path):
    """The kiosk watches the card while the CAN is typed: removal ends it (aborted); Cancel ends the next (error)."""
    first, second = cards.get("cccd-2021", 7), cards.get("cccd-2021", 12)
    out = tmp_path / "records.jsonl"
    k = kiosk("--virtual", first, "--virtual", second, "--lang", "en", "--hold", "1", "--virtual-gap", "1.5",
              "--out-jsonl", out)
    kb.set_size(browser, kb.PORTRAIT)
    browser.get(k.url)
    kb.wait_state(browser, "can")
    kb.click(browser, '#keypad [data-digit="1"]')  # half typed
    kb.click(browser, "#virtual-remove")
    kb.wait_state(browser, "aborted")
    assert browser.execute_script("return document.querySelectorAll('#can-display .filled').length") == 0
    kb.wait_state(browser, "can", 15)  # the second card
    kb.click(browser, "#can-cancel")
    kb.wait_state(browser, "error")
    assert kb.text_of(browser, "#error-reason") == catalogue.reason_words("en", "USAGE")
    recs = _records(out)
    assert [(r["status"], r["reason"]) for r in recs] == [("aborted", "TRANSPORT_CARD_REMOVED"), ("error", "USAGE")]
