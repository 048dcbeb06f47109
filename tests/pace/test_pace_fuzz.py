"""Hostile chips and hostile terminals: only the project's errors / status words come out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.access.pace import perform_pace
from cccd_chip.crypto import domain_params as dp
from cccd_chip.emulator import pace_card
from cccd_chip.errors import CccdError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si

from pace_cards import can, channel_for, make_card
from testsupport.pace_helpers import ScriptedChannel, det_rng

OK = b"\x90\x00"
D13 = dp.standard(13)
GOOD_KEY = D13.encode(D13.mul_gen(4242))


def _ga(tag, value):
    return tlv.encode(0x7C, tlv.encode(tag, value)) + OK


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.binary(max_size=90), st.sampled_from(["GM", "IM", "CAM"]))
def test_host_survives_any_chip_answer(step, junk, mp):
    info = si.PaceInfo(si.pace_oid(mp, "ECDH", "AES-128"), 2, 13)
    good = [(None, OK), (None, _ga(0x80, bytes(16))),
            (None, _ga(0x82, b"" if mp == "IM" else GOOD_KEY)), (None, _ga(0x84, GOOD_KEY))]
    script = good[:step] + [(None, junk)]
    ch = ScriptedChannel(script + [(None, OK)] * 3)
    try:
        perform_pace(ch, info, can(), det_rng(b"f"))
    except CccdError:
        pass
    assert ch.sm is None  # nothing random ever yields a session


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0x10, 0x00]), st.binary(max_size=80)), min_size=1, max_size=5))
def test_chip_survives_any_terminal_sequence(cmds):
    info = pace_card.pace_info("GM", "ECDH", "AES-128", 13)
    card = make_card([info])
    ch, app = channel_for(card)
    from cccd_chip.access.pace import protocol

    raw = app.process(protocol.mse_set_at(info.protocol, "CAN").encode())
    assert raw == OK
    for cla, data in cmds:
        body = tlv.encode(0x7C, data) if data[:1] != b"\x7C" else data
        apdu = bytes([cla, 0x86, 0, 0, len(body) & 0xFF]) + body[:255] + b"\x00"
        out = app.process(apdu)
        assert out is not None and len(out) >= 2
        if out[-2:] != OK:
            assert app.state.sm is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["3DES", "AES-128", "AES-256"]), st.integers(1, 8), st.binary(min_size=64, max_size=64))
def test_im_nonce_of_any_block_multiple_is_a_protocol_error_or_works(cipher, blocks, junk):
    """PACE-IM derives G' from s with a PRF defined only for 16/32-byte nonces: any other
    length the chip sends must end as the project's error, never a ValueError."""
    info = si.PaceInfo(si.pace_oid("IM", "ECDH", cipher), 2, 13)
    bs = 8 if cipher == "3DES" else 16
    z = junk[: blocks * bs]
    ch = ScriptedChannel([(None, OK), (None, _ga(0x80, z)), (None, _ga(0x82, b"")),
                          (None, _ga(0x84, GOOD_KEY))] + [(None, OK)] * 3)
    try:
        perform_pace(ch, info, can(), det_rng(b"im"))
    except CccdError:
        pass
    assert ch.sm is None
