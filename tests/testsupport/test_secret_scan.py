"""The secret scanner finds secrets written as text and ignores chance hits inside hex."""

from testsupport.secret_scan import contains_secret


def test_text_leaks_are_found():
    for text in ("CAN 123456", '{"can": "123456"}', "can=123456,", "123456", "x\n123456\n"):
        assert contains_secret(text, "123456"), text


def test_digits_inside_hex_or_longer_numbers_are_chance():
    for text in ('{"r": "8E08A1234567F0"}', "0.1234567", "ms 9123456", "DEADBEEF123456AB"):
        assert not contains_secret(text, "123456"), text


def test_long_secrets_are_found_anywhere():
    key = "00112233445566778899AABBCCDDEEFF"
    assert contains_secret("8E08" + key + "9000", key)
    assert not contains_secret("8E08" + key[:-1] + "9000", key)
