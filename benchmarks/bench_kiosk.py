"""The kiosk screen's cost (``make bench``): card detected -> result on screen vs ``cccd read``.

Over the real PC/SC stack (our own pcscd + vpcd, as in tests/pcsc) and the same virtual
CCCD, in pairs in one run:

- ``read``: what ``cccd read --reader ... --json`` does once the card is connected: read the
  document, verify it, build the JSON view;
- ``kiosk``: the ``cccd kiosk`` engine (cccd_chip/kiosk_web, in this process, with a fixed
  credential) and headless Chromium showing its page: from the kiosk loop's "card detected"
  (the card connected) to the result painted on the page (DOM filled, face decoded, next frame).

Prints the medians, the difference (what the screen adds; the goal is <= 50 ms) and the ratio.
Needs root, pcscd + vsmartcard-vpcd and chromium + chromium-driver; says why and exits 0 when
they are missing. Serialises with the PC/SC tests on their lock file.
"""

from __future__ import annotations

import fcntl
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10
GOAL_MS = 50.0
LOCK_PATH = Path("/tmp/cccd-chip-pcsc-tests.lock")


class Gate:
    """A card source that hands out cards only while open (the direct reads use the reader meanwhile)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.open = threading.Event()

    def wait_for_card(self, timeout: float):
        if not self.open.is_set():
            time.sleep(min(timeout, 0.01))
            return None
        return self.inner.wait_for_card(timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self.inner.wait_for_removal(timeout)


def _wait(pred, timeout: float, what, step: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(step)
    raise RuntimeError(f"timed out waiting for {what() if callable(what) else what}")


def main() -> int:
    import shutil

    from cccd_chip.emulator import vpcd

    missing = [x for x in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not Path(x).exists()]
    if missing or shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        print(f"skipped: needs pcscd, vsmartcard-vpcd, chromium, chromium-driver ({', '.join(missing) or 'pcscd'})")
        return 0
    try:
        import uvicorn  # noqa: F401
        from selenium import webdriver  # noqa: F401
    except ImportError as e:
        print(f"skipped: the kiosk and test extras are not installed ({e.name})")
        return 0
    lock = open(LOCK_PATH, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # one PC/SC user at a time (the tests take the same lock)
    try:
        if vpcd.pcscd_running() is not None:
            print("skipped: a pcscd not started by this benchmark is running")
            return 0
        return _run(vpcd)
    except vpcd.ReaderUnavailableError as e:
        print(f"skipped: {e}")
        return 0
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _run(vpcd) -> int:
    sys.path.insert(0, str(ROOT / "tests" / "kiosk_web"))
    import kiosk_browser as kb

    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.kiosk_web.server import KioskWeb, KioskWebOptions
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.reader import Credential, ReadStats, read_document
    from cccd_chip.transport.pcsc import PcscCardSource, PcscTransport, card_present
    from cccd_chip.verify.document_check import verify_document
    from host_cli import render

    tmp = Path(tempfile.mkdtemp(prefix="cccd-bench-kiosk-"))
    card_dir = Path(personalize("cccd-2021", 1, tmp / "card"))
    card = VirtualCard.load(card_dir)
    cred = Credential.from_can(card.secrets["can"])
    store = TrustStore.from_sources(csca=[str(card_dir / "csca.pem")])
    reader = vpcd.READER_NAME

    pcscd = vpcd.OwnPcscd()
    link = vpcd.VpcdLink(Applet(card), reinsert_after=None)
    thread = vpcd.start_in_thread(link)
    gate = Gate(PcscCardSource(reader, poll=0.05))  # faster polling loads pcscd (a new context per poll)
    web = KioskWeb(gate, credentials=lambda info: cred, trust_store=store,
                   options=KioskWebOptions(port=0, lang="en", hold=0.05, poll=0.05))
    browser = None
    direct: list[float] = []
    screen: list[float] = []
    server: list[float] = []  # card detected -> result state sent (read, verify, result view)
    try:
        web.start()
        browser = kb.start_chromium(kb.LANDSCAPE)
        browser.get(web.url)
        _wait(lambda: kb.state(browser) == "waiting", 20, "the page")
        link.remove_card()
        _wait(lambda: not card_present(reader), 15, "an empty reader")
        for i in range(ROUNDS + 1):  # round 0 warms both paths up and is not counted
            # cccd read (after connecting, as the kiosk's clock starts after connecting)
            link.insert_card()
            _wait(lambda: bool(card_present(reader)), 15, "the card")
            t = PcscTransport(reader)
            try:
                t0 = time.perf_counter()
                stats = ReadStats()
                doc = read_document(t, cred, stats=stats, source=f"pcsc:{reader}")
                report = verify_document(doc, store)
                render.read_json(doc, report, stats)
                ms_read = (time.perf_counter() - t0) * 1000
            finally:
                t.close()
            link.remove_card()
            _wait(lambda: not card_present(reader), 15, "an empty reader")
            # the kiosk screen
            before = browser.execute_script("return window.kiosk.timings.length")
            gate.open.set()
            link.insert_card()
            # wait on the kiosk's own state first: polling the page meanwhile would load the
            # browser and the machine during the read being measured
            _wait(lambda: web.screen.state in ("result", "error", "aborted"), 30,
                  lambda: f"the result (kiosk state {web.screen.state!r}, card present {card_present(reader)}, "
                          f"link connected {link.connected.is_set()}, loop thread alive "
                          f"{web._threads[0].is_alive()})")
            _wait(lambda: browser.execute_script("return window.kiosk.timings.length") > before, 30,
                  lambda: f"the page (kiosk state {web.screen.state!r}, page history "
                          f"{browser.execute_script('return window.kiosk.history.slice(-6)')})", 0.05)
            t = browser.execute_script("return window.kiosk.timings[window.kiosk.timings.length - 1]")
            ms_screen = t["shown_at"] - 1000 * t["detected_at"]
            ms_server = 1000 * (t["sent_at"] - t["detected_at"])
            link.remove_card()
            _wait(lambda: web.screen.state == "waiting", 15, "the waiting screen")
            gate.open.clear()
            _wait(lambda: not card_present(reader), 15, "an empty reader")
            if i:
                direct.append(ms_read)
                screen.append(ms_screen)
                server.append(ms_server)
    finally:
        if browser is not None:
            browser.quit()
            shutil_rm(browser.profile_dir)
        web.stop()
        link.stop()
        thread.join(5)
        pcscd.stop()
        shutil_rm(tmp)
    md, ms = statistics.median(direct), statistics.median(screen)
    pairs = [s - d for s, d in zip(screen, direct)]
    print(f"cccd-2021 over pcscd + vpcd, {ROUNDS} pairs (medians; card connected -> ...)")
    print(f"  cccd read (read + verify + JSON view)        {md:7.1f} ms")
    print(f"  cccd kiosk (... + result painted in Chromium) {ms:7.1f} ms")
    print(f"    of which in the kiosk process               {statistics.median(server):7.1f} ms "
          f"(read, verify, result view), in the page {ms - statistics.median(server):.1f} ms")
    print(f"  the screen adds {ms - md:+.1f} ms (median of pair differences {statistics.median(pairs):+.1f} ms; "
          f"goal <= {GOAL_MS:.0f} ms: {'met' if statistics.median(pairs) <= GOAL_MS else 'NOT met'}); "
          f"ratio kiosk/read {ms / md:.3f}")
    return 0


def shutil_rm(path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
