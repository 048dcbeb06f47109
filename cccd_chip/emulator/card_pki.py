"""The test PKI of a virtual card set: CSCA -> DSC (ICAO 9303-12 §7.1), optional CRL.

Deterministic: keys come from :mod:`.determinism`, and every certificate /
CRL is first built by pyca/cryptography and then re-signed with a
deterministic signature over its TBS bytes (RSA-PSS salts from the DRBG,
RFC 6979 ECDSA). A CSCA with explicit EC parameters has its
SubjectPublicKeyInfo rewritten to ``ECParameters`` (ICAO 9303-12 §4.4.6
asks for explicit parameters) before signing.

One PKI per card set: the keys depend on the profile's signer settings and
the ``set_label``, not on the card seed, so every card of a profile chains to
the same ``csca.pem``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from ..iso7816 import tlv
from ..lds import oids
from ..lds.cms import rsassa_pss_params
from . import determinism as det

UTC = dt.timezone.utc
CSCA_VALIDITY = (dt.datetime(2014, 1, 1, tzinfo=UTC), dt.datetime(2046, 1, 1, tzinfo=UTC))
DSC_VALIDITY = (dt.datetime(2021, 1, 1, tzinfo=UTC), dt.datetime(2036, 1, 1, tzinfo=UTC))
DSC_EXPIRED = (dt.datetime(2015, 1, 1, tzinfo=UTC), dt.datetime(2020, 1, 1, tzinfo=UTC))
DSC_NOT_YET_VALID = (dt.datetime(2040, 1, 1, tzinfo=UTC), dt.datetime(2045, 1, 1, tzinfo=UTC))
SIGNING_TIME = dt.datetime(2021, 6, 1, 9, 0, 0, tzinfo=UTC)
CRL_THIS_UPDATE = dt.datetime(2025, 1, 1, tzinfo=UTC)
CRL_NEXT_UPDATE = dt.datetime(2045, 1, 1, tzinfo=UTC)

# ICAO 9303-12 §7.1.1.3 Document Type List extension (2.23.136.1.1.6.2)
ID_DOCUMENT_TYPE_LIST = "2.23.136.1.1.6.2"
_PARAM_IDS = {"p256": 12, "bp256": 13, "p384": 15, "bp384": 16, "bp512": 17, "p521": 18}
_RSA_SIG_OIDS = {"sha1": oids.SHA1_WITH_RSA, "sha224": oids.SHA224_WITH_RSA, "sha256": oids.SHA256_WITH_RSA,
                 "sha384": oids.SHA384_WITH_RSA, "sha512": oids.SHA512_WITH_RSA}
_ECDSA_SIG_OIDS = {"sha1": oids.ECDSA_WITH_SHA1, "sha224": oids.ECDSA_WITH_SHA224, "sha256": oids.ECDSA_WITH_SHA256,
                   "sha384": oids.ECDSA_WITH_SHA384, "sha512": oids.ECDSA_WITH_SHA512}


@dataclass(frozen=True)
class SignerSpec:
    """How a certificate or CMS object is signed: key, scheme, hash."""

    key_spec: str  # rsa2048 | p256 | bp384 ...
    scheme: str  # pkcs1 | pss | ecdsa
    hash: str  # sha256 ...


@dataclass(frozen=True)
class Issued:
    cert_der: bytes
    key: object
    spec: SignerSpec

    @property
    def pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.cert_der).public_bytes(serialization.Encoding.PEM)

    @property
    def serial(self) -> int:
        return x509.load_der_x509_certificate(self.cert_der).serial_number

    def cms_args(self, label: str) -> dict:
        """signer / signature_alg_oid / signature_params_der / digest_alg for ``lds.cms``."""
        s = self.spec
        if isinstance(self.key, rsa.RSAPrivateKey):
            if s.scheme == "pss":
                oid, params = oids.RSASSA_PSS, rsassa_pss_params(s.hash, det.HASHES[s.hash]().digest_size)
            else:
                oid, params = _RSA_SIG_OIDS[s.hash], None
        else:
            oid, params = _ECDSA_SIG_OIDS[s.hash], None
        return {"signer": det.signer(self.key, s.scheme, s.hash, label), "signature_alg_oid": oid,
                "signature_params_der": params, "digest_alg": s.hash}


@dataclass(frozen=True)
class CardPki:
    csca: Issued
    dsc: Issued
    crl_der: Optional[bytes]
    csca_trusted: Issued  # what csca.pem exports (differs from ``csca`` for the unknown-CSCA fault)


def _name(country: str, cn: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cccd-chip Test Authority"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST ONLY - not a real document"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                         crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def _builder_sign_args(key, spec: SignerSpec) -> dict:
    h = det.HASHES[spec.hash]()
    if isinstance(key, rsa.RSAPrivateKey) and spec.scheme == "pss":
        return {"private_key": key, "algorithm": h,
                "rsa_padding": padding.PSS(padding.MGF1(h), h.digest_size)}
    return {"private_key": key, "algorithm": h}


def _split_signed(der: bytes) -> tuple[bytes, bytes]:
    """(TBS element, signatureAlgorithm element) of a certificate or CRL."""
    outer = tlv.read_header(der, 0)
    items = list(tlv.iter_tlv(der, outer.header_len, outer.total_len))
    raw = []
    for it in items[:2]:
        end = it.offset + tlv.read_header(der, it.offset).total_len
        raw.append(der[it.offset:end])
    return raw[0], raw[1]


def _resign(der: bytes, key, spec: SignerSpec, label: str, *, tbs: Optional[bytes] = None) -> bytes:
    old_tbs, alg = _split_signed(der)
    tbs = tbs or old_tbs
    sig = det.signer(key, spec.scheme, spec.hash, label)(tbs)
    return tlv.encode(0x30, tbs + alg + tlv.encode(0x03, b"\x00" + sig))


def explicit_spki(public_key: ec.EllipticCurvePublicKey, key_spec: str) -> bytes:
    """SubjectPublicKeyInfo with explicit ECParameters (X9.62 / RFC 3279 §2.3.5)."""
    from ..crypto import domain_params
    from ..lds.security_infos import build_subject_public_key

    domain = domain_params.standard(_PARAM_IDS[key_spec])
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return build_subject_public_key(domain, domain.decode(point), explicit=True)


def _with_spki(tbs_der: bytes, spki_der: bytes) -> bytes:
    tbs = a_x509.TbsCertificate.load(tbs_der)
    tbs["subject_public_key_info"] = a_keys.PublicKeyInfo.load(spki_der)
    return tbs.dump(force=False)


def make_csca(country: str, spec: SignerSpec, *, label: str, serial: int = 1,
              explicit: bool = False) -> Issued:
    """A self-signed CSCA: CA, pathLen 0, keyCertSign + cRLSign, SKI = AKI (9303-12 Table 6)."""
    key = det.key_for(spec.key_spec, f"csca|{label}")
    name = _name(country, f"CSCA {country} TEST {label}")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(serial).not_valid_before(CSCA_VALIDITY[0]).not_valid_after(CSCA_VALIDITY[1])
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(_key_usage(cert_sign=True), critical=True)
         .add_extension(ski, critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False))
    der = b.sign(**_builder_sign_args(key, spec)).public_bytes(serialization.Encoding.DER)
    tbs = None
    if explicit:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("explicit parameters need an EC CSCA key")
        tbs = _with_spki(_split_signed(der)[0], explicit_spki(key.public_key(), spec.key_spec))
    return Issued(_resign(der, key, spec, f"csca-cert|{label}", tbs=tbs), key, spec)


def make_dsc(csca: Issued, spec: SignerSpec, *, label: str, serial: int = 0x1001,
             validity: tuple[dt.datetime, dt.datetime] = DSC_VALIDITY, doc_types: tuple[str, ...] = ("ID",)) -> Issued:
    """A Document Signer certificate: digitalSignature, AKI, SKI, Document Type List (9303-12 §7.1.1)."""
    issuer = x509.load_der_x509_certificate(csca.cert_der)
    country = str(issuer.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    key = det.key_for(spec.key_spec, f"dsc|{label}")
    csca_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    doc_list = tlv.encode(0x30, tlv.encode(0x02, b"\x00") + tlv.encode(
        0x31, b"".join(sorted(tlv.encode(0x13, t.encode()) for t in doc_types))))
    b = (x509.CertificateBuilder().subject_name(_name(str(country), f"DS {country} TEST {label}"))
         .issuer_name(issuer.subject).public_key(key.public_key()).serial_number(serial)
         .not_valid_before(validity[0]).not_valid_after(validity[1])
         .add_extension(_key_usage(cert_sign=False), critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(csca_ski), critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(ID_DOCUMENT_TYPE_LIST), doc_list),
                        critical=False))
    der = b.sign(**_builder_sign_args(csca.key, csca.spec)).public_bytes(serialization.Encoding.DER)
    return Issued(_resign(der, csca.key, csca.spec, f"dsc-cert|{label}"), key, spec)


def make_crl(csca: Issued, revoked: tuple[int, ...], *, label: str) -> bytes:
    """A CRL of ``csca`` (9303-12 §7.1.4: CRL number, AKI) revoking ``revoked`` serials."""
    issuer = x509.load_der_x509_certificate(csca.cert_der)
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
         .last_update(CRL_THIS_UPDATE).next_update(CRL_NEXT_UPDATE)
         .add_extension(x509.CRLNumber(1), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False))
    for s in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(s).revocation_date(CRL_THIS_UPDATE).build())
    der = b.sign(**_builder_sign_args(csca.key, csca.spec)).public_bytes(serialization.Encoding.DER)
    return _resign(der, csca.key, csca.spec, f"crl|{label}")


def make_card_pki(country: str, csca_spec: SignerSpec, dsc_spec: SignerSpec, *, set_label: str,
                  explicit_csca: bool = False, doc_types: tuple[str, ...] = ("ID",),
                  faults: frozenset = frozenset()) -> CardPki:
    """The PKI of one card set, with the PKI faults applied (each changes exactly one object)."""
    csca = make_csca(country, csca_spec, label=set_label, explicit=explicit_csca)
    trusted = csca
    if "csca-unknown" in faults:
        csca = make_csca(country, csca_spec, label=set_label + "|rogue", serial=66, explicit=explicit_csca)
    validity = DSC_VALIDITY
    if "dsc-expired" in faults:
        validity = DSC_EXPIRED
    elif "dsc-not-yet-valid" in faults:
        validity = DSC_NOT_YET_VALID
    dsc_label = set_label + ("|" + "+".join(sorted(f for f in faults if f.startswith(("dsc-", "csca-")))) if any(
        f.startswith(("dsc-", "csca-")) for f in faults) else "")
    serial = 0x1001 if validity is DSC_VALIDITY else 0x1002 if validity is DSC_EXPIRED else 0x1003
    dsc = make_dsc(csca, dsc_spec, label=dsc_label, serial=serial, validity=validity, doc_types=doc_types)
    revoked = (dsc.serial,) if "dsc-revoked" in faults else ()
    crl = make_crl(trusted, revoked, label=set_label + ("|revoked" if revoked else ""))
    return CardPki(csca, dsc, crl, trusted)


def key_pem(key) -> bytes:
    """PKCS#8 PEM of a private key (unencrypted: test keys only)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()
