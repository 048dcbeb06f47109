"""The test EAC PKI of a virtual card set (BSI TR-03110-3 §2.2): CVCA -> link -> DV -> IS.

Every card set (profile with EAC-protected data groups) gets a country-verifying CA
with two generations of keys, a link certificate between them, a domestic document
verifier and one inspection system, all on brainpoolP256r1 with id-TA-ECDSA-SHA-256
(the curve and algorithm the BSI test PKI uses). The chip trusts the *first* CVCA key
(EF.CVCA names it): a terminal must present the link certificate, the DV and its IS
certificate, as in the field after a CVCA key rollover. Written in the card folder::

    eac/chain/cvca.cvcert   CVCA 00001 (self-signed; the chip's trust point, the host's offline anchor)
    eac/chain/link.cvcert   CVCA 00002 signed by 00001 (link certificate)
    eac/chain/dv.cvcert     domestic DV, read DG3 + DG4, issued by CVCA 00002
    eac/chain/is.cvcert     inspection system, read DG3 + DG4, issued by the DV
    eac/is_key.pem          the IS private key (PKCS#8 PEM) - TEST KEY, for tests and `make demo`

Deterministic (keys from the personalisation DRBG, RFC 6979 signatures). Validity
periods are long on purpose (a test PKI must not expire under the test suite); the
faults (:mod:`.faults`) change exactly one object each:

- ``ta-is-expired``: the IS certificate was valid 2021-2022 only;
- ``ta-wrong-car``: the chip trusts another CVCA key (EF.CVCA names it); the chain
  in the folder does not start from it;
- ``ta-dv-no-dg3``: the DV certificate grants DG4 only (effective rights lack DG3);
- ``ta-skipped``: the chip serves DG3/DG4 without Terminal Authentication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec as _ossl_ec

from ..crypto import ec as _ec
from ..eac import chat as chat_mod
from ..eac import cvc, ef_cvca, oids
from . import determinism as det

KEY_SPEC = "bp256"
CURVE = "brainpoolP256r1"
HASH = "sha256"
ALGORITHM = oids.ecdsa_oid(HASH)
CHIP_DATE = dt.date(2021, 6, 1)  # the chip's current date at personalisation

CVCA_VALIDITY = (dt.date(2021, 1, 1), dt.date(2046, 1, 1))
LINK_VALIDITY = (dt.date(2024, 1, 1), dt.date(2049, 1, 1))
DV_VALIDITY = (dt.date(2025, 1, 1), dt.date(2045, 1, 1))
IS_VALIDITY = (dt.date(2025, 6, 1), dt.date(2040, 1, 1))
IS_EXPIRED = (dt.date(2021, 1, 1), dt.date(2022, 1, 1))

EAC_FAULTS = ("ta-is-expired", "ta-wrong-car", "ta-dv-no-dg3", "ta-skipped")


@dataclass(frozen=True)
class EacPki:
    """The certificates of one card set and the chip's trust point."""

    cvca: cvc.CvCertificate
    link: cvc.CvCertificate
    dv: cvc.CvCertificate
    inspection_system: cvc.CvCertificate
    is_key_pem: bytes
    chip_trust_point: cvc.CvCertificate  # the CVCA certificate the chip holds

    @property
    def ef_cvca(self) -> bytes:
        return ef_cvca.build([self.chip_trust_point.chr])

    def files(self) -> dict[str, bytes]:
        """Folder-relative path -> bytes of what the card folder holds for terminals."""
        return {"eac/chain/cvca.cvcert": self.cvca.raw, "eac/chain/link.cvcert": self.link.raw,
                "eac/chain/dv.cvcert": self.dv.raw, "eac/chain/is.cvcert": self.inspection_system.raw,
                "eac/is_key.pem": self.is_key_pem}


def _key(label: str) -> _ossl_ec.EllipticCurvePrivateKey:
    return det.ec_key(KEY_SPEC, f"eac|{label}")


def _public(key: _ossl_ec.EllipticCurvePrivateKey, *, with_domain: bool) -> cvc.CvcPublicKey:
    curve = _ec.curve_by_name(CURVE)
    nums = key.public_key().public_numbers()
    return cvc.ec_public_key(ALGORITHM, curve, _ec.Point(nums.x, nums.y), with_domain=with_domain)


def _signer(key: _ossl_ec.EllipticCurvePrivateKey) -> cvc.Sign:
    return lambda body: det.ecdsa_plain(key, body, HASH)


def make_eac_pki(country: str, set_label: str, faults: "frozenset[str]" = frozenset()) -> EacPki:
    """The EAC PKI of the card set ``set_label`` (same for every card of a profile)."""
    cc = country.upper()[:2]
    cvca1_key, cvca2_key = _key(f"{set_label}|cvca1"), _key(f"{set_label}|cvca2")
    dv_key, is_key = _key(f"{set_label}|dv"), _key(f"{set_label}|is")
    full = chat_mod.inspection_system(chat_mod.ROLE_CVCA, dg3=True, dg4=True)
    cvca1_chr, cvca2_chr = f"{cc}TESTCVCA00001", f"{cc}TESTCVCA00002"
    cvca = cvc.build_certificate(cvca1_chr, _public(cvca1_key, with_domain=True), cvca1_chr, full,
                                 *CVCA_VALIDITY, _signer(cvca1_key))
    link = cvc.build_certificate(cvca1_chr, _public(cvca2_key, with_domain=True), cvca2_chr, full,
                                 *LINK_VALIDITY, _signer(cvca1_key))
    dv_chat = chat_mod.inspection_system(chat_mod.ROLE_DV_DOMESTIC, dg3="ta-dv-no-dg3" not in faults, dg4=True)
    dv_chr = f"{cc}TESTDV00001"
    dv = cvc.build_certificate(cvca2_chr, _public(dv_key, with_domain=False), dv_chr, dv_chat,
                               *DV_VALIDITY, _signer(cvca2_key))
    is_chat = chat_mod.inspection_system(chat_mod.ROLE_TERMINAL, dg3=True, dg4=True)
    validity = IS_EXPIRED if "ta-is-expired" in faults else IS_VALIDITY
    inspection = cvc.build_certificate(dv_chr, _public(is_key, with_domain=False), f"{cc}TESTIS00001", is_chat,
                                       *validity, _signer(dv_key))
    trust = cvca
    if "ta-wrong-car" in faults:  # the chip was personalised with another CVCA's key
        other_key = _key(f"{set_label}|cvca-other")
        other_chr = f"{cc}OTHRCVCA00001"
        trust = cvc.build_certificate(other_chr, _public(other_key, with_domain=True), other_chr, full,
                                      *CVCA_VALIDITY, _signer(other_key))
    pem = is_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
    return EacPki(cvca, link, dv, inspection, pem, trust)
