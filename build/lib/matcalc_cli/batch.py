"""`matcalc batch`: many diff and check jobs in one process, one JSON object a job.

A job line is parsed by the very click command that parses the command line (taken
from the typer app), so that every option, `--` and an EXPR that begins with `-`
mean exactly what they mean there; only the work is done here instead of printing.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import typer
import typer.main

from matcalc_cli.cli import (
    CHECK_FORMATS,
    FORMATS,
    app,
    as_error,
    check_json,
    diff_json,
    error_json,
    run_diff,
    validate_format,
)
from matcalc_cli.errors import MatcalcError
from matcalc_cli.report import SCHEMA

COMMANDS = ("diff", "check")


def read_text(file: str) -> str:
    """The whole job file (- is standard input); MatcalcError when it cannot be read."""
    try:
        if file == "-":
            return sys.stdin.read()
        with open(file, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as ex:
        reason = ex.strerror if isinstance(ex, OSError) and ex.strerror else str(ex)
        raise MatcalcError("input", f"cannot read {file}: {reason}") from None


def run_batch(text: str, out: TextIO) -> int:
    """Run every job in text and write one JSON line for each; the exit status."""
    group = typer.main.get_command(app)
    parent = typer.Context(group, info_name="matcalc")
    failed = False
    for number, line in enumerate(text.splitlines(), 1):
        result = run_line(group, parent, line, number)
        if result is None:
            continue
        failed = failed or result["exit"] != 0
        out.write(json.dumps(result) + "\n")
        out.flush()  # a reader on a pipe sees each job as it finishes
    return 1 if failed else 0


def run_line(group: Any, parent: typer.Context, line: str, number: int) -> dict[str, Any] | None:
    """One job's JSON object (with its line number and exit status); None for a blank or
    comment line."""
    job: dict[str, Any] = {"command": None, "input": None}
    try:
        try:
            words = shlex.split(line, comments=True)
        except ValueError as ex:  # an unclosed quote
            raise MatcalcError("syntax", f"cannot split the line into words: {ex}") from None
        if not words:
            return None
        obj, status = run_job(group, parent, words, job)
    except Exception as ex:  # noqa: BLE001 (a failing job is reported and the batch goes on)
        obj, status = {"schema": SCHEMA, **job, "error": error_json(as_error(ex))}, 2
    return {**obj, "command": job["command"], "line": number, "exit": status}


def run_job(group: Any, parent: typer.Context, words: Sequence[str], job: dict[str, Any]) -> tuple[
        dict[str, Any], int]:
    name, args = words[0], list(words[1:])
    if name not in COMMANDS:
        raise MatcalcError("option", f"a job is a diff or check command line, not {name!r}")
    job["command"] = name
    options = args[:args.index("--")] if "--" in args else args
    if "--help" in options:  # click would print the help into the JSON Lines
        raise MatcalcError("option", "--help is not available in a batch job")
    try:
        p = group.commands[name].make_context(name, args, parent=parent).params
    except typer.TyperException as ex:  # click's usage errors: unknown option, missing --wrt
        raise MatcalcError("option", ex.format_message()) from None
    source = " ".join(p["expr"])
    job["input"] = source
    if source == "-":
        raise MatcalcError("option", "EXPR - (standard input) cannot be used in a batch job")
    wrt, shape, symmetric = list(p["wrt"]), list(p["shape"] or []), list(p["symmetric"] or [])
    if name == "diff":
        validate_format(p["format"], FORMATS)
        report, verification = run_diff(source, wrt, shape, symmetric, p["layout"], p["verify"], p["steps"])
        return diff_json(report, verification), 0 if verification is None or verification.ok else 1
    validate_format(p["format"], CHECK_FORMATS)  # accepted as on the command line; a batch writes JSON
    from matcalc_cli.checking import check

    result = check(source, wrt, p["expect"], shape, symmetric, p["layout"])
    return check_json(result), 0 if result.ok else 1

