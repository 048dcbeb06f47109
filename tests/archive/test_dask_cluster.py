"""`cccd verify ARCHIVE --engine dask --scheduler ...` against a real scheduler and two workers on loopback."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import pytest

from .conftest import AT, REVOKED_PROFILE, cccd, cccd_popen, result_lines, summary_of, without_time

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def baseline(archive_set, dask_cluster, tmp_path_factory):
    """One full run under the ordinary trust (no DSC revoked): the results file and its lines."""
    out = tmp_path_factory.mktemp("baseline") / "run1.jsonl"
    r = cccd("verify", archive_set.jsonl, *archive_set.trust, "--at", AT, "--engine", "dask",
             "--scheduler", dask_cluster.address, "--out", out)
    assert r.returncode == 1, r.stderr[-3000:]  # the tampered twins failed
    lines = result_lines(r.stdout)
    assert lines == result_lines(out.read_text())
    return out, lines, r


def test_every_dump_once_with_its_verdict(archive_set, baseline):
    _, lines, r = baseline
    assert [ln["id"] for ln in lines] == list(archive_set.kinds)  # once each, in archive order
    by_kind = Counter((archive_set.kinds[ln["id"]].split(":")[0], ln["verdict"]) for ln in lines)
    assert by_kind == {("genuine", "successful"): 1608, ("tampered", "failed"): 384, ("malformed", "error"): 8}
    tampered = next(ln for ln in lines if archive_set.kinds[ln["id"]].startswith("tampered"))
    assert tampered["reasons"] == ["passive.dg_hash/DG2:DG_HASH_MISMATCH"]
    errors = [ln for ln in lines if ln["verdict"] == "error"]
    assert all(ln["reasons"] and ln["message"] for ln in errors)
    assert {ln["reasons"][0] for ln in errors} == {"DUMP_FORMAT"}
    assert all(len(ln["digest"]) == 64 and ln["trust"].startswith("ts-") for ln in lines)
    s = summary_of(r.stderr)
    assert s["verdicts"] == {"error": 8, "failed": 384, "successful": 1608} and s["dumps"] == 2000
    assert s["engine"] == "dask" and s["workers"] == 2 and s["dumps_per_second"] > 0
    assert "Traceback" not in r.stderr


def test_revoking_crl_changes_exactly_that_dscs_dumps(archive_set, dask_cluster, baseline, tmp_path):
    prev, _, _ = baseline
    r = cccd("verify", archive_set.jsonl, *archive_set.revoking_trust, "--at", AT, "--engine", "dask",
             "--scheduler", dask_cluster.address, "--changed-since", prev, "--out", tmp_path / "run2.jsonl")
    assert r.returncode == 1, r.stderr[-3000:]
    changed = result_lines(r.stdout)
    assert {ln["id"] for ln in changed} == archive_set.ids(f"genuine:{REVOKED_PROFILE}")
    assert len(changed) == 402
    assert all(ln["previous"] == "successful" and ln["verdict"] == "failed" for ln in changed)
    revoked = [[r for r in ln["reasons"] if r.startswith("passive.revocation/")] for ln in changed]
    assert all(len(r) == 1 and r[0].endswith(":DSC_REVOKED") for r in revoked), changed[0]
    s = summary_of(r.stderr)
    assert s["transitions"] == {"successful->failed": 402} and s["changed"] == 402
    assert s["verdicts"] == {"error": 8, "failed": 786, "successful": 1206}
    assert len(result_lines((tmp_path / "run2.jsonl").read_text())) == 2000  # --out keeps every line


def test_same_trust_twice_gives_identical_lines_and_no_change(archive_set, dask_cluster, baseline, tmp_path):
    prev, lines, _ = baseline
    r = cccd("verify", archive_set.jsonl, *archive_set.trust, "--at", AT, "--engine", "dask",
             "--scheduler", dask_cluster.address, "--changed-since", prev, "--out", tmp_path / "again.jsonl",
             "--batch-size", 37)
    assert r.returncode == 1, r.stderr[-3000:]
    assert r.stdout == ""  # nothing changed
    assert summary_of(r.stderr)["changed"] == 0
    assert without_time(result_lines((tmp_path / "again.jsonl").read_text())) == without_time(lines)


def test_killing_a_worker_mid_run_loses_no_result(archive_set, dask_cluster, baseline, tmp_path):
    _, lines, _ = baseline
    out = tmp_path / "killed.jsonl"
    proc = cccd_popen("verify", archive_set.jsonl, *archive_set.trust, "--at", AT, "--engine", "dask",
                      "--scheduler", dask_cluster.address, "--out", out, "--batch-size", 16)
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_text().count("\n") >= 32):
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no results came"
            time.sleep(0.05)
        dask_cluster.kill_worker("w1")  # SIGKILL by PID while batches are in flight
        done_at_kill = out.read_text().count("\n")
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        dask_cluster.start_worker("w1")
    assert done_at_kill < 2000, "the run ended before the worker was killed"
    assert proc.returncode == 1, stderr[-3000:]
    got = result_lines(out.read_text())
    assert [ln["id"] for ln in got] == list(archive_set.kinds)  # every dump exactly once
    assert without_time(got) == without_time(lines)
    assert result_lines(stdout) == got
    assert "Traceback" not in stderr
    dask_cluster.wait_for_workers(2)


def test_interrupt_leaves_a_resumable_file(archive_set, dask_cluster, baseline, tmp_path):
    _, lines, _ = baseline
    out = tmp_path / "interrupted.jsonl"
    args = ("verify", archive_set.jsonl, *archive_set.trust, "--at", AT, "--engine", "dask",
            "--scheduler", dask_cluster.address, "--batch-size", 16)
    proc = cccd_popen(*args, "--out", out)
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_text().count("\n") >= 64):
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 4, stderr[-3000:]
    assert f"--resume {out}" in stderr and "Traceback" not in stderr
    partial = out.read_text()
    n_partial = partial.count("\n")
    assert 64 <= n_partial < 2000
    with open(out, "a") as f:  # as if the interruption had cut a line in half
        f.write('{"id":"cut')
    r = cccd(*args, "--resume", out)
    assert r.returncode == 1, r.stderr[-3000:]
    s = summary_of(r.stderr)
    assert s["skipped"] == n_partial and s["dumps"] == 2000 - n_partial
    got = result_lines(out.read_text())
    assert sorted(ln["id"] for ln in got) == sorted(archive_set.kinds)  # each exactly once
    assert sorted(map(json.dumps, without_time(got))) == sorted(map(json.dumps, without_time(lines)))


def test_unreachable_scheduler_is_a_usage_error(archive_set, tmp_path):
    from .conftest import free_port

    r = cccd("verify", archive_set.jsonl, *archive_set.trust, "--engine", "dask", "--scheduler",
             f"tcp://127.0.0.1:{free_port()}", timeout=120, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert r.returncode == 2 and "cannot reach the Dask scheduler" in r.stderr and "Traceback" not in r.stderr
