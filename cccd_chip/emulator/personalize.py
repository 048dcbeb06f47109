"""Personalisation of virtual cards: ``personalize(profile, seed, out_dir, faults=())``.

Writes a card directory (architecture.md §3.4, format in :mod:`.card`):

- ``files/*.bin``: the LDS files built with the project's builders
  (EF.COM, DG1, DG2 with a synthetic face, DG3 with synthetic fingerprints (WSQ), DG4 with synthetic
  irises, DG13, DG14, DG15, EF.SOD,
  EF.CardAccess, EF.CardSecurity);
- ``csca.pem`` (the trust anchor a reader needs), ``dsc.pem``, ``csca.crl`` /
  ``crl.pem``;
- ``keys/``: the chip's private keys (AA as PKCS#8 PEM; CA scalars in
  card.json) - test keys only;
- ``card.json``: profile, secrets (CAN, MRZ), options, files, keys, faults.

Deterministic: the same profile, seed and faults give byte-identical files
(keys from a DRBG, RFC 6979 ECDSA, DRBG salts for RSA-PSS, fixed times).
Data faults (see :mod:`.faults`) are applied here, the B51 way: exactly one
object changes, everything else stays valid and signed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..crypto import domain_params
from ..errors import UsageError
from ..iso7816 import tlv
from ..lds import card_access, card_security, cbeff, com, dg1, dg2, dg3, dg4, dg13, dg14, dg15, face, finger, iris, oids, sod
from ..lds import security_infos as si
from . import card_pki, determinism as det, faults as fault_mod, finger_synth, iris_synth, quirks as quirk_mod
from .card import CARD_FORMAT, CARD_VERSION, CardOptions
from .face_synth import face_jpeg
from .holder import Holder, fold, invent
from .profiles import PROFILES, Profile, get as get_profile
from .spec import Spec

__all__ = ["personalize", "PROFILES", "make_atr"]

# name -> (FID, SFI); ICAO 9303-10 §4.6 Table 34 (EF.CardSecurity lives in the MF: same FID as EF.SOD)
FIDS: dict[str, tuple[int, Optional[int]]] = {
    "CardAccess": (0x011C, 0x1C), "CardSecurity": (0x011D, 0x1D), "COM": (0x011E, 0x1E), "SOD": (0x011D, 0x1D),
    "CVCA": (0x011C, 0x1C),  # EF.CVCA in the eMRTD application (TR-03110-1 v1.11 §A.1.2.2)
}
for _i in range(1, 17):
    FIDS[f"DG{_i}"] = (0x0100 + _i, _i)

ECDSA_PLAIN = {"sha1": oids.ECDSA_PLAIN_SHA1, "sha224": oids.ECDSA_PLAIN_SHA224, "sha256": oids.ECDSA_PLAIN_SHA256,
               "sha384": oids.ECDSA_PLAIN_SHA384, "sha512": oids.ECDSA_PLAIN_SHA512}


def make_atr(historical: bytes) -> bytes:
    """ISO/IEC 14443-4 card through a PC/SC reader (PC/SC Part 3 §3.1.3.2.3.1): 3B 8n 80 01 hist TCK."""
    body = bytes([0x3B, 0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes([tck])


# --- holder / MRZ ----------------------------------------------------------------


def _passport_number(seed: int) -> str:
    r = det.Drbg(f"docno|{seed}")
    letters = "CFGHJKLMNPRTVWXYZ"
    b = r(9)
    return letters[b[0] % len(letters)] + "".join(str(x % 10) for x in b[1:9])


def _dg1(p: Profile, h: Holder, seed: int) -> tuple[bytes, dict[str, str]]:
    primary = fold(h.surname)
    secondary = fold(f"{h.middle} {h.given}".strip())
    if p.kind == "cccd":
        v = dg1.make_cccd(h.id_number, date_of_birth=h.dob_yymmdd, sex=h.sex, date_of_expiry=h.doe_yymmdd,
                          primary_identifier=primary, secondary_identifier=secondary)
        secrets = {"id": h.id_number, "can": h.can, "document_number": h.document_number}
    else:
        docno = _passport_number(seed)
        fmt, code = ("TD3", "P") if p.kind == "passport" else ("TD1", "ID")
        v = dg1.make(fmt, document_code=code, issuing_state=p.state, document_number=docno,
                     date_of_birth=h.dob_yymmdd, sex=h.sex, date_of_expiry=h.doe_yymmdd, nationality=p.state,
                     primary_identifier=primary, secondary_identifier=secondary)
        can = "".join(str(b % 10) for b in det.Drbg(f"can|{seed}")(6))
        secrets = {"can": can, "document_number": docno}
    secrets.update({"date_of_birth": h.dob_yymmdd, "date_of_expiry": h.doe_yymmdd, "mrz": "\n".join(v.lines)})
    return dg1.build(v), secrets


# The CCCD's biometric header template: type face, no subtype, owner SC37, type 19794-5, no header
# version. With it the JPEG starts at byte 84 of DG2, where one CCCD reader cuts it out (it drops the
# first 112 base64 characters = 84 bytes, cccd-chip-facts §4 / S-07); DG2 lengths are 2-byte long forms.
CCCD_FACE_HEADER = cbeff.BiometricHeader(((0x81, b"\x02"), (0x82, b"\x00"), (0x87, b"\x01\x01"), (0x88, b"\x00\x08")))
CCCD_JPEG_OFFSET = 84


def _dg2(h: Holder, seed: int, layout: str = "icao") -> bytes:
    jpeg = face_jpeg(seed)
    img = face.FaceImage(gender=1 if h.sex == "M" else 2, face_image_type=1, image_data_type=0,
                         width=480, height=640, colour_space=1, source_type=2, image=jpeg)
    if layout == "cccd":
        info = cbeff.BiometricInfo(CCCD_FACE_HEADER, face.build_record([img]))
        return cbeff.encode_file(dg2.TAG, cbeff.BiometricGroup(1, (info,)))
    return dg2.make([img]).raw


# DG3: the fingers of the card. The CCCD facts (cccd-chip-facts §1, S-21/S-22/S-40) say DG3 exists and
# holds fingerprints, not which ones; EU and ICAO practice (two plain index fingers, 500 ppi, WSQ) is
# followed for every profile. 19794-4 position codes: 2 right index, 7 left index.
DG3_FINGERS = (2, 7)
DG4_EYES = (1, 2)  # right, left (19794-6 eye labels)


def _dg3(seed: int) -> bytes:
    """Two synthetic index fingers, WSQ compressed, one 19794-4 record per template (EAC-protected)."""
    r = det.Drbg(f"dg3-quality|{seed}")
    views = [finger.FingerView(position=pos, quality=60 + b % 36, impression_type=0,
                               width=finger_synth.WIDTH, height=finger_synth.HEIGHT,
                               image=finger_synth.finger_wsq(seed, pos))
             for pos, b in zip(DG3_FINGERS, r(len(DG3_FINGERS)))]
    return dg3.make(views).raw


def _dg4(seed: int) -> bytes:
    """Two synthetic eyes, mono JPEG 640 x 480, one 19794-6 record per eye (EAC-protected)."""
    r = det.Drbg(f"dg4-quality|{seed}")
    images = [iris.IrisImage(eye=eye, image_number=1, quality=50 + b % 46, image=iris_synth.iris_jpeg(seed, eye))
              for eye, b in zip(DG4_EYES, r(len(DG4_EYES)))]
    template = iris.IrisRecord((), image_format=iris.FORMAT_MONO_JPEG, width=iris_synth.WIDTH,
                               height=iris_synth.HEIGHT, intensity_depth=8, image_properties=0x0005,
                               iris_diameter=iris_synth.IRIS_DIAMETER)
    return dg4.make(images, template).raw


def _dg13(h: Holder, p: Profile, seed: int) -> bytes:
    """DG13 of the invented holder (facts §3); 2024 cards: no identifying marks, layout B."""
    pd = dg13.CCCDPersonalData(
        id_number=h.id_number, full_name=h.full_name, date_of_birth=h.date_of_birth,
        sex="Nam" if h.sex == "M" else "Nữ", nationality="Việt Nam", ethnicity=h.ethnicity, religion=h.religion,
        place_of_origin=h.hometown, place_of_residence=h.residence,
        identifying_marks=h.marks if p.generation == 2021 else None, date_of_issue=h.date_of_issue,
        date_of_expiry=h.date_of_expiry or "Không thời hạn", father_name=h.father, mother_name=h.mother,
        spouse_name=h.spouse, old_id_number=h.old_id, field_16=det.Drbg(f"serial|{seed}")(8).hex().upper())
    return dg13.build_personal_data(pd, parents_layout=p.dg13_layout).raw


# --- keys and SecurityInfos ----------------------------------------------------------


def _ca_material(p: Profile, seed: int, clone: bool) -> tuple[si.ChipAuthenticationPublicKeyInfo, int, bytes]:
    """(public key info, chip private scalar, public element bytes) of the CA key."""
    ca = p.ca
    assert ca is not None
    domain = domain_params.standard(ca.parameter_id)
    sk, pk = domain.generate(det.Drbg(f"ca-key|{p.name}|{seed}"))
    chip_sk = sk
    if clone:  # the chip holds another key than DG14 announces (a clone with a copied DG14)
        chip_sk, _ = domain.generate(det.Drbg(f"ca-key-clone|{p.name}|{seed}"))
    proto = si.ID_PK_ECDH if ca.key_agreement == "ECDH" else si.ID_PK_DH
    info = si.ChipAuthenticationPublicKeyInfo(proto, si.build_subject_public_key(domain, pk), ca.key_id)
    return info, chip_sk, domain.encode(pk)


def _pace_infos(p: Profile, specs: Iterable[Spec] = ()) -> list[si.SecurityInfo]:
    infos: list[si.SecurityInfo] = [si.PaceInfo(si.pace_oid(x.mapping, x.key_agreement, x.cipher), 2, x.parameter_id) for x in p.pace]
    explicit = fault_mod.arg_of(specs, "pace-domain")
    if explicit:  # PACE on an explicit (attack) domain, the same in CardAccess, DG14 and CardSecurity
        from .attack_domains import pace_infos_with_domain

        infos = pace_infos_with_domain(explicit, infos)
    return infos


def _ca_info(p: Profile) -> si.ChipAuthenticationInfo:
    assert p.ca is not None
    return si.ChipAuthenticationInfo(si.ca_oid(p.ca.key_agreement, p.ca.cipher), 1, p.ca.key_id)


def _aa_key(p: Profile, seed: int) -> det.SigningKey:
    assert p.aa is not None
    return det.key_for(p.aa.key_spec, f"aa|{p.name}|{seed}")


# --- data faults ----------------------------------------------------------------------


def _alter(name: str, data: bytes) -> bytes:
    """Change one byte of ``name`` so that it still parses (the hash no longer matches)."""
    b = bytearray(data)
    if name == "DG2":
        i = len(b) - 100
        b[i] ^= 0x55
        return bytes(b)
    if name in ("DG14", "DG15"):
        b[len(b) - 10] ^= 0x01
        return bytes(b)
    for i in range(len(b) - 1, 0, -1):
        if 0x41 <= b[i] <= 0x5A or 0x61 <= b[i] <= 0x7A:
            b[i] = 0x58 if b[i] != 0x58 else 0x59
            return bytes(b)
    b[-1] ^= 0x01
    return bytes(b)


def _huge_length(data: bytes) -> bytes:
    """Same content, outer length declared as 0x7FFFFFF0 (4-byte long form)."""
    h = tlv.read_header(data, 0)
    return tlv.encode_tag(h.tag) + b"\x84\x7F\xFF\xFF\xF0" + data[h.header_len:]


def _dg11(h: Holder) -> bytes:
    """A small DG11 (additional personal details, ICAO 9303-10 §4.7.11): tag list + full name."""
    name = fold(h.surname) + "<<" + fold(f"{h.middle} {h.given}").replace(" ", "<")
    return tlv.encode(0x6B, tlv.encode(0x5C, b"\x5F\x0E") + tlv.encode(0x5F0E, name.encode()))


# --- main ---------------------------------------------------------------------------


def personalize(profile: str, seed: int, out: "str | Path", faults: Iterable[str] = (),
                quirks: Iterable[object] = ()) -> Path:
    """Write the card directory for ``profile`` / ``seed`` (with ``faults`` and field ``quirks``) to ``out``."""
    qspecs = quirk_mod.parse_specs(quirks)
    p = quirk_mod.adjust_profile(get_profile(profile), qspecs)
    if not isinstance(seed, int) or seed < 0:
        raise UsageError("the seed must be a non-negative integer")
    specs = fault_mod.parse_specs(faults)
    names = {f.name for f in specs}
    fault_mod.check_applicable(specs, p)
    holder = invent(seed)
    out = Path(out)

    # PKI of the card set
    pki_faults = frozenset(n for n in names if n in fault_mod.PKI_FAULTS)
    if p.pki == "vn-cccd":
        pki = card_pki.make_vn_card_pki(p.dsc, generation=p.generation, doc_types=p.doc_types, faults=pki_faults)
    else:
        pki = card_pki.make_card_pki(p.country, p.csca, p.dsc, set_label=p.name, explicit_csca=p.explicit_csca,
                                     doc_types=p.doc_types, faults=pki_faults)

    files: dict[str, bytes] = {}
    files["DG1"], secrets = _dg1(p, holder, seed)
    if 2 in p.data_groups:
        files["DG2"] = _dg2(holder, seed, p.dg2_layout)
    if 3 in p.data_groups:
        files["DG3"] = _dg3(seed)
    if 4 in p.data_groups:
        files["DG4"] = _dg4(seed)
    if 13 in p.data_groups:
        files["DG13"] = _dg13(holder, p, seed)
    keys: dict[str, Any] = {}  # card.json "keys": JSON values
    key_files: dict[str, bytes] = {}
    ca_pk_info = None
    if p.ca is not None:
        ca_pk_info, chip_sk, pub = _ca_material(p, seed, "ca-key-mismatch" in names)
        size = (domain_params.standard(p.ca.parameter_id).order.bit_length() + 7) // 8
        keys["ca"] = [{"key_id": p.ca.key_id, "parameter_id": p.ca.parameter_id,
                       "protocol": si.ca_oid(p.ca.key_agreement, p.ca.cipher),
                       "sk": chip_sk.to_bytes(size, "big").hex().upper(), "public": pub.hex().upper()}]
    aa_info = None
    if p.aa is not None:
        aa_key = _aa_key(p, seed)
        key_files["keys/aa.pem"] = card_pki.key_pem(aa_key)
        is_rsa = isinstance(aa_key, rsa.RSAPrivateKey)
        keys["aa"] = {"path": "keys/aa.pem", "type": "rsa" if is_rsa else "ec", "hash": p.aa.hash}
        if not is_rsa:
            aa_info = si.ActiveAuthenticationInfo(si.ID_AA, 1, ECDSA_PLAIN[p.aa.hash])
        spki = aa_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        files["DG15"] = dg15.build(dg15.make(spki))
    if p.ca is not None and 14 in p.data_groups:
        assert ca_pk_info is not None  # made above for every profile with a CA key
        infos: list[si.SecurityInfo] = [_ca_info(p), ca_pk_info, *_pace_infos(p, specs)]
        if p.ta_info:
            infos.append(si.TerminalAuthenticationInfo(si.ID_TA, p.ta_version))
        if aa_info is not None:
            infos.append(aa_info)
        files["DG14"] = dg14.make(infos).raw
    elif aa_info is not None and 15 in p.data_groups:
        files["DG14"] = dg14.make([aa_info]).raw

    # MF files: EF.CardAccess (PACE, plus CA and TA infos like the CCCD) and EF.CardSecurity
    mf: dict[str, bytes] = {}
    if p.pace:
        infos = _pace_infos(p, specs)
        if p.ta_info:
            infos.append(si.TerminalAuthenticationInfo(si.ID_TA, p.ta_version))
            if p.ca is not None:
                infos.append(_ca_info(p))
        mf["CardAccess"] = card_access.make(infos).raw
        if p.card_security and ca_pk_info is not None:
            cs_infos = infos + [ca_pk_info] + ([] if p.ta_info else [_ca_info(p)])
            args = pki.dsc.cms_args(f"cardsecurity|{p.name}|{seed}")
            mf["CardSecurity"] = card_security.build_card_security(
                cs_infos, pki.dsc.cert_der, args["signer"], args["digest_alg"], args["signature_alg_oid"],
                args["signature_params_der"], signing_time=pki.signing_time)

    # EF.COM and EF.SOD (data faults: extra DG / DG missing from the SOD / broken signature)
    extra = fault_mod.arg_of(specs, "extra-dg")
    if extra is not None:
        files[extra] = _dg11(holder)
    dg_numbers = sorted(int(n[2:]) for n in files)
    files["COM"] = com.build(com.make(dg_numbers))
    quirk_mod.before_sod(files, qspecs, seed=seed)
    signed = {int(n[2:]): d for n, d in files.items() if n.startswith("DG") and n != extra}
    missing = fault_mod.arg_of(specs, "dg-not-in-sod")
    if missing is not None:
        signed.pop(int(missing[2:]), None)
    args = pki.dsc.cms_args(f"sod|{p.name}|{seed}")
    args.update(quirk_mod.sod_overrides(qspecs, pki, args, label=f"sod|{p.name}|{seed}"))
    signer = args["signer"]
    if "sod-signature-broken" in names:
        inner = signer

        def signer(data: bytes, _inner: Callable[[bytes], bytes] = inner) -> bytes:  # noqa: E306 - flip one bit of the last byte
            s = bytearray(_inner(data))
            s[-1] ^= 0x01
            return bytes(s)
    files["SOD"] = sod.build_sod(
        sod.hash_data_groups(signed, p.dg_hash), pki.dsc.cert_der, signer, hash_alg=p.dg_hash,
        digest_alg=args["digest_alg"], signature_alg_oid=args["signature_alg_oid"],
        signature_params_der=args["signature_params_der"], version=p.sod_version,
        signing_time=pki.signing_time, **{k: v for k, v in args.items() if k in ("sid", "extra_certificates")})
    files["SOD"] = quirk_mod.after_sod(files["SOD"], qspecs, pki)
    altered = fault_mod.arg_of(specs, "dg-altered")
    if altered is not None:
        files[altered] = _alter(altered, files[altered])
    huge = fault_mod.arg_of(specs, "huge-length")
    if huge is not None:
        files[huge] = _huge_length(files[huge])
    quirk_mod.finish(files, qspecs)
    if p.eac_data_groups:  # EF.CVCA and the test EAC PKI of the card set (emulator/eac_pki.py)
        _eac(p, names, files, keys, key_files)

    _write(out, p, seed, files, mf, secrets, keys, key_files, pki, specs, qspecs)
    return out


def _eac(p: Profile, names: set[str], files: dict[str, bytes], keys: dict[str, Any],
         key_files: dict[str, bytes]) -> None:
    """EF.CVCA (not in EF.COM / the SOD: TR-03110-1 v1.11 §A.1.2.2), the chip's trust point and
    date in card.json ``keys.eac``, the terminal chain and IS key in ``eac/`` (test material)."""
    from .eac_pki import CHIP_DATE, make_eac_pki

    eac = make_eac_pki(p.country, p.name, frozenset(n for n in names if n in fault_mod.EAC_FAULTS))
    files["CVCA"] = eac.ef_cvca
    keys["eac"] = {"trust_points": [eac.chip_trust_point.raw.hex().upper()], "date": CHIP_DATE.isoformat(),
                   "ta_version": p.ta_version, "chain": "eac/chain", "terminal_key": "eac/is_key.pem",
                   "unprotected": "ta-skipped" in names}
    key_files.update(eac.files())


def _write(out: Path, p: Profile, seed: int, files: dict[str, bytes], mf: dict[str, bytes], secrets: dict[str, str],
           keys: dict[str, Any], key_files: dict[str, bytes], pki: card_pki.CardPki, specs: Iterable[Spec],
           qspecs: Iterable[Spec] = ()) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("files", "keys", "eac"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    (out / "files").mkdir()
    entries = []
    order = ["CardAccess", "CardSecurity", "COM"] + [f"DG{i}" for i in range(1, 17)] + ["SOD", "CVCA"]
    allf = {**mf, **files}
    for name in order:
        if name not in allf:
            continue
        fid, sfi = FIDS[name]
        dg = int(name[2:]) if name.startswith("DG") else None
        eac_file = dg in p.eac_data_groups and not keys.get("eac", {}).get("unprotected")  # fault ta-skipped
        access = "open" if name == "CardAccess" else ("eac" if eac_file else "sm")
        (out / "files" / f"{name}.bin").write_bytes(allf[name])
        entries.append({"name": name, "fid": f"{fid:04X}", "sfi": sfi, "path": f"files/{name}.bin",
                        "access": access, "df": "mf" if name in mf else "app"})
    for rel, data in key_files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    (out / "csca.pem").write_bytes(pki.csca_trusted.pem)
    (out / "dsc.pem").write_bytes(pki.dsc.pem)
    if pki.crl_der is not None:
        (out / "csca.crl").write_bytes(pki.crl_der)
    options = CardOptions(bac=p.bac, max_le=p.max_le, extended=p.extended, mf_select_sw=p.mf_select_sw,
                          eof_warning=p.eof_warning)
    meta = {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "profile": p.name,
        "seed": seed,
        "description": p.description,
        "atr": make_atr(p.atr_historical).hex().upper(),
        "secrets": secrets,
        "options": options.to_json(),
        "files": entries,
        "keys": keys,
        "pki": {"csca": "csca.pem", "dsc": "dsc.pem", "crl": "csca.crl" if pki.crl_der else None},
        "faults": [f.to_json() for f in specs],
        "quirks": [q.to_json() for q in qspecs],
        "warning": "TEST CARD: invented holder, test keys; never a real document",
    }
    (out / "card.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
