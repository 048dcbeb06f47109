"""Regenerate the recorded-trace suite in test_vectors/traces/ (explicitly only).

    .venv/bin/python -m tests.replay.regenerate            # every case
    .venv/bin/python -m tests.replay.regenerate cccd-2021-pace bac-3des   # some

For each case: personalise the virtual card, read it with ``cccd read
--virtual ... --trace`` and write

- ``<case>.jsonl``          the APDU trace (format cccd-apdu-trace v1, incl. rng events),
- ``<case>.expected.json``  what ``cccd read --replay <case>.jsonl ... --json`` must print,
- ``<case>.case.json``      how to replay it: credential arguments, expected exit code,
                            verification time, trust anchor file,
- ``<profile>-<seed>.csca.pem`` the card's test CSCA (shared by cases of one card).

The credential sits in the case file, never in the trace. These are traces of
VIRTUAL cards with invented holders; a real card's trace is personal data and
does not belong here (docs/traces.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "test_vectors" / "traces"
AT = "2026-06-01T00:00:00Z"


@dataclass(frozen=True)
class Case:
    name: str
    profile: str
    seed: int = 7
    faults: tuple[str, ...] = ()
    credential: str = "can"  # can | id | mrz | wrong-can
    extra: tuple[str, ...] = ()
    note: str = ""
    trust: bool = True
    exit_code: int = 0
    ext: dict = field(default_factory=dict)
    terminal: bool = False  # read with the card set's EAC terminal chain and IS key (docs/eac.md)


CASES = (
    Case("cccd-2021-pace-gm", "cccd-2021", credential="id", note="PACE-ECDH-GM-AES-128 (CAN from the ID), CA, AA"),
    Case("cccd-2021-bac", "cccd-2021", credential="mrz", extra=("--bac",), note="BAC forced (3DES SM), CA, AA"),
    Case("cccd-2024-pace-cam", "cccd-2024", note="PACE-CAM, EF.CardSecurity, extended length"),
    Case("passport-bac", "passport-bac", credential="mrz", note="BAC only, RSA signer, RSA-1024 AA"),
    Case("passport-pace-im", "passport-pace-im", note="PACE-ECDH-IM on P-256, CA, ECDSA AA, extended length"),
    Case("passport-pace-cam", "passport-pace-cam", note="PACE-CAM brainpoolP256r1"),
    Case("passport-dh", "passport-dh", note="PACE-DH-GM 2048-bit MODP, CA with DH and 3DES"),
    Case("passport-aes256", "passport-aes256", note="PACE-ECDH-GM-AES-256 on brainpoolP384r1"),
    Case("id-small-le", "id-small-le", note="picky chip: at most 0x80 bytes per READ BINARY, 6282 at EOF"),
    Case("id-explicit-csca", "id-explicit-csca", note="CSCA with explicit EC parameters"),
    Case("passport-pss", "passport-pss", note="RSA-PSS-2048 DSC under a brainpoolP512r1 CSCA, RSA-2048 AA"),
    Case("fault-dg-altered", "cccd-2021", faults=("dg-altered:DG2",), exit_code=1, note="DG2 changed after signing"),
    Case("fault-no-trust-anchor", "cccd-2021", trust=False, exit_code=3, note="no CSCA given: undetermined"),
    Case("fault-removed", "cccd-2021", faults=("remove:40",), exit_code=4, note="card pulled at APDU 40"),
    Case("fault-bad-mac", "cccd-2021", faults=("bad-mac",), exit_code=5, note="wrong response MAC"),
    Case("fault-wrong-can", "cccd-2021", credential="wrong-can", exit_code=5, note="wrong CAN: PACE fails"),
    Case("fault-huge-length", "cccd-2021", faults=("huge-length:DG2",), exit_code=6, note="DG2 claims 0x7FFFFFF0"),
    Case("fault-ca-clone", "cccd-2021", faults=("ca-key-mismatch",), exit_code=None, note="CA key not the DG14 one"),
    Case("cccd-2021-eac-ta", "cccd-2021", credential="id", terminal=True,
         note="PACE, CA, Terminal Authentication v1 (link + DV + IS certificates), DG3 read and hash-checked"),
)


def terminal_args(profile: str) -> list[str]:
    """--terminal-chain / --terminal-key of the card set's test EAC PKI, written to a temporary folder.

    The PKI is deterministic (emulator/eac_pki.py): the same chain and IS key every time, so a
    recorded TA replays byte for byte (deterministic ECDSA), and no key is kept in the repository.
    """
    import os
    import tempfile

    from cccd_chip.emulator.eac_pki import make_eac_pki
    from cccd_chip.emulator.profiles import get

    p = get(profile)
    folder = Path(tempfile.gettempdir()) / f"cccd-eac-{profile}-{os.getuid()}"
    for rel, data in make_eac_pki(p.country, p.name).files().items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
    return ["--terminal-chain", str(folder / "eac" / "chain"), "--terminal-key", str(folder / "eac" / "is_key.pem")]


def credential_args(case: Case, secrets: dict) -> list[str]:
    if case.credential == "id":
        return ["--id", secrets["id"]]
    if case.credential == "mrz":
        return ["--doc", secrets["document_number"], "--dob", secrets["date_of_birth"],
                "--doe", secrets["date_of_expiry"]]
    if case.credential == "wrong-can":
        return ["--can", "000000" if secrets.get("can") != "000000" else "111111"]
    return ["--can", secrets["can"]]


def _run_cli(args: list[str]) -> tuple[int, str]:
    from host_cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    return code, out.getvalue()


def regenerate(case: Case, tmp: Path) -> dict:
    from cccd_chip.emulator.personalize import personalize

    card = Path(personalize(case.profile, case.seed, tmp / case.name, case.faults))
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    cred = credential_args(case, secrets)
    csca_name = f"{case.profile}-{case.seed}.csca.pem"
    trust = ["--csca", str(TRACES / csca_name)] if case.trust else []
    if case.trust:
        shutil.copyfile(card / "csca.pem", TRACES / csca_name)
    trace = TRACES / f"{case.name}.jsonl"
    term = terminal_args(case.profile) if case.terminal else []
    code, _ = _run_cli(["read", "--virtual", str(card), *cred, *case.extra, *trust, *term, "--json", "--at", AT,
                        "--trace", str(trace)])
    if case.exit_code is not None and code != case.exit_code:
        raise SystemExit(f"{case.name}: exit {code}, expected {case.exit_code}")
    spec = {"case": case.name, "profile": case.profile, "seed": case.seed, "faults": list(case.faults),
            "note": case.note, "args": [*cred, *case.extra], "csca": csca_name if case.trust else None,
            "at": AT, "exit_code": code}
    if case.terminal:
        spec["terminal"] = case.profile
    replay_code, replay_out = _run_cli(replay_args(spec, trace))
    if replay_code != code:
        raise SystemExit(f"{case.name}: replay exit {replay_code} differs from the read's {code}")
    (TRACES / f"{case.name}.expected.json").write_text(replay_out)
    (TRACES / f"{case.name}.case.json").write_text(json.dumps(spec, indent=1) + "\n")
    return spec


def replay_args(spec: dict, trace: Path) -> list[str]:
    trust = ["--csca", str(TRACES / spec["csca"])] if spec.get("csca") else []
    term = terminal_args(spec["terminal"]) if spec.get("terminal") else []
    return ["read", "--replay", str(trace), *spec["args"], *trust, *term, "--json", "--at", spec["at"]]


def main(argv: list[str]) -> int:
    wanted = set(argv)
    TRACES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            if wanted and case.name not in wanted:
                continue
            spec = regenerate(case, Path(tmp))
            print(f"{case.name}: exit {spec['exit_code']}  ({case.note})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
