"""The real PC/SC stack for tests: our own pcscd (foreground, root) with only the vpcd reader.

- Test sessions on one machine are serialised with a lock file.
- If a pcscd not started by these tests is already running, the fixture fails
  with a clear message (deterministic: never reuse or kill someone else's
  daemon). Stop it (or run the tests in a container) and try again.
- pcscd is stopped by its PID afterwards.
Every test in this folder is marked ``pcsc``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.vpcd import READER_NAME, OwnPcscd, VpcdLink, pcscd_running, start_in_thread, wait_for_card

LOCK_PATH = Path("/tmp/cccd-chip-pcsc-tests.lock")
LOCK_WAIT = 300.0


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.pcsc)


class Stack:
    """Our pcscd; ``restart()`` simulates the host side going away and coming back."""

    def __init__(self) -> None:
        self.pcscd = OwnPcscd()

    def restart(self) -> None:
        self.pcscd.stop()
        self.pcscd = OwnPcscd()

    def stop(self) -> None:
        self.pcscd.stop()


@pytest.fixture(scope="session")
def pcsc_stack():
    lock = open(LOCK_PATH, "w")
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail("another cccd-chip PC/SC test session holds the lock for too long")
            time.sleep(0.5)
    try:
        foreign = pcscd_running()
        if foreign is not None:
            pytest.fail(f"a pcscd (pid {foreign}) is already running; the pcsc tests start their own "
                        "pcscd with only the vpcd reader. Stop the running one and retry.")
        if os.geteuid() != 0:
            pytest.fail("the pcsc tests start pcscd and need root (as in CI)")
        stack = Stack()
        try:
            yield stack
        finally:
            pid = stack.pcscd.pid
            stack.stop()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 0)
                pytest.fail(f"pcscd {pid} is still running after stop")
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture
def emulate(pcsc_stack):
    """emulate(card_dir, **link_kw) -> VpcdLink serving that card (stopped after the test)."""
    links = []

    def start(card_dir, **kw) -> VpcdLink:
        kw.setdefault("reinsert_after", None)
        link = VpcdLink(Applet(VirtualCard.load(card_dir)), **kw)
        thread = start_in_thread(link)
        links.append((link, thread))
        assert wait_for_card(READER_NAME, 15), "the card did not appear in the vpcd reader"
        return link

    yield start
    for link, thread in links:
        link.stop()
        thread.join(5)
        assert not thread.is_alive()
    _wait_absent()


def _wait_absent(timeout: float = 10.0) -> None:
    from cccd_chip.transport.pcsc import list_readers

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not any(r.name == READER_NAME and r.card_present for r in list_readers()):
                return
        except Exception:  # noqa: BLE001 - pcscd may be restarting
            return
        time.sleep(0.1)
