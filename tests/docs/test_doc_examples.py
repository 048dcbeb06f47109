"""Every fenced ``cccd`` command in README.md and docs/ is run, so the docs stay true.

Two kinds of lines are found in fenced blocks:

- **examples** (``cccd read --virtual card --id <ID> ...``) are run, in the order of
  their file, in a fresh folder that holds what the docs refer to (a virtual card, a
  dump, a folder of dumps, an archive, a master list under its root, a CRL, a
  credentials file). Placeholders become real values of that virtual card
  (``<ID>``, ``YYMMDD``, ``"<MRZ lines>"``), and ``--reader 0`` becomes ``--virtual
  card`` (the PC/SC path has its own tests in tests/pcsc). An example must not end
  as a usage error (2: the docs are wrong), an internal error (70) or a traceback.
  Commands that serve until stopped (``cccd kiosk``, ``cccd serve``) must still be
  running after a few seconds; they are then stopped by their PID. ``... | diff -
  FILE`` compares the output with FILE.
- **synopses** (``cccd verify DUMP... [TRUST] --engine process|dask``) and sketches
  with ``...`` are not run: every option they name must exist on that command.

Examples that need a running cluster or the PC/SC daemon (``--scheduler``,
``cccd emulate``) are checked like synopses; their own tests run them for real.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from testsupport.net import free_port

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SERVING = {"kiosk", "serve"}  # run until stopped
NEEDS_STACK = {"emulate"}  # needs pcscd + vpcd: options checked here, run in tests/pcsc
pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Line:
    file: str
    lineno: int
    text: str

    def where(self) -> str:
        return f"{self.file}:{self.lineno}: {self.text}"


def doc_lines(path: Path) -> list[Line]:
    """``cccd ...`` lines of the fenced blocks of one Markdown file (continuations joined)."""
    out: list[Line] = []
    in_block = False
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        if raw.lstrip().startswith("```"):
            in_block = not in_block
        elif in_block:
            text = raw.strip()
            if text.startswith("$ "):
                text = text[2:]
            if text.startswith("cccd ") or text == "cccd":
                start = i
                while text.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    text = text[:-1].rstrip() + " " + lines[i].strip()
                out.append(Line(path.relative_to(ROOT).as_posix(), start + 1, text))
        i += 1
    return out


def _strip_comment(text: str) -> str:
    return re.split(r"\s+#\s", text, maxsplit=1)[0].strip()


_SYNOPSIS_TOKEN = re.compile(r"^[A-Z][A-Z0-9_]+(\.\.\.)?$|[\[\]()]|\.\.\.|\w\|\w|^-\w\|")


def is_synopsis(command: str) -> bool:
    tokens = command.split()
    return any(_SYNOPSIS_TOKEN.search(t) for t in tokens[1:])


def _command_of(tokens: list[str]) -> tuple[list[str], click.Command]:
    from host_cli.main import cli, install_verbose_options

    install_verbose_options(cli)
    cmd: click.Command = cli
    path: list[str] = []
    for tok in tokens[1:]:
        if isinstance(cmd, click.Group) and tok in cmd.commands:
            cmd = cmd.commands[tok]
            path.append(tok)
        elif tok.startswith("-") and isinstance(cmd, click.Group):
            continue
        else:
            break
    return path, cmd


def check_options(line: Line, command: str) -> None:
    """Every ``--option`` of a synopsis or sketch exists on its command."""
    from host_cli.main import cli

    tokens = command.replace("|", " ").replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ").split()
    path, cmd = _command_of(tokens)
    assert path or tokens[1:2] in (["-v"], ["COMMAND"]) or len(tokens) == 1, f"unknown command in {line.where()}"
    known = {o for p in cmd.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
    known |= {o for p in cli.params for o in getattr(p, "opts", [])} | {"-h", "--help"}
    for tok in tokens:
        if tok.startswith("-") and tok != "-":
            opt = tok.split("=", 1)[0]
            if re.fullmatch(r"-v+", opt):
                opt = "-v"  # -vv: the counted verbosity flag repeated
            assert opt in known, f"{opt} is not an option of 'cccd {' '.join(path)}' ({line.where()})"


@dataclass
class World:
    """What the docs refer to, made once per session and copied per doc file."""

    root: Path
    secrets: dict


def _run_cli(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "host_cli.entry", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=kw.pop("timeout", 300), **kw)


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.emulator import testpki

    root = tmp_path_factory.mktemp("doc-world")
    card = personalize("cccd-2021", 1, root / "card")
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    csca_pem = card / "csca.pem"
    for i, seed in enumerate((1, 2, 3)):
        c = card if seed == 1 else personalize("cccd-2021", seed, root / f"card{seed}")
        s = json.loads((c / "card.json").read_text())["secrets"]
        r = _run_cli(["read", "--virtual", str(c), "--id", s["id"], "--out", str(root / "dumps" / f"d{i}.json")],
                     root)
        assert r.returncode in (0, 3), r.stderr
    shutil.copytree(root / "dumps", root / "archive")
    r = _run_cli(["read", "--virtual", "card", "--id", secrets["id"], "--out", "dump"], root)
    assert r.returncode in (0, 3), r.stderr
    (root / "cscas").mkdir()
    shutil.copy(csca_pem, root / "cscas" / "csca.pem")
    with zipfile.ZipFile(root / "archive.zip", "w") as z:
        for f in sorted((root / "dumps").iterdir()):
            z.write(f, f"dumps/{f.name}")
    with open(root / "dumps.jsonl", "w") as out:
        for f in sorted((root / "dumps").iterdir()):
            out.write(json.dumps(json.loads(f.read_text()), separators=(",", ":")) + "\n")
    for name in ("new.crl", "csca.crl", "vn.crl"):
        shutil.copy(card / "csca.crl", root / name)
    (root / "ids.txt").write_text(secrets["id"] + "\n")
    # a master list holding the card's CSCA, signed under a root the operator names
    ml_root = testpki.make_csca("UT", key_spec="p256", cn="Master List Root UT", serial=77)
    signer = testpki.make_ml_signer(ml_root)
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    card_csca = x509.load_pem_x509_certificate(csca_pem.read_bytes()).public_bytes(Encoding.DER)
    ml = testpki.make_master_list(signer, [card_csca, ml_root.cert_der])
    for name in ("DE.ml", "DE_ML.ml", "VN.ml", "ml.ml"):
        (root / name).write_bytes(ml)
    for name in ("DE_CSCA.cer", "root.cer"):
        (root / name).write_bytes(ml_root.cert_der)
    for name in ("root.pem", "csca-root.pem"):
        (root / name).write_bytes(ml_root.cert.public_bytes(Encoding.PEM))
    for name in ("last-run.jsonl", "run-2026-11.jsonl"):
        r = _run_cli(["verify", "dumps", "--csca", "cscas", "--engine", "process", "--out", name], root)
        assert r.returncode in (0, 3), r.stderr[-2000:]
    return World(root, secrets)


def substitute(command: str, secrets: dict) -> str:
    mrz = " ".join(secrets["mrz"].splitlines())
    text = command.replace("<12-digit ID>", secrets["id"]).replace("<ID>", secrets["id"])
    text = text.replace("001304184794", secrets["id"])
    text = text.replace('"<MRZ lines>"', shlex.quote(mrz))
    text = re.sub(r"--dob YYMMDD", f"--dob {secrets['date_of_birth']}", text)
    text = re.sub(r"--doe YYMMDD", f"--doe {secrets['date_of_expiry']}", text)
    text = re.sub(r"--reader \S+", "--virtual card", text)
    text = re.sub(r"(?<=\s)/(mnt/)?archive(?=\s)", "archive", text)
    return text


def _serve_briefly(args: list[str], cwd: Path, line: Line) -> None:
    if "--port" not in args:  # the documented default port may be taken by another program here
        args = [*args, "--port", str(free_port())]
    proc = subprocess.Popen([sys.executable, "-m", "host_cli.entry", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(6)
        code = proc.poll()
        if code is not None:
            out, err = proc.communicate()
            raise AssertionError(f"{line.where()}\nended with {code} instead of serving:\n{err[-2000:]}")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)


def run_example(line: Line, world_dir: Path, secrets: dict) -> None:
    text = _strip_comment(line.text)
    for part in [p.strip() for p in re.split(r"\s;\s", text) if p.strip()]:
        if not part.startswith("cccd"):
            continue
        part = part.rstrip("&").strip()
        part = re.sub(r"\s+[A-Z]+=\$!$", "", part)
        if is_synopsis(part) or "--scheduler" in part:
            check_options(line, part)
            continue
        diff_with = None
        m = re.search(r"\|\s*diff\s+-\s+(\S+)\s*$", part)
        if m:
            diff_with, part = m.group(1), part[: m.start()].strip()
        redirect = None
        m = re.search(r">\s*(\S+)\s*$", part)
        if m:
            redirect, part = m.group(1), part[: m.start()].strip()
        argv = shlex.split(substitute(part, secrets))[1:]
        path, _ = _command_of(["cccd", *argv])
        if path and path[0] in NEEDS_STACK:
            check_options(line, part)
            continue
        if path and path[0] in SERVING:
            _serve_briefly(argv, world_dir, line)
            continue
        if path == ["watch"] and not {"--can", "--id", "--mrz", "--doc", "--credentials"} & set(argv):
            argv += ["--credentials", "ids.txt"]  # the operator would type it at the prompt
        r = _run_cli(argv, world_dir)
        detail = f"{line.where()}\n  ran: cccd {' '.join(argv)}\n  exit {r.returncode}\n{r.stderr[-3000:]}"
        assert r.returncode not in (2, 70), detail
        assert "Traceback" not in r.stderr, detail
        if redirect:
            (world_dir / redirect).write_text(r.stdout)
        if diff_with:
            assert r.stdout == (world_dir / diff_with).read_text(), f"output differs from {diff_with}: {detail}"


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_doc_commands(doc, world, tmp_path):
    lines = doc_lines(doc)
    if not lines:
        return  # a doc without cccd commands has nothing to check
    here = tmp_path / "w"
    shutil.copytree(world.root, here)
    for line in lines:
        run_example(line, here, world.secrets)


def test_the_docs_have_commands_and_the_extractor_sees_them():
    every = [ln for doc in DOC_FILES for ln in doc_lines(doc)]
    assert len(every) >= 30
    assert any(is_synopsis(_strip_comment(ln.text)) for ln in every)
    assert any(not is_synopsis(_strip_comment(ln.text)) for ln in every)


def test_a_wrong_option_in_a_synopsis_is_caught():
    with pytest.raises(AssertionError, match="--no-such-flag"):
        check_options(Line("x.md", 1, "cccd verify DUMP [--no-such-flag]"), "cccd verify DUMP [--no-such-flag]")
