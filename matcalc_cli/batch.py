"""`matcalc batch`: many diff and check jobs in one process, one JSON object a job.

A job line is split into words like a shell would, and parsed by the function cli.py
hands in (the very click command of the command line), so that every option, `--` and an
EXPR that begins with `-` mean exactly what they mean there; the work is commands.py's.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from matcalc_cli.commands import (
    CheckOptions,
    DiffOptions,
    as_error,
    check_json,
    diff_json,
    error_json,
    exit_status,
    run_check,
    run_diff,
)
from matcalc_cli.errors import MatcalcError
from matcalc_cli.report import SCHEMA
from matcalc_cli.syntax import MAX_CHARS, expression_from_words

COMMANDS = ("diff", "check")
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
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as ex:
        reason = ex.strerror if isinstance(ex, OSError) and ex.strerror else str(ex)[:200]
        raise MatcalcError("input", f"cannot read {file}: {reason}") from None
    jobs = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    if jobs > MAX_JOBS:
        raise MatcalcError("input", f"{file} has {jobs:,} jobs; a batch runs at most {MAX_JOBS:,} "
                           "(split it into several batches)")
    return text


def run_batch(text: str, out: TextIO, parse: Parser) -> int:
    """Run every job in text and write one JSON line for each; the exit status."""
    failed = False
    for number, line in enumerate(text.splitlines(), 1):
        result = run_line(parse, line, number)
        if result is None:
            continue
        failed = failed or result["exit"] != 0
        out.write(json.dumps(result) + "\n")
        out.flush()  # a reader on a pipe sees each job as it finishes
    return 1 if failed else 0


def run_line(parse: Parser, line: str, number: int) -> dict[str, Any] | None:
    """One job's JSON object (with its line number and exit status); None for a blank or
    comment line."""
    job: dict[str, Any] = {"command": None, "input": None}
    try:
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
        raise MatcalcError("option", f"a job is a diff or check command line, not {name!r}")
    job["command"] = name
    params = parse(name, args)
    job["input"] = " ".join(params["expr"])
    source = expression_from_words(params["expr"])
    if source == "-":
        raise MatcalcError("option", "EXPR - (standard input) cannot be used in a batch job")
    if name == "diff":
        result = run_diff(source, DiffOptions.from_params(params))
        return diff_json(result), result.status
    # --format is checked as on the command line, but a batch always writes JSON.
    checked = run_check(source, CheckOptions.from_params(params))
    return check_json(checked), 0 if checked.ok else 1
