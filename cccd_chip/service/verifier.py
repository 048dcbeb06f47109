"""Verification off the event loop: worker processes per trust-store version, swapped atomically.

A :class:`TrustState` binds one trust store to the worker processes that hold it
(``python -m cccd_chip.service.work``, see :mod:`.work`). The event loop talks to
each worker directly over its stdin/stdout pipes (length-framed pickles: the body
goes as bytes, the answer comes back as a small dict): no helper threads in the
server process, so handing a body over costs one non-blocking write and never waits
for the GIL behind a pool's management thread; the answers are split into frames
by an asyncio protocol on the read pipe (:class:`_Answers`), which resolves the
request's future directly. A worker holds up to ``PIPELINE`` (2) requests: the one it
verifies and the next, already in its pipe, so it goes from one answer to the next
verification without waiting for the event loop; answers come back in order. Requests
wait for a place on a worker of their state until their deadline (:class:`NoWorkerError`).

The service holds exactly one current state; adding trust material starts the
workers of a new store (they load it before anything is sent to them) and only then
replaces the current state in one assignment. Requests that started on the old state
finish on its workers, which are then closed, so no request fails during a swap and
every record names the trust version its report was made with.

A worker that dies (killed, crashed) fails only the requests it held (503) and is
replaced; a worker still verifying a request when that request's deadline passed (one
timer per request, which fails the waiting future) is stopped (by its PID: it is this
process's child) and replaced (the request queued behind it fails too, 503); a request
still queued at its deadline just gets its 503 and the worker goes on, so a stuck verification never holds a
worker for good. A worker ends by itself when the server goes away (its stdin closes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Optional, cast

from .. import Policy, TrustStore  # the public facade (docs/api.md)
from .work import FRAME_HEADER, frame, read_frame

START_TIMEOUT = 120.0  # seconds for a new worker to load the trust store and answer


class WorkerLostError(Exception):
    """The worker verifying a request ended before answering (killed, crashed)."""


class NoWorkerError(Exception):
    """No worker of the trust state became free before the request's deadline."""


class _Answers(asyncio.Protocol):
    """The read end of a worker's stdout: splits the byte stream into frames, resolves the waiting future."""

    def __init__(self, on_answer: Callable[[], None]) -> None:
        self.buf = bytearray()
        self.jobs: deque["asyncio.Future[dict[str, Any]]"] = deque()  # sent, not answered yet (in order)
        self.lost = False
        self.on_answer = on_answer

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while len(buf) >= FRAME_HEADER:
            end = FRAME_HEADER + int.from_bytes(buf[:FRAME_HEADER], "big")
            if len(buf) < end:
                return
            msg = bytes(buf[FRAME_HEADER:end])
            del buf[:end]
            if self.jobs:
                job = self.jobs.popleft()
                if not job.done():  # else: an answer nobody waits for any more (past its deadline)
                    job.set_result(pickle.loads(msg))
                self.on_answer()  # a place is free on this worker: its pool offers it at once

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.lost = True
        while self.jobs:
            job = self.jobs.popleft()
            if not job.done():
                job.set_exception(WorkerLostError("worker ended"))


class _Worker:
    """One verification process and, once attached to the event loop, its pipes."""

    def __init__(self, proc: "subprocess.Popen[bytes]") -> None:
        self.proc = proc
        self.pid = proc.pid
        self._answers: Optional[_Answers] = None
        self._writer: Optional[asyncio.WriteTransport] = None
        self._attaching: Optional["asyncio.Future[None]"] = None
        self.gone = False
        self.promised = 0  # requests handed this worker that have not sent their body yet
        self.on_answer: Optional[Callable[[], None]] = None  # set by the TrustState that holds it

    def _answered(self) -> None:
        if self.on_answer is not None:
            self.on_answer()

    async def attach(self) -> None:
        """Connect its pipes to the running event loop (once, also when two requests ask at the same time)."""
        if self._answers is not None:
            return
        if self._attaching is None:
            self._attaching = asyncio.ensure_future(self._connect())
        await asyncio.shield(self._attaching)  # a caller that gives up does not stop the connection

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        _, answers = await loop.connect_read_pipe(lambda: _Answers(self._answered), self.proc.stdout)
        transport, _ = await loop.connect_write_pipe(asyncio.Protocol, self.proc.stdin)
        self._answers, self._writer = answers, transport

    def send(self, payload: bytes) -> "asyncio.Future[dict[str, Any]]":
        """Send one request (after :meth:`attach`); the future resolves with its answer, in order.

        WorkerLostError (in the future) if the process ends before answering.
        """
        answers, writer = self._answers, self._writer
        assert answers is not None and writer is not None
        if answers.lost or writer.is_closing():
            raise WorkerLostError("worker pipe closed")
        fut: "asyncio.Future[dict[str, Any]]" = asyncio.get_running_loop().create_future()
        answers.jobs.append(fut)
        writer.write(frame(payload))  # one write: the worker wakes up once, to the whole message
        return fut

    async def call(self, payload: bytes) -> dict[str, Any]:
        """Send one request and wait for its answer."""
        await self.attach()
        return await self.send(payload)

    def outstanding(self) -> int:
        """Requests sent to it and not answered yet."""
        return len(self._answers.jobs) if self._answers is not None else 0

    def running(self, fut: "asyncio.Future[dict[str, Any]]") -> bool:
        """Whether ``fut`` is the request it works on now (the oldest not answered)."""
        return self._answers is not None and bool(self._answers.jobs) and self._answers.jobs[0] is fut

    def dead(self) -> bool:
        """Whether the process has ended (its answer pipe closed, or it exited)."""
        return (self._answers is not None and self._answers.lost) or self.proc.poll() is not None

    def close(self) -> None:
        """Close its stdin: the worker ends after the request it has (if any)."""
        if self._writer is not None:
            try:
                self._writer.close()
                return
            except RuntimeError:  # its event loop is gone (shut-down): close the pipe itself
                pass
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.close()


def _spawn(init: tuple[Any, ...], count: int) -> list[_Worker]:
    """Start ``count`` workers, send each its init message, wait until every one answered (blocking)."""
    cmd = [sys.executable, "-m", "cccd_chip.service.work"]
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
             for _ in range(count)]
    message = frame(pickle.dumps(init, protocol=pickle.HIGHEST_PROTOCOL))
    try:
        for p in procs:
            stdin = cast(IO[bytes], p.stdin)
            stdin.write(message)
            stdin.flush()
        for p in procs:
            hello = read_frame(cast(IO[bytes], p.stdout))
            if hello is None:
                raise WorkerLostError(f"a verification process ended while starting (exit {p.wait(START_TIMEOUT)})")
    except BaseException:
        for p in procs:
            p.kill()
            p.wait(START_TIMEOUT)
        raise
    return [_Worker(p) for p in procs]


def _reap(workers: list[_Worker]) -> None:
    for w in workers:
        try:
            w.proc.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            w.kill()
            w.proc.wait(START_TIMEOUT)


PIPELINE = 2  # requests a worker holds at most: the one it verifies and the next, already in its pipe


@dataclass(eq=False)
class TrustState:
    """One trust store and its workers; ``run`` verifies one body on one of them.

    A worker holds up to ``PIPELINE`` requests: while it verifies one, the next is
    already in its pipe, so it goes on without waiting for the event loop to hand it
    more (the answer, the request's resumption and the hand-over to the next request
    take event-loop turns during which it would idle). ``idle`` holds workers without a
    request, ``spare`` those with one that may take another; requests wait in
    ``waiters`` when every worker is full.
    """

    store: TrustStore
    version: str
    loaded_at: dt.datetime
    init: tuple[Any, ...]
    size: int
    idle: deque[_Worker] = field(default_factory=deque)
    spare: deque[_Worker] = field(default_factory=deque)
    waiters: deque["asyncio.Future[_Worker]"] = field(default_factory=deque)
    retired: bool = False
    busy: int = 0

    async def run(self, payload: bytes, deadline: Optional[float] = None) -> dict[str, Any]:
        """Verify one request; by ``deadline`` (``time.monotonic()``) at the latest.

        NoWorkerError if no worker could take it in time; asyncio.TimeoutError if its
        verification was not answered by then. A worker still verifying it then is stopped
        and replaced (a request queued behind it fails with WorkerLostError); one that has
        not started it yet goes on (its answer is dropped).
        """
        if self.retired:
            raise RuntimeError("trust state retired")
        w = await self._take(deadline)  # a place on w is promised to this request
        self.busy += 1
        timer: Optional[asyncio.TimerHandle] = None
        fut: Optional["asyncio.Future[dict[str, Any]]"] = None
        try:
            try:
                await w.attach()
                fut = w.send(payload)
            finally:
                w.promised -= 1
                self._refresh(w)  # room for one more behind it: offered now
            if deadline is not None:
                timer = asyncio.get_running_loop().call_later(max(0.0, deadline - time.monotonic()), _time_out, fut)
            result = await fut
        except BaseException:  # past the deadline, the caller gave up, the worker died
            if fut is None or w.running(fut) or w.dead():  # its state is unknown: stop it, start another
                self._replace(w)
            raise
        finally:
            self.busy -= 1
            if timer is not None:
                timer.cancel()
        self._refresh(w)
        return result

    async def _take(self, deadline: Optional[float] = None) -> _Worker:
        for pool in (self.idle, self.spare):  # a free worker first, else one with room behind its request
            while pool:
                w = pool.popleft()
                if w.dead() or w.gone:
                    self._replace(w)  # it ended (killed): never hand a request to it
                    continue
                w.promised += 1
                self._refresh(w)
                return w
        loop = asyncio.get_running_loop()
        fut: "asyncio.Future[_Worker]" = loop.create_future()
        self.waiters.append(fut)
        timer = None
        if deadline is not None:
            timer = loop.call_later(max(0.0, deadline - time.monotonic()), _no_worker, fut)
        try:
            return await fut
        except NoWorkerError:
            self._drop_waiter(fut)
            raise
        except asyncio.CancelledError:
            self._drop_waiter(fut)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _drop_waiter(self, fut: "asyncio.Future[_Worker]") -> None:
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            w = fut.result()  # handed over just as the caller gave up: pass its place on
            w.promised -= 1
            self._refresh(w)
        elif fut in self.waiters:
            self.waiters.remove(fut)

    def _refresh(self, w: _Worker) -> None:
        """Put ``w`` where its free places say: promised to waiting requests, else in ``idle`` / ``spare``.

        Called whenever its load changes, also from its answer pipe's callback (so a place
        freed by an answer nobody waits for any more is offered too).
        """
        if w.on_answer is None:
            w.on_answer = lambda: self._refresh(w)
        for pool in (self.idle, self.spare):
            if w in pool:
                pool.remove(w)
        if w.gone:
            return
        if self.retired:
            if w.outstanding() == 0 and w.promised == 0:
                self._retire_worker(w)
            return
        while w.outstanding() + w.promised < PIPELINE and self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                w.promised += 1
                fut.set_result(w)
        load = w.outstanding() + w.promised
        if load == 0:
            self.idle.append(w)
        elif load < PIPELINE:
            self.spare.append(w)

    def _give(self, w: _Worker) -> None:
        """A new worker: offer it."""
        self._refresh(w)

    def _replace(self, w: _Worker) -> None:
        """Stop ``w`` (dead, or busy past a deadline) and start a worker in its place (once per worker)."""
        if w.gone:
            return
        w.gone = True
        for pool in (self.idle, self.spare):
            if w in pool:
                pool.remove(w)
        w.kill()  # its other requests fail with WorkerLostError (the pipe closes)
        asyncio.get_running_loop().run_in_executor(None, _reap, [w])
        self._grow()

    def _grow(self) -> None:
        """Start one worker off the event loop; if that fails (e.g. out of memory), try again in a second."""
        if self.retired:
            return
        loop = asyncio.get_running_loop()

        def started(f: "asyncio.Future[list[_Worker]]") -> None:
            if f.cancelled() or f.exception() is not None:
                loop.call_later(1.0, self._grow)
                return
            for nw in f.result():
                self._give(nw)

        loop.run_in_executor(None, _spawn, self.init, 1).add_done_callback(started)

    def _retire_worker(self, w: _Worker) -> None:
        w.gone = True
        w.close()
        try:
            asyncio.get_running_loop().run_in_executor(None, _reap, [w])
        except RuntimeError:  # no loop (shut-down): reap here
            _reap([w])

    def retire(self) -> None:
        """No new requests; idle workers end now, busy ones when their requests are answered."""
        self.retired = True
        self.spare.clear()
        while self.idle:
            self._retire_worker(self.idle.popleft())


def request_payload(raw: bytes, at_iso: Optional[str]) -> bytes:
    """What a worker receives for one request (:func:`.work.main` unpacks it)."""
    return pickle.dumps((raw, at_iso), protocol=pickle.HIGHEST_PROTOCOL)


def _time_out(fut: "asyncio.Future[dict[str, Any]]") -> None:
    if not fut.done():
        fut.set_exception(asyncio.TimeoutError())


def _no_worker(fut: "asyncio.Future[_Worker]") -> None:
    if not fut.done():
        fut.set_exception(NoWorkerError("no worker free before the deadline"))


class Verifier:
    """The current TrustState; ``submit`` verifies one body on it."""

    def __init__(self, store: TrustStore, policy: Policy, *, workers: int, hash_key: Optional[bytes],
                 max_depth: int) -> None:
        self.workers = max(1, workers)
        self.policy = policy
        self._hash_key = hash_key
        self._max_depth = max_depth
        self.current = self._start(store)
        self.swaps = 0

    def _start(self, store: TrustStore) -> TrustState:
        init = (store, self.policy, self._hash_key, self._max_depth)
        state = TrustState(store, store.version, dt.datetime.now(dt.timezone.utc), init, self.workers)
        state.idle.extend(_spawn(init, self.workers))
        return state

    async def verify(self, state: TrustState, raw: bytes, at_iso: Optional[str],
                     deadline: Optional[float] = None) -> dict[str, Any]:
        """:func:`.work.verify_body` of ``raw`` on ``state``'s workers (on the event loop, right after reading
        ``current``): RuntimeError at once if ``state`` was retired, else as :meth:`TrustState.run`."""
        return await state.run(request_payload(raw, at_iso), deadline)

    def submit(self, state: TrustState, raw: bytes, at_iso: Optional[str]) -> "asyncio.Task[dict[str, Any]]":
        """:meth:`verify` as a task (RuntimeError at once if ``state`` was retired)."""
        if state.retired:
            raise RuntimeError("trust state retired")
        return asyncio.ensure_future(state.run(request_payload(raw, at_iso)))

    def prepare(self, store: TrustStore) -> TrustState:
        """Start (and wait for) every worker for ``store``: blocking, run it off the event loop."""
        return self._start(store)

    def install(self, new: TrustState, *, swap: bool = True) -> None:
        """Make ``new`` current in one assignment (on the event loop); the old workers finish their work."""
        old, self.current = self.current, new
        if old is not new:
            old.retire()
        if swap:
            self.swaps += 1

    def close(self) -> None:
        """Stop every worker of the current state (at shut-down, after the requests in flight)."""
        state = self.current
        state.retired = True
        workers = list(state.idle)
        state.idle.clear()
        for w in workers:
            w.close()
        _reap(workers)
