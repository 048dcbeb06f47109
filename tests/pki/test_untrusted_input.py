"""Malformed trust material and SODs raise only the project's errors (or give verdicts), never crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cccd_chip.errors import CccdError
from cccd_chip.emulator import testpki
from cccd_chip.pki.certificate import load_certificate
from cccd_chip.pki.crl import load_crl
from cccd_chip.pki.ldif import parse_ldif
from cccd_chip.pki.masterlist import load_master_list
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.verify.passive import verify_passive
from cccd_chip.verify.report import Verdict

_CSCA = testpki.make_csca("VN", key_spec="p256", seed=3)
_DSC = testpki.make_dsc(_CSCA, key_spec="p256", seed=3)
_FILES = testpki.sample_data_groups(0, dg2_size=64)
_SOD = testpki.make_sod(_FILES, _DSC)
_CRL = testpki.make_crl(_CSCA, [1])
_ML = testpki.make_master_list(testpki.make_ml_signer(_CSCA), [_CSCA.cert_der])
_STORE = TrustStore()
_STORE.add_csca(_CSCA.cert_der)


def _mutate(data: bytes, pos: int, value: int, cut: int) -> bytes:
    b = bytearray(data)
    b[pos % len(b)] = value
    return bytes(b[: max(1, len(b) - cut)])


def _only_project_errors(fn, data):
    try:
        fn(data)
    except CccdError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 255), st.integers(0, 40))
def test_mutated_certificates_crls_masterlists(pos, value, cut):
    _only_project_errors(lambda d: load_certificate(d).public_key, _mutate(_CSCA.cert_der, pos, value, cut))
    _only_project_errors(load_crl, _mutate(_CRL, pos, value, cut))
    _only_project_errors(lambda d: load_master_list(d, [load_certificate(_CSCA.cert_der)]), _mutate(_ML, pos, value, cut))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 255), st.integers(0, 40))
def test_mutated_sod_never_verifies_unless_unchanged(pos, value, cut):
    sod = _mutate(_SOD, pos, value, cut)
    res = verify_passive({**_FILES, "SOD": sod}, _STORE)
    if sod != _SOD:
        # every byte of our SODs is either signed, structural, or unsigned framing
        # that must agree with the signer (version, digestAlgorithms): no change may pass silently
        passed = res.signer.trusted and all(
            c.verdict is Verdict.SUCCESSFUL for c in res.checks if c.verdict is not Verdict.NOT_SUPPORTED
        )
        # the one exception (issue 11): the sid is unsigned; an edited sid may still find the
        # signer by its key, and then the change is reported (SIGNER_ID_MISMATCH), never silent
        assert not passed or any(c.reason.value == "SIGNER_ID_MISMATCH" for c in res.checks)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_random_ldif_text(data):
    _only_project_errors(parse_ldif, data)
