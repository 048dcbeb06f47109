"""A chip whose DG15 offers Active Authentication but that refuses INTERNAL AUTHENTICATE.

A clone with a copied DG15 and SOD cannot sign: refusing the command must not turn
AA into 'not supported' (catalogue family 13: only a chip without DG15 has no AA).
"""

from __future__ import annotations

import pytest

from cccd_chip.emulator.applet import Applet, Reply
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.verify.report import Reason, Verdict

from emu_helpers import read_card, verify_dir


class RefuseAa:
    def __init__(self, sw: int) -> None:
        self.sw = sw

    def alter_reply(self, app, cmd, reply):
        return Reply(sw=self.sw) if cmd.ins == 0x88 else reply


@pytest.mark.parametrize("sw", [0x6D00, 0x6A88, 0x6982])
def test_refused_internal_authenticate_fails_active_auth(card_factory, sw):
    d = card_factory("cccd-2021", 1)
    app = Applet(VirtualCard.load(d))
    app.faults.append(RefuseAa(sw))
    doc, _ = read_card(d, applet=app)
    assert "DG15" in doc.files and doc.evidence.aa_signature is None
    report = verify_dir(doc, d)
    aa = [c for c in report.checks if c.check == "active_auth"]
    assert [(c.verdict, c.reason) for c in aa] == [(Verdict.FAILED, Reason.AA_PROTOCOL_ERROR)]
    assert report.overall is Verdict.FAILED


def test_control_same_card_without_the_fault_passes(card_factory):
    d = card_factory("cccd-2021", 1)
    doc, _ = read_card(d)
    report = verify_dir(doc, d)
    assert [c.verdict for c in report.checks if c.check == "active_auth"] == [Verdict.SUCCESSFUL]
