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

Two shapes. ``generic``: a compact CSCA -> DSC pair named "... TEST <set>".
``vn-cccd``: the shape of the real Vietnamese CCCD PKI (cccd-chip-facts §7a,
``../shared/data/cscas/``): a self-signed P-384 CSCA signing with
ecdsa-with-SHA384, pathLen 0, a 20-byte serial, a privateKeyUsagePeriod of
five years inside a 25-year validity (Decree 68/2024 Art. 26) and a CRL
distribution point; DSCs on brainpoolP384r1 with a three-month
privateKeyUsagePeriod. Every name says TEST and every URL ends in
``.invalid``: it is never confusable with the real ``CN=CSCA Vietnam``.
The ``cccd-2021`` and ``cccd-2024`` profiles share this CSCA (one CSCA
system for every generation of the card) and have their own DSCs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

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

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

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
    key: det.SigningKey
    spec: SignerSpec

    @property
    def pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.cert_der).public_bytes(serialization.Encoding.PEM)

    @property
    def serial(self) -> int:
        return x509.load_der_x509_certificate(self.cert_der).serial_number

    def cms_args(self, label: str) -> dict[str, Any]:
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
    signing_time: dt.datetime = SIGNING_TIME  # signingTime of the SOD / EF.CardSecurity


# --- the vn-cccd shape (cccd-chip-facts §7a; the real certificate in ../shared/data/cscas/) ---

VN_CSCA_CN = "CSCA Vietnam TEST"
VN_ORG = "cccd-chip Test Authority"
VN_OU = "TEST ONLY - not a real document"
VN_CRL_URL = "http://csca-vietnam.test.invalid/csca-vietnam-test.crl"
# the real CSCA's dates: certificate 2021-01-19 .. 2046-04-13, key usable to 2026-01-21
VN_CSCA_VALIDITY = (dt.datetime(2021, 1, 19, 18, 11, 36, tzinfo=UTC), dt.datetime(2046, 4, 13, 18, 11, 36, tzinfo=UTC))
VN_CSCA_KEY_USAGE = (VN_CSCA_VALIDITY[0], dt.datetime(2026, 1, 21, 18, 11, 36, tzinfo=UTC))
VN_CSCA_SPEC = SignerSpec("p384", "ecdsa", "sha384")
DS_KEY_MONTHS = 3  # Decree 68/2024: a DS key is used at most 3 months (or 100,000 cards)
DS_CERT_YEARS = 22  # Decree 68/2024: a DS certificate lives at most 22 years
# per card generation: when its DS key was issued and the SOD signed (invented, inside the CSCA key period)
VN_ISSUED = {2021: dt.datetime(2021, 6, 1, tzinfo=UTC), 2024: dt.datetime(2024, 7, 1, tzinfo=UTC)}
VN_DSC_EXPIRED = (dt.datetime(2021, 2, 1, tzinfo=UTC), dt.datetime(2023, 2, 1, tzinfo=UTC))


def add_months(t: dt.datetime, months: int) -> dt.datetime:
    """``t`` plus whole calendar months (day clamped to 28 so every month has it)."""
    m = t.month - 1 + months
    return t.replace(year=t.year + m // 12, month=m % 12 + 1, day=min(t.day, 28))


def vn_name(cn: str, serial: str = "001") -> x509.Name:
    """C=VN, O/OU saying TEST, serialNumber (``001`` as in the real CSCA's name; successors count on), CN."""
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, VN_ORG),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, VN_OU),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, serial),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _serial20(label: str) -> int:
    """A positive 20-byte serial number from the DRBG (the real CSCA has one)."""
    return int.from_bytes(det.Drbg(f"serial|{label}")(20), "big") >> 1 | (1 << 150)


def _pkup(start: dt.datetime, end: dt.datetime) -> x509.UnrecognizedExtension:
    """privateKeyUsagePeriod (RFC 5280 §4.2.1 / X.509 §8.2.2.5): SEQUENCE { [0] notBefore, [1] notAfter }.

    Encoded here (GeneralizedTime, IMPLICIT tags) rather than with
    ``x509.PrivateKeyUsagePeriod``, which the oldest supported cryptography lacks.
    """
    def gt(tag: int, t: dt.datetime) -> bytes:
        return tlv.encode(tag, t.astimezone(UTC).strftime("%Y%m%d%H%M%SZ").encode())

    return x509.UnrecognizedExtension(x509.ObjectIdentifier(OID_PKUP), tlv.encode(0x30, gt(0x80, start) + gt(0x81, end)))


OID_PKUP = "2.5.29.16"


def _crl_dp(url: str = VN_CRL_URL) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)])


def make_vn_csca(*, label: str = "vn-cccd", cn: str = VN_CSCA_CN,
                 validity: tuple[dt.datetime, dt.datetime] = VN_CSCA_VALIDITY,
                 key_usage_period: tuple[dt.datetime, dt.datetime] = VN_CSCA_KEY_USAGE,
                 spec: SignerSpec = VN_CSCA_SPEC, name_serial: str = "001") -> Issued:
    """A self-signed CSCA shaped like ``CSCA Vietnam`` (ICAO 9303-12 Table 6; RFC 5280 §4.2.1.4 PKUP).

    Extensions in the real certificate's order: basicConstraints (critical,
    CA, pathLen 0), AKI = SKI, CRL distribution point, SKI,
    privateKeyUsagePeriod, keyUsage (critical, keyCertSign + cRLSign).
    """
    key = det.key_for(spec.key_spec, f"csca|{label}")
    name = vn_name(cn, name_serial)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(_serial20(f"csca|{label}")).not_valid_before(validity[0]).not_valid_after(validity[1])
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
         .add_extension(_crl_dp(), critical=False)
         .add_extension(ski, critical=False)
         .add_extension(_pkup(key_usage_period[0], key_usage_period[1]), critical=False)
         .add_extension(_key_usage(cert_sign=True), critical=True))
    der = b.sign(**_builder_sign_args(key, spec)).public_bytes(serialization.Encoding.DER)
    return Issued(_resign(der, key, spec, f"csca-cert|{label}"), key, spec)


def make_vn_link(old: Issued, new: Issued, *, label: str) -> Issued:
    """A link certificate (ICAO 9303-12 §5.2): ``new``'s name and key, signed by ``old``'s key.

    Both directions are built with it: old -> new (the new key vouched for by
    the old one, for stores that trust the old CSCA) and new -> old (the old
    key vouched for by the new one). The CA profile (basicConstraints CA,
    keyCertSign + cRLSign), the subject's privateKeyUsagePeriod and its
    validity are kept, so a store that reaches an old key through a link
    verifies that key's old DSCs at their own dates.
    """
    subj = x509.load_der_x509_certificate(new.cert_der)
    issuer = x509.load_der_x509_certificate(old.cert_der)
    issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    pkup = subj.extensions.get_extension_for_oid(x509.ObjectIdentifier(OID_PKUP)).value
    new_pub = subj.public_key()
    b = (x509.CertificateBuilder().subject_name(subj.subject).issuer_name(issuer.subject)
         .public_key(new_pub).serial_number(_serial20(f"link|{label}"))
         .not_valid_before(subj.not_valid_before_utc).not_valid_after(subj.not_valid_after_utc)
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False)
         .add_extension(_crl_dp(), critical=False)
         .add_extension(subj.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value, critical=False)
         .add_extension(pkup, critical=False)
         .add_extension(_key_usage(cert_sign=True), critical=True))
    der = b.sign(**_builder_sign_args(old.key, old.spec)).public_bytes(serialization.Encoding.DER)
    return Issued(_resign(der, old.key, old.spec, f"link-cert|{label}"), new.key, new.spec)


def make_vn_dsc(csca: Issued, *, label: str, issued: dt.datetime, spec: SignerSpec = SignerSpec("bp384", "ecdsa", "sha256"),
                validity: Optional[tuple[dt.datetime, dt.datetime]] = None, serial: Optional[int] = None,
                doc_types: tuple[str, ...] = ("ID",)) -> Issued:
    """A Document Signer shaped like the CCCD's (facts §7a): brainpoolP384r1 key, issued by ``csca``.

    Validity: ``issued`` to ``issued`` + 22 years (capped at the CSCA's end);
    privateKeyUsagePeriod: three months from ``issued``. keyUsage
    digitalSignature (critical), AKI, SKI, CRL distribution point, Document
    Type List (9303-12 §7.1.1).
    """
    issuer = x509.load_der_x509_certificate(csca.cert_der)
    key = det.key_for(spec.key_spec, f"dsc|{label}")
    csca_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    if validity is None:
        end = min(issued.replace(year=issued.year + DS_CERT_YEARS), issuer.not_valid_after_utc)
        validity = (issued, end)
    doc_list = tlv.encode(0x30, tlv.encode(0x02, b"\x00") + tlv.encode(
        0x31, b"".join(sorted(tlv.encode(0x13, t.encode()) for t in doc_types))))
    b = (x509.CertificateBuilder().subject_name(vn_name(f"DS Vietnam TEST {label}"))
         .issuer_name(issuer.subject).public_key(key.public_key())
         .serial_number(serial if serial is not None else _serial20(f"dsc|{label}"))
         .not_valid_before(validity[0]).not_valid_after(validity[1])
         .add_extension(_key_usage(cert_sign=False), critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(csca_ski), critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(_pkup(issued, add_months(issued, DS_KEY_MONTHS)), critical=False)
         .add_extension(_crl_dp(), critical=False)
         .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(ID_DOCUMENT_TYPE_LIST), doc_list),
                        critical=False))
    der = b.sign(**_builder_sign_args(csca.key, csca.spec)).public_bytes(serialization.Encoding.DER)
    return Issued(_resign(der, csca.key, csca.spec, f"dsc-cert|{label}"), key, spec)


def make_vn_crl(csca: Issued, revoked: tuple[int, ...], *, label: str, this_update: dt.datetime = CRL_THIS_UPDATE,
                next_update: dt.datetime = CRL_NEXT_UPDATE, number: int = 1) -> bytes:
    """A CRL of the vn-cccd CSCA (9303-12 §7.1.4: CRL number, AKI)."""
    issuer = x509.load_der_x509_certificate(csca.cert_der)
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
         .last_update(this_update).next_update(next_update)
         .add_extension(x509.CRLNumber(number), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False))
    for s in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(s).revocation_date(this_update).build())
    der = b.sign(**_builder_sign_args(csca.key, csca.spec)).public_bytes(serialization.Encoding.DER)
    return _resign(der, csca.key, csca.spec, f"crl|{label}")


def make_vn_card_pki(dsc_spec: SignerSpec, *, generation: int, doc_types: tuple[str, ...] = ("ID",),
                     faults: frozenset[str] = frozenset()) -> CardPki:
    """The vn-cccd PKI of one card generation, with the PKI faults applied."""
    csca = trusted = make_vn_csca()
    if "csca-unknown" in faults:  # same name, another key: what a forger's CSCA looks like
        csca = make_vn_csca(label="vn-cccd|rogue")
    issued = VN_ISSUED[generation]
    validity = None
    if "dsc-expired" in faults:
        validity = VN_DSC_EXPIRED
    elif "dsc-not-yet-valid" in faults:
        validity = DSC_NOT_YET_VALID
    tag = "+".join(sorted(f for f in faults if f.startswith(("dsc-", "csca-"))))
    label = f"{issued:%Y-%m}" + (f"|{tag}" if tag else "")
    dsc = make_vn_dsc(csca, label=label, issued=issued, spec=dsc_spec, validity=validity, doc_types=doc_types)
    revoked = (dsc.serial,) if "dsc-revoked" in faults else ()
    crl = make_vn_crl(trusted, revoked, label="vn-cccd" + ("|revoked" if revoked else ""))
    return CardPki(csca, dsc, crl, trusted, signing_time=issued.replace(hour=9))


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


def _builder_sign_args(key: det.SigningKey, spec: SignerSpec) -> dict[str, Any]:
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


def _resign(der: bytes, key: det.SigningKey, spec: SignerSpec, label: str, *, tbs: Optional[bytes] = None) -> bytes:
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
    out: bytes = tbs.dump(force=False)
    return out


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
                  faults: frozenset[str] = frozenset()) -> CardPki:
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


def key_pem(key: "PrivateKeyTypes") -> bytes:
    """PKCS#8 PEM of a private key (unencrypted: test keys only)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()
