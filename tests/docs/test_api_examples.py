"""The library examples of docs/api.md marked ``<!-- runs as a test -->`` run, with the facade alone.

Each marked ```` ```python ```` block is run in a fresh folder that holds a virtual card
(``card/``, as ``cccd personalize --out card`` writes it), with ``<CAN>`` replaced by
that card's CAN. The kiosk example must print the holder's name as DG13 writes it (in
Vietnamese), write the face, and print the verdict: successful for a genuine card,
FAILED for a card whose face was changed after signing. The blocks may import only
``cccd_chip`` (and the standard library) and use only the names of ``cccd_chip.__all__``.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cccd_chip

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api.md"
MARK = "<!-- runs as a test -->"
pytestmark = pytest.mark.timeout(300)


def marked_blocks(text: str) -> list[str]:
    """The python blocks that directly follow the marker line."""
    return [m.group(1) for m in re.finditer(re.escape(MARK) + r"\n```python\n(.*?)\n```", text, re.S)]


def facade_violations(code: str) -> list[str]:
    """Imports beyond ``import cccd_chip`` + standard library, and ``cccd_chip.X`` outside ``__all__``."""
    bad = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                if a.name.startswith("cccd_chip.") or (top != "cccd_chip" and top not in sys.stdlib_module_names):
                    bad.append(f"import {a.name}")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if mod.startswith("cccd_chip.") or (mod.split(".")[0] not in sys.stdlib_module_names and mod != "cccd_chip"):
                bad.append(f"from {mod} import ...")
            if mod == "cccd_chip":
                bad += [f"from cccd_chip import {a.name}" for a in node.names if a.name not in cccd_chip.__all__]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "cccd_chip":
            if node.attr not in cccd_chip.__all__:
                bad.append(f"cccd_chip.{node.attr}")
    return bad


@pytest.fixture(scope="module")
def blocks() -> list[str]:
    found = marked_blocks(API.read_text(encoding="utf-8"))
    assert found, f"no block marked {MARK!r} in docs/api.md"
    return found


def _run(code: str, where: Path, card: Path) -> subprocess.CompletedProcess:
    can = json.loads((card / "card.json").read_text())["secrets"]["can"]
    script = where / "example.py"
    script.write_text(code.replace("<CAN>", can), encoding="utf-8")
    return subprocess.run([sys.executable, str(script)], cwd=where, capture_output=True, text=True, timeout=240)


def test_the_examples_use_the_facade_alone(blocks):
    for code in blocks:
        assert facade_violations(code) == []


def test_the_facade_check_sees_internal_names():
    code = "import cccd_chip\nfrom cccd_chip.reader import read_document\nx = cccd_chip.kiosk\nimport numpy\n"
    assert sorted(facade_violations(code)) == ["cccd_chip.kiosk", "from cccd_chip.reader import ...", "import numpy"]


def test_kiosk_example_shows_name_face_and_verdict_of_a_genuine_card(blocks, tmp_path):
    from cccd_chip.emulator.personalize import personalize

    card = personalize("cccd-2021", 3, tmp_path / "card")
    expected = cccd_chip.Document(files={"DG13": (card / "files" / "DG13.bin").read_bytes()}).dg13()
    r = _run(blocks[0], tmp_path, card)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Verification: successful" in r.stdout, r.stdout
    assert expected is not None and expected.full_name and not expected.full_name.isascii()  # Vietnamese
    assert f"Name: {expected.full_name}" in r.stdout, r.stdout
    page = (tmp_path / "screen-face.html").read_text()
    assert page.startswith('<img alt="face" src="data:image/jpeg;base64,/9j/'), page[:80]


def test_kiosk_example_says_failed_for_a_changed_face(blocks, tmp_path):
    from cccd_chip.emulator.personalize import personalize

    card = personalize("cccd-2021", 3, tmp_path / "card", faults=["dg-altered:DG2"])
    r = _run(blocks[0], tmp_path, card)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Verification: FAILED" in r.stdout and "successful" not in r.stdout, r.stdout


_NO_PYSCARD = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "smartcard" or name.startswith("smartcard."):
            raise ImportError("no pyscard here")
sys.meta_path.insert(0, Block())
"""


def test_the_facade_imports_without_pyscard():
    code = _NO_PYSCARD + (
        "import cccd_chip\n"
        "for name in cccd_chip.__all__:\n"
        "    getattr(cccd_chip, name)\n"
        "assert 'smartcard' not in sys.modules\n"
        "print(len(cccd_chip.__all__))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout) >= 15


def test_unknown_facade_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        getattr(cccd_chip, "kiosk_loop")
