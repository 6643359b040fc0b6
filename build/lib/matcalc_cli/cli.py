"""The command line: options and I/O only; the mathematics lives in report.differentiate."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from matcalc_cli import __version__
from matcalc_cli.errors import MatcalcError, caret_lines

if TYPE_CHECKING:
    from matcalc_cli.checking import CheckResult, Verification
    from matcalc_cli.report import Report

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Matrix calculus: gradients, Jacobians and Hessians of matrix expressions.")

FORMATS = ("pretty", "plain", "latex", "numpy", "json")
CHECK_FORMATS = ("pretty", "plain", "json")
R = TypeVar("R")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"matcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """Matrix calculus: gradients, Jacobians and Hessians of matrix expressions."""


def in_big_stack(work: Callable[[], R]) -> R:
    """Run work on a thread with a deep stack: nesting depth is the user's business,
    and a RecursionError must never surface."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as ex:  # noqa: BLE001 (handed back to the caller's thread)
            box["error"] = ex

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 200_000))
    threading.stack_size(1 << 29)
    try:
        t = threading.Thread(target=target)
        t.start()
        t.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def as_error(ex: Exception) -> MatcalcError:
    """Any failure as a MatcalcError: never a traceback, always a named problem."""
    if isinstance(ex, MatcalcError):
        return ex
    if isinstance(ex, RecursionError):
        return MatcalcError("input", "expression too deeply nested")
    if isinstance(ex, MemoryError):
        return MatcalcError("input", "expression too large")
    return MatcalcError("unsupported", f"cannot derive this ({type(ex).__name__}: {ex})")


def in_claim(err: MatcalcError) -> bool:
    """A ClaimError's span counts characters of the claim. Looked up in sys.modules so that
    commands other than check never import checking.py (and numpy with it)."""
    checking = sys.modules.get("matcalc_cli.checking")
    return checking is not None and isinstance(err, checking.ClaimError)


def error_json(err: MatcalcError) -> dict[str, Any]:
    span = err.span or (None, None)
    out: dict[str, Any] = {"kind": err.kind, "message": err.message, "start": span[0], "end": span[1]}
    if in_claim(err):
        out["in"] = "expect"
    return out


def fail(err: MatcalcError, source: str, fmt: str) -> typer.Exit:
    """Print one message (with a caret under its place in the source) and give exit 2."""
    if fmt == "json":
        typer.echo(json.dumps({"error": error_json(err)}))
    lines = [f"matcalc: error: {err.message}", *caret_lines(source, err.span)]
    sys.stderr.write("\n".join(lines) + "\n")
    return typer.Exit(2)


def guarded(source: str, fmt: str, work: Callable[[], R], claim: str = "") -> R:
    """Run work; bad input becomes one message with a caret into EXPR (or into the claim)."""
    try:
        return in_big_stack(work)
    except Exception as ex:  # noqa: BLE001 (never a traceback: name the problem instead)
        err = as_error(ex)
        raise fail(err, claim if in_claim(err) else source, fmt) from None


def read_expr(words: list[str]) -> str:
    """Everything after `--` is the expression, so its words are joined back together."""
    expr = " ".join(words)
    return sys.stdin.read().strip() if expr == "-" else expr


def emit(report: Report, fmt: str, verification: Verification | None = None) -> None:
    """Machine formats go straight to stdout, never through rich; the verification goes
    to stderr for them, so that stdout stays one line."""
    from matcalc_cli.render import latex, numpy, plain

    d = report.derivative.expr
    if fmt == "pretty":
        from matcalc_cli.render import pretty

        pretty.show(report)
        if verification is not None:
            console().print(f"[dim]verify[/dim]  {verification.text()}",
                            style=None if verification.ok else "bold red")
        return
    if fmt == "plain":
        out = plain.render(d)
    elif fmt == "latex":
        out = latex.render(d)
    elif fmt == "numpy":
        out = numpy.render(d, report.variables)
    else:
        out = json.dumps(diff_json(report, verification))
    sys.stdout.write(out + "\n")
    if report.derivative.note and fmt != "json":  # the convention, without breaking the one line
        sys.stderr.write(f"matcalc: note: {report.derivative.note}; shape {report.shape_text()}\n")
    if report.steps and fmt != "json":
        sys.stderr.write("".join(f"matcalc: step: {line}\n" for line in report.step_lines(plain.render)))
    if verification is not None:
        sys.stderr.write(f"matcalc: verify: {verification.text()}\n")


def console() -> Any:
    from matcalc_cli.render.pretty import console as terminal

    return terminal()


def diff_json(report: Report, verification: Verification | None) -> dict[str, Any]:
    out = report.to_json()
    if verification is not None:
        out["verify"] = verification.to_json()
    return out


def check_json(result: CheckResult) -> dict[str, Any]:
    return {**result.report.to_json(), "check": result.to_json()}


def show_check(result: CheckResult, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(check_json(result)) + "\n")
    elif fmt == "plain":
        from matcalc_cli.render import plain

        sys.stdout.write("\n".join(result.lines(plain.render)) + "\n")
    else:
        from rich.text import Text

        from matcalc_cli.render.pretty import render_expr

        head, *rest = result.lines(render_expr)
        out = console()
        out.print(Text(head, style="bold green" if result.ok else "bold red"))
        for line in rest:
            out.print(Text(line))
        sys.stdout.flush()


WrtOpt = Annotated[list[str], typer.Option("--wrt", help="Variable to differentiate by; twice for a second "
                                                         "derivative (the Hessian when the same).")]
ShapeOpt = Annotated[list[str] | None, typer.Option("--shape", help="NAME=SPEC: scalar, n (vector) or n,m.")]
SymOpt = Annotated[list[str] | None, typer.Option("--symmetric", help="NAME is a symmetric matrix.")]
LayoutOpt = Annotated[str, typer.Option("--layout", help="numerator (default) or denominator.")]
FormatOpt = Annotated[str, typer.Option("--format", help="pretty, plain, latex, numpy or json.")]
CheckFormatOpt = Annotated[str, typer.Option("--format", help="pretty, plain or json.")]
ExprArg = Annotated[list[str], typer.Argument(help="The expression (words are joined with spaces), or - to "
                                              "read it from standard input.", show_default=False,
                                              metavar="EXPR")]
StepsOpt = Annotated[bool, typer.Option("--steps", help="Show the derivation: each rule applied and the "
                                                        "differential it gives (on stderr for one-line formats).")]
VerifyOpt = Annotated[bool, typer.Option("--verify", help="Compare the result with central finite "
                                                          "differences at random points; exit 1 if far.")]
ExpectOpt = Annotated[str, typer.Option("--expect", metavar="CLAIM", show_default=False,
                                        help="The derivative to check, in the input language.")]
FileArg = Annotated[str, typer.Argument(help="A file with one diff or check command line a line, or - for "
                                             "standard input.", show_default=False, metavar="FILE")]


def validate_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> None:
    if fmt not in allowed:
        raise MatcalcError("option", f"--format must be one of {', '.join(allowed)}, not {fmt!r}")


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> None:
    try:
        validate_format(fmt, allowed)
    except MatcalcError as err:
        raise fail(err, "", fmt) from None


def run_diff(source: str, wrt: list[str], shape: list[str] | None, symmetric: list[str] | None,
             layout: str, verify: bool, steps: bool = False) -> tuple[Report, Verification | None]:
    """What `diff` computes, shared with batch so that its options mean the same there."""
    from matcalc_cli.report import differentiate

    report = differentiate(source, wrt, shape, symmetric, layout, steps)
    if not verify:
        return report, None
    from matcalc_cli.checking import verify as against_differences

    return report, against_differences(report)


@app.command()
def diff(expr: ExprArg, wrt: WrtOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
         layout: LayoutOpt = "numerator", format: FormatOpt = "pretty", verify: VerifyOpt = False,
         steps: StepsOpt = False) -> None:
    """Differentiate EXPR with respect to --wrt."""
    check_format(format)
    source = read_expr(expr)

    def work() -> Verification | None:
        report, verification = run_diff(source, wrt, shape, symmetric, layout, verify, steps)
        emit(report, format, verification)
        return verification

    verification = guarded(source, format, work)
    if verification is not None and not verification.ok:
        raise typer.Exit(1)


@app.command()
def check(expr: ExprArg, wrt: WrtOpt, expect: ExpectOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
          layout: LayoutOpt = "numerator", format: CheckFormatOpt = "pretty") -> None:
    """Check that CLAIM (--expect) is the derivative of EXPR with respect to --wrt: exit 0 if it
    is, 1 if not (saying why), 2 on bad input."""
    check_format(format, CHECK_FORMATS)
    source = read_expr(expr)

    def work() -> bool:
        from matcalc_cli.checking import check as decide

        result = decide(source, wrt, expect, shape, symmetric, layout)
        show_check(result, format)
        return result.ok

    if not guarded(source, format, work, claim=expect):
        raise typer.Exit(1)


@app.command()
def batch(file: FileArg) -> None:
    """Run diff and check jobs, one a line (# comments), in one process; print JSON Lines,
    one object a job. Exit 1 if a job failed, 2 if FILE cannot be read."""
    from matcalc_cli.batch import read_text, run_batch

    try:
        text = read_text(file)
    except MatcalcError as err:
        raise fail(err, "", "json") from None
    raise typer.Exit(in_big_stack(lambda: run_batch(text, sys.stdout)))


def main() -> None:
    app()  # rich itself honours NO_COLOR and leaves colour out when piped
