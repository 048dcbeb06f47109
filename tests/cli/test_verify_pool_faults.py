"""`cccd verify DIR --workers 2` as a real process under faults (verify/forkpool.py): Ctrl-C or SIGTERM to the
command ends it as ``aborted`` (exit 4, no summary: never a partial success) with its workers gone, and a
worker killed from outside by its PID changes nothing in the output (its dumps are verified again)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from testsupport.cards import saved_dump
from testsupport.cli import cccd_argv, run_cccd_process

AT = "2026-06-01T00:00:00Z"

pytestmark = pytest.mark.timeout(300)  # a pool that hangs fails, and its workers are killed (forkpool)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """400 dumps of one card (a batch that runs for a while with 2 workers), one of them tampered."""
    root = tmp_path_factory.mktemp("pool")
    card_dir, one = saved_dump(root, "cccd-2021", 7, "one.json")
    raw = one.read_bytes()
    dumps = root / "dumps"
    dumps.mkdir()
    for i in range(400):
        (dumps / f"d{i:03d}.json").write_bytes(raw)
    bad = json.loads(raw)
    dg1 = bytearray.fromhex(bad["files"]["DG1"])
    dg1[12] ^= 1
    bad["files"]["DG1"] = dg1.hex()
    (dumps / "d200.json").write_text(json.dumps(bad))
    return dumps, ["--csca", str(card_dir / "csca.pem"), "--crl", str(card_dir / "csca.crl"), "--at", AT]


def children(pid: int) -> set[int]:
    out = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.add(int(name))
            except OSError:
                continue
    return out


def start(folder, trust, *args, times: int = 1) -> subprocess.Popen:
    """`cccd verify FOLDER... TRUST ARGS` (the folder ``times`` over: a batch long enough to be caught running)."""
    return subprocess.Popen(cccd_argv("verify", *[folder] * times, *trust, *args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


def workers_of(proc: subprocess.Popen, n: int) -> set[int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = children(proc.pid)
        if len(found) >= n or proc.poll() is not None:
            return found
        time.sleep(0.005)
    raise AssertionError("no worker started")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("workers", [2, 1])
def test_an_interrupted_batch_ends_as_aborted(folder, sig, workers):
    dumps, trust = folder
    proc = start(dumps, trust, "--jsonl", "--workers", workers, times=3)
    try:
        first = proc.stdout.readline()  # the batch is running: its first result is out, 1199 to go
        assert json.loads(first)["report"]["overall"] == "successful"
        pool = children(proc.pid)
        assert len(pool) == (2 if workers == 2 else 0)
        proc.send_signal(sig)  # to the command's PID only
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 4, err
    assert "cccd: aborted" in err and "Traceback" not in err
    assert "dumps:" not in err  # no summary: an interrupted batch is never reported as done
    assert len(out.splitlines()) < 1199
    assert all(not os.path.exists(f"/proc/{pid}") for pid in pool)  # killed and reaped by the command


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_workers_end_when_the_command_is_killed(folder):
    """SIGKILL to the command (no clean-up runs): a reader of its output sees the end (the workers hold
    /dev/null, not the command's stdout), and the workers end by themselves at the end of their task pipes
    or at their result pipe's EPIPE."""
    dumps, trust = folder
    proc = start(dumps, trust, "--jsonl", "--workers", 2, times=3)
    try:
        proc.stdout.readline()
        pool = children(proc.pid)
        assert len(pool) == 2
        proc.kill()  # SIGKILL, by its PID
        proc.wait(timeout=60)
        t0 = time.monotonic()
        proc.stdout.read()  # EOF: no worker holds the command's stdout
        proc.stderr.read()
        assert time.monotonic() - t0 < 10
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_state(p) not in ("gone", "Z") for p in pool):
            time.sleep(0.01)
        assert all(_state(p) in ("gone", "Z") for p in pool)  # ended (a zombie until its new parent reaps it)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_a_worker_killed_from_outside_changes_nothing(folder):
    dumps, trust = folder
    reference = run_cccd_process("verify", dumps, *trust, "--workers", 1)
    assert reference.returncode == 1 and "400 dumps: 399 successful, 1 failed" in reference.stderr
    proc = start(dumps, trust, "--workers", 2)
    try:
        pool = workers_of(proc, 2)
        assert len(pool) == 2
        os.kill(min(pool), signal.SIGKILL)  # by its PID, while its first chunk is being verified
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, out, err) == (reference.returncode, reference.stdout, reference.stderr)


def test_a_dump_whose_worker_died_twice_counts_as_internal():
    """WORKER_LOST (verify/batch.py): not known to be malformed (6), never a success: internal, exit 70."""
    from cccd_chip.verify.batch import WORKER_LOST, BatchResult
    from host_cli.commands.verify_batch import _count_key
    from host_cli.exit_codes import exit_code_for

    r = BatchResult("d.json", None, {"error": "WorkerLost", "reason": WORKER_LOST, "message": "..."})
    assert _count_key(r) == "internal" and exit_code_for({"successful": 3, "internal": 1}) == 70


def test_a_stream_through_the_pool_is_the_stream_of_one_worker(folder):
    """--stream: each line (a whole dump, ~10-50 KB) crosses to a worker in its chunk's frame, larger than a
    pipe holds: the parent writes what the pipe takes and the rest when it is writable again (forkpool)."""
    dumps, trust = folder
    raw = (dumps / "d000.json").read_text()
    bad = (dumps / "d200.json").read_text()
    lines = [raw] * 60 + [bad, "not json", ""] + [raw] * 40
    text = "\n".join(json.dumps(json.loads(x)) if x.startswith("{") else x for x in lines) + "\n"
    runs = [run_cccd_process("verify", "--stream", *trust, "--jsonl", "--workers", w, input=text, timeout=120)
            for w in (1, 2)]
    assert runs[0].returncode == 1, runs[0].stderr
    assert (runs[1].returncode, runs[1].stdout, runs[1].stderr) == (runs[0].returncode, runs[0].stdout,
                                                                     runs[0].stderr)
    recs = [json.loads(ln) for ln in runs[1].stdout.splitlines()]
    assert len(recs) == 102 and recs[60]["report"]["overall"] == "failed"
    assert recs[61]["error"]["reason"] == "DUMP_FORMAT" and recs[62]["source"] == "stdin:64"


@pytest.mark.parametrize("mode", ["--jsonl", "--json", "lines"])
def test_an_output_that_fails_ends_the_pool_as_an_output_error(folder, mode):
    """stdout is /dev/full (ENOSPC): exit 7 with its message, no traceback, and the workers killed and reaped."""
    dumps, trust = folder
    with open("/dev/full", "wb") as full:
        argv = cccd_argv("verify", dumps, *trust, "--workers", 2, *([mode] if mode != "lines" else []))
        proc = subprocess.Popen(argv, stdout=full, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        pool = workers_of(proc, 2)
        err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 7, err
    assert "Traceback" not in err and "dumps:" not in err
    assert all(_state(p) == "gone" for p in pool)


def test_a_reader_that_stops_early_ends_the_pool(folder):
    """`cccd verify DIR --workers 2 --jsonl | head -1`: exit 7 (output error), no traceback, workers reaped."""
    dumps, trust = folder
    proc = start(dumps, trust, "--jsonl", "--workers", 2, times=3)
    try:
        proc.stdout.readline()
        pool = children(proc.pid)
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 7, err
    assert "Traceback" not in err and "dumps:" not in err
    assert len(pool) == 2 and all(_state(p) == "gone" for p in pool)
