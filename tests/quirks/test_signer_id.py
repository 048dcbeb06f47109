"""Quirk: SignerInfo sid that does not byte-match the embedded DSC (RFC 5652 §5.3, RFC 5280 §7.1; issue 11 defect 2)."""

from __future__ import annotations

import dataclasses
import time

from asn1crypto import x509 as ax

from cccd_chip.lds import sod
from cccd_chip.emulator import testpki
from cccd_chip.pki import signed_data as sdv
from cccd_chip.verify.report import Verdict

from quirk_helpers import CSCA, DSC, FILES, flip, passive, trusted, verdict_of

OTHER_CSCA = testpki.make_csca("LA", key_spec="p256", seed=12)
OTHER_DSC = testpki.make_dsc(OTHER_CSCA, key_spec="p256", seed=12)


def _with_sid(raw: bytes, **changes) -> bytes:
    value = sod.parse(raw)
    si = dataclasses.replace(value.signed_data.signer_infos[0], **changes)
    sd = dataclasses.replace(value.signed_data, signer_infos=(si,))
    return sod.build(dataclasses.replace(value, signed_data=sd))


def _issuer_name() -> ax.Name:
    return ax.Certificate.load(DSC.cert_der)["tbs_certificate"]["issuer"]


def _rebuilt_name(rdns, *, printable: bool = False, upper: bool = False) -> bytes:
    out = []
    for rdn in rdns:
        atvs = []
        for atv in rdn:
            value = atv["value"].native
            value = value.upper() if upper else value
            typ = atv["type"].native
            if typ == "country_name":
                ps = ax.DirectoryString(name="printable_string", value=atv["value"].native.lower())
                atvs.append(ax.NameTypeAndValue({"type": typ, "value": ps}))
            else:
                choice = "printable_string" if printable else "utf8_string"
                atvs.append(ax.NameTypeAndValue({"type": typ, "value": ax.DirectoryString(name=choice, value="  " + value + " ")}))
        out.append(ax.RelativeDistinguishedName(atvs))
    return ax.Name(name="", value=ax.RDNSequence(out)).dump(force=True)


def _sod_issuer_serial() -> bytes:
    return testpki.make_sod(FILES, DSC, sid="issuer_serial")


def test_issuer_name_string_type_case_and_spaces_match_per_rfc5280():
    rdns = list(_issuer_name().chosen)
    variant = _rebuilt_name(rdns, printable=True, upper=True)
    assert variant != DSC.cert.issuer.public_bytes()
    raw = _with_sid(_sod_issuer_serial(), sid_issuer=variant)
    res = passive({**FILES, "SOD": raw})
    assert trusted(res)
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "OK")


def test_multi_valued_rdn_has_set_semantics():
    from cccd_chip.lds._der import der, der_seq

    rdns = list(_issuer_name().chosen)
    x, y = rdns[-1][0].dump(), rdns[-2][0].dump()
    head = b"".join(r.dump() for r in rdns[:-2])
    a = der_seq(head + der(0x31, x + y))  # stored in either order (BER SET semantics)
    b = der_seq(head + der(0x31, y + x))
    assert a != b and sdv._name_key(a) == sdv._name_key(b) != ""


def test_rdn_reordered_sid_is_found_by_key_with_warning():
    rdns = list(_issuer_name().chosen)
    reordered = ax.Name(name="", value=ax.RDNSequence(list(reversed(rdns)))).dump(force=True)
    raw = _with_sid(_sod_issuer_serial(), sid_issuer=reordered)
    res = passive({**FILES, "SOD": raw})
    assert trusted(res)
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "SIGNER_ID_MISMATCH")
    assert verdict_of(res, "passive.dsc_chain")[0] is Verdict.SUCCESSFUL


def test_wrong_serial_found_by_key_with_warning_and_tampered_twin_fails():
    raw = _with_sid(_sod_issuer_serial(), sid_serial=DSC.cert.serial_number + 1)
    res = passive({**FILES, "SOD": raw})
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "SIGNER_ID_MISMATCH")
    si = sod.parse(raw).signed_data.signer_infos[0]
    bad = flip(raw, raw.index(si.signature) + 10)
    res = passive({**FILES, "SOD": bad})
    assert not trusted(res)
    assert verdict_of(res, "passive.signature")[0] is not Verdict.SUCCESSFUL


def test_v3_signer_info_with_ski():
    raw = testpki.make_sod(FILES, DSC, sid="ski")
    si = sod.parse(raw).signed_data.signer_infos[0]
    assert si.version == 3 and si.sid_ski is not None
    res = passive({**FILES, "SOD": raw})
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "OK")


def test_wrong_ski_found_by_key_with_warning():
    raw = _with_sid(testpki.make_sod(FILES, DSC, sid="ski"), sid_ski=b"\x01" * 20)
    res = passive({**FILES, "SOD": raw})
    assert trusted(res)
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "SIGNER_ID_MISMATCH")


def test_sod_with_several_certificates():
    raw = testpki.make_sod(FILES, DSC, extra_certificates=[OTHER_DSC.cert_der, CSCA.cert_der])
    res = passive({**FILES, "SOD": raw})
    assert trusted(res)
    assert verdict_of(res, "passive.signature") == (Verdict.SUCCESSFUL, "OK")


def test_several_certificates_signer_listed_last():
    value = sod.parse(testpki.make_sod(FILES, DSC, extra_certificates=[OTHER_DSC.cert_der]))
    sd = dataclasses.replace(value.signed_data, certificates=tuple(reversed(value.signed_data.certificates)))
    raw = sod.build(dataclasses.replace(value, signed_data=sd))
    assert trusted(passive({**FILES, "SOD": raw}))


def test_signer_found_by_key_must_still_chain():
    # an attacker's SOD signed by a key of their own, sid naming the genuine DSC: the key is found,
    # but it does not chain to a trusted CSCA -> never successful
    forged = testpki.make_sod(FILES, OTHER_DSC, sid="issuer_serial")
    genuine = sod.parse(_sod_issuer_serial()).signed_data.signer_infos[0]
    raw = _with_sid(forged, sid_issuer=genuine.sid_issuer, sid_serial=genuine.sid_serial)
    res = passive({**FILES, "SOD": raw})
    assert not trusted(res)
    assert verdict_of(res, "passive.dsc_chain")[0] is not Verdict.SUCCESSFUL


def test_no_embedded_certificate_and_no_known_dsc_is_undetermined():
    raw = testpki.make_sod(FILES, DSC, include_cert=False)
    res = passive({**FILES, "SOD": raw})
    assert verdict_of(res, "passive.signature") == (Verdict.UNDETERMINED, "SIGNER_NOT_FOUND")


def test_lookup_is_cheap():
    rdns = list(_issuer_name().chosen)
    reordered = ax.Name(name="", value=ax.RDNSequence(list(reversed(rdns)))).dump(force=True)
    raw = _with_sid(_sod_issuer_serial(), sid_issuer=reordered)
    sd = sod.parse(raw).signed_data
    si = sd.signer_infos[0]
    sdv.identify_signer(si, sd.certificates)  # warm the caches
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        sdv.find_signer(si, sd.certificates)
    miss = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n):
        sdv.identify_signer(si, sd.certificates)
    full = (time.perf_counter() - t0) / n
    # a failed sid lookup must cost far less than the signature check that follows it
    assert miss < full / 3, (miss, full)
