"""The kiosk loop hooks the web screen relies on (cccd_chip/kiosk.py): a wrong CAN may be typed
again on the same card (one record in the end), and a card that leaves while its credential is
asked for is an ``aborted`` record, not an error."""

from __future__ import annotations

import json

import pytest

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import CardRemovedError
from cccd_chip.kiosk import KioskCallbacks, KioskLoop, ScriptedCardSource
from cccd_chip.reader import Credential
from cccd_chip.transport.local import LocalTransport
from host_cli.exit_codes import exit_code_for


class ListSink:
    def __init__(self) -> None:
        self.records = []

    def write(self, record) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def card_dir(tmp_path_factory):
    from cccd_chip.emulator.personalize import personalize

    return personalize("cccd-2021", 11, tmp_path_factory.mktemp("loop") / "card")


def _loop(card_dir, typed, attempts, denied):
    card = VirtualCard.load(card_dir)
    sink = ListSink()
    answers = list(typed)
    loop = KioskLoop(ScriptedCardSource([lambda: LocalTransport(Applet(card))]),
                     credentials=lambda info: Credential.from_can(answers.pop(0)), sink=sink,
                     callbacks=KioskCallbacks(on_access_denied=lambda info, n: denied.append(n)),
                     credential_attempts=attempts, poll=0.01, exit_code_for=exit_code_for)
    loop.run(max_cards=1)
    return sink.records


def test_wrong_can_then_right_can_is_one_complete_record(card_dir):
    can = json.loads((card_dir / "card.json").read_text())["secrets"]["can"]
    denied: list = []
    records = _loop(card_dir, ["000000", can], 3, denied)
    assert denied == [1]
    assert [r.status for r in records] == ["complete"]
    assert records[0].verdict is not None


def test_attempts_exhausted_is_an_access_denied_error(card_dir):
    denied: list = []
    records = _loop(card_dir, ["000000", "111111"], 2, denied)
    assert denied == [1]
    assert [(r.status, r.reason, r.exit_code) for r in records] == [("error", "ACCESS_DENIED", 5)]


def test_default_is_one_attempt(card_dir):
    denied: list = []
    records = _loop(card_dir, ["000000"], 1, denied)
    assert denied == [] and records[0].reason == "ACCESS_DENIED"


def test_card_removed_while_credential_asked_is_aborted(card_dir):
    card = VirtualCard.load(card_dir)
    sink = ListSink()

    def gone(info):
        raise CardRemovedError("card removed while the CAN was typed")

    KioskLoop(ScriptedCardSource([LocalTransport(Applet(card))]), credentials=gone, sink=sink,
              poll=0.01, exit_code_for=exit_code_for).run(max_cards=1)
    assert [(r.status, r.reason, r.exit_code) for r in sink.records] == [("aborted", "TRANSPORT_CARD_REMOVED", 4)]
