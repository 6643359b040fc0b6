"""`matcalc batch`: many diff and check jobs in one process, one JSON object a job.

A job line is split into words like a shell would, and parsed by the function cli.py
hands in (the very click command of the command line), so that every option, `--` and an
EXPR that begins with `-` mean exactly what they mean there; the work is commands.py's.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO

from matcalc_cli import pool
from matcalc_cli.commands import (
    CheckOptions,
    ConvexOptions,
    DiffOptions,
    check_json,
    diff_json,
    error_json,
    exit_status,
    run_check,
    run_convex,
    run_diff,
)
from matcalc_cli.errors import MatcalcError, as_error
from matcalc_cli.report import SCHEMA
from matcalc_cli.syntax import MAX_CHARS, expression_from_words

COMMANDS = ("diff", "check", "convex")
MAX_BYTES = 32 << 20  # of a job file; bounded reads keep memory bounded whatever the file
MAX_JOBS = 10_000
# Parses a job's words after the command name into its parameters, by name (expr, wrt, ...);
# raises MatcalcError on a usage error.
Parser = Callable[[str, list[str]], Mapping[str, Any]]


def read_text(file: str) -> str:
    """The whole job file (- is standard input); MatcalcError when it cannot be read."""
    try:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(file, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)  # bounded: /dev/zero never ends
        if len(data) > MAX_BYTES:
            raise MatcalcError("input", f"cannot read {file}: larger than {MAX_BYTES >> 20} MB "
                               "(split it into several batches)")
        text = data.decode("utf-8", errors="surrogateescape")  # a bad byte fails its line only
        bad = sum(1 for c in text if "\udc80" <= c <= "\udcff")
        if bad > max(16, len(data) // 100):
            raise MatcalcError("input", f"cannot read {file}: not UTF-8 text ({bad:,} bytes that are not UTF-8)")
    except (OSError, UnicodeDecodeError) as ex:
        reason = ex.strerror if isinstance(ex, OSError) and ex.strerror else str(ex)[:200]
        raise MatcalcError("input", f"cannot read {file}: {reason}") from None
    jobs = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    if jobs > MAX_JOBS:
        raise MatcalcError("input", f"{file} has {jobs:,} jobs; a batch runs at most {MAX_JOBS:,} "
                           "(split it into several batches)")
    return text


def run_batch(text: str, out: TextIO, parse: Parser, workers: int = 1, timeout: float = 0.0) -> int:
    """Run every job in text and write one JSON line for each, in the file's order; the exit
    status. workers > 1: the jobs are shared among that many processes (forked, so that
    they start with everything imported), when there are enough of them to pay for it.
    timeout > 0: no job runs longer than that many seconds (the jobs run in worker
    processes then, one at least, which are ended when a job overruns)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if is_job(line)]
    many = (workers > 1 and len(lines) >= PARALLEL_FROM) or timeout > 0
    job = lambda n, line: run_line(parse, line, n)  # noqa: E731 (forked, never pickled)
    results = pool.run(lines, job, max(workers, 1), timeout) if many else _here(lines, parse)
    failed = False
    for result in results:
        if result is None:
            continue
        failed = failed or result["exit"] != 0
        out.write(json.dumps(result) + "\n")
        out.flush()  # a reader on a pipe sees each job as it finishes
    return 1 if failed else 0


def is_job(line: str) -> bool:
    """Blank lines and comments are no jobs: they never reach a worker."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


PARALLEL_FROM = 200  # lines: below this, forking costs more than it saves


def default_workers() -> int:
    """The processors this process may run on, at most 4."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 4))


def _here(lines: list[tuple[int, str]], parse: Parser) -> Iterator[dict[str, Any] | None]:
    return (run_line(parse, line, n) for n, line in lines)


def run_line(parse: Parser, line: str, number: int) -> dict[str, Any] | None:
    """One job's JSON object (with its line number and exit status); None for a blank or
    comment line."""
    job: dict[str, Any] = {"command": None, "input": None}
    try:
        bad = next((i for i, c in enumerate(line) if "\udc80" <= c <= "\udcff"), None)
        if bad is not None:  # read_text keeps a byte that is not UTF-8 as a lone surrogate
            raise MatcalcError("input", f"the line has a byte that is not UTF-8 (0x{ord(line[bad]) - 0xdc00:02x} "
                               f"at character {bad + 1})", (bad, bad + 1))
        if len(line) > MAX_CHARS + 10_000:  # shlex would take minutes; the expression is refused anyway
            raise MatcalcError("input", f"job line too long: {len(line):,} characters (an expression has at most "
                               f"{MAX_CHARS:,})")
        try:
            words = shlex.split(line, comments=True)
        except ValueError as ex:  # an unclosed quote
            raise MatcalcError("syntax", f"cannot split the line into words: {ex}") from None
        if not words:
            return None
        obj, status = run_job(parse, words, job)
    except Exception as ex:  # noqa: BLE001 (a failing job is reported and the batch goes on)
        err = as_error(ex)
        obj, status = {"schema": SCHEMA, **job, "error": error_json(err)}, exit_status(err)
    return {**obj, "command": job["command"], "line": number, "exit": status}


def run_job(parse: Parser, words: list[str], job: dict[str, Any]) -> tuple[dict[str, Any], int]:
    name, args = words[0], words[1:]
    if name not in COMMANDS:
        raise MatcalcError("option", f"a job is a diff, check or convex command line, not {name!r}")
    job["command"] = name
    params = parse(name, args)
    job["input"] = " ".join(params["expr"])
    source = expression_from_words(params["expr"])
    if source == "-":
        raise MatcalcError("option", "EXPR - (standard input) cannot be used in a batch job")
    if name == "diff":
        result = run_diff(source, DiffOptions.from_params(params))
        return diff_json(result), result.status
    if name == "convex":
        verdict = run_convex(source, ConvexOptions.from_params(params))
        return verdict.to_json(), verdict.status
    # --format is checked as on the command line, but a batch always writes JSON.
    checked = run_check(source, CheckOptions.from_params(params))
    return check_json(checked), 0 if checked.ok else 1
