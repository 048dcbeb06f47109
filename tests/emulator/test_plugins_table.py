"""emulator/plugins.py is a static table: every protocol module is installed, a missing one is an error."""

from __future__ import annotations

import subprocess
import sys

from cccd_chip.emulator import aa_card, ca_card, faults, pace_card, plugins, quirks, ta_card


def test_every_protocol_module_is_in_the_table_in_order():
    assert plugins.INSTALLERS == (pace_card.install, ca_card.install, ta_card.install, aa_card.install,
                                  faults.install, quirks.install)


def test_the_table_loads_no_module_by_name():
    source = plugins.__file__
    text = open(source, encoding="utf-8").read()
    assert "importlib" not in text and "import_module" not in text and "__import__" not in text


_WITHOUT_CA = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "cccd_chip.emulator.ca_card":
            raise ModuleNotFoundError("No module named 'cccd_chip.emulator.ca_card'", name=name)
sys.meta_path.insert(0, Block())
try:
    from cccd_chip.emulator import plugins
except ImportError as e:
    print("refused:", "ca_card" in str(e))
else:
    print("loaded without CA")
"""


def test_a_missing_protocol_module_is_an_error_not_a_card_without_it():
    r = subprocess.run([sys.executable, "-c", _WITHOUT_CA], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "refused: True"
