"""Class (b): an attacker who holds keys of their own (issue 10).

The forgery is the same every time: a genuine dump whose face (DG2) is another holder's,
with a SOD re-signed so that the hashes match. What changes is the key the attacker signs
with and the certificates they present:

- a self-made CSCA and DSC (own names; or the genuine CSCA's name and key identifier);
- the genuine DSC's certificate with the attacker's key (same or another key family:
  defect 5), or with its public key swapped (the CSCA's signature kept);
- a self-signed DSC; a SOD without certificate; an attacker CSCA embedded in the SOD;
- another country's genuine DSC (an issuer signing for a state that is not its own);
- their own AA key in DG15, their own CA key in EF.CardSecurity.

None of these may be ``successful``: an unknown anchor is ``undetermined``; a signature
that cannot be valid (wrong key, wrong family, swapped key) is ``failed``.
"""

from __future__ import annotations

import pytest

from adversary import dump_outcome, trust_store_for
from forge import (ATTACKER_FAMILIES, attacker_csca, attacker_signing, build_sod, dg_hashes_for, dsc_from,
                   impostor_issuer, issuer_pki, swap_spki)

from cccd_chip.emulator import profiles

PROFILES = ("cccd-2021", "cccd-2024", "passport-bac", "passport-pace-im", "passport-pace-cam", "passport-aes256",
            "id-small-le", "id-explicit-csca", "passport-dh")
OTHER_SEED = 8


def _forged_files(genuine, profile):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    files = dict(g.doc.files)
    files["DG2"] = other.doc.files["DG2"]
    return g, files


def _dump(g, files) -> dict:
    m = g.manifest_copy()
    m["files"] = {k: v.hex().upper() for k, v in files.items()}
    return m


def _scheme(key_spec: str) -> str:
    return "pss" if key_spec.startswith("rsa") else "ecdsa"


def _resigned(g, files, cert_der, args, **opts) -> dict:
    alg, hashes = dg_hashes_for(files, g.doc.files["SOD"])
    out = dict(files)
    out["SOD"] = build_sod(hashes, alg, cert_der, args, **opts)
    return _dump(g, out)


def _dsc_family(profile: str) -> str:
    spec = profiles.get(profile).dsc.key_spec
    return "rsa" if spec.startswith("rsa") else "ec"


CASES = [(p, fam) for p in PROFILES for fam in ATTACKER_FAMILIES]


@pytest.mark.parametrize("profile,family", CASES)
def test_self_made_csca_and_dsc_is_undetermined(genuine, judge, profile, family):
    g, files = _forged_files(genuine, profile)
    csca = attacker_csca(profiles.get(profile).country, family, f"own-{family}")
    dsc = dsc_from(csca, family, f"own-{family}")
    args = testpki_args(dsc)
    judge(dump_outcome(_resigned(g, files, dsc.cert_der, args), g.store), expect="undetermined", reason="CSCA_NOT_FOUND")


@pytest.mark.parametrize("profile,family", CASES)
def test_self_made_csca_embedded_in_the_sod_is_no_anchor(genuine, judge, profile, family):
    g, files = _forged_files(genuine, profile)
    csca = attacker_csca(profiles.get(profile).country, family, f"emb-{family}")
    dsc = dsc_from(csca, family, f"emb-{family}")
    m = _resigned(g, files, dsc.cert_der, testpki_args(dsc), extra_certificates=[csca.cert_der])
    judge(dump_outcome(m, g.store), expect="undetermined", reason="CSCA_NOT_FOUND")


@pytest.mark.parametrize("profile,family", CASES)
def test_dsc_under_the_genuine_csca_name_and_key_id_fails(genuine, judge, profile, family):
    """The attacker's DSC names the genuine CSCA as issuer (and its SKI as AKI): found, signature wrong."""
    g, files = _forged_files(genuine, profile)
    csca_der = issuer_pki(profile).csca_trusted.cert_der
    dsc = dsc_from(impostor_issuer(csca_der, family, f"imp-{family}"), "p256", f"imp-{family}")
    judge(dump_outcome(_resigned(g, files, dsc.cert_der, testpki_args(dsc)), g.store),
          expect="failed", reason="DSC_SIGNATURE_INVALID")


@pytest.mark.parametrize("profile,family", CASES)
def test_genuine_dsc_certificate_with_the_attackers_key_fails(genuine, judge, profile, family):
    """SOD signed by an attacker key while embedding the genuine DSC (same family or not: defect 5)."""
    g, files = _forged_files(genuine, profile)
    dsc_der = issuer_pki(profile).dsc.cert_der
    args, _ = attacker_signing(family, f"gdsc-{family}", cert_der=dsc_der, scheme=_scheme(family))
    judge(dump_outcome(_resigned(g, files, dsc_der, args), g.store), expect="failed", reason="SOD_SIGNATURE_INVALID")


@pytest.mark.parametrize("profile,family", CASES)
def test_genuine_dsc_certificate_with_its_key_swapped_fails(genuine, judge, profile, family):
    """The genuine DSC certificate carrying the attacker's public key (CSCA signature kept)."""
    g, files = _forged_files(genuine, profile)
    args, attacker = attacker_signing(family, f"swap-{family}", cert_der=b"", scheme=_scheme(family))
    dsc_der = swap_spki(issuer_pki(profile).dsc.cert_der, attacker.spki)
    judge(dump_outcome(_resigned(g, files, dsc_der, args), g.store), expect="failed", reason="DSC_SIGNATURE_INVALID")


@pytest.mark.parametrize("profile,family", CASES)
def test_self_signed_dsc_is_undetermined(genuine, judge, profile, family):
    g, files = _forged_files(genuine, profile)
    own = attacker_csca(profiles.get(profile).country, family, f"self-{family}")  # a "DSC" that is its own issuer
    judge(dump_outcome(_resigned(g, files, own.cert_der, testpki_args(own)), g.store),
          expect="undetermined", reason="CSCA_NOT_FOUND")


@pytest.mark.parametrize("profile,family", CASES)
def test_sod_without_certificate_is_undetermined(genuine, judge, profile, family):
    """No certificate in the SOD; the SignerInfo names the genuine DSC, the store knows no DSC."""
    g, files = _forged_files(genuine, profile)
    dsc_der = issuer_pki(profile).dsc.cert_der
    args, _ = attacker_signing(family, f"nocert-{family}", cert_der=dsc_der, scheme=_scheme(family))
    judge(dump_outcome(_resigned(g, files, dsc_der, args, include_cert=False), g.store),
          expect="undetermined", reason="SIGNER_NOT_FOUND")


@pytest.mark.parametrize("profile,family", CASES)
def test_sod_without_certificate_with_the_genuine_dsc_known_fails(genuine, judge, profile, family):
    """Same, but the trust store knows the genuine DSC (ICAO PKD): found, and the signature is wrong."""
    g, files = _forged_files(genuine, profile)
    dsc_der = issuer_pki(profile).dsc.cert_der
    args, _ = attacker_signing(family, f"nocert2-{family}", cert_der=dsc_der, scheme=_scheme(family))
    store = trust_store_for(g.card_dir)
    store.add_dsc(dsc_der)
    judge(dump_outcome(_resigned(g, files, dsc_der, args, include_cert=False), store),
          expect="failed", reason="SOD_SIGNATURE_INVALID")


@pytest.mark.parametrize("profile,family", CASES)
def test_impostor_dsc_with_the_genuine_issuer_and_serial_fails(genuine, judge, profile, family):
    """sid = issuer + serial of the genuine DSC; the embedded certificate is the attacker's look-alike."""
    g, files = _forged_files(genuine, profile)
    pki = issuer_pki(profile)
    dsc = dsc_from(impostor_issuer(pki.csca_trusted.cert_der, family, f"ser-{family}"), family, f"ser-{family}",
                   serial=pki.dsc.serial)
    m = _resigned(g, files, dsc.cert_der, testpki_args(dsc), sid="issuer_serial")
    judge(dump_outcome(m, g.store), expect="failed", reason="DSC_SIGNATURE_INVALID")


# --- another country's genuine DSC ------------------------------------------------------------------

FOREIGN = {"VN": "passport-pace-im", "UT": "cccd-2024"}


@pytest.mark.parametrize("profile", PROFILES)
def test_another_countrys_genuine_dsc_fails_the_country_binding(genuine, judge, profile):
    """An issuer signs for a state that is not its own: every anchor genuine, the binding fails."""
    g, files = _forged_files(genuine, profile)
    donor = FOREIGN[profiles.get(profile).country]
    foreign = issuer_pki(donor)
    args = foreign.dsc.cms_args("foreign-sod")
    store = trust_store_for(g.card_dir)
    store.add_path(genuine(donor).card_dir / "csca.pem")
    judge(dump_outcome(_resigned(g, files, foreign.dsc.cert_der, args), store), expect="failed",
          reason="COUNTRY_MISMATCH")


# --- key family claimed in the SignerInfo does not fit the DSC (defect 5) -----------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("claimed", ["ecdsa", "rsa-pss", "rsa-pkcs1"])
def test_signature_algorithm_of_another_family_fails(genuine, judge, profile, claimed):
    g, files = _forged_files(genuine, profile)
    dsc_der = issuer_pki(profile).dsc.cert_der
    fam = _dsc_family(profile)
    if (claimed == "ecdsa") == (fam == "ec"):
        claimed_spec, scheme = ("rsa2048", "pss") if fam == "ec" else ("p256", "ecdsa")
    else:
        claimed_spec, scheme = ("p256", "ecdsa") if claimed == "ecdsa" else ("rsa2048", claimed.split("-")[1])
    args, _ = attacker_signing(claimed_spec, f"fam-{claimed}", cert_der=dsc_der, scheme=scheme)
    judge(dump_outcome(_resigned(g, files, dsc_der, args), g.store), expect="failed", reason="SOD_SIGNATURE_INVALID")


# --- the attacker's own chip keys: AA key in DG15, CA key in EF.CardSecurity ----------------------------


def _aa_profiles():
    return [p for p in PROFILES if profiles.get(p).aa is not None]


@pytest.mark.parametrize("profile", _aa_profiles())
@pytest.mark.parametrize("family", ["p256", "rsa2048"])
def test_attackers_aa_key_in_dg15_without_a_valid_sod_fails(genuine, judge, profile, family):
    """DG15 := the attacker's AA key, signature by that key; the genuine SOD left as it is."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from cccd_chip.lds import dg15
    from cccd_chip.emulator import testpki

    g = genuine(profile)
    key = testpki.make_key(family, seed=66, label="attacker-aa")
    spki = testpki.Issued(b"", key, family).spki
    m = g.manifest_copy()
    m["files"]["DG15"] = dg15.build(dg15.make(spki)).hex().upper()
    challenge = bytes.fromhex(m["evidence"]["aa_challenge"])
    if family == "p256":
        r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(hashes.SHA256())))
        m["evidence"]["aa_signature"] = (r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex().upper()
    judge(dump_outcome(m, g.store), expect="failed", reason="DG_HASH_MISMATCH")


@pytest.mark.parametrize("profile", _aa_profiles())
def test_attackers_aa_key_under_an_attacker_sod_is_never_successful(genuine, judge, profile):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from cccd_chip.lds import dg15
    from cccd_chip.emulator import testpki

    g, files = _forged_files(genuine, profile)
    key = testpki.make_key("p256", seed=66, label="attacker-aa2")
    files["DG15"] = dg15.build(dg15.make(testpki.Issued(b"", key, "p256").spki))
    csca = attacker_csca(profiles.get(profile).country, "p256", "aa")
    dsc = dsc_from(csca, "p256", "aa")
    m = _resigned(g, files, dsc.cert_der, testpki_args(dsc))
    challenge = bytes.fromhex(m["evidence"]["aa_challenge"])
    h = _aa_hash(files.get("DG14"))
    r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(getattr(hashes, h.upper())())))
    m["evidence"]["aa_signature"] = (r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex().upper()
    judge(dump_outcome(m, g.store), expect="undetermined", reason=("CSCA_NOT_FOUND", "KEY_NOT_AUTHENTICATED"))


def _aa_hash(dg14) -> str:
    """The hash DG14's ActiveAuthenticationInfo names (what a verifier will use), else sha256."""
    from cccd_chip.crypto.signatures import signature_algorithm
    from cccd_chip.iso7816 import tlv
    from cccd_chip.lds.security_infos import oid_to_bytes
    from cccd_chip.verify.active_auth import aa_signature_algorithm

    oid = aa_signature_algorithm(dg14) if dg14 is not None else None
    if oid is None:
        return "sha256"
    return signature_algorithm(tlv.encode(0x30, tlv.encode(0x06, oid_to_bytes(oid)))).hash


CAM_PROFILES = ("cccd-2024", "passport-pace-cam")


@pytest.mark.parametrize("profile", CAM_PROFILES)
@pytest.mark.parametrize("family", ATTACKER_FAMILIES)
def test_card_security_with_the_attackers_ca_key_and_matching_cam_data(genuine, judge, profile, family):
    """EF.CardSecurity re-signed by the attacker around their own CA key; CAM data consistent with it."""
    from cccd_chip.lds import card_security
    from cccd_chip.lds import security_infos as si
    from cccd_chip.lds.oids import ID_SECURITY_OBJECT  # noqa: F401

    g = genuine(profile)
    m = g.manifest_copy()
    cs = card_security.parse(g.doc.files["CardSecurity"])
    old = [i for i in cs.security_infos.infos if isinstance(i, si.ChipAuthenticationPublicKeyInfo)][0]
    domain, _ = old.domain_and_key()
    sk = 0x1234567 + len(family)
    pk = domain.mul_gen(sk)
    new_key = _ca_key_info_like(old, domain.encode(pk))
    infos = [new_key if i is old else i for i in cs.security_infos.infos]
    csca = attacker_csca(profiles.get(profile).country, family, f"cs-{family}")
    dsc = dsc_from(csca, family, f"cs-{family}")
    args = testpki_args(dsc)
    m["files"]["CardSecurity"] = card_security.build_card_security(
        infos, dsc.cert_der, args["signer"], args["digest_alg"], args["signature_alg_oid"],
        args["signature_params_der"]).hex().upper()
    ca_ic = 0xC0FFEE + 17
    n = domain.order
    m["evidence"]["pace_cam"]["ca_ic"] = ca_ic.to_bytes((n.bit_length() + 7) // 8, "big").hex().upper()
    m["evidence"]["pace_cam"]["pk_map_ic"] = domain.encode(domain.mul(ca_ic, pk)).hex().upper()
    # the attacker's CA key is not DG14's: failed, whoever signed EF.CardSecurity
    judge(dump_outcome(m, g.store), expect="failed", reason="CAM_DATA_INVALID")


def _ca_key_info_like(old, public_point: bytes):
    """A ChipAuthenticationPublicKeyInfo like ``old`` with another public point (same encoding length)."""
    import dataclasses

    domain, old_pk = old.domain_and_key()
    old_point = domain.encode(old_pk)
    assert len(old_point) == len(public_point) and old.public_key.count(old_point) == 1
    return dataclasses.replace(old, public_key=old.public_key.replace(old_point, public_point), raw=b"")


def testpki_args(issued) -> dict:
    return __import__("cccd_chip.emulator.testpki", fromlist=["cms_signing"]).cms_signing(
        issued, scheme=_scheme(issued.key_spec))


testpki_args.__test__ = False  # not a test
