"""Batch verification throughput vs. the crypto floor (issue 6 item 8, issue 20 item 4).

Two document sets, each measured against its own floor:

- ``cccd`` (the headline): the real CCCD's algorithm set (cccd-chip-facts
  §7a): SHA-256 DG hashes, SOD ecdsa-with-SHA256 by brainpoolP384r1 DSCs
  (one per quarter, vn-cccd shape) under the P-384 ``CSCA Vietnam TEST``,
  DG1 + a ~20 KB DG2 + DG13 + DG15 with an RSA-2048 key, and an Active
  Authentication answer (ISO 9796-2, SHA-1) re-verified from the evidence;
- ``mixed`` (beside it): mixed signers (RSA-2048 PSS, ECDSA P-256,
  brainpoolP256r1, brainpoolP384r1; DG1 + DG2; a few DSCs per signer type
  under one brainpoolP384r1 CSCA), no AA.

For each set it measures:

- floor: the same per-document work done directly with ``cryptography`` /
  ``hashlib`` in a tight loop (hash of every DG, hash of the eContent, one
  SOD signature verification with a pre-loaded key; for ``cccd`` also the
  RSA-2048 public operation and SHA-1 of the AA answer);
- one core: ``verify_document`` on every document (parse SOD, signed
  attributes, SignerInfo signature, cached DSC->CSCA chain, validity, key
  usage, revocation, DG hashes, Report);
- all cores: ``verify_many(..., workers=os.cpu_count())`` over the in-memory
  Documents, and over the same documents saved as ``cccd-dump`` JSON files
  (each worker loads its dumps: the back-end case), against 1 process.

Floor and one-core runs alternate (``--repeat`` rounds), so a burst of load
on the shared machine hits both sides alike; the ratio of each paired round
is computed and their median printed with the range, next to the load
average. The SOD parse alone (``lds.sod.parse``)
is timed as well, as the part of the one-core time spent outside the checks.

Prints documents/second and the ratio (time / floor time). Target: one-core
ratio <= 1.5.  Usage: ``python benchmarks/bench_verify.py [--quick] [-n N] [--set cccd|mixed|all]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402

from cccd_chip.document import Document  # noqa: E402
from cccd_chip.lds import sod as sod_mod  # noqa: E402
from cccd_chip.pki import testpki  # noqa: E402
from cccd_chip.pki.trust_store import TrustStore  # noqa: E402
from cccd_chip.verify.batch import verify_many  # noqa: E402
from cccd_chip.verify.document_check import verify_document  # noqa: E402
from cccd_chip.verify.passive import Policy  # noqa: E402
from cccd_chip.verify.report import Verdict  # noqa: E402

PROFILES = [("rsa2048", "pss"), ("p256", "ecdsa"), ("bp256", "ecdsa"), ("bp384", "ecdsa")]
DSCS_PER_PROFILE = 3
POLICY = Policy(at=dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc))
CCCD_DSCS = 8  # two years of quarterly DS keys
CCCD_AA_KEYS = 4  # RSA-2048 AA keys (deterministic, generated once per run)


def build_mixed(n: int, dg2_size: int) -> tuple[TrustStore, list[Document], list[tuple]]:
    csca = testpki.make_csca("VN", key_spec="bp384", seed=2026)
    ts = TrustStore()
    ts.add_csca(csca.cert_der)
    dscs = [
        (testpki.make_dsc(csca, key_spec=spec, seed=2026, serial=1000 + 10 * i + j), scheme)
        for i, (spec, scheme) in enumerate(PROFILES)
        for j in range(DSCS_PER_PROFILE)
    ]
    docs, floor_inputs = [], []
    for k in range(n):
        dsc, scheme = dscs[k % len(dscs)]
        files = testpki.sample_data_groups(k, dg2_size=dg2_size)
        files["SOD"] = testpki.make_sod(files, dsc, scheme=scheme)
        docs.append(Document(files=files, source=f"doc{k}"))
        floor_inputs.append(_floor_input(files, dsc.key.public_key(), testpki.default_hash(dsc.key_spec), scheme))
    return ts, docs, floor_inputs


def build_cccd(n: int, dg2_size: int) -> tuple[TrustStore, list[Document], list[tuple]]:
    """The real CCCD's algorithms: bp384 DSC, SHA-256, RSA-2048 AA (facts §7a)."""
    from cryptography.hazmat.primitives import serialization

    from cccd_chip.document import Evidence
    from cccd_chip.emulator import aa_card, card_pki, determinism as det, pki_lifecycle
    from cccd_chip.lds import dg15

    csca = card_pki.make_vn_csca()
    ts = TrustStore()
    ts.add_csca(csca.cert_der)
    issued = pki_lifecycle.quarterly(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))[:CCCD_DSCS]
    issued = [t for t in issued if t < card_pki.VN_CSCA_KEY_USAGE[1]]
    dscs = [card_pki.make_vn_dsc(csca, label=f"bench-{t:%Y-%m}", issued=t) for t in issued]
    aa_keys = [det.rsa_key(2048, f"bench-aa-{i}") for i in range(CCCD_AA_KEYS)]
    docs, floor_inputs = [], []
    for k in range(n):
        dsc, aa = dscs[k % len(dscs)], aa_keys[k % len(aa_keys)]
        files = testpki.sample_data_groups(k, dg2_size=dg2_size)
        files["DG13"] = bytes([0x6D, 0x82, 0x01, 0x8B]) + hashlib.sha512(b"dg13|%d" % k).digest() * 6 + b"\x00" * 11
        spki = aa.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        files["DG15"] = dg15.build(dg15.make(spki))
        files["SOD"] = pki_lifecycle.sign_card(dsc, files, issued[k % len(dscs)] + dt.timedelta(days=5), label=f"bench|{k}")
        challenge = hashlib.sha256(b"challenge|%d" % k).digest()[:8]
        sig = aa_card.iso9796_2_sign(aa, challenge, "sha1", lambda size, k=k: hashlib.shake_256(b"m1|%d" % k).digest(size))
        docs.append(Document(files=files, source=f"cccd{k}", evidence=Evidence(aa_challenge=challenge, aa_signature=sig)))
        pn = aa.public_key().public_numbers()
        floor_inputs.append(_floor_input(files, dsc.key.public_key(), "sha256", "ecdsa", aa=(pn.n, pn.e, sig, challenge)))
    return ts, docs, floor_inputs


def _floor_input(files: dict, pub, h: str, scheme: str, aa: Optional[tuple] = None) -> tuple:
    """What the floor loop needs, extracted once (outside the timing)."""
    sod = sod_mod.parse(files["SOD"])
    si = sod.signed_data.signer_infos[0]
    hash_classes: dict[str, type[hashes.HashAlgorithm]] = {
        "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
    hcls = hash_classes[h]
    args: tuple[object, ...]
    if scheme == "pss":
        args = (padding.PSS(padding.MGF1(hcls()), hcls().digest_size), hcls())
    else:
        args = (ec.ECDSA(hcls()),)
    dgs = [v for k, v in files.items() if k.startswith("DG")]
    return pub, si.signature, si.signed_attrs, args, h, dgs, sod.signed_data.econtent, aa


def floor(inputs: list[tuple]) -> float:
    t0 = time.perf_counter()
    for pub, sig, signed, args, h, dgs, econtent, aa in inputs:
        for d in dgs:
            hashlib.new(h, d).digest()
        hashlib.new(h, econtent).digest()
        pub.verify(sig, signed, *args)
        if aa is not None:  # ISO 9796-2 with SHA-1: one RSA public operation, SHA-1 over M1 || challenge
            n_, e_, s_, c_ = aa
            f_ = pow(int.from_bytes(s_, "big"), e_, n_).to_bytes(256, "big")
            if hashlib.sha1(f_[1:-21] + c_).digest() != f_[-21:-1]:
                raise SystemExit("floor: AA signature does not verify")
    return time.perf_counter() - t0


def one_core(ts: TrustStore, docs: list[Document]) -> float:
    t0 = time.perf_counter()
    for d in docs:
        rep = verify_document(d, ts, policy=POLICY)
        if rep.overall is not Verdict.SUCCESSFUL:
            raise SystemExit(f"{d.source}: {rep.overall.value} {[c.to_json() for c in rep.checks if c.verdict.value != 'successful'][:2]}")
    return time.perf_counter() - t0


def parse_only(docs: list[Document]) -> float:
    t0 = time.perf_counter()
    for d in docs:
        sod_mod.parse(d.files["SOD"])
    return time.perf_counter() - t0


def pooled(ts: TrustStore, items: list, workers: int) -> float:
    """verify_many over Documents or dump paths (workers load the dumps themselves)."""
    t0 = time.perf_counter()
    bad = sum(1 for r in verify_many(items, ts, policy=POLICY, workers=workers) if r.report is None or r.report.overall is not Verdict.SUCCESSFUL)
    if bad:
        raise SystemExit(f"{bad} documents did not verify in the pool")
    return time.perf_counter() - t0


def run_set(name: str, ts: TrustStore, docs: list[Document], inputs: list[tuple], repeat: int, pool_repeat: int,
            workers: int, with_dumps: bool) -> None:
    n = len(docs)
    load0 = os.getloadavg()[0]
    one_core(ts, docs[:50])  # warm the caches (parsed DSCs, chain verdicts), as a long-running back-end is
    f_runs, s_runs, parse_runs = [], [], []
    for _ in range(repeat):  # alternate, so both sides see the same machine
        f_runs.append(floor(inputs))
        s_runs.append(one_core(ts, docs))
        parse_runs.append(parse_only(docs))
    f, s, sp = statistics.median(f_runs), statistics.median(s_runs), statistics.median(parse_runs)
    paired = sorted(b / a for a, b in zip(f_runs, s_runs))
    p = statistics.median([pooled(ts, docs, workers) for _ in range(pool_repeat)])
    print(f"[{name}] crypto floor          : {n / f:7.0f} docs/s  ({f / n * 1e6:6.1f} us/doc, median of {repeat})")
    print(f"[{name}] verify, 1 core        : {n / s:7.0f} docs/s  ({s / n * 1e6:6.1f} us/doc)  ratio to floor: "
          f"paired median {statistics.median(paired):.2f} (range {paired[0]:.2f}-{paired[-1]:.2f}; target <= 1.50)")
    print(f"[{name}]   of which SOD parse  :                 ({sp / n * 1e6:6.1f} us/doc)")
    print(f"[{name}] verify, {workers} processes   : {n / p:7.0f} docs/s  ({p / n * 1e6:6.1f} us/doc)  ratio to floor {p / f:.2f}  (Documents sent to the pool)")
    if with_dumps:
        with tempfile.TemporaryDirectory() as tmp:
            paths = [d.save(Path(tmp) / f"{d.source}.json") for d in docs]
            d1 = statistics.median([pooled(ts, paths, 1) for _ in range(pool_repeat)])
            dn = statistics.median([pooled(ts, paths, workers) for _ in range(pool_repeat)])
        print(f"[{name}] dumps, 1 process      : {n / d1:7.0f} docs/s  ({d1 / n * 1e6:6.1f} us/doc)  (load + verify)")
        print(f"[{name}] dumps, {workers} processes    : {n / dn:7.0f} docs/s  ({dn / n * 1e6:6.1f} us/doc)  speed-up {d1 / dn:.2f}x")
    print(f"[{name}] (os.cpu_count()={workers}, load average {load0:.2f} at the start, {os.getloadavg()[0]:.2f} at the end)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N=1000, 3 rounds of floor/1-core, 1 pool run")
    ap.add_argument("-n", type=int, default=None, help="number of documents per set (>= 1000)")
    ap.add_argument("--dg2", type=int, default=20_000, help="DG2 size in bytes")
    ap.add_argument("--repeat", type=int, default=None, help="rounds (default 5, --quick 3)")
    ap.add_argument("--set", dest="which", choices=["cccd", "mixed", "all"], default="all",
                    help="document set: cccd (the real card's algorithms, the headline), mixed, or both")
    a = ap.parse_args()
    n = max(1000, a.n or (1000 if a.quick else 2000))
    repeat = a.repeat or (3 if a.quick else 5)
    pool_repeat = 1 if a.quick else 3
    workers = os.cpu_count() or 1

    sets = [("cccd", build_cccd), ("mixed", build_mixed)]
    for name, build in sets:
        if a.which not in (name, "all"):
            continue
        t = time.perf_counter()
        ts, docs, inputs = build(n, a.dg2)
        what = ("bp384 DSC / ecdsa-with-SHA256 / SHA-256 DGs / RSA-2048 AA (the real CCCD)" if name == "cccd"
                else ", ".join(p[0] for p in PROFILES))
        print(f"[{name}] generated {n} documents ({what}; DG2 {a.dg2} B) in {time.perf_counter() - t:.1f} s")
        run_set(name, ts, docs, inputs, repeat, pool_repeat, workers, with_dumps=(name == "cccd"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
