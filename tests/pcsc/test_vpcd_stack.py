"""The virtual chip behind pcscd + vpcd: a real PC/SC reader for the host library and any PC/SC tool."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.emulator.personalize import personalize
from cccd_chip.emulator.profiles import PROFILES
from cccd_chip.emulator.vpcd import READER_NAME, wait_for_card
from cccd_chip.errors import TransportError
from cccd_chip.reader import Credential, ReadStats, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.transport.pcsc import PcscTransport, list_readers

CCCD = Path(sys.executable).with_name("cccd")


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    root = tmp_path_factory.mktemp("pcsc-cards")
    cache: dict = {}

    def make(profile: str, faults: tuple = ()) -> Path:
        key = (profile, faults)
        if key not in cache:
            cache[key] = personalize(profile, 5, root / "-".join((profile,) + tuple(f.replace(":", "_") for f in faults)),
                                     faults)
        return cache[key]

    return make


def _cred(card: VirtualCard) -> Credential:
    s = card.secrets
    return Credential(s.get("can"), s["document_number"], s["date_of_birth"], s["date_of_expiry"])


def _read(transport, card: VirtualCard, stats=None):
    return read_document(transport, _cred(card), rng=Drbg("pcsc-host"), stats=stats)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_profile_over_pcscd_equals_in_process(cards, emulate, profile):
    d = cards(profile)
    card = VirtualCard.load(d)
    emulate(d)
    stats = ReadStats()
    with PcscTransport(READER_NAME) as t:
        assert t.atr == card.atr
        doc = _read(t, card, stats)
    local = _read(LocalTransport(Applet(card)), card)
    assert doc.files == local.files
    assert doc.absent == local.absent
    assert doc.access == local.access
    assert stats.apdus > 10


def test_readers_and_cli_read_match_virtual(cards, emulate):
    from host_cli.main import main  # noqa: F401 - the CLI must import

    d = cards("cccd-2021")
    card = VirtualCard.load(d)
    emulate(d)
    listed = subprocess.run([str(CCCD), "readers", "--json"], capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0, listed.stderr
    readers = json.loads(listed.stdout)["readers"]
    vr = [r for r in readers if r["name"] == READER_NAME]
    assert vr and vr[0]["index"] == 0 and vr[0]["card_present"] and vr[0]["atr"] == card.atr.hex().upper()
    trust = ["--csca", str(d / "csca.pem"), "--crl", str(d / "csca.crl")]
    over = subprocess.run([str(CCCD), "read", "--reader", "0", "--id", card.secrets["id"], "--json"] + trust,
                          capture_output=True, text=True, timeout=60)
    virt = subprocess.run([str(CCCD), "read", "--virtual", str(d), "--id", card.secrets["id"], "--json"] + trust,
                          capture_output=True, text=True, timeout=60)
    assert over.returncode == virt.returncode == 0, (over.stderr, virt.stderr)
    a, b = json.loads(over.stdout), json.loads(virt.stdout)
    for key in ("access", "files", "absent", "apdus"):
        assert a[key] == b[key], key
    va, vb = a.get("verification") or {}, b.get("verification") or {}
    assert va.get("overall") == vb.get("overall") == "successful"
    strip = lambda v: [(c["check"], c["verdict"], c["reason"], c.get("subject")) for c in v.get("checks", [])]  # noqa: E731
    assert strip(va) == strip(vb)


def test_removal_over_pcsc_aborts_and_the_card_comes_back(cards, emulate):
    d = cards("cccd-2021", ("remove:60",))
    card = VirtualCard.load(d)
    link = emulate(d)
    t = PcscTransport(READER_NAME)
    try:
        with pytest.raises(TransportError):  # CardRemovedError / NoCardError: the read is aborted
            _read(t, card)
    finally:
        t.close()
    assert link.applet.removed and link.apdus == 60
    deadline = time.monotonic() + 10  # PC/SC sees the empty reader ...
    while time.monotonic() < deadline and any(r.name == READER_NAME and r.card_present for r in list_readers()):
        time.sleep(0.05)
    assert not any(r.name == READER_NAME and r.card_present for r in list_readers())
    link.insert_card()  # ... and the card put back, with no restart of pcscd, emulator or reader library
    assert wait_for_card(READER_NAME, 10)
    with PcscTransport(READER_NAME, wait=5) as t2:
        doc = _read(t2, card)
    assert "DG2" in doc.files


def test_emulator_survives_a_pcscd_restart(cards, emulate, pcsc_stack):
    d = cards("passport-bac")
    card = VirtualCard.load(d)
    link = emulate(d, retry=0.1)
    pcsc_stack.restart()
    assert wait_for_card(READER_NAME, 15)
    with PcscTransport(READER_NAME, wait=5) as t:
        doc = _read(t, card)
    assert "DG1" in doc.files and not link.stopped


def test_apdu_round_trip_is_fast_with_tcp_nodelay(cards, emulate):
    d = cards("passport-bac")
    card = VirtualCard.load(d)
    emulate(d)
    with PcscTransport(READER_NAME) as t:
        t.transmit(bytes.fromhex("00A4040C07A0000002471001"))
        n = 50
        t0 = time.perf_counter()
        for _ in range(n):
            assert t.transmit(bytes.fromhex("0084000008"))[-2:] == b"\x90\x00"
        per_apdu = (time.perf_counter() - t0) / n
    print(f"\nvpcd round trip: {per_apdu * 1000:.2f} ms per APDU")
    assert per_apdu < 0.02  # Nagle + delayed ACK would cost ~40 ms


def test_cccd_emulate_process_stops_cleanly_on_sigterm(cards, pcsc_stack):
    d = cards("cccd-2021")
    card = VirtualCard.load(d)
    proc = subprocess.Popen([str(CCCD), "emulate", str(d)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert wait_for_card(READER_NAME, 15)
        states = {r.name: r for r in list_readers()}
        assert states[READER_NAME].atr == card.atr
        if shutil.which("opensc-tool"):
            out = subprocess.run(["opensc-tool", "-r", READER_NAME, "-a"], capture_output=True, text=True, timeout=30)
            assert card.atr.hex(":").upper() in out.stdout.upper().replace(" ", ":") or \
                card.atr.hex(" ").upper() in out.stdout.upper(), out.stdout + out.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "stopping" in err and "emulator stopped" in err
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(r.name == READER_NAME and r.card_present for r in list_readers()):
        time.sleep(0.1)
    assert not any(r.name == READER_NAME and r.card_present for r in list_readers())


def test_demo_transport_reads_over_the_stack(cards, pcsc_stack):
    from cccd_chip.emulator.vpcd import demo_transport, pcscd_running

    assert pcscd_running() == pcsc_stack.pcscd.pid
    d = cards("cccd-2021")
    card = VirtualCard.load(d)
    t = demo_transport(d)  # our pcscd is running: it is reused, not restarted
    assert t is not None
    try:
        assert t.reader == READER_NAME
        doc = _read(t, card)
    finally:
        t.close()
    assert "DG13" in doc.files
    assert os.path.exists("/run/pcscd/pcscd.comm")
