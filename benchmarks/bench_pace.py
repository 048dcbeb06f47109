"""Host-side CPU cost of one PACE-GM (issue 3): brainpoolP256r1 and P-256, vs. OpenSSL.

Runs PACE-GM-AES-128 (CAN) against the in-process virtual chip and measures
the host's CPU time only (the chip's work inside ``transmit`` is subtracted).
Beside it, the "OpenSSL floor": the same group operations done with
``cryptography`` alone, as if OpenSSL had point arithmetic on a mapped
generator - two key-pair generations and two ECDH key agreements on the
curve. Prints the median per run and the ratio host / floor.

Target: < 15 ms host CPU per PACE-GM on brainpoolP256r1.
Usage: ``python benchmarks/bench_pace.py [--quick] [-n N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric import ec as oec  # noqa: E402

from cccd_chip.access.passwords import can_password  # noqa: E402
from cccd_chip.access.pace import perform_pace  # noqa: E402
from cccd_chip.channel import CardChannel  # noqa: E402
from cccd_chip.emulator import pace_card  # noqa: E402
from cccd_chip.emulator.applet import Applet  # noqa: E402
from cccd_chip.emulator.determinism import Drbg  # noqa: E402
from cccd_chip.emulator.card import CardFile, CardOptions, VirtualCard  # noqa: E402

TARGET_MS = 15.0
CURVES = (("brainpoolP256r1", 13, oec.BrainpoolP256R1), ("P-256", 12, oec.SECP256R1))


class _TimedTransport:
    """LocalTransport that books the chip's CPU time separately."""

    def __init__(self, applet) -> None:
        self.applet = applet
        self.chip_cpu = 0.0

    def transmit(self, apdu: bytes) -> bytes:
        t = time.process_time()
        out = self.applet.process(apdu)
        self.chip_cpu += time.process_time() - t
        return out


def _card(pid: int) -> VirtualCard:
    info = pace_card.pace_info("GM", "ECDH", "AES-128", pid)
    files = {"CardAccess": CardFile("CardAccess", 0x011C, 0x1C, pace_card.build_card_access([info]), "open", "mf")}
    return VirtualCard("bench", 0, b"\x3B\x80\x80\x01\x01", files, {"can": "123456"}, CardOptions())


def host_pace_ms(pid: int, n: int) -> list[float]:
    card = _card(pid)
    info = pace_card.pace_info("GM", "ECDH", "AES-128", pid)
    pw = can_password("123456")
    out = []
    for i in range(n):
        app = Applet(card, rng=Drbg(f"bench{i}"))
        tr = _TimedTransport(app)
        ch = CardChannel(tr)
        t = time.process_time()
        perform_pace(ch, [info], pw, os.urandom)
        total = time.process_time() - t
        out.append((total - tr.chip_cpu) * 1000)
    return out


def openssl_floor_ms(curve_cls, n: int) -> list[float]:
    """Two key generations + two ECDH agreements with OpenSSL (no mapped generator possible)."""
    peer = oec.generate_private_key(curve_cls()).public_key()
    out = []
    for _ in range(n):
        t = time.process_time()
        for _k in range(2):
            k = oec.generate_private_key(curve_cls())
            k.public_key()
            k.exchange(oec.ECDH(), peer)
        out.append((time.process_time() - t) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-n", type=int, default=None)
    args, _ = ap.parse_known_args()
    n = args.n or (20 if args.quick else 100)
    host_pace_ms(13, 3)  # warm caches (tables, imports)
    ok = True
    print(f"PACE-GM-AES-128 host CPU per run (median of {n}), beside the OpenSSL floor")
    for name, pid, cls in CURVES:
        host = statistics.median(host_pace_ms(pid, n))
        floor = statistics.median(openssl_floor_ms(cls, n))
        ratio = host / floor if floor else float("inf")
        mark = ""
        if pid == 13:
            ok = host < TARGET_MS
            mark = f"  target < {TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
        print(f"  {name:16s} host {host:6.2f} ms   OpenSSL floor {floor:5.2f} ms   ratio {ratio:4.1f}x{mark}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
