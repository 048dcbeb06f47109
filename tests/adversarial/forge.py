"""Forgery helpers of the adversarial suite: re-signing SODs with the issuer's or an attacker's keys.

``issuer_pki(profile)`` rebuilds the (deterministic) PKI of a profile's card set exactly as
``emulator.personalize`` does: the *issuer's* keys, for class (c) mistakes signed correctly.
Attacker keys come from :mod:`cccd_chip.emulator.testpki` (never the issuer's).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509

from cccd_chip.emulator import card_pki, profiles
from cccd_chip.lds import sod as sod_mod
from cccd_chip.emulator import testpki

ATTACKER_FAMILIES = ("p256", "bp256", "rsa2048")


@lru_cache(maxsize=None)
def issuer_pki(profile: str):
    """The genuine card-set PKI of ``profile`` (CSCA, DSC with private keys)."""
    p = profiles.get(profile)
    if getattr(p, "pki", None) == "vn-cccd":
        return card_pki.make_vn_card_pki(p.dsc, generation=p.generation, doc_types=p.doc_types, faults=frozenset())
    return card_pki.make_card_pki(p.country, p.csca, p.dsc, set_label=p.name, explicit_csca=p.explicit_csca,
                                  doc_types=p.doc_types, faults=frozenset())


def listed_hashes(raw_sod: bytes) -> tuple[str, dict[int, bytes]]:
    """(hash algorithm name, DG number -> hash) of a SOD."""
    from cccd_chip.crypto.signatures import hash_name_from_oid

    lso = sod_mod.parse(raw_sod).security_object
    return hash_name_from_oid(lso.hash_algorithm.oid), {h.number: h.value for h in lso.data_group_hashes}


def dg_hashes_for(files: dict[str, bytes], raw_sod: bytes, *, hash_name: Optional[str] = None,
                  drop: tuple[int, ...] = (), add: tuple[int, ...] = ()) -> tuple[str, dict[int, bytes]]:
    """The genuine SOD's DG list, with the hashes of ``files`` where present (DG3 unread keeps its hash)."""
    import hashlib

    alg, listed = listed_hashes(raw_sod)
    alg = hash_name or alg
    out: dict[int, bytes] = {}
    for n, v in listed.items():
        if n in drop:
            continue
        out[n] = hashlib.new(alg, files[f"DG{n}"]).digest() if f"DG{n}" in files else (
            v if alg == listed_hashes(raw_sod)[0] else hashlib.new(alg, b"").digest())
    for n in add:
        out[n] = hashlib.new(alg, files[f"DG{n}"]).digest()
    return alg, out


def attacker_signing(key_spec: str, label: str, *, cert_der: bytes, scheme: str = "pss") -> tuple[dict, testpki.Issued]:
    """cms args for a fresh attacker key, bound to ``cert_der`` (whatever certificate the attacker embeds)."""
    key = testpki.make_key(key_spec, seed=66, label=f"attacker|{label}")
    issued = testpki.Issued(cert_der, key, key_spec)
    return testpki.cms_signing(issued, scheme=scheme), issued


def build_sod(hashes: dict[int, bytes], hash_name: str, cert_der: bytes, args: dict, **opts) -> bytes:
    return sod_mod.build_sod(hashes, cert_der, args["signer"], hash_alg=hash_name, digest_alg=args["digest_alg"],
                             signature_alg_oid=args["signature_alg_oid"],
                             signature_params_der=args["signature_params_der"], **opts)


def swap_spki(cert_der: bytes, spki_der: bytes) -> bytes:
    """``cert_der`` with another SubjectPublicKeyInfo, the issuer's signature left as it was."""
    cert = a_x509.Certificate.load(cert_der)
    tbs = cert["tbs_certificate"]
    tbs["subject_public_key_info"] = a_keys.PublicKeyInfo.load(spki_der)
    return a_x509.Certificate({
        "tbs_certificate": a_x509.TbsCertificate.load(tbs.dump(force=True)),
        "signature_algorithm": cert["signature_algorithm"],
        "signature_value": cert["signature_value"],
    }).dump(force=True)


def attacker_csca(country: str, key_spec: str, label: str) -> testpki.Issued:
    return testpki.make_csca(country, key_spec=key_spec, seed=66, cn=f"CSCA {country} attacker {label}",
                             serial=6600 + len(label))


def impostor_issuer(genuine_csca_der: bytes, key_spec: str, label: str) -> testpki.Issued:
    """The genuine CSCA's certificate (name, SKI) paired with an attacker key: DSCs it 'issues'
    carry the genuine issuer name and AKI but the attacker's signature."""
    return testpki.Issued(genuine_csca_der, testpki.make_key(key_spec, seed=66, label=f"impostor|{label}"), key_spec)


def dsc_from(issuer: testpki.Issued, key_spec: str, label: str, *, serial: int = 4242) -> testpki.Issued:
    return testpki.make_dsc(issuer, key_spec=key_spec, seed=66, serial=serial, cn=f"DS attacker {label}")


def _sign_kwargs(key, spec) -> dict:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    h = getattr(hashes, spec.hash.upper())()
    if isinstance(key, rsa.RSAPrivateKey) and spec.scheme == "pss":
        return {"private_key": key, "algorithm": h,
                "rsa_padding": padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)}
    return {"private_key": key, "algorithm": h}


def issue_dsc(profile: str, label: str, *, validity=None, digital_signature: bool = True,
              unknown_critical: bool = False, country: Optional[str] = None, serial: int = 0x7000,
              key_spec: str = "p256") -> testpki.Issued:
    """A DSC the genuine CSCA of ``profile`` issues (with the issuer's key), with one property chosen."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    pki = issuer_pki(profile)
    csca = x509.load_der_x509_certificate(pki.csca.cert_der)
    c = country or str(csca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    key = testpki.make_key(key_spec, seed=77, label=f"issuer-dsc|{profile}|{label}")
    if validity is None:  # the genuine DSC's (inside the CSCA's private key usage period)
        genuine_dsc = x509.load_der_x509_certificate(pki.dsc.cert_der)
        validity = (genuine_dsc.not_valid_before_utc, genuine_dsc.not_valid_after_utc)
    ski = csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, c),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cccd-chip Test Authority"),
                                  x509.NameAttribute(NameOID.COMMON_NAME, f"DS {c} issuer mistake {label}")]))
         .issuer_name(csca.subject).public_key(key.public_key()).serial_number(serial)
         .not_valid_before(validity[0]).not_valid_after(validity[1])
         .add_extension(x509.KeyUsage(digital_signature=digital_signature, content_commitment=not digital_signature,
                                      key_encipherment=False, data_encipherment=False, key_agreement=False,
                                      key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
                        critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if unknown_critical:
        b = b.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00"),
                            critical=True)
    der = b.sign(**_sign_kwargs(pki.csca.key, pki.csca.spec)).public_bytes(serialization.Encoding.DER)
    return testpki.Issued(der, key, key_spec)


def mrz_start(dg1: bytes) -> int:
    """Offset of the MRZ text inside DG1 (61 L 5F1F L <MRZ>)."""
    i = dg1.index(b"\x5f\x1f")
    first = dg1[i + 2]
    return i + 3 + (first & 0x7F if first & 0x80 else 0)


def build_sod_with_hash_oid(hashes: dict[int, bytes], hash_oid: str, cert_der: bytes, args: dict) -> bytes:
    """A SOD whose LDSSecurityObject names ``hash_oid`` (e.g. MD5, which the builders refuse)."""
    from cccd_chip.iso7816 import tlv
    from cccd_chip.lds import cms, oids
    from cccd_chip.lds.sod import TAG, DataGroupHash, LDSSecurityObject, build_security_object
    from cccd_chip.lds.cms import AlgorithmIdentifier

    lso = LDSSecurityObject(version=0, hash_algorithm=AlgorithmIdentifier(hash_oid),
                            data_group_hashes=tuple(DataGroupHash(n, v) for n, v in sorted(hashes.items())),
                            lds_version=None, unicode_version=None)
    ci = cms.build_signed_data(oids.ID_ICAO_LDS_SECURITY_OBJECT, build_security_object(lso), cert_der, args["signer"],
                               args["digest_alg"], args["signature_alg_oid"], args["signature_params_der"])
    return tlv.encode(TAG, ci)
