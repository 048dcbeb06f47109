"""ICAO 9303-11 Appendix D worked example through the project's own functions."""

import json
from pathlib import Path

import pytest

from cccd_chip.access import bac, passwords
from cccd_chip.emulator.bac_card import answer_external_authenticate
from cccd_chip.iso7816.apdu import CommandApdu, ResponseApdu
from cccd_chip.iso7816 import commands
from cccd_chip.sm.base import protect_command, unprotect_response, increment
from cccd_chip.sm.tdes import TdesCipher, session
from cccd_chip.errors import SecureMessagingError

VEC = json.loads((Path(__file__).parents[2] / "test_vectors" / "bac.json").read_text())
BY_ID = {v["id"]: v for v in VEC["vectors"]}
H = bytes.fromhex


def test_d2_key_derivation():
    v = BY_ID["icao9303-11-D.2-key-derivation"]
    i, e = v["inputs"], v["expected"]
    assert passwords.mrz_check_digit(i["document_number"]) == e["check_digit_document_number"]
    assert passwords.mrz_check_digit(i["date_of_birth"]) == e["check_digit_date_of_birth"]
    assert passwords.mrz_check_digit(i["date_of_expiry"]) == e["check_digit_date_of_expiry"]
    pw = passwords.mrz_password(i["document_number"], i["date_of_birth"], i["date_of_expiry"])
    assert pw.value.decode() == e["mrz_information"]
    seed = pw.bac_seed()
    assert seed == H(e["kseed"])
    keys = bac.derive_keys(seed)
    assert keys.k_enc == H(e["kenc"]) and keys.k_mac == H(e["kmac"])
    assert "L898902C" not in repr(pw)


def test_d3_mutual_authentication_both_sides():
    v = BY_ID["icao9303-11-D.3-mutual-authentication"]
    i, e = v["inputs"], v["expected"]
    keys = bac.BacKeys(H(i["kenc"]), H(i["kmac"]))
    data = bac.external_authenticate_data(keys, H(i["rnd_ic"]), H(i["rnd_ifd"]), H(i["k_ifd"]))
    assert data == H(e["cmd_data"])
    assert commands.external_authenticate(data).encode() == H(e["external_authenticate_apdu_computed"])
    # chip side reproduces the chip's answer from the example
    resp, card_keys = answer_external_authenticate(keys, data, H(i["rnd_ic"]), H(i["k_ic"]))
    assert resp == H(e["resp_data"])
    k_ic = bac.open_ic_response(keys, H(e["resp_data"]), H(i["rnd_ic"]), H(i["rnd_ifd"]))
    assert k_ic == H(e["k_ic"])
    sk = bac.session_keys(H(i["k_ifd"]), k_ic, H(i["rnd_ic"]), H(i["rnd_ifd"]))
    assert (sk.k_enc, sk.k_mac, sk.ssc) == (H(e["ksenc"]), H(e["ksmac"]), H(e["ssc"]))
    assert card_keys == sk


def test_d3_tampered_chip_answer_is_rejected():
    v = BY_ID["icao9303-11-D.3-mutual-authentication"]
    i, e = v["inputs"], v["expected"]
    keys = bac.BacKeys(H(i["kenc"]), H(i["kmac"]))
    bad = bytearray(H(e["resp_data"]))
    bad[3] ^= 0x40
    with pytest.raises(Exception) as ei:
        bac.open_ic_response(keys, bytes(bad), H(i["rnd_ic"]), H(i["rnd_ifd"]))
    assert ei.value.reason == "BAC_AUTH_FAILED"


def test_d4_secure_messaging_byte_for_byte():
    v = BY_ID["icao9303-11-D.4-secure-messaging-3des"]
    i = v["inputs"]
    cipher = TdesCipher(H(i["ksenc"]), H(i["ksmac"]))
    ssc = H(i["ssc_initial"])
    for step in v["steps"]:
        ssc = increment(ssc)
        assert ssc == H(step["ssc_command"])
        plain = CommandApdu.decode(H(step["unprotected_command"]))
        assert protect_command(cipher, ssc, plain).encode() == H(step["protected_command"])
        ssc = increment(ssc)
        assert ssc == H(step["ssc_response"])
        r = unprotect_response(cipher, ssc, ResponseApdu.decode(H(step["protected_response"])))
        assert r.data == H(step["response_plain_data"]) and r.sw == int(step["sw"], 16)
    assert ssc == H(v["expected"]["ssc_final"])


def test_d4_session_object_and_flipped_byte():
    v = BY_ID["icao9303-11-D.4-secure-messaging-3des"]
    i = v["inputs"]
    sm = session(H(i["ksenc"]), H(i["ksmac"]), H(i["ssc_initial"]))
    step = v["steps"][1]
    sm.wrap(CommandApdu.decode(H(step["unprotected_command"])))  # step 0 command
    sm2 = session(H(i["ksenc"]), H(i["ksmac"]), H(i["ssc_initial"]))
    s0 = v["steps"][0]
    assert sm2.wrap(CommandApdu.decode(H(s0["unprotected_command"]))).encode() == H(s0["protected_command"])
    sm2.unwrap(ResponseApdu.decode(H(s0["protected_response"])))
    assert sm2.wrap(CommandApdu.decode(H(step["unprotected_command"]))).encode() == H(step["protected_command"])
    bad = bytearray(H(step["protected_response"]))
    bad[5] ^= 0x01
    with pytest.raises(SecureMessagingError):
        sm2.unwrap(ResponseApdu.decode(bytes(bad)))
    assert not sm2.alive
    with pytest.raises(SecureMessagingError):
        sm2.wrap(CommandApdu.decode(H(step["unprotected_command"])))
