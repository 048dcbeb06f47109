"""Issue 10 defect 8: a refused extended-length probe must not hide EF.CardAccess.

The first unprotected READ BINARY (EF.CardAccess) carries an extended Le to learn
whether extended length works. Chips that do not support it may answer with any
status (6F00, 6D00, 6A86, 6E00 ...) rather than 6700. Such an answer means "no
extended length", never "no file": the file is read again with short APDUs. On
the old main the CCCD-2024 card then failed with a usage error (CAN only, no
PACE offered) and a genuine CCCD-2021 read with ID+DOB+DOE silently went BAC
and was reported FAILED (CARD_ACCESS_MISMATCH).
"""

import pytest
from emu_helpers import credential_for, read_card, verify_dir

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.reader import Credential, ReadStats, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.verify.report import Verdict

REFUSALS = ("6F00", "6D00", "6E00", "6A86", "6A80", "6985", "6B00", "6A81", "6986")


@pytest.mark.parametrize("sw", REFUSALS)
def test_cccd_2021_with_full_credential_still_uses_pace(card_factory, sw):
    d = card_factory("cccd-2021", faults=(f"ext-sw:{sw}",))
    doc, _ = read_card(d)
    assert "CardAccess" in doc.files and "CardAccess" not in doc.absent
    assert doc.access.protocol == "PACE"
    report = verify_dir(doc, d)
    (c,) = [c for c in report.checks if c.check == "binding.card_access"]
    assert c.verdict is Verdict.SUCCESSFUL, c.to_json()
    assert report.overall is Verdict.SUCCESSFUL


@pytest.mark.parametrize("sw", ("6F00", "6D00"))
def test_cccd_2024_with_can_only_reads(card_factory, sw):
    d = card_factory("cccd-2024", faults=(f"ext-sw:{sw}",))
    card = VirtualCard.load(d)
    stats = ReadStats()
    doc = read_document(LocalTransport(Applet(card)), Credential.from_can(card.secrets["can"]),
                        rng=Drbg("test-host"), stats=stats)
    assert doc.access.protocol == "PACE" and "CardAccess" in doc.files
    assert stats.extended is False
    assert any(f"probe refused ({sw})" in a for a in stats.adaptations)
    assert verify_dir(doc, d).overall is Verdict.SUCCESSFUL


def test_file_status_answers_to_the_probe_are_believed(card_factory):
    """6A82 to the probe is about the file: no short retry (one APDU, as before)."""
    d = card_factory("cccd-2021", faults=("sw:6A82:CardAccess",))
    card = VirtualCard.load(d)
    sent = []
    app = Applet(card)
    orig = app.process

    def spy(raw):
        sent.append(raw)
        return orig(raw)

    app.process = spy
    read_document(LocalTransport(app), credential_for(card), rng=Drbg("test-host"))
    card_access_reads = [c for c in sent if c[1] == 0xB0 and c[2] == 0x9C]
    assert len(card_access_reads) == 1
