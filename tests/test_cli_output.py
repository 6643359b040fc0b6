"""cli_output.py and the command line's ends: a reader that closes the pipe early (`matcalc
... | head`) ends matcalc quietly with 141, the status a shell shows for a Unix tool that
SIGPIPE ended: no traceback, no message, and never 1, which says a check failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc_cli.cli_output import READER_GONE

MATCALC = [sys.executable, "-m", "matcalc_cli"]
DERIVATION = "y = x^T x\ndy = 2 x^T dx\n"


@pytest.mark.parametrize("command", [
    ["diff", "x^T A x", "--wrt", "x"],
    ["diff", "x^T A x", "--wrt", "x", "--format", "plain", "--steps"],
    ["check", "x^T A x", "--wrt", "x", "--expect", "x^T (A + A^T)"],
    ["check", "x^T A x", "--wrt", "x", "--expect", "x^T A", "--format", "json"],
    ["check", "--derivation", "-", "--wrt", "x"],
    ["convex", "x^T x", "--wrt", "x"],
    ["batch", "JOBS"],
    ["--help"],
])
def test_a_reader_that_closed_the_pipe_ends_matcalc_quietly(command: list[str], tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.write_text('diff "x^T A x" --wrt x\ncheck "x^T x" --wrt x --expect "2 x^T"\n' * 20)
    read, write = os.pipe()
    os.close(read)  # the reader is gone before matcalc writes a byte: every write is EPIPE
    try:
        done = subprocess.run([*MATCALC, *(str(jobs) if a == "JOBS" else a for a in command)], input=DERIVATION,
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (READER_GONE, "")


def test_bad_input_is_still_its_message_and_2_when_the_reader_is_gone() -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([*MATCALC, "diff", "x^T (", "--wrt", "x"], stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 2 and done.stderr.startswith("matcalc: error: expected a number")
