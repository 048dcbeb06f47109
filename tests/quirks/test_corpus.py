"""The field-quirks corpus (docs/field-quirks.md): every emulator quirk reads and verifies, and its
tampered twin (the same quirk plus one fault) still fails. Tolerance never reaches signed bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest

from cccd_chip.emulator import quirks as quirk_mod
from cccd_chip.errors import CccdError, SecureMessagingError, UsageError
from cccd_chip.lds import dg2, dg15, face, sod
from cccd_chip.verify.report import Verdict

from quirk_helpers import problems_of, read_and_verify, warnings_of


@dataclass(frozen=True)
class Case:
    quirk: str
    profile: str = "cccd-2021"
    warning: Optional[str] = None  # reason that must show on a successful check
    twin: str = "dg-altered:DG1"  # the fault of the tampered twin
    effect: Callable = field(default=lambda doc, report, stats: True)  # the quirk really happened


def _sod(doc):
    return sod.parse(doc.files["SOD"])


CASES = [
    Case("mf-select-6d00", "passport-bac"),
    Case("dg3-6982", warning="DG_EAC_PROTECTED", effect=lambda d, r, s: "DG3" in d.absent),
    Case("short-reads:40", effect=lambda d, r, s: s.apdus > 60),
    Case("eof-6282", "passport-bac"),
    Case("le00-refused", effect=lambda d, r, s: any("Le=256" in a for a in s.adaptations)),
    Case("le00-refused:6B00", "passport-bac", effect=lambda d, r, s: any("6B00" in a for a in s.adaptations)),
    Case("le-limit:192", effect=lambda d, r, s: any("capped at 192" in a for a in s.adaptations)),
    Case("eof-6cxx", effect=lambda d, r, s: any(a.startswith("DG1: 6C") for a in s.adaptations)),
    Case("bac-refused"),
    Case("ssc-counts-bare-errors", twin="bad-mac", effect=lambda d, r, s: s.reauthentications == 1),
    Case("aa-ecdsa-der", "passport-pace-im", twin="aa-wrong-signature",
         effect=lambda d, r, s: d.evidence.aa_signature[0] == 0x30),
    Case("sod-ber", twin="sod-signature-broken", effect=lambda d, r, s: b"\x30\x80" in d.files["SOD"][:8]),
    Case("sod-ber:1", "passport-bac", twin="sod-signature-broken"),
    Case("sod-indefinite", twin="sod-signature-broken",
         effect=lambda d, r, s: d.files["SOD"][:2] == b"\x77\x80" and any("indefinite" in a for a in s.adaptations)),
    Case("sid-rdn-reordered", warning="SIGNER_ID_MISMATCH", twin="sod-signature-broken"),
    Case("sid-name-variant", twin="sod-signature-broken",
         effect=lambda d, r, s: _sod(d).signed_data.signer_infos[0].sid_issuer not in _sod(d).certificates[0]),
    Case("sid-ski", twin="sod-signature-broken", effect=lambda d, r, s: _sod(d).signed_data.signer_infos[0].version == 3),
    Case("sod-several-certs", twin="sod-signature-broken", effect=lambda d, r, s: len(_sod(d).certificates) == 3),
    Case("pss-params-absent", "passport-dh", warning="DEPRECATED_ALGORITHM", twin="sod-signature-broken",
         effect=lambda d, r, s: _sod(d).signed_data.signer_infos[0].signature_algorithm.parameters is None),
    Case("dg2-several-faces", twin="dg-altered:DG2", effect=lambda d, r, s: len(dg2.parse(d.files["DG2"]).faces) == 2),
    Case("dg2-jpeg2000", twin="dg-altered:DG2",
         effect=lambda d, r, s: face.sniff_image(dg2.parse(d.files["DG2"]).faces[0].image) == "JP2"),
    Case("dg15-negative-modulus", warning="KEY_INTEGER_NEGATIVE", twin="dg-altered:DG15",
         effect=lambda d, r, s: dg15.parse(d.files["DG15"]).negative_integers),
    Case("dg14-unsorted", twin="dg-altered:DG14"),
    Case("com-lists-absent", warning="COM_LISTS_ABSENT", effect=lambda d, r, s: "DG11" in d.absent),
    Case("com-extra-tags"),
    Case("no-com", warning="COM_MISSING", effect=lambda d, r, s: "COM" not in d.files),
    Case("files-padded", effect=lambda d, r, s: not d.files["DG1"].endswith(b"\xFF" * 8)),
    Case("aa-trailer:implicit", twin="aa-wrong-signature"),
    Case("aa-trailer:sha256", twin="aa-wrong-signature"),
    Case("aa-trailer:sha512", "passport-dh", twin="aa-wrong-signature"),
    Case("dg13-nesting:A"),
    Case("dg13-nesting:B"),
    Case("several-pace", effect=lambda d, r, s: d.files["CardAccess"].count(b"\x04\x00\x7f\x00\x07\x02\x02\x04") >= 2),
    Case("sha1-signers", warning="DEPRECATED_ALGORITHM", twin="sod-signature-broken"),
    Case("eac2", twin="dg-altered:DG2", warning="DG_EAC_PROTECTED",
         effect=lambda d, r, s: b"\x06\x08\x04\x00\x7f\x00\x07\x02\x02\x02\x02\x01\x02" in d.files["CardAccess"]),
    Case("explicit-csca", "passport-bac".replace("passport-bac", "cccd-2021")),
]


def test_every_quirk_has_a_case():
    covered = {c.quirk.partition(":")[0] for c in CASES}
    assert covered == set(quirk_mod.QUIRKS)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.quirk}@{c.profile}" for c in CASES])
def test_quirk_verifies(case, tmp_path):
    report, doc, stats = read_and_verify(tmp_path, case.profile, (case.quirk,))
    assert report.overall is Verdict.SUCCESSFUL, problems_of(report)
    if case.warning:
        assert case.warning in warnings_of(report)
    assert case.effect(doc, report, stats)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.quirk}@{c.profile}+{c.twin}" for c in CASES])
def test_tampered_twin_still_fails(case, tmp_path):
    try:
        report, _, _ = read_and_verify(tmp_path, case.profile, (case.quirk,), (case.twin,))
    except SecureMessagingError:
        assert case.twin == "bad-mac"  # an SM integrity failure stops the read: never a verdict
        return
    assert report.overall is Verdict.FAILED, problems_of(report)


def test_quirks_compose(tmp_path):
    qs = ("sod-ber", "sid-rdn-reordered", "dg2-jpeg2000", "short-reads:50", "eof-6282", "mf-select-6d00")
    report, doc, _ = read_and_verify(tmp_path, "cccd-2021", qs)
    assert report.overall is Verdict.SUCCESSFUL, problems_of(report)
    assert "SIGNER_ID_MISMATCH" in warnings_of(report)
    report, _, _ = read_and_verify(tmp_path, "cccd-2021", qs, ("dg-altered:DG2",))
    assert report.overall is Verdict.FAILED


@pytest.mark.parametrize("bad", ["nope", "short-reads:x", "le00-refused:XYZ", "aa-trailer:md5", "no-com:1",
                                 "com-lists-absent:DG99"])
def test_bad_quirk_names_are_usage_errors(bad):
    with pytest.raises(UsageError):
        quirk_mod.parse(bad)


def test_quirk_that_does_not_fit_the_profile(tmp_path):
    from cccd_chip.emulator.personalize import personalize

    with pytest.raises(UsageError, match="RSA DSC"):
        personalize("passport-pace-im", 1, tmp_path / "x", quirks=["pss-params-absent"])
    with pytest.raises(CccdError):
        personalize("passport-bac", 1, tmp_path / "y", quirks=["dg3-6982"])
