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
