"""Issue 10 defect 3: kiosk records and `--json` output must not make the CAN recoverable.

On the old main ``access.password_digest`` was an unkeyed SHA-256 of the 6-digit
CAN: 10^6 guesses (under a second) recovered it from any record. Here the
attacker holds a kiosk record / the JSON output and tries every CAN against
every 64-hex-digit value in it, with the old formula and a plain SHA-256.
"""

import hashlib
import json
import re

from click.testing import CliRunner

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.kiosk import JsonLinesSink, KioskLoop, ScriptedCardSource
from cccd_chip.reader import Credential, ReadOptions
from cccd_chip.transport.local import LocalTransport

HEX64 = re.compile(r"(?i)\b[0-9a-f]{64}\b")
LEGACY_LABEL = b"cccd-access-password/1|CAN|"


def _recoverable_cans(text: str) -> list[str]:
    values = {h.lower() for h in HEX64.findall(text)}
    found = []
    for n in range(1_000_000):
        can = f"{n:06d}".encode()
        if (hashlib.sha256(LEGACY_LABEL + can).hexdigest() in values
                or hashlib.sha256(can).hexdigest() in values):
            found.append(can.decode())
    return found


def test_kiosk_record_holds_nothing_to_brute_force(card_factory, tmp_path):
    d = card_factory("cccd-2021")
    card = VirtualCard.load(d)
    key = b"installation binding key for tests"
    loop = KioskLoop(ScriptedCardSource([LocalTransport(Applet(card))]),
                     credentials=lambda info: Credential.from_can(card.secrets["can"]),
                     sink=JsonLinesSink(tmp_path / "records.jsonl"), options=ReadOptions(binding_key=key))
    loop.run(max_cards=1)
    text = (tmp_path / "records.jsonl").read_text()
    record = json.loads(text)
    assert record["status"] == "complete"
    access = record["result"]["access"]
    assert access["password_binding"] == "matched" and len(access["password_mac"]) == 64
    assert "password_digest" not in access and key.hex() not in text
    assert "sha256" not in record["result"]["files"]["DG1"]  # DG1's hash + holder data would give the ID away
    dg1 = (d / "files" / "DG1.bin").read_bytes()
    assert hashlib.sha256(dg1).hexdigest() not in text.lower()
    assert _recoverable_cans(text) == []


def test_read_json_holds_no_password_digest(card_factory):
    from host_cli.main import cli

    d = card_factory("cccd-2021")
    can = VirtualCard.load(d).secrets["can"]
    r = CliRunner().invoke(cli, ["read", "--virtual", str(d), "--can", can, "--csca", str(d / "csca.pem"), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["access"]["password_binding"] == "matched" and "password_digest" not in doc["access"]
    assert _recoverable_cans(json.dumps(doc["access"]) + json.dumps(doc["evidence"])
                             + json.dumps(doc["verification"])) == []
