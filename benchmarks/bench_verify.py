"""Verification of real-shaped dumps against the crypto floor, per profile (issue 13).

Dumps: every virtual-card profile (``cccd_chip.emulator.profiles``) is
personalised (``--cards`` seeds each) and read by the real command,
``cccd read --virtual CARD ... --out dump.json``, in a subprocess. The real
CCCD shapes (``cccd-2021``, ``cccd-2024``: bp384 DSC, RSA-2048 AA with ISO
9796-2, DG13, DG14, DG15, EF.CardSecurity and PACE-CAM data on 2024) come
from there. Signature families no profile signs its SOD with (ECDSA P-521,
brainpoolP512r1, an EC key with explicit domain parameters) are the
``cccd-2021`` dumps with their SOD re-signed by a test DSC of that family
(same data-group hashes, same files), under a CSCA of their own.

Per case, three measures alternate in one process on the same dumps
(``--rounds`` paired rounds; the median of the per-round ratios is printed
with its range). Times are this process's CPU time (``time.process_time``):
the work is single-threaded, and CPU time is what other jobs on a shared
machine disturb least.

- floor: the work no verifier can skip, done with ``hashlib`` and
  pyca/cryptography directly, keys preloaded, the DSC chain taken as
  cached (as the verifier caches it): the hash of every data group, the
  eContent hash, the SOD signature; EF.CardSecurity's eContent hash and
  signature where present; the AA operation (RSA public operation with
  ``gmpy2.powmod`` when installed, else ``pow``, + the hash of ISO 9796-2's
  M1 || challenge; or one ECDSA verification); PACE-CAM as one OpenSSL ECDH
  (CA_IC with the CA key) and a compare of x-coordinates;
- ``doc``: ``verify_document`` on the loaded Document (warm trust store);
- ``dump``: ``Document.from_json_bytes`` on the dump's bytes + ``verify_document``;
- ``cbor``: the same with the dump's CBOR form (``Document.from_cbor_bytes``; docs/dump-format.md:
  the files as byte strings, no hex), written by ``Document.save`` as ``cccd read --out X.cbor``
  writes it.

Before the cases, the process is brought to the state of a long-running verifier
(:func:`steady_state`: Active Authentication's RSA operation by GMP once a process has done
``verify.active_auth._GMP_AFTER`` of them); the line above the table says which operation ran.

Caches keyed by content (a parsed SecurityInfos, a loaded public key) hit in
this loop, where the same few dumps come back; ``cold`` is ``doc`` after
emptying those caches before every document (what a batch of distinct
cards pays; the DSC chain stays cached, as in the floor).

Then the batch: ``cccd verify DIR --workers 1`` and ``--workers 2`` on a
folder of copies of the dumps (the rate from each run's wall time, process
start included, paired rounds; and the CPU time of each process tree), and a
single-dump ``cccd verify DUMP`` process (wall and CPU time, medians), beside the
same command through the click group (``python -m host_cli.main``; the paired CPU ratio)
and ``python -c pass``. The processes run with a bytecode cache in a private
folder (``PYTHONPYCACHEPREFIX``), as an installed package has one.

Usage: ``python benchmarks/bench_verify.py [--quick] [--rounds R] [--cards K] [--only NAME]
[--no-batch | --process-only | --single-only] [--batch-rounds N] [--single-runs N]``.
Goals (issue 13): doc/floor <= 1.5, dump/floor <= 2.0, 2 workers >= 1.8x one,
a single-dump process <= 150 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils  # noqa: E402

from cccd_chip.document import Document  # noqa: E402
from cccd_chip.evidence import PaceCamEvidence  # noqa: E402
from cccd_chip.pki.trust_store import TrustStore  # noqa: E402
from cccd_chip.verify.document_check import verify_document  # noqa: E402
from cccd_chip.verify.passive import Policy  # noqa: E402
from cccd_chip.verify.report import Verdict  # noqa: E402

try:  # the floor's RSA public operation: GMP when installed (as the verifier uses it)
    from gmpy2 import powmod as _powmod  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - without the extra
    _powmod = pow

CLI = [sys.executable, "-m", "host_cli.entry"]


def cli_env(work: Path) -> dict[str, str]:
    """The environment of the measured `cccd` processes: bytecode cached (in a private folder, never
    in the source tree), as an installed package has it; PYTHONDONTWRITEBYTECODE would make every
    process compile the sources again (~100 ms)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env
# (name, profile the dumps come from, re-sign the SOD with this DSC key spec | None, explicit EC parameters)
RESIGNED = [("cccd-2021/p521", "p521", False), ("cccd-2021/bp512", "bp512", False),
            ("cccd-2021/p256-explicit", "p256", True)]


def _testpki() -> Any:
    """The test PKI module (its home moves between packages; the bench follows it)."""
    for name in ("cccd_chip.testing.testpki", "cccd_chip.emulator.testpki", "cccd_chip.emulator.testpki"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise SystemExit("no test PKI module found")


# --- dumps written by `cccd read --out` ------------------------------------------------


@dataclass
class Case:
    """One profile (or re-signed family): its dumps, trust files and prepared inputs."""

    name: str
    raws: list[bytes]
    trust: list[str]  # --csca/--crl options of the CLI
    cbor: list[bytes] = field(default_factory=list)  # the same dumps in the CBOR form (docs/dump-format.md)
    ts: TrustStore = field(default_factory=TrustStore)
    docs: list[Document] = field(default_factory=list)
    floor_inputs: list[tuple[Callable[[], None], ...]] = field(default_factory=list)


def read_dumps(work: Path, cards: int) -> list[Case]:
    """Personalise every profile and read each card with ``cccd read --out`` (subprocess)."""
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.emulator.profiles import PROFILES

    cases = []
    for prof in PROFILES:
        raws: list[bytes] = []
        trust: list[str] = []
        for seed in range(1, cards + 1):
            card = work / "cards" / f"{prof}-{seed}"
            personalize(prof, seed, card)
            secrets = json.loads((card / "card.json").read_text()).get("secrets", {})
            cred = secrets_to_options(secrets, PROFILES[prof].kind == "cccd")
            out = work / "dumps" / f"{prof}-{seed}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            trust_opts = ["--csca", str(card / "csca.pem"), "--crl", str(card / "csca.crl")]
            r = subprocess.run(CLI + ["read", "--virtual", str(card), *cred, *trust_opts, "--out", str(out)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
            if r.returncode != 0 or not out.exists():
                raise SystemExit(f"cccd read {prof} seed {seed}: exit {r.returncode}: {r.stderr[-400:]}")
            raws.append(out.read_bytes())
            if not trust:
                trust = trust_opts
        cases.append(Case(prof, raws, trust))
    return cases


def secrets_to_options(s: dict[str, str], cccd: bool) -> list[str]:
    """The credential options of `cccd read` for a card's secrets (CAN for a CCCD, else the MRZ data)."""
    if cccd:
        return ["--can", s["can"]]
    return ["--doc", s["document_number"], "--dob", s["date_of_birth"], "--doe", s["date_of_expiry"]]


def resigned(base: Case, work: Path, name: str, key_spec: str, explicit: bool) -> Case:
    """``base``'s dumps with the SOD re-signed by a DSC of another family (same DG hashes)."""
    from cccd_chip.lds import sod as sod_mod

    tp = _testpki()
    csca = tp.make_csca("VN", key_spec="p384", seed=13, serial=13, scheme="ecdsa")
    dsc = tp.make_dsc(csca, key_spec=key_spec, seed=13, serial=1300, scheme="ecdsa")
    if explicit:
        dsc = tp.with_explicit_parameters(dsc, csca, scheme="ecdsa")
    folder = work / "pki" / name.replace("/", "-")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "csca.pem").write_bytes(csca.pem)
    args = tp.cms_signing(dsc, scheme="ecdsa")
    raws = []
    for raw in base.raws:
        m = json.loads(raw)
        old = sod_mod.parse(bytes.fromhex(m["files"]["SOD"]))
        lso = old.security_object
        hashes_ = [(h.number, h.value) for h in lso.data_group_hashes]
        hash_alg = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
                    "2.16.840.1.101.3.4.2.3": "sha512"}[lso.hash_algorithm.oid]
        new = sod_mod.build_sod(hashes_, dsc.cert_der, args["signer"], hash_alg=hash_alg, digest_alg=args["digest_alg"],
                                signature_alg_oid=args["signature_alg_oid"], signature_params_der=args["signature_params_der"])
        m["files"]["SOD"] = new.hex().upper()
        raws.append(json.dumps(m, indent=1).encode())
    return Case(name, raws, ["--csca", str(folder / "csca.pem")])


# --- the floor -----------------------------------------------------------------------------

_HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
           "sha512": hashes.SHA512}


def _signed_object_floor(sd: Any, key: Any) -> list[Callable[[], None]]:
    """Hash of the eContent + the SignerInfo's signature, with a preloaded key (the chain is cached)."""
    from cccd_chip.crypto.signatures import parse_signature_algorithm

    si = sd.signer_infos[0]
    alg = parse_signature_algorithm(si.signature_algorithm.encode(), digest_oid=si.digest_algorithm.oid)
    digest = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
              "2.16.840.1.101.3.4.2.3": "sha512", "1.3.14.3.2.26": "sha1",
              "2.16.840.1.101.3.4.2.4": "sha224"}[si.digest_algorithm.oid]
    h = _HASHES[alg.hash]()
    sig, msg, econtent = si.signature, si.signed_attrs, sd.econtent
    if alg.scheme == "rsa-pss":
        pad = padding.PSS(padding.MGF1(_HASHES[alg.mgf_hash or alg.hash]()), alg.salt_length or 0)
        return [lambda: hashlib.new(digest, econtent).digest(), lambda: key.verify(sig, msg, pad, h)]
    if alg.scheme == "rsa-pkcs1v15":
        pk = padding.PKCS1v15()
        return [lambda: hashlib.new(digest, econtent).digest(), lambda: key.verify(sig, msg, pk, h)]
    e = ec.ECDSA(h)
    return [lambda: hashlib.new(digest, econtent).digest(), lambda: key.verify(sig, msg, e)]


def floor_steps(doc: Document, ts: TrustStore) -> list[Callable[[], None]]:
    """The floor of one document as a list of closures (everything parsed and loaded outside)."""
    from cccd_chip.lds import card_security, sod as sod_mod
    from cccd_chip.pki import signed_data as sdv
    from cccd_chip.verify.active_auth import aa_public_key

    steps: list[Callable[[], None]] = []
    sod = sod_mod.parse(doc.files["SOD"])
    dg_hash = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
               "2.16.840.1.101.3.4.2.3": "sha512"}[sod.security_object.hash_algorithm.oid]
    for name, data in doc.files.items():
        if name.startswith("DG"):
            steps.append(lambda d=data: hashlib.new(dg_hash, d).digest())

    def signer_key(sd: Any) -> Any:
        si = sd.signer_infos[0]
        found = sdv.identify_signer(si, sd.certificates, lambda: ts.find_dscs(ski=si.sid_ski, issuer_der=si.sid_issuer,
                                                                              serial=si.sid_serial))
        return found.certificate.public_key._key

    steps += _signed_object_floor(sod.signed_data, signer_key(sod.signed_data))
    if "CardSecurity" in doc.files:
        cs = card_security.parse(doc.files["CardSecurity"])
        steps += _signed_object_floor(cs.signed_data, signer_key(cs.signed_data))
        cam = doc.evidence.pace_cam
        if isinstance(cam, PaceCamEvidence):
            key = cs.security_infos.ca_public_key(cam.ca_key_id)
            domain, point = key.domain_and_key()
            curve = _ossl_curve(domain)
            pk_ic = ec.EllipticCurvePublicKey.from_encoded_point(curve, domain.encode(point))
            priv = ec.derive_private_key(int.from_bytes(cam.ca_ic, "big"), curve)
            x_map = cam.pk_map_ic[1:1 + (domain.order.bit_length() + 7) // 8]

            def cam_step(priv: Any = priv, pk_ic: Any = pk_ic, x_map: bytes = x_map) -> None:
                if priv.exchange(ec.ECDH(), pk_ic) != x_map:
                    raise SystemExit("floor: CAM check does not hold")
            steps.append(cam_step)
    if doc.evidence.aa_signature is not None and "DG15" in doc.files:
        key = aa_public_key(doc.files["DG15"])
        challenge, sig = doc.evidence.aa_challenge, doc.evidence.aa_signature
        if key.kind == "rsa":
            nums = key._key.public_numbers()
            n, e_, k = nums.n, nums.e, (nums.n.bit_length() + 7) // 8

            def aa_rsa(n: int = n, e_: int = e_, k: int = k, s: bytes = sig, c: bytes = challenge) -> None:
                f = int(_powmod(int.from_bytes(s, "big"), e_, n)).to_bytes(k, "big")
                h, t = ("sha1", 1) if f[-1] == 0xBC else (_TRAILERS[f[-2]], 2)
                lh = hashlib.new(h).digest_size
                if hashlib.new(h, f[1:-t - lh] + c).digest() != f[-t - lh:-t]:
                    raise SystemExit("floor: AA does not verify")
            steps.append(aa_rsa)
        else:
            from cccd_chip.verify.active_auth import aa_signature_algorithm
            from cccd_chip.crypto.signatures import parse_signature_algorithm
            from cccd_chip.lds.security_infos import oid_to_bytes
            from cccd_chip.iso7816 import tlv

            oid = aa_signature_algorithm(doc.files.get("DG14"))
            hname = parse_signature_algorithm(tlv.encode(0x30, tlv.encode(0x06, oid_to_bytes(oid)))).hash
            size = len(sig) // 2
            der = asym_utils.encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
            ek, alg = key._key, ec.ECDSA(_HASHES[hname]())
            steps.append(lambda: ek.verify(der, challenge, alg))
    return steps


_TRAILERS = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}  # ISO/IEC 10118-3 ids


def _ossl_curve(domain: Any) -> ec.EllipticCurve:
    """The OpenSSL curve of a standardized EC domain (by its curve name)."""
    classes = {"secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1, "secp521r1": ec.SECP521R1,
               "brainpoolP256r1": ec.BrainpoolP256R1, "brainpoolP384r1": ec.BrainpoolP384R1,
               "brainpoolP512r1": ec.BrainpoolP512R1, "secp224r1": ec.SECP224R1}
    name = getattr(getattr(domain, "curve", None), "name", None)
    if name not in classes:
        raise SystemExit(f"floor: CAM domain {name} has no OpenSSL curve")
    return classes[name]()


def _clock() -> float:
    """CPU time of this process: the in-process measures are single-threaded, and CPU time is
    what other jobs on a shared machine disturb least (wall time counts their turns too)."""
    return time.process_time()


def run_floor(steps: list[list[Callable[[], None]]], loops: int) -> float:
    t0 = _clock()
    for _ in range(loops):
        for doc_steps in steps:
            for s in doc_steps:
                s()
    return _clock() - t0


def run_doc(docs: list[Document], ts: TrustStore, policy: Policy, loops: int, cold: bool = False) -> float:
    clear = _cache_clearer() if cold else None
    t0 = _clock()
    for _ in range(loops):
        for d in docs:
            if clear is not None:
                clear()
            verify_document(d, ts, policy=policy)
    return _clock() - t0


def run_dump(raws: list[bytes], ts: TrustStore, policy: Policy, loops: int,
             load: Callable[[bytes], Document] = Document.from_json_bytes) -> float:
    """Load each dump (``load``: the JSON form, or ``Document.from_cbor_bytes``) and verify it."""
    t0 = _clock()
    for _ in range(loops):
        for raw in raws:
            verify_document(load(raw), ts, policy=policy)
    return _clock() - t0


def steady_state(cases: list[Case], policy: Policy) -> str:
    """Bring this process to the state of a long-running verifier (a server, a batch worker, an
    archive re-verification) and say which RSA public operation Active Authentication uses there.

    ``verify.active_auth`` switches from OpenSSL's BN_mod_exp to GMP (the ``fast`` extra) after
    its ``_GMP_AFTER`` operations, once the import is repaid; a one-dump process never does. Here the
    first case with an RSA AA key is verified that many times (~0.3 s) before anything is measured,
    so every case is measured in the same state instead of switching in the middle of one."""
    from cccd_chip.verify import active_auth

    threshold = int(getattr(active_auth, "_GMP_AFTER", 0))
    for case in cases:
        if case.name.startswith("passport-bac"):  # RSA-1024 AA, the cheapest operation
            prepare(case, policy)
            for _ in range(threshold + 1):
                if getattr(active_auth, "_POWMOD", None) is not getattr(active_auth, "_UNSET", None):
                    break
                verify_document(case.docs[0], case.ts, policy=policy)
            case.ts = TrustStore()  # prepared again, like every case, when measured
            break
    powmod = getattr(active_auth, "_POWMOD", None)
    if powmod is not None and powmod is not getattr(active_auth, "_UNSET", None):
        return f"GMP (gmpy2.powmod), as a long-running verifier after {threshold} RSA operations"
    return "OpenSSL BN_mod_exp (libcrypto binding; gmpy2 not installed)"


def _cache_clearer() -> Optional[Callable[[], None]]:
    """The verifier's hook that empties its content caches (None when it has none)."""
    try:
        mod = importlib.import_module("cccd_chip.content_cache")
    except ImportError:
        return None
    return getattr(mod, "clear_content_caches", None)


# --- measuring ---------------------------------------------------------------------------------


def cbor_twins(raws: list[bytes], work: Path, name: str) -> list[bytes]:
    """Each JSON dump in the CBOR form, written by ``Document.save`` (what ``cccd read --out X.cbor``
    writes): the same Document, so the floor is the same."""
    out = []
    for i, raw in enumerate(raws):
        path = work / "cbor" / f"{name.replace('/', '-')}-{i}.cbor"
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = Document.from_json_bytes(raw)
        doc.save(path)
        data = path.read_bytes()
        if Document.from_cbor_bytes(data) != doc:
            raise SystemExit(f"{name}: the CBOR twin of dump {i} is another Document")
        out.append(data)
    return out


def prepare(case: Case, policy: Policy) -> None:
    for opt, path in zip(case.trust[::2], case.trust[1::2]):
        case.ts.add_path(path)
    case.docs = [Document.from_json_bytes(r) for r in case.raws]
    for d in case.docs:
        rep = verify_document(d, case.ts, policy=policy)
        if rep.overall is not Verdict.SUCCESSFUL:
            bad = [c.to_json() for c in rep.checks if c.verdict not in (Verdict.SUCCESSFUL, Verdict.NOT_SUPPORTED)]
            raise SystemExit(f"{case.name}: {rep.overall.value} {bad[:2]}")
    case.floor_inputs = [tuple(floor_steps(d, case.ts)) for d in case.docs]


def measure(case: Case, policy: Policy, rounds: int, target_s: float) -> dict[str, Any]:
    steps = [list(s) for s in case.floor_inputs]
    run_floor(steps, 3)
    run_doc(case.docs, case.ts, policy, 3)
    one = run_floor(steps, 5) / 5
    loops = max(1, int(target_s / max(one, 1e-6)))
    fl, dc, dp, cb, cold = [], [], [], [], []
    clear = _cache_clearer()
    for _ in range(rounds):
        f = run_floor(steps, loops)
        d = run_doc(case.docs, case.ts, policy, loops)
        p = run_dump(case.raws, case.ts, policy, loops)
        b = run_dump(case.cbor, case.ts, policy, loops, Document.from_cbor_bytes) if case.cbor else float("nan")
        c = run_doc(case.docs, case.ts, policy, loops, cold=True) if clear is not None else float("nan")
        fl.append(f)
        dc.append(d / f)
        dp.append(p / f)
        cb.append(b / f)
        cold.append(c / f)
    n = loops * len(case.docs)
    return {"floor_us": statistics.median(fl) / n * 1e6, "doc": sorted(dc), "dump": sorted(dp),
            "cbor": sorted(cb) if case.cbor else None, "cold": sorted(cold) if clear is not None else None}


def _fmt(r: list[float]) -> str:
    return f"{statistics.median(r):5.2f} ({r[0]:.2f}-{r[-1]:.2f})"


def batch_scaling(raws: list[bytes], trust: list[str], work: Path, copies: int,
                  rounds: int) -> list[tuple[float, float, float, float]]:
    """`cccd verify DIR --workers 1|2`, paired rounds: (wall 1, wall 2, CPU 1, CPU 2) in seconds.

    CPU is user + system time of the whole process tree (the command and its pool
    workers, reaped before it exits), from ``getrusage(RUSAGE_CHILDREN)``. The order
    within a pair alternates (1 then 2, 2 then 1, ...), so a load that rises or falls
    during the run weighs on both sides alike.
    """
    import resource

    folder = work / "batch"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(copies):
        (folder / f"d{i:05d}.json").write_bytes(raws[i % len(raws)])
    warm = work / "batch-warm-up"  # the bytecode of every module both runs import (the pool's too), not measured
    shutil.rmtree(warm, ignore_errors=True)
    warm.mkdir(parents=True)
    for i in range(4):
        (warm / f"d{i}.json").write_bytes(raws[i % len(raws)])
    for w in (1, 2):
        subprocess.run(CLI + ["verify", str(warm), "--workers", str(w), *trust], cwd=ROOT, capture_output=True,
                       timeout=600, env=cli_env(work))
    out = []
    for k in range(rounds):
        walls, cpus = [0.0, 0.0], [0.0, 0.0]
        for w in ((1, 2) if k % 2 == 0 else (2, 1)):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            r = subprocess.run(CLI + ["verify", str(folder), "--workers", str(w), *trust], cwd=ROOT,
                               capture_output=True, text=True, timeout=600, env=cli_env(work))
            walls[w - 1] = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[w - 1] = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
            if r.returncode != 0:
                raise SystemExit(f"cccd verify DIR --workers {w}: exit {r.returncode}: {r.stderr[-300:]}")
        out.append((walls[0], walls[1], cpus[0], cpus[1]))
    return out


def single_process(dump: Path, trust: list[str], work: Path, runs: int) -> dict[str, Any]:
    """Medians of one-dump `cccd verify DUMP` processes and of `python -c pass` (interpreter start): wall
    time, and CPU time (user + system of the child, robust to other load). ``cli`` is the console script's
    entry point (``host_cli.entry``: the plain form runs without click, host_cli/fast_path.py); ``click``
    the same command through the click group (``python -m host_cli.main``), as every form ran before.
    The three alternate, in a rotating order; ``ratio`` is the paired cli/click CPU ratio, sorted."""
    import resource

    env = cli_env(work)
    variants = [("cli", CLI + ["verify", str(dump), *trust]),
                ("click", [sys.executable, "-m", "host_cli.main", "verify", str(dump), *trust]),
                ("py", [sys.executable, "-c", "pass"])]
    for _, argv in variants[:2]:  # bytecode
        subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=60, env=env)
    out: dict[str, list[float]] = {f"{k}_{m}": [] for k, _ in variants for m in ("wall", "cpu")}
    for i in range(runs):
        for key, argv in variants[i % 3:] + variants[:i % 3]:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=60, check=True, env=env)
            out[f"{key}_wall"].append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            out[f"{key}_cpu"].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    res: dict[str, Any] = {k: statistics.median(v) for k, v in out.items()}
    res["ratio"] = sorted(a / b for a, b in zip(out["cli_cpu"], out["click_cpu"]))
    return res


def process_part(cases: list[Case], work: Path, quick: bool, batch_rounds: int, single_runs: int,
                 dirs: bool = True) -> None:
    """The `cccd verify` processes: DIR with 1 and 2 workers (cccd-2021, cccd-2024; not with ``dirs`` False),
    then one dump."""
    c21 = next(c for c in cases if c.name == "cccd-2021")
    c24 = next(c for c in cases if c.name == "cccd-2024")
    n = 200 if quick else 1000
    for case in (c21, c24) if dirs else ():
        load0 = os.getloadavg()[0]
        runs = batch_scaling(case.raws, case.trust, work, n, batch_rounds)
        speed = sorted(t1 / t2 for t1, t2, _, _ in runs)
        cpu = sorted(c2 / c1 for _, _, c1, c2 in runs)
        w1, w2, c1, c2 = (statistics.median(r[i] for r in runs) for i in (0, 1, 2, 3))
        print(f"batch {case.name}: `cccd verify DIR` over {n} dumps (process start included), {len(runs)} paired "
              f"rounds: 1 worker {n / w1:.0f} dumps/s, 2 workers {n / w2:.0f} dumps/s; speed-up paired median "
              f"{_fmt(speed)} (goal >= 1.8; needs two idle cores); CPU of the process tree per dump 1 worker "
              f"{c1 / n * 1e3:.2f} ms, 2 workers {c2 / n * 1e3:.2f} ms, ratio {_fmt(cpu)} (two idle cores give at "
              f"most 2 / that); load {load0:.2f} -> {os.getloadavg()[0]:.2f}", flush=True)
    dump = work / "dumps" / "cccd-2021-1.json"
    load0 = os.getloadavg()[0]
    sp = single_process(dump, c21.trust, work, single_runs)
    print(f"single `cccd verify DUMP` process (cccd-2021), median of {single_runs}: wall "
          f"{sp['cli_wall'] * 1e3:.0f} ms, CPU {sp['cli_cpu'] * 1e3:.0f} ms (goal <= 150 ms CPU); through click "
          f"(python -m host_cli.main): wall {sp['click_wall'] * 1e3:.0f} ms, CPU {sp['click_cpu'] * 1e3:.0f} ms, "
          f"paired CPU ratio {_fmt(sp['ratio'])}; python -c pass: wall {sp['py_wall'] * 1e3:.0f} ms, CPU "
          f"{sp['py_cpu'] * 1e3:.0f} ms; load {load0:.2f} -> {os.getloadavg()[0]:.2f}", flush=True)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds and copies (a smoke run)")
    ap.add_argument("--rounds", type=int, default=None, help="paired rounds per case (default 15, --quick 3)")
    ap.add_argument("--cards", type=int, default=2, help="cards (seeds) per profile, each read once (1..4)")
    ap.add_argument("--only", default=None, help="only cases whose name contains this text")
    ap.add_argument("--no-batch", action="store_true", help="skip the `cccd verify` process measurements")
    ap.add_argument("--process-only", action="store_true", help="only the `cccd verify` process measurements")
    ap.add_argument("--batch-rounds", type=int, default=None, help="paired `cccd verify DIR` rounds (default 3)")
    ap.add_argument("--single-runs", type=int, default=None, help="one-dump processes (default 21)")
    ap.add_argument("--single-only", action="store_true", help="only the one-dump `cccd verify` processes")
    a = ap.parse_args(argv)
    a.process_only = a.process_only or a.single_only
    rounds = a.rounds or (3 if a.quick else 15)
    target = 0.004 if a.quick else 0.02
    cards = min(max(a.cards, 1), 4)
    policy = Policy()  # the system clock, as `cccd verify` without --at
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (os.cpu_count()={os.cpu_count()})",
          flush=True)
    from cccd_chip import _native

    print(f"verification path: {_native.state()} (cccd_chip/_native.py: compiled by mypyc, or the sources with "
          f"CCCD_CHIP_PURE=1)", flush=True)
    with tempfile.TemporaryDirectory(prefix="cccd-bench-verify-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        cases = read_dumps(work, cards)
        base = next(c for c in cases if c.name == "cccd-2021")
        cases += [resigned(base, work, name, spec, explicit) for name, spec, explicit in RESIGNED]
        for case in cases:
            case.cbor = cbor_twins(case.raws, work, case.name)
        print(f"read {sum(len(c.raws) for c in cases)} dumps with `cccd read --out` ({cards} card(s) per profile), "
              f"re-signed 3 families and wrote each dump's CBOR form in {time.perf_counter() - t0:.0f} s", flush=True)
        if not a.process_only:
            print(f"AA RSA public operation: {steady_state(cases, policy)}", flush=True)
            print(f"{'case':26} {'floor us':>9} {'doc/floor':>17} {'dump/floor':>17} {'cbor/floor':>17} "
                  f"{'cold/floor':>17}  load")
        for case in cases:
            if (a.only and a.only not in case.name) or a.process_only:
                continue
            prepare(case, policy)
            r = measure(case, policy, rounds, target)
            cold = _fmt(r["cold"]) if r["cold"] else "-"
            cbor = _fmt(r["cbor"]) if r["cbor"] else "-"
            print(f"{case.name:26} {r['floor_us']:9.0f} {_fmt(r['doc']):>17} {_fmt(r['dump']):>17} {cbor:>17} "
                  f"{cold:>17}  {os.getloadavg()[0]:.2f}", flush=True)
        if not a.no_batch:
            process_part(cases, work, a.quick, a.batch_rounds or (1 if a.quick else 3),
                         a.single_runs or (5 if a.quick else 21), dirs=not a.single_only)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
