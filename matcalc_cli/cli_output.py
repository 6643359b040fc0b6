"""What the commands print: results on stdout, notes, steps and verifications on stderr, bad
input as one message with a caret and its exit status, and an output that cannot be written
(closed, full) as one message and exit 1, or quietly when its reader went away."""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from matcalc_cli.commands import DiffResult, check_json, error_json, exit_status, in_big_stack, in_claim, render_text
from matcalc_cli.errors import MatcalcError, as_error, caret_lines

if TYPE_CHECKING:
    from matcalc_cli.checking import ClaimVerdict
    from matcalc_cli.convexity import Verdict as ConvexVerdict
    from matcalc_cli.derivation import DerivationResult

R = TypeVar("R")


def fail(err: MatcalcError, source: str, fmt: str) -> typer.Exit:
    """Print one message (with a caret under its place in the source) and give exit 2."""
    if fmt == "json":
        import json

        typer.echo(json.dumps({"error": error_json(err)}))
    lines = [f"matcalc: error: {err.message}", *caret_lines(source, err.span)]
    if err.kind == "internal":
        lines.append(f"  input: {source[:2000]!r}")
    sys.stderr.write("\n".join(lines) + "\n")
    return typer.Exit(exit_status(err))


def guarded(source: str, fmt: str, work: Callable[[], R], claim: str = "") -> R:
    """Run work; bad input becomes one message with a caret into EXPR (or into the claim)."""
    try:
        return in_big_stack(work)
    except OSError:
        raise  # writing the output failed: main() says so, it is no problem of the input
    except Exception as ex:  # noqa: BLE001 (never a traceback: name the problem instead)
        err = as_error(ex)
        raise fail(err, claim if in_claim(err) else source, fmt) from None


def emit(result: DiffResult, fmt: str) -> None:
    """Machine formats go straight to stdout, never through rich; the verification goes
    to stderr for them, so that stdout stays one line."""
    report, verification = result.report, result.verification
    sys.stderr.write("".join(f"matcalc: note: {n}\n" for n in report.notes))
    if fmt == "pretty":
        from matcalc_cli.render import pretty

        pretty.show(report, result.named())
        if verification is not None:
            pretty.show_row("verify", verification.text(), "" if verification.ok else "bold red")
        return
    if fmt == "numpy":
        from matcalc_cli.render import numpy

        for d in numpy.free_dims(report.derivative.expr, report.variables):
            sys.stderr.write(f"matcalc: note: the numpy line reads {d}, the size of dimension {d}, which no "
                             "variable carries: give it a value\n")
    sys.stdout.write(render_text(result, fmt) + "\n")
    if fmt == "json":
        return
    if report.derivative.note and not (result.options and result.options.hvp):  # H v has v's shape: no vec note
        sys.stderr.write(f"matcalc: note: {report.derivative.note}; shape {report.shape_text()}\n")
    if report.steps:  # LaTeX as an align* to paste, the others a step a line
        steps = [report.step_latex()] if fmt == "latex" else [f"matcalc: step: {x}" for x in report.step_lines()]
        sys.stderr.write("".join(line + "\n" for line in steps))
    if verification is not None:
        sys.stderr.write(f"matcalc: verify: {verification.text()}\n")


def emit_check(result: ClaimVerdict, fmt: str) -> None:
    sys.stderr.write("".join(f"matcalc: note: {n}\n" for n in result.report.notes))
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(check_json(result)) + "\n")
    elif fmt == "plain":
        from matcalc_cli.render import plain

        sys.stdout.write("\n".join(result.lines(plain.render)) + "\n")
    else:
        from matcalc_cli.render import pretty

        pretty.show_check(result.rows(pretty.render_expr), result.ok)


def emit_verdict(verdict: ConvexVerdict, fmt: str) -> None:
    """matcalc convex's verdict: its notes on stderr, the verdict on stdout."""
    sys.stderr.write("".join(f"matcalc: note: {n}\n" for n in verdict.notes))
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(verdict.to_json()) + "\n")
    elif fmt == "plain":
        from matcalc_cli.render import plain

        sys.stdout.write("\n".join(verdict.lines(plain.render)) + "\n")
    else:
        from matcalc_cli.render import pretty

        pretty.show_verdict(verdict.lines(pretty.render_expr), verdict.status == 0)


def emit_derivation(result: DerivationResult, fmt: str) -> None:
    """check --derivation's report: every line's verdict, the first wrong one explained."""
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    elif fmt == "plain":
        from matcalc_cli.render import plain

        sys.stdout.write("\n".join(result.report_lines(plain.render)) + "\n")
    else:
        from matcalc_cli.render import pretty

        pretty.show_derivation(result.report_rows(pretty.render_expr), result.ok)


class Closed(io.TextIOBase):
    """Standard output when the process was started without one: every write fails."""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


# The status of a Unix tool whose reader went away (128 + SIGPIPE, as a shell shows `yes | head`):
# never 1, which says that a check failed.
READER_GONE = 141


def cannot_write(ex: OSError) -> NoReturn:
    """One message, exit 1: a full disk or a closed output is no bug of matcalc's. A pipe
    whose reader closed it (`| head`) is no error either: quiet, READER_GONE. What is still
    buffered goes to /dev/null, so that the interpreter's last flush fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the process)
    if ex.errno == errno.EPIPE:
        os._exit(READER_GONE)
    reason = ex.strerror or str(ex)
    try:
        sys.stderr.write(f"matcalc: error: cannot write the output: {reason}\n")
    except (OSError, AttributeError):
        pass
    os._exit(1)
