"""PKI field quirks reproduced by generated documents (docs/field-quirks.md, PKI section), each with a
tampered twin that still fails."""

from __future__ import annotations

import dataclasses

from asn1crypto import core as acore
from asn1crypto import x509 as ax

from cccd_chip.lds import cms, sod
from cccd_chip.emulator import testpki
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Verdict

from quirk_helpers import AT, CSCA, DSC, FILES, flip, passive, store, trusted, verdict_of
from cccd_chip.verify.passive import verify_passive


def _negative_serial_dsc() -> testpki.Issued:
    """The test DSC re-issued with a negative serial number (RFC 5280 §4.1.2.2 forbids it; CAs did it)."""
    cert = ax.Certificate.load(DSC.cert_der)
    tbs = cert["tbs_certificate"]
    tbs["serial_number"] = acore.Integer(-0x1234567)
    tbs_der = tbs.dump(force=True)
    args = testpki.sign_args(CSCA.key, "pss")
    from cryptography.hazmat.primitives.asymmetric import ec

    sig = CSCA.key.sign(tbs_der, ec.ECDSA(args["algorithm"]))
    new = ax.Certificate({"tbs_certificate": ax.TbsCertificate.load(tbs_der),
                          "signature_algorithm": cert["signature_algorithm"], "signature_value": sig})
    return testpki.Issued(new.dump(), DSC.key, DSC.key_spec)


def test_negative_serial_dsc_verifies():
    dsc = _negative_serial_dsc()
    for sid in ("issuer_serial", "ski"):
        raw = testpki.make_sod(FILES, dsc, sid=sid)
        assert sod.parse(raw).signed_data.signer_infos[0].sid_serial in (None, -0x1234567)
        res = passive({**FILES, "SOD": raw})
        assert trusted(res), res.checks
        assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "OK")


def test_negative_serial_dsc_tampered_twin_fails():
    dsc = _negative_serial_dsc()
    raw = testpki.make_sod(FILES, dsc, sid="issuer_serial")
    res = passive({**FILES, "DG2": flip(FILES["DG2"], 100), "SOD": raw})
    assert verdict_of(res, "passive.dg_hash", "DG2") == (Verdict.FAILED, "DG_HASH_MISMATCH")


LEGACY = "1.3.27.1.1.1"  # a pre-standard LDS security object OID (gmrtd#425)


def _legacy_sod() -> bytes:
    value = sod.parse(testpki.make_sod(FILES, DSC))
    args = testpki.cms_signing(DSC)
    ci = cms.build_signed_data(LEGACY, value.signed_data.econtent, DSC.cert_der, args["signer"], args["digest_alg"],
                               args["signature_alg_oid"], args["signature_params_der"])
    from cccd_chip.iso7816 import tlv

    return tlv.encode(0x77, ci)


def test_legacy_content_type_needs_the_policy_and_then_verifies():
    raw = _legacy_sod()
    strict = passive({**FILES, "SOD": raw})
    assert verdict_of(strict, "passive.signature")[1] == "SOD_CONTENT_TYPE_MISMATCH"
    pol = Policy(at=AT, legacy_content_types=frozenset({LEGACY}))
    res = verify_passive({**FILES, "SOD": raw}, store(), pol)
    assert trusted(res), res.checks
    # tampered twin under the same policy: a DG changed -> failed
    res = verify_passive({**FILES, "DG1": flip(FILES["DG1"], 12), "SOD": raw}, store(), pol)
    assert verdict_of(res, "passive.dg_hash", "DG1") == (Verdict.FAILED, "DG_HASH_MISMATCH")


def test_signed_attributes_stored_unsorted_verify_over_their_der():
    value = sod.parse(testpki.make_sod(FILES, DSC))
    si = value.signed_data.signer_infos[0]
    from cccd_chip.lds._der import elements

    parts = [e[1] for e in elements(si.signed_attrs[2:] if si.signed_attrs[1] < 0x80 else si.signed_attrs[3:])]
    from cccd_chip.lds._der import der

    unsorted = der(0x31, b"".join(reversed(parts)))
    assert unsorted != si.signed_attrs
    si2 = dataclasses.replace(si, signed_attrs=unsorted)
    sd = dataclasses.replace(value.signed_data, signer_infos=(si2,))
    raw = sod.build(dataclasses.replace(value, signed_data=sd))
    assert trusted(passive({**FILES, "SOD": raw}))
    bad = flip(raw, raw.index(si.signature) + 3)
    assert verdict_of(passive({**FILES, "SOD": bad}), "passive.signature")[0] is Verdict.FAILED
