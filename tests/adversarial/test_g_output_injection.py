"""Class (g): an attacker injects into the outputs (issue 18, defect 4).

The attacker writes strings the tool displays: a malicious chip's DG1 / DG13 values and
DSC / CSCA names, a dump's evidence, absent reasons and file names, a batch's file
names. The strings hold terminal escape sequences (clear screen, cursor up, erase
line, OSC titles and hyperlinks), C1 controls (CSI U+009B, NEL U+0085), CR / LF, DEL,
bidi overrides, zero-width characters, line separators, rich markup and emoji codes,
all trying to paint ``Verification: SUCCESSFUL`` over a document that is not.

For every output mode (human on a pipe and on a pseudo-terminal, ``--json``,
``--jsonl``, batch lines, ``inspect``, ``watch``, errors on stderr, ``-vv`` logs):

- no raw control / format character of the data reaches the output (on a terminal the
  only escape sequences are the tool's own SGR colours);
- rich never interprets data: markup and emoji codes appear literally;
- the verdict line is the last line of the report, starts the line, and appears once;
- JSON stays valid and carries the data exactly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from adversary import AT_TEXT, REPO, CliRun, Outcome, exit_outcome, run_cli
from cccd_chip.lds import dg13
from cccd_chip.iso7816 import tlv
from cccd_chip.emulator import testpki
from cccd_chip.safe_text import visible

FAKE = "Verification: SUCCESSFUL"
PAYLOADS = {
    "clear-screen": f"\x1b[2J\x1b[H{FAKE}",
    "cursor-up-erase": f"\x1b[1A\x1b[2K\x1b[1A\x1b[2K{FAKE}",
    "carriage-return": f"x\r{FAKE}",
    "newline": f"x\n{FAKE}\n",
    "c1-csi": f"\x9b2J\x9b1;1H{FAKE}",
    "c1-nel": f"x\x85{FAKE}",
    "osc-title": "\x1b]0;owned\x07name",
    "osc8-link": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "del-backspace": "abc\x7f\x7f\x08\x08SUCCESS",
    "bidi-override": "\u202eLUFSSECCUS :noitacifireV",
    "bidi-isolate": "\u2066\u2067x\u2069\u2069",
    "zero-width": "SUCC\u200bESS\u200dFUL\u2060\ufeff",
    "line-separator": f"x\u2028{FAKE}\u2029",
    "rich-markup": "[bold green]VERIFIED[/] [link=http://evil.example]x[/link]",
    "emoji-code": ":white_check_mark: :thumbs_up:",
    "nul": "a\x00b",
}
SGR = re.compile(r"\x1b\[[0-9;]*m")


def assert_clean(text: str, *, pty: bool = False) -> None:
    """No raw control/format character except newlines (and the tool's SGR colours on a terminal)."""
    body = SGR.sub("", text) if pty else text
    body = body.replace("\r\n", "\n") if pty else body  # the pty's own line discipline
    for ch in body:
        if ch == "\n":
            continue
        o = ord(ch)
        bad = o < 0x20 or 0x7F <= o <= 0x9F or unicodedata.category(ch) in ("Cf", "Zl", "Zp", "Cs")
        assert not bad, f"raw U+{o:04X} in output: {body[max(0, body.index(ch) - 40):body.index(ch) + 40]!r}"


def assert_verdict_last(text: str, verdict: str, *, pty: bool = False) -> None:
    body = SGR.sub("", text).replace("\r\n", "\n") if pty else text
    lines = [ln for ln in body.split("\n") if ln.strip()]
    starts = [ln for ln in lines if ln.startswith("Verification:")]
    assert starts == [f"Verification: {verdict}"], starts
    assert lines[-1] == f"Verification: {verdict}", lines[-3:]


def run_pty(*args, timeout: float = 120) -> CliRun:
    """``cccd`` with stdout on a pseudo-terminal (rich renders as for a technician); stderr (progress bars,
    the tool's own cursor sequences) goes to a pipe and is returned as ``err``."""
    import pty
    import select

    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="400", LINES="50", TERM="xterm-256color")
    env.pop("CCCD_DEBUG", None)
    env.pop("NO_COLOR", None)
    p = subprocess.Popen([sys.executable, "-m", "host_cli.main", *[str(a) for a in args]], stdin=subprocess.DEVNULL,
                         stdout=slave, stderr=subprocess.PIPE, env=env, cwd=REPO, close_fds=True)
    os.close(slave)
    chunks = []
    try:
        while True:
            r, _, _ = select.select([master], [], [], timeout)
            if not r:
                break
            try:
                b = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not b:
                break
            chunks.append(b)
        code = p.wait(timeout=timeout)
        err = p.stderr.read().decode("utf-8", "replace") if p.stderr else ""
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()
    return CliRun(code, b"".join(chunks).decode("utf-8", "replace"), err)


def shown(r: CliRun) -> Outcome:
    """The outcome of a command that displays but does not verify (inspect, watch): exit 0 is no verdict."""
    return Outcome("not_supported", (), 0) if r.code == 0 else exit_outcome(r.code, r.err[-300:])


# --- the attacker's card and dumps --------------------------------------------------------------------


class EvilCards:
    """Copies of a genuine virtual card whose DG1 / DG13 / DSC / CSCA hold a payload, SOD re-signed."""

    def __init__(self, cards, root: Path) -> None:
        self.cards = cards
        self.root = root
        self._made: dict = {}

    def get(self, key: str, *, where: str = "all") -> Path:
        if (key, where) in self._made:
            return self._made[(key, where)]
        payload = PAYLOADS[key]
        src = self.cards.get("cccd-2021", 7)
        dst = self.root / f"{key}-{where}"
        shutil.copytree(src, dst)
        files = {p.stem: p.read_bytes() for p in (dst / "files").glob("*.bin")}
        if where in ("all", "dg13"):
            pd = dg13.parse(files["DG13"]).personal_data
            from dataclasses import replace

            pd = replace(pd, full_name=payload, place_of_residence=payload, religion=payload, father_name=payload)
            files["DG13"] = dg13.build_personal_data(pd).raw
        if where in ("all", "dg1"):
            mrz = tlv.decode_one(files["DG1"]).value
            inner = tlv.decode_one(mrz).value if mrz[:2] == b"\x5f\x1f" else mrz
            name = payload.encode("utf-8")[:28]
            inner = inner[:60] + name + inner[60 + len(name):]
            files["DG1"] = tlv.encode(0x61, tlv.encode(0x5F1F, inner))
        cn = f"CSCA {payload}" if where in ("all", "names") else "CSCA attacker"
        csca = testpki.make_csca("VN", key_spec="p256", seed=900 + len(self._made), cn=cn)
        dsc = testpki.make_dsc(csca, key_spec="p256", seed=900, cn=f"DS {payload}" if where in ("all", "names") else None)
        sod_files = {k: v for k, v in files.items() if k.startswith("DG")}
        files["SOD"] = testpki.make_sod(sod_files, dsc)
        for name, data in files.items():
            (dst / "files" / f"{name}.bin").write_bytes(data)
        self._made[(key, where)] = dst
        return dst


@pytest.fixture(scope="module")
def evil(cards, tmp_path_factory):
    return EvilCards(cards, tmp_path_factory.mktemp("evil-cards"))


def _read_args(card: Path, *extra):
    can = json.loads((card / "card.json").read_text())["secrets"]["can"]
    genuine_csca = card / "csca.pem"  # the genuine CSCA: the attacker's DSC does not chain to it
    return ["read", "--virtual", card, "--can", can, "--csca", genuine_csca, "--at", AT_TEXT, *extra]


# --- cccd read: human output on a pipe and on a terminal, --json -------------------------------------

KEYS = sorted(PAYLOADS)


@pytest.mark.parametrize("key", KEYS)
def test_read_human_piped(evil, judge, cli_in_process, key):
    card = evil.get(key)
    r = cli_in_process(*_read_args(card))
    judge(exit_outcome(r.code, r.err[-300:]), expect="undetermined", exit_code=3)
    assert_clean(r.out)
    assert_clean(r.err)
    assert_verdict_last(r.out, "UNDETERMINED")
    if key in ("rich-markup", "emoji-code"):
        assert PAYLOADS[key] in r.out  # shown literally, not interpreted
    else:
        assert visible(PAYLOADS[key]) in r.out


@pytest.mark.parametrize("key", KEYS)
def test_read_human_on_a_terminal(evil, judge, key):
    card = evil.get(key)
    r = run_pty(*_read_args(card))
    judge(exit_outcome(r.code, r.out[-300:]), expect="undetermined", exit_code=3)
    assert_clean(r.out, pty=True)
    assert_clean(r.err)
    assert_verdict_last(r.out, "UNDETERMINED", pty=True)
    plain = SGR.sub("", r.out)
    if key in ("rich-markup", "emoji-code"):
        assert PAYLOADS[key] in plain
    else:
        assert visible(PAYLOADS[key]) in plain


@pytest.mark.parametrize("key", KEYS)
def test_read_json_carries_the_data_exactly(evil, judge, cli_in_process, key):
    card = evil.get(key)
    r = cli_in_process(*_read_args(card, "--json"))
    judge(exit_outcome(r.code, r.err[-300:]), expect="undetermined", exit_code=3)
    doc = json.loads(r.out)  # exactly one valid JSON document
    assert doc["dg13"]["full_name"] == PAYLOADS[key]
    assert "\x1b" not in r.out and "\x00" not in r.out  # JSON escapes every C0 control


@pytest.mark.parametrize("where", ["dg1", "dg13", "names"])
def test_each_displayed_field_alone(evil, judge, cli_in_process, where):
    card = evil.get("cursor-up-erase", where=where)
    r = cli_in_process(*_read_args(card))
    judge(exit_outcome(r.code, r.err[-300:]), expect="undetermined", exit_code=3)
    assert_clean(r.out)
    assert_verdict_last(r.out, "UNDETERMINED")


def test_read_with_logs(evil, judge):
    card = evil.get("newline")
    r = run_cli("-vv", *_read_args(card))
    judge(r.outcome, expect="undetermined", exit_code=3)
    assert_clean(r.out)
    assert_clean(r.err)


# --- cccd verify: one dump (human piped / terminal / json), batch lines, jsonl -----------------------------


@pytest.fixture(scope="module")
def evil_dumps(evil, tmp_path_factory):
    """A dump of every evil card (read once), with evidence/absent edited to hold the payload too."""
    from adversary import credential_for, fixed_rng
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.reader import read_document
    from cccd_chip.transport.local import LocalTransport

    out = tmp_path_factory.mktemp("evil-dumps")
    dumps = {}
    for key in KEYS:
        card = evil.get(key)
        secrets = json.loads((card / "card.json").read_text())["secrets"]
        doc = read_document(LocalTransport(Applet(VirtualCard.load(card))), credential_for(secrets, "can"),
                            rng=fixed_rng, source="emulator")
        m = doc.manifest(inline=True)
        # evidence.ca.reason (the example) is a closed set since issue 10: the DSC/CSCA names,
        # DG values, absent reasons and the source carry the payload instead
        m["absent"] = {"DG3": PAYLOADS[key]}
        m["source"] = PAYLOADS[key]
        path = out / f"{key}.json"
        path.write_text(json.dumps(m))
        dumps[key] = path
    return dumps


def _verify_args(card_dir: Path, *paths, extra=()):
    return ["verify", *paths, "--csca", card_dir / "csca.pem", "--at", AT_TEXT, *extra]


@pytest.mark.parametrize("key", KEYS)
def test_verify_dump_human_piped(cards, evil_dumps, judge, cli_in_process, key):
    r = cli_in_process(*_verify_args(cards.get("cccd-2021", 7), evil_dumps[key]))
    judge(exit_outcome(r.code, r.err[-300:]), expect=("failed", "undetermined"))
    assert_clean(r.out)
    assert_clean(r.err)
    verdict = {1: "FAILED", 3: "UNDETERMINED"}[r.code]
    assert_verdict_last(r.out, verdict)


@pytest.mark.parametrize("key", ["clear-screen", "cursor-up-erase", "c1-csi", "bidi-override", "rich-markup",
                                 "osc8-link"])
def test_verify_dump_human_on_a_terminal(cards, evil_dumps, judge, key):
    r = run_pty(*_verify_args(cards.get("cccd-2021", 7), evil_dumps[key]))
    judge(exit_outcome(r.code, r.out[-300:]), expect=("failed", "undetermined"))
    assert_clean(r.out, pty=True)
    assert_verdict_last(r.out, {1: "FAILED", 3: "UNDETERMINED"}[r.code], pty=True)


@pytest.mark.parametrize("key", KEYS)
def test_verify_dump_json(cards, evil_dumps, judge, cli_in_process, key):
    r = cli_in_process(*_verify_args(cards.get("cccd-2021", 7), evil_dumps[key], extra=("--json",)))
    judge(exit_outcome(r.code, r.err[-300:]), expect=("failed", "undetermined"))
    doc = json.loads(r.out)
    assert doc["overall"] in ("failed", "undetermined")


def test_verify_batch_lines_and_file_names(cards, evil_dumps, judge, cli_in_process, tmp_path):
    """Batch lines: one per dump, escaped; dump FILE NAMES hold the payloads too."""
    paths = []
    for key in KEYS:
        name = PAYLOADS[key].replace("/", "_").replace("\x00", "0")[:60] + ".json"
        p = tmp_path / name
        shutil.copy(evil_dumps[key], p)
        paths.append(p)
    r = cli_in_process(*_verify_args(cards.get("cccd-2021", 7), *paths, extra=("--workers", "1")))
    judge(exit_outcome(r.code, r.err[-300:]), expect="undetermined", exit_code=3)
    assert_clean(r.out)
    assert_clean(r.err)
    lines = r.out.rstrip("\n").split("\n")
    assert len(lines) == len(paths)  # one line per dump, none forged
    assert not any(ln.startswith("Verification") for ln in lines)


@pytest.mark.parametrize("mode", ["--jsonl", "--json"])
def test_verify_batch_json_modes(cards, evil_dumps, judge, cli_in_process, mode):
    r = cli_in_process(*_verify_args(cards.get("cccd-2021", 7), *evil_dumps.values(), extra=(mode, "--workers", "1")))
    judge(exit_outcome(r.code, r.err[-300:]), expect="undetermined", exit_code=3)
    if mode == "--jsonl":
        rows = [json.loads(ln) for ln in r.out.splitlines()]
        assert len(rows) == len(evil_dumps)
    else:
        assert json.loads(r.out)["count"] == len(evil_dumps)
    assert_clean(r.err)


def test_verify_batch_on_a_terminal(cards, evil_dumps, judge):
    r = run_pty(*_verify_args(cards.get("cccd-2021", 7), *evil_dumps.values(), extra=("--workers", "1")))
    judge(exit_outcome(r.code, r.out[-300:]), expect="undetermined", exit_code=3)
    assert_clean(r.out, pty=True)


def test_verify_stream_lines(cards, evil_dumps, judge):
    data = b"".join(p.read_bytes().replace(b"\n", b"") + b"\n" for p in evil_dumps.values())
    r = run_cli(*_verify_args(cards.get("cccd-2021", 7), extra=("--stream", "--workers", "1")), stdin=data)
    judge(r.outcome, expect="undetermined", exit_code=3)
    assert_clean(r.out)
    assert_clean(r.err)
    assert len(r.out.splitlines()) == len(evil_dumps)


# --- inspect, watch, errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_inspect_human(evil_dumps, judge, cli_in_process, key):
    r = cli_in_process("inspect", evil_dumps[key])
    judge(shown(r), expect=("error", "not_supported"))
    assert r.code in (0, 6)
    assert_clean(r.out)
    assert_clean(r.err)


@pytest.mark.parametrize("key", ["clear-screen", "c1-csi", "bidi-override"])
def test_inspect_json(evil_dumps, judge, cli_in_process, key):
    r = cli_in_process("inspect", evil_dumps[key], "--json")
    judge(shown(r), expect=("error", "not_supported"))
    json.loads(r.out)


@pytest.mark.parametrize("mode", ["human", "--json"])
def test_watch_records(evil, judge, cli_in_process, tmp_path, mode):
    cards_ = [evil.get(k) for k in ("clear-screen", "newline", "rich-markup")]
    can = json.loads((cards_[0] / "card.json").read_text())["secrets"]["can"]
    args = ["watch", *[a for c in cards_ for a in ("--virtual", c)], "--can", can, "--out-jsonl",
            tmp_path / "r.jsonl", "--csca", cards_[0] / "csca.pem"]
    r = cli_in_process(*args, *(["--json"] if mode == "--json" else []))
    judge(shown(r), expect="not_supported")
    assert_clean(r.out)
    assert_clean(r.err)
    if mode == "--json":
        assert [json.loads(ln)["sequence"] for ln in r.out.splitlines()] == [1, 2, 3]
    else:
        assert len(r.out.splitlines()) == 3


@pytest.mark.parametrize("key", ["clear-screen", "newline", "c1-nel", "bidi-override", "rich-markup"])
def test_error_messages_quote_data_escaped(judge, cli_in_process, tmp_path, key):
    """Errors that name a file or a field: stderr stays one clean line."""
    name = PAYLOADS[key].replace("/", "_").replace("\x00", "0")[:60]
    bad = tmp_path / f"{name}.bin"
    bad.write_bytes(b"\x30\x80")
    r = cli_in_process("inspect", bad)
    judge(shown(r), expect=("error", "not_supported"))
    assert_clean(r.out)
    assert_clean(r.err)
    r = cli_in_process("verify", tmp_path / f"{name}.json")  # no such dump: a usage error naming the path
    judge(exit_outcome(r.code, r.err[-300:]), expect="error", exit_code=2)
    assert_clean(r.err)
    assert len(r.err.strip().splitlines()) == 1


def test_visible_is_total_and_keeps_vietnamese():
    assert visible("Nguyễn Văn Ánh — Hà Nội") == "Nguyễn Văn Ánh — Hà Nội"
    assert visible("\x1b[2J") == "\\x1b[2J"
    assert visible("\u202e") == "<U+202E>"
    assert visible("\ud800") == "<U+D800>"
    assert visible("\x9b") == "\\x9b"
    for i in list(range(0x3000)) + list(range(0xD7F0, 0xE100)) + list(range(0xFE00, 0x10000)) + [0xE0001, 0x10FFFF]:
        ch = chr(i)
        out = visible(ch)
        assert out == ch or out.isascii()
