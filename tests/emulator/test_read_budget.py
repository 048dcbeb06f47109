"""Issue 10 defect 7: a chip cannot keep the host busy (read budget per card).

On the old main a chip that declared a 1 MiB DG and answered one byte per READ
BINARY kept the host reading for hours. Now a read is bounded by APDU count
(from the declared sizes plus a per-card allowance), wall-clock time and a
drip-feed rule, and ends as ``aborted`` (AbortedError, exit 4) with a reason.
"""

import time

import pytest
from emu_helpers import read_card

from cccd_chip.channel import ReadBudget
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import AbortedError
from cccd_chip.reader import ReadOptions
from host_cli.exit_codes import exit_code_for

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("faults", [("big-file", "drip:1"), ("drip:1",), ("drip:16",), ("big-file:DG13", "drip:8"),
                                    ("drip:31",)])
def test_drip_feed_is_aborted_quickly(card_factory, faults):
    d = card_factory("cccd-2021", 1, faults)
    t0 = time.monotonic()
    with pytest.raises(AbortedError) as e:
        read_card(d)
    assert e.value.reason == "ABORTED_DRIP_FEED" and exit_code_for(e.value) == 4
    assert time.monotonic() - t0 < 10


def test_drip_feed_without_the_drip_rule_hits_the_apdu_budget(card_factory):
    d = card_factory("cccd-2021", 1, ("big-file", "drip:1"))
    with pytest.raises(AbortedError) as e:
        read_card(d, ReadOptions(budget=ReadBudget(max_dribbles=10**9)))
    assert e.value.reason == "ABORTED_APDU_BUDGET"


def test_slow_chip_hits_the_time_budget(card_factory):
    d = card_factory("cccd-2021", 1, ("slow:20",))
    with pytest.raises(AbortedError) as e:
        read_card(d, ReadOptions(budget=ReadBudget(max_seconds=0.4)))
    assert e.value.reason == "ABORTED_TIME_BUDGET"


def test_fixed_apdu_cap(card_factory):
    with pytest.raises(AbortedError) as e:
        read_card(card_factory("cccd-2021"), ReadOptions(budget=ReadBudget(max_apdus=25)))
    assert e.value.reason == "ABORTED_APDU_BUDGET"


def test_a_large_honest_file_fits_the_default_budget(card_factory):
    """1 MiB delivered at the chip's full Le is within the budget derived from its declared size."""
    d = card_factory("cccd-2021", 1, ("big-file",))
    doc, _ = read_card(d)
    assert len(doc.files["DG2"]) > 1_000_000


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-bac", "passport-pace-cam"])
def test_genuine_cards_read_well_within_the_default_budget(card_factory, profile):
    d = card_factory(profile)
    card = VirtualCard.load(d)
    app = Applet(card)
    read_card(d, applet=app)
    assert app.apdu_index < ReadBudget().base_apdus


def test_quirky_short_le_chip_is_not_a_drip_feed():
    """A chip refusing every Le above 16 answers small pieces because it is asked for small pieces."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    import chip_helpers as h

    from cccd_chip.reader import read_document

    card = h.card(max_le=16, dg2_size=3000)
    doc = read_document(h.transport(card), h.credential(), rng=h.rng_from(1),
                        options=ReadOptions(chip_auth=False, active_auth=False))
    assert len(doc.files["DG2"]) > 3000
