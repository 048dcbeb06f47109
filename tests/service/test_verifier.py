"""The verification workers (cccd_chip.service.verifier): real processes over pipes, no pool threads.

A request whose deadline passes while its worker verifies stops that worker (by its
PID) and a new one takes its place; a worker that dies fails only its request; a
retired trust state lets running work finish and then ends its workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.service.verifier import PIPELINE, NoWorkerError, Verifier, WorkerLostError
from cccd_chip.verify.passive import Policy

AT = "2026-12-01T00:00:00+00:00"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def _stopped(pid: int) -> Iterator[None]:
    """The worker ``pid`` stopped (SIGSTOP) for the block: it holds what it has and answers nothing;
    continued after (SIGCONT), unless the verifier has ended it meanwhile."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


@pytest.fixture
def verifier(dumps: Any) -> Any:
    store = TrustStore.from_sources(csca=[str(dumps.csca())])
    v = Verifier(store, Policy(), workers=1, hash_key=None, max_depth=32)
    yield v
    v.close()


async def _until(cond: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


def test_deadline_stops_the_busy_worker_and_replaces_it(verifier: Any, dumps: Any) -> None:
    raw = dumps.dump().read_bytes()

    async def go() -> None:
        state = verifier.current
        first = await verifier.submit(state, raw, AT)
        assert first["verdict"] == "successful"
        [old] = [w.pid for w in state.idle]
        with _stopped(old):  # a worker that does not answer in time, however fast the machine
            with pytest.raises(asyncio.TimeoutError):  # the caller gives up: the task is cancelled
                await asyncio.wait_for(verifier.submit(state, raw, AT), 0.2)
        await _until(lambda: not _alive(old) and len(state.idle) == 1)
        assert state.idle[0].pid != old
        again = await verifier.submit(state, raw, AT)
        assert again == first  # the new worker answers the same

    asyncio.run(go())


def test_a_dead_worker_fails_only_its_request(verifier: Any, dumps: Any) -> None:
    raw = dumps.dump().read_bytes()

    async def go() -> None:
        state = verifier.current
        await verifier.submit(state, raw, AT)
        [old] = [w.pid for w in state.idle]
        task = verifier.submit(state, raw, AT)
        await asyncio.sleep(0)  # the body is on its way to the worker
        os.kill(old, signal.SIGKILL)
        try:
            await task
        except WorkerLostError:
            pass  # killed before it answered (or it answered first: both are fine)
        for w in [w for w in state.idle if w.pid == old]:  # answered first: back in the pool until it is dead
            await _until(w.dead)
        assert (await verifier.submit(state, raw, AT))["verdict"] == "successful"  # never on the dead one
        await _until(lambda: len(state.idle) == 1 and state.idle[0].pid != old)

    asyncio.run(go())


def test_a_retired_state_finishes_its_work_then_ends(verifier: Any, dumps: Any) -> None:
    raw = dumps.dump().read_bytes()

    async def go() -> None:
        old_state = verifier.current
        await verifier.submit(old_state, raw, AT)
        [old] = [w.pid for w in old_state.idle]
        running = verifier.submit(old_state, raw, AT)
        await asyncio.sleep(0)
        new_state = await asyncio.get_running_loop().run_in_executor(None, verifier.prepare, old_state.store)
        verifier.install(new_state)
        assert (await running)["verdict"] == "successful"  # started before the swap: answered
        with pytest.raises(RuntimeError):
            verifier.submit(old_state, raw, AT)
        await _until(lambda: not _alive(old))
        assert (await verifier.submit(verifier.current, raw, AT))["verdict"] == "successful"

    asyncio.run(go())


def test_deadlines_waiting_for_a_worker_and_while_verifying(verifier: Any, dumps: Any) -> None:
    """The service's path (Verifier.verify with a deadline). A worker holds PIPELINE requests
    (the one it verifies, the next in its pipe); a request that finds every place taken until
    its deadline is NoWorkerError and leaves the queue; a queued request past its deadline is
    asyncio.TimeoutError and the worker goes on; the request a worker is verifying at its
    deadline is asyncio.TimeoutError and that worker is replaced."""
    raw = dumps.dump().read_bytes()
    assert PIPELINE == 2

    async def go() -> None:
        state = verifier.current
        [only] = [w.pid for w in state.idle]
        with _stopped(only):  # nothing it holds can finish before the deadlines below
            busy = verifier.submit(state, raw, AT)  # the one it verifies
            await asyncio.sleep(0)
            queued = asyncio.ensure_future(verifier.verify(state, raw, AT, deadline=time.monotonic() + 0.3))
            await asyncio.sleep(0)
            with pytest.raises(NoWorkerError):  # both places on the only worker are taken
                await verifier.verify(state, raw, AT, deadline=time.monotonic() + 0.2)
            assert not state.waiters
            with pytest.raises(asyncio.TimeoutError):  # queued behind: timed out, the worker not stopped
                await queued
        assert (await busy)["verdict"] == "successful"
        await _until(lambda: [w.pid for w in state.idle] == [only])  # the dropped answer freed its place
        with _stopped(only):  # the verification it runs cannot finish by its deadline
            with pytest.raises(asyncio.TimeoutError):
                await verifier.verify(state, raw, AT, deadline=time.monotonic() + 0.5)
        await _until(lambda: not _alive(only) and len(state.idle) == 1)
        ok = await verifier.verify(state, raw, AT, deadline=time.monotonic() + 60)
        assert ok["verdict"] == "successful" and ok["dump_sha256"] == hashlib.sha256(raw).hexdigest()

    asyncio.run(go())


def test_a_worker_killed_while_idle_never_gets_a_request(verifier: Any, dumps: Any) -> None:
    raw = dumps.dump().read_bytes()

    async def go() -> None:
        state = verifier.current
        await verifier.submit(state, raw, AT)
        [worker] = state.idle
        old = worker.pid
        os.kill(old, signal.SIGKILL)
        # every thread gone (its pipe at EOF, or reapable): /proc shows the main thread a zombie earlier
        await _until(worker.dead)
        assert (await verifier.submit(state, raw, AT))["verdict"] == "successful"  # not a 503 for the dead one
        assert [w.pid for w in state.idle] != [old]

    asyncio.run(go())
