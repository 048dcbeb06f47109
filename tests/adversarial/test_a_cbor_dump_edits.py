"""Class (a), the CBOR form: an attacker edits a ``.cbor`` dump and holds no key.

The CBOR form (docs/dump-format.md) carries the same manifest as the JSON form, files as byte
strings. One meaning per dump: the genuine read of each profile, saved as ``.json`` and as
``.cbor`` and loaded again, gives equal Documents and equal reports. Edits: one byte of DG2
changed (``failed``), DG1 given twice (a duplicate key: two readers could see two documents),
``DG02`` as a name, a file's bytes given as hex text, an evidence member as bytes, the magic
removed: refused (exit 6), here in-process and through ``cccd verify`` for a sample.
"""

from __future__ import annotations

import pytest

from adversary import AT_TEXT, POLICY, outcome_of_report, run_cli, verify_outcome
from cccd_chip.cbor_input import MAGIC
from cccd_chip.cbor_output import dump_cbor
from cccd_chip.document import Document
from cccd_chip.verify.document_check import verify_document

PROFILES = ("cccd-2021", "cccd-2024", "passport-bac", "passport-pace-im", "passport-pace-cam", "passport-pss",
            "passport-eac", "id-small-le", "passport-dh")
DUMP_FORMAT = dict(expect="error", reason="DUMP_FORMAT", exit_code=6)


def enc(value: object) -> bytes:
    """One data item in the preferred serialization, without the magic."""
    return dump_cbor(value)[len(MAGIC):]


def cbor_map(pairs: list[tuple[str, bytes]]) -> bytes:
    """A definite map of already encoded values, keys as given (duplicates included): an attacker's map."""
    assert len(pairs) < 24
    return bytes([0xA0 | len(pairs)]) + b"".join(enc(k) + v for k, v in pairs)


def cbor_dump(manifest: dict, files: bytes | None = None) -> bytes:
    """The CBOR form of ``manifest``, its ``files`` member replaced by the encoded map ``files`` if given."""
    pairs = [(k, files if k == "files" and files is not None else enc(v)) for k, v in manifest.items()]
    return MAGIC + cbor_map(pairs)


def _file_pairs(g, **changes: bytes) -> list[tuple[str, bytes]]:
    return [(k, changes.get(k, enc(v))) for k, v in g.doc.files.items()]


def _checks(report) -> list[dict]:
    return [c.to_json() for c in report.checks]


@pytest.mark.parametrize("profile", PROFILES)
def test_json_and_cbor_forms_are_one_document(genuine, judge, tmp_path, profile):
    g = genuine(profile)
    g.doc.save(tmp_path / "d.json")
    g.doc.save(tmp_path / "d.cbor")
    raw = (tmp_path / "d.cbor").read_bytes()
    assert raw.startswith(MAGIC) and raw == g.doc.to_cbor_bytes()
    from_json, from_cbor = Document.load(tmp_path / "d.json"), Document.load(tmp_path / "d.cbor")
    assert from_json == from_cbor == g.doc
    assert Document.from_bytes(raw) == Document.from_cbor_bytes(raw) == from_json
    assert Document.from_bytes((tmp_path / "d.json").read_bytes()) == from_json
    assert (tmp_path / "d.cbor").stat().st_mode & 0o777 == 0o600
    rj, rc = verify_document(from_json, g.store, policy=POLICY), verify_document(from_cbor, g.store, policy=POLICY)
    assert _checks(rj) == _checks(rc) and rj.overall == rc.overall
    judge(outcome_of_report(rc), expect=outcome_of_report(rj).verdict)


@pytest.mark.parametrize("profile", ("cccd-2021", "passport-bac", "passport-pace-cam"))
def test_content_decides_the_form_not_the_name(genuine, tmp_path, profile):
    g = genuine(profile)
    (tmp_path / "cbor.json").write_bytes(g.doc.to_cbor_bytes())
    g.doc.save(tmp_path / "json.cbor.json")
    (tmp_path / "json.cbor").write_bytes((tmp_path / "json.cbor.json").read_bytes())
    assert Document.load(tmp_path / "cbor.json") == Document.load(tmp_path / "json.cbor") == g.doc


@pytest.mark.parametrize("profile", PROFILES)
def test_one_byte_of_dg2_changed_fails(genuine, judge, profile):
    g = genuine(profile)
    dg2 = bytearray(g.doc.files["DG2"])
    dg2[len(dg2) // 2] ^= 0x01
    raw = cbor_dump(g.manifest, cbor_map(_file_pairs(g, DG2=enc(bytes(dg2)))))
    out = judge(verify_outcome(lambda: Document.from_cbor_bytes(raw), g.store), expect="failed",
                reason="DG_HASH_MISMATCH")
    assert out.check("passive.dg_hash", "DG2").verdict.value == "failed"


def _twins(g, other) -> dict[str, bytes]:
    """Edited CBOR dumps of ``g`` that must be refused as a whole."""
    dg1 = enc(g.doc.files["DG1"])
    m = g.manifest
    manifest_pairs = [(k, enc(v)) for k, v in m.items() if k != "files"]
    files_enc = cbor_map(_file_pairs(g))
    return {
        "DG1 twice (other card's first)": cbor_dump(m, cbor_map([("DG1", enc(other.doc.files["DG1"]))]
                                                               + _file_pairs(g))),
        "DG1 twice (same bytes)": cbor_dump(m, cbor_map(_file_pairs(g) + [("DG1", dg1)])),
        "DG02 as a name": cbor_dump(m, cbor_map([("DG02" if k == "DG2" else k, v) for k, v in _file_pairs(g)])),
        "dg1 as a name": cbor_dump(m, cbor_map([("dg1" if k == "DG1" else k, v) for k, v in _file_pairs(g)])),
        "DG1 as hex text": cbor_dump(m, cbor_map(_file_pairs(g, DG1=enc(g.doc.files["DG1"].hex().upper())))),
        "SOD as hex text": cbor_dump(m, cbor_map(_file_pairs(g, SOD=enc(g.doc.files["SOD"].hex())))),
        "DG2 as an array": cbor_dump(m, cbor_map(_file_pairs(g, DG2=enc([g.doc.files["DG2"]])))),
        "DG2 as null": cbor_dump(m, cbor_map(_file_pairs(g, DG2=enc(None)))),
        "files twice": MAGIC + cbor_map(manifest_pairs + [("files", files_enc), ("files", files_enc)]),
        "format twice": MAGIC + cbor_map([("format", enc("cccd-dump"))] + manifest_pairs + [("files", files_enc)]),
        "no magic": cbor_dump(m)[len(MAGIC):],
        "magic twice": MAGIC + cbor_dump(m),
        "a tag around DG1": cbor_dump(m, cbor_map(_file_pairs(g, DG1=b"\xd8\x18" + dg1))),
        "trailing byte": cbor_dump(m) + b"\x00",
        "truncated in DG2": cbor_dump(m)[:-(len(g.doc.files[sorted(g.doc.files)[-1]]) // 2 + 1)],
        "version as text": cbor_dump(dict(m, version="1")),
        "format as bytes": cbor_dump(dict(m, format=b"cccd-dump")),
        "absent as an array": cbor_dump(dict(m, absent=["DG3"])),
        "top item an array": MAGIC + enc([m["format"]]),
        "a float version": cbor_dump(m).replace(enc("version") + enc(1), enc("version") + b"\xf9\x3c\x00", 1),
    }


TWINS = ("DG1 twice (other card's first)", "DG1 twice (same bytes)", "DG02 as a name", "dg1 as a name",
         "DG1 as hex text", "SOD as hex text", "DG2 as an array", "DG2 as null", "files twice", "format twice",
         "no magic", "magic twice", "a tag around DG1", "trailing byte", "truncated in DG2", "version as text",
         "format as bytes", "absent as an array", "top item an array", "a float version")


def test_every_twin_is_tested(genuine):
    g = genuine("cccd-2021")
    assert sorted(_twins(g, g)) == sorted(TWINS)


@pytest.mark.parametrize("case", TWINS)
@pytest.mark.parametrize("profile", ("cccd-2021", "passport-bac", "passport-pace-cam"))
def test_edited_cbor_dumps_are_refused(genuine, judge, profile, case):
    g = genuine(profile)
    raw = _twins(g, genuine(profile, seed=8))[case]
    if case != "no magic":
        judge(verify_outcome(lambda: Document.from_cbor_bytes(raw), g.store), **DUMP_FORMAT)
    judge(verify_outcome(lambda: Document.from_bytes(raw), g.store), **DUMP_FORMAT)


def test_evidence_hex_members_stay_text(genuine, judge):
    """Only ``files`` holds byte strings: an evidence member given as bytes is refused, as in JSON."""
    g = genuine("cccd-2021")
    ev = g.manifest["evidence"]
    assert isinstance(ev["aa_signature"], str) and len(ev["aa_signature"]) > 100
    edited = dict(g.manifest, evidence=dict(ev, aa_signature=bytes.fromhex(ev["aa_signature"])))
    raw = cbor_dump(edited, cbor_map(_file_pairs(g)))
    judge(verify_outcome(lambda: Document.from_cbor_bytes(raw), g.store), **DUMP_FORMAT)
    same = cbor_dump(g.manifest, cbor_map(_file_pairs(g)))
    judge(verify_outcome(lambda: Document.from_cbor_bytes(same), g.store), expect="successful")


@pytest.mark.parametrize("case,expect_code", [("DG1 twice (other card's first)", 6), ("DG02 as a name", 6),
                                              ("DG1 as hex text", 6), ("no magic", 6), ("trailing byte", 6)])
def test_cli_refuses_edited_cbor_dumps(genuine, judge, tmp_path, case, expect_code):
    g = genuine("cccd-2021")
    path = tmp_path / "edited.cbor"
    path.write_bytes(_twins(g, genuine("cccd-2021", seed=8))[case])
    r = run_cli("verify", path, "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT)
    assert "Traceback" not in r.err and r.code == expect_code, (r.code, r.err)
    judge(r.outcome, expect="error", exit_code=expect_code)


def test_cli_tampered_cbor_fails_genuine_succeeds(genuine, judge, tmp_path):
    g = genuine("cccd-2021")
    dg2 = bytearray(g.doc.files["DG2"])
    dg2[-100] ^= 0x01
    (tmp_path / "tampered.cbor").write_bytes(cbor_dump(g.manifest, cbor_map(_file_pairs(g, DG2=enc(bytes(dg2))))))
    g.doc.save(tmp_path / "genuine.cbor")
    trust = ("--csca", g.card_dir / "csca.pem", "--crl", g.card_dir / "csca.crl", "--at", AT_TEXT)
    r = run_cli("verify", tmp_path / "tampered.cbor", *trust)
    judge(r.outcome, expect="failed", exit_code=1)
    r = run_cli("verify", tmp_path / "genuine.cbor", *trust)
    judge(r.outcome, expect="successful", exit_code=0)
