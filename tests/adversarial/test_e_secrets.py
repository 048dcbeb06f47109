"""Class (e): an attacker who wants the credentials (issue 10).

Canary credentials are used for reads, failed reads, replays and verifications, and every
output is grepped for them and for what is derived from them: stdout and stderr at every
verbosity (``-v``, ``-vv``, ``-vvv``; logging captured at DEBUG as well), ``--json``, the
dump (``--out``), the APDU trace (``--trace``). A "canary" is a CAN that appears in no data
group (passport profiles: the CAN is independent of DG1), a wrong CAN, a wrong MRZ, a
malformed credential. Searched forms: the digits, their ASCII hex, the PACE password key
K_pi, the BAC K_seed / K_enc / K_mac.

Each (command, verbosity, json) run is one case: ``successful`` means "no secret found";
a leak is the false successful here only in name - it fails the case as ``failed``
``SECRET_LEAKED`` against the expectation.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from adversary import AT_TEXT, Outcome, run_cli
from testsupport.secret_scan import contains_secret

from cccd_chip.access.passwords import mrz_information
from cccd_chip.crypto.kdf import kdf_enc, kdf_mac, kdf_pi

CAN_PROFILES = ("passport-pace-im", "passport-pace-cam", "passport-aes256", "id-small-le", "id-explicit-csca",
                "passport-dh")
VERBOSITY = ((), ("-v",), ("-vv",), ("-vvv",))
JSON = (False, True)
REPO = Path(__file__).resolve().parents[2]


def _can_forms(can: str) -> set[str]:
    b = can.encode()
    forms = {can, b.hex(), b.hex().upper()}
    for cipher in ("3DES", "AES-128", "AES-192", "AES-256"):
        k = kdf_pi(b, cipher)
        forms |= {k.hex(), k.hex().upper()}
    return forms


def _mrz_forms(doc: str, dob: str, doe: str) -> set[str]:
    info = mrz_information(doc, dob, doe)
    seed = hashlib.sha1(info).digest()[:16]
    forms = {seed.hex(), seed.hex().upper(), hashlib.sha1(info).hexdigest(), hashlib.sha1(info).hexdigest().upper()}
    for k in (kdf_enc(seed, "3DES"), kdf_mac(seed, "3DES")):
        forms |= {k.hex(), k.hex().upper()}
    return forms


def _wrong_can(can: str) -> str:
    return f"{(int(can) + 271828) % 1_000_000:06d}"


def _scan(texts: dict[str, str], secrets: set[str]) -> Outcome:
    leaks = sorted({f"{where}" for where, text in texts.items() for s in secrets if contains_secret(text, s)})
    if leaks:
        return Outcome("failed", ("SECRET_LEAKED",), 1, "secret found in " + ", ".join(leaks))
    return Outcome("successful", ("OK",), 0, f"{len(secrets)} forms absent from {', '.join(sorted(texts))}")


def _files(*paths: Path) -> dict[str, str]:
    out = {}
    for p in paths:
        if p.exists():
            out[p.name] = p.read_bytes().decode("latin-1")
    return out


def _run(cli_in_process, caplog, *args):
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        r = cli_in_process(*args)
    return r, {"stdout": r.out, "stderr": r.err, "log": caplog.text}


CASES = [(p, v, j) for p in CAN_PROFILES for v in VERBOSITY for j in JSON]


def _ids(case):
    p, v, j = case
    return f"{p}{''.join(v) or '-q'}{'-json' if j else ''}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_read_with_the_right_can_leaks_nothing(cards, cli_in_process, caplog, judge, tmp_path, case):
    profile, verbosity, as_json = case
    card = cards.get(profile, 31)
    can = cards.secrets(card)["can"]
    dump, trace = tmp_path / "dump.json", tmp_path / "trace.jsonl"
    r, texts = _run(cli_in_process, caplog, *verbosity, "read", "--virtual", card, "--can", can, "--csca",
                    card / "csca.pem", "--at", AT_TEXT, "--out", dump, "--trace", trace, *(["--json"] if as_json else []))
    assert r.code in (0, 3), r.err
    texts |= _files(dump, trace)
    judge(_scan(texts, _can_forms(can)), expect="successful")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_read_with_a_wrong_can_leaks_neither_can(cards, cli_in_process, caplog, judge, tmp_path, case):
    profile, verbosity, as_json = case
    card = cards.get(profile, 31)
    can = cards.secrets(card)["can"]
    wrong = _wrong_can(can)
    trace = tmp_path / "trace.jsonl"
    r, texts = _run(cli_in_process, caplog, *verbosity, "read", "--virtual", card, "--can", wrong, "--at", AT_TEXT,
                    "--trace", trace, *(["--json"] if as_json else []))
    assert r.code == 5, r.out + r.err
    texts |= _files(trace)
    judge(_scan(texts, _can_forms(can) | _can_forms(wrong)), expect="successful")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_replay_with_a_wrong_can_leaks_neither_can(cards, cli_in_process, caplog, judge, tmp_path, case):
    """A recorded trace replayed with a wrong CAN: the mismatch names the APDU, never its bytes (defect 10)."""
    profile, verbosity, as_json = case
    card = cards.get(profile, 31)
    can = cards.secrets(card)["can"]
    trace = tmp_path / "trace.jsonl"
    r0, _ = _run(cli_in_process, caplog, "read", "--virtual", card, "--can", can, "--at", AT_TEXT, "--trace", trace)
    assert r0.code in (0, 3), r0.err
    wrong = _wrong_can(can)
    r, texts = _run(cli_in_process, caplog, *verbosity, "trace", "replay", trace, "--can", wrong, "--at", AT_TEXT,
                    *(["--json"] if as_json else []))
    assert r.code in (4, 5), r.out + r.err
    # the commands that depend on the wrong CAN (and the ones the right CAN produced) must not be shown
    recorded = [line.split('"c":"')[1].split('"')[0] for line in trace.read_text().splitlines() if '"c":"' in line]
    bodies = {c[10:26] for c in recorded if len(c) > 26}
    judge(_scan(texts, _can_forms(can) | _can_forms(wrong) | bodies), expect="successful")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_verify_of_the_dump_leaks_nothing(cards, cli_in_process, caplog, judge, tmp_path, case):
    profile, verbosity, as_json = case
    card = cards.get(profile, 31)
    can = cards.secrets(card)["can"]
    dump = tmp_path / "dump.json"
    r0, _ = _run(cli_in_process, caplog, "read", "--virtual", card, "--can", can, "--at", AT_TEXT, "--out", dump)
    assert r0.code in (0, 3)
    r, texts = _run(cli_in_process, caplog, *verbosity, "verify", dump, "--csca", card / "csca.pem", "--at", AT_TEXT,
                    *(["--json"] if as_json else []))
    assert r.code == 0, r.err
    judge(_scan(texts, _can_forms(can)), expect="successful")


MALFORMED = ("9876543", "98765", "98 765", "98765x", "-98765")


@pytest.mark.parametrize("bad", MALFORMED)
@pytest.mark.parametrize("verbosity", VERBOSITY, ids=lambda v: "".join(v) or "-q")
def test_malformed_can_is_not_echoed(cards, cli_in_process, caplog, judge, bad, verbosity):
    card = cards.get("passport-pace-im", 31)
    r, texts = _run(cli_in_process, caplog, *verbosity, "read", "--virtual", card, "--can", bad, "--json")
    assert r.code == 2, r.out + r.err
    judge(_scan(texts, {bad}), expect="successful")


@pytest.mark.parametrize("verbosity", VERBOSITY, ids=lambda v: "".join(v) or "-q")
@pytest.mark.parametrize("as_json", JSON)
def test_bac_with_a_wrong_mrz_leaks_no_key(cards, cli_in_process, caplog, judge, verbosity, as_json):
    card = cards.get("passport-bac", 31)
    s = cards.secrets(card)
    wrong_doc = "CANARY123"
    r, texts = _run(cli_in_process, caplog, *verbosity, "read", "--virtual", card, "--doc", wrong_doc, "--dob",
                    s["date_of_birth"], "--doe", s["date_of_expiry"], *(["--json"] if as_json else []))
    assert r.code == 5, r.out + r.err
    secrets = {wrong_doc} | _mrz_forms(wrong_doc, s["date_of_birth"], s["date_of_expiry"]) | _mrz_forms(
        s["document_number"], s["date_of_birth"], s["date_of_expiry"])
    judge(_scan(texts, secrets), expect="successful")


@pytest.mark.parametrize("verbosity", VERBOSITY, ids=lambda v: "".join(v) or "-q")
def test_bac_read_keeps_its_keys(cards, cli_in_process, caplog, judge, tmp_path, verbosity):
    """A genuine BAC read: the MRZ is in DG1 (public in the dump), the keys derived from it are not."""
    card = cards.get("passport-bac", 31)
    s = cards.secrets(card)
    dump, trace = tmp_path / "d.json", tmp_path / "t.jsonl"
    r, texts = _run(cli_in_process, caplog, *verbosity, "read", "--virtual", card, "--doc", s["document_number"],
                    "--dob", s["date_of_birth"], "--doe", s["date_of_expiry"], "--out", dump, "--trace", trace,
                    "--at", AT_TEXT)
    assert r.code in (0, 3), r.err
    texts |= _files(dump, trace)
    judge(_scan(texts, _mrz_forms(s["document_number"], s["date_of_birth"], s["date_of_expiry"])),
          expect="successful")


# --- the real process: stderr at -vvv, where logging goes to the terminal -----------------------------


@pytest.mark.parametrize("profile", ["passport-pace-im", "passport-dh"])
def test_subprocess_at_full_verbosity_leaks_no_can(cards, judge, tmp_path, profile):
    card = cards.get(profile, 31)
    can = cards.secrets(card)["can"]
    wrong = _wrong_can(can)
    r1 = run_cli("-vvv", "read", "--virtual", card, "--can", can, "--out", tmp_path / "d.json", "--at", AT_TEXT)
    r2 = run_cli("-vvv", "read", "--virtual", card, "--can", wrong, "--json", "--at", AT_TEXT)
    assert r1.code in (0, 3) and r2.code == 5, (r1.err, r2.err)
    texts = {"stdout1": r1.out, "stderr1": r1.err, "stdout2": r2.out, "stderr2": r2.err} | _files(tmp_path / "d.json")
    judge(_scan(texts, _can_forms(can) | _can_forms(wrong)), expect="successful")
