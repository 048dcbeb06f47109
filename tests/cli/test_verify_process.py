"""One `cccd verify` process (issue 13): what it imports, what it freezes, and a pool that renders in its workers.

The import checks look at the ``sys.modules`` of a real ``cccd verify`` process (at its exit), never at
times: a one-dump verification loads no reader, emulator, service, kiosk or archive engine, no master-list
or LDIF codec, and none of the standard modules only those need. Each check has a positive twin that shows
the same probe sees the module when the command does need it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport.cards import saved_dump
from testsupport.cli import run_cccd, run_cccd_process

# sys.modules of a `cccd ARGS...` process, written at its exit (after the command's own sys.exit)
PROBE = """
import atexit, json, sys, gc
out = sys.argv[1]
def dump():
    with open(out, "w") as f:
        json.dump({"modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}, f)
atexit.register(dump)
sys.argv = ["cccd", *sys.argv[2:]]
from host_cli.entry import main
main()
"""

AT = "2026-06-01T00:00:00Z"  # one time of validity for both runs (the reports name it)

# a one-dump verification needs none of these (prefixes: a package and its modules)
NOT_NEEDED = (
    "cccd_chip.emulator", "cccd_chip.service", "cccd_chip.kiosk", "cccd_chip.kiosk_web", "cccd_chip.reader",
    "cccd_chip.access", "cccd_chip.transport", "cccd_chip.channel", "cccd_chip.archive.", "cccd_chip.sm",
    "cccd_chip.eac", "cccd_chip.pki.masterlist", "cccd_chip.pki.ldif", "cccd_chip.pki.inspect_cert",
    "cccd_chip.lds.dg2", "cccd_chip.lds.dg13", "cccd_chip.lds.inspect", "cccd_chip.holder",
    "host_cli.commands.read", "host_cli.commands.serve", "host_cli.commands.kiosk", "host_cli.commands.emulate",
    "host_cli.commands.personalize", "host_cli.commands.inspect", "host_cli.progress",
    "rich", "construct", "smartcard", "PIL", "fastapi", "sqlalchemy", "dask", "distributed",
    "importlib.resources", "tempfile", "zipfile", "tarfile", "subprocess", "ctypes.util",
    "cryptography.hazmat.primitives.serialization", "concurrent.futures.process",
)


def _loaded(tmp_path, *args) -> tuple[subprocess.CompletedProcess, set[str], int]:
    out = tmp_path / "modules.json"
    r = subprocess.run([sys.executable, "-c", PROBE, str(out), *map(str, args)], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    seen = json.loads(out.read_text())
    return r, set(seen["modules"]), seen["frozen"]


def _offenders(modules: set[str]) -> list[str]:
    return sorted(m for m in modules for p in NOT_NEEDED if m == p or m.startswith(p if p.endswith(".") else p + "."))


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    return saved_dump(tmp_path_factory.mktemp("one"), "cccd-2021", 5)


def test_one_dump_verify_imports_only_the_verifier(dump, tmp_path):
    card, path = dump
    r, modules, _ = _loaded(tmp_path, "verify", path, "--csca", card / "csca.pem", "--crl", card / "csca.crl")
    assert r.returncode == 0, r.stderr
    assert "Verification: SUCCESSFUL" in r.stdout
    assert "cccd_chip.verify.document_check" in modules and "cccd_chip.pki.crl" in modules  # the probe sees
    assert _offenders(modules) == []
    # the plain one-dump form runs without click (host_cli/fast_path.py); nor does it build the group, and
    # logging is configured only when a module imports it (none here does)
    assert not {"click", "host_cli.main", "host_cli.commands.verify", "logging"} & modules


def test_every_frozen_dataclass_of_a_one_dump_verify_is_made_by_frozen_dataclass(dump, tmp_path):
    """The modules a real one-dump verify loads create their frozen dataclasses with cccd_chip/frozen.py (one
    made by dataclass(frozen=True) costs ~0.5 ms of every such process); twin: the probe finds them. The
    modules mypyc compiles are left out: their classes are mypyc's (tests/unit/test_frozen.py)."""
    import importlib

    import cccd_chip.frozen
    from testsupport.native import native_modules

    card, path = dump
    r, modules, _ = _loaded(tmp_path, "verify", path, "--csca", card / "csca.pem", "--crl", card / "csca.crl")
    assert r.returncode == 0, r.stderr
    ours, other = [], []
    native = set(native_modules())
    for name in sorted(m for m in modules if m.startswith("cccd_chip") and m != "cccd_chip.frozen"  # its model
                       and m not in native):
        for cls in vars(importlib.import_module(name)).values():
            if (isinstance(cls, type) and cls.__module__ == name and "__dataclass_fields__" in cls.__dict__
                    and cls.__dataclass_params__.frozen):
                made_here = cls.__setattr__.__code__.co_filename == cccd_chip.frozen.__file__
                (ours if made_here else other).append(f"{name}.{cls.__qualname__}")
    assert len(ours) >= 5 and "cccd_chip.pki.trust_store.Rejected" in ours, ours
    assert other == []


def test_a_one_dump_verify_needs_click_only_for_what_click_does(dump, tmp_path):
    """Positive twins of the no-click check: -v (a group option), --help, and an error message all load it."""
    card, path = dump
    r, modules, _ = _loaded(tmp_path, "-v", "verify", path, "--csca", card / "csca.pem")
    assert r.returncode == 0 and "click" in modules and "host_cli.commands.verify" in modules, r.stderr
    assert "logging" in modules
    r, modules, _ = _loaded(tmp_path, "verify", "--help")
    assert r.returncode == 0 and "click" in modules, r.stderr
    r, modules, _ = _loaded(tmp_path, "verify", path, "--csca", tmp_path / "missing.pem")
    assert r.returncode == 2 and "click" in modules and "host_cli.main" not in modules, r.stderr


def _three_copies(dump: Path, folder: Path) -> Path:
    """A folder of three copies of ``dump`` (d0.json .. d2.json)."""
    folder.mkdir()
    for i in range(3):
        (folder / f"d{i}.json").write_bytes(dump.read_bytes())
    return folder


def test_one_worker_needs_no_process_pool(dump, tmp_path):
    """`cccd verify DIR --workers 1` verifies in its own process: no pool machinery (multiprocessing) loaded."""
    card, path = dump
    folder = _three_copies(path, tmp_path / "dumps")
    r, modules, _ = _loaded(tmp_path, "verify", folder, "--csca", card / "csca.pem", "--workers", 1)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": successful") == 3
    assert "cccd_chip.verify.batch" in modules
    assert "multiprocessing" not in modules and _offenders(modules) == []


def test_the_probe_sees_what_a_command_needs(dump, tmp_path):
    """Positive twins: the same probe finds the archive engine, the pool and the reader where they are used.
    The pool of `cccd verify DIR` is the fork pool (verify/forkpool.py): no concurrent.futures, no
    multiprocessing; the archive engine's pool is concurrent.futures'."""
    card, path = dump
    folder = _three_copies(path, tmp_path / "dumps")
    r, modules, _ = _loaded(tmp_path, "verify", folder, "--csca", card / "csca.pem", "--workers", 2)
    assert r.returncode == 0, r.stderr
    assert "cccd_chip.verify.forkpool" in modules and "multiprocessing" not in modules
    assert _offenders(modules) == []
    r, modules, _ = _loaded(tmp_path, "verify", path, "--csca", card / "csca.pem", "--engine", "process")
    assert r.returncode == 0, r.stderr
    assert {"cccd_chip.archive.run", "concurrent.futures.process"} <= set(_offenders(modules))
    can = json.loads((card / "card.json").read_text())["secrets"]["can"]
    r, modules, _ = _loaded(tmp_path, "read", "--virtual", card, "--can", can, "--csca", card / "csca.pem")
    assert r.returncode == 0, r.stderr
    assert {"cccd_chip.reader", "cccd_chip.emulator.card"} <= set(_offenders(modules))


def test_a_master_list_source_loads_its_codec_only_then(dump, tmp_path):
    """--masterlist and --ldif bring in their codecs (here: a file that is no LDIF at all, exit 6)."""
    card, path = dump
    bad = tmp_path / "x.ldif"
    bad.write_bytes(b"\x00not ldif")
    r, modules, _ = _loaded(tmp_path, "verify", path, "--csca", card / "csca.pem", "--ldif", bad)
    assert "cccd_chip.pki.ldif" in modules, r.stderr


def test_a_cccd_process_freezes_its_imports_and_a_test_runner_does_not(dump, tmp_path, capsys):
    """host_cli/imports.py: import-time objects go to the collector's permanent generation in a `cccd`
    process only; run inside another program (here: pytest), nothing of that program is frozen."""
    import gc

    card, path = dump
    r, _, frozen = _loaded(tmp_path, "verify", path, "--csca", card / "csca.pem")
    assert r.returncode == 0 and frozen > 10_000
    before = gc.get_freeze_count()
    res = run_cccd(capsys, "verify", path, "--csca", card / "csca.pem")
    assert res.code == 0 and "Verification: SUCCESSFUL" in res.out
    assert gc.get_freeze_count() == before


@pytest.mark.parametrize("mode", [(), ("--jsonl",), ("--json",)])
def test_two_workers_print_exactly_what_one_prints(dump, tmp_path, mode):
    """The pool renders each result in its worker (verify/batch.py ``render``): stdout, stderr and the exit
    code are the same bytes as verifying in the command's own process, for a mix of verdicts and errors."""
    card, path = dump
    folder = tmp_path / "dumps"
    folder.mkdir()
    raw = json.loads(path.read_text())
    for i in range(37):  # more than two chunks of the pool
        d = dict(raw)
        if i % 9 == 4:  # tampered: failed
            files = dict(raw["files"])
            dg1 = bytearray.fromhex(files["DG1"])
            dg1[12] ^= 1
            files["DG1"] = dg1.hex()
            d["files"] = files
        (folder / f"d{i:02d}.json").write_text(json.dumps(d))
    (folder / "d99.json").write_text("{not json")  # an error line
    (folder / "d98.json").write_text(json.dumps({"x": "caf\u00e9 \u202e\n"}))  # odd text in an error
    runs = [run_cccd_process("verify", folder, "--csca", card / "csca.pem", "--crl", card / "csca.crl", *mode, "--at", AT,
                             "--workers", w) for w in (1, 2)]
    assert runs[0].returncode == 1, runs[0].stderr
    same_second = [re.sub(r'"verified_at": "[^"]*"', '"verified_at": "T"', r.stdout) for r in runs]  # the clock
    assert (runs[1].returncode, same_second[1], runs[1].stderr) == (runs[0].returncode, same_second[0],
                                                                     runs[0].stderr)
    assert runs[0].stdout.count("DG_HASH_MISMATCH") == 4
