"""A newcomer's first hour: the CLI explains itself (issue "A newcomer's first hour").

One test per rough edge a technician met: MRZ layouts, -v placement and log prefix,
outputs checked before the card is read, the manifest of a folder dump, missing input
paths, the credentials file's line numbers, the library without pyscard, the demo's
causes and clean-up, what personalize prints, help texts and ranges, unused --dob.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import click
import pytest

from cccd_chip.access.passwords import parse_mrz_lines
from cccd_chip.errors import UsageError
from host_cli.main import cli, install_verbose_options

TD1 = ("IDVNM0123456789001234567890<<<", "8804181M3104181VNM<<<<<<<<<<<2", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<")
TD3 = ("P<UTOLE<<KIM<HA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "K011023241UTO7303238F3303230<<<<<<<<<<<<<<08")


@pytest.mark.parametrize("text", [
    "\n".join(TD1), " ".join(TD1), "  ".join(TD1), "".join(TD1), "\\n".join(TD1), "\r\n".join(TD1) + "\n",
    " \t".join(TD1).lower(),
])
def test_td1_mrz_in_any_whitespace_layout(text):
    assert parse_mrz_lines(text) == ("012345678", "880418", "310418")


@pytest.mark.parametrize("sep", ["\n", " ", "   ", ""])
def test_td3_mrz_in_any_whitespace_layout(sep):
    assert parse_mrz_lines(sep.join(TD3)) == ("K01102324", "730323", "330323")


def test_mrz_of_a_wrong_length_says_what_it_counted():
    with pytest.raises(UsageError, match="this one has 58"):
        parse_mrz_lines(" ".join(TD1[:2])[:-2])


def test_read_with_a_single_space_separated_mrz(cccd, cards):
    card = cards.get()
    mrz = " ".join(cards.secrets(card)["mrz"].splitlines())
    r = cccd("read", "--virtual", card, "--mrz", mrz, "--csca", card / "csca.pem", "--json")
    assert r.code == 0, r.err
    assert r.json()["access"]["password"] == "MRZ"


def test_verbose_after_the_subcommand_and_a_single_log_prefix(cards, tmp_path):
    card = cards.get()
    cmd = [sys.executable, "-m", "host_cli.entry", "read", "--virtual", str(card), "--id",
           cards.secrets(card)["id"], "-v"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr  # no trust anchor given: undetermined
    apdu_lines = [ln for ln in r.stderr.splitlines() if "APDUs" in ln]
    assert apdu_lines and all(not ln.startswith("cccd: cccd:") for ln in apdu_lines), r.stderr


def test_every_command_accepts_verbose():
    install_verbose_options(cli)

    def walk(group):
        for cmd in group.commands.values():
            yield cmd
            if isinstance(cmd, click.Group):
                yield from walk(cmd)

    for cmd in walk(cli):
        assert any("--verbose" in getattr(p, "opts", ()) for p in cmd.params), cmd.name


def test_every_option_of_every_command_has_help_text():
    install_verbose_options(cli)
    missing = []

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                walk(cmd, f"{prefix}{name} ")
            for p in cmd.params:
                if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip():
                    missing.append(f"{prefix}{name} {p.opts[0]}")

    walk(cli, "")
    assert not missing, f"options without help: {missing}"


def test_read_help_lists_options_in_order_and_in_sections(cccd):
    r = cccd("read", "--help")
    assert r.code == 0
    out = r.out
    for section in ("Credential", "Source", "Trust material", "Verification policy"):
        assert section in out
    assert out.index("--can") < out.index("--id") < out.index("--mrz") < out.index("--dob") < out.index("--doe")
    assert out.index("--reader") < out.index("--virtual") < out.index("--replay")


def test_face_into_a_missing_folder_is_created_0600_or_better(cccd, cards, tmp_path):
    card = cards.get()
    face = tmp_path / "no" / "such" / "dir" / "f.jpg"
    r = cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--face", face)
    assert r.code == 3, r.err
    assert face.stat().st_size > 1000


@pytest.mark.parametrize("flag,target", [("--face", "folder"), ("--trace", "folder"), ("--out", "under-a-file")])
def test_bad_output_targets_fail_before_the_card_is_read(cccd, cards, tmp_path, flag, target):
    # the card is removed at its first APDU: reading it first would be exit 4, not 2
    card = cards.get("cccd-2021", 7, "remove:1")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    path = tmp_path if target == "folder" else blocker / "dump"
    r = cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], flag, path)
    assert r.code == 2, r.err
    assert str(path.absolute() if target == "folder" else blocker) in r.err


def test_verify_of_a_folder_dumps_manifest_says_to_pass_the_folder(cccd, cards, tmp_path):
    card = cards.get()
    dump = tmp_path / "dump"
    assert cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--out", dump).code == 3
    r = cccd("verify", dump / "dump.json")
    assert r.code == 2
    assert "manifest of a folder dump" in r.err and str(dump.absolute()) in r.err


@pytest.mark.parametrize("args,what", [
    (("verify", "{missing}"), "dump not found"),
    (("inspect", "{missing}"), "file or dump not found"),
    (("verify", "{dump}", "--csca", "{missing}"), "--csca file not found"),
    (("verify", "{dump}", "--crl", "{missing}"), "--crl file not found"),
    (("read", "--virtual", "{missing}", "--can", "123456"), "virtual card folder not found"),
    (("trace", "replay", "{missing}", "--can", "123456"), "trace not found"),
])
def test_a_missing_input_path_is_a_usage_error_naming_the_full_path(cccd, cards, tmp_path, args, what):
    card = cards.get()
    dump = tmp_path / "d.json"
    if not dump.exists():
        assert cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--out", dump).code == 3
    missing = tmp_path / "nowhere" / "x"
    r = cccd(*[a.format(missing=missing, dump=dump) for a in args])
    assert r.code == 2, r.err
    assert what in r.err and str(missing.absolute()) in r.err


def test_a_bad_credentials_line_names_file_and_line_not_content(cccd, cards, tmp_path):
    creds = tmp_path / "ids.txt"
    creds.write_text('123456\n# comment\n\n{"id": "001304184794", "dob": "88041X", "doe": "310418"}\n')
    r = cccd("watch", "--credentials", creds, "--virtual", cards.get(), "--out-jsonl", tmp_path / "r.jsonl")
    assert r.code == 2
    assert f"{creds}, line 4" in r.err and "88041X" not in r.err


def test_workers_zero_is_refused(cccd, tmp_path):
    assert cccd("verify", "--workers", "0", tmp_path).code == 2


def test_personalize_prints_the_folder_and_the_credentials(cccd, tmp_path):
    r = cccd("personalize", "--seed", "11", "--out", tmp_path / "card")
    assert r.code == 0
    secrets = json.loads((tmp_path / "card" / "card.json").read_text())["secrets"]
    assert str(tmp_path / "card") in r.out
    for key in ("id", "can"):
        assert secrets[key] in r.out
    assert secrets["mrz"].splitlines()[0] in r.out
    assert f"cccd read --virtual {tmp_path / 'card'} --id {secrets['id']}" in r.out


def test_personalize_help_lists_profiles_and_faults(cccd):
    from cccd_chip.emulator.faults import ALL_FAULTS
    from cccd_chip.emulator.profiles import PROFILES

    r = cccd("personalize", "--help")
    flat = " ".join(r.out.split())
    for name in list(PROFILES) + list(ALL_FAULTS):
        assert name in flat.replace("- ", "-"), name


def test_unused_dob_with_pace_can_is_checked_against_dg1(cccd, cards):
    card = cards.get()
    s = cards.secrets(card)
    ok = cccd("read", "--virtual", card, "--id", s["id"], "--dob", s["date_of_birth"], "--doe", s["date_of_expiry"])
    assert "they match DG1" in ok.err
    wrong_dob = "010101" if s["date_of_birth"] != "010101" else "020202"
    bad = cccd("read", "--virtual", card, "--id", s["id"], "--dob", wrong_dob, "--doe", s["date_of_expiry"])
    assert "--dob does not match DG1" in bad.err and wrong_dob not in bad.err


_NO_PYSCARD = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "smartcard" or name.startswith("smartcard."):
            raise ImportError("pyscard is not installed")
sys.meta_path.insert(0, Block())
"""


def test_pcsc_card_source_without_pyscard_raises_at_once():
    code = _NO_PYSCARD + textwrap.dedent("""
        from cccd_chip.errors import ReaderUnavailableError
        from cccd_chip.transport.pcsc import PcscCardSource
        try:
            PcscCardSource(0)
        except ReaderUnavailableError as e:
            print("raised:", e)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "raised:" in r.stdout and "pyscard" in r.stdout, r.stderr


def test_demo_without_pyscard_names_the_cause_and_leaves_no_card_behind(tmp_path):
    code = _NO_PYSCARD + "from host_cli.main import main\nmain(['demo'])\n"
    env = dict(os.environ, TMPDIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "pyscard is not installed" in r.stdout
    assert not list(tmp_path.glob("cccd-demo-*")), "the demo card (with its private keys) was left behind"


# --- human output (item 16) --------------------------------------------------------------

def test_mrz_dates_are_shown_in_iso_form():
    import datetime

    from host_cli.render import mrz_date

    today = datetime.date(2026, 12, 3)
    assert mrz_date("730323", "birth", today) == "1973-03-23"
    assert mrz_date("050101", "birth", today) == "2005-01-01"
    assert mrz_date("270101", "birth", today) == "1927-01-01"  # not born in the future
    assert mrz_date("330323", "expiry", today) == "2033-03-23"
    assert mrz_date("991231", "expiry", today).startswith("no expiry")
    assert mrz_date("99<<31", "birth", today) == "99<<31" and mrz_date("991340", "birth", today) == "991340"


def test_files_are_listed_in_lds_order_not_as_text():
    from host_cli.render import sorted_files

    assert sorted_files(["DG13", "DG2", "SOD", "COM", "DG1", "CardAccess", "DG15"]) == \
        ["COM", "CardAccess", "SOD", "DG1", "DG2", "DG13", "DG15"]


def test_read_summary_dates_iso_unknown_dg13_field_labelled_and_files_in_order(cccd, cards):
    card = cards.get()
    r = cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"])
    s = cards.secrets(card)
    from host_cli.render import mrz_date

    assert mrz_date(s["date_of_birth"], "birth") in r.out
    assert "DG13 field " not in r.out
    files = next(ln for ln in r.out.splitlines() if ln.startswith("Files read")).split(None, 2)[2]
    names = [n.strip() for n in files.split(",")]
    assert names.index("DG2") < names.index("DG13")


def test_inspect_is_a_human_rendering_with_sod_hashes_against_the_files(cccd, cards, tmp_path):
    card = cards.get()
    dump = tmp_path / "dump"
    assert cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--out", dump).code == 3
    face = tmp_path / "faces" / "face.jpg"
    r = cccd("inspect", dump, "--face", face)
    assert r.code == 0, r.err
    assert not r.out.lstrip().startswith("{") and '"file":' not in r.out  # not JSON with headers
    assert "= the file in this dump" in r.out and "(not in this dump)" in r.out  # DG3 is EAC-protected
    assert "check digits" in r.out and "all 5 correct" in r.out
    assert f"face image written to  {face.absolute()}" in r.out
    assert face.read_bytes()[:2] == b"\xff\xd8" and (face.stat().st_mode & 0o077) == 0
    assert r.out.index("== SOD") < r.out.index("== DG1") < r.out.index("== DG2") < r.out.index("== DG13")
    # one subject format in read and inspect: C=.., O=.., CN=..
    assert "Common Name:" not in r.out and "CN=" in r.out


def test_inspect_shows_a_tampered_file_against_the_sod(cccd, cards, tmp_path):
    card = cards.get()
    dump = tmp_path / "dump"
    assert cccd("read", "--virtual", card, "--id", cards.secrets(card)["id"], "--out", dump).code == 3
    dg1 = dump / "DG1.bin"
    data = bytearray(dg1.read_bytes())
    data[-1] ^= 1
    dg1.write_bytes(bytes(data))
    r = cccd("inspect", dump)
    line = next(ln for ln in r.out.splitlines() if ln.strip().startswith("DG1 ") and "…" in ln)
    assert "DIFFERS from the file in this dump" in line


def test_trace_replay_with_a_wrong_credential_hints_at_the_credential(cccd, cards, tmp_path):
    card = cards.get()
    s = cards.secrets(card)
    trace = tmp_path / "t.jsonl"
    assert cccd("read", "--virtual", card, "--id", s["id"], "--trace", trace).code == 3
    wrong = "000000" if s["can"] != "000000" else "111111"
    r = cccd("trace", "replay", trace, "--can", wrong)
    assert r.code == 4
    assert "another credential than the one the trace was recorded with" in r.err
    assert wrong not in r.err
    ok = cccd("trace", "replay", trace, "--id", s["id"])
    assert ok.code == 3 and "credential" not in ok.err
