"""Generated test PKI: CSCA, DSC, CRL, link certificates (ICAO 9303-12 §7.1 profiles).

Test support (issue 12: apart from the production PKI code in cccd_chip/pki/): for
tests, the benchmarks and the virtual chip. NEVER for real documents. EC keys are derived deterministically from ``(seed, label)``;
RSA keys cannot be seeded with pyca/cryptography, so they are random but
cached per process (same ``(seed, label, bits)`` -> same key within a run).

Key specs: ``rsa2048``, ``rsa3072``, ``rsa4096``, ``p256``, ``p384``,
``p521``, ``bp256``, ``bp384``, ``bp512``, and DSA (FIPS 186-4 sizes L/N)
``dsa1024`` (1024/160), ``dsa2048-224``, ``dsa2048`` (2048/256): the RFC 5114
§2.1-2.3 groups with a seeded x, and ``dsa3072`` (3072/256, parameters
generated once per process). Signature specs for the issuer: ``pkcs1`` or
``pss`` for RSA issuers (hash from the key size), ``ecdsa`` for EC; DSA
issuers sign with the hash of q's size (SHA-1 for N=160, SHA-224, SHA-256).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.x509.oid import NameOID

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey]

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "p256": ec.SECP256R1,
    "p384": ec.SECP384R1,
    "p521": ec.SECP521R1,
    "bp256": ec.BrainpoolP256R1,
    "bp384": ec.BrainpoolP384R1,
    "bp512": ec.BrainpoolP512R1,
}
_RSA_CACHE: dict[tuple[int, str, int], rsa.RSAPrivateKey] = {}
_DSA_GROUPS = {"dsa1024": "rfc5114-1024-160", "dsa2048-224": "rfc5114-2048-224", "dsa2048": "rfc5114-2048-256"}
_DSA_PARAMS: dict[str, dsa.DSAParameterNumbers] = {}
DEFAULT_CSCA_VALIDITY = (_dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc), _dt.datetime(2045, 1, 1, tzinfo=_dt.timezone.utc))
DEFAULT_DSC_VALIDITY = (_dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc), _dt.datetime(2036, 1, 1, tzinfo=_dt.timezone.utc))


@dataclass(frozen=True)
class Issued:
    """A generated certificate (DER) with its private key."""

    cert_der: bytes
    key: PrivateKey
    key_spec: str

    @property
    def cert(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_der)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def spki(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def make_key(spec: str, *, seed: int = 0, label: str = "") -> PrivateKey:
    """A private key for ``spec``; EC deterministic from (seed, label)."""
    if spec in _CURVES:
        curve = _CURVES[spec]()
        order = _ORDERS[spec]
        d = int.from_bytes(hashlib.sha512(f"cccd-testpki|{seed}|{label}|{spec}".encode()).digest(), "big")
        return ec.derive_private_key(d % (order - 1) + 1, curve)
    if spec.startswith("rsa"):
        bits = int(spec[3:])
        k = (seed, label, bits)
        if k not in _RSA_CACHE:
            _RSA_CACHE[k] = rsa.generate_private_key(65537, bits)
        return _RSA_CACHE[k]
    if spec in _DSA_GROUPS or spec == "dsa3072":
        pn = _dsa_parameters(spec)
        d = int.from_bytes(hashlib.sha512(f"cccd-testpki|{seed}|{label}|{spec}".encode()).digest(), "big")
        x = d % (pn.q - 1) + 1
        return dsa.DSAPrivateNumbers(x, dsa.DSAPublicNumbers(pow(pn.g, x, pn.p), pn)).private_key()
    raise ValueError(f"unknown key spec {spec}")


def _dsa_parameters(spec: str) -> dsa.DSAParameterNumbers:
    """(p, q, g) for a DSA key spec: RFC 5114 groups, or 3072/256 generated once per process."""
    if spec not in _DSA_PARAMS:
        if spec == "dsa3072":
            _DSA_PARAMS[spec] = dsa.generate_parameters(3072).parameter_numbers()
        else:
            from ..crypto.dh import GROUPS

            g = GROUPS[_DSA_GROUPS[spec]]
            _DSA_PARAMS[spec] = dsa.DSAParameterNumbers(g.p, g.q, g.g)
    return _DSA_PARAMS[spec]


# group orders, only used to reduce the seeded scalar into range
_ORDERS = {
    "p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "p384": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    "p521": 0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409,
    "bp256": 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
    "bp384": 0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565,
    "bp512": 0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3,
}


def _hash_for(key: PrivateKey) -> hashes.HashAlgorithm:
    size = key.key_size
    if isinstance(key, dsa.DSAPrivateKey):
        return HASHES[_dsa_hash(key)]()
    if isinstance(key, rsa.RSAPrivateKey):
        return hashes.SHA256() if size <= 3072 else hashes.SHA512()
    return {256: hashes.SHA256(), 384: hashes.SHA384()}.get(size, hashes.SHA512())


def sign_args(key: PrivateKey, scheme: str = "pkcs1") -> dict[str, Any]:
    """kwargs for cryptography builders' ``sign`` (RSA PKCS#1 v1.5 / PSS, ECDSA, DSA)."""
    h = _hash_for(key)
    if isinstance(key, rsa.RSAPrivateKey) and scheme == "pss":
        return {"private_key": key, "algorithm": h, "rsa_padding": padding.PSS(padding.MGF1(h), h.digest_size)}
    return {"private_key": key, "algorithm": h}


def _signed(
    builder: Union[x509.CertificateBuilder, x509.CertificateRevocationListBuilder], key: PrivateKey, scheme: str
) -> bytes:
    """DER of a certificate / CRL builder signed by ``key`` (see :func:`sign_args`).

    pyca/cryptography no longer signs X.509 objects with SHA-1; a DSA key with
    N = 160 signs with id-dsa-with-sha1 here: built with SHA-256, then the
    algorithm is swapped and the to-be-signed part signed again.
    """
    if isinstance(key, dsa.DSAPrivateKey) and _dsa_hash(key) == "sha1":
        first = builder.sign(private_key=key, algorithm=hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        return _resign_dsa_sha1(first, key, crl=isinstance(builder, x509.CertificateRevocationListBuilder))
    return builder.sign(**sign_args(key, scheme)).public_bytes(serialization.Encoding.DER)


def _resign_dsa_sha1(der: bytes, key: dsa.DSAPrivateKey, *, crl: bool) -> bytes:
    from asn1crypto import algos as aalgos
    from asn1crypto import crl as acrl
    from asn1crypto import x509 as ax509

    alg = aalgos.SignedDigestAlgorithm({"algorithm": "sha1_dsa"})  # 1.2.840.10040.4.3, parameters absent
    # (outer type, its to-be-signed member and type, its signature member): X.509 or RFC 5280 CRL
    outer, tbs_name, tbs_type, sig_name = (
        (acrl.CertificateList, "tbs_cert_list", acrl.TbsCertList, "signature") if crl
        else (ax509.Certificate, "tbs_certificate", ax509.TbsCertificate, "signature_value"))
    tbs = outer.load(der)[tbs_name]
    tbs["signature"] = alg
    tbs_der = tbs.dump(force=True)
    signed: bytes = outer({
        tbs_name: tbs_type.load(tbs_der),
        "signature_algorithm": alg,
        sig_name: key.sign(tbs_der, hashes.SHA1()),
    }).dump()
    return signed


def _name(country: str, cn: str, org: str = "Test Government") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def make_csca(
    country: str = "VN",
    *,
    key_spec: str = "bp384",
    seed: int = 0,
    cn: Optional[str] = None,
    serial: int = 1,
    validity: tuple[_dt.datetime, _dt.datetime] = DEFAULT_CSCA_VALIDITY,
    scheme: str = "pss",
) -> Issued:
    """A self-signed CSCA (keyCertSign + cRLSign, CA, pathLen 0)."""
    key = make_key(key_spec, seed=seed, label=f"csca-{country}-{serial}")
    name = _name(country, cn or f"CSCA Test {country} {serial}")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    return Issued(_signed(b, key, scheme), key, key_spec)


def make_link(old: Issued, new: Issued, *, serial: int = 1000, scheme: str = "pss") -> Issued:
    """A link certificate: ``new``'s subject and key, signed by ``old`` (ICAO 9303-12 §5.2)."""
    new_cert, old_cert = new.cert, old.cert
    b = (
        x509.CertificateBuilder()
        .subject_name(new_cert.subject)
        .issuer_name(old_cert.subject)
        .public_key(new.key.public_key())
        .serial_number(serial)
        .not_valid_before(new_cert.not_valid_before_utc)
        .not_valid_after(old_cert.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(new.key.public_key()), critical=False)
        .add_extension(_aki(old), critical=False)
    )
    return Issued(_signed(b, old.key, scheme), new.key, new.key_spec)


def make_dsc(
    csca: Issued,
    *,
    key_spec: str = "bp256",
    seed: int = 0,
    serial: int = 100,
    cn: Optional[str] = None,
    validity: tuple[_dt.datetime, _dt.datetime] = DEFAULT_DSC_VALIDITY,
    scheme: str = "pss",
    digital_signature: bool = True,
) -> Issued:
    """A Document Signer certificate issued by ``csca`` (ICAO 9303-12 §7.1.1, Table 6)."""
    csca_cert = csca.cert
    country = str(csca_cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    key = make_key(key_spec, seed=seed, label=f"dsc-{country}-{serial}")
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(str(country), cn or f"DS Test {country} {serial}"))
        .issuer_name(csca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(key_usage(digital_signature=digital_signature), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_aki(csca), critical=False)
    )
    return Issued(_signed(b, csca.key, scheme), key, key_spec)


def make_crl(
    csca: Issued,
    revoked: Iterable[int] = (),
    *,
    this_update: _dt.datetime = DEFAULT_DSC_VALIDITY[0],
    next_update: Optional[_dt.datetime] = None,
    number: int = 1,
    scheme: str = "pss",
    signer: Optional[Issued] = None,
) -> bytes:
    """A CRL (DER) issued by ``csca``; ``signer`` lets a test sign with the wrong key."""
    nu = next_update or (this_update + _dt.timedelta(days=3650 * 3))
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(csca.cert.subject)
        .last_update(this_update)
        .next_update(nu)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(_aki(csca), critical=False)
    )
    for s in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(s).revocation_date(this_update).build()
        )
    return _signed(b, (signer or csca).key, scheme)


def _aki(issuer: Issued) -> x509.AuthorityKeyIdentifier:
    ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def key_usage(*, cert_sign: bool = False, digital_signature: bool = False) -> x509.KeyUsage:
    """The keyUsage extension of a CSCA (keyCertSign + cRLSign) or a DSC (digitalSignature)."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# --- signing CMS objects (SOD, CardSecurity, master lists) -------------------------

_RSA_OIDS = {"sha1": "1.2.840.113549.1.1.5", "sha224": "1.2.840.113549.1.1.14", "sha256": "1.2.840.113549.1.1.11",
             "sha384": "1.2.840.113549.1.1.12", "sha512": "1.2.840.113549.1.1.13"}
_ECDSA_OIDS = {"sha1": "1.2.840.10045.4.1", "sha224": "1.2.840.10045.4.3.1", "sha256": "1.2.840.10045.4.3.2",
               "sha384": "1.2.840.10045.4.3.3", "sha512": "1.2.840.10045.4.3.4"}
# id-dsa-with-sha1 (RFC 3279 §2.2.2), dsa-with-sha224 .. (NIST sigAlgs, RFC 5758 §3.1)
_DSA_OIDS = {"sha1": "1.2.840.10040.4.3", "sha224": "2.16.840.1.101.3.4.3.1", "sha256": "2.16.840.1.101.3.4.3.2",
             "sha384": "2.16.840.1.101.3.4.3.3", "sha512": "2.16.840.1.101.3.4.3.4"}
HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def default_hash(key_spec: str) -> str:
    """The hash a signer of this key size normally uses (ICAO 9303-12 §4.4; DSA: the size of q)."""
    return {"p384": "sha384", "bp384": "sha384", "p521": "sha512", "bp512": "sha512",
            "dsa1024": "sha1", "dsa2048-224": "sha224"}.get(key_spec, "sha256")


def _dsa_hash(key: dsa.DSAPrivateKey) -> str:
    """SHA-1 / SHA-224 / SHA-256 for N = 160 / 224 / 256 (FIPS 186-4 §4.2 pairs hash and N)."""
    n = key.parameters().parameter_numbers().q.bit_length()
    return {160: "sha1", 224: "sha224"}.get(n, "sha256")


def cms_signing(signer: Issued, *, scheme: str = "pss", hash_alg: Optional[str] = None) -> dict[str, Any]:
    """Keyword arguments for ``lds.cms.build_signed_data`` / ``lds.sod.build_sod``.

    ``scheme``: ``pss`` or ``pkcs1`` for RSA keys (ignored for EC and DSA keys,
    which use ECDSA / DSA with DER signatures). Returns signer,
    signature_alg_oid, signature_params_der and the digest algorithm name.
    """
    from ..lds.cms import rsassa_pss_params

    h = hash_alg or default_hash(signer.key_spec)
    key = signer.key
    hcls = HASHES[h]
    if isinstance(key, rsa.RSAPrivateKey):
        if scheme == "pss":
            pad = padding.PSS(padding.MGF1(hcls()), hcls().digest_size)
            return {
                "signer": lambda data: key.sign(data, pad, hcls()),
                "signature_alg_oid": "1.2.840.113549.1.1.10",
                "signature_params_der": rsassa_pss_params(h, hcls().digest_size),
                "digest_alg": h,
            }
        return {
            "signer": lambda data: key.sign(data, padding.PKCS1v15(), hcls()),
            "signature_alg_oid": _RSA_OIDS[h],
            "signature_params_der": None,
            "digest_alg": h,
        }
    if isinstance(key, dsa.DSAPrivateKey):
        dsa_key = key
        return {
            "signer": lambda data: dsa_key.sign(data, hcls()),
            "signature_alg_oid": _DSA_OIDS[h],
            "signature_params_der": None,
            "digest_alg": h,
        }
    ec_key = key
    return {
        "signer": lambda data: ec_key.sign(data, ec.ECDSA(hcls())),
        "signature_alg_oid": _ECDSA_OIDS[h],
        "signature_params_der": None,
        "digest_alg": h,
    }


def make_sod(
    files: dict[str, bytes],
    dsc: Issued,
    *,
    scheme: str = "pss",
    hash_alg: Optional[str] = None,
    dg_hash_alg: Optional[str] = None,
    **options: Any,  # forwarded to lds.sod.build_sod
) -> bytes:
    """EF.SOD over the raw DGs in ``files`` ("DG1".."DG16"), signed by ``dsc``."""
    from ..lds import sod

    args = cms_signing(dsc, scheme=scheme, hash_alg=hash_alg)
    dg_alg = dg_hash_alg or args["digest_alg"]
    dgs = {int(k[2:]): v for k, v in files.items() if k.startswith("DG")}
    return sod.build_sod(
        sod.hash_data_groups(dgs, dg_alg),
        dsc.cert_der,
        args["signer"],
        hash_alg=dg_alg,
        digest_alg=args["digest_alg"],
        signature_alg_oid=args["signature_alg_oid"],
        signature_params_der=args["signature_params_der"],
        **options,
    )


def make_ml_signer(csca: Issued, *, key_spec: str = "p256", serial: int = 50) -> Issued:
    """A master-list signer (EKU 2.23.136.1.1.3) issued by ``csca``."""
    csca_cert = csca.cert
    country = str(csca_cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    key = make_key(key_spec, label=f"mls-{country}-{serial}")
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(str(country), f"Master List Signer {country}"))
        .issuer_name(csca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(DEFAULT_DSC_VALIDITY[0])
        .not_valid_after(DEFAULT_DSC_VALIDITY[1])
        .add_extension(key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier("2.23.136.1.1.3")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_aki(csca), critical=False)
    )
    return Issued(_signed(b, csca.key, "pss"), key, key_spec)


def make_master_list(signer: Issued, cscas: Iterable[bytes], *, signing_time: Optional[_dt.datetime] = None) -> bytes:
    """A CscaMasterList (ICAO 9303-12 §9) holding ``cscas`` (DER), signed by ``signer``."""
    from ..lds import cms
    from ..lds._der import der_int, der_seq, der_set

    content = der_seq(der_int(0), der_set(list(cscas)))
    args = cms_signing(signer)
    return cms.build_signed_data(
        "2.23.136.1.1.2",
        content,
        signer.cert_der,
        args["signer"],
        args["digest_alg"],
        args["signature_alg_oid"],
        args["signature_params_der"],
        signing_time=signing_time or DEFAULT_DSC_VALIDITY[0] + _dt.timedelta(days=30),
    )


# --- explicit EC domain parameters (ICAO 9303-12 §4.4.6 asks CSCA/DS keys to carry them) ---


def explicit_spki(spki_der: bytes, *, generator: Optional[tuple[int, int]] = None, cofactor: Optional[int] = None) -> bytes:
    """Re-encode a named-curve EC SubjectPublicKeyInfo with explicit parameters.

    ``generator`` / ``cofactor`` override those parameters (to build the
    CurveBall-style keys that must NOT be matched to the named curve).
    """
    from asn1crypto import keys as akeys

    from ..crypto import ec as _ec

    info = akeys.PublicKeyInfo.load(spki_der)
    curve = _ec.curve_by_oid(info["algorithm"]["parameters"].chosen.dotted)
    if curve is None:
        raise ValueError("not a named-curve key")
    gx, gy = generator or (curve.gx, curve.gy)
    size = curve.size
    spec = akeys.SpecifiedECDomain(
        {
            "version": "ecdpVer1",
            "field_id": {"field_type": "prime_field", "parameters": curve.p},
            "curve": {"a": curve.a.to_bytes(size, "big"), "b": curve.b.to_bytes(size, "big")},
            "base": b"\x04" + gx.to_bytes(size, "big") + gy.to_bytes(size, "big"),
            "order": curve.n,
            "cofactor": curve.h if cofactor is None else cofactor,
        }
    )
    new = akeys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "ec", "parameters": akeys.ECDomainParameters(name="specified", value=spec)},
            "public_key": bytes(info["public_key"]),
        }
    )
    out: bytes = new.dump()
    return out


def resign_with_spki(cert_der: bytes, spki_der: bytes, issuer_key: PrivateKey, *, scheme: str = "pss") -> bytes:
    """The same certificate with another SubjectPublicKeyInfo, re-signed by ``issuer_key``.

    pyca/cryptography cannot build certificates with explicit-parameter keys;
    this swaps the SPKI in the tbsCertificate and signs it again.
    """
    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509

    cert = ax509.Certificate.load(cert_der)
    tbs = cert["tbs_certificate"]
    tbs["subject_public_key_info"] = akeys.PublicKeyInfo.load(spki_der)
    tbs_der = tbs.dump(force=True)
    args = sign_args(issuer_key, scheme)
    h = args["algorithm"]
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        sig = issuer_key.sign(tbs_der, args.get("rsa_padding") or padding.PKCS1v15(), h)
    elif isinstance(issuer_key, dsa.DSAPrivateKey):
        sig = issuer_key.sign(tbs_der, h)
    else:
        sig = issuer_key.sign(tbs_der, ec.ECDSA(h))
    new = ax509.Certificate(
        {
            "tbs_certificate": ax509.TbsCertificate.load(tbs_der),
            "signature_algorithm": cert["signature_algorithm"],
            "signature_value": sig,
        }
    )
    out: bytes = new.dump()
    return out


def with_explicit_parameters(subject: Issued, issuer: Optional[Issued] = None, *, scheme: str = "pss") -> Issued:
    """``subject``'s certificate with its EC key given by explicit parameters (issuer None: self-signed)."""
    spki = explicit_spki(subject.spki)
    signer = (issuer or subject).key
    return Issued(resign_with_spki(subject.cert_der, spki, signer, scheme=scheme), subject.key, subject.key_spec)


def sample_data_groups(seed: int = 0, *, dg2_size: int = 20_000) -> dict[str, bytes]:
    """Deterministic placeholder DG1 (TD1 MRZ) and DG2 (``dg2_size`` bytes) for PA tests.

    The contents are structurally plain TLVs, not real biometric records:
    Passive Authentication hashes raw bytes and never parses them.
    """
    mrz = (f"IDVNM{seed:09d}0{seed % 10:012d}<<<" + "9001011M3001017VNM<<<<<<<<<<<6" + "TEST<<SPECIMEN<<<<<<<<<<<<<<<<")[:90]
    mrz = mrz.ljust(90, "<")
    filler = b""
    counter = 0
    while len(filler) < dg2_size:
        filler += hashlib.sha512(f"dg2|{seed}|{counter}".encode()).digest()
        counter += 1
    from ..iso7816 import tlv

    return {
        "DG1": tlv.encode(0x61, tlv.encode(0x5F1F, mrz.encode())),
        "DG2": tlv.encode(0x75, tlv.encode(0x7F61, filler[:dg2_size])),
    }
