"""host_cli/commands/: one module per command, none importing the group (host_cli/main.py), so the
command modules and main.py form no import cycle; every command module's command is on the group."""

from __future__ import annotations

import ast
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ROOT / "host_cli" / "commands"


def _imports(path: Path) -> set[str]:
    """Modules imported anywhere in ``path`` (module level or inside functions), relative ones resolved."""
    pkg = "host_cli.commands"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                if node.module:
                    out.add(f"{base}.{node.module}")
                else:  # from .. import main: the module host_cli.main
                    out.update(f"{base}.{a.name}" for a in node.names)
            else:
                out.add(node.module or "")
    return out


def test_no_command_module_imports_the_group():
    modules = sorted(COMMANDS.glob("*.py"))
    assert len(modules) >= 14
    for path in modules:
        imported = _imports(path)
        assert "host_cli.main" not in imported, f"{path.name} imports host_cli.main (a cycle)"
        assert "host_cli" not in imported, path.name


def test_every_command_module_is_registered():
    from host_cli.main import cli

    registered = {c.callback.__module__ for c in cli.commands.values() if c.callback is not None}
    registered |= {sub.callback.__module__ for c in cli.commands.values() if isinstance(c, click.Group)
                   for sub in c.commands.values() if sub.callback is not None}
    # archive: the engine options of `cccd verify`; verify_run and verify_batch: its body and its batch,
    # importable without click (fast_path.py)
    helpers = {"__init__", "archive", "verify_run", "verify_batch"}
    for path in COMMANDS.glob("*.py"):
        if path.stem not in helpers:
            assert f"host_cli.commands.{path.stem}" in registered, path.name


def test_the_import_walker_sees_a_cycle(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from .. import main\n    from ..main import cli\n")
    assert "host_cli.main" in _imports(bad)
