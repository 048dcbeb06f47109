"""The distribution as a newcomer installs it (issue: a newcomer's first hour).

- the sdist and the wheel build and pass ``twine check``; the sdist carries docs,
  tests and test vectors;
- the wheel installed into a clean venv with the *minimum* versions the project
  declares runs the CLI end to end (personalise, read a virtual card, verify);
- the wheel without any extra imports, reads and verifies as a library, and the
  ``cccd`` script names the missing extra instead of a traceback.

These create real venvs and install from the package index, as CI does.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(900)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 600)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _floors(requirements: list[str]) -> list[str]:
    """``name>=X`` -> ``name==X`` (the declared floor is what must work)."""
    pins = []
    for req in requirements:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)\s*", req)
        assert m, f"dependency without a plain floor: {req!r}"
        pins.append(f"{m.group(1)}=={m.group(2)}")
    return pins


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = _run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return out


def _venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin"


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def test_sdist_and_wheel_pass_twine_check(dist):
    r = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))])
    assert r.returncode == 0, r.stdout + r.stderr


def test_sdist_carries_docs_tests_vectors_and_license(dist):
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("LICENSE", "docs/emulator.md", "docs/verification.md", "tests/cli/conftest.py",
                   "test_vectors/SOURCES.md", "Makefile"):
        assert any(n == needed or n.startswith(needed) for n in names), needed


def test_wheel_carries_the_py_typed_marker(dist):
    """PEP 561: type checkers of the library's users read its annotations (issue 12)."""
    import zipfile

    with zipfile.ZipFile(_wheel(dist)) as whl:
        assert "cccd_chip/py.typed" in whl.namelist()


def test_version_has_one_source(project):
    import cccd_chip

    assert "version" in project.get("dynamic", []) and "version" not in project
    assert re.fullmatch(r"\d+\.\d+\.\d+", cccd_chip.__version__)


def test_cli_with_minimum_dependency_versions(dist, project, tmp_path):
    bin_ = _venv(tmp_path / "venv")
    extras = project["optional-dependencies"]
    pins = _floors(project["dependencies"] + extras["cli"] + extras["emulator"])
    r = _run([str(bin_ / "pip"), "install", "-q", f"{_wheel(dist)}[cli,emulator]", *pins])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    listed = _run([str(bin_ / "pip"), "list", "--format", "json"])
    versions = {p["name"].lower(): p["version"] for p in json.loads(listed.stdout)}
    for pin in pins:
        name, version = pin.split("==")
        assert versions.get(name.lower()) == version, (pin, versions.get(name.lower()))
    cccd = str(bin_ / "cccd")
    card = tmp_path / "card"
    r = _run([cccd, "personalize", "--profile", "cccd-2021", "--seed", "3", "--out", str(card)])
    assert r.returncode == 0, r.stderr
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    dump = tmp_path / "dump.json"
    r = _run([cccd, "read", "--virtual", str(card), "--id", secrets["id"], "--csca", str(card / "csca.pem"),
              "--out", str(dump), "--json"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout)["verification"]["overall"] == "successful"
    r = _run([cccd, "verify", str(dump), "--csca", str(card / "csca.pem"), "--json"])
    assert r.returncode == 0, r.stderr[-2000:]


def test_library_without_cli_extras(dist, project, tmp_path):
    """Back-ends import the library only: no click, rich or Pillow installed."""
    from cccd_chip.emulator.personalize import personalize

    card = personalize("cccd-2021", 4, tmp_path / "card")  # made here, where Pillow exists
    bin_ = _venv(tmp_path / "venv")
    r = _run([str(bin_ / "pip"), "install", "-q", str(_wheel(dist)), *_floors(project["dependencies"])])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    code = f"""
import importlib.util, sys
for absent in ("click", "rich", "PIL", "smartcard"):
    assert importlib.util.find_spec(absent) is None, absent
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.transport.local import LocalTransport
from cccd_chip.reader import Credential, read_document
from cccd_chip.verify.document_check import verify_document
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.errors import UnsupportedError
from cccd_chip.lds import face
card = VirtualCard.load({str(card)!r})
doc = read_document(LocalTransport(Applet(card)), Credential.from_cccd_id(card.secrets["id"]))
report = verify_document(doc, TrustStore.from_sources(csca=[{str(card / 'csca.pem')!r}]))
assert report.overall.value == "successful", report.overall
print("OK")
"""
    r = _run([str(bin_ / "python"), "-c", code])
    assert r.returncode == 0 and r.stdout.strip() == "OK", r.stderr[-3000:]
    r = _run([str(bin_ / "cccd"), "readers"])
    assert r.returncode == 2
    assert "pip install 'cccd-chip[cli]'" in r.stderr and "Traceback" not in r.stderr
