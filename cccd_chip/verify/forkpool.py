"""A lean process pool for :func:`.batch.verify_many` on POSIX: forked workers, pipes, no threads.

``concurrent.futures.ProcessPoolExecutor`` costs the parent two threads (queue
feeder, executor manager), a future, locks and wake-ups per chunk, and costs
the workers a shared call queue guarded by a semaphore: ~7-9 % of the CPU per
dump in a batch of dumps that take ~1.5-3 ms each (docs/performance.md). Here:

- each worker is an ``os.fork()`` of the caller: it inherits the trust store,
  the policy, the work function and every imported module (nothing is pickled
  to start it), moves what it inherited to the collector's permanent generation
  (``gc.freeze``), and talks to the parent over two pipes of its own: chunks of
  items in, the chunk's values out, each a frame (8-byte length, pickle);
- the parent alone decides what goes where: a chunk is sent to the worker with
  the fewest chunks outstanding (at most :data:`DEPTH` each, so a worker never
  waits for work while the parent is busy), and one ``poll`` serves every pipe.
  A worker answers its chunks in the order it got them, so the parent knows
  which chunk each frame is; values are handed on in input order, with at most
  ``window`` chunks between the oldest unfinished one and the newest sent
  (bounded memory for a stream of any length);
- the parent reads a few chunks ahead of the input; once the input is known to
  end, chunks shrink (guided: the remainder over twice the workers, at least 1),
  so the workers finish together instead of one waiting on the other's last
  full chunk; an input shorter than the workers forks one worker per item;
- a worker's stdin and stdout are ``/dev/null``: it never writes the caller's
  output (nor a copy of its unflushed buffer), and a reader of that output sees
  its end when the caller ends.

Faults. A worker that dies (killed by a signal, out of memory) is seen as the
end of its result pipe: it is reaped, a new worker is forked in its place, and
the chunk it was on is sent again one item per chunk (the chunks it had not started
are sent again as they were); an item whose worker dies again gets the value
``lost(item, how)`` (e.g. an error line naming the signal), so a dump that kills
its worker costs that dump only, and no item is dropped or answered twice. More
deaths in a row than :data:`MAX_DEATHS_PER_WORKER` per worker, with no chunk
answered in between, end the run with
:class:`WorkerPoolError`. An exception the work raises in a worker is sent back and
raised in the parent. Whatever ends the parent's iteration (the consumer stops,
an exception, Ctrl-C) closes the pool: every worker still alive is killed by its
PID (``SIGKILL``) and reaped. Workers ignore ``SIGINT`` (Ctrl-C reaches the whole
process group; the parent decides) and die on ``SIGTERM``; a worker whose parent
is gone ends at the end of its task pipe, or at its result pipe's ``EPIPE``.

Forking is used only where it is safe: ``os.fork`` and ``select.poll`` exist, the
caller runs no other thread, and the system is not macOS (:func:`available`);
elsewhere batch.py keeps the ``concurrent.futures`` pool.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import sys
from collections import deque
from typing import Any, Callable, Iterable, Iterator, Optional

from ..errors import CccdError

DEPTH = 2  # chunks outstanding per worker: one being verified, one waiting in its pipe
MAX_DEATHS_PER_WORKER = 2  # worker deaths in a row (no chunk answered between) per worker before giving up
_HEAD = 8  # a frame: its length (8 bytes, little-endian), then a pickle
_READ = 1 << 20


class WorkerPoolError(CccdError):
    """The verification workers keep dying: the run cannot go on (exit 70)."""

    reason = "WORKER_LOST"


def available() -> bool:
    """True where a worker can be forked safely: POSIX ``fork`` and ``poll``, no other thread running, and
    not macOS (its system libraries are not fork-safe; ``multiprocessing`` spawns there too)."""
    if not hasattr(os, "fork") or not hasattr(select, "poll") or sys.platform == "darwin":
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def how_it_ended(status: int) -> str:
    """A wait status in words: ``killed by signal SIGKILL`` or ``exit status 3``."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"killed by signal {name}"
    if os.WIFEXITED(status):
        return f"exit status {os.WEXITSTATUS(status)}"
    return f"wait status {status}"


class _Task:
    """Items sent to a worker: a whole chunk (``part`` -1), or one item of a chunk sent again (its index)."""

    __slots__ = ("chunk", "part", "items")

    def __init__(self, chunk: int, part: int, items: list[Any]) -> None:
        self.chunk = chunk  # the chunk's number (input order)
        self.part = part
        self.items = items


class _Chunk:
    """A chunk in flight: its items, then its values (one slot per item while it is sent again item by item)."""

    __slots__ = ("items", "values", "parts", "missing")

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.values: Optional[list[Any]] = None  # the values, once complete
        self.parts: Optional[list[Any]] = None
        self.missing = 0


class _Worker:
    """A forked worker as the parent sees it. (Plain classes here, not dataclasses: this module is imported on
    the 2-worker start's serial path, and each dataclass compiles its methods at import, ~0.5-1 ms.)"""

    __slots__ = ("pid", "task_fd", "result_fd", "tasks", "out", "waiting", "inbuf")

    def __init__(self, pid: int, task_fd: int, result_fd: int) -> None:
        self.pid = pid
        self.task_fd = task_fd  # parent's write end (non-blocking)
        self.result_fd = result_fd  # parent's read end (non-blocking)
        self.tasks: deque[_Task] = deque()  # sent, not yet answered (answered in this order)
        self.out = bytearray()  # frames not yet written to task_fd
        self.waiting = False  # task_fd is polled for POLLOUT (``out`` did not fit in the pipe)
        self.inbuf = bytearray()


def imap_ordered(items: Iterable[Any], work: Callable[[list[Any]], list[Any]], *, workers: int, chunk_size: int,
                 lost: Callable[[Any, str], Any], window: Optional[int] = None) -> Iterator[Any]:
    """``work`` over chunks of ``items`` in ``workers`` forked processes; one value per item, in input order.

    ``work(chunk)`` returns one value per item of the chunk; ``lost(item, how)`` is the value of an item
    whose worker died twice (module doc). The caller must have checked :func:`available`.
    """
    pool = _Pool(work, max(1, workers))
    finished = False
    try:
        yield from pool.run(items, max(1, chunk_size), lost, window or 4 * pool.n)
        finished = True
    finally:
        pool.close(kill=not finished)


class _Pool:
    def __init__(self, work: Callable[[list[Any]], list[Any]], n: int) -> None:
        self.work = work
        self.n = n
        self.workers: list[_Worker] = []
        self.by_result_fd: dict[int, _Worker] = {}
        self.poller = select.poll()
        self.deaths_in_a_row = 0

    # --- processes -------------------------------------------------------------------------------------

    def _spawn(self) -> None:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns to the caller's frames
            code = 1
            try:
                for w in self.workers:  # the other workers' parent ends: a pipe ends when the parent closes it
                    os.close(w.task_fd)
                    os.close(w.result_fd)
                os.close(task_w)
                os.close(result_r)
                code = _worker_main(task_r, result_w, self.work)
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(result_w)
        os.set_blocking(task_w, False)
        os.set_blocking(result_r, False)
        w = _Worker(pid, task_w, result_r)
        self.workers.append(w)
        self.by_result_fd[result_r] = w
        self.poller.register(result_r, select.POLLIN)

    def _bury(self, w: _Worker) -> str:
        """A worker whose result pipe ended: reap it, close its pipes; how it ended."""
        self.poller.unregister(w.result_fd)
        if w.waiting:
            self.poller.unregister(w.task_fd)
        del self.by_result_fd[w.result_fd]
        self.workers.remove(w)
        os.close(w.task_fd)
        os.close(w.result_fd)
        _, status = os.waitpid(w.pid, 0)
        return how_it_ended(status)

    def close(self, kill: bool) -> None:
        """End every worker: at the end of its task pipe, or (``kill``) by SIGKILL to its PID; reap each."""
        for w in self.workers:
            os.close(w.task_fd)
        if kill:
            for w in self.workers:
                try:
                    os.kill(w.pid, signal.SIGKILL)
                except ProcessLookupError:  # pragma: no cover - reaped only below; a zombie still has its PID
                    pass
        for w in self.workers:
            os.waitpid(w.pid, 0)
            os.close(w.result_fd)
        self.workers = []

    # --- the run ----------------------------------------------------------------------------------------

    def run(self, items: Iterable[Any], chunk_size: int, lost: Callable[[Any, str], Any],
            window: int) -> Iterator[Any]:
        it = iter(items)
        ahead: deque[Any] = deque()
        lookahead = 2 * self.n * chunk_size
        exhausted = False
        chunks: dict[int, _Chunk] = {}
        again: deque[_Task] = deque()  # items of chunks whose worker died, sent again one by one
        next_chunk = 0  # the number of the next chunk to form
        next_out = 0  # the number of the next chunk to hand on
        while True:
            if not self.workers:  # the first chunks are known (e.g. a folder listed) before any worker is forked
                for item in it:
                    ahead.append(_portable_item(item))
                    if len(ahead) >= lookahead:
                        break
                else:
                    exhausted = True
                if not ahead:  # nothing to do: no worker
                    return
                if exhausted:  # a short input: no more workers than items
                    self.n = min(self.n, len(ahead))
                for _ in range(self.n):
                    self._spawn()
            done = chunks.get(next_out)
            while done is not None and done.values is not None:  # hand on what is complete, in order
                del chunks[next_out]
                next_out += 1
                yield from done.values
                done = chunks.get(next_out)
            while True:  # give work to every worker with room for it
                w = min(self.workers, key=lambda x: len(x.tasks))
                if len(w.tasks) >= DEPTH:
                    break
                if again:
                    task = again.popleft()
                else:
                    if next_chunk - next_out >= window:
                        break
                    while not exhausted and len(ahead) < lookahead:
                        try:
                            item = next(it)
                        except StopIteration:
                            exhausted = True
                            break
                        ahead.append(_portable_item(item))
                    if not ahead:
                        break
                    size = chunk_size if not exhausted else max(1, min(chunk_size, -(-len(ahead) // (2 * self.n))))
                    batch = [ahead.popleft() for _ in range(min(size, len(ahead)))]
                    chunks[next_chunk] = _Chunk(batch)
                    task = _Task(next_chunk, -1, batch)
                    next_chunk += 1
                self._send(w, task)
            if not chunks:
                return
            self._wait(chunks, again, lost)

    def _send(self, w: _Worker, task: _Task) -> None:
        payload = pickle.dumps(task.items, pickle.HIGHEST_PROTOCOL)
        w.tasks.append(task)
        w.out += len(payload).to_bytes(_HEAD, "little")
        w.out += payload
        if not w.waiting:  # else the rest goes when the pipe is writable again
            self._flush(w)

    def _flush(self, w: _Worker) -> None:
        """Write what the pipe takes now; the rest when it is writable again (never blocks: see module doc)."""
        try:
            while w.out:
                n = os.write(w.task_fd, w.out)
                del w.out[:n]
        except BlockingIOError:
            pass
        except BrokenPipeError:  # the worker is gone; its result pipe's end says so
            w.out.clear()
        if w.out and not w.waiting:
            self.poller.register(w.task_fd, select.POLLOUT)
            w.waiting = True
        elif w.waiting and not w.out:
            self.poller.unregister(w.task_fd)
            w.waiting = False

    def _wait(self, chunks: dict[int, _Chunk], again: deque[_Task], lost: Callable[[Any, str], Any]) -> None:
        for fd, ev in self.poller.poll():
            w = self.by_result_fd.get(fd)
            if w is None:  # a task pipe became writable
                for x in self.workers:
                    if x.task_fd == fd:
                        self._flush(x)
                continue
            if not any(x is w for x in self.workers):  # buried earlier in this round
                continue
            ended = False
            while True:
                try:
                    data = os.read(fd, _READ)
                except BlockingIOError:
                    break
                if not data:
                    ended = True
                    break
                w.inbuf += data
                if len(data) < _READ:
                    break
            self._frames(w, chunks)
            if ended:
                self._died(w, chunks, again, lost)

    def _frames(self, w: _Worker, chunks: dict[int, _Chunk]) -> None:
        buf = w.inbuf
        pos = 0
        while len(buf) - pos >= _HEAD:
            size = int.from_bytes(buf[pos:pos + _HEAD], "little")
            if len(buf) - pos - _HEAD < size:
                break
            ok, values = pickle.loads(memoryview(buf)[pos + _HEAD:pos + _HEAD + size])
            pos += _HEAD + size
            if not ok:
                raise values
            task = w.tasks.popleft()
            self.deaths_in_a_row = 0
            _complete(chunks[task.chunk], task, values)
        if pos:
            del buf[:pos]

    def _died(self, w: _Worker, chunks: dict[int, _Chunk], again: deque[_Task],
              lost: Callable[[Any, str], Any]) -> None:
        unanswered = list(w.tasks)
        how = self._bury(w)
        self.deaths_in_a_row += 1
        if self.deaths_in_a_row > MAX_DEATHS_PER_WORKER * self.n:
            raise WorkerPoolError(f"verification worker processes keep ending ({how}); {self.deaths_in_a_row} "
                                  f"in a row without a result")
        if unanswered:  # a worker answers in order: the first task unanswered is the one it was on
            task = unanswered[0]
            chunk = chunks[task.chunk]
            if task.part >= 0:  # it was sent alone already: that item's value is lost
                _complete(chunk, task, [lost(task.items[0], how)])
            else:
                chunk.parts = [None] * len(chunk.items)
                chunk.missing = len(chunk.items)
                again.extend(_Task(task.chunk, j, [item]) for j, item in enumerate(chunk.items))
            again.extend(unanswered[1:])  # never started: sent again as they were
        self._spawn()


def _complete(chunk: _Chunk, task: _Task, values: list[Any]) -> None:
    if task.part < 0:
        chunk.values = values
        return
    assert chunk.parts is not None
    chunk.parts[task.part] = values[0]
    chunk.missing -= 1
    if chunk.missing == 0:
        chunk.values = chunk.parts


def _portable_item(item: Any) -> Any:
    return os.fspath(item) if isinstance(item, os.PathLike) else item


def _worker_main(task_fd: int, result_fd: int, work: Callable[[list[Any]], list[Any]]) -> int:
    """A worker's life: chunks in, values out, until the end of its task pipe. Returns its exit status."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the caller's handler (it may raise in the caller)
    null = os.open(os.devnull, os.O_RDWR)  # not the caller's stdin/stdout: a reader of the caller's output sees
    os.dup2(null, 0)  # its end when the caller ends, and a copy of the caller's unflushed output can never be
    os.dup2(null, 1)  # written twice
    if null > 2:
        os.close(null)
    gc.freeze()  # what it inherited is never walked (nor copied) by its collector (verify/batch.py)
    src = os.fdopen(task_fd, "rb", buffering=1 << 16)
    while True:
        head = src.read(_HEAD)
        if len(head) < _HEAD:
            return 0
        items = pickle.loads(src.read(int.from_bytes(head, "little")))
        try:
            payload = pickle.dumps((True, work(items)), pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # noqa: BLE001 - the work's error is raised in the parent
            payload = pickle.dumps((False, _portable_error(e)), pickle.HIGHEST_PROTOCOL)
        frame = memoryview(len(payload).to_bytes(_HEAD, "little") + payload)
        while frame:
            frame = frame[os.write(result_fd, frame):]


def _portable_error(e: Exception) -> Exception:
    """``e`` if it survives pickling, else a RuntimeError naming its type (never its text: it may hold data)."""
    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(e).__name__} in a verification worker")
