"""The package type-checks: ``mypy --strict cccd_chip host_cli`` with the [tool.mypy] settings of pyproject.toml.

cccd_chip is checked with ``--strict`` (issue 12: typed seams); host_cli keeps the older settings
(checked function bodies, annotations not required) through its override in pyproject.toml, and
the untyped third-party packages (asn1crypto, construct, pyscard, ...) through theirs. One mypy
run covers both packages: a cold run is the slowest test of the unit suite on a loaded machine.

Runs the venv's mypy (``sys.executable -m mypy``) in a subprocess, with a private cache directory
so parallel runs do not share state. Two more tests prove the harness can fail: a snippet with a
type error, and one with an unannotated function, must each make mypy exit non-zero.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cccd_chip", "host_cli")
TIMEOUT = 600  # seconds; a cold run takes ~25 s on an idle machine, minutes when 8 test runs share 2 cores


def _mypy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
           "--cache-dir", str(tmp_path / "mypy-cache"), "--no-color-output", "--no-error-summary", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)


def test_mypy_settings_are_in_pyproject():
    import tomllib  # 3.11+, like the python_version mypy checks against

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert cfg["python_version"] == "3.11"
    assert cfg["check_untyped_defs"] is True
    assert cfg["warn_unused_ignores"] is True
    untyped = {m for o in cfg.get("overrides", []) if o.get("ignore_missing_imports") for m in o["module"]}
    assert {"asn1crypto", "construct", "smartcard"} <= untyped
    relaxed = [o for o in cfg.get("overrides", []) if o.get("disallow_untyped_defs") is False]
    assert all(m.startswith("host_cli") for o in relaxed for m in o["module"]), "only host_cli is not strict"


@pytest.mark.timeout(TIMEOUT + 30)
def test_packages_type_check_strict(tmp_path):
    res = _mypy(tmp_path, "--strict", *PACKAGES)
    out = (res.stdout + res.stderr).strip()
    assert res.returncode == 0, f"mypy --strict exit status {res.returncode}:\n{out}"
    assert "error:" not in out, out


HARNESS_CASES = {  # a snippet mypy --strict must refuse, and what it must say
    "type-error": ("from cccd_chip.iso7816 import tlv\n\nx: int = tlv.encode(0x04, b'')\n",
                   "Incompatible types in assignment"),
    "unannotated": ("def f(x):\n    return x\n", "[no-untyped-def]"),
}


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", sorted(HARNESS_CASES))
def test_harness_reports_an_error(tmp_path, case):
    source, message = HARNESS_CASES[case]
    bad = tmp_path / "bad_typing.py"
    bad.write_text(source, encoding="utf-8")
    res = _mypy(tmp_path, "--strict", str(bad))
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert message in out, out



_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<code>\[[a-z-]+(?:,\s*[a-z-]+)*\])?(?P<rest>.*)$")


def test_every_type_ignore_in_the_library_names_its_code_and_a_reason():
    """``# type: ignore[code]`` with a reason: a comment after it, or a comment line just above."""
    bare = []
    for path in sorted((ROOT / "cccd_chip").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = _IGNORE.search(line)
            if m is None:
                continue
            reason = "#" in m.group("rest") or (i > 0 and lines[i - 1].lstrip().startswith("#"))
            if not (m.group("code") and reason):
                bare.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    assert not bare, "\n".join(bare)
    assert _IGNORE.search("x = 1  # type: ignore") and not _IGNORE.search("x = 1  # type: ignore").group("code")
