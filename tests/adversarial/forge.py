"""Forgery helpers of the adversarial suite: re-signing SODs with the issuer's or an attacker's keys.

``issuer_pki(profile)`` rebuilds the (deterministic) PKI of a profile's card set exactly as
``emulator.personalize`` does: the *issuer's* keys, for class (c) mistakes signed correctly.
Attacker keys come from :mod:`cccd_chip.pki.testpki` (never the issuer's).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from asn1crypto import keys as a_keys
from asn1crypto import x509 as a_x509

from cccd_chip.emulator import card_pki, profiles
from cccd_chip.lds import sod as sod_mod
from cccd_chip.pki import testpki

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
