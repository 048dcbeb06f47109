"""The fork pool behind ``verify_many`` (verify/forkpool.py), with real processes: input order whatever the
chunking, a worker killed mid-run (by itself or from outside, by its PID), a dump that kills every worker
it meets, workers that always die, a worker raising, and a consumer that stops early -- no value lost,
none twice, no worker left behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from cccd_chip.document import Document
from cccd_chip.verify import forkpool
from cccd_chip.verify.batch import WORKER_LOST, BatchResult, dump_paths, verify_many

from .conftest import POLICY

pytestmark = pytest.mark.timeout(300)  # a pool that hangs fails, and its workers are killed (forkpool)


def children() -> set[int]:
    """PIDs of this process's live children (zombies included: a zombie is a child not reaped)."""
    me = os.getpid()
    out = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            out.add(int(name))
    return out


@pytest.fixture
def no_worker_left():
    before = children()
    yield
    assert children() - before == set()  # every worker the pool forked was reaped


def square(chunk):
    return [(x, x * x, os.getpid()) for x in chunk]


def lost(item, how):
    return (item, "lost", how)


def run(items, work, workers=2, chunk_size=3):
    return list(forkpool.imap_ordered(items, work, workers=workers, chunk_size=chunk_size, lost=lost))


@pytest.fixture
def fork_pool(monkeypatch):
    """verify_many takes the fork pool even if an earlier test left a thread running in this test process
    (a `cccd` process runs none: test_a_cccd_process_can_fork)."""
    monkeypatch.setattr(forkpool, "available", lambda: True)


def test_a_cccd_process_can_fork():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", "from cccd_chip.verify import forkpool; print(forkpool.available())"],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "True", r.stderr  # Linux, no other thread: the fork pool, not the fallback


@pytest.mark.parametrize("workers,chunk_size,n", [(2, 1, 301), (2, 16, 1000), (3, 7, 500), (2, 16, 5), (4, 2, 1)])
def test_values_come_back_in_input_order(no_worker_left, workers, chunk_size, n):
    out = run(range(n), square, workers, chunk_size)
    assert [v[:2] for v in out] == [(x, x * x) for x in range(n)]
    pids = {v[2] for v in out}
    assert os.getpid() not in pids and 1 <= len(pids) <= min(workers, n)  # no more workers than items


def reverse(chunk):
    return [x[::-1] for x in chunk]


def test_large_items_and_values_cross_both_ways_at_once(no_worker_left):
    """Chunks and answers far larger than a pipe holds, in flight together: the parent never blocks on a
    write (it writes what a pipe takes and polls for the rest), so neither side waits on the other."""
    items = [bytes([i % 251]) * (150_000 + i) for i in range(64)]
    out = run(items, reverse, workers=2, chunk_size=16)
    assert out == [x[::-1] for x in items]


def test_a_short_input_forks_no_more_workers_than_items(no_worker_left):
    before = children()
    gen = forkpool.imap_ordered(range(2), square, workers=4, chunk_size=16, lost=lost)
    assert next(gen)[:2] == (0, 0)
    assert len(children() - before) == 2  # suspended mid-run: its workers are alive
    assert [v[:2] for v in gen] == [(1, 1)]


def test_no_input_forks_nothing():
    before = children()
    assert run([], square) == []
    assert children() == before


def test_a_worker_killed_mid_run_is_replaced_and_its_chunks_run_again(tmp_path, no_worker_left):
    marker = tmp_path / "killed"

    def work(chunk):
        if 37 in chunk:
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL))  # the first time only
                os.kill(os.getpid(), signal.SIGKILL)
            except FileExistsError:
                pass
        return square(chunk)

    out = run(range(200), work, chunk_size=8)
    assert marker.exists()  # a worker did die
    assert [v[:2] for v in out] == [(x, x * x) for x in range(200)]  # nothing lost, nothing twice
    assert len({v[2] for v in out}) >= 2


def test_a_worker_killed_from_outside_by_its_pid(no_worker_left):
    import time

    def slow(chunk):
        time.sleep(0.002 * len(chunk))
        return square(chunk)

    before = children()
    gen = forkpool.imap_ordered(range(600), slow, workers=2, chunk_size=4, lost=lost)
    out = [next(gen) for _ in range(40)]
    victims = children() - before
    assert len(victims) == 2
    os.kill(min(victims), signal.SIGKILL)
    out += list(gen)
    assert [v[:2] for v in out] == [(x, x * x) for x in range(600)]
    assert min(victims) not in {v[2] for v in out[300:]}  # the killed worker answered nothing late


def test_an_item_that_kills_every_worker_is_lost_alone(no_worker_left):
    def work(chunk):
        if 13 in chunk:
            os.kill(os.getpid(), signal.SIGKILL)
        return square(chunk)

    out = run(range(60), work, chunk_size=5)
    assert out[13] == (13, "lost", "killed by signal SIGKILL")
    assert [v[:2] for i, v in enumerate(out) if i != 13] == [(x, x * x) for x in range(60) if x != 13]


def test_workers_that_always_die_end_the_run(no_worker_left):
    def work(chunk):
        os._exit(3)

    with pytest.raises(forkpool.WorkerPoolError) as e:
        run(range(50), work)
    assert "exit status 3" in e.value.message


def test_an_exception_in_a_worker_is_raised_in_the_caller(no_worker_left):
    def work(chunk):
        if 50 in chunk:
            raise ValueError("bad item")
        return square(chunk)

    with pytest.raises(ValueError, match="bad item"):
        run(range(100), work)


def test_an_exception_that_cannot_cross_is_named_not_quoted(no_worker_left):
    class Local(Exception):  # not picklable (a local class): the parent gets its name, not its text
        pass

    def work(chunk):
        raise Local("secret 123")

    with pytest.raises(RuntimeError) as e:
        run(range(10), work)
    assert "Local" in str(e.value) and "secret" not in str(e.value)


def test_a_consumer_that_stops_early_leaves_no_worker(no_worker_left):
    gen = forkpool.imap_ordered(range(10_000), square, workers=2, chunk_size=4, lost=lost)
    assert [next(gen)[0] for _ in range(10)] == list(range(10))
    gen.close()


# --- verify_many over real dumps --------------------------------------------------------------------------

def _line(r: BatchResult) -> tuple[str, str]:
    """A render function: runs in the worker."""
    if r.report is None:
        return r.source, f"error {r.error['reason']}"
    return r.source, r.report.overall.value


def test_many_small_files_in_the_order_of_one_worker(pki, tmp_path, no_worker_left, fork_pool):
    for i in range(400):
        if i % 50 == 0:
            files = pki.files(seed=i)
            if i == 100:
                files["DG1"] = files["DG1"][:-1] + bytes([files["DG1"][-1] ^ 1])
            Document(files=files).save(tmp_path / f"d{i:03d}.json")
        else:
            (tmp_path / f"d{i:03d}.json").write_text("{}" if i % 3 else "[")
    one = list(verify_many(dump_paths(tmp_path), pki.store, policy=POLICY, workers=1, render=_line))
    two = list(verify_many(dump_paths(tmp_path), pki.store, policy=POLICY, workers=2, chunk_size=5, render=_line))
    assert two == one and len(one) == 400
    assert [v for _, v in one].count("successful") == 7 and one[100][1] == "failed"


TEST_PROCESS = os.getpid()


def _kill_on_poison(r: BatchResult) -> tuple[str, str]:
    """Kills the worker verifying poison.json; in the test's process (the value of a lost dump) it only renders."""
    if Path(r.source).name == "poison.json" and os.getpid() != TEST_PROCESS:
        os.kill(os.getpid(), signal.SIGKILL)
    return _line(r)


def test_a_dump_that_kills_its_worker_is_reported_worker_lost(pki, tmp_path, no_worker_left, fork_pool):
    for i in range(6):
        Document(files=pki.files(seed=i)).save(tmp_path / f"d{i}.json")
    Document(files=pki.files(seed=9)).save(tmp_path / "poison.json")
    out = list(verify_many(dump_paths(tmp_path), pki.store, policy=POLICY, workers=2, chunk_size=4,
                           render=_kill_on_poison))
    assert [Path(s).name for s, _ in out] == [f"d{i}.json" for i in range(6)] + ["poison.json"]
    assert [v for _, v in out] == ["successful"] * 6 + [f"error {WORKER_LOST}"]
    (r,) = [x for x in verify_many([tmp_path / "poison.json"], pki.store, policy=POLICY, workers=2,
                                   render=None)]  # without the poison render: an ordinary result
    assert r.report is not None and r.report.overall.value == "successful"


def _pid(r: BatchResult) -> tuple[str, str, int]:
    return (*_line(r), os.getpid())


def test_with_another_thread_running_the_fallback_pool_gives_the_same(pki, monkeypatch):
    """Forking a process that runs other threads is unsafe: verify_many then uses concurrent.futures."""
    import threading

    docs = [Document(files=pki.files(seed=i % 3), source=f"doc{i}") for i in range(10)]
    serial = list(verify_many(docs, pki.store, policy=POLICY, workers=1, render=_pid))
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forkpool.available()
        pooled = list(verify_many(docs, pki.store, policy=POLICY, workers=2, chunk_size=3, render=_pid))
    finally:
        stop.set()
        t.join()
    assert [p[:2] for p in pooled] == [p[:2] for p in serial]
    assert os.getpid() not in {p[2] for p in pooled}
