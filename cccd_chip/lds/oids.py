"""LDS and PKI object identifiers, in one place (ICAO 9303-10 §4.6, 9303-12, RFC 5652/5754/8017/5480).

The BSI/ICAO protocol OIDs (PACE, CA, TA, AA infos) live with the SecurityInfos
code; this module holds the content types, digest and signature algorithms and
CMS attributes used by EF.SOD, EF.CardSecurity and CSCA master lists.

This is the only module that touches asn1crypto's global registries: it adds
names for the ICAO content types so asn1crypto does not reject them.
"""

from __future__ import annotations

from typing import Final

from asn1crypto import cms as _cms

# --- ICAO content types (ICAO 9303-10 §4.6.2, 9303-12 §9) -------------------
ID_ICAO: Final = "2.23.136.1.1"
ID_ICAO_LDS_SECURITY_OBJECT: Final = "2.23.136.1.1.1"
ID_ICAO_CSCA_MASTER_LIST: Final = "2.23.136.1.1.2"
ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY: Final = "2.23.136.1.1.3"
ID_ICAO_DEVIANCE_LIST: Final = "2.23.136.1.1.7"
ID_ICAO_DEVIANCE_LIST_SIGNING_KEY: Final = "2.23.136.1.1.8"
ID_ICAO_LDS2: Final = "2.23.136.1.1.10"
# BSI TR-03110-3 §A.1.2.5: content type of EF.CardSecurity / EF.ChipSecurity
ID_SECURITY_OBJECT: Final = "0.4.0.127.0.7.3.2.1"
# legacy LDSSecurityObject content type seen on some documents (allow-list only)
ID_LEGACY_LDS_SECURITY_OBJECT: Final = "1.3.27.1.1.1"

# --- CMS (RFC 5652) ---------------------------------------------------------
ID_DATA: Final = "1.2.840.113549.1.7.1"
ID_SIGNED_DATA: Final = "1.2.840.113549.1.7.2"
ID_CONTENT_TYPE: Final = "1.2.840.113549.1.9.3"
ID_MESSAGE_DIGEST: Final = "1.2.840.113549.1.9.4"
ID_SIGNING_TIME: Final = "1.2.840.113549.1.9.5"

# --- digests (RFC 5754, NIST) -----------------------------------------------
DIGESTS: Final[dict[str, str]] = {
    "sha1": "1.3.14.3.2.26",
    "sha224": "2.16.840.1.101.3.4.2.4",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}
DIGEST_NAMES: Final[dict[str, str]] = {v: k for k, v in DIGESTS.items()}
FORBIDDEN_DIGESTS: Final[dict[str, str]] = {"md5": "1.2.840.113549.2.5"}

# --- signature algorithms ---------------------------------------------------
RSA_ENCRYPTION: Final = "1.2.840.113549.1.1.1"
RSASSA_PSS: Final = "1.2.840.113549.1.1.10"
MGF1: Final = "1.2.840.113549.1.1.8"
SHA1_WITH_RSA: Final = "1.2.840.113549.1.1.5"
SHA224_WITH_RSA: Final = "1.2.840.113549.1.1.14"
SHA256_WITH_RSA: Final = "1.2.840.113549.1.1.11"
SHA384_WITH_RSA: Final = "1.2.840.113549.1.1.12"
SHA512_WITH_RSA: Final = "1.2.840.113549.1.1.13"
EC_PUBLIC_KEY: Final = "1.2.840.10045.2.1"
ECDSA_WITH_SHA1: Final = "1.2.840.10045.4.1"
ECDSA_WITH_SHA224: Final = "1.2.840.10045.4.3.1"
ECDSA_WITH_SHA256: Final = "1.2.840.10045.4.3.2"
ECDSA_WITH_SHA384: Final = "1.2.840.10045.4.3.3"
ECDSA_WITH_SHA512: Final = "1.2.840.10045.4.3.4"
# BSI TR-03111 §5.2.1 plain ECDSA signatures (r||s)
ECDSA_PLAIN_SHA1: Final = "0.4.0.127.0.7.1.1.4.1.1"
ECDSA_PLAIN_SHA224: Final = "0.4.0.127.0.7.1.1.4.1.2"
ECDSA_PLAIN_SHA256: Final = "0.4.0.127.0.7.1.1.4.1.3"
ECDSA_PLAIN_SHA384: Final = "0.4.0.127.0.7.1.1.4.1.4"
ECDSA_PLAIN_SHA512: Final = "0.4.0.127.0.7.1.1.4.1.5"
DSA: Final = "1.2.840.10040.4.1"
DH_PUBLIC_NUMBER: Final = "1.2.840.10046.2.1"

SIGNATURE_NAMES: Final[dict[str, str]] = {
    RSA_ENCRYPTION: "rsaEncryption",
    RSASSA_PSS: "RSASSA-PSS",
    SHA1_WITH_RSA: "sha1WithRSAEncryption",
    SHA224_WITH_RSA: "sha224WithRSAEncryption",
    SHA256_WITH_RSA: "sha256WithRSAEncryption",
    SHA384_WITH_RSA: "sha384WithRSAEncryption",
    SHA512_WITH_RSA: "sha512WithRSAEncryption",
    ECDSA_WITH_SHA1: "ecdsa-with-SHA1",
    ECDSA_WITH_SHA224: "ecdsa-with-SHA224",
    ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
    ECDSA_WITH_SHA384: "ecdsa-with-SHA384",
    ECDSA_WITH_SHA512: "ecdsa-with-SHA512",
    ECDSA_PLAIN_SHA1: "ecdsa-plain-SHA1",
    ECDSA_PLAIN_SHA224: "ecdsa-plain-SHA224",
    ECDSA_PLAIN_SHA256: "ecdsa-plain-SHA256",
    ECDSA_PLAIN_SHA384: "ecdsa-plain-SHA384",
    ECDSA_PLAIN_SHA512: "ecdsa-plain-SHA512",
    EC_PUBLIC_KEY: "ecPublicKey",
    DSA: "dsa",
}

CONTENT_TYPE_NAMES: Final[dict[str, str]] = {
    ID_ICAO_LDS_SECURITY_OBJECT: "ldsSecurityObject",
    ID_ICAO_CSCA_MASTER_LIST: "cscaMasterList",
    ID_ICAO_DEVIANCE_LIST: "devianceList",
    ID_SECURITY_OBJECT: "securityObject",
    ID_DATA: "data",
    ID_SIGNED_DATA: "signedData",
}


def name(oid: str) -> str:
    """A human name for a known OID, else the dotted form."""
    return (
        DIGEST_NAMES.get(oid)
        or SIGNATURE_NAMES.get(oid)
        or CONTENT_TYPE_NAMES.get(oid)
        or {ID_CONTENT_TYPE: "contentType", ID_MESSAGE_DIGEST: "messageDigest", ID_SIGNING_TIME: "signingTime"}.get(oid)
        or oid
    )


def digest_oid(alg: str) -> str:
    """Accept 'sha256', 'SHA-256' or a dotted OID; return the dotted OID."""
    key = alg.lower().replace("-", "").replace("_", "")
    if key in DIGESTS:
        return DIGESTS[key]
    if alg in DIGEST_NAMES:
        return alg
    raise ValueError(f"unknown digest algorithm {alg!r}")


def _register() -> None:
    """Let asn1crypto name the ICAO/BSI content types (does not change parsing)."""
    for oid, nm in (
        (ID_ICAO_LDS_SECURITY_OBJECT, "icao_lds_security_object"),
        (ID_ICAO_CSCA_MASTER_LIST, "icao_csca_master_list"),
        (ID_ICAO_DEVIANCE_LIST, "icao_deviance_list"),
        (ID_SECURITY_OBJECT, "bsi_security_object"),
    ):
        _cms.ContentType._map.setdefault(oid, nm)


_register()
