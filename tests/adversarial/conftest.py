"""The adversarial suite: attacks organised by what the attacker controls (issue 10).

One file per attacker class, named ``test_<letter>_<what>.py``:

====== ===================================================== ==========================
class  attacker                                              file
====== ===================================================== ==========================
a      edits a dump without any key                          test_a_dump_edits.py
b      holds keys of their own (self-made CSCA/DSC, swaps)   test_b_attacker_keys.py
c      an issuer that made one mistake and signed it         test_c_issuer_mistakes.py
d      a malicious chip                                      test_d_malicious_chip.py
e      wants the secrets (canary credentials in outputs)     test_e_secrets.py
f      poisons the trust store                               test_f_trust_poisoning.py
g      injects into outputs                                  test_g_output_injection.py
h      hands over hostile files                              test_h_hostile_files.py
i      exhausts outputs                                      test_i_output_exhaustion.py
====== ===================================================== ==========================

Every case is a parametrized test that ends with ``judge(outcome, expect=..., reason=...)``:
the expected verdict (``successful``, ``failed``, ``undetermined``, ``not_supported``,
``aborted``, or ``error`` for a refusal with an exit code) and reason. ``judge`` asserts
the outcome and records it; the session prints totals per class, and **a false successful
(an outcome ``successful`` / exit 0 where something else was expected) or an exit 70
(internal error) anywhere fails the session**, whatever the individual tests say.

Fixtures for the cases:

- ``cards.get(profile, seed=7, *faults)``: a personalised virtual card folder (cached per
  session);
- ``genuine(profile, seed=7, faults=(), credential="can")``: a :class:`Genuine` read of
  that card (in-process, deterministic rng), its trust store and its dump manifest, read
  once per session; mutate copies in memory (``genuine.manifest_copy()``);
- ``judge``; module helpers :func:`verify_outcome`, :func:`dump_outcome`,
  :func:`run_cli` (a subprocess, for the sample that checks real exit codes) and
  :func:`cli_in_process`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Optional

import pytest

from adversary import (CLASSES, VERDICTS, Cards, CliRun, Genuine, Outcome, credential_for, fixed_rng,
                       trust_store_for)
from testsupport.cli import run_cccd

# issue 10 asks for at least this many cases in classes a-e together
MIN_CASES_ISSUE_10 = 600
ISSUE_10_CLASSES = "abcde"
_CLASS_RE = re.compile(r"(?:^|/)test_([a-i])_[^/]*\.py")
_PROP = "adversarial"


# --- the judge ----------------------------------------------------------------------------


@pytest.fixture
def judge(request):
    """``judge(outcome, expect="failed", reason="DG_HASH_MISMATCH", exit_code=None)``.

    Asserts the outcome and records it for the totals. ``reason`` must be one of the
    reasons carrying the overall verdict (for ``error``: the error's reason or class
    name); ``exit_code`` is compared when given. ``expect`` may also be a tuple of
    acceptable verdicts (a case where the spec allows either, e.g. ``failed`` or
    ``undetermined`` for an unknown signer); ``successful`` is then never among them.
    """

    def judge(outcome: Outcome, *, expect, reason=None, exit_code: Optional[int] = None) -> Outcome:
        expected = (expect,) if isinstance(expect, str) else tuple(expect)
        for e in expected:
            assert e in VERDICTS, f"unknown expected verdict {e!r}"
        assert not (len(expected) > 1 and "successful" in expected), "a successful case names one verdict"
        false_success = outcome.verdict == "successful" and "successful" not in expected
        internal = outcome.exit_code == 70
        request.node.user_properties.append((_PROP, {
            "expect": "/".join(expected),
            "verdict": outcome.verdict,
            "reason": reason,
            "false_successful": false_success,
            "exit70": internal,
        }))
        shown = f"{outcome.verdict} {list(outcome.reasons)} exit {outcome.exit_code} {outcome.detail}"
        assert not internal, f"internal error (exit 70): {shown}"
        assert not false_success, f"FALSE SUCCESSFUL: expected {expected} {reason}, got {shown}"
        assert outcome.verdict in expected, f"expected {expected} {reason}, got {shown}"
        if reason is not None:
            reasons = (reason,) if isinstance(reason, str) else tuple(reason)
            assert set(reasons) & set(outcome.reasons), f"expected reason {reasons}, got {shown}"
        if exit_code is not None:
            assert outcome.exit_code == exit_code, f"expected exit {exit_code}, got {shown}"
        return outcome

    return judge


# --- totals (printed every run; false successful / exit 70 fail the session) -------------------

_TOTALS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_COLLECTED: dict[str, int] = defaultdict(int)


def _class_of(nodeid: str) -> Optional[str]:
    m = _CLASS_RE.search(nodeid.split("::")[0])
    return m.group(1) if m else None


def pytest_collection_finish(session):
    for item in session.items:
        c = _class_of(item.nodeid)
        if c:
            _COLLECTED[c] += 1


def pytest_runtest_logreport(report):
    c = _class_of(report.nodeid)
    if c is None:
        return
    t = _TOTALS[c]
    if report.when == "call":
        t["run"] += 1
        t["passed" if report.passed else ("skipped" if report.skipped else "test_failed")] += 1
        for key, value in report.user_properties:
            if key != _PROP:
                continue
            t["judged"] += 1
            t[f"expect:{value['expect']}"] += 1
            t["false_successful"] += int(value["false_successful"])
            t["exit70"] += int(value["exit70"])
    elif report.failed:  # setup/teardown error
        t["test_failed"] += 1


def _problems() -> list[str]:
    out = []
    fs = sum(t["false_successful"] for t in _TOTALS.values())
    e70 = sum(t["exit70"] for t in _TOTALS.values())
    if fs:
        out.append(f"{fs} FALSE SUCCESSFUL")
    if e70:
        out.append(f"{e70} exit 70 (internal error)")
    if all(_COLLECTED.get(c) for c in ISSUE_10_CLASSES):  # the whole issue-10 suite was collected
        ran = sum(_TOTALS[c]["judged"] for c in ISSUE_10_CLASSES)
        everything = all(_TOTALS[c]["run"] >= _COLLECTED[c] for c in ISSUE_10_CLASSES)
        if everything and ran < MIN_CASES_ISSUE_10:
            out.append(f"only {ran} judged cases in classes a-e (issue 10 asks for >= {MIN_CASES_ISSUE_10})")
    return out


def pytest_terminal_summary(terminalreporter):
    if not _TOTALS:
        return
    tr = terminalreporter
    tr.section("adversarial suite totals")
    tr.write_line("cases = judged outcomes (a test may judge several); tests = test functions run")
    tr.write_line(f"{'class':<28} {'cases':>6} {'tests':>7} {'t.fail':>7} {'false-succ':>10} {'exit70':>7}  expected verdicts")
    grand = defaultdict(int)
    for c in sorted(_TOTALS):
        t = _TOTALS[c]
        exp = ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in sorted(t.items()) if k.startswith("expect:"))
        tr.write_line(f"{c} {CLASSES[c]:<26} {t['judged']:>6} {t['run']:>7} {t['test_failed']:>7} "
                      f"{t['false_successful']:>10} {t['exit70']:>7}  {exp}")
        for k in ("judged", "run", "test_failed", "false_successful", "exit70"):
            grand[k] += t[k]
    tr.write_line(f"{'total':<28} {grand['judged']:>6} {grand['run']:>7} {grand['test_failed']:>7} "
                  f"{grand['false_successful']:>10} {grand['exit70']:>7}")
    for p in _problems():
        tr.write_line(f"ADVERSARIAL SUITE FAILED: {p}", red=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    if _problems() and session.exitstatus == 0:
        session.exitstatus = 1  # hard assertion, whatever the individual tests said


# --- virtual cards and genuine reads (session scope, cached) -------------------------------


@pytest.fixture(scope="session")
def cards(tmp_path_factory) -> Cards:
    return Cards(tmp_path_factory.mktemp("adv-cards"))


@pytest.fixture(scope="session")
def genuine(cards):
    """``genuine(profile, seed=7, faults=(), credential=None)`` -> :class:`Genuine` (cached)."""
    cache: dict = {}

    def get(profile: str = "cccd-2021", seed: int = 7, faults: tuple = (), credential: Optional[str] = None) -> Genuine:
        kind = credential or ("mrz" if profile == "passport-bac" else "can")
        key = (profile, seed, tuple(faults), kind)
        if key not in cache:
            from cccd_chip.emulator.applet import Applet
            from cccd_chip.emulator.card import VirtualCard
            from cccd_chip.reader import read_document
            from cccd_chip.transport.local import LocalTransport

            card_dir = cards.get(profile, seed, *faults)
            secrets = Cards.secrets(card_dir)
            doc = read_document(LocalTransport(Applet(VirtualCard.load(card_dir))), credential_for(secrets, kind),
                                rng=fixed_rng, source=f"emulator:{profile} seed={seed}")
            cache[key] = Genuine(profile, card_dir, secrets, doc, trust_store_for(card_dir), doc.manifest(inline=True))
        return cache[key]

    return get


# --- the command line in this process -----------------------------------------------------------


@pytest.fixture
def cli_in_process(capsys):
    """Run ``cccd`` in this process: ``run(*args) -> CliRun`` (fast; logging goes to pytest)."""
    def run(*args: object) -> CliRun:
        r = run_cccd(capsys, *args)
        return CliRun(r.code, r.out, r.err)

    return run
