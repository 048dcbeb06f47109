"""Whether the modules compiled by mypyc may be used (issue 13; docs/performance.md "Compiled modules").

``make setup`` compiles the modules listed in pyproject.toml ``[tool.cccd-chip.native]``
(the verification path: DER and SOD parsing, the checks, the report, the dump loader) with
mypyc (``native/build.py``). Each gets an extension module beside its source
(``lds/sod.cpython-311-x86_64-linux-gnu.so``); their code lives in one shared library,
``cccd_chip/_compiled__mypyc*.so``, where they call each other directly. The build writes
``cccd_chip/_native.json``: the module names and each source's size and mtime when compiled.
Same sources, same behaviour: the pure-Python modules stay the reference (``make test``
runs the suite compiled, then the adversarial, field-quirk, verify and LDS tests on them).

Python imports an extension module before a source of the same name. Once per process
(``cccd_chip/__init__`` calls :func:`activate` before any other of its modules is imported)
this decides whether the compiled ones may be used:

- ``CCCD_CHIP_PURE=1`` in the environment: no (run the pure-Python modules, e.g. to compare);
- a listed source changed since the build (size or mtime differs, or it is gone): no, for the
  whole group (the compiled modules call each other in C, so one edited source makes them all
  stale); one warning line on stderr says to run ``make native``;
- a manifest the build did not mark complete (it writes one before removing the old
  extension modules and completes it at the end): stale, as above;
- no manifest (never built, or ``make clean``): the sources, unless the group's shared library
  is there all the same, which counts as stale.

When not, a finder placed first in ``sys.meta_path`` loads each listed module from its source.
"""

from __future__ import annotations

import json
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

__all__ = ["MANIFEST", "PURE_ENV", "activate", "compiled_modules", "stale_sources", "state"]

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(PACKAGE_DIR, "_native.json")
PURE_ENV = "CCCD_CHIP_PURE"
GROUP_LIBRARY = "_compiled__mypyc"  # cccd_chip/_compiled__mypyc.<EXT_SUFFIX>: the compiled modules' code
_state = "not decided"


def source_path(module: str, package_dir: str = PACKAGE_DIR) -> str:
    """The source file of a module of this package (``cccd_chip.lds.sod`` -> ``.../lds/sod.py``)."""
    return os.path.join(package_dir, *module.split(".")[1:]) + ".py"


def stale_sources(manifest: dict[str, Any], package_dir: str = PACKAGE_DIR) -> list[str]:
    """The listed modules whose source is not the one compiled (size or mtime differs, or gone)."""
    out = []
    for module, (size, mtime_ns) in manifest["sources"].items():
        try:
            st = os.stat(source_path(module, package_dir))
        except OSError:
            out.append(module)
            continue
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            out.append(module)
    return out


def _group_library_present(package_dir: str) -> bool:
    """The compiled group's shared library is in the package (a build without its manifest)."""
    return any(f.startswith(GROUP_LIBRARY) for f in os.listdir(package_dir))


class _SourceFinder:
    """Loads the listed modules from their ``.py`` source although an extension module is beside it
    (a meta path finder: ``find_spec`` is its whole protocol, importlib.abc is not imported for it)."""

    def __init__(self, modules: frozenset[str], package_dir: str) -> None:
        self.modules = modules
        self.package_dir = package_dir

    def find_spec(self, fullname: str, path: Optional[Sequence[str]],
                  target: Optional[ModuleType] = None) -> Optional[ModuleSpec]:
        if fullname not in self.modules:
            return None
        from importlib.machinery import ModuleSpec, SourceFileLoader

        source = source_path(fullname, self.package_dir)
        spec = ModuleSpec(fullname, SourceFileLoader(fullname, source), origin=source)
        spec.has_location = True
        return spec


def _read_manifest(path: str) -> Optional[dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"sources": {}, "modules": [], "unreadable": True}
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        return {"sources": {}, "modules": [], "unreadable": True}
    return data


def decide(environ: "os._Environ[str] | dict[str, str]", manifest: Optional[dict[str, Any]],
           package_dir: str = PACKAGE_DIR) -> tuple[str, list[str]]:
    """``("compiled" | "pure" | "stale" | "none", modules to load from source)``: the rule above, pure."""
    if manifest is None:
        if _group_library_present(package_dir):
            return "stale", _all_modules(package_dir)  # no manifest to name them: found by their files
        return "none", []
    modules = [m for m in manifest.get("modules", []) if isinstance(m, str)]
    if environ.get(PURE_ENV, "") not in ("", "0"):
        return "pure", modules
    if manifest.get("unreadable") or not manifest.get("complete") or stale_sources(manifest, package_dir):
        return "stale", modules
    return "compiled", []


def activate() -> str:
    """Decide once per process (module docstring); installs the source finder when needed."""
    global _state
    if _state != "not decided":
        return _state
    manifest = _read_manifest(MANIFEST)
    state, modules = decide(os.environ, manifest)
    if modules:
        sys.meta_path.insert(0, _SourceFinder(frozenset(modules), PACKAGE_DIR))
    if state == "stale":
        sys.stderr.write("cccd-chip: the compiled modules are older than their sources; "
                         "using the sources (run `make native` to compile them again)\n")
    _state = state
    return state


def _all_modules(package_dir: str) -> list[str]:
    """Every module of the package that has an extension module beside its source."""
    from importlib.machinery import EXTENSION_SUFFIXES

    out = []
    for dirpath, _dirs, files in os.walk(package_dir):
        rel = os.path.relpath(dirpath, package_dir)
        prefix = "cccd_chip" if rel == "." else "cccd_chip." + rel.replace(os.sep, ".")
        for f in files:
            for s in EXTENSION_SUFFIXES:
                if f.endswith(s) and os.path.exists(os.path.join(dirpath, f[:-len(s)] + ".py")):
                    out.append(f"{prefix}.{f[:-len(s)]}")
    return out


def state() -> str:
    """What :func:`activate` decided: ``compiled``, ``pure``, ``stale``, ``none`` (no build)."""
    return _state


def compiled_modules() -> list[str]:
    """The modules the build compiled (from its manifest; empty without one)."""
    manifest = _read_manifest(MANIFEST)
    return [] if manifest is None else [m for m in manifest.get("modules", []) if isinstance(m, str)]
