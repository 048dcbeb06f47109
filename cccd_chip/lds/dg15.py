"""DG15, the Active Authentication public key (ICAO 9303-10 §4.7.15, 9303-11 §6.1).

``6F L SubjectPublicKeyInfo`` (RFC 5280 §4.1.2.7): RSA (rsaEncryption) or EC
(ecPublicKey with a named curve OID or explicit ECParameters, kept as raw DER).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..crypto.key_integers import read_rsa_public_key
from ..errors import ParseError
from ..iso7816 import tlv
from . import oids
from ._der import check_structure, decode_oid, elements

TAG = 0x6F
FILE = "DG15"


@dataclass(frozen=True)
class DG15:
    subject_public_key_info: bytes  # exact SPKI DER
    algorithm: str  # OID
    parameters: Optional[bytes]  # DER of the parameters (named curve OID, explicit ECParameters, NULL)
    public_key: bytes  # BIT STRING content without the unused-bits octet
    raw: bytes

    @property
    def key_type(self) -> str:
        return {oids.RSA_ENCRYPTION: "RSA", oids.EC_PUBLIC_KEY: "EC"}.get(self.algorithm, "other")

    @property
    def named_curve(self) -> Optional[str]:
        if self.key_type == "EC" and self.parameters and self.parameters[0] == 0x06:
            try:
                return decode_oid(elements(self.parameters)[0][2])
            except ParseError:
                return None
        return None

    @property
    def explicit_parameters(self) -> bool:
        return self.key_type == "EC" and self.parameters is not None and self.parameters[:1] == b"\x30"

    @property
    def rsa_numbers(self) -> Optional[tuple[int, int]]:
        """(modulus, public exponent) of an RSA key, None if not RSA or malformed."""
        if self.key_type != "RSA":
            return None
        try:
            n, e = read_rsa_public_key(self.public_key, file=FILE)
        except ParseError:
            return None
        return n.value, e.value

    @property
    def negative_integers(self) -> bool:
        """True when a key integer is DER-encoded as negative (read unsigned, reported as a warning)."""
        try:
            return any(k.negative_encoding for k in read_rsa_public_key(self.public_key, file=FILE))
        except ParseError:
            return False

    @property
    def key_size(self) -> Optional[int]:
        """RSA modulus bits, or EC field size in bits from the point length."""
        nums = self.rsa_numbers
        if nums:
            return nums[0].bit_length()
        if self.key_type == "EC" and self.public_key[:1] == b"\x04":
            return (len(self.public_key) - 1) // 2 * 8
        return None


def parse_spki(spki: bytes, *, file: Optional[str] = FILE, base: int = 0) -> tuple[str, Optional[bytes], bytes]:
    """(algorithm OID, parameters DER, public key bits) of a SubjectPublicKeyInfo."""
    check_structure(spki, file=file, base=base)
    (tag, _, body, _), = elements(spki, file=file, base=base)
    parts = elements(body, file=file, base=base)
    if tag != 0x30 or len(parts) != 2 or parts[0][0] != 0x30 or parts[1][0] != 0x03:
        raise ParseError("SubjectPublicKeyInfo must hold AlgorithmIdentifier and BIT STRING", file=file, offset=base)
    alg = elements(parts[0][2], file=file, base=parts[0][3])
    if not alg or alg[0][0] != 0x06 or len(alg) > 2:
        raise ParseError("malformed AlgorithmIdentifier", file=file, offset=parts[0][3])
    bits = parts[1][2]
    if not bits or bits[0] != 0:
        raise ParseError("public key BIT STRING with unused bits", file=file, offset=parts[1][3])
    return decode_oid(alg[0][2], file=file, offset=alg[0][3]), (bytes(alg[1][1]) if len(alg) == 2 else None), bytes(bits[1:])


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG15:
    raw = bytes(raw)
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    alg, params, key = parse_spki(outer.value, file=file, base=base)
    return DG15(outer.value, alg, params, key, raw)


def build(value: DG15) -> bytes:
    return tlv.encode(TAG, value.subject_public_key_info)


def make(spki_der: bytes) -> DG15:
    """DG15 around a DER SubjectPublicKeyInfo (e.g. from cryptography's public_bytes)."""
    return parse(tlv.encode(TAG, spki_der))
