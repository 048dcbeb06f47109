"""Terminal Authentication as pure steps (BSI TR-03110-1 §3.3 / -3 §B.3, B.11; ICAO 9303-11 §7.1).

The APDUs (TR-03110-3 §B.11.1, B.11.4-B.11.6):

======================  =====================  =============================================
step                    command                data
======================  =====================  =============================================
select a verifier key   MSE:Set DST 0022 81B6  83 CAR (the key that signed the next certificate)
import a certificate    PSO:Verify 002A 00BE   7F4E body || 5F37 signature (chained if long)
select the terminal     MSE:Set AT 0022 81A4   [80 id-TA OID] 83 CHR [67 aux data] [91 Comp(PK)]
challenge               GET CHALLENGE 0084     Le 8 -> r_PICC
prove the key           EXTERNAL AUTH. 0082    s = Sign(SK_PCD, ID_PICC || r_PICC || Comp(PK_PCD) [|| aux])
======================  =====================  =============================================

- ID_PICC (TR-03110-3 §B.11.6; ICAO 9303-11 §7.1.3): after BAC the document
  number with its check digit as in the MRZ; after PACE ``Comp(~PK_PICC)`` of the
  chip's ephemeral PACE key.
- ``Comp`` (TR-03110-3 §A.2.2.3): the x-coordinate for ECDH, SHA-1 of the public
  value for DH.
- TA version 1 (EAC1, ICAO 9303-11 §7.1): after Chip Authentication v1; PK_PCD is
  the terminal's ephemeral CA key already sent; MSE:Set AT carries only 83.
- TA version 2 (after PACE, before CA; TR-03110-1 §3.3): MSE:Set AT carries 80
  and ``91 Comp(PK_PCD)`` of the ephemeral key the terminal will use in CA.

Chip answers (what real chips do; TR-03110-3 Table B.? and the emulator): 6A88 for an unknown
CAR/CHR, 6300 for a certificate or terminal signature that does not verify,
6A80 for a malformed or expired certificate, 6982/6985 out of sequence.
"""

from __future__ import annotations

import hashlib
from typing import Optional

from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu
from ..lds.security_infos import oid_to_bytes
from .cvc import CvCertificate, encode_reference

CHALLENGE_LENGTH = 8
CHAIN_CHUNK = 200  # plain bytes per chained PSO command: fits one short APDU under secure messaging


def comp(public_key: bytes, key_agreement: str) -> bytes:
    """Comp(PK) (TR-03110-3 §A.2.2.3): ECDH x-coordinate of an uncompressed point; DH SHA-1(value)."""
    if key_agreement == "ECDH":
        if not public_key or public_key[0] != 0x04 or len(public_key) % 2 != 1:
            raise ValueError("Comp() needs an uncompressed EC point")
        size = (len(public_key) - 1) // 2
        return bytes(public_key[1 : 1 + size])
    return hashlib.sha1(public_key).digest()


def id_picc_bac(mrz_information: bytes) -> bytes:
    """ID_PICC after BAC: document number (9 characters) and its check digit from the MRZ information."""
    return bytes(mrz_information[:10])


def signed_message(id_picc: bytes, r_picc: bytes, comp_pk_pcd: bytes, aux: bytes = b"") -> bytes:
    """ID_PICC || r_PICC || Comp(PK_PCD) || [auxiliary data] (TR-03110-3 §B.11.6)."""
    return bytes(id_picc) + bytes(r_picc) + bytes(comp_pk_pcd) + bytes(aux)


def mse_set_dst(car: str) -> CommandApdu:
    """MSE:Set DST (00 22 81 B6, 83 CAR): the public key that verifies the next certificate."""
    return CommandApdu(0x00, 0x22, 0x81, 0xB6, tlv.encode(0x83, encode_reference(car)))


def pso_verify_certificate(cert: CvCertificate, *, chunk: Optional[int] = CHAIN_CHUNK) -> list[CommandApdu]:
    """PSO:Verify Certificate (00 2A 00 BE) with body and signature; command chaining (CLA 10)
    in pieces of ``chunk`` bytes when longer, one (extended if needed) APDU when ``chunk`` is None."""
    data = cert.pso_data
    if chunk is None or len(data) <= chunk:
        return [CommandApdu(0x00, 0x2A, 0x00, 0xBE, data)]
    parts = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    return [CommandApdu(0x10 if i < len(parts) - 1 else 0x00, 0x2A, 0x00, 0xBE, p) for i, p in enumerate(parts)]


def mse_set_at(chr: str, *, oid: Optional[str] = None, comp_pk: Optional[bytes] = None,
               aux: Optional[bytes] = None) -> CommandApdu:
    """MSE:Set AT for TA (00 22 81 A4): [80 OID] 83 CHR [67 aux] [91 Comp(PK_PCD)] (TR-03110-3 §B.11.1)."""
    data = b""
    if oid is not None:
        data += tlv.encode(0x80, oid_to_bytes(oid))
    data += tlv.encode(0x83, encode_reference(chr))
    if aux:
        data += tlv.encode(0x67, aux)
    if comp_pk is not None:
        data += tlv.encode(0x91, comp_pk)
    return CommandApdu(0x00, 0x22, 0x81, 0xA4, data)


def get_challenge() -> CommandApdu:
    return CommandApdu(0x00, 0x84, 0x00, 0x00, b"", CHALLENGE_LENGTH)


def external_authenticate(signature: bytes) -> CommandApdu:
    """EXTERNAL AUTHENTICATE (00 82 00 00) with the terminal's signature, no response data."""
    return CommandApdu(0x00, 0x82, 0x00, 0x00, bytes(signature))


def parse_mse_set_at(data: bytes) -> dict[int, bytes]:
    """Chip side / tests: the data objects of a TA MSE:Set AT (each tag once); ParseError when malformed."""
    from ..errors import ParseError

    out: dict[int, bytes] = {}
    for it in tlv.decode(data, file="MSE:Set AT"):
        if it.tag not in (0x80, 0x83, 0x67, 0x91) or it.tag in out:
            raise ParseError(f"unexpected data object {it.tag:02X} in MSE:Set AT (TA)", file="MSE:Set AT")
        out[it.tag] = it.value
    return out
