"""A plain one-dump ``cccd verify`` runs without click (host_cli/fast_path.py) and does what click does.

Three levels: the arguments (for every form the fast path takes, the keyword arguments click's own
parsing hands to ``commands.verify_run.run`` are the same; every other form goes to click), the
endings an in-process run can provoke (an interrupt, a bug, a CccdError), and real processes
(``python -m host_cli.entry``: the fast path; ``python -m host_cli.main``: always click) compared
byte for byte on stdout, stderr and the exit status, from a successful dump to a closed stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import host_cli.commands.verify_run as verify_run
from cccd_chip.errors import DumpFormatError
from host_cli import fast_path
from testsupport.cards import saved_dump
from testsupport.cli import exit_code

AT = "2026-06-01T00:00:00Z"


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> tuple[Path, Path]:
    return saved_dump(tmp_path_factory.mktemp("fast"), "cccd-2021", 7)


def click_run_arguments(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keyword arguments the click command hands to ``verify_run.run`` for ``cccd ARGV``."""
    from host_cli.main import main

    seen: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> int:
        names = ["dumps", "csca", "masterlist", "masterlist_root", "crl", "ldif", "stream", "workers", "as_json",
                 "as_jsonl", "at", "archive_args"]
        seen.update(dict(zip(names, args)), **kwargs)
        return 0

    monkeypatch.setattr(verify_run, "run", capture)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert exit_code(e.value) == 0
    return seen


def forms(card: Path, dump: Path) -> list[list[str]]:
    csca, crl = str(card / "csca.pem"), str(card / "csca.crl")
    d = str(dump)
    return [
        ["verify", d], ["verify", d, "--csca", csca], ["verify", "--csca", csca, d, "--crl", crl],
        ["verify", d, "--csca", csca, "--csca", csca, "--crl", crl, "--json"], ["verify", d, "--json", "--json"],
        ["verify", d, "--at", AT], ["verify", d, "--at", "2020-01-01", "--at", AT],
        ["verify", d, "--masterlist", csca, "--masterlist-root", csca, "--ldif", crl],
        ["verify", str(dump.parent / "no-such.json"), "--csca", "no-such.pem"],  # not there: run() says so
        ["verify", "relative/dump.json"],
        # the batch: several dumps, folders of dumps, --workers
        ["verify", d, d], ["verify", d, "--workers", "1"], ["verify", str(card), "--workers", "2", "--csca", csca, "--json"],
        ["verify", d, "--workers", "3", "--workers", "2"], ["verify", d, str(card), "--workers", "123456789"],
    ]


def test_the_fast_path_hands_run_what_click_hands_it(dump, monkeypatch):
    card, path = dump
    for argv in forms(card, path):
        fast = fast_path.parse(argv)
        assert fast is not None, argv
        assert fast == click_run_arguments(argv, monkeypatch), argv


def test_every_other_form_goes_to_click(dump, tmp_path, monkeypatch):
    card, path = dump
    d, csca = str(path), str(card / "csca.pem")
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "a.json").write_bytes(path.read_bytes())
    unreadable = tmp_path / "locked.json"
    unreadable.write_bytes(b"{}")
    others = [
        [], ["read"], ["-v", "verify", d], ["verify"], ["verify", d, "-v"], ["verify", d, "-h"],
        ["verify", d, "--help"], ["verify", d, "--csca=" + csca], ["verify", d, "--csca"], ["verify", d, "--at"],
        ["verify", d, "--csca", "-x"], ["verify", "-", "--csca", csca], ["verify", ""], ["verify", d, "--"],
        ["verify", d, "--jsonl"], ["verify", d, "--stream"], ["verify", d, "--workers"],
        *(["verify", d, "--workers", n] for n in ("0", "01", "+2", "-1", "x", "1e3", " 2", "2 ", "1234567890", "")),
        ["verify", d, "--trust-known", "vn-cccd"], ["verify", d, "--revocation", "off"], ["verify", d, "--out", "x"],
        ["verify", d, "--engine", "process"], ["verify", str(folder), "--jsonl"], ["verify", str(tmp_path / "a.jsonl")],
        ["verify", str(tmp_path / "a.zip")], ["verify", d, "--unknown"], ["verify", d, "--JSON"],
    ]
    for argv in others:
        assert fast_path.parse(argv) is None, argv
    monkeypatch.setattr(os, "access", lambda p, mode: str(p) != str(unreadable))  # what root cannot see
    assert fast_path.parse(["verify", str(unreadable)]) is None  # click.Path() refuses it, with its message
    assert fast_path.parse(["verify", d, "--crl", str(unreadable)]) is None
    assert fast_path.parse(["verify", d + "\0"]) is None  # click's os.stat raises ValueError
    monkeypatch.setattr(os, "name", "nt")  # click expands wildcards in Windows arguments
    assert fast_path.parse(["verify", d]) is None
    monkeypatch.undo()
    assert fast_path.parse(["verify", d]) is not None
    monkeypatch.setenv("_CCCD_COMPLETE", "bash_complete")  # shell completion is click's
    assert fast_path.parse(["verify", d]) is None


def test_the_fast_path_hands_run_every_argument_run_takes(dump):
    """A new parameter of run() (a new option of `cccd verify`) must be given by the fast path too."""
    import inspect

    card, path = dump
    fast = fast_path.parse(["verify", str(path)])
    assert fast is not None and set(fast) == set(inspect.signature(verify_run.run).parameters)


# --- endings provoked in this process: both paths, the same stderr and exit code -----------------------


def ending(monkeypatch, capsys, argv: list[str], fast: bool, raise_: BaseException) -> tuple[int, str, str]:
    def boom(*args: Any, **kwargs: Any) -> int:
        raise raise_

    monkeypatch.setattr(verify_run, "run", boom)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        if fast:
            args = fast_path.parse(argv)
            assert args is not None
            fast_path.run(args)
        else:
            from host_cli.main import main

            main(argv)
    cap = capsys.readouterr()
    return exit_code(e.value), cap.out, cap.err


@pytest.mark.parametrize("error", [KeyboardInterrupt(), EOFError(), DumpFormatError("bad dump \x1b[2J"),
                                   RuntimeError("a bug"), OSError(28, "No space left on device"),
                                   OSError(13, "Permission denied")],
                         ids=["interrupt", "eof", "cccd-error", "bug", "enospc", "other-oserror"])
def test_the_same_ending_as_click(dump, monkeypatch, capsys, error):
    card, path = dump
    argv = ["verify", str(path), "--csca", str(card / "csca.pem")]
    monkeypatch.delenv("CCCD_DEBUG", raising=False)
    fast = ending(monkeypatch, capsys, argv, True, error)
    slow = ending(monkeypatch, capsys, argv, False, error)
    assert fast == slow
    assert fast[0] in (4, 6, 7, 70)


# --- real processes: python -m host_cli.entry (fast path) and python -m host_cli.main (click) --------------

PROBE = """
import atexit, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write("click" if "click" in sys.modules else "no click"))
sys.argv = ["cccd", *sys.argv[2:]]
from host_cli.entry import main
main()
"""


def processes(tmp_path: Path, argv: list[str], **run: Any) -> tuple[tuple[int, bytes, bytes], tuple[int, bytes, bytes],
                                                                      str]:
    """(exit, stdout, stderr) of the fast path (the `cccd` entry point) and of click, and whether the
    first imported click."""
    mark = tmp_path / "click.txt"
    fast = subprocess.run([sys.executable, "-c", PROBE, str(mark), *argv], capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL, **run)
    slow = subprocess.run([sys.executable, "-m", "host_cli.main", *argv], capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL, **run)
    return (fast.returncode, fast.stdout, fast.stderr), (slow.returncode, slow.stdout, slow.stderr), mark.read_text()


def cases(card: Path, dump: Path, tmp: Path) -> dict[str, tuple[list[str], int]]:
    csca, crl = str(card / "csca.pem"), str(card / "csca.crl")
    raw = json.loads(dump.read_text())
    tampered = dict(raw, files=dict(raw["files"]))
    dg1 = bytearray.fromhex(tampered["files"]["DG1"])
    dg1[12] ^= 1
    tampered["files"]["DG1"] = dg1.hex()
    (tmp / "tampered.json").write_text(json.dumps(tampered))
    (tmp / "broken.json").write_text("{not json")
    (tmp / "odd \u202e name.json").write_text(json.dumps({"x": 1}))
    (tmp / "garbage.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    d = str(dump)
    return {
        "successful": (["verify", d, "--csca", csca, "--crl", crl, "--at", AT], 0),
        "json": (["verify", d, "--csca", csca, "--crl", crl, "--json", "--at", AT], 0),
        "no trust": (["verify", d, "--at", AT], 3),
        "failed": (["verify", str(tmp / "tampered.json"), "--csca", csca, "--at", AT], 1),
        "failed json": (["verify", str(tmp / "tampered.json"), "--csca", csca, "--json", "--at", AT], 1),
        "malformed": (["verify", str(tmp / "broken.json"), "--csca", csca], 6),
        "malformed json": (["verify", str(tmp / "broken.json"), "--json"], 6),
        "odd name": (["verify", str(tmp / "odd \u202e name.json")], 6),
        "no dump": (["verify", str(tmp / "missing.json"), "--csca", csca], 2),
        "no csca": (["verify", d, "--csca", str(tmp / "missing.pem")], 2),
        "bad csca": (["verify", d, "--csca", str(tmp / "garbage.pem")], 6),
        "bad at": (["verify", d, "--at", "yesterday"], 2),
        "masterlist without root": (["verify", d, "--masterlist", csca], 2),
        "a folder dump's manifest": (["verify", str(tmp / "folder" / "dump.json")], 2),
    }


def test_processes_print_what_click_prints(dump, tmp_path):
    card, path = dump
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "dump.json").write_text("{}")
    (folder / "DG1.bin").write_bytes(b"\x61")
    for name, (argv, code) in cases(card, path, tmp_path).items():
        fast, slow, imported = processes(tmp_path, argv)
        assert fast == slow, name
        assert fast[0] == code, (name, fast)
        assert imported == ("no click" if code in (0, 1, 3) else "click"), name  # errors are told by click.echo
        assert b"Traceback" not in fast[2], name


def test_batch_processes_print_what_click_prints(dump, tmp_path):
    """Folders of dumps and several dumps, with 1 and 2 workers: the same lines, summary and exit code
    through the fast path (no click imported) as through click."""
    card, path = dump
    cases(card, path, tmp_path)  # writes tampered.json and broken.json
    mixed, good, empty = (tmp_path / n for n in ("mixed", "good", "empty"))
    for folder in (mixed, good, empty):
        folder.mkdir()
    for name in ("tampered.json", "broken.json"):
        (mixed / name).write_bytes((tmp_path / name).read_bytes())
    for name in ("a.json", "b.json"):
        (mixed / name).write_bytes(path.read_bytes())
        (good / name).write_bytes(path.read_bytes())
    trust = ["--csca", str(card / "csca.pem"), "--crl", str(card / "csca.crl"), "--at", AT]
    runs = {
        "mixed folder": (["verify", str(mixed), *trust], 1),
        "mixed folder, 2 workers": (["verify", str(mixed), "--workers", "2", *trust], 1),
        "mixed folder, json, 2 workers": (["verify", str(mixed), "--json", "--workers", "2", *trust], 1),
        "good folder and a dump, 1 worker": (["verify", str(good), str(path), "--workers", "1", *trust], 0),
        "two dumps": (["verify", str(path), str(path), *trust], 0),
        "no trust": (["verify", str(good), "--workers", "2", "--at", AT], 3),
        "an empty folder": (["verify", str(empty), *trust], 6),
    }
    for name, (argv, code) in runs.items():
        fast, slow, imported = processes(tmp_path, argv)
        assert fast == slow, name
        assert fast[0] == code, (name, fast)
        assert imported == "no click", name
        assert b"Traceback" not in fast[2] and b"dumps:" in fast[2], name


def test_a_closed_or_full_stdout_ends_as_under_click(dump, tmp_path):
    card, path = dump
    argv = ["verify", str(path), "--csca", str(card / "csca.pem"), "--json", "--at", AT]
    with open(os.devnull, "rb") as null_in, open("/dev/full", "wb") as full:
        runs = [subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, stdin=null_in, timeout=120)
                for cmd in ([sys.executable, "-m", "host_cli.entry", *argv],
                            [sys.executable, "-m", "host_cli.main", *argv])]
    assert runs[0].returncode == runs[1].returncode == 7
    assert runs[0].stderr == runs[1].stderr and b"output error" in runs[0].stderr
    results = []
    for cmd in ([sys.executable, "-m", "host_cli.entry", *argv], [sys.executable, "-m", "host_cli.main", *argv]):
        r, w = os.pipe()
        os.close(r)  # nobody reads: the first write is EPIPE
        try:
            p = subprocess.run(cmd, stdout=w, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120)
        finally:
            os.close(w)
        results.append((p.returncode, p.stderr))
    assert results[0] == results[1] and results[0][0] == 7, results


# --- logging: configured when a module first imports it ---------------------------------------------------

LOGGING = """
import sys
mode = sys.argv[1]
if mode == "loaded first":
    import logging
if mode == "group":
    from host_cli.verbosity import set_verbosity
    set_verbosity(0)
else:
    from host_cli.fast_path import quiet_logging
    quiet_logging()
    sys.stdout.write(f"logging before a module imports it: {'logging' in sys.modules}\\n")
import logging.handlers
logging.getLogger("cccd.probe").warning("card said %s", "x\\x1b[2J\\nforged line")
logging.getLogger("cccd.probe").info("not shown at verbosity 0")
sys.stdout.write(f"{type(logging.__spec__.loader).__name__} {logging.__loader__ is logging.__spec__.loader}\\n")
"""


def test_logging_is_configured_as_the_group_does_when_first_imported():
    runs = {mode: subprocess.run([sys.executable, "-c", LOGGING, mode], capture_output=True, text=True, timeout=60)
            for mode in ("group", "hook", "loaded first")}
    assert all(r.returncode == 0 for r in runs.values()), {m: r.stderr for m, r in runs.items()}
    assert runs["group"].stderr == runs["hook"].stderr == runs["loaded first"].stderr
    assert runs["group"].stderr == "cccd.probe: card said x\\x1b[2J\\x0aforged line\n"  # escaped, one line
    assert runs["hook"].stdout.splitlines() == ["logging before a module imports it: False",
                                                "SourceFileLoader True"]
    assert runs["loaded first"].stdout.splitlines()[0] == "logging before a module imports it: True"
