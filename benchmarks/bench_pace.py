"""Host CPU of one PACE run beside its OpenSSL floor, per curve / group and mapping (issue 13).

Each row runs PACE (CAN, AES-128) against the in-process virtual chip and books
the host's CPU only (the chip's work inside ``transmit`` is subtracted). Beside
it, the "OpenSSL floor": what an optimal host must compute, each operation done
by pyca/cryptography (hashlib for SHA-1) at OpenSSL's price (ICAO 9303-11
§4.4.3.3, §4.4.3.4, §9.7):

- every PACE: K_pi = KDF(CAN, 3), the nonce s = D(K_pi, z), the session keys
  KSenc / KSmac (two KDF hashes), the two authentication tokens (AES-CMAC: ours,
  and the check of the chip's); the validation of each public value received from
  the chip (EC: decoding it into a key object, which checks the curve equation;
  DH: its range and its order, y^q = 1) and the encoding of each public value sent;
- DH: every power as OpenSSL's BN_mod_exp (through :mod:`cccd_chip.crypto.libcrypto`,
  cheaper than pyca's DH key objects): a key pair g^x, the order check y^q and the
  agreement y^x per key agreement;
- GM: two key-pair generations + two key agreements (PK_map = SK_map*G; the
  mapping H; the key pair on G' priced as one on G, which the host reaches with
  sk*G' = (sk*s)*G + (sk*SK_map)*PK_map,IC; the shared secret K);
- IM (ECDH): the PRF R(s, t) (AES, one key schedule per key k_i), two key
  agreements - the key pair on the mapped generator is a variable-base product
  (OpenSSL has no precomputed table for a one-off G'), plus K - and the field
  exponentiation of the point encoding f_G (Appendix B: its inversion and its
  square root share one exponentiation, see ``mapping.point_encoding``) as
  OpenSSL's BN_mod_exp;
- IM (DH): the PRF, one key-pair generation (g'^x costs what g^x costs) + one
  agreement + the mapping's exponentiation R^((p-1)/q) as OpenSSL's BN_mod_exp;
- CAM: as GM, plus the decryption of A_IC (AES: the IV block and CBC);
  EF.CardSecurity is not read here;
- "CAM check" (the verifier's CA_IC * PK_IC = PK_map,IC, §4.4.3.5.2): decoding
  PK_map,IC into a key object + one OpenSSL ECDH with a preloaded key.

Every domain of ICAO 9303-11 Table 12 has its rows (GM everywhere, IM where it is defined, CAM on
P-256/384/521 and brainpool 256/384). Where pyca has no such curve (brainpoolP192r1, P224r1,
P320r1) the group operations of the floor are priced with the system libcrypto instead
(:class:`_SystemEc`, marked ``*``); on the other EC rows that price is printed beside
(``--no-system-floor``: not): the host's products go through that library, so the ratio against
it is the host's own overhead, and the gap between the two floors is the two OpenSSLs' (on
P-384 the system's 3.0 has no fast code, pyca's bundled one has).

Until 2026-12-03 the floor held the group operations only (a preloaded chip key,
no symmetric cryptography, no PRF, pyca's DH objects, two exponentiations for
f_G); the ratio against that definition is printed as well (``--no-group-ops-floor``: not).

Ratios are medians of PAIRED ratios: floor and project alternate in one
process, pair by pair, so load changes hit both sides of a pair alike; the load
average is printed before and after. Goal (issue 13): <= 1.5x for GM and IM on
brainpoolP256r1 and P-256. The figures go into docs/performance.md.

Usage: ``python benchmarks/bench_pace.py [--quick] [-n N] [--goal-rows] [--rows IM:12,GM:15]
[--no-group-ops-floor] [--no-system-floor]``.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import warnings  # noqa: E402

from cryptography.hazmat.primitives import cmac  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import dh as odh  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec as oec  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

from cccd_chip.access.passwords import can_password  # noqa: E402
from cccd_chip.access.pace import mapping, perform_pace  # noqa: E402
from cccd_chip.channel import CardChannel  # noqa: E402
from cccd_chip.crypto import domain_params, ec, libcrypto  # noqa: E402
from cccd_chip.emulator import ca_card, pace_card  # noqa: E402
from cccd_chip.emulator.applet import Applet  # noqa: E402
from cccd_chip.emulator.card import CardFile, CardOptions, VirtualCard  # noqa: E402
from cccd_chip.emulator.determinism import Drbg  # noqa: E402
from cccd_chip.lds.security_infos import PaceInfo  # noqa: E402

# FFDH is deprecated in cryptography; PACE still offers Table 12's DH groups, which the DH rows price
warnings.filterwarnings("ignore", message="Diffie-Hellman over finite fields")

GOAL = 1.5
GOAL_PIDS = (13, 12)
# (mapping, parameter ID): the goal rows first, then every other domain of ICAO 9303-11 Table 12
# (IM is not defined on P-224, p = 1 mod 4); CAM on the curves its CA keys use most
ROWS = (
    ("GM", 13), ("GM", 12), ("IM", 13), ("IM", 12), ("CAM", 13), ("CAM", 12),
    ("GM", 16), ("GM", 17), ("GM", 15), ("GM", 18), ("GM", 10), ("GM", 8),
    ("IM", 16), ("IM", 17), ("IM", 15), ("IM", 18), ("IM", 8),
    ("CAM", 16), ("CAM", 15), ("CAM", 18),
    ("GM", 9), ("GM", 11), ("GM", 14), ("IM", 9), ("IM", 11), ("IM", 14),
    ("GM", 0), ("IM", 0), ("GM", 1), ("IM", 1), ("GM", 2), ("IM", 2),
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
    perform_pace(ch, [info], can_password("123456"), os.urandom)
    return time.process_time() - t - tr.chip_cpu


_CAN = b"123456"
_ZERO_IV = bytes(16)
_C0, _C1 = mapping.C0_128, mapping.C1_128


def _kdf(secret: bytes, counter: bytes) -> bytes:
    return hashlib.sha1(secret + counter).digest()[:16]  # AES-128 (ICAO 9303-11 §9.7.1)


def _symmetric_floor(mapping_kind: str, field_bits: int, order_bytes: int,
                     token_len: int) -> tuple[Callable[[], bytes], Callable[[bytes], None]]:
    """(before, after): the symmetric work of one PACE with AES-128 at pyca's price.

    before(): K_pi and the nonce s (IM: and the PRF R(s, t)); after(secret): KSenc,
    KSmac, the two tokens (CMAC over a 7F49 object of ``token_len`` bytes), CAM's A_IC.
    """
    z = os.urandom(16)
    t = os.urandom(16)
    token_in = os.urandom(token_len)
    a_ic = os.urandom(16 * (order_bytes // 16 + 1))  # pad(CA_IC) in AES blocks
    n_prf = math.ceil((field_bits + 64) / 128)

    def before() -> bytes:
        k_pi = _kdf(_CAN, b"\x00\x00\x00\x03")
        d = Cipher(algorithms.AES(k_pi), modes.CBC(_ZERO_IV)).decryptor()
        s = d.update(z) + d.finalize()
        if mapping_kind == "IM":
            k = Cipher(algorithms.AES(t), modes.ECB()).encryptor().update(s)
            out = b""
            for _ in range(n_prf):
                e = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
                out += e.update(_C1)
                k = e.update(_C0)
        return s

    def after(secret: bytes) -> None:
        k_enc = _kdf(secret, b"\x00\x00\x00\x01")
        k_mac = _kdf(secret, b"\x00\x00\x00\x02")
        c = cmac.CMAC(algorithms.AES(k_mac))  # one key schedule for both tokens
        c2 = c.copy()
        c.update(token_in)
        c.finalize()
        c2.update(token_in)
        c2.finalize()
        if mapping_kind == "CAM":
            iv = Cipher(algorithms.AES(k_enc), modes.ECB()).encryptor().update(b"\xff" * 16)
            d = Cipher(algorithms.AES(k_enc), modes.CBC(iv)).decryptor()
            d.update(a_ic) + d.finalize()

    return before, after


def _floor_fn(mapping_kind: str, pid: int, group_ops_only: bool = False) -> Callable[[], None]:
    """One PACE's cryptography with pyca/cryptography (see the module docstring).

    ``group_ops_only``: the definition used until 2026-12-03 (group operations, the chip's
    keys preloaded, no symmetric cryptography), printed beside for comparison."""
    if pid in domain_params.STANDARD_DH:
        g = domain_params.standard(pid).group  # type: ignore[attr-defined]
        params = odh.DHParameterNumbers(g.p, g.g, g.q).parameters()
        peer = params.generate_private_key().public_key()
        y_peer = peer.public_numbers().y
        rounds = 2 if mapping_kind != "IM" else 1
        r, e = g.g + 1, (g.p - 1) // g.q
        before, after = _symmetric_floor(mapping_kind, g.p.bit_length(), (g.q.bit_length() + 7) // 8,
                                         4 + 13 + 4 + g.size)

        def dh_floor_group_ops() -> None:
            for _ in range(rounds):
                k = params.generate_private_key()
                k.public_key()
                k.exchange(peer)
            if mapping_kind == "IM" and libcrypto.AVAILABLE:
                libcrypto.mod_exp(r, e, g.p)

        def dh_floor() -> None:
            # OpenSSL's BN_mod_exp for every power: cheaper than pyca's DH key objects (measured),
            # so the optimal host's price; x drawn like a key (a uniform exponent below q)
            before()
            secret = b""
            for _ in range(rounds):
                x = int.from_bytes(os.urandom(g.q.bit_length() // 8), "big") % g.q or 1
                libcrypto.pow_mod(g.g, x, g.p).to_bytes(g.size, "big")  # key pair, the value sent
                libcrypto.pow_mod(y_peer, g.q, g.p)  # the received value's order (its range: free)
                secret = libcrypto.pow_mod(y_peer, x, g.p).to_bytes(g.size, "big")  # the agreement
            if mapping_kind == "IM":
                libcrypto.pow_mod(r, e, g.p)
            after(secret)
        return dh_floor_group_ops if group_ops_only else dh_floor

    curve = ec.curve_by_name(domain_params.STANDARD_EC[pid])
    oc = ec.ossl_curve(curve)
    assert oc is not None
    epeer = oec.generate_private_key(oc).public_key()
    peer_raw = epeer.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    own = oec.generate_private_key(oc)
    before, after = _symmetric_floor(mapping_kind, curve.p.bit_length(), curve.order_size,
                                     4 + 13 + 2 + len(peer_raw))

    def decoded() -> oec.EllipticCurvePublicKey:
        return epeer if group_ops_only else oec.EllipticCurvePublicKey.from_encoded_point(oc, peer_raw)

    if mapping_kind == "IM":
        v, p = curve.gx, curve.p

        def im_floor() -> None:
            if not group_ops_only:
                before()
            # f_G: one exponentiation in F_p serves Appendix B's inversion and square root
            # (mapping.point_encoding); the definition before 2026-12-03 counted two
            if group_ops_only:
                libcrypto.pow_mod(v, p - 2, p)
            libcrypto.pow_mod(v, p - 1 - (p + 1) // 4, p)
            own.exchange(oec.ECDH(), epeer)  # sk * G' (variable base)
            if not group_ops_only:
                own.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)  # PK sent
            secret = own.exchange(oec.ECDH(), decoded())  # K
            if not group_ops_only:
                after(secret)
        return im_floor

    def gm_floor() -> None:
        if not group_ops_only:
            before()
        secret = b""
        for _ in range(2):
            k = oec.generate_private_key(oc)
            pub = k.public_key()
            if not group_ops_only:
                pub.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)  # PK_map / PK sent
            secret = k.exchange(oec.ECDH(), decoded())
        if not group_ops_only:
            after(secret)
    return gm_floor


class _SystemEc:
    """Group operations at the price of the system libcrypto (the one the host's products use):
    ``EC_POINT_mul`` and the point conversions through ctypes on objects allocated once, the
    scalar in a constant-time BIGNUM. The floor of the curves pyca/cryptography does not have
    (brainpoolP192r1, P224r1, P320r1), and beside pyca's floor on the others (``--system-floor``):
    what the host pays above the very library it calls."""

    def __init__(self, curve: ec.Curve) -> None:
        api = libcrypto._API
        assert api is not None
        self.api, self.curve, self.size = api, curve, curve.size
        self.group = libcrypto._group(api, curve.oid, curve.params)[0]
        self.ctx = api.BN_CTX_new()
        self.bn = api.BN_new()
        api.BN_set_flags(self.bn, 0x04)  # BN_FLG_CONSTTIME, as the host's scalars
        self.r, self.peer, self.base = (api.EC_POINT_new(self.group) for _ in range(3))
        self.buf = ctypes.create_string_buffer(1 + 2 * curve.size)

    def _scalar(self) -> None:
        c = self.curve
        k = int.from_bytes(os.urandom(c.order_size), "big") % c.n or 1
        raw = k.to_bytes(c.order_size, "big")
        self.api.BN_bin2bn(raw, len(raw), self.bn)

    def _encoded(self) -> bytes:
        want = 1 + 2 * self.size
        assert self.api.EC_POINT_point2oct(self.group, self.r, 4, self.buf, want, self.ctx) == want
        return self.buf.raw[:want]

    def key_pair(self) -> bytes:
        """k*G for a fresh k, encoded (the public value sent)."""
        self._scalar()
        assert self.api.EC_POINT_mul(self.group, self.r, self.bn, None, None, self.ctx)
        return self._encoded()

    def decode(self, raw: bytes) -> None:
        """The chip's point into a libcrypto point (oct2point checks the curve equation)."""
        assert self.api.EC_POINT_oct2point(self.group, self.peer, raw, len(raw), self.ctx)

    def product(self, base_raw: Optional[bytes] = None) -> bytes:
        """k*P for the decoded peer P (or a point ``base_raw`` loaded first, e.g. G'), encoded."""
        point = self.peer
        if base_raw is not None:
            assert self.api.EC_POINT_oct2point(self.group, self.base, base_raw, len(base_raw), self.ctx)
            point = self.base
        self._scalar()
        assert self.api.EC_POINT_mul(self.group, self.r, None, point, self.bn, self.ctx)
        return self._encoded()


def _system_floor_fn(mapping_kind: str, pid: int) -> Callable[[], None]:
    """The same floor as :func:`_floor_fn` with every group operation at the system libcrypto's
    price (:class:`_SystemEc`); the symmetric part and the exponentiations as there."""
    curve = ec.curve_by_name(domain_params.STANDARD_EC[pid])
    sys_ec = _SystemEc(curve)
    peer_raw = sys_ec.key_pair()
    before, after = _symmetric_floor(mapping_kind, curve.p.bit_length(), curve.order_size,
                                     4 + 13 + 2 + len(peer_raw))
    g2_raw = sys_ec.key_pair()  # a point standing for G'
    v, p = curve.gx, curve.p

    def im_floor() -> None:
        before()
        libcrypto.pow_mod(v, p - 1 - (p + 1) // 4, p)  # f_G's exponentiation
        sys_ec.product(g2_raw)  # sk * G' (variable base), the value sent
        sys_ec.decode(peer_raw)
        after(sys_ec.product()[1:1 + curve.size])  # K

    def gm_floor() -> None:
        before()
        secret = b""
        for _ in range(2):
            sys_ec.key_pair()  # PK_map / PK (the key pair on G' priced as one on G)
            sys_ec.decode(peer_raw)
            secret = sys_ec.product()[1:1 + curve.size]
        after(secret)

    return im_floor if mapping_kind == "IM" else gm_floor


def _paired(host: Callable[[int], float], floors: list[Callable[[], None]],
            n: int) -> tuple[float, list[tuple[float, float]]]:
    """(median host ms, [(median floor ms, median of the paired ratios host / floor)] per floor).

    In every round the host and each floor run once, the order rotating from round to round."""
    hs: list[float] = []
    fs: list[list[float]] = [[] for _ in floors]
    ratios: list[list[float]] = [[] for _ in floors]
    for i in range(n):
        spent: dict[int, float] = {}
        jobs = [-1] + list(range(len(floors)))
        shift = i % len(jobs)
        for j in jobs[shift:] + jobs[:shift]:
            if j < 0:
                spent[j] = host(i)
            else:
                t = time.process_time()
                floors[j]()
                spent[j] = time.process_time() - t
        hs.append(spent[-1])
        for j in range(len(floors)):
            fs[j].append(spent[j])
            ratios[j].append(spent[-1] / spent[j] if spent[j] > 0 else float("inf"))
    return statistics.median(hs) * 1000, [(statistics.median(f) * 1000, statistics.median(r))
                                          for f, r in zip(fs, ratios)]


def _cam_check_row(pid: int, n: int, group_ops: bool) -> tuple[float, list[tuple[float, float]]]:
    """The verifier's CAM check (decode PK_map,IC, CA_IC*PK_IC == PK_map,IC) beside decoding
    PK_map,IC + one OpenSSL ECDH with a preloaded key (and, ``group_ops``, the ECDH alone)."""
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
        oec.EllipticCurvePublicKey.from_encoded_point(oc, pk_map_raw)
        assert key.exchange(oec.ECDH(), peer) == x_expected

    def floor_group_ops() -> None:
        assert key.exchange(oec.ECDH(), peer) == x_expected

    return _paired(host, [floor, floor_group_ops] if group_ops else [floor], n)


def _label(mapping_kind: str, pid: int) -> str:
    name = domain_params.STANDARD_EC.get(pid) or domain_params.STANDARD_DH[pid]
    return f"{mapping_kind:4s} {name} (id {pid})"


def _pyca_has(pid: int) -> bool:
    return pid in domain_params.STANDARD_DH or ec.ossl_curve(ec.curve_by_name(domain_params.STANDARD_EC[pid])) is not None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-n", type=int, default=None)
    ap.add_argument("--group-ops-floor", action=argparse.BooleanOptionalAction, default=True,
                    help="also the ratio against the floor of group operations only (the definition before "
                         "2026-12-03; on by default so the change of definition stays visible)")
    ap.add_argument("--system-floor", action=argparse.BooleanOptionalAction, default=True,
                    help="also the ratio against the floor with the group operations at the system libcrypto's "
                         "price (the library the host's products use; EC rows)")
    ap.add_argument("--goal-rows", action="store_true", help="only the goal rows (GM, IM on brainpoolP256r1, P-256)")
    ap.add_argument("--rows", default="", help="only these rows, e.g. IM:12,GM:15 (mapping:parameter ID)")
    args, _ = ap.parse_known_args()
    n_goal = args.n or (15 if args.quick else 60)
    n_other = max(5, n_goal // 3)
    old = args.group_ops_floor
    system = args.system_floor and libcrypto.AVAILABLE
    backend = f"libcrypto {libcrypto.version()}" if libcrypto.AVAILABLE else "pure Python (no libcrypto 3 loaded)"
    print(f"PACE host CPU per run / OpenSSL floor (median of paired ratios; {n_goal} pairs on goal rows, "
          f"{n_other} elsewhere); EC/DH products: {backend}")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}  (2 cores shared)")
    extra = (f" {'sys floor ms':>12s} {'ratio':>7s}" if system else "") + \
        (f" {'group-ops floor ms':>18s} {'ratio':>7s}" if old else "")
    print(f"  {'mapping / domain':34s} {'host ms':>8s} {'floor ms':>9s} {'ratio':>7s}{extra}")
    missed: list[str] = []
    wanted = {(m.upper(), int(p)) for m, p in (r.split(":") for r in args.rows.split(",") if r)}
    rows = [r for r in ROWS if (not args.goal_rows or (r[1] in GOAL_PIDS and r[0] in ("GM", "IM")))
            and (not wanted or r in wanted)]
    starred = False
    for mapping_kind, pid in rows:
        if not libcrypto.AVAILABLE and not _pyca_has(pid):
            continue
        card, info = _card(mapping_kind, pid)
        _host_run(card, info, -1)  # warm-up: groups, imports
        n = n_goal if pid in GOAL_PIDS else n_other
        is_ec = pid in domain_params.STANDARD_EC
        with_pyca = _pyca_has(pid)
        floors = [_floor_fn(mapping_kind, pid) if with_pyca else _system_floor_fn(mapping_kind, pid)]
        sys_col = system and is_ec and with_pyca
        if sys_col:
            floors.append(_system_floor_fn(mapping_kind, pid))
        old_col = old and with_pyca
        if old_col:
            floors.append(_floor_fn(mapping_kind, pid, True))
        host_ms, per_floor = _paired(lambda i: _host_run(card, info, i), floors, n)
        floor_ms, ratio = per_floor[0]
        mark = ""
        if pid in GOAL_PIDS and mapping_kind in ("GM", "IM"):
            ok = ratio <= GOAL
            mark = f"  goal <= {GOAL}x: {'met' if ok else 'MISSED'}"
            if not ok:
                missed.append(_label(mapping_kind, pid).strip())
        more = ""
        if system:
            more += f" {per_floor[1][0]:12.3f} {per_floor[1][1]:6.2f}x" if sys_col else f" {'-':>12s} {'-':>7s}"
        if old:
            more += f" {per_floor[-1][0]:18.3f} {per_floor[-1][1]:6.2f}x" if old_col else f" {'-':>18s} {'-':>7s}"
        star = " " if with_pyca else "*"
        starred = starred or not with_pyca
        print(f"  {_label(mapping_kind, pid):34s} {host_ms:8.3f} {floor_ms:8.3f}{star} {ratio:6.2f}x{more}{mark}",
              flush=True)
    for pid in GOAL_PIDS if not (args.goal_rows or wanted) else ():
        host_ms, per_floor = _cam_check_row(pid, n_goal * 4, old)
        label = f"CAM check {domain_params.STANDARD_EC[pid]}"
        more = f" {'-':>12s} {'-':>7s}" if system else ""
        more += f" {per_floor[1][0]:18.3f} {per_floor[1][1]:6.2f}x" if old else ""
        print(f"  {label:34s} {host_ms:8.3f} {per_floor[0][0]:8.3f}  {per_floor[0][1]:6.2f}x{more}", flush=True)
    print(f"load average after:  {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if starred:
        print("* floor at the system libcrypto's price: pyca/cryptography has no such curve")
    if missed:
        print(f"goal missed on: {', '.join(missed)}")
    return 0  # figures, not asserts (house rule: no absolute-time or ratio asserts in make bench)


if __name__ == "__main__":
    sys.exit(main())
