"""Personalisation: determinism, the cccd-2021 facts, the PKI, the face, every profile's files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cccd_chip.emulator import determinism as det
from cccd_chip.emulator.personalize import personalize
from cccd_chip.emulator.profiles import PROFILES
from cccd_chip.errors import UsageError
from cccd_chip.lds import com, dg1, dg2, dg13, security_infos

# cccd-chip-facts §2.2: the 54-byte EF.CardAccess embedded by Vietnamese apps
CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300D060804007F0007020202020101300F060A04007F000702020302020201013012060A04007F0007020204020202010202010D"
)


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_same_profile_and_seed_give_byte_identical_cards(tmp_path, profile):
    det._rsa_key.cache_clear()  # regenerate RSA keys: the DRBG, not the cache, must make them equal
    det._ec_key.cache_clear()
    a = _tree(personalize(profile, 7, tmp_path / "a"))
    det._rsa_key.cache_clear()
    det._ec_key.cache_clear()
    b = _tree(personalize(profile, 7, tmp_path / "b"))
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    assert {"card.json", "csca.pem", "files/SOD.bin", "files/DG1.bin", "files/COM.bin"} <= a.keys()


def test_other_seed_other_holder_same_card_set_pki(tmp_path):
    a = personalize("cccd-2021", 1, tmp_path / "a")
    b = personalize("cccd-2021", 2, tmp_path / "b")
    assert (a / "files/DG1.bin").read_bytes() != (b / "files/DG1.bin").read_bytes()
    assert (a / "files/DG2.bin").read_bytes() != (b / "files/DG2.bin").read_bytes()
    assert (a / "csca.pem").read_bytes() == (b / "csca.pem").read_bytes()  # one CSCA per card set


def test_faults_change_only_their_object(tmp_path):
    base = _tree(personalize("cccd-2021", 3, tmp_path / "a"))
    alt = _tree(personalize("cccd-2021", 3, tmp_path / "b", ["dg-altered:DG13"]))
    changed = {k for k in base if base[k] != alt.get(k)}
    assert changed == {"files/DG13.bin", "card.json"}


def test_cccd_2021_matches_the_documented_card(card_factory):
    d = card_factory("cccd-2021")
    meta = json.loads((d / "card.json").read_text())
    files = {f["name"]: f for f in meta["files"]}
    assert (d / "files/CardAccess.bin").read_bytes() == CCCD_CARD_ACCESS
    infos = security_infos.parse(CCCD_CARD_ACCESS)
    assert [i.parameter_id for i in infos.pace_infos] == [13]
    raw_com = (d / "files/COM.bin").read_bytes()
    assert len(raw_com) == 26 and raw_com[:2] == b"\x60\x18"
    assert com.parse(raw_com).data_groups == (1, 2, 3, 13, 14, 15)
    assert files["DG3"]["access"] == "eac" and "DG11" not in files
    assert meta["options"]["mf_select_sw"] == "6D00" and meta["options"]["bac"] is True
    s = meta["secrets"]
    assert s["can"] == s["id"][6:] and s["document_number"] == s["id"][3:]
    v = dg1.parse((d / "files/DG1.bin").read_bytes())
    assert v.cccd_id == s["id"] and v.checks_ok
    pd = dg13.parse((d / "files/DG13.bin").read_bytes())
    assert pd is not None and (d / "files/DG13.bin").read_bytes()[:2] == b"\x6D\x82"


def test_face_is_a_realistic_synthetic_jpeg(card_factory):
    from PIL import Image

    raw = (card_factory("cccd-2021") / "files/DG2.bin").read_bytes()
    faces = dg2.parse(raw).faces
    assert len(faces) == 1 and faces[0].image_format == "JPEG"
    jpeg = faces[0].image
    assert 15_000 <= len(jpeg) <= 25_000
    with Image.open(io.BytesIO(jpeg)) as im:
        assert im.size == (480, 640) and im.format == "JPEG"


def test_pki_profiles_chain_and_sign(card_factory):
    for name in ("cccd-2021", "id-explicit-csca", "passport-bac"):
        d = card_factory(name)
        csca = x509.load_pem_x509_certificate((d / "csca.pem").read_bytes())
        dsc = x509.load_pem_x509_certificate((d / "dsc.pem").read_bytes())
        assert dsc.issuer == csca.subject
        ku = dsc.extensions.get_extension_for_class(x509.KeyUsage).value
        assert ku.digital_signature and not ku.key_cert_sign
        bc = csca.extensions.get_extension_for_class(x509.BasicConstraints).value
        assert bc.ca and bc.path_length == 0
        aki = dsc.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        assert aki == csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        crl = x509.load_der_x509_crl((d / "csca.crl").read_bytes())
        assert crl.issuer == csca.subject
        if name != "id-explicit-csca":  # pyca cannot load explicit brainpool parameters
            assert crl.is_signature_valid(csca.public_key())
            dsc.verify_directly_issued_by(csca)


def test_explicit_parameter_csca(card_factory):
    from asn1crypto import x509 as ax

    d = card_factory("id-explicit-csca")
    pem = (d / "csca.pem").read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    params = ax.Certificate.load(der).public_key["algorithm"]["parameters"]
    assert params.name == "specified"


def test_rsa_keygen_is_deterministic_and_sound():
    det._rsa_key.cache_clear()
    k1 = det.rsa_key(1024, "unit")
    det._rsa_key.cache_clear()
    k2 = det.rsa_key(1024, "unit")
    n1, n2 = k1.private_numbers(), k2.private_numbers()
    assert n1.public_numbers.n == n2.public_numbers.n and k1.key_size == 1024
    assert n1.p * n1.q == n1.public_numbers.n
    assert det.rsa_key(1024, "other").private_numbers().public_numbers.n != n1.public_numbers.n


def test_pss_signature_is_deterministic_and_verifies():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = det.rsa_key(1024, "pss")
    s1 = det.signer(key, "pss", "sha256", "x")(b"data")
    s2 = det.signer(key, "pss", "sha256", "x")(b"data")
    assert s1 == s2
    key.public_key().verify(s1, b"data", padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())


def test_unknown_profile_and_fault_are_usage_errors(tmp_path):
    with pytest.raises(UsageError):
        personalize("no-such-profile", 1, tmp_path / "x")
    with pytest.raises(UsageError):
        personalize("cccd-2021", 1, tmp_path / "y", ["no-such-fault"])
    with pytest.raises(UsageError):
        personalize("cccd-2021", 1, tmp_path / "z", ["remove"])  # needs N
    with pytest.raises(UsageError):
        personalize("passport-pace-cam", 1, tmp_path / "w", ["dg-altered:DG15"])  # profile has no DG15
