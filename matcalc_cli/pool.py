"""Worker processes for `matcalc batch`: jobs shared among forked processes, results in the
file's order, and no fault of a worker's that stops the batch.

- A worker that dies (the kernel's out-of-memory killer, a signal) is replaced; the job it
  was running is run once more, and reported failed if it kills its worker again; the rest
  of its share is run by the others. A worker that dies between two shares (idle) is
  dropped, or, when it dies just as it is handed one, that share counts as run once. So
  every job gets its one line, whenever a worker dies.
- Should no worker at all be startable (fork fails: no memory, no processes), the jobs
  left are reported failed.
- A job that runs longer than the timeout ends its worker and is reported as a timeout.
- SIGTERM and SIGINT end the workers with the parent (stop()); a worker also dies with
  its parent should the parent die first (PR_SET_PDEATHSIG), never an orphan.

Each worker runs one share of lines at a time and sends each result as it is done, so the
parent knows which job a worker is on and since when.
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from matcalc_cli.errors import MatcalcError

Job = Callable[[int, str], "dict[str, Any] | None"]
Lines = list[tuple[int, str]]

CHUNK = 25  # lines a worker takes at a time (few round trips, a fair share at the end)
RECYCLE = 40  # shares a worker runs before a fresh one replaces it: memory stays bounded
TRIES = 2  # runs of a job whose worker died under it, before it is reported failed
_LIVE: dict[int, Any] = {}  # pid -> process, of the workers alive: what stop() ends
_STOPPING: list[bool] = []  # set by stop(): no worker is started any more


def run(lines: Lines, job: Job, workers: int, timeout: float = 0.0) -> Iterator[dict[str, Any] | None]:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # spawn would import everything again
        yield from (job(n, line) for n, line in lines)
        return
    # The first jobs run here: they import what the rest need (sympy, numpy), once, and the
    # workers are forked with it. With a timeout, every job runs in a worker.
    first = [] if timeout else lines[:CHUNK]
    yield from (job(n, line) for n, line in first)
    if timeout:
        job(0, "diff x --wrt x")  # the imports, without a job of the user's
    gc.freeze()  # what is alive now is shared with the workers: their collector leaves it (and its pages) alone
    rest = lines[len(first):]
    with _Pool(job, workers, timeout) as pool:
        yield from pool.results(rest)


def stop() -> None:
    """End every worker now (the parent is stopping)."""
    _STOPPING.append(True)
    for pid in list(_LIVE):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)  # reaped here: no zombie left behind either
        except OSError:
            pass
    _LIVE.clear()


class _Worker:
    def __init__(self, ctx: Any, job: Job) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, self.conn, os.getpid(), job), daemon=True)
        try:
            self.process.start()
        except OSError:  # no process could be made: no pipe left open either
            self.conn.close()
            raise
        finally:
            child.close()
        _LIVE[self.process.pid] = self.process
        self.share: deque[tuple[int, str]] = deque()  # the lines sent and not answered, in order
        self.since = 0.0  # when the job at the head of share began
        self.shares = 0

    def give(self, share: Lines) -> None:
        self.share.extend(share)
        self.since = time.monotonic()
        self.shares += 1
        try:
            self.conn.send(share)
        except OSError:  # it died while idle: its sentinel says so, and results() runs the share again
            pass

    def end(self) -> None:
        _LIVE.pop(self.process.pid, None)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class _Pool:
    def __init__(self, job: Job, workers: int, timeout: float) -> None:
        import multiprocessing

        self.ctx = multiprocessing.get_context("fork")
        self.job, self.size, self.timeout = job, workers, timeout
        self.workers: list[_Worker] = []
        self.tries: dict[int, int] = {}

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        for w in self.workers:
            w.end()
        self.workers.clear()

    def results(self, lines: Lines) -> Iterator[dict[str, Any] | None]:
        todo: deque[Lines] = deque(lines[i:i + CHUNK] for i in range(0, len(lines), CHUNK))
        order = [n for n, _ in lines]
        done: dict[int, dict[str, Any] | None] = {}
        emitted = 0
        while emitted < len(order):
            self._staff(todo, done)
            busy = [w for w in self.workers if w.share]
            if busy:  # else every job left has its line already (no worker could be started)
                self._watch(busy, done, todo)
            while emitted < len(order) and order[emitted] in done:
                yield done.pop(order[emitted])
                emitted += 1

    def _watch(self, busy: list[_Worker], done: dict[int, dict[str, Any] | None], todo: deque[Lines]) -> None:
        """Wait for a result, a worker's end or a timeout, and take what came."""
        from multiprocessing.connection import wait

        # Every worker's sentinel, the idle ones' too: one that dies between two shares is
        # dropped here, before it is handed a share it can never answer.
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in self.workers], self._wait_for(busy))
        for w in busy:
            if w.conn in ready:
                self._collect(w, done, todo)
        for w in list(self.workers):
            if w.process.sentinel in ready:  # it has ended
                self._collect(w, done, todo)  # what it sent before it went
                if w.share:
                    self._died(w, done, todo, f"the worker process running it died ({_how(w.process)})")
                else:  # between two shares: nothing of the user's was lost
                    self.workers.remove(w)
                    w.end()
            elif w.share and self.timeout and time.monotonic() - w.since > self.timeout:
                self._died(w, done, todo, f"it ran longer than --timeout {self.timeout:g} seconds", final=True)

    def _staff(self, todo: deque[Lines], done: dict[int, dict[str, Any] | None]) -> None:
        """A share for every idle worker; workers started up to the pool's size. Should no
        worker at all be startable, the jobs left are reported failed."""
        for w in [w for w in self.workers if not w.share and w.shares >= RECYCLE]:
            self.workers.remove(w)
            w.end()
        while todo and len(self.workers) < self.size and not _STOPPING:
            try:
                self.workers.append(_Worker(self.ctx, self.job))
            except OSError as ex:  # out of memory, out of processes
                if self.workers:
                    break  # those alive go on with fewer
                why = f"job not done: no worker process could be started ({ex.strerror or ex})"
                while todo:
                    done.update((number, failed(number, line, why)) for number, line in todo.popleft())
        for w in self.workers:
            if todo and not w.share:
                w.give(todo.popleft())

    def _wait_for(self, busy: list[_Worker]) -> float | None:
        if not self.timeout or not busy:
            return None
        return max(0.0, min(w.since for w in busy) + self.timeout - time.monotonic()) + 0.01

    def _collect(self, w: _Worker, done: dict[int, dict[str, Any] | None], todo: deque[Lines]) -> None:
        while w.share and w.conn.poll():
            try:
                number, result = w.conn.recv()
            except (EOFError, OSError):
                w.process.join()  # gone: its sentinel is ready, and results() says so
                return
            if w.share and w.share[0][0] == number:
                w.share.popleft()
            done[number] = result
            w.since = time.monotonic()

    def _died(self, w: _Worker, done: dict[int, dict[str, Any] | None], todo: deque[Lines], why: str,
              final: bool = False) -> None:
        """w stopped (or is stopped) during the job at the head of its share: that job is run
        again or reported failed; the rest of its share goes back to the others."""
        self.workers.remove(w)
        w.end()
        (number, line), rest = w.share[0], list(w.share)[1:]
        self.tries[number] = self.tries.get(number, 0) + 1
        if final or self.tries[number] >= TRIES:
            done[number] = failed(number, line, f"job not done: {why}" + ("" if final else f" ({TRIES} times)"))
        else:
            rest.insert(0, (number, line))
        if rest:
            todo.appendleft(rest)


def failed(number: int, line: str, message: str) -> dict[str, Any]:
    from matcalc_cli.commands import error_json
    from matcalc_cli.report import SCHEMA

    words = line.split()
    command = words[0] if words and words[0] in ("diff", "check") else None
    err = MatcalcError("limit", message)
    return {"schema": SCHEMA, "command": command, "input": None, "error": error_json(err), "line": number, "exit": 2}


def _how(process: Any) -> str:
    process.join(5)  # its sentinel is ready: it has ended, and join reads how
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}" + (", perhaps out of memory" if name == "SIGKILL" else "")
    return f"exit status {code}"


def _serve(conn: Any, parents_end: Any, parent: int, job: Job) -> None:
    """A worker: shares of lines in, one result a line out, until the parent says None or goes."""
    from matcalc_cli.commands import in_big_stack

    parents_end.close()  # else the pipe never ends when the parent goes
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        while True:
            share = conn.recv()
            if share is None:
                break
            for number, line in share:
                conn.send((number, in_big_stack(functools.partial(job, number, line))))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        os._exit(0)  # nothing of the parent's (atexit, buffers) runs twice


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when its parent dies, whatever the parent's death; and
    go now if the parent is gone already (it died before the request was made)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)
