"""The GENERAL AUTHENTICATE response fast path equals the general BER-TLV path (ICAO 9303-11 §4.4.4).

``protocol._ga_objects_fast`` reads the forms PACE answers use (one-byte tags, lengths
short, 81 xx, 82 xx xx) and hands everything else to the general decoder. On every
input it must either give up (None) or give exactly what the general decoder gives;
where the general decoder refuses, the fast path must give up, so the error (text,
step, reason) is the general one.
"""

from __future__ import annotations

import random

import pytest

from cccd_chip.access.pace import protocol
from cccd_chip.errors import ProtocolError


def _general(data: bytes):
    try:
        return protocol._ga_objects(data)
    except Exception:  # noqa: BLE001 - any refusal of the general decoder
        return "refused"


def _check(data: bytes) -> None:
    """The fast path gives up or gives what the general decoder gives (so it gives up on every
    input the general decoder refuses)."""
    fast = protocol._ga_objects_fast(data)
    if fast is not None:
        assert _general(data) == fast, data.hex()


SAMPLES = [
    "7C00", "7C0280", "7C028000", "7C0A800800112233445566778899", "7C0482008400",
    "7C81028200", "7C820002" + "8200", "7C43" + "8441" + "04" + "11" * 64,
    "7C818384818004" + "22" * 126 + "33",
    "7C0C860811223344556677888700", "7C0A" + "8608" + "00" * 8, "7C12" + "8608" + "00" * 8 + "8A06" + "00" * 6,
    "7C04" + "5F1F0100",  # multi-byte tag: general path
    "7C03" + "008100", "7C02" + "FF00", "7C02" + "7C00",  # invalid tag bytes 00 / FF, constructed tag
    "7C038180", "7C0380817F", "7C8400000000", "7C80", "7C", "7D00", "", "7C0200", "7C01", "7C028101",
    "7C0584830000011", "7C04" + "84820001", "7C05" + "8482000100",
]


@pytest.mark.parametrize("hexdata", SAMPLES)
def test_samples_and_every_cut(hexdata):
    data = bytes.fromhex(hexdata if len(hexdata) % 2 == 0 else hexdata + "0")
    for cut in range(len(data) + 1):
        _check(data[:cut])
        _check(data[:cut] + b"\x00")


def test_random_inputs_agree():
    rng = random.Random(13)
    pieces = [b"\x7c", b"\x80", b"\x81", b"\x82", b"\x84", b"\x86", b"\x8a", b"\x00", b"\xff", b"\x1f", b"\x5f"]
    for _ in range(4000):
        n = rng.randrange(0, 12)
        data = b"".join(rng.choice(pieces) if rng.random() < 0.6 else bytes([rng.randrange(256)])
                        for _ in range(n))
        if rng.random() < 0.5:
            data = b"\x7c" + bytes([len(data)]) + data
        _check(data)


def test_the_fast_path_reads_what_pace_answers():
    """Real answers never fall to the slow path (the point of it)."""
    for hexdata in ("7C128010" + "00" * 16, "7C43" + "8241" + "04" + "11" * 64, "7C00",
                    "7C818384818004" + "22" * 126 + "33", "7C0A" + "8608" + "00" * 8):
        assert protocol._ga_objects_fast(bytes.fromhex(hexdata)) is not None


@pytest.mark.parametrize("hexdata, message", [
    ("7C03800200", "malformed GENERAL AUTHENTICATE response"),  # the value overruns 7C
    ("7C0480008000", "duplicate data object 80"),
    ("7C028400", "unexpected data object 84 in GENERAL AUTHENTICATE response"),
    ("7C00", "data object 80 missing in GENERAL AUTHENTICATE response"),
    ("7C045F1F0100", "unexpected data object 5F1F in GENERAL AUTHENTICATE response"),
    ("7D00", "malformed GENERAL AUTHENTICATE response"),
])
def test_errors_name_the_step_and_reason(hexdata, message):
    with pytest.raises(ProtocolError) as e:
        protocol.parse_ga_response(bytes.fromhex(hexdata), 1, required=(0x80,))
    assert e.value.message == message
    assert e.value.step == "PACE step 1 (encrypted nonce)" and e.value.reason == "PACE_MALFORMED"


@pytest.mark.parametrize("cipher", ["3DES", "AES-128", "AES-192", "AES-256"])
def test_token_pair_equals_two_tokens(cipher):
    """Step 4's two tokens computed together (one CMAC key schedule) equal the one-at-a-time ones."""
    from cccd_chip.access.pace import symmetric
    from cccd_chip.emulator.determinism import Drbg

    rng = Drbg("tokens" + cipher)
    k_mac = rng(symmetric.key_length(cipher))
    oid = "0.4.0.127.0.7.2.2.4.2.2"
    chip, own = b"\x04" + rng(64), b"\x04" + rng(64)
    assert protocol.token_pair(cipher, k_mac, oid, 0x86, chip, own) == (
        protocol.auth_token(cipher, k_mac, oid, 0x86, chip), protocol.auth_token(cipher, k_mac, oid, 0x86, own))
