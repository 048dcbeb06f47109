"""Compile the verification path with mypyc, in place (issue 13; docs/performance.md "Compiled modules").

usage: python native/build.py [--if-stale] [--clean] [-j N]

The modules are listed in pyproject.toml ``[tool.cccd-chip.native] modules``; mypyc
type-checks them with the project's mypy settings and translates them to C, one extension
module per source beside it plus one shared library for the group
(``cccd_chip/_compiled__mypyc.<suffix>``). ``cccd_chip/_native.json`` records what was
compiled; ``cccd_chip/_native.py`` uses the compiled modules only while every listed source
is the one compiled. ``--if-stale``: do nothing when that is so (``make setup`` calls it);
``--clean``: remove the compiled modules and the manifest only.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cccd_chip"
MANIFEST = PACKAGE / "_native.json"
GROUP = "cccd_chip._compiled"
BUILD_DIR = ROOT / "build" / "native"


def listed_modules() -> list[str]:
    """The modules to compile, from pyproject.toml."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules = conf["tool"]["cccd-chip"]["native"]["modules"]
    if not modules or not all(isinstance(m, str) and m.startswith("cccd_chip.") for m in modules):
        raise SystemExit("native/build.py: [tool.cccd-chip.native] modules must name cccd_chip modules")
    return list(modules)


@functools.lru_cache(maxsize=None)
def _rules() -> ModuleType:
    """cccd_chip/_native.py alone (its rules, without importing the package, which would apply them)."""
    spec = importlib.util.spec_from_file_location("_cccd_native_rules", PACKAGE / "_native.py")
    assert spec is not None and spec.loader is not None
    rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules)
    return rules


def source_of(module: str) -> Path:
    return Path(_rules().source_path(module, str(PACKAGE)))


def compiled_files() -> list[Path]:
    """Every extension module and the group library under the package (what --clean removes)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    return [p for p in PACKAGE.rglob("*") if p.is_file() and any(p.name.endswith(s) for s in EXTENSION_SUFFIXES)]


def up_to_date(modules: list[str]) -> bool:
    """What a process would use is the compiled build (cccd_chip/_native.py's rule: a complete manifest
    naming the current sources), of exactly these modules, for this Python, every one of them there."""
    rules = _rules()
    manifest = rules._read_manifest(str(MANIFEST))
    return (manifest is not None and rules.decide({}, manifest, str(PACKAGE)) == ("compiled", [])
            and manifest.get("modules") == modules and manifest.get("ext_suffix") == _ext_suffix()
            and all(source_of(m).with_name(source_of(m).stem + _ext_suffix()).exists() for m in modules))


def _ext_suffix() -> str:
    import sysconfig

    return str(sysconfig.get_config_var("EXT_SUFFIX"))


def _write_manifest(modules: list[str], complete: bool, mypy_version: str) -> None:
    sources = {}
    if complete:
        for m in modules:
            st = source_of(m).stat()
            sources[m] = [st.st_size, st.st_mtime_ns]
    data = {"complete": complete, "modules": modules, "sources": sources, "ext_suffix": _ext_suffix(),
            "mypy": mypy_version, "python": sys.version.split()[0]}
    tmp = MANIFEST.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, MANIFEST)


def clean() -> None:
    for p in compiled_files():
        p.unlink()
    MANIFEST.unlink(missing_ok=True)


@contextlib.contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Standard output and error of this process and its children (the C compiler) into ``log``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "wb") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def build(modules: list[str], jobs: int) -> None:
    import mypy.version
    from mypyc.build import mypycify
    from setuptools import Distribution

    _write_manifest(modules, complete=False, mypy_version=mypy.version.__version__)  # stale until the end
    for p in compiled_files():
        p.unlink()
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    BUILD_DIR.mkdir(parents=True)
    os.chdir(ROOT)  # mypy reads the project's settings from pyproject.toml here
    log = BUILD_DIR / "build.log"
    try:
        with _output_to(log):  # mypy's notes and every compiler command: shown only when the build fails
            exts = mypycify([str(source_of(m).relative_to(ROOT)) for m in modules], group_name=GROUP,
                            target_dir=str(BUILD_DIR / "c"), opt_level="3", debug_level="0")
            dist = Distribution({"name": "cccd-chip-native", "ext_modules": exts})
            cmd = dist.get_command_obj("build_ext")
            cmd.inplace = True
            cmd.parallel = jobs
            cmd.build_temp = str(BUILD_DIR / "temp")
            cmd.build_lib = str(BUILD_DIR / "lib")
            dist.run_command("build_ext")
    except BaseException:
        tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
        sys.stderr.write("\n".join(tail) + f"\nnative/build.py: the build failed (whole output: {log})\n")
        raise
    _write_manifest(modules, complete=True, mypy_version=mypy.version.__version__)
    _check_import(modules)  # with the manifest complete, as every later process sees it


def _check_import(modules: list[str]) -> None:
    """Every listed module imports from its extension module, in a fresh process."""
    code = ("import importlib, sys\n"
            "suffix = sys.argv[1]\n"
            "bad = [m for m in sys.argv[2:] if not str(importlib.import_module(m).__file__).endswith(suffix)]\n"
            "sys.exit(' '.join(bad) or None)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CCCD_CHIP_PURE", None)
    r = subprocess.run([sys.executable, "-c", code, _ext_suffix(), *modules], env=env, cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"native/build.py: compiled modules do not import: {(r.stderr or r.stdout).strip()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--if-stale", action="store_true", help="only when a listed source changed since the build")
    ap.add_argument("--clean", action="store_true", help="remove the compiled modules and the manifest")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel C compilations")
    a = ap.parse_args(argv)
    if a.clean:
        clean()
        return 0
    modules = listed_modules()
    if a.if_stale and up_to_date(modules):
        print(f"native: {len(modules)} compiled modules are up to date")
        return 0
    t0 = time.monotonic()
    try:
        build(modules, a.jobs)
    except BaseException as e:
        clean()  # never leave extension modules without a complete manifest
        if isinstance(e, Exception) and not isinstance(e, SystemExit):
            raise SystemExit(f"native/build.py: {type(e).__name__}: {e}") from None
        raise
    print(f"native: compiled {len(modules)} modules with mypyc in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
