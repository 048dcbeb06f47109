"""Helpers of the adversarial suite (outcomes, genuine reads, the command line); see conftest.py."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from cccd_chip.document import Document
from cccd_chip.errors import CccdError
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Report
from testsupport.cards import Cards
from testsupport.cli import cccd_argv
from host_cli.exit_codes import exit_code_for

UTC = dt.timezone.utc
# inside every generated validity period (emulator DSC 2021..2036, CSCA 2014..2046)
AT = dt.datetime(2027, 3, 1, tzinfo=UTC)
AT_TEXT = "2027-03-01T00:00:00Z"
POLICY = Policy(at=AT)

CLASSES = {
    "a": "dump edits without keys",
    "b": "attacker keys",
    "c": "issuer mistakes",
    "d": "malicious chip",
    "e": "secrets",
    "f": "trust poisoning",
    "g": "output injection",
    "h": "hostile files",
    "i": "output exhaustion",
}
VERDICTS = ("successful", "failed", "undetermined", "not_supported", "aborted", "error")

REPO = Path(__file__).resolve().parents[2]


# --- outcomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the toolkit answered to one attack.

    ``verdict`` is the Report's overall verdict, or ``error`` when it refused with an
    error (then ``reasons`` holds the error's reason and ``exit_code`` its exit code);
    ``reasons`` lists the reasons of the checks whose verdict equals the overall one.
    ``exit_code`` is the ``cccd`` exit code the outcome maps to (70: internal error).
    """

    verdict: str
    reasons: tuple[str, ...] = ()
    exit_code: Optional[int] = None
    detail: str = ""
    report: Optional[Report] = field(default=None, compare=False, repr=False)

    def check(self, name: str, subject: Optional[str] = None):
        """The one check called ``name`` (and ``subject``) of the report."""
        assert self.report is not None, f"no report: {self}"
        hits = [c for c in self.report.checks if c.check == name and (subject is None or c.subject == subject)]
        assert len(hits) == 1, f"{len(hits)} checks {name} {subject}: {[c.to_json() for c in self.report.checks]}"
        return hits[0]


def outcome_of_report(report: Report) -> Outcome:
    overall = report.overall.value
    reasons = tuple(c.reason.value for c in report.checks if c.verdict.value == overall)
    return Outcome(overall, reasons, exit_code_for(report), "", report)  # the cccd command's one table


def outcome_of_error(e: BaseException) -> Outcome:
    if isinstance(e, CccdError):
        reason = getattr(e, "reason", None)
        reason = getattr(reason, "value", reason)
        return Outcome("error", (str(reason or type(e).__name__),), exit_code_for(e), f"{type(e).__name__}: {e}"[:300])
    return Outcome("error", ("INTERNAL",), 70, f"{type(e).__name__}: {e}"[:300])


def verify_outcome(doc: "Document | Callable[[], Document]", store: TrustStore, policy: Policy = POLICY) -> Outcome:
    """Verify in-process (a Document, or a callable that builds one: its errors count too)."""
    from cccd_chip.verify.document_check import verify_document

    try:
        d = doc() if callable(doc) else doc
        return outcome_of_report(verify_document(d, store, policy=policy))
    except Exception as e:  # noqa: BLE001 - an exception is an outcome here (exit 6 or 70)
        return outcome_of_error(e)


def dump_outcome(manifest: "dict | bytes | str", store: TrustStore, policy: Policy = POLICY) -> Outcome:
    """Load a single-file dump (a manifest dict, or its bytes as received) and verify it."""
    if isinstance(manifest, dict):
        raw = json.dumps(manifest).encode()
    elif isinstance(manifest, str):
        raw = manifest.encode()
    else:
        raw = manifest
    return verify_outcome(lambda: Document.from_json_bytes(raw), store, policy)


def exit_outcome(code: int, detail: str = "") -> Outcome:
    """An outcome known only by a ``cccd`` exit code."""
    verdict = {0: "successful", 1: "failed", 3: "undetermined"}.get(code, "error")
    return Outcome(verdict, (), code, detail)


# --- virtual cards and genuine reads ------------------------------------------------------------


def fixed_rng(n: int) -> bytes:
    """Deterministic host randomness for reads in the suite (never for real use)."""
    return bytes((7 * i + 1) & 0xFF for i in range(n))


def credential_for(secrets: dict, kind: str):
    from cccd_chip.reader import Credential

    if kind == "mrz":
        return Credential.from_mrz(secrets["document_number"], secrets["date_of_birth"], secrets["date_of_expiry"])
    if kind == "id":
        return Credential.from_cccd_id(secrets["id"])
    return Credential.from_can(secrets["can"])


def trust_store_for(card_dir: Path, *, crl: bool = True) -> TrustStore:
    store = TrustStore()
    store.add_path(card_dir / "csca.pem")
    if crl and (card_dir / "csca.crl").exists():
        store.add_path(card_dir / "csca.crl")
    return store


@dataclass
class Genuine:
    """One genuine read: the card folder, its secrets, the Document, its trust store, its dump."""

    profile: str
    card_dir: Path
    secrets: dict
    doc: Document
    store: TrustStore
    manifest: dict = field(repr=False)

    def manifest_copy(self) -> dict:
        return copy.deepcopy(self.manifest)

    def dump_bytes(self) -> bytes:
        return json.dumps(self.manifest).encode()


# --- the command line ---------------------------------------------------------------------------


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    @property
    def outcome(self) -> Outcome:
        return exit_outcome(self.code, self.err.strip()[-300:])


def run_cli(*args, stdin: Optional[bytes] = None, env: Optional[dict] = None, timeout: float = 120,
            cwd: Optional[Path] = None) -> CliRun:
    """Run ``cccd`` as a subprocess (real exit code, real stdout/stderr)."""
    e = dict(os.environ)
    e.pop("CCCD_DEBUG", None)
    e.update(env or {})
    p = subprocess.run(cccd_argv(*args), input=stdin,
                       capture_output=True, timeout=timeout, env=e, cwd=cwd or REPO)
    return CliRun(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))


def write_dump(manifest: dict, path: Path) -> Path:
    """Write a manifest as a single-file dump (as an attacker would hand it over)."""
    path.write_text(json.dumps(manifest))
    return path


__all__ = [
    "AT", "AT_TEXT", "POLICY", "Outcome", "Genuine", "CliRun", "Cards", "verify_outcome", "dump_outcome",
    "exit_outcome", "outcome_of_report", "outcome_of_error", "run_cli", "write_dump", "fixed_rng",
    "credential_for", "trust_store_for",
]
