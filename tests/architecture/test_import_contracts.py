"""The layering rules of docs/architecture.md, as import contracts (issue 12 acceptance).

Two independent checks of the same rules:

- import-linter (the contracts in pyproject.toml, ``[tool.importlinter]``): the whole
  import graph, function-level imports included, direct AND indirect chains;
- an AST walk of every module (``import`` statements anywhere in the file, relative
  imports resolved): direct imports, with the file and line of each breach.

Each is shown to FAIL on a planted violation (a copy of the tree with one forbidden
import added inside a function), so neither passes vacuously.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cccd_chip", "host_cli")

# (importer prefix, forbidden prefixes, exempt importers): the rules the contracts state
RULES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "verify-is-pure": ("cccd_chip.verify", ("cccd_chip.access", "cccd_chip.transport", "cccd_chip.channel",
                                            "cccd_chip.iso7816.commands"), ()),
    "access-gives-no-verdicts": ("cccd_chip.access", ("cccd_chip.verify",), ()),
    "reader-gives-no-verdicts": ("cccd_chip.reader", ("cccd_chip.verify",), ()),
    "library-below-cli": ("cccd_chip", ("host_cli",), ()),
    "pyscard-in-one-module": ("", ("smartcard",), ("cccd_chip.transport.pcsc",)),
}

# one planted breach per contract: (file to edit, import to add inside a new function)
PLANTED = {
    "verify-is-pure": ("cccd_chip/verify/report.py", "from ..iso7816 import commands"),
    "access-gives-no-verdicts": ("cccd_chip/access/chip_auth/driver.py", "from ...verify import report"),
    "reader-gives-no-verdicts": ("cccd_chip/reader.py", "import cccd_chip.verify.binding"),
    "library-below-cli": ("cccd_chip/kiosk.py", "from host_cli import render"),
    "pyscard-in-one-module": ("cccd_chip/emulator/vpcd.py", "import smartcard.System"),
}


def _lint(cwd: Path, config: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd), PYTHONDONTWRITEBYTECODE="1")
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    only = [a for c in contracts for a in ("--contract", c)]
    return subprocess.run([sys.executable, "-c", code, "--no-cache", "--no-logo", *only, str(config)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def _copy_tree(tmp: Path) -> Path:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tmp


def _plant(tree: Path, rel: str, statement: str) -> None:
    path = tree / rel
    path.write_text(path.read_text() + f"\n\ndef _planted_violation() -> None:\n    {statement}  # noqa\n")


# --- import-linter --------------------------------------------------------------------------


def test_import_linter_contracts_hold():
    r = _lint(ROOT, ROOT / "pyproject.toml")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert f"{len(RULES)} kept, 0 broken" in r.stdout, r.stdout[-2000:]


def test_every_rule_has_a_contract():
    import tomllib

    ids = [c["id"] for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]]
    assert sorted(ids) == sorted(RULES) == sorted(PLANTED)


@pytest.mark.parametrize("contract", sorted(PLANTED))
def test_import_linter_reports_a_planted_violation(tmp_path, contract):
    tree = _copy_tree(tmp_path)
    rel, statement = PLANTED[contract]
    _plant(tree, rel, statement)
    where = subprocess.run([sys.executable, "-c", "import cccd_chip; print(cccd_chip.__file__)"], cwd=tree,
                           env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(tree)), "the copy, not the installed tree, must be analysed"
    r = _lint(tree, ROOT / "pyproject.toml", contract)
    assert r.returncode != 0, r.stdout[-2000:]
    assert "0 kept, 1 broken" in r.stdout, r.stdout[-2000:]
    assert rel.removesuffix(".py").replace("/", ".") in r.stdout  # the breach is named


# --- the AST walk -----------------------------------------------------------------------------


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, base: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (anywhere in the file, relative ones resolved), with the line."""
    name = _module_name(path, base)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                mod = f"{anchor}.{node.module}" if node.module else anchor
            else:
                mod = node.module or ""
            out.append((mod, node.lineno))
            out.extend((f"{mod}.{a.name}", node.lineno) for a in node.names)  # `from pkg import module`
    return out


def _within(name: str, prefix: str) -> bool:
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


def breaches(base: Path) -> list[str]:
    found = []
    for pkg in PACKAGES:
        for path in sorted((base / pkg).rglob("*.py")):
            importer = _module_name(path, base)
            for rule, (source, forbidden, exempt) in RULES.items():
                if not _within(importer, source) or importer in exempt:
                    continue
                lines = sorted({line for imported, line in imports_of(path, base)
                                if any(_within(imported, f) for f in forbidden)})
                found.extend(f"{rule}: {path.relative_to(base)}:{line}" for line in lines)
    return found


def test_ast_walk_finds_no_forbidden_import():
    assert breaches(ROOT) == []


def test_ast_walk_sees_the_real_imports():
    """The walk is not blind: it resolves relative imports the way Python does."""
    got = {m for m, _ in imports_of(ROOT / "cccd_chip/reader.py", ROOT)}
    assert {"cccd_chip.access.chip_auth", "cccd_chip.channel", "cccd_chip.evidence"} <= got
    got = {m for m, _ in imports_of(ROOT / "cccd_chip/access/chip_auth/driver.py", ROOT)}
    assert "cccd_chip.iso7816.commands" in got and "cccd_chip.channel" in got


@pytest.mark.parametrize("contract", sorted(PLANTED))
def test_ast_walk_reports_a_planted_violation(tmp_path, contract):
    tree = _copy_tree(tmp_path)
    rel, statement = PLANTED[contract]
    _plant(tree, rel, statement)
    found = breaches(tree)
    assert len(found) == 1 and found[0].startswith(f"{contract}: {rel}:"), found
