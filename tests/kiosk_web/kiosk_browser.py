"""Helpers for the kiosk screen tests: a real headless Chromium (Debian ``chromium`` driven by
Selenium through Debian's ``chromium-driver``; no browser download) and ``cccd kiosk`` run as a
real process, stopped by its PID.

Screenshots go to ``KIOSK_ARTIFACTS`` (default ``build/kiosk-screenshots`` in the repository):
test artifacts, not committed; a chosen set is copied to ``docs/kiosk/`` by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Optional

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("KIOSK_ARTIFACTS") or REPO / "build" / "kiosk-screenshots")
PORTRAIT, LANDSCAPE = (1080, 1920), (1920, 1080)
HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'  # DG13 strings of the markup test card
HOSTILE2 = "</dd><script>document.title='pwned'</script>&amp;"
CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
                 "--disable-features=Translate,MediaRouter", "--password-store=basic")


def start_chromium(size=PORTRAIT):
    """A fresh headless Chromium (own --user-data-dir) under chromedriver; caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in CHROMIUM_ARGS:
        opts.add_argument(a)
    profile = tempfile.mkdtemp(prefix="cccd-kiosk-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={size[0]},{size[1]}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.profile_dir = profile
    return driver


def set_size(driver, size) -> None:
    """Make the page's viewport exactly ``size`` (the window is a bit larger than its viewport)."""
    driver.set_window_size(*size)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(size[0] + (size[0] - inner[0]), size[1] + (size[1] - inner[1]))


class KioskProcess:
    """``cccd kiosk ARGS --port 0``: the URL it prints; ``stop()`` sends SIGTERM to its PID."""

    def __init__(self, *args: str, verbose: bool = False, timeout: float = 30.0) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="cccd-kiosk-", suffix=".log", delete=False)
        cmd = [sys.executable, "-c", "from host_cli.main import main; main()"]
        if verbose:
            cmd.append("-vv")
        cmd += ["kiosk", "--port", "0", *map(str, args)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL,
                                     text=True, env=env, cwd=REPO)
        self.url = self._read_url(timeout)
        self.base = self.url.split("/?", 1)[0]
        self.token = self.url.split("token=", 1)[1]

    def _read_url(self, timeout: float) -> str:
        import selectors

        sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sel.select(timeout=0.2):
                line = self.proc.stdout.readline()
                if line.startswith("http://"):
                    return line.strip()
                if not line and self.proc.poll() is not None:
                    break
        self.stop()
        raise AssertionError(f"cccd kiosk did not print its URL; log:\n{self.stderr()}")

    def stderr(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def post(self, path: str, body: bytes = b"{}", token: Optional[str] = None, headers: Optional[dict] = None):
        req = urllib.request.Request(self.base + path, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Kiosk-Token": self.token if token is None else token,
                                              **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to this PID only
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode


def state(driver) -> str:
    return driver.execute_script("return document.body.getAttribute('data-state')")


def wait_state(driver, want: str, timeout: float = 20.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.02).until(lambda d: state(d) == want)
    except Exception:
        raise AssertionError(f"page state {state(driver)!r}, wanted {want!r}; history "
                             f"{driver.execute_script('return window.kiosk && window.kiosk.history')}") from None


def wait_shown(driver, timeout: float = 20.0) -> None:
    """Until the result is on screen: DOM filled, face decoded, one frame painted."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.02).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-state') === 'result' && "
                                   "!!document.body.dataset.shown"))


def text_of(driver, css: str) -> str:
    return driver.execute_script("var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)


def fields(driver) -> dict:
    return driver.execute_script(
        "var o = {}; document.querySelectorAll('#fields dd').forEach(function (d) { o[d.dataset.key] = d.textContent; });"
        " return o;")


def face_info(driver) -> dict:
    return driver.execute_script(
        "var i = document.getElementById('face'); return {src: i.getAttribute('src'), w: i.naturalWidth,"
        " h: i.naturalHeight, complete: i.complete, format: i.dataset.format || null, hidden: i.hidden};")


def click(driver, css: str) -> None:
    driver.find_element("css selector", css).click()


def type_can(driver, digits: str) -> None:
    for d in digits:
        click(driver, f'#keypad [data-digit="{d}"]')
    click(driver, "#can-ok")


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


_CONTRAST_JS = r"""
function lin(c) { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }
function lum(rgb) { return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]); }
function parse(s) { var m = s.match(/rgba?\(([^)]+)\)/); if (!m) { return null; }
  var p = m[1].split(',').map(parseFloat); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
function bg(el) { for (var e = el; e; e = e.parentElement) { var c = parse(getComputedStyle(e).backgroundColor);
  if (c && c[3] > 0.5) { return c; } } return [255, 255, 255, 1]; }
var out = [];
document.querySelectorAll('body *').forEach(function (el) {
  var own = Array.from(el.childNodes).some(function (n) { return n.nodeType === 3 && n.textContent.trim(); });
  if (!own || !el.getClientRects().length) { return; }
  var st = getComputedStyle(el);
  if (st.visibility === 'hidden' || el.closest('[hidden]') || el.disabled) { return; }
  var fg = parse(st.color), b = bg(el);
  var l1 = lum(fg), l2 = lum(b), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  var size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
  var need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < need) { out.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2)); }
});
return out;
"""


def contrast_failures(driver) -> list:
    """Visible text below WCAG 2.x AA contrast (4.5:1; 3:1 for large text) on the current screen."""
    return driver.execute_script(_CONTRAST_JS)
