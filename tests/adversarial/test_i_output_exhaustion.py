"""Class (i): an attacker (or bad luck) exhausts the outputs (issue 18, defect 7).

Targets: a full disk (a tiny tmpfs mounted for the test in a private mount namespace,
``/dev/full``, a file-size limit), a read-only file system, odd targets (``--out`` a
symlink to a folder, a file or a device where a folder should be, a folder that is not a
dump), and a kill in the middle of a kiosk run. Expected everywhere:

- every failed or short write is detected: exit 7 (output error) with a message naming
  the target and the reason, never exit 70, never a traceback;
- the kiosk never announces "card N: complete" for a record that is not whole on the
  disk, stops cleanly (summary, exit 7) and leaves only whole JSON lines;
- no hidden temporary copy of personal data is left behind;
- record sequence numbers stay unique across kiosk restarts (and after a kill).

The tmpfs is mounted inside ``unshare --mount`` (as root; ``unshare -rm`` otherwise):
it exists only for the process tree of the case and disappears with it, so nothing is
ever left mounted.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from adversary import AT_TEXT, REPO, CliRun, Outcome, exit_outcome, run_cli, write_dump

EXIT_OUTPUT = 7


def output_error(r: CliRun) -> Outcome:
    """The outcome of a command whose output failed: an ``error`` with its exit code."""
    return exit_outcome(r.code, (r.err or "")[-300:])


def assert_output_message(r: CliRun) -> None:
    assert "Traceback" not in r.err and "internal error" not in r.err, r.err[-500:]
    assert "cannot write" in r.err or "output error" in r.err, r.err[-500:]


_RUNNER = textwrap.dedent('''
    import base64, json, os, subprocess, sys
    spec = json.loads(sys.argv[1])
    mnt = spec["mnt"]
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk,mode=0755" % spec["kb"], "tmpfs", mnt], check=True)
    for d in spec.get("mkdirs", []):
        os.makedirs(os.path.join(mnt, d), exist_ok=True)
    for name, kb in spec.get("fill", {}).items():
        with open(os.path.join(mnt, name), "wb") as f:
            try:
                f.write(b"x" * (kb * 1024))
            except OSError:
                pass
    if spec.get("ro"):
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
    runs = []
    for args in spec["runs"]:
        args = [a.replace("@MNT", mnt) for a in args]
        p = subprocess.run([sys.executable, "-m", "host_cli.main", *args], capture_output=True, timeout=300,
                           cwd=spec["cwd"])
        runs.append({"code": p.returncode, "out": p.stdout.decode("utf-8", "replace"),
                     "err": p.stderr.decode("utf-8", "replace")})
    tree = {}
    for root, dirs, files in os.walk(mnt):
        for d in dirs:
            tree[os.path.relpath(os.path.join(root, d), mnt) + "/"] = ""
        for f in files:
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                tree[os.path.relpath(path, mnt)] = base64.b64encode(fh.read()).decode()
    print(json.dumps({"runs": runs, "tree": tree}))
''')


def in_tiny_fs(tmp_path: Path, kb: int, runs: list[list], *, ro: bool = False, mkdirs=(), fill=None) -> dict:
    """Run ``cccd`` commands against a fresh tmpfs of ``kb`` KiB at @MNT; returns runs and the final tree."""
    script = tmp_path / "runner.py"
    script.write_text(_RUNNER)
    spec = {"mnt": str(tmp_path / "mnt"), "kb": kb, "ro": ro, "cwd": str(REPO), "mkdirs": list(mkdirs),
            "fill": fill or {}, "runs": [[str(a) for a in args] for args in runs]}
    ns = ["unshare", "--mount", "--propagation", "private"] if os.geteuid() == 0 else ["unshare", "-rm"]
    env = dict(os.environ)
    env.pop("CCCD_DEBUG", None)
    p = subprocess.run([*ns, sys.executable, str(script), json.dumps(spec)], capture_output=True, timeout=600,
                       env=env)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    result = json.loads(p.stdout)
    result["runs"] = [CliRun(r["code"], r["out"], r["err"]) for r in result["runs"]]
    result["tree"] = {k: base64.b64decode(v) for k, v in result["tree"].items()}
    return result


def hidden(tree: dict) -> list[str]:
    return [k for k in tree if any(part.startswith(".") for part in k.rstrip("/").split("/"))]


def jsonl_records(data: bytes) -> list[dict]:
    """Every line must be a whole record (a torn line was removed or closed off and is not JSON)."""
    out = []
    for line in data.split(b"\n"):
        if line.strip():
            out.append(json.loads(line))
    return out


@pytest.fixture(scope="module")
def kiosk_cards(cards):
    return [cards.get("cccd-2021", seed) for seed in (7, 8, 9)]


def _can(card: Path) -> str:
    return json.loads((card / "card.json").read_text())["secrets"]["can"]


# --- the kiosk on a full disk ------------------------------------------------------------------------------


@pytest.mark.parametrize("kb", [4, 8, 12, 16, 24, 40])
def test_kiosk_jsonl_on_a_full_tmpfs(kiosk_cards, judge, tmp_path, kb):
    """Records fill the disk at some card: exit 7, whole lines only, never 'complete' for an unwritten record."""
    args = ["watch", *[a for c in kiosk_cards for a in ("--virtual", c)], "--can", _can(kiosk_cards[0]),
            "--out-jsonl", "@MNT/records.jsonl"]
    res = in_tiny_fs(tmp_path, kb, [args], fill={"ballast": max(0, kb - 8)})
    r = res["runs"][0]
    records = jsonl_records(res["tree"].get("records.jsonl", b""))
    announced = [ln for ln in r.out.splitlines() if ": complete" in ln or ": error" in ln or ": aborted" in ln]
    assert len(announced) == len(records), (r.out, [x["sequence"] for x in records])
    assert [x["sequence"] for x in records] == list(range(1, len(records) + 1))
    assert not hidden(res["tree"])
    if len(records) == len(kiosk_cards):
        judge(Outcome("not_supported", (), r.code), expect="not_supported")
        assert r.code == 0
    else:
        judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
        assert_output_message(r)


@pytest.mark.parametrize("kb", [8, 24, 64, 200])
def test_kiosk_dump_folders_on_a_full_tmpfs(kiosk_cards, judge, tmp_path, kb):
    args = ["watch", *[a for c in kiosk_cards for a in ("--virtual", c)], "--can", _can(kiosk_cards[0]),
            "--out-dir", "@MNT/records"]
    res = in_tiny_fs(tmp_path, kb, [args])
    r = res["runs"][0]
    assert not hidden(res["tree"]), hidden(res["tree"])  # no .tmp-* folder with a dump in it
    folders = sorted({k.split("/")[1] for k in res["tree"] if k.startswith("records/") and k.count("/") >= 2})
    for f in folders:  # every folder with a final name is whole
        rec = json.loads(res["tree"][f"records/{f}/record.json"])
        assert f"{rec['sequence']:06d}" == f[:6]
    if r.code == 0:
        judge(Outcome("not_supported", (), 0), expect="not_supported")
        assert len(folders) == len(kiosk_cards)
    else:
        judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
        assert_output_message(r)
        assert len(folders) < len(kiosk_cards)


def test_kiosk_on_a_read_only_file_system(kiosk_cards, judge, tmp_path):
    for out in (["--out-jsonl", "@MNT/r.jsonl"], ["--out-dir", "@MNT/d"]):
        res = in_tiny_fs(tmp_path, 64, [["watch", "--virtual", kiosk_cards[0], "--can", _can(kiosk_cards[0]), *out]],
                         ro=True, mkdirs=["d"])
        r = res["runs"][0]
        judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
        assert ": complete" not in r.out


@pytest.mark.parametrize("target", ["/dev/full"])
def test_kiosk_jsonl_to_dev_full(kiosk_cards, judge, target):
    r = run_cli("watch", "--virtual", kiosk_cards[0], "--can", _can(kiosk_cards[0]), "--out-jsonl", target)
    judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
    assert ": complete" not in r.out
    assert_output_message(r)


def test_kiosk_with_a_file_size_limit(kiosk_cards, judge, tmp_path):
    """RLIMIT_FSIZE: writes past the limit fail with EFBIG (SIGXFSZ ignored): the short-write path."""
    import resource

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    out = tmp_path / "r.jsonl"
    p = subprocess.run([sys.executable, "-m", "host_cli.main", "watch",
                        *[a for c in kiosk_cards for a in ("--virtual", c)], "--can", _can(kiosk_cards[0]),
                        "--out-jsonl", str(out)], capture_output=True, timeout=300, cwd=REPO, preexec_fn=limit)
    r = CliRun(p.returncode, p.stdout.decode(), p.stderr.decode())
    judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
    records = jsonl_records(out.read_bytes()) if out.exists() else []
    assert len([ln for ln in r.out.splitlines() if ": complete" in ln]) == len(records)


# --- kill during write, restarts -------------------------------------------------------------------------------


def test_sequence_numbers_unique_across_restarts(kiosk_cards, judge, tmp_path):
    out = tmp_path / "r.jsonl"
    d = tmp_path / "dirs"
    for _ in range(2):
        for target in (["--out-jsonl", out], ["--out-dir", d]):
            r = run_cli("watch", *[a for c in kiosk_cards[:2] for a in ("--virtual", c)], "--can",
                        _can(kiosk_cards[0]), *target)
            judge(Outcome("not_supported", (), r.code), expect="not_supported")
            assert r.code == 0, r.err
    assert [x["sequence"] for x in jsonl_records(out.read_bytes())] == [1, 2, 3, 4]
    folders = sorted(p.name for p in d.iterdir())
    assert [f[:6] for f in folders] == ["000001", "000002", "000003", "000004"]
    assert [json.loads((d / f / "record.json").read_text())["sequence"] for f in folders] == [1, 2, 3, 4]


@pytest.mark.parametrize("target", ["jsonl", "dir"])
def test_kill_during_a_kiosk_run_then_restart(cards, judge, tmp_path, target):
    """SIGKILL after the first announced record; the restart closes off what the kill left and continues."""
    many = [cards.get("cccd-2021", 7)] * 6
    out = tmp_path / ("r.jsonl" if target == "jsonl" else "dirs")
    opt = "--out-jsonl" if target == "jsonl" else "--out-dir"
    args = [sys.executable, "-m", "host_cli.main", "watch", *[a for c in many for a in ("--virtual", str(c))],
            "--can", _can(many[0]), opt, str(out)]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        assert p.stdout is not None
        first = p.stdout.readline()
        assert b"card 1:" in first
        time.sleep(0.05)
        p.kill()
    finally:
        p.wait(timeout=60)
    r = run_cli("watch", *[a for c in many[:2] for a in ("--virtual", c)], "--can", _can(many[0]), opt, out)
    judge(Outcome("not_supported", (), r.code), expect="not_supported")
    assert r.code == 0, r.err
    if target == "jsonl":
        seqs = [x["sequence"] for x in jsonl_records(out.read_bytes())]
    else:
        assert not [p for p in out.iterdir() if p.name.startswith(".")]
        seqs = [json.loads((p / "record.json").read_text())["sequence"] for p in sorted(out.iterdir())]
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs) and len(seqs) >= 3


# --- cccd read --out / --trace / --face, cccd verify outputs ----------------------------------------------


def test_read_out_on_a_full_tmpfs_leaves_no_hidden_copy(cards, judge, tmp_path):
    card = cards.get("cccd-2021", 7)
    for kb in (4, 16, 40):
        res = in_tiny_fs(tmp_path, kb, [["read", "--virtual", card, "--can", _can(card), "--out", "@MNT/dump"],
                                        ["read", "--virtual", card, "--can", _can(card), "--out", "@MNT/d.json"],
                                        ["read", "--virtual", card, "--can", _can(card), "--trace", "@MNT/t.jsonl"]],
                         fill={"ballast": kb - 4})
        for r in res["runs"]:
            assert r.code in (0, EXIT_OUTPUT), r.err[-400:]
            judge(output_error(r) if r.code else Outcome("not_supported", (), 0), expect=("error", "not_supported"))
            if r.code:
                assert_output_message(r)
        assert not hidden(res["tree"]), hidden(res["tree"])


def test_read_out_to_a_read_only_file_system(cards, judge, tmp_path):
    card = cards.get("cccd-2021", 7)
    res = in_tiny_fs(tmp_path, 64, [["read", "--virtual", card, "--can", _can(card), "--out", "@MNT/dump"],
                                    ["read", "--virtual", card, "--can", _can(card), "--face", "@MNT/f.jpg"]],
                     ro=True)
    for r in res["runs"]:  # refused up front (usage error naming the folder) or at the write (output error)
        judge(output_error(r), expect="error")
        assert r.code in (2, EXIT_OUTPUT) and "cannot write" in r.err, r.err[-300:]


def test_out_dir_through_a_symlink_twice(cards, judge, tmp_path):
    """The issue's case: --out LINK (a symlink to a folder) worked once, then exit 70 and a hidden full dump."""
    card = cards.get("cccd-2021", 7)
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    for _ in range(3):
        r = run_cli("read", "--virtual", card, "--can", _can(card), "--out", tmp_path / "link", "--csca",
                    card / "csca.pem", "--at", AT_TEXT)
        judge(Outcome("not_supported", (), r.code), expect="not_supported")
        assert r.code == 0, r.err[-400:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real" / "dump.json").is_file()


@pytest.mark.parametrize("kind", ["file", "not a dump folder", "device"])
def test_out_names_something_that_is_not_a_dump(cards, judge, tmp_path, kind):
    card = cards.get("cccd-2021", 7)
    target = tmp_path / "t"
    if kind == "file":
        target.write_text("precious")
    elif kind == "not a dump folder":
        target.mkdir()
        (target / "precious.txt").write_text("precious")
    else:
        target = Path("/dev/null")
    r = run_cli("read", "--virtual", card, "--can", _can(card), "--out", target)
    judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
    assert_output_message(r)
    if kind == "file":
        assert target.read_text() == "precious"
    elif kind == "not a dump folder":
        assert (target / "precious.txt").read_text() == "precious"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("args", [
    ["--json"], ["--jsonl"], [], ["--json", "@SECOND"], ["@SECOND"],
], ids=["json", "jsonl", "human", "batch-json", "batch-lines"])
def test_verify_to_dev_full(genuine, judge, tmp_path, args):
    g = genuine()
    dump = write_dump(g.manifest, tmp_path / "d.json")
    second = write_dump(g.manifest, tmp_path / "e.json")
    argv = [str(second) if a == "@SECOND" else a for a in args]
    with open("/dev/full", "wb") as full:
        p = subprocess.run([sys.executable, "-m", "host_cli.main", "verify", str(dump), *argv, "--csca",
                            str(g.card_dir / "csca.pem"), "--at", AT_TEXT, "--workers", "1"], stdout=full,
                           stderr=subprocess.PIPE, cwd=REPO, timeout=120)
    r = CliRun(p.returncode, "", p.stderr.decode())
    judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
    assert_output_message(r)


@pytest.mark.parametrize("command", ["inspect", "read-json", "read-human", "readers-free"])
def test_other_commands_to_dev_full(genuine, judge, tmp_path, command):
    g = genuine()
    dump = write_dump(g.manifest, tmp_path / "d.json")
    argv = {"inspect": ["inspect", dump], "read-json": ["read", "--virtual", g.card_dir, "--can", g.secrets["can"],
                                                        "--json"],
            "read-human": ["read", "--virtual", g.card_dir, "--can", g.secrets["can"]],
            "readers-free": ["verify", dump, "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT, "--json"]}[command]
    with open("/dev/full", "wb") as full:
        p = subprocess.run([sys.executable, "-m", "host_cli.main", *[str(a) for a in argv]], stdout=full,
                           stderr=subprocess.PIPE, cwd=REPO, timeout=120)
    r = CliRun(p.returncode, "", p.stderr.decode())
    judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
    assert_output_message(r)


def test_verify_jsonl_into_a_closed_pipe(genuine, judge, tmp_path):
    """A reader that stops early (| head -1): no traceback, no exit 70."""
    g = genuine()
    dumps = [write_dump(g.manifest, tmp_path / f"d{i}.json") for i in range(30)]
    p = subprocess.Popen([sys.executable, "-m", "host_cli.main", "verify", *map(str, dumps), "--jsonl", "--csca",
                          str(g.card_dir / "csca.pem"), "--at", AT_TEXT, "--workers", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    code = p.wait(timeout=120)
    r = CliRun(code, "", err)
    judge(output_error(r), expect="error", exit_code=EXIT_OUTPUT)
    assert "Traceback" not in err
