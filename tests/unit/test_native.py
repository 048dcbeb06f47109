"""The modules compiled by mypyc (cccd_chip/_native.py, native/build.py): used exactly when current.

`make test` runs the suite on the compiled modules (CCCD_CHIP_EXPECT_NATIVE=1) and then the
adversarial, field-quirk, verify and LDS tests again on the sources (CCCD_CHIP_PURE=1): the
same assertions hold for both. Here: the rules that choose between them, in real processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from cccd_chip import _native
from testsupport.native import native_modules

ROOT = Path(__file__).resolve().parents[2]
EXT = str(sysconfig.get_config_var("EXT_SUFFIX"))


def listed() -> list[str]:
    return native_modules()


def test_this_run_uses_what_the_setup_built():
    """make test says what it expects (NATIVE=1 by default: compiled); every listed module is then
    an extension module, else every one is its source. Run without make: whichever, but all alike."""
    import importlib

    files = {m: str(importlib.import_module(m).__file__) for m in listed()}
    expect = os.environ.get("CCCD_CHIP_EXPECT_NATIVE")
    if expect == "1" or (expect is None and _native.state() == "compiled"):
        assert _native.state() == "compiled"
        assert [m for m, f in files.items() if not f.endswith(EXT)] == []
        assert sorted(_native.compiled_modules()) == sorted(listed())
    else:
        assert _native.state() in ("none", "pure"), _native.state()
        assert [m for m, f in files.items() if not f.endswith(".py")] == []


def _fake_package(tmp: Path, modules: list[str]) -> Path:
    pkg = tmp / "pkg"
    for m in modules:
        src = Path(_native.source_path(m, str(pkg)))
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(f"# {m}\n")
    return pkg


def _manifest(pkg: Path, modules: list[str], complete: bool = True) -> dict:
    sources = {}
    for m in modules:
        st = os.stat(_native.source_path(m, str(pkg)))
        sources[m] = [st.st_size, st.st_mtime_ns]
    return {"complete": complete, "modules": modules, "sources": sources if complete else {}}


MODS = ["cccd_chip.lds.sod", "cccd_chip.verify.passive"]


def test_the_rules(tmp_path):
    pkg = _fake_package(tmp_path, MODS)
    m = _manifest(pkg, MODS)
    assert _native.decide({}, m, str(pkg)) == ("compiled", [])
    assert _native.decide({"CCCD_CHIP_PURE": "1"}, m, str(pkg)) == ("pure", MODS)
    assert _native.decide({"CCCD_CHIP_PURE": "0"}, m, str(pkg)) == ("compiled", [])
    assert _native.decide({}, {**m, "complete": False}, str(pkg)) == ("stale", MODS)  # a build that did not finish
    assert _native.decide({}, {"sources": {}, "modules": [], "unreadable": True}, str(pkg))[0] == "stale"
    assert _native.decide({}, None, str(pkg)) == ("none", [])  # never built
    (pkg / (_native.GROUP_LIBRARY + EXT)).write_bytes(b"")
    assert _native.decide({}, None, str(pkg)) == ("stale", [])  # the library without its manifest


@pytest.mark.parametrize("edit", ["content", "mtime only", "removed"])
def test_one_edited_source_makes_the_whole_group_stale(tmp_path, edit):
    pkg = _fake_package(tmp_path, MODS)
    m = _manifest(pkg, MODS)
    src = Path(_native.source_path(MODS[1], str(pkg)))
    if edit == "content":
        src.write_text("# changed, longer than before\n")
    elif edit == "mtime only":
        st = src.stat()
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    else:
        src.unlink()
    assert _native.stale_sources(m, str(pkg)) == [MODS[1]]
    assert _native.decide({}, m, str(pkg)) == ("stale", MODS)  # every listed module, not just the edited one


def _probe(pythonpath: Path, env_extra: dict[str, str]) -> tuple[dict, str]:
    code = ("import json, cccd_chip, cccd_chip.lds.sod as s, cccd_chip.verify.document_check as d\n"
            "print(json.dumps({'state': cccd_chip._native.state(), 'sod': s.__file__, 'check': d.__file__}))\n")
    env = {k: v for k, v in os.environ.items() if k != "CCCD_CHIP_PURE"}
    env.update(PYTHONPATH=str(pythonpath), **env_extra)
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=pythonpath, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_processes_choose_the_compiled_modules_only_while_current(tmp_path):
    """A copy of the built package (mtimes kept): compiled; CCCD_CHIP_PURE=1: the sources; one source
    touched: the sources for every module, with one warning line naming `make native`.
    (`make NATIVE=0 test` builds nothing: then a copy runs its sources, silently.)"""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "cccd_chip", copy / "cccd_chip", ignore=shutil.ignore_patterns("__pycache__"))
    if not _native.compiled_modules():  # nothing built: only `make NATIVE=0` may leave it so
        assert os.environ.get("CCCD_CHIP_EXPECT_NATIVE") == "0", "no compiled build: run `make native`"
        got, err = _probe(copy, {})
        assert got["state"] == "none" and got["sod"].endswith(".py") and err == ""
        return
    got, err = _probe(copy, {})
    assert got["state"] == "compiled" and got["sod"].endswith(EXT) and got["check"].endswith(EXT), (got, err)
    assert err == ""
    got, err = _probe(copy, {"CCCD_CHIP_PURE": "1"})
    assert got["state"] == "pure" and got["sod"].endswith(".py") and got["check"].endswith(".py")
    assert err == ""
    touched = copy / "cccd_chip" / "verify" / "passive.py"
    touched.write_text(touched.read_text() + "\n")
    got, err = _probe(copy, {})
    assert got["state"] == "stale" and got["sod"].endswith(".py") and got["check"].endswith(".py")
    assert "make native" in err and err.count("\n") == 1
