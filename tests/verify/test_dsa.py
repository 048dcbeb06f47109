"""DSA in Passive Authentication (robustness catalogue family 23: "DSA with SHA-1/224/256").

SODs and certificates signed with DSA (FIPS 186-4; RFC 3279 §2.2.2 / §2.3.2,
RFC 5758 §3.1) must verify ``successful``; SHA-1 is accepted and flagged
``DEPRECATED_ALGORITHM``. The independent judge of the DSA arithmetic is
RFC 6979 Appendix A.2.1/A.2.2 (published keys and signatures); the PKI
fixtures are signed by OpenSSL through pyca/cryptography.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from asn1crypto import core as a_core
from asn1crypto import keys as a_keys
from cryptography.hazmat.primitives.asymmetric import utils as c_utils

from cccd_chip.crypto import signatures as sig
from cccd_chip.errors import CccdError, InvalidPublicKeyError, ParseError, UnsupportedError, VerificationError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import cms, sod
from cccd_chip.lds._der import der, der_oid, der_seq
from cccd_chip.emulator import testpki
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify import algorithms as alg
from cccd_chip.verify.active_auth import check_active_authentication
from cccd_chip.verify.passive import verify_passive
from cccd_chip.verify.report import Reason, Report, Verdict

from .conftest import POLICY

ID_DSA = "1.2.840.10040.4.1"
DSA_SHA1, DSA_SHA224, DSA_SHA256 = "1.2.840.10040.4.3", "2.16.840.1.101.3.4.3.1", "2.16.840.1.101.3.4.3.2"
# (key spec, expected SignerInfo signature algorithm, expected description)
DSC_SPECS = [
    ("dsa2048-224", "dsa-sha224", "DSA-2048/224"),
    ("dsa2048", "dsa-sha256", "DSA-2048/256"),
    ("dsa1024", "dsa-sha1", "DSA-1024/160"),
    ("dsa3072", "dsa-sha256", "DSA-3072/256"),  # parameters generated once per process (~0.7 s)
]


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cscas() -> dict[str, testpki.Issued]:
    return {
        "ecdsa": testpki.make_csca("VN", key_spec="p256", seed=23, serial=23),
        "rsa": testpki.make_csca("VN", key_spec="rsa2048", seed=23, serial=24, scheme="pkcs1"),
        "dsa": testpki.make_csca("VN", key_spec="dsa2048", seed=23, serial=25),
        "dsa1024": testpki.make_csca("VN", key_spec="dsa1024", seed=23, serial=26),
    }


def _store(*cscas: testpki.Issued) -> TrustStore:
    st = TrustStore()
    for c in cscas:
        st.add_csca(c.cert_der)
    return st


def _files(dsc: testpki.Issued, **options) -> dict[str, bytes]:
    files = testpki.sample_data_groups(23, dg2_size=1500)
    files["SOD"] = testpki.make_sod(files, dsc, **options)
    return files


def _run(files, store):
    res = verify_passive(files, store, POLICY)
    return res, Report.of(res.checks)


def _find(res, check, subject=None):
    found = [c for c in res.checks if c.check == check and (subject is None or c.subject == subject)]
    assert found, f"no {check} in {[c.to_json() for c in res.checks]}"
    return found[0]


def _with_signer_info(files: dict[str, bytes], **changes) -> dict[str, bytes]:
    """``files`` with the SOD's SignerInfo fields replaced (everything else as signed)."""
    sd = sod.parse(files["SOD"]).signed_data
    si = dataclasses.replace(sd.signer_infos[0], **changes)
    out = dict(files)
    out["SOD"] = tlv.encode(0x77, cms.build(dataclasses.replace(sd, signer_infos=(si,))))
    return out


def _signature(files: dict[str, bytes]) -> bytes:
    return sod.parse(files["SOD"]).signed_data.signer_infos[0].signature


# --- SODs signed by a DSA DSC -------------------------------------------------------------


@pytest.mark.parametrize("csca_kind", ["ecdsa", "rsa"])
@pytest.mark.parametrize("spec,alg_name,description", DSC_SPECS)
def test_sod_signed_by_dsa_dsc_is_successful(cscas, csca_kind, spec, alg_name, description):
    csca = cscas[csca_kind]
    dsc = testpki.make_dsc(csca, key_spec=spec, seed=23, serial=300)
    res, rep = _run(_files(dsc), _store(csca))
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason) == (Verdict.SUCCESSFUL, Reason.OK)
    assert s.detail == f"{alg_name} by {description}"
    assert _find(res, "passive.dsc_chain").verdict is Verdict.SUCCESSFUL
    assert rep.overall is Verdict.SUCCESSFUL
    assert res.dg_authenticated(1) and res.dg_authenticated(2)
    a = _find(res, "passive.algorithms")
    if spec == "dsa1024":  # SHA-1: accepted, flagged (ICAO 9303-12 §4.1.6 vs TR-03105-5.1 DPRCTD-SHA1)
        assert (a.verdict, a.reason) == (Verdict.SUCCESSFUL, Reason.DEPRECATED_ALGORITHM)
        assert "sha1 in" in a.detail and "SignerInfo.signatureAlgorithm" in a.detail
    else:
        assert (a.verdict, a.reason) == (Verdict.SUCCESSFUL, Reason.OK)
        assert alg_name.split("-")[1] in a.detail


@pytest.mark.parametrize("spec,alg_name,description", DSC_SPECS)
def test_flipped_sod_signature_byte_fails(cscas, spec, alg_name, description):
    csca = cscas["ecdsa"]
    dsc = testpki.make_dsc(csca, key_spec=spec, seed=23, serial=301)
    files = _files(dsc)
    good = _signature(files)
    bad = good[:-1] + bytes([good[-1] ^ 0x01])  # last byte of s
    res, rep = _run(_with_signer_info(files, signature=bad), _store(csca))
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason, rep.overall) == (Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID, Verdict.FAILED)
    assert alg_name in s.detail
    assert _find(res, "passive.dg_hash", "DG1").verdict is Verdict.UNDETERMINED  # never verified data
    assert not res.dg_authenticated(1)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: b"\x31" + s[1:],  # not a SEQUENCE
        lambda s: s[:-1],  # truncated
        lambda s: s + b"\x00",  # trailing byte
        lambda s: b"",  # empty
        lambda s: c_utils.encode_dss_signature(0, 1),  # r out of range
        lambda s: s[:2] + bytes([s[2], s[3] + 1]) + s[4:],  # r's length off by one
    ],
    ids=["tag", "truncated", "trailing", "empty", "r-zero", "r-length"],
)
def test_malformed_dsa_signature_fails_cleanly(cscas, mangle):
    csca = cscas["ecdsa"]
    dsc = testpki.make_dsc(csca, key_spec="dsa2048", seed=23, serial=302)
    files = _files(dsc)
    res, _ = _run(_with_signer_info(files, signature=mangle(_signature(files))), _store(csca))
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason) == (Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID)


def test_sod_signature_of_another_dsa_key_fails(cscas):
    csca = cscas["ecdsa"]
    dsc = testpki.make_dsc(csca, key_spec="dsa2048", seed=23, serial=303)
    other = testpki.make_dsc(csca, key_spec="dsa2048", seed=24, serial=303)  # same group, other x
    assert dsc.spki != other.spki
    files = _files(dsc)
    foreign = _signature(_files(other))
    res, _ = _run(_with_signer_info(files, signature=foreign), _store(csca))
    assert (_find(res, "passive.signature").verdict, _find(res, "passive.signature").reason) == (
        Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID)


def test_bare_id_dsa_takes_the_digest_algorithm(cscas):
    """RFC 3370 §3.1 legacy: ``id-dsa`` as the SignerInfo's signatureAlgorithm, hash from digestAlgorithm."""
    csca = cscas["ecdsa"]
    dsc = testpki.make_dsc(csca, key_spec="dsa2048", seed=23, serial=304)
    files = _with_signer_info(_files(dsc), signature_algorithm=cms.AlgorithmIdentifier(ID_DSA))
    res, rep = _run(files, _store(csca))
    s = _find(res, "passive.signature")
    assert (s.verdict, s.detail, rep.overall) == (Verdict.SUCCESSFUL, "dsa-sha256 by DSA-2048/256", Verdict.SUCCESSFUL)


def test_dsa_signature_with_an_ec_dsc_fails(cscas):
    """dsa-with-sha256 claimed, but the DSC's key is EC: no such signature can be valid under this
    key -> failed SOD_SIGNATURE_INVALID (issue 10 defect 5; it was undetermined, a forger's downgrade)."""
    csca = cscas["ecdsa"]
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=23, serial=305)
    files = _with_signer_info(_files(dsc), signature_algorithm=cms.AlgorithmIdentifier(DSA_SHA256))
    res, rep = _run(files, _store(csca))
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason, rep.overall) == (Verdict.FAILED, Reason.SOD_SIGNATURE_INVALID, Verdict.FAILED)


# --- certificates signed by a DSA CSCA ------------------------------------------------------


@pytest.mark.parametrize("dsc_spec", ["p256", "dsa2048-224"])
def test_dsc_signed_by_dsa_csca_verifies(cscas, dsc_spec):
    csca = cscas["dsa"]
    dsc = testpki.make_dsc(csca, key_spec=dsc_spec, seed=23, serial=310)
    res, rep = _run(_files(dsc), _store(csca))
    chain = _find(res, "passive.dsc_chain")
    assert (chain.verdict, chain.reason) == (Verdict.SUCCESSFUL, Reason.OK)
    a = _find(res, "passive.algorithms")
    assert (a.verdict, a.reason, rep.overall) == (Verdict.SUCCESSFUL, Reason.OK, Verdict.SUCCESSFUL)
    assert res.dg_authenticated(1)


def test_dsa_1024_csca_with_sha1_is_accepted_and_flagged(cscas):
    csca = cscas["dsa1024"]
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=23, serial=311)
    res, rep = _run(_files(dsc), _store(csca))
    assert _find(res, "passive.dsc_chain").verdict is Verdict.SUCCESSFUL
    a = _find(res, "passive.algorithms")
    assert (a.verdict, a.reason, rep.overall) == (Verdict.SUCCESSFUL, Reason.DEPRECATED_ALGORITHM, Verdict.SUCCESSFUL)
    assert "DSC signature" in a.detail and "CSCA signature" in a.detail


def test_dsc_with_a_flipped_dsa_certificate_signature_fails(cscas):
    csca = cscas["dsa"]
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=23, serial=312)
    der_cert = bytearray(dsc.cert_der)
    der_cert[-1] ^= 0x01  # last byte of the Dss-Sig-Value's s
    broken = dataclasses.replace(dsc, cert_der=bytes(der_cert))
    res, rep = _run(_files(broken), _store(csca))
    assert _find(res, "passive.signature").verdict is Verdict.SUCCESSFUL  # the DSC key still signed the SOD
    chain = _find(res, "passive.dsc_chain")
    assert (chain.verdict, chain.reason, rep.overall) == (Verdict.FAILED, Reason.DSC_SIGNATURE_INVALID, Verdict.FAILED)


def test_crl_signed_by_dsa_csca_is_accepted(cscas):
    csca = cscas["dsa"]
    st = _store(csca)
    crl = st.add_crl(testpki.make_crl(csca, revoked=[999]))
    assert crl.number == 1
    raw = bytearray(testpki.make_crl(csca, revoked=[998], number=2))
    raw[-1] ^= 0x01  # last byte of the Dss-Sig-Value's s
    with pytest.raises(CccdError):  # a CRL whose DSA signature was altered is refused
        st.add_crl(bytes(raw))


# --- RFC 6979 Appendix A.2: published DSA keys and signatures (independent judge) ------------

RFC6979 = {
    "1024": dict(
        p=int("86F5CA03DCFEB225063FF830A0C769B9DD9D6153AD91D7CE27F787C43278B447"
              "E6533B86B18BED6E8A48B784A14C252C5BE0DBF60B86D6385BD2F12FB763ED88"
              "73ABFD3F5BA2E0A8C0A59082EAC056935E529DAF7C610467899C77ADEDFC846C"
              "881870B7B19B2B58F9BE0521A17002E3BDD6B86685EE90B3D9A1B02B782B1779", 16),
        q=int("996F967F6C8E388D9E28D01E205FBA957A5698B1", 16),
        g=int("07B0F92546150B62514BB771E2A0C0CE387F03BDA6C56B505209FF25FD3C133D"
              "89BBCD97E904E09114D9A7DEFDEADFC9078EA544D2E401AEECC40BB9FBBF78FD"
              "87995A10A1C27CB7789B594BA7EFB5C4326A9FE59A070E136DB77175464ADCA4"
              "17BE5DCE2F40D10A46A3A3943F26AB7FD9C0398FF8C76EE0A56826A8A88F1DBD", 16),
        x=int("411602CB19A6CCC34494D79D98EF1E7ED5AF25F7", 16),
        y=int("5DF5E01DED31D0297E274E1691C192FE5868FEF9E19A84776454B100CF16F653"
              "92195A38B90523E2542EE61871C0440CB87C322FC4B4D2EC5E1E7EC766E1BE8D"
              "4CE935437DC11C3C8FD426338933EBFE739CB3465F4D3668C5E473508253B1E6"
              "82F65CBDC4FAE93C2EA212390E54905A86E2223170B44EAA7DA5DD9FFCFB7F3B", 16),
        sigs={
            "sha1": ("2E1A0C2562B2912CAAF89186FB0F42001585DA55", "29EFB6B0AFF2D7A68EB70CA313022253B9A88DF5"),
            "sha224": ("4BC3B686AEA70145856814A6F1BB53346F02101E", "410697B92295D994D21EDD2F4ADA85566F6F94C1"),
            "sha256": ("81F2F5850BE5BC123C43F71A3033E9384611C545", "4CDD914B65EB6C66A8AAAD27299BEE6B035F5E89"),
        },
    ),
    "2048": dict(
        p=int("9DB6FB5951B66BB6FE1E140F1D2CE5502374161FD6538DF1648218642F0B5C48"
              "C8F7A41AADFA187324B87674FA1822B00F1ECF8136943D7C55757264E5A1A44F"
              "FE012E9936E00C1D3E9310B01C7D179805D3058B2A9F4BB6F9716BFE6117C6B5"
              "B3CC4D9BE341104AD4A80AD6C94E005F4B993E14F091EB51743BF33050C38DE2"
              "35567E1B34C3D6A5C0CEAA1A0F368213C3D19843D0B4B09DCB9FC72D39C8DE41"
              "F1BF14D4BB4563CA28371621CAD3324B6A2D392145BEBFAC748805236F5CA2FE"
              "92B871CD8F9C36D3292B5509CA8CAA77A2ADFC7BFD77DDA6F71125A7456FEA15"
              "3E433256A2261C6A06ED3693797E7995FAD5AABBCFBE3EDA2741E375404AE25B", 16),
        q=int("F2C3119374CE76C9356990B465374A17F23F9ED35089BD969F61C6DDE9998C1F", 16),
        g=int("5C7FF6B06F8F143FE8288433493E4769C4D988ACE5BE25A0E24809670716C613"
              "D7B0CEE6932F8FAA7C44D2CB24523DA53FBE4F6EC3595892D1AA58C4328A06C4"
              "6A15662E7EAA703A1DECF8BBB2D05DBE2EB956C142A338661D10461C0D135472"
              "085057F3494309FFA73C611F78B32ADBB5740C361C9F35BE90997DB2014E2EF5"
              "AA61782F52ABEB8BD6432C4DD097BC5423B285DAFB60DC364E8161F4A2A35ACA"
              "3A10B1C4D203CC76A470A33AFDCBDD92959859ABD8B56E1725252D78EAC66E71"
              "BA9AE3F1DD2487199874393CD4D832186800654760E1E34C09E4D155179F9EC0"
              "DC4473F996BDCE6EED1CABED8B6F116F7AD9CF505DF0F998E34AB27514B0FFE7", 16),
        x=int("69C7548C21D0DFEA6B9A51C9EAD4E27C33D3B3F180316E5BCAB92C933F0E4DBC", 16),
        y=None,  # g^x mod p (checked against the published y's tail below)
        sigs={
            "sha1": ("3A1B2DBD7489D6ED7E608FD036C83AF396E290DBD602408E8677DAABD6E7445A",
                     "D26FCBA19FA3E3058FFC02CA1596CDBB6E0D20CB37B06054F7E36DED0CDBBCCF"),
            "sha224": ("DC9F4DEADA8D8FF588E98FED0AB690FFCE858DC8C79376450EB6B76C24537E2C",
                       "A65A9C3BC7BABE286B195D5DA68616DA8D47FA0097F36DD19F517327DC848CEC"),
            "sha256": ("EACE8BDBBE353C432A795D9EC556C6D021F7A03F42C36E9BC87E4AC7932CC809",
                       "7081E175455F9247B812B74583E9E94F9EA79BD640DC962533B0680793A38D53"),
        },
    ),
}
_RFC6979_2048_Y_TAIL = "74E04299F132026601638CB87AB79190D4A0986315DA8EEC6561C938996BEADF"
_SIG_OID = {"sha1": DSA_SHA1, "sha224": DSA_SHA224, "sha256": DSA_SHA256}


def _spki(p: int, q: int, g: int, y: int, *, params: bool = True) -> bytes:
    """A DSA SubjectPublicKeyInfo (RFC 3279 §2.3.2), built without any range checks."""
    info = a_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "dsa", "parameters": a_keys.DSAParams({"p": p, "q": q, "g": g}) if params else None},
        "public_key": a_core.Integer(y),
    })
    return info.dump()


def _rfc_key(name: str) -> tuple[dict, int]:
    k = RFC6979[name]
    y = k["y"] if k["y"] is not None else pow(k["g"], k["x"], k["p"])
    assert y == pow(k["g"], k["x"], k["p"])  # transcription check of p, g, x, y
    if name == "2048":
        assert f"{y:X}".endswith(_RFC6979_2048_Y_TAIL)
    return k, y


def _alg(oid: str) -> sig.SignatureAlgorithm:
    return sig.parse_signature_algorithm(der_seq(der_oid(oid)))


@pytest.mark.parametrize("name", ["1024", "2048"])
@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha256"])
def test_rfc6979_signatures_verify(name, hash_name):
    k, y = _rfc_key(name)
    key = sig.load_public_key(_spki(k["p"], k["q"], k["g"], y))
    assert (key.kind, key.description) == ("dsa", f"DSA-{name}/{k['q'].bit_length()}")
    r, s = (int(v, 16) for v in k["sigs"][hash_name])
    der_sig = c_utils.encode_dss_signature(r, s)
    sig.verify_signature(key, _alg(_SIG_OID[hash_name]), b"sample", der_sig)  # SHA-224/256 truncated to 160 bits for 1024
    with pytest.raises(VerificationError):
        sig.verify_signature(key, _alg(_SIG_OID[hash_name]), b"test", der_sig)
    with pytest.raises(VerificationError):
        sig.verify_signature(key, _alg(_SIG_OID[hash_name]), b"sample", c_utils.encode_dss_signature(r, (s + 1) % k["q"]))
    other = "sha256" if hash_name != "sha256" else "sha1"
    with pytest.raises(VerificationError):  # the hash is part of the algorithm
        sig.verify_signature(key, _alg(_SIG_OID[other]), b"sample", der_sig)


def test_negative_integer_encoding_is_read_as_unsigned():
    """A signer that drops the leading 00 of r (negative INTEGER): lenient, as for ECDSA."""
    k, y = _rfc_key("2048")
    key = sig.load_public_key(_spki(k["p"], k["q"], k["g"], y))
    r_hex, s_hex = k["sigs"]["sha256"]  # r starts with EA: its DER needs a leading 00
    r, s = bytes.fromhex(r_hex), bytes.fromhex(s_hex)
    sloppy = der(0x30, der(0x02, r) + der(0x02, b"\x00" + s))
    sig.verify_signature(key, _alg(DSA_SHA256), b"sample", sloppy)


# --- key validation: refused with the project's errors only ----------------------------------


def _composite_p_key(q: int) -> bytes:
    """p = a * m (a prime, both = 1 mod q, 1024 bits) with g of order q: passes every check but primality."""
    i = (1 << 438) + 351  # the first i from 2^438 with a = 1 + 2qi prime (searched, so the loop ends at once)
    while not (pow(2, 2 * q * i, 1 + 2 * q * i) == 1 and pow(3, 2 * q * i, 1 + 2 * q * i) == 1):
        i += 1
    a = 1 + 2 * q * i
    m = 1 + 2 * q * ((1 << 1023) // (a * 2 * q) + 1)
    while (a * m).bit_length() != 1024:
        m += 2 * q
    p = a * m
    ga = next(v for v in (pow(h, (a - 1) // q, a) for h in (2, 3, 5)) if v != 1)
    g = 1 + m * ((ga - 1) * pow(m, -1, a) % a)  # CRT: g = ga mod a, 1 mod m
    assert (p - 1) % q == 0 and pow(g, q, p) == 1 and g != 1 and pow(2, p - 1, p) != 1
    return _spki(p, q, g, pow(g, 4321, p))


def _composite_q_key() -> bytes:
    """A 160-bit composite q and a 1024-bit prime p = 1 + 2qk with g of order q: only q's primality fails."""
    q = 3 * ((1 << 159) // 3 + 1)  # odd, 160 bits, divisible by 3
    k = (1 << 1023) // (2 * q) + 1 + 667  # the first k from the start with p prime (searched)
    while pow(2, 2 * q * k, 1 + 2 * q * k) != 1:
        k += 1
    p = 1 + 2 * q * k
    g = pow(2, (p - 1) // q, p)
    assert q % 2 == 1 and q % 3 == 0 and q.bit_length() == 160 and p.bit_length() == 1024 and g != 1 and pow(g, q, p) == 1
    return _spki(p, q, g, pow(g, 4321, p))


def _bad_keys() -> list[tuple[str, bytes, type]]:
    k, y = _rfc_key("1024")
    p, q, g = k["p"], k["q"], k["g"]
    p2 = p + 2 * q  # p2 - 1 = p - 1 + 2q: still a multiple of q, but p2 is not prime
    g2 = pow(2, (p2 - 1) // q, p2)
    t = [
        ("L=1536", _spki((1 << 1535) | 1, q, g, y), UnsupportedError),
        ("L=4096", _spki((1 << 4095) | 1, (1 << 255) | 1, 2, 3), UnsupportedError),
        ("L/N pair 1024/224", _spki(p, (1 << 223) | 1, g, y), UnsupportedError),
        ("N=128", _spki(p, (1 << 127) | 1, g, y), UnsupportedError),
        ("no parameters", _spki(p, q, g, y, params=False), UnsupportedError),
        ("q does not divide p-1", _spki(p, q + 2, g, y), InvalidPublicKeyError),
        ("p even", _spki(p + 1, q, g, y), InvalidPublicKeyError),
        ("p negative", _spki(-p, q, g, y), InvalidPublicKeyError),
        ("q negative", _spki(p, -q, g, y), InvalidPublicKeyError),
        ("g = 1", _spki(p, q, 1, y), InvalidPublicKeyError),
        ("g = p-1", _spki(p, q, p - 1, y), InvalidPublicKeyError),
        ("g not of order q", _spki(p, q, 2, y), InvalidPublicKeyError),
        ("y = 1", _spki(p, q, g, 1), InvalidPublicKeyError),
        ("y = 0", _spki(p, q, g, 0), InvalidPublicKeyError),
        ("y negative", _spki(p, q, g, -y), InvalidPublicKeyError),
        ("y = p-1", _spki(p, q, g, p - 1), InvalidPublicKeyError),
        ("y >= p", _spki(p, q, g, y + p), InvalidPublicKeyError),
        ("y not in the subgroup", _spki(p, q, g, 2), InvalidPublicKeyError),
        ("p composite, g fails", _spki(p2, q, g2, pow(g2, 12345, p2)), InvalidPublicKeyError),
        ("p composite, q | p-1, g and y of order q", _composite_p_key(q), InvalidPublicKeyError),
        ("q composite, q | p-1, g and y of order q", _composite_q_key(), InvalidPublicKeyError),
    ]
    # NULL parameters (RFC 3279 allows only Dss-Parms or absent)
    alg_null = der_seq(der_oid(ID_DSA), b"\x05\x00")
    t.append(("NULL parameters", der_seq(alg_null, der(0x03, b"\x00" + der(0x02, y.to_bytes(128, "big")))), ParseError))
    return t


@pytest.mark.parametrize("case", _bad_keys(), ids=lambda c: c[0])
def test_invalid_dsa_keys_are_refused_with_project_errors(case):
    name, spki, err = case
    with pytest.raises(err) as e:
        sig.load_public_key(spki)
    if err is UnsupportedError:
        assert e.value.reason == "ALGORITHM_UNSUPPORTED"
    if name.startswith(("p composite, q", "q composite")):
        assert "not prime" in e.value.message  # only the primality check can refuse this one


def test_mutated_dsa_spki_never_escapes_another_exception(cscas):
    """Every single-byte change and every truncation of a genuine DSA SPKI: a key or a CccdError."""
    spki = testpki.make_dsc(cscas["ecdsa"], key_spec="dsa1024", seed=23, serial=320).spki
    seen = set()
    variants = [spki[:n] for n in range(len(spki))]
    variants += [spki[:i] + bytes([spki[i] ^ 0x80]) + spki[i + 1:] for i in range(len(spki))]
    variants += [spki[:i] + bytes([spki[i] ^ 0x01]) + spki[i + 1:] for i in range(0, len(spki), 3)]
    for v in variants:
        try:
            key = sig.load_public_key(v)
            seen.add(key.kind)
        except CccdError as e:
            seen.add(type(e).__name__)
    assert "ParseError" in seen and "InvalidPublicKeyError" in seen  # both refusals were exercised


def test_dsc_with_an_invalid_dsa_key_is_key_params_invalid(cscas):
    csca = cscas["ecdsa"]
    dsc = testpki.make_dsc(csca, key_spec="dsa2048", seed=23, serial=321)
    files = _files(dsc)
    pn = dsc.key.parameters().parameter_numbers()
    bad_spki = _spki(pn.p, pn.q, 2, dsc.key.public_key().public_numbers().y)  # g of the wrong order
    bad_cert = testpki.resign_with_spki(dsc.cert_der, bad_spki, csca.key)
    sd = sod.parse(files["SOD"]).signed_data
    files["SOD"] = tlv.encode(0x77, cms.build(dataclasses.replace(sd, certificates=(bad_cert,))))
    res, rep = _run(files, _store(csca))
    s = _find(res, "passive.signature")
    assert (s.verdict, s.reason, rep.overall) == (Verdict.FAILED, Reason.KEY_PARAMS_INVALID, Verdict.FAILED)


def test_trust_store_refuses_csca_with_invalid_dsa_key(cscas):
    from cccd_chip.errors import TrustStoreError

    csca = cscas["dsa"]
    pn = csca.key.parameters().parameter_numbers()
    bad = testpki.resign_with_spki(csca.cert_der, _spki(pn.p, pn.q, pn.g, 1), csca.key)
    with pytest.raises(TrustStoreError):
        TrustStore().add_csca(bad)


# --- key type / scheme agreement, AA, pickling ---------------------------------------------


def test_key_and_scheme_must_agree(cscas):
    dsa_key = sig.load_public_key(testpki.make_dsc(cscas["ecdsa"], key_spec="dsa2048", seed=23, serial=330).spki)
    ec_key = sig.load_public_key(cscas["ecdsa"].spki)
    rsa_key = sig.load_public_key(cscas["rsa"].spki)
    sig_der = c_utils.encode_dss_signature(1, 1)
    for key, oid in [(dsa_key, "1.2.840.10045.4.3.2"), (dsa_key, "1.2.840.113549.1.1.11"),
                     (dsa_key, "0.4.0.127.0.7.1.1.4.1.3"), (ec_key, DSA_SHA256), (rsa_key, DSA_SHA256)]:
        # both known, but no such signature can be valid under this key: a wrong signature
        # (issue 10 defect 5), never "unsupported"
        with pytest.raises(VerificationError) as e:
            sig.verify_signature(key, _alg(oid), b"m", sig_der)
        assert e.value.reason == "KEY_FAMILY_MISMATCH"
    with pytest.raises(VerificationError):  # the AA / raw (r, s) entry point is ECDSA only
        sig.verify_ecdsa_rs(dsa_key, "sha256", b"m", 1, 1)


def test_active_authentication_with_a_dsa_dg15_key_fails_cleanly(cscas):
    spki = testpki.make_dsc(cscas["ecdsa"], key_spec="dsa1024", seed=23, serial=331).spki
    dg15 = tlv.encode(0x6F, spki)
    c = check_active_authentication(b"\x01" * 8, c_utils.encode_dss_signature(5, 7), dg15, None, dg15_authenticated=True)
    assert (c.verdict, c.reason) == (Verdict.FAILED, Reason.AA_SIGNATURE_INVALID)  # AA is RSA / ECDSA (ICAO 9303-11 §6.1)
    c = check_active_authentication(b"\x01" * 8, b"\x02" * 40, dg15, None, dg15_authenticated=True)
    assert c.verdict is Verdict.FAILED


def test_dsa_public_key_pickles(cscas):
    """The batch verifier ships keys to worker processes."""
    dsc = testpki.make_dsc(cscas["ecdsa"], key_spec="dsa2048-224", seed=23, serial=332)
    key = sig.load_public_key(dsc.spki)
    again = pickle.loads(pickle.dumps(key))
    assert (again.kind, again.bits, again.subgroup_bits, again.spki) == ("dsa", 2048, 224, dsc.spki)
    msg = b"signed attributes"
    sig.verify_signature(again, _alg(DSA_SHA224), msg, dsc.key.sign(msg, testpki.HASHES["sha224"]()))


# --- algorithm policy ------------------------------------------------------------------------


@pytest.mark.parametrize("oid,name,status", [
    (DSA_SHA1, "sha1", alg.DEPRECATED),
    (DSA_SHA224, "sha224", alg.OK),
    (DSA_SHA256, "sha256", alg.OK),
    ("2.16.840.1.101.3.4.3.3", "sha384", alg.OK),
    ("2.16.840.1.101.3.4.3.4", "sha512", alg.OK),
])
def test_dsa_signature_oids_are_known(oid, name, status):
    (use,) = alg.classify_signature(oid, None, None, "SignerInfo.signatureAlgorithm")
    assert (use.name, use.status) == (name, status)
    assert sig.parse_signature_algorithm(der_seq(der_oid(oid))).name == f"dsa-{name}"


def test_bare_id_dsa_is_known_only_with_a_digest():
    sha256 = "2.16.840.1.101.3.4.2.1"
    assert alg.classify_signature(ID_DSA, None, sha256, "w")[0].status == alg.OK
    assert alg.classify_signature(ID_DSA, None, None, "w")[0].status == alg.UNKNOWN
    with pytest.raises(UnsupportedError):
        sig.parse_signature_algorithm(der_seq(der_oid(ID_DSA)))
    assert sig.parse_signature_algorithm(der_seq(der_oid(ID_DSA)), digest_oid=sha256).hash == "sha256"


def test_sha1_dsa_signature_hashes_like_sha1_rsa():
    """Same flag as every other SHA-1 use (family 23): deprecated, named in the detail."""
    uses = alg.classify_signature(DSA_SHA1, None, None, "DSC signature")
    c = alg.verdict_for(uses, "passive.algorithms", "SOD")
    assert (c.verdict, c.reason) == (Verdict.SUCCESSFUL, Reason.DEPRECATED_ALGORITHM)
    assert "sha1 in DSC signature" in c.detail
