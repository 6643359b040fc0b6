"""A batch survives its faults (issue 19): a worker killed under a job, a job over its time,
the parent stopped by a signal, an output that cannot be written, a bad byte, blank lines."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from matcalc_cli import pool
from matcalc_cli.batch import is_job, read_text, run_batch
from matcalc_cli.cli import parse_job

MATCALC = [sys.executable, "-m", "matcalc_cli"]


def _job(marker: Path) -> Any:
    """Line text "die" kills its worker every time; "die-once" only the first time (marker
    remembers); "sleep" outlives any timeout; anything else answers at once."""

    def job(number: int, line: str) -> dict[str, Any] | None:
        if line == "die" or (line == "die-once" and not marker.exists()):
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        if line == "sleep":
            time.sleep(60)
        return {"line": number, "exit": 0, "pid": os.getpid()}

    return job


def test_a_killed_worker_is_replaced_and_its_job_rerun_then_reported(tmp_path: Path) -> None:
    # the first pool.CHUNK lines run in this process (they import what the workers need)
    lines = [(n, "die-once" if n == 40 else "die" if n == 70 else "ok") for n in range(1, 101)]
    results = list(pool.run(lines, _job(tmp_path / "once"), 2))
    assert [r["line"] for r in results] == list(range(1, 101))  # every line, in order, no hang
    assert results[39]["exit"] == 0 and results[39]["pid"] != os.getpid()  # killed once, run again
    dead = results[69]
    assert dead["exit"] == 2 and dead["error"]["kind"] == "limit"
    assert "died (killed by SIGKILL, perhaps out of memory)" in dead["error"]["message"]
    assert all(r["exit"] == 0 for i, r in enumerate(results) if i != 69)
    assert not pool._LIVE


class _DyingConn:
    """A worker's end of its pipe that SIGKILLs its process (as the out-of-memory killer
    would) just before it sends its result number `at`, or just after it: when `at` ends a
    share, the worker dies idle, between two shares. Only the first worker there dies."""

    def __init__(self, conn: Any, at: int, when: str, marker: Path) -> None:
        self.conn, self.at, self.when, self.marker, self.sent = conn, at, when, marker, 0

    def recv(self) -> Any:
        return self.conn.recv()

    def send(self, obj: Any) -> None:
        self.sent += 1
        if self.sent == self.at and self.when == "before":
            self._die()
        self.conn.send(obj)
        if self.sent == self.at and self.when == "after":
            self._die()

    def _die(self) -> None:
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(("when", "at"), [
    ("before", 1),  # early: under the first job of its first share
    ("before", 13),  # in the middle of a share, with results sent and some not
    ("after", pool.CHUNK),  # idle, its first share answered: the death that once lost 125 jobs
    ("after", 2 * pool.CHUNK),  # idle again, half-way through
    ("before", 3 * pool.CHUNK),  # late: the last job of a late share
    ("after", 3 * pool.CHUNK + 12),  # late, between two results
])
def test_every_job_has_one_line_whenever_a_worker_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             when: str, at: int) -> None:
    marker = tmp_path / "killed"
    serve = pool._serve
    monkeypatch.setattr(pool, "_serve", lambda conn, *rest: serve(_DyingConn(conn, at, when, marker), *rest))
    give = pool._Worker.give

    def late_give(worker: Any, share: Any) -> None:
        time.sleep(0.05)  # a worker killed idle is dead before its next share is handed over: no race
        give(worker, share)

    monkeypatch.setattr(pool._Worker, "give", late_give)
    lines = [(n, "ok") for n in range(1, 201)]  # the first share here, 7 among two workers
    results = list(pool.run(lines, _job(tmp_path / "unused"), 2))
    assert marker.exists(), "no worker was killed"
    assert [r["line"] for r in results] == list(range(1, 201))
    assert all(r["exit"] == 0 for r in results)  # a job killed once runs again
    assert not pool._LIVE


def test_no_worker_can_be_started_then_the_jobs_left_are_reported_failed(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork(*_: object) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(pool, "_Worker", no_fork)
    lines = [(n, "ok") for n in range(1, 61)]
    results = list(pool.run(lines, _job(tmp_path / "m"), 2))
    assert [r["line"] for r in results] == list(range(1, 61))
    assert all(r["exit"] == 0 for r in results[:pool.CHUNK])  # run here, before any fork
    assert all(r["exit"] == 2 and "no worker process could be started (Resource temporarily unavailable)"
               in r["error"]["message"] for r in results[pool.CHUNK:])


def test_one_worker_that_cannot_be_started_leaves_the_jobs_to_the_others(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real, made = pool._Worker, []

    def every_other(*args: Any) -> Any:
        made.append(1)
        if len(made) % 2 == 0:
            raise OSError(errno.ENOMEM, "Cannot allocate memory")
        return real(*args)

    monkeypatch.setattr(pool, "_Worker", every_other)
    lines = [(n, "ok") for n in range(1, 151)]
    results = list(pool.run(lines, _job(tmp_path / "m"), 3))
    assert [r["line"] for r in results] == list(range(1, 151)) and all(r["exit"] == 0 for r in results)
    assert not pool._LIVE


def test_a_job_over_the_timeout_is_an_error_line_and_the_rest_go_on(tmp_path: Path) -> None:
    lines = [(1, "ok"), (2, "sleep"), (3, "ok")]
    start = time.monotonic()
    results = list(pool.run(lines, _job(tmp_path / "m"), 1, timeout=1.0))
    assert time.monotonic() - start < 30
    assert [r["exit"] for r in results] == [0, 2, 0]
    assert "longer than --timeout 1 seconds" in results[1]["error"]["message"]


def test_blank_lines_and_comments_are_no_jobs() -> None:
    assert not is_job("") and not is_job("   \t") and not is_job("  # a comment")
    assert is_job('diff "x" --wrt x  # a comment after a job')
    text = "\n" * 5000 + "# c\n" + 'diff "x^T x" --wrt x\n' + "\n" * 5000
    out = io.StringIO()
    assert run_batch(text, out, parse_job, 4) == 0  # fewer jobs than it takes to fork
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["line"] for r in rows] == [5002]


def test_a_bad_byte_fails_its_line_only(tmp_path: Path) -> None:
    path = tmp_path / "jobs.txt"
    path.write_bytes(b'diff "x^T x" --wrt x\ndiff "\xff x" --wrt x\ndiff "2 x" --wrt x\n')
    out = io.StringIO()
    assert run_batch(read_text(str(path)), out, parse_job) == 1
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["exit"] for r in rows] == [0, 2, 0]
    assert "not UTF-8 (0xff" in rows[1]["error"]["message"]


def _jobs(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "jobs.txt"
    path.write_text("".join(f'diff "x^T A x + sum(exp(B y)) + {i}" --wrt x\n' for i in range(n)))
    return path


def _children(pid: int) -> list[int]:
    """The processes pid started, from any of its threads (the workers fork from one)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_workers_with_the_parent(tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen([*MATCALC, "batch", "--workers", "2", str(_jobs(tmp_path, 3000))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert len(workers) == 2, "the workers did not start"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig
    assert "Traceback" not in err and err.strip() == f"matcalc: batch stopped by {sig.name}"
    for pid in workers:
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z", f"worker {pid} outlived its parent"


def test_workers_killed_from_outside_lose_no_job(tmp_path: Path) -> None:
    """The out-of-memory killer's way: SIGKILL from outside, whenever, to whichever worker is
    alive then, four times during a batch of 300 real jobs."""
    proc = subprocess.Popen([*MATCALC, "batch", "--workers", "2", str(_jobs(tmp_path, 300))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed: list[int] = []
    deadline = time.monotonic() + 60
    while len(killed) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.15)
        workers = [pid for pid in _children(proc.pid) if pid not in killed]
        if workers:
            victim = workers[len(killed) % len(workers)]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
    out, err = proc.communicate(timeout=120)
    assert len(killed) >= 2, "the batch ended before its workers could be killed"
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in rows] == list(range(1, 301))  # one line a job, in order: none lost
    lost = [r for r in rows if r["exit"] != 0]
    assert all("the worker process running it died (killed by SIGKILL" in r["error"]["message"] for r in lost)
    assert proc.returncode == (1 if lost else 0) and err == ""


@pytest.mark.parametrize("command", [
    ["diff", "x^T A x", "--wrt", "x"],
    ["diff", "x^T A x", "--wrt", "x", "--format", "json"],
    ["check", "x^T x", "--wrt", "x", "--expect", "2 x^T"],
    ["identities"],
    ["batch", "-"],
])
@pytest.mark.parametrize("output", ["full", "closed"])
def test_an_output_that_cannot_be_written_is_one_message_and_exit_1(command: list[str], output: str) -> None:
    jobs = 'diff "x^T x" --wrt x\n' * 3
    if output == "full":
        with open("/dev/full", "w") as full:
            done = subprocess.run([*MATCALC, *command], input=jobs, stdout=full, stderr=subprocess.PIPE, text=True,
                                  timeout=120)
    else:
        done = subprocess.run([*MATCALC, *command], input=jobs, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, timeout=120, pass_fds=(), close_fds=True,
                              preexec_fn=lambda: os.close(1))
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("matcalc: error: cannot write the output: ")
