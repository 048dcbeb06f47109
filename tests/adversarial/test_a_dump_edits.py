"""Class (a): an attacker edits a dump and holds no key (issue 10).

Every case starts from a genuine read of a virtual card (one per profile, read once per
session) and edits its single-file dump in memory: file names (aliases, duplicates,
unknown names), file contents (truncate, flip, append, swap with another card), the file
set (extra, missing), the manifest (absent, access, read_at) and the evidence (AA, CA,
PACE-CAM). Each case names its expected verdict and reason; the dump is loaded and
verified in-process exactly as ``cccd verify`` does. A sample runs the real command to
check exit codes.
"""

from __future__ import annotations

import json

import pytest

from adversary import AT_TEXT, dump_outcome, run_cli, write_dump

PROFILES = ("cccd-2021", "cccd-2024", "passport-bac", "passport-pace-im", "passport-pace-cam", "passport-aes256",
            "id-small-le", "id-explicit-csca", "passport-dh")
OTHER_SEED = 8  # the "other card" of the same profile (same PKI, another holder)

DUMP_FORMAT = ("error", "DUMP_FORMAT")


def _dgs(g) -> list[str]:
    return sorted((n for n in g.manifest["files"] if n.startswith("DG")), key=lambda n: int(n[2:]))


def _files(g) -> list[str]:
    return sorted(g.manifest["files"])


# --- controls: the genuine dumps verify (the twin of every attack below) ------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_genuine_dump_is_successful(genuine, judge, profile):
    g = genuine(profile)
    judge(dump_outcome(g.manifest, g.store), expect="successful")


# --- defect 1: names. One canonical name per file; anything else is refused at load --------------

ALIASES = (
    lambda n: f"DG0{n}",  # DG02
    lambda n: f"DG00{n}",  # DG002
    lambda n: f"dg{n}",  # dg2
    lambda n: f"Dg{n}",
    lambda n: f"DG{n} ",  # trailing blank
    lambda n: f" DG{n}",
)


def _alias_cases():
    for profile in PROFILES:
        for i in range(len(ALIASES)):
            yield profile, i


@pytest.mark.parametrize("profile,alias", list(_alias_cases()))
def test_alias_of_every_dg_beside_a_substitute_is_refused(genuine, judge, profile, alias):
    """Genuine DGn under an alias + another card's DGn under the canonical name (the issue's attack)."""
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    for name in _dgs(g):
        n = int(name[2:])
        m = g.manifest_copy()
        m["files"][ALIASES[alias](n)] = m["files"].pop(name)
        if name in other.manifest["files"]:
            m["files"][name] = other.manifest["files"][name]
        judge(dump_outcome(m, g.store), expect="error", reason="DUMP_FORMAT", exit_code=6)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", ["COM", "SOD", "CardAccess", "CardSecurity"])
def test_alias_of_a_named_file_is_refused(genuine, judge, profile, name):
    g = genuine(profile)
    m = g.manifest_copy()
    if name not in m["files"]:
        m["files"][name] = "00"
    m["files"][name.lower()] = m["files"].pop(name)
    judge(dump_outcome(m, g.store), expect="error", reason="DUMP_FORMAT", exit_code=6)


UNKNOWN_NAMES = ("DG0", "DG17", "DG99", "EFCOM", "SOD2", "dump", "DG1x", "X")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("unknown", UNKNOWN_NAMES)
def test_unknown_file_name_is_refused(genuine, judge, profile, unknown):
    g = genuine(profile)
    m = g.manifest_copy()
    m["files"][unknown] = m["files"]["DG1"]
    judge(dump_outcome(m, g.store), expect="error", reason="DUMP_FORMAT", exit_code=6)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("target", ["DG1", "DG2", "SOD", "files", "access"])
def test_duplicate_json_key_is_refused(genuine, judge, profile, target):
    """The same key twice: one JSON parser keeps the first, another the last."""
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    raw = json.dumps(g.manifest)
    if target in ("DG1", "DG2", "SOD"):
        key = f'"{target}": "{g.manifest["files"][target]}"'
        assert key in raw
        raw = raw.replace(key, f'"{target}": "{other.manifest["files"][target]}", {key}')
    elif target == "files":
        raw = raw.replace('"files": {', '"files": {}, "files": {', 1)
    else:
        raw = raw.replace('"access": ', '"access": null, "access": ', 1)
    judge(dump_outcome(raw, g.store), expect="error", reason="DUMP_FORMAT", exit_code=6)


@pytest.mark.parametrize("profile", PROFILES)
def test_absent_entry_for_a_file_that_is_present_is_refused(genuine, judge, profile):
    g = genuine(profile)
    m = g.manifest_copy()
    m["absent"]["DG1"] = "not found (6A82)"
    judge(dump_outcome(m, g.store), expect="error", reason="DUMP_FORMAT", exit_code=6)


@pytest.mark.parametrize("profile", PROFILES)
def test_absent_entry_under_an_alias_is_refused(genuine, judge, profile):
    g = genuine(profile)
    m = g.manifest_copy()
    m["absent"]["DG02"] = "not found (6A82)"
    judge(dump_outcome(m, g.store), expect="error", reason="DUMP_FORMAT", exit_code=6)


# --- contents: truncate, flip, append, empty, swap names ----------------------------------------


def _content_cases():
    for profile in PROFILES:
        for edit in ("truncate", "flip-first", "flip-last", "append", "empty"):
            yield profile, edit


def _edit(hexdata: str, edit: str) -> str:
    b = bytearray.fromhex(hexdata)
    if edit == "truncate":
        b = b[:-1]
    elif edit == "flip-first":
        b[min(4, len(b) - 1)] ^= 0x01
    elif edit == "flip-last":
        b[-1] ^= 0x80
    elif edit == "append":
        b += b"\x00"
    elif edit == "empty":
        b = bytearray()
    return bytes(b).hex().upper()


@pytest.mark.parametrize("profile,edit", list(_content_cases()))
def test_edited_data_group_fails_its_hash(genuine, judge, profile, edit):
    g = genuine(profile)
    for name in _dgs(g):
        m = g.manifest_copy()
        m["files"][name] = _edit(m["files"][name], edit)
        judge(dump_outcome(m, g.store), expect="failed", reason="DG_HASH_MISMATCH")


@pytest.mark.parametrize("profile,edit", list(_content_cases()))
def test_edited_sod_fails(genuine, judge, profile, edit):
    g = genuine(profile)
    m = g.manifest_copy()
    m["files"]["SOD"] = _edit(m["files"]["SOD"], edit)
    judge(dump_outcome(m, g.store), expect="failed",
          reason=("SOD_MALFORMED", "SOD_SIGNATURE_INVALID", "SOD_MESSAGE_DIGEST_MISMATCH", "DG_HASH_MISMATCH",
                  "SOD_MISSING"))


@pytest.mark.parametrize("profile", PROFILES)
def test_data_groups_under_each_others_names_fail(genuine, judge, profile):
    g = genuine(profile)
    dgs = _dgs(g)
    for a, b in zip(dgs, dgs[1:] + dgs[:1]):
        m = g.manifest_copy()
        m["files"][a], m["files"][b] = g.manifest["files"][b], g.manifest["files"][a]
        judge(dump_outcome(m, g.store), expect="failed", reason="DG_HASH_MISMATCH")


# --- swaps between two genuine cards of the same issuer -----------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_data_group_from_another_card_fails(genuine, judge, profile):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    for name in _dgs(g):
        if other.manifest["files"].get(name) in (None, g.manifest["files"][name]):
            continue  # identical on both cards (e.g. DG14 of one card set): not an edit
        m = g.manifest_copy()
        m["files"][name] = other.manifest["files"][name]
        judge(dump_outcome(m, g.store), expect="failed", reason="DG_HASH_MISMATCH")


@pytest.mark.parametrize("profile", PROFILES)
def test_sod_from_another_card_fails(genuine, judge, profile):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    m["files"]["SOD"] = other.manifest["files"]["SOD"]
    judge(dump_outcome(m, g.store), expect="failed", reason="DG_HASH_MISMATCH")


# --- the file set: missing, extra -----------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_missing_sod_fails(genuine, judge, profile):
    g = genuine(profile)
    m = g.manifest_copy()
    del m["files"]["SOD"]
    judge(dump_outcome(m, g.store), expect="failed", reason="SOD_MISSING")


@pytest.mark.parametrize("profile", PROFILES)
def test_missing_data_group_is_never_successful(genuine, judge, profile):
    g = genuine(profile)
    for name in _dgs(g):
        m = g.manifest_copy()
        del m["files"][name]
        judge(dump_outcome(m, g.store), expect="undetermined", reason="DG_NOT_READ")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", ["DG1", "DG2"])
def test_mandatory_dg_said_absent_fails(genuine, judge, profile, name):
    g = genuine(profile)
    m = g.manifest_copy()
    del m["files"][name]
    m["absent"][name] = "not found (6A82)"
    judge(dump_outcome(m, g.store), expect="failed", reason="DG_MANDATORY_MISSING")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("extra", ["DG5", "DG7", "DG11", "DG12", "DG16"])
def test_extra_data_group_not_in_the_sod_fails(genuine, judge, profile, extra):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    if extra in m["files"]:
        return
    m["files"][extra] = other.manifest["files"]["DG1"]
    judge(dump_outcome(m, g.store), expect="failed", reason="DG_NOT_IN_SOD")


# --- the CLI: the same attacks through `cccd verify` (real exit codes) -------------------------


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-pace-cam"])
def test_cli_alias_attack_exits_6(genuine, judge, tmp_path, profile):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    m["files"]["DG02"] = m["files"].pop("DG2")
    m["files"]["DG2"] = other.manifest["files"]["DG2"]
    p = write_dump(m, tmp_path / "alias.json")
    r = run_cli("verify", p, "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT)
    judge(r.outcome, expect="error", exit_code=6)
    assert "alias of DG2" in r.err


@pytest.mark.parametrize("profile", ["cccd-2021"])
def test_cli_alias_attack_in_a_folder_dump_exits_6(genuine, judge, tmp_path, profile):
    from cccd_chip.document import Document

    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    d = g.doc.save(tmp_path / "dump")
    m = json.loads((d / "dump.json").read_text())
    m["files"]["DG02"] = "DG02.bin"
    (d / "DG02.bin").write_bytes(g.doc.files["DG2"])
    (d / "DG2.bin").write_bytes(other.doc.files["DG2"])
    (d / "dump.json").write_text(json.dumps(m))
    r = run_cli("verify", d, "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT)
    judge(r.outcome, expect="error", exit_code=6)
    with pytest.raises(Exception):
        Document.load(d)


# --- evidence edits (AA, CA, PACE-CAM) ----------------------------------------------------------


def _hexflip(h: str, at: int = -1) -> str:
    b = bytearray.fromhex(h)
    b[at] ^= 0x01
    return bytes(b).hex().upper()


def _with_aa(profile_list):
    return [p for p in profile_list if p not in ("passport-pace-cam", "id-small-le", "id-explicit-csca")]


AA_EDITS = {
    # edit -> (expected verdict, reason)
    "signature-flip-last": ("failed", ("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH")),
    "signature-flip-first": ("failed", ("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH")),
    "signature-truncated": ("failed", ("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH", "AA_PROTOCOL_ERROR")),
    "signature-removed": ("failed", "AA_PROTOCOL_ERROR"),
    "challenge-changed": ("failed", ("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH")),
    "challenge-short": ("failed", "AA_PROTOCOL_ERROR"),
    "signature-from-other-card": ("failed", ("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH")),
    "challenge-and-signature-from-other-card": ("failed", ("AA_SIGNATURE_INVALID", "AA_CHALLENGE_MISMATCH")),
    "dg15-from-other-card-with-its-signature": ("failed", "DG_HASH_MISMATCH"),
    "signature-not-hex": ("error", "DUMP_FORMAT"),
}


@pytest.mark.parametrize("profile", _with_aa(PROFILES))
@pytest.mark.parametrize("edit", sorted(AA_EDITS))
def test_active_authentication_evidence_edits(genuine, judge, profile, edit):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    ev, oev = m["evidence"], other.manifest["evidence"]
    if edit == "signature-flip-last":
        ev["aa_signature"] = _hexflip(ev["aa_signature"])
    elif edit == "signature-flip-first":
        ev["aa_signature"] = _hexflip(ev["aa_signature"], 0)
    elif edit == "signature-truncated":
        ev["aa_signature"] = ev["aa_signature"][:-2]
    elif edit == "signature-removed":
        del ev["aa_signature"]
    elif edit == "challenge-changed":
        ev["aa_challenge"] = _hexflip(ev["aa_challenge"])
    elif edit == "challenge-short":
        ev["aa_challenge"] = ev["aa_challenge"][:-2]
    elif edit == "signature-from-other-card":
        ev["aa_signature"] = oev["aa_signature"]
        ev["aa_challenge"] = _hexflip(ev["aa_challenge"])  # the fixed rng gives both reads one challenge
    elif edit == "challenge-and-signature-from-other-card":
        ev["aa_signature"], ev["aa_challenge"] = oev["aa_signature"], oev["aa_challenge"]
    elif edit == "dg15-from-other-card-with-its-signature":
        m["files"]["DG15"] = other.manifest["files"]["DG15"]
        ev["aa_signature"], ev["aa_challenge"] = oev["aa_signature"], oev["aa_challenge"]
    elif edit == "signature-not-hex":
        ev["aa_signature"] = "ZZ" + ev["aa_signature"][2:]
    verdict, reason = AA_EDITS[edit]
    judge(dump_outcome(m, g.store), expect=verdict, reason=reason)


def _with_ca(profile_list):
    return [p for p in profile_list if p in ("cccd-2021", "cccd-2024", "passport-pace-im", "passport-pace-cam",
                                             "passport-dh", "passport-aes256")]


CA_EDITS = {
    # inconsistent evidence is refused at load (defect 10)
    "verified-false-reason-ok": ("error", "DUMP_FORMAT"),
    "verified-true-reason-mismatch": ("error", "DUMP_FORMAT"),
    "verified-string": ("error", "DUMP_FORMAT"),
    "reason-unknown": ("error", "DUMP_FORMAT"),
    "check-disagrees": ("error", "DUMP_FORMAT"),
    "key-id-negative": ("error", "DUMP_FORMAT"),
    "key-id-float": ("error", "DUMP_FORMAT"),
    "ca-not-object": ("error", "DUMP_FORMAT"),
    # a consistent record of a failure is honoured
    "recorded-clone": ("failed", "CA_KEY_MISMATCH"),
    "recorded-protocol-error": ("failed", "CA_PROTOCOL_ERROR"),
    # the chip's DG14 swapped for another card's: PA catches it
    "dg14-from-other-card": ("failed", "DG_HASH_MISMATCH"),
}


@pytest.mark.parametrize("profile", _with_ca(PROFILES))
@pytest.mark.parametrize("edit", sorted(CA_EDITS))
def test_chip_authentication_evidence_edits(genuine, judge, profile, edit):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    ca = m["evidence"]["ca"]
    if edit == "verified-false-reason-ok":
        ca["verified"] = False
        ca.pop("check", None)
    elif edit == "verified-true-reason-mismatch":
        ca["reason"] = "CA_KEY_MISMATCH"
        ca.pop("check", None)
    elif edit == "verified-string":
        ca["verified"] = "true"
    elif edit == "reason-unknown":
        ca["reason"] = "TOTALLY_FINE"
    elif edit == "check-disagrees":
        ca["check"]["verdict"] = "failed"
    elif edit == "key-id-negative":
        ca["key_id"] = -1
    elif edit == "key-id-float":
        ca["key_id"] = 1.5
    elif edit == "ca-not-object":
        m["evidence"]["ca"] = [True]
    elif edit == "recorded-clone":
        ca.update(verified=False, reason="CA_KEY_MISMATCH")
        ca.pop("check", None)
    elif edit == "recorded-protocol-error":
        ca.update(verified=False, reason="CA_PROTOCOL_ERROR")
        ca.pop("check", None)
    elif edit == "dg14-from-other-card":
        if other.manifest["files"]["DG14"] == m["files"]["DG14"]:
            m["files"]["DG14"] = _edit(m["files"]["DG14"], "flip-last")
        else:
            m["files"]["DG14"] = other.manifest["files"]["DG14"]
    verdict, reason = CA_EDITS[edit]
    judge(dump_outcome(m, g.store), expect=verdict, reason=reason)


CAM_PROFILES = ("cccd-2024", "passport-pace-cam")
CAM_EDITS = {
    "ca-ic-one-pk-map-is-pk-ic": ("failed", "CAM_DATA_INVALID"),  # defect 6: made from public data
    "ca-ic-minus-one-pk-map-negated": ("failed", "CAM_DATA_INVALID"),
    "ca-ic-zero": ("failed", "CAM_DATA_INVALID"),
    "ca-ic-order": ("failed", "CAM_DATA_INVALID"),
    "ca-ic-flipped": ("failed", "CAM_DATA_INVALID"),
    "pk-map-flipped": ("failed", "CAM_DATA_INVALID"),
    "pk-map-not-on-curve": ("failed", "CAM_DATA_INVALID"),
    "pk-map-compressed-garbage": ("failed", "CAM_DATA_INVALID"),
    "key-id-unknown": ("failed", "CAM_DATA_INVALID"),
    "ca-ic-from-other-card": ("failed", "CAM_DATA_INVALID"),
    "card-security-from-other-card-profile": ("failed", ("CAM_DATA_INVALID", "CARD_ACCESS_MISMATCH",
                                                         "SOD_SIGNATURE_INVALID", "SOD_MALFORMED")),
    "card-security-flipped": ("failed", ("CAM_DATA_INVALID", "SOD_SIGNATURE_INVALID", "SOD_MALFORMED",
                                         "SOD_MESSAGE_DIGEST_MISMATCH")),
    "card-security-removed": ("failed", ("CARD_SECURITY_NOT_VERIFIED", "CAM_DATA_INVALID")),
    "evidence-removed": ("undetermined", "NOT_PERFORMED"),
    "evidence-not-object": ("error", "DUMP_FORMAT"),
    "ca-ic-not-hex": ("failed", "CAM_DATA_INVALID"),
    # another genuine card's EF.CardSecurity with its own consistent CAM data: signed, but not this
    # document's chip (its CA key is not in DG14)
    "card-security-and-cam-data-grafted-from-other-card": ("failed", "CAM_DATA_INVALID"),
}


def _cam_key(m):
    from cccd_chip.access.pace.cam import card_security_infos

    infos = card_security_infos(bytes.fromhex(m["files"]["CardSecurity"]))
    return infos.ca_public_key(m["evidence"]["pace_cam"]["parameter_id"]).domain_and_key()


@pytest.mark.parametrize("profile", CAM_PROFILES)
@pytest.mark.parametrize("edit", sorted(CAM_EDITS))
def test_pace_cam_evidence_edits(genuine, judge, profile, edit):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    cam = m["evidence"]["pace_cam"]
    domain, pk_ic = _cam_key(m)
    n = domain.order
    size = (n.bit_length() + 7) // 8
    if edit == "ca-ic-one-pk-map-is-pk-ic":
        cam["ca_ic"], cam["pk_map_ic"] = (1).to_bytes(size, "big").hex(), domain.encode(pk_ic).hex()
    elif edit == "ca-ic-minus-one-pk-map-negated":
        cam["ca_ic"], cam["pk_map_ic"] = (n - 1).to_bytes(size, "big").hex(), domain.encode(domain.mul(n - 1, pk_ic)).hex()
    elif edit == "ca-ic-zero":
        cam["ca_ic"] = "00" * size
    elif edit == "ca-ic-order":
        cam["ca_ic"] = n.to_bytes(size, "big").hex()
    elif edit == "ca-ic-flipped":
        cam["ca_ic"] = _hexflip(cam["ca_ic"])
    elif edit == "pk-map-flipped":
        cam["pk_map_ic"] = _hexflip(cam["pk_map_ic"])
    elif edit == "pk-map-not-on-curve":
        cam["pk_map_ic"] = "04" + "11" * (2 * size)
    elif edit == "pk-map-compressed-garbage":
        cam["pk_map_ic"] = "02" + "FF" * size
    elif edit == "key-id-unknown":
        cam["parameter_id"] = cam["key_id"] = 99
    elif edit == "ca-ic-from-other-card":
        cam["ca_ic"] = other.manifest["evidence"]["pace_cam"]["ca_ic"]
    elif edit == "card-security-from-other-card-profile":
        donor = genuine("cccd-2024" if profile != "cccd-2024" else "passport-pace-cam")
        m["files"]["CardSecurity"] = donor.manifest["files"]["CardSecurity"]
    elif edit == "card-security-and-cam-data-grafted-from-other-card":
        m["files"]["CardSecurity"] = other.manifest["files"]["CardSecurity"]
        m["evidence"]["pace_cam"] = other.manifest["evidence"]["pace_cam"]
    elif edit == "card-security-flipped":
        m["files"]["CardSecurity"] = _edit(m["files"]["CardSecurity"], "flip-last")
    elif edit == "card-security-removed":
        del m["files"]["CardSecurity"]
    elif edit == "evidence-removed":
        del m["evidence"]["pace_cam"]
    elif edit == "evidence-not-object":
        m["evidence"]["pace_cam"] = "yes"
    elif edit == "ca-ic-not-hex":
        cam["ca_ic"] = "not hex"
    verdict, reason = CAM_EDITS[edit]
    judge(dump_outcome(m, g.store), expect=verdict, reason=reason)


# --- access, EF.CardAccess, EF.COM and the manifest ----------------------------------------------


MANIFEST_EDITS = {
    "format-wrong": ("error", "DUMP_FORMAT"),
    "version-2": ("error", "DUMP_FORMAT"),
    "files-not-object": ("error", "DUMP_FORMAT"),
    "file-not-hex": ("error", "DUMP_FORMAT"),
    "file-odd-hex": ("error", "DUMP_FORMAT"),
    "file-number": ("error", "DUMP_FORMAT"),
    "absent-not-object": ("error", "DUMP_FORMAT"),
    "absent-value-number": ("error", "DUMP_FORMAT"),
    "absent-unknown-name": ("error", "DUMP_FORMAT"),
    "access-not-object": ("error", "DUMP_FORMAT"),
    "access-protocol-missing": ("error", "DUMP_FORMAT"),
    "access-parameter-id-string": ("error", "DUMP_FORMAT"),
    "access-digest-not-hex": ("error", "DUMP_FORMAT"),
    "evidence-not-object": ("error", "DUMP_FORMAT"),
    "read-at-number": ("error", "DUMP_FORMAT"),
    "not-an-object": ("error", "DUMP_FORMAT"),
    "deeply-nested": ("error", "DUMP_FORMAT"),
    "cardaccess-flipped": ("failed", "CARD_ACCESS_MISMATCH"),
    "cardaccess-from-other-profile": ("failed", "CARD_ACCESS_MISMATCH"),
    "com-lists-fewer": ("failed", ("COM_SOD_MISMATCH", "COM_MALFORMED")),
    "com-flipped": ("failed", ("COM_SOD_MISMATCH", "COM_MALFORMED")),
}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("edit", sorted(MANIFEST_EDITS))
def test_manifest_edits(genuine, judge, profile, edit):
    g = genuine(profile)
    m = g.manifest_copy()
    raw = None
    if edit == "format-wrong":
        m["format"] = "cccd-dump-x"
    elif edit == "version-2":
        m["version"] = 2
    elif edit == "files-not-object":
        m["files"] = list(m["files"].values())
    elif edit == "file-not-hex":
        m["files"]["DG1"] = "XYZ"
    elif edit == "file-odd-hex":
        m["files"]["DG1"] = m["files"]["DG1"] + "0"
    elif edit == "file-number":
        m["files"]["DG1"] = 12
    elif edit == "absent-not-object":
        m["absent"] = ["DG3"]
    elif edit == "absent-value-number":
        m["absent"]["DG9"] = 1
    elif edit == "absent-unknown-name":
        m["absent"]["XYZ"] = "6A82"
    elif edit == "access-not-object":
        m["access"] = "PACE"
    elif edit == "access-protocol-missing":
        m["access"] = {"password": "CAN"}
    elif edit == "access-parameter-id-string":
        m["access"]["parameter_id"] = "13"
    elif edit == "access-digest-not-hex":
        m["access"]["password_digest"] = "g" * 64
    elif edit == "evidence-not-object":
        m["evidence"] = []
    elif edit == "read-at-number":
        m["read_at"] = 20270301
    elif edit == "not-an-object":
        raw = json.dumps([m])
    elif edit == "deeply-nested":
        raw = json.dumps(m)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    elif edit == "cardaccess-flipped":
        if "CardAccess" not in m["files"] or not _authenticated_pace_infos(g):
            return
        m["files"]["CardAccess"] = _edit(m["files"]["CardAccess"], "flip-last")
    elif edit == "cardaccess-from-other-profile":
        if "CardAccess" not in m["files"] or not _authenticated_pace_infos(g):
            return
        donor = next(d for d in ("passport-aes256", "id-small-le") if d != profile)
        m["files"]["CardAccess"] = genuine(donor).manifest["files"]["CardAccess"]
    elif edit == "com-lists-fewer":
        from cccd_chip.lds import com

        m["files"]["COM"] = com.build(com.make([1])).hex().upper()
    elif edit == "com-flipped":
        m["files"]["COM"] = _edit(m["files"]["COM"], "truncate")
    verdict, reason = MANIFEST_EDITS[edit]
    judge(dump_outcome(raw if raw is not None else m, g.store), expect=verdict, reason=reason)


def _authenticated_pace_infos(g) -> bool:
    """The read is PACE and DG14 or EF.CardSecurity carries signed PACEInfos to compare with."""
    from adversary import outcome_of_report  # noqa: F401

    rep = dump_outcome(g.manifest, g.store).report
    c = [c for c in rep.checks if c.check == "binding.card_access"]
    return bool(c) and c[0].verdict.value == "successful"


# --- the access record (how the chip was opened): closed values, and what binds it -------------------

ACCESS_EDITS = {
    "protocol-unknown": (lambda a: a.update(protocol="X"), "error", "DUMP_FORMAT"),
    "protocol-lowercase": (lambda a: a.update(protocol="pace"), "error", "DUMP_FORMAT"),
    "password-unknown": (lambda a: a.update(password="PIN"), "error", "DUMP_FORMAT"),
    "mapping-unknown": (lambda a: a.update(mapping="XM"), "error", "DUMP_FORMAT"),
    "parameter-id-huge": (lambda a: a.update(parameter_id=1 << 40), "error", "DUMP_FORMAT"),
    "parameter-id-bool": (lambda a: a.update(parameter_id=True), "error", "DUMP_FORMAT"),
    "fallback-string": (lambda a: a.update(fallback="no"), "error", "DUMP_FORMAT"),
    "digest-short": (lambda a: a.update(password_digest="ab" * 16), "error", "DUMP_FORMAT"),
}
PACE_BOUND = ("cccd-2021", "cccd-2024", "passport-pace-im", "passport-pace-cam", "passport-aes256", "passport-dh")
PACE_EDITS = {
    # the PACE parameters recorded must be ones the chip's signed infos offer (binding.card_access)
    "parameter-id-other": lambda a: a.update(parameter_id=(a["parameter_id"] or 0) + 1),
    "parameter-id-null": lambda a: a.update(parameter_id=None),
    "oid-other": lambda a: a.update(oid="0.4.0.127.0.7.2.2.4.2.4" if a["oid"] != "0.4.0.127.0.7.2.2.4.2.4"
                                    else "0.4.0.127.0.7.2.2.4.2.2"),
}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("edit", sorted(ACCESS_EDITS))
def test_access_record_with_a_value_the_reader_never_writes_is_refused(genuine, judge, profile, edit):
    g = genuine(profile)
    m = g.manifest_copy()
    change, verdict, reason = ACCESS_EDITS[edit]
    change(m["access"])
    judge(dump_outcome(m, g.store), expect=verdict, reason=reason)


@pytest.mark.parametrize("profile", PACE_BOUND)
@pytest.mark.parametrize("edit", sorted(PACE_EDITS))
def test_pace_parameters_the_chip_never_offered_fail(genuine, judge, profile, edit):
    g = genuine(profile)
    if not _authenticated_pace_infos(g):
        pytest.fail(f"{profile}: no authenticated PACEInfos to bind to")
    m = g.manifest_copy()
    PACE_EDITS[edit](m["access"])
    judge(dump_outcome(m, g.store), expect="failed", reason="CARD_ACCESS_MISMATCH")


# --- a sample through the real `cccd verify` process: the exit code matches the in-process outcome --------

CLI_SAMPLE = {
    # name -> edit of the manifest (in place)
    "alias-dg1": lambda m, o: m["files"].__setitem__("DG01", m["files"].pop("DG1")),
    "unknown-name": lambda m, o: m["files"].__setitem__("DG17", m["files"]["DG1"]),
    "dg2-from-other-card": lambda m, o: m["files"].__setitem__("DG2", o["files"]["DG2"]),
    "sod-from-other-card": lambda m, o: m["files"].__setitem__("SOD", o["files"]["SOD"]),
    "dg1-removed": lambda m, o: m["files"].pop("DG1"),
    "sod-removed": lambda m, o: m["files"].pop("SOD"),
    "ca-inconsistent": lambda m, o: m["evidence"].__setitem__("ca", {"verified": False, "reason": "OK"}),
    "access-protocol-unknown": lambda m, o: m["access"].__setitem__("protocol", "X"),
    "evidence-empty-list": lambda m, o: m.__setitem__("evidence", []),
    "cam-grafted": lambda m, o: (m["files"].__setitem__("CardSecurity", o["files"]["CardSecurity"]),
                                 m["evidence"].__setitem__("pace_cam", o["evidence"]["pace_cam"]))
    if "CardSecurity" in o["files"] else m["files"].pop("DG14"),
    "genuine": lambda m, o: None,
}


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-pace-cam"])
@pytest.mark.parametrize("edit", sorted(CLI_SAMPLE))
def test_cli_sample_exit_code_matches_the_verdict(genuine, judge, tmp_path, profile, edit):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m = g.manifest_copy()
    if edit == "ca-inconsistent" and "ca" not in m["evidence"]:
        m["evidence"]["ca"] = {}
    CLI_SAMPLE[edit](m, other.manifest)
    expected = dump_outcome(m, g.store)
    r = run_cli("verify", write_dump(m, tmp_path / "d.json"), "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT)
    judge(r.outcome, expect=expected.verdict, exit_code=expected.exit_code)


def test_cli_no_dump_found_is_never_exit_0(judge, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "nomanifest").mkdir()
    (tmp_path / "nomanifest" / "DG1.bin").write_bytes(b"\x61\x00")
    judge(run_cli("verify", tmp_path / "empty").outcome, expect="error", exit_code=6)
    judge(run_cli("verify", tmp_path / "nomanifest").outcome, expect="error", exit_code=6)
    judge(run_cli("verify", tmp_path / "nothing").outcome, expect="error", exit_code=2)
    judge(run_cli("verify", "--stream", stdin=b"").outcome, expect="error", exit_code=6)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "99999-01-01"])
def test_cli_extreme_at_is_a_usage_error(genuine, judge, tmp_path, at):
    g = genuine("cccd-2021")
    d = write_dump(g.manifest, tmp_path / "d.json")
    judge(run_cli("verify", d, "--csca", g.card_dir / "csca.pem", "--at", at).outcome, expect="error", exit_code=2)


# --- DG3 / DG4 (issue 17): the biometric groups an EAC read adds to the dump are hashed like the others ----

EAC_PROFILES = {"cccd-2021": ("DG3",), "cccd-2024": ("DG3",), "passport-eac": ("DG3", "DG4")}


def _with_biometrics(g) -> dict:
    """The genuine dump as a read after Terminal Authentication writes it: DG3 (and DG4) read, not absent."""
    from cccd_chip.emulator.card import VirtualCard

    files = VirtualCard.load(g.card_dir).files
    m = g.manifest_copy()
    for name in EAC_PROFILES[g.profile]:
        m["files"][name] = files[name].data.hex().upper()
        m.get("absent", {}).pop(name, None)
    return m


def _flip(hex_text: str, index: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[index] ^= 0x01
    return raw.hex().upper()


@pytest.mark.parametrize("profile", sorted(EAC_PROFILES))
def test_biometric_groups_read_by_eac_verify(genuine, judge, profile):
    """The control of the edits below: the genuine DG3/DG4 bytes make the dump successful."""
    judge(dump_outcome(_with_biometrics(genuine(profile)), genuine(profile).store), expect="successful")


BIOMETRIC_EDITS = {
    # one byte of the first finger's 19794-4 view header: its quality (the forger raises a score)
    "finger_quality": lambda h, other: _flip(h, bytes.fromhex(h).find(b"FIR\x00") + 32 + 7),
    "image_byte": lambda h, other: _flip(h, len(h) // 2 - 50),  # inside the last WSQ stream / iris JPEG
    "truncated": lambda h, other: h[:-20],
    "appended": lambda h, other: h + "00",
    "another_card": lambda h, other: other,  # another holder's genuine DG3/DG4 of the same card set
}


@pytest.mark.parametrize("profile", sorted(EAC_PROFILES))
@pytest.mark.parametrize("edit", sorted(BIOMETRIC_EDITS))
def test_edited_biometric_group_fails(genuine, judge, profile, edit):
    g, other = genuine(profile), genuine(profile, OTHER_SEED)
    m, o = _with_biometrics(g), _with_biometrics(other)
    for name in EAC_PROFILES[profile]:
        edited = dict(m, files=dict(m["files"]))
        edited["files"][name] = BIOMETRIC_EDITS[edit](m["files"][name], o["files"][name])
        judge(dump_outcome(edited, g.store), expect="failed", reason="DG_HASH_MISMATCH")
