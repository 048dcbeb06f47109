"""Host CPU of one PACE run beside its OpenSSL floor, per curve / group and mapping (issue 13).

Each row runs PACE (CAN, AES-128) against the in-process virtual chip and books
the host's CPU only (the chip's work inside ``transmit`` is subtracted). Beside
it, the "OpenSSL floor": the group operations an optimal host needs, each done
by pyca/cryptography at OpenSSL's price (ICAO 9303-11 §4.4.3.3):

- GM: two key-pair generations + two key agreements (PK_map = SK_map*G; the
  mapping H; the key pair on G' priced as one on G, which the host reaches with
  sk*G' = (sk*s)*G + (sk*SK_map)*PK_map,IC; the shared secret K);
- IM (ECDH): two key agreements - the key pair on the mapped generator is a
  variable-base product (OpenSSL has no precomputed table for a one-off G'),
  plus K - and the two field exponentiations of the point encoding f_G
  (Appendix B) as OpenSSL's BN_mod_exp; the PRF (AES) is not counted;
- IM (DH): one key-pair generation (g'^x costs what g^x costs) + one agreement
  + the mapping's exponentiation R^((p-1)/q) as OpenSSL's BN_mod_exp;
- CAM: as GM (A_IC is decrypted with AES; EF.CardSecurity is not read here);
- "CAM check" (the verifier's CA_IC * PK_IC = PK_map,IC, §4.4.3.5.2): one
  OpenSSL ECDH with a preloaded key.

Ratios are medians of PAIRED ratios: floor and project alternate in one
process, pair by pair, so load changes hit both sides of a pair alike; the load
average is printed before and after. Goal (issue 13): <= 1.5x for GM and IM on
brainpoolP256r1 and P-256. The figures go into docs/performance.md.

Usage: ``python benchmarks/bench_pace.py [--quick] [-n N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import warnings  # noqa: E402

from cryptography.hazmat.primitives.asymmetric import dh as odh  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec as oec  # noqa: E402

from cccd_chip.access.passwords import can_password  # noqa: E402
from cccd_chip.access.pace import mapping, perform_pace  # noqa: E402
from cccd_chip.channel import CardChannel  # noqa: E402
from cccd_chip.crypto import domain_params, ec, libcrypto  # noqa: E402
from cccd_chip.emulator import ca_card, pace_card  # noqa: E402
from cccd_chip.emulator.applet import Applet  # noqa: E402
from cccd_chip.emulator.card import CardFile, CardOptions, VirtualCard  # noqa: E402
from cccd_chip.emulator.determinism import Drbg  # noqa: E402
from cccd_chip.lds.security_infos import PaceInfo  # noqa: E402

GOAL = 1.5
GOAL_PIDS = (13, 12)
# (mapping, parameter ID): the goal rows first, then the other Table 12 domains pyca knows
ROWS = (
    ("GM", 13), ("GM", 12), ("IM", 13), ("IM", 12), ("CAM", 13), ("CAM", 12),
    ("GM", 16), ("GM", 17), ("GM", 15), ("GM", 18), ("GM", 10), ("IM", 16), ("IM", 17), ("IM", 15), ("IM", 18),
    ("GM", 2), ("IM", 2), ("GM", 0),
)


class _TimedTransport:
    """LocalTransport that books the chip's CPU time separately."""

    def __init__(self, applet: Applet) -> None:
        self.applet = applet
        self.chip_cpu = 0.0

    def transmit(self, apdu: bytes) -> bytes:
        t = time.process_time()
        out = self.applet.process(apdu)
        self.chip_cpu += time.process_time() - t
        assert out is not None
        return out


def _card(mapping_kind: str, pid: int) -> tuple[VirtualCard, PaceInfo]:
    kind = "DH" if pid in domain_params.STANDARD_DH else "ECDH"
    info = pace_card.pace_info(mapping_kind, kind, "AES-128", pid)
    files = {"CardAccess": CardFile("CardAccess", 0x011C, 0x1C, pace_card.build_card_access([info]), "open", "mf")}
    keys: dict[str, object] = {}
    if mapping_kind == "CAM":
        keys["ca"] = [ca_card.make_ca_key(pid, Drbg("bench-ca"), key_id=pid)]
    card = VirtualCard("bench", 0, b"\x3B\x80\x80\x01\x01", files, {"can": "123456"}, CardOptions(), keys)
    return card, info


def _host_run(card: VirtualCard, info: PaceInfo, i: int) -> float:
    """Host CPU seconds of one PACE run (chip CPU subtracted)."""
    tr = _TimedTransport(Applet(card, rng=Drbg(f"bench{i}")))
    ch = CardChannel(tr)
    t = time.process_time()
    perform_pace(ch, [info], can_password("123456"), os.urandom, read_card_security=False)
    return time.process_time() - t - tr.chip_cpu


def _floor_fn(mapping_kind: str, pid: int) -> Callable[[], None]:
    """One PACE's group operations with pyca/cryptography (see the module docstring)."""
    if pid in domain_params.STANDARD_DH:
        g = domain_params.standard(pid).group  # type: ignore[attr-defined]
        with warnings.catch_warnings():  # FFDH is deprecated in cryptography; PACE still offers Table 12's DH groups
            warnings.simplefilter("ignore")
            params = odh.DHParameterNumbers(g.p, g.g, g.q).parameters()
        peer = params.generate_private_key().public_key()
        rounds = 2 if mapping_kind != "IM" else 1
        r, e = g.g + 1, (g.p - 1) // g.q

        def dh_floor() -> None:
            for _ in range(rounds):
                k = params.generate_private_key()
                k.public_key()
                k.exchange(peer)
            if mapping_kind == "IM" and libcrypto.AVAILABLE:
                libcrypto.mod_exp(r, e, g.p)
        return dh_floor

    curve = ec.curve_by_name(domain_params.STANDARD_EC[pid])
    oc = ec.ossl_curve(curve)
    assert oc is not None
    epeer = oec.generate_private_key(oc).public_key()
    own = oec.generate_private_key(oc)

    if mapping_kind == "IM":
        v, p = curve.gx, curve.p

        def im_floor() -> None:
            if libcrypto.AVAILABLE:  # f_G: an inversion and a square-root-like power in F_p
                libcrypto.mod_exp(v, p - 2, p)
                libcrypto.mod_exp(v, p - 1 - (p + 1) // 4, p)
            own.exchange(oec.ECDH(), epeer)  # sk * G' (variable base)
            own.exchange(oec.ECDH(), epeer)  # K
        return im_floor

    def gm_floor() -> None:
        for _ in range(2):
            k = oec.generate_private_key(oc)
            k.public_key()
            k.exchange(oec.ECDH(), epeer)
    return gm_floor


def _paired(host: Callable[[int], float], floor: Callable[[], None], n: int) -> tuple[float, float, float]:
    """(median ratio of pairs, median host ms, median floor ms), floor and host alternating."""
    ratios, hs, fs = [], [], []
    for i in range(n):
        if i % 2:
            h = host(i)
            t = time.process_time()
            floor()
            f = time.process_time() - t
        else:
            t = time.process_time()
            floor()
            f = time.process_time() - t
            h = host(i)
        hs.append(h)
        fs.append(f)
        ratios.append(h / f if f > 0 else float("inf"))
    return statistics.median(ratios), statistics.median(hs) * 1000, statistics.median(fs) * 1000


def _cam_check_row(pid: int, n: int) -> tuple[float, float, float]:
    """The verifier's CAM check (decode PK_map,IC, CA_IC*PK_IC == PK_map,IC) beside one OpenSSL ECDH."""
    d = domain_params.standard(pid)
    assert isinstance(d, domain_params.EcDomain)
    c = d.curve
    oc = ec.ossl_curve(c)
    assert oc is not None
    rng = Drbg("bench-cam")
    sk_ic, pk_ic = d.generate(rng)
    sk_map = ec.random_scalar(c.n, rng)
    ca_ic = mapping.cam_chip_data(sk_ic, sk_map, c.n)
    pk_map_raw = d.encode(d.mul_gen(sk_map))
    key = oec.derive_private_key(ca_ic, oc)
    peer = oec.EllipticCurvePublicKey.from_encoded_point(oc, d.encode(pk_ic))
    x_expected = pk_map_raw[1:1 + c.size]

    def host(_i: int) -> float:
        t = time.process_time()
        ok = mapping.cam_check(d, ca_ic, pk_ic, d.decode(pk_map_raw))
        spent = time.process_time() - t
        assert ok
        return spent

    def floor() -> None:
        assert key.exchange(oec.ECDH(), peer) == x_expected

    return _paired(host, floor, n)


def _label(mapping_kind: str, pid: int) -> str:
    name = domain_params.STANDARD_EC.get(pid) or domain_params.STANDARD_DH[pid]
    return f"{mapping_kind:4s} {name} (id {pid})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-n", type=int, default=None)
    args, _ = ap.parse_known_args()
    n_goal = args.n or (15 if args.quick else 60)
    n_other = max(5, n_goal // 3)
    backend = f"libcrypto {libcrypto.version()}" if libcrypto.AVAILABLE else "pure Python (no libcrypto 3 loaded)"
    print(f"PACE host CPU per run / OpenSSL floor (median of paired ratios; {n_goal} pairs on goal rows, "
          f"{n_other} elsewhere); EC/DH products: {backend}")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}  (2 cores shared)")
    print(f"  {'mapping / domain':34s} {'host ms':>8s} {'floor ms':>9s} {'ratio':>7s}")
    missed: list[str] = []
    for mapping_kind, pid in ROWS:
        card, info = _card(mapping_kind, pid)
        _host_run(card, info, -1)  # warm-up: groups, imports
        n = n_goal if pid in GOAL_PIDS else n_other
        ratio, host_ms, floor_ms = _paired(lambda i: _host_run(card, info, i), _floor_fn(mapping_kind, pid), n)
        mark = ""
        if pid in GOAL_PIDS and mapping_kind in ("GM", "IM"):
            ok = ratio <= GOAL
            mark = f"  goal <= {GOAL}x: {'met' if ok else 'MISSED'}"
            if not ok:
                missed.append(_label(mapping_kind, pid).strip())
        print(f"  {_label(mapping_kind, pid):34s} {host_ms:8.3f} {floor_ms:9.3f} {ratio:6.2f}x{mark}", flush=True)
    for pid in GOAL_PIDS:
        ratio, host_ms, floor_ms = _cam_check_row(pid, n_goal * 4)
        label = f"CAM check {domain_params.STANDARD_EC[pid]}"
        print(f"  {label:34s} {host_ms:8.3f} {floor_ms:9.3f} {ratio:6.2f}x  (floor: one ECDH)", flush=True)
    print(f"load average after:  {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if missed:
        print(f"goal missed on: {', '.join(missed)}")
    return 0  # figures, not asserts (house rule: no absolute-time or ratio asserts in make bench)


if __name__ == "__main__":
    sys.exit(main())
