"""A SOD that lists a data group twice: the DG's verdict is the worst of its checks, so it never
counts as authenticated for the chip checks (AA's DG15, CA's DG14) behind a 'listed twice' failure."""

from __future__ import annotations

from cccd_chip.lds import sod
from cccd_chip.emulator import testpki
from cccd_chip.verify.passive import verify_passive
from cccd_chip.verify.report import Reason, Verdict

from .conftest import POLICY


def _sod_with(files, dsc, pairs):
    args = testpki.cms_signing(dsc, scheme="ecdsa")
    return sod.build_sod(pairs, dsc.cert_der, args["signer"], hash_alg=args["digest_alg"],
                         digest_alg=args["digest_alg"], signature_alg_oid=args["signature_alg_oid"],
                         signature_params_der=args["signature_params_der"])


def test_dg_listed_twice_is_not_authenticated(pki):
    files = pki.files("ecdsa-p256")
    dsc = pki.dscs["ecdsa-p256"]
    good = sod.hash_data_groups({int(k[2:]): v for k, v in files.items() if k.startswith("DG")},
                                testpki.cms_signing(dsc, scheme="ecdsa")["digest_alg"])
    pairs = sorted(good.items()) + [(1, bytes(len(good[1])))]  # DG1 again, with another hash
    files["SOD"] = _sod_with(files, dsc, pairs)
    pa = verify_passive(files, pki.store, POLICY)
    dg1 = [c for c in pa.checks if c.check == "passive.dg_hash" and c.subject == "DG1"]
    assert (Verdict.FAILED, Reason.SOD_MALFORMED) in [(c.verdict, c.reason) for c in dg1]
    assert pa.signer.trusted  # the SOD itself verifies: only the duplicate is wrong
    assert not pa.dg_authenticated(1)
    assert pa.dg_authenticated(2)  # control: the other DGs are fine
