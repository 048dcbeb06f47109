"""Public-key integers read unsigned, in one place (X.690 §8.3; RFC 8017 §A.1.1; RFC 3279 §2.3).

An RSA modulus, an exponent, DSA p/q/g/y and a DH public value are positive by
definition, but some issuers DER-encode them as if they were unsigned: the
first content octet is >= 0x80 without the leading ``00`` (seen in a DG15 in
the field; pyca/cryptography and OpenSSL then read a negative number and
refuse the key). Every key loader of the project (DSC and CSCA keys via
``crypto.signatures.load_public_key``, DG15, DG14's DH keys) reads key
integers through :func:`read_key_integer`, which takes the magnitude and says
whether the encoding would have been negative, so the verifier can report it
as a warning (``KEY_INTEGER_NEGATIVE``) without rejecting a genuine document.

This tolerance never reaches signed bytes: the key bytes are hashed (DG15,
DG14) or signed (certificates) exactly as received; only their reading as a
number changes.
"""

from __future__ import annotations

from typing import Optional

from ..errors import ParseError
from ..frozen import frozen_dataclass

MAX_KEY_INTEGER_LEN = 2049  # 16384-bit modulus + a leading 00


@frozen_dataclass
class KeyInteger:
    """A key integer's value and whether its DER encoding was negative (first bit set)."""

    value: int
    negative_encoding: bool = False


def read_key_integer(content: bytes, *, what: str = "key integer", file: Optional[str] = None) -> KeyInteger:
    """The unsigned value of INTEGER contents ``content`` (without tag and length)."""
    if not content:
        raise ParseError(f"{what}: empty INTEGER", file=file)
    if len(content) > MAX_KEY_INTEGER_LEN:
        raise ParseError(f"{what}: INTEGER of {len(content)} bytes is too long", file=file)
    return KeyInteger(int.from_bytes(content, "big"), bool(content[0] & 0x80))


def read_key_integer_element(element: bytes, *, what: str = "key integer", file: Optional[str] = None) -> KeyInteger:
    """The unsigned value of one whole DER INTEGER element (``02 L V``), nothing after it."""
    from ..lds._der import single

    _, _, vs, ve = single(element, 0, len(element), 0x02, what, file=file)
    return read_key_integer(element[vs:ve], what=what, file=file)


def read_rsa_public_key(der: bytes, *, file: Optional[str] = None) -> tuple[KeyInteger, KeyInteger]:
    """(modulus, publicExponent) of an RSAPublicKey SEQUENCE (RFC 8017 §A.1.1), read unsigned."""
    from ..lds._der import children, single

    _, _, vs, ve = single(der, 0, len(der), 0x30, "RSAPublicKey", file=file)
    parts = children(der, vs, ve, file=file)
    if len(parts) != 2 or parts[0][0] != 0x02 or parts[1][0] != 0x02:
        raise ParseError("RSAPublicKey must hold two INTEGERs", file=file)
    n = read_key_integer(der[parts[0][2] : parts[0][3]], what="RSA modulus", file=file)
    e = read_key_integer(der[parts[1][2] : parts[1][3]], what="RSA public exponent", file=file)
    return n, e


__all__ = ["KeyInteger", "read_key_integer", "read_key_integer_element", "read_rsa_public_key"]
