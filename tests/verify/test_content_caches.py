"""Content caches (cccd_chip.content_cache) never let a changed input reuse a genuine result.

Every cache of a parse result is keyed by the exact bytes. For each one, a
tampered twin from the same issuer batch - the genuine document verified
first, so the cache holds its parse - differs in one byte and still fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from testsupport.cards import read_with_trust

from cccd_chip.content_cache import ContentCache, clear_content_caches
from cccd_chip.crypto import libcrypto
from cccd_chip.document import Document
from cccd_chip.evidence import PaceCamEvidence
from cccd_chip.errors import ParseError
from cccd_chip.lds import card_security, dg14, security_infos
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify import active_auth
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Report, Verdict

POLICY = Policy(at=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))


@pytest.fixture(scope="module")
def cccd2024(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, TrustStore]:
    """A cccd-2024 read (EF.CardAccess, EF.CardSecurity, DG14, PACE-CAM, AA), and its trust store."""
    return read_with_trust(tmp_path_factory.mktemp("cache"), "cccd-2024", 5)


def _check(report: Report, name: str) -> Verdict:
    (c,) = [c for c in report.checks if c.check == name]
    return c.verdict


def _flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


def _pace_parameter_index(card_access: bytes) -> int:
    """Where the first PACEInfo's parameterId (13, brainpoolP256r1) is: its last byte."""
    info = security_infos.parse(card_access, file="CardAccess").pace_infos[0]
    assert info.parameter_id == 13 and info.raw.endswith(bytes([0x02, 0x01, 13]))
    return card_access.index(info.raw) + len(info.raw) - 1


def _genuine_first(doc: Document, store: TrustStore) -> None:
    """Verify the genuine document: every cache now holds its parses."""
    rep = verify_document(doc, store, policy=POLICY)
    assert rep.overall is Verdict.SUCCESSFUL, [c.to_json() for c in rep.checks if c.verdict is not Verdict.SUCCESSFUL]


# --- the cache itself --------------------------------------------------------------------------


def test_errors_are_never_cached() -> None:
    cache: ContentCache[int] = ContentCache("test-errors", 8)
    calls = []

    def bad() -> int:
        calls.append(1)
        raise ParseError("refused")

    for _ in range(2):
        with pytest.raises(ParseError):
            cache.get_or_compute(b"x", bad)
    assert len(calls) == 2 and len(cache) == 0


def test_one_changed_byte_is_another_key_and_the_cache_is_bounded() -> None:
    cache: ContentCache[bytes] = ContentCache("test-bound", 4)
    assert cache.get_or_compute(b"abc", lambda: b"first") == b"first"
    assert cache.get_or_compute(b"abc", lambda: b"other") == b"first"  # a hit
    assert cache.get_or_compute(b"abd", lambda: b"second") == b"second"  # one byte: a miss
    for i in range(20):
        cache.get_or_compute(bytes([i]), lambda: b"")
    assert len(cache) <= 4


def test_security_infos_twin_is_parsed_afresh(cccd2024: tuple[Document, TrustStore]) -> None:
    doc, _ = cccd2024
    ca = doc.files["CardAccess"]
    genuine = security_infos.parse(ca, file="CardAccess")
    twin = security_infos.parse(_flip(ca, _pace_parameter_index(ca)), file="CardAccess")  # parameterId 12
    assert {p.parameter_id for p in genuine.pace_infos} == {13}
    assert 12 in {p.parameter_id for p in twin.pace_infos} and twin != genuine
    assert security_infos.parse(ca, file="CardAccess") is genuine  # the genuine one is still its own


# --- tampered twins of a verified document (same issuer batch, caches warm) -----------------


def test_card_access_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    doc, store = cccd2024
    _genuine_first(doc, store)
    ca = doc.files["CardAccess"]
    rep = verify_document(doc.with_file("CardAccess", _flip(ca, _pace_parameter_index(ca))), store, policy=POLICY)
    assert _check(rep, "binding.card_access") is Verdict.FAILED
    assert rep.overall is Verdict.FAILED
    # binding.card_access against EF.CardSecurity is cached with its exact bytes and its verdict
    assert _check(verify_document(doc, store, policy=POLICY), "binding.card_access") is Verdict.SUCCESSFUL
    twin = dataclasses.replace(doc, access=dataclasses.replace(doc.access, parameter_id=12))
    assert _check(verify_document(twin, store, policy=POLICY), "binding.card_access") is Verdict.FAILED


def test_com_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    """EF.COM is parsed once per content: another tag list (DG13 -> DG11) is a mismatch."""
    doc, store = cccd2024
    _genuine_first(doc, store)
    com = doc.files["COM"]
    i = com.index(bytes([0x6D]), 4)  # DG13's tag in the tag list
    rep = verify_document(doc.with_file("COM", com[:i] + bytes([0x6B]) + com[i + 1:]), store, policy=POLICY)
    assert _check(rep, "binding.com_sod") is Verdict.FAILED and rep.overall is Verdict.FAILED


def test_dg14_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    doc, store = cccd2024
    _genuine_first(doc, store)
    raw = doc.files["DG14"]
    parsed = dg14.parse(raw).security_infos
    key = parsed.chip_authentication_public_keys[0].public_key
    i = raw.index(key) + len(key) - 1  # the last byte of the CA key's point
    rep = verify_document(doc.with_file("DG14", _flip(raw, i)), store, policy=POLICY)
    assert rep.overall is Verdict.FAILED
    assert any(c.check == "passive.dg_hash" and c.subject == "DG14" and c.verdict is Verdict.FAILED for c in rep.checks)
    # "does DG14 list EF.CardSecurity's CA key" is cached by the exact DG14 bytes: not for this one
    assert _check(rep, "pace.cam") is Verdict.FAILED


def test_card_security_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    doc, store = cccd2024
    _genuine_first(doc, store)
    raw = doc.files["CardSecurity"]
    infos = card_security.parse(raw).security_infos
    key = infos.chip_authentication_public_keys[0].public_key
    i = raw.index(key) + len(key) - 1
    rep = verify_document(doc.with_file("CardSecurity", _flip(raw, i)), store, policy=POLICY)
    assert _check(rep, "card_security.signature") is Verdict.FAILED
    assert _check(rep, "pace.cam") is not Verdict.SUCCESSFUL
    assert rep.overall is Verdict.FAILED


def test_cam_key_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    """The CA key cache (parse_subject_public_key): other CAM data for the same key still fail."""
    doc, store = cccd2024
    _genuine_first(doc, store)
    cam = doc.evidence.pace_cam
    assert isinstance(cam, PaceCamEvidence)
    cam = dataclasses.replace(cam, ca_ic=_flip(cam.ca_ic, len(cam.ca_ic) - 1))
    twin = dataclasses.replace(doc, evidence=dataclasses.replace(doc.evidence, pace_cam=cam))
    rep = verify_document(twin, store, policy=POLICY)
    assert _check(rep, "pace.cam") is Verdict.FAILED and rep.overall is Verdict.FAILED


def test_cold_caches_give_the_same_report(cccd2024: tuple[Document, TrustStore]) -> None:
    doc, store = cccd2024
    warm = verify_document(doc, store, policy=POLICY)
    clear_content_caches()
    cold = verify_document(doc, store, policy=POLICY)
    assert [c.to_json() for c in warm.checks] == [c.to_json() for c in cold.checks]


# --- Active Authentication: GMP and Python give the same verdicts ---------------------------


@pytest.mark.parametrize("path", ["libcrypto", "gmpy2", "python-pow"])
def test_aa_rsa_public_operation_every_path(cccd2024: tuple[Document, TrustStore], monkeypatch: pytest.MonkeyPatch,
                                            path: str) -> None:
    doc, store = cccd2024
    assert libcrypto.AVAILABLE  # the project machine's libcrypto 3 (tests/crypto/test_libcrypto.py)
    used: list[int] = []
    # counted at the C function: compiled (cccd_chip/_native.py) active_auth calls public_mod_exp
    # directly, past any module attribute; the binding's function table is read at each call
    api = libcrypto._api()
    real = api.BN_mod_exp
    monkeypatch.setattr(api, "BN_mod_exp", lambda *args: used.append(1) or real(*args))
    if path == "libcrypto":  # a process before its switch to GMP
        monkeypatch.setattr(active_auth, "_POWMOD", active_auth._UNSET)
        monkeypatch.setattr(active_auth, "_calls", 0)
    elif path == "gmpy2":  # a process past _GMP_AFTER operations: GMP, not BN_mod_exp
        assert active_auth._gmp_powmod() is not None  # the `fast` extra, which `make setup` installs
        monkeypatch.setattr(active_auth, "_calls", active_auth._GMP_AFTER)
    else:
        monkeypatch.setattr(libcrypto, "AVAILABLE", False)
        monkeypatch.setattr(active_auth, "_POWMOD", None)
    ev = doc.evidence
    assert ev.aa_challenge is not None and ev.aa_signature is not None
    ok = active_auth.check_active_authentication(ev.aa_challenge, ev.aa_signature, doc.files["DG15"], doc.files["DG14"],
                                                 dg15_authenticated=True)
    assert ok.verdict is Verdict.SUCCESSFUL
    bad = active_auth.check_active_authentication(ev.aa_challenge, _flip(ev.aa_signature, 100), doc.files["DG15"],
                                                  doc.files["DG14"], dg15_authenticated=True)
    assert bad.verdict is Verdict.FAILED
    other = active_auth.check_active_authentication(_flip(ev.aa_challenge, 0), ev.aa_signature, doc.files["DG15"],
                                                    doc.files["DG14"], dg15_authenticated=True)
    assert other.verdict is Verdict.FAILED
    n = 0xC5A3  # toy modulus: every path computes the same integer
    assert active_auth.rsa_public_operation(1234, 65537, n) == pow(1234, 65537, n)
    assert len(used) == (4 if path == "libcrypto" else 0)  # the three AA checks and the toy modulus


def test_aa_switches_to_gmp_after_its_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """BN_mod_exp until the process has done _GMP_AFTER operations, GMP from the next one on; without
    libcrypto, GMP after _GMP_AFTER_PURE (Python's pow before)."""
    n = (1 << 1023) + 0x1234567  # odd
    for available, threshold in ((True, active_auth._GMP_AFTER), (False, active_auth._GMP_AFTER_PURE)):
        monkeypatch.setattr(libcrypto, "AVAILABLE", available)
        monkeypatch.setattr(active_auth, "_POWMOD", active_auth._UNSET)
        monkeypatch.setattr(active_auth, "_calls", threshold - 1)
        assert active_auth.rsa_public_operation(77, 65537, n) == pow(77, 65537, n)
        assert active_auth._POWMOD is active_auth._UNSET  # the threshold-th operation: not yet
        assert active_auth.rsa_public_operation(78, 65537, n) == pow(78, 65537, n)
        assert active_auth._POWMOD is not active_auth._UNSET and active_auth._POWMOD is not None


# --- issue 13, second step: DG15's key, DG14's parse, AlgorithmIdentifiers ---------------------


def test_dg15_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    """DG15's public key is cached by DG15's bytes: a changed modulus byte is another key, and the
    recorded AA signature does not verify under it (a stale cached key would have said successful)."""
    doc, store = cccd2024
    _genuine_first(doc, store)
    raw = doc.files["DG15"]
    twin_raw = _flip(raw, len(raw) - 10)  # inside the RSA modulus (the exponent is the last 5 bytes)
    assert active_auth.aa_public_key(twin_raw) != active_auth.aa_public_key(raw)
    rep = verify_document(doc.with_file("DG15", twin_raw), store, policy=POLICY)
    assert _check(rep, "active_auth") is Verdict.FAILED
    assert rep.overall is Verdict.FAILED


def test_dg14_parse_is_cached_by_exact_bytes(cccd2024: tuple[Document, TrustStore]) -> None:
    doc, _ = cccd2024
    raw = doc.files["DG14"]
    assert dg14.parse(raw) is dg14.parse(bytes(raw))  # a hit: the same frozen value
    twin = dg14.parse(_flip(raw, len(raw) - 1))
    assert twin.raw != raw and twin != dg14.parse(raw)
    with pytest.raises(ParseError):  # an error is raised again, never cached
        dg14.parse(raw[:-1])
    with pytest.raises(ParseError):
        dg14.parse(raw[:-1])


def test_algorithm_identifier_twin_fails(cccd2024: tuple[Document, TrustStore]) -> None:
    """AlgorithmIdentifiers are cached by the element's bytes: SignedData.digestAlgorithms edited to
    SHA-384 (unsigned framing) no longer lists the SignerInfo's SHA-256, which fails the profile."""
    doc, store = cccd2024
    _genuine_first(doc, store)
    raw = doc.files["SOD"]
    sha256 = bytes.fromhex("300d06096086480165030402010500")
    sha256_bare = bytes.fromhex("300b0609608648016503040201")
    alg = sha256 if sha256 in raw else sha256_bare
    i = raw.index(alg) + len(alg) - (3 if alg is sha256 else 1)  # the OID's last byte: 01 (SHA-256) -> 02 (SHA-384)
    twin_raw = _flip(raw, i, 0x03)
    from cccd_chip.lds import cms, sod

    assert sod.parse(twin_raw).signed_data.digest_algorithms[0].oid == "2.16.840.1.101.3.4.2.2"
    assert cms.read_algorithm_identifier(raw, (0x30, raw.index(alg), raw.index(alg) + 2, raw.index(alg) + len(alg))).oid \
        == "2.16.840.1.101.3.4.2.1"
    rep = verify_document(doc.with_file("SOD", twin_raw), store, policy=POLICY)
    assert _check(rep, "passive.signature") is Verdict.FAILED
    assert rep.overall is Verdict.FAILED
