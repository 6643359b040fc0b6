"""A batch survives its faults (issue 19): a worker killed under a job, a job over its time,
the parent stopped by a signal, an output that cannot be written, a bad byte, blank lines."""

from __future__ import annotations

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
