"""The common RSA SubjectPublicKeyInfo read without asn1crypto (issue 13: ~3 us instead of ~16,
once per card for its Active Authentication key) gives the key, or the refusal, that the general
path gives: on real keys of every size, the negative-modulus quirk, and mutated inputs."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cccd_chip.crypto import signatures
from cccd_chip.crypto.signatures import _load_spki, _rsa_spki_common
from cccd_chip.errors import CccdError
from cccd_chip.lds._der import der, der_int, der_seq


def _spki(n: int, e: int) -> bytes:
    body = der_seq(der_int(n), der_int(e))
    return der_seq(bytes.fromhex("300d06092a864886f70d0101010500"), der(0x03, b"\x00" + body))


def _outcome(spki: bytes, common_rsa: bool) -> tuple[str, object]:
    try:
        k = _load_spki(spki, common_rsa=common_rsa)
    except CccdError as e:
        return "error", (type(e).__name__, str(e))
    nums = k._key.public_numbers() if k.kind == "rsa" else None
    return "key", (k.kind, k.spki, k.bits, k.negative_integers, k.description,
                   None if nums is None else (nums.n, nums.e))


@pytest.mark.parametrize("bits", [1024, 1536, 2048, 3072, 4096])
def test_generated_keys_take_the_common_path_and_agree(bits: int) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert _rsa_spki_common(spki) is not None  # what OpenSSL writes is the common form
    assert _outcome(spki, True) == _outcome(spki, False)
    assert _outcome(spki, True)[0] == "key"


def test_negative_modulus_quirk_agrees() -> None:
    """A modulus DER-encoded without its 00 (issue 11): read unsigned, with the warning, on both paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    n = key.public_key().public_numbers().n
    raw_n = n.to_bytes(128, "big")  # top bit set: as an INTEGER this reads negative
    body = der_seq(der(0x02, raw_n), der_int(65537))
    spki = der_seq(bytes.fromhex("300d06092a864886f70d0101010500"), der(0x03, b"\x00" + body))
    assert _rsa_spki_common(spki) is not None
    fast, general = _outcome(spki, True), _outcome(spki, False)
    assert fast == general and fast[0] == "key" and "RSA modulus" in fast[1][3]


def test_other_forms_go_to_the_general_path() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    no_null = der_seq(bytes.fromhex("300b06092a864886f70d010101"), spki[spki.index(b"\x03\x81"):])  # parameters absent
    long_len = b"\x30\x82\x00" + bytes([len(spki) - 3]) + spki[3:] if spki[1] == 0x81 else spki  # non-minimal length
    unused_bits = spki[:-len(spki) + spki.index(b"\x03\x81") + 3] + b"\x01" + spki[spki.index(b"\x03\x81") + 4:]
    for other in (no_null, long_len, unused_bits, spki + b"\x00", spki[:-1]):
        assert _rsa_spki_common(other) is None
        assert _outcome(other, True) == _outcome(other, False)


def test_mutated_keys_agree() -> None:
    """Byte flips, truncations and length edits: the same key or the same refusal on both paths."""
    rng = random.Random(1313)
    seeds = [_spki(rsa.generate_private_key(public_exponent=e, key_size=b).public_key().public_numbers().n, e)
             for b, e in ((1024, 65537), (2048, 3), (1024, 3))]
    common = 0
    for i in range(3000):
        data = bytearray(rng.choice(seeds))
        op = i % 3
        if op == 0:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif op == 1:
            pos = rng.randrange(min(40, len(data)))  # the headers
            data[pos] = rng.randrange(256)
        else:
            del data[rng.randrange(len(data)):]
        spki = bytes(data)
        if _rsa_spki_common(spki) is not None:
            common += 1
        assert _outcome(spki, True) == _outcome(spki, False), spki.hex()
    assert common > 500  # the common path was exercised, not only the refusals


def test_load_public_key_uses_the_common_path(monkeypatch: pytest.MonkeyPatch) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    signatures.load_public_key.cache_clear()
    loaded = signatures.load_public_key(spki)
    assert loaded.kind == "rsa" and loaded.bits == 1024 and loaded._key.public_numbers() == key.public_key().public_numbers()
