"""SM after a bare error status word (issue 11 defect 4): both SSC conventions, never a MAC downgrade."""

from __future__ import annotations

import pytest

from cccd_chip.emulator.sm_card import CardSm, protect_response
from cccd_chip.errors import SecureMessagingError
from cccd_chip.iso7816.apdu import CommandApdu, ResponseApdu
from cccd_chip.sm.aes import AesCipher
from cccd_chip.sm.base import COUNTED, UNCOUNTED, SecureMessaging, increment

K_ENC, K_MAC = bytes(range(16)), bytes(range(16, 32))
READ = CommandApdu(0x00, 0xB0, 0x00, 0x00, b"", 16)


def _pair(counts: bool, preferred: str = UNCOUNTED):
    host = SecureMessaging(AesCipher(K_ENC, K_MAC), bytes(16), preferred=preferred)
    chip = CardSm(AesCipher(K_ENC, K_MAC), bytes(16), counts_bare_errors=counts)
    return host, chip


def _exchange(host, chip, *, bare_sw=None, data=b"x" * 16):
    wrapped = host.wrap(READ)
    chip.unwrap(wrapped)  # raises if the command MAC is wrong under the chip's SSC
    if bare_sw is not None:
        return host.unwrap(ResponseApdu.decode(chip.plain_status(bare_sw)))
    return host.unwrap(ResponseApdu.decode(chip.wrap(data, 0x9000)))


@pytest.mark.parametrize("sw", [0x6982, 0x6A82, 0x6700, 0x6B00])
def test_real_chip_convention_needs_no_reauthentication(sw):
    host, chip = _pair(counts=False)
    _exchange(host, chip)
    assert _exchange(host, chip, bare_sw=sw).sw == sw
    assert _exchange(host, chip).data == b"x" * 16
    assert host.convention == UNCOUNTED
    for _ in range(3):  # later bare errors: the convention is fixed for the session
        _exchange(host, chip, bare_sw=sw)
        assert _exchange(host, chip).data == b"x" * 16


def test_two_bare_errors_in_a_row():
    host, chip = _pair(counts=False)
    _exchange(host, chip, bare_sw=0x6A82)
    _exchange(host, chip, bare_sw=0x6982)
    assert host.convention == UNCOUNTED
    assert _exchange(host, chip).data == b"x" * 16


def test_counting_chip_with_a_host_that_knows_it():
    host, chip = _pair(counts=True, preferred=COUNTED)
    _exchange(host, chip, bare_sw=0x6982)
    assert _exchange(host, chip).data == b"x" * 16
    assert host.convention == COUNTED


def test_counting_chip_refuses_the_next_command_and_the_host_learns():
    host, chip = _pair(counts=True)
    _exchange(host, chip, bare_sw=0x6982)
    wrapped = host.wrap(READ)
    with pytest.raises(SecureMessagingError):
        chip.unwrap(wrapped)  # a command MAC verifies under one SSC only
    with pytest.raises(SecureMessagingError):
        host.unwrap(ResponseApdu.decode(b"\x69\x88"))
    assert host.mismatch_hint == COUNTED


def test_response_accepted_under_the_other_candidate_and_then_fixed():
    # a chip that verified the command under the host's candidate but MACs its next
    # response as if the bare error had been counted: accepted once, then fixed
    host = SecureMessaging(AesCipher(K_ENC, K_MAC), bytes(16))
    cipher = AesCipher(K_ENC, K_MAC)
    host.wrap(READ)
    host.unwrap(ResponseApdu.decode(b"\x69\x82"))  # ssc 1 (command), bare error
    host.wrap(READ)  # ssc 2 under the real-chip candidate
    resp = protect_response(cipher, bytes(15) + b"\x04", b"y" * 16, 0x9000)  # MAC'd under 4 = counted + 1
    assert host.unwrap(ResponseApdu.decode(resp)).data == b"y" * 16
    assert host.convention == COUNTED
    assert host.ssc == bytes(15) + b"\x04"


def test_tampered_twin_mac_failing_under_both_candidates_is_fatal():
    host, chip = _pair(counts=False)
    _exchange(host, chip, bare_sw=0x6982)
    wrapped = host.wrap(READ)
    chip.unwrap(wrapped)
    raw = bytearray(chip.wrap(b"x" * 16, 0x9000))
    raw[-5] ^= 0x01  # one bit of the MAC
    with pytest.raises(SecureMessagingError, match="MAC"):
        host.unwrap(ResponseApdu.decode(bytes(raw)))
    assert not host.alive


def test_no_ambiguity_without_a_bare_error():
    host, chip = _pair(counts=False)
    _exchange(host, chip)
    wrapped = host.wrap(READ)
    chip.unwrap(wrapped)
    resp = protect_response(AesCipher(K_ENC, K_MAC), increment(increment(chip.ssc)), b"z" * 16, 0x9000)  # one too far
    with pytest.raises(SecureMessagingError):
        host.unwrap(ResponseApdu.decode(resp))


def test_bare_success_is_never_accepted():
    host, chip = _pair(counts=False)
    host.wrap(READ)
    with pytest.raises(SecureMessagingError, match="unprotected success"):
        host.unwrap(ResponseApdu.decode(b"\x90\x00"))
