"""The command line: options and I/O only; the mathematics lives in report.differentiate."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.main

from matcalc_cli import __version__
from matcalc_cli.commands import (
    CHECK_FORMATS,
    FORMATS,
    CheckOptions,
    DiffOptions,
    DiffResult,
    as_error,
    check_json,
    error_json,
    in_big_stack,
    in_claim,
    render_text,
    run_check,
    run_diff,
    validate_format,
)
from matcalc_cli.errors import MatcalcError, caret_lines

if TYPE_CHECKING:
    from matcalc_cli.checking import CheckResult

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Matrix calculus: gradients, Jacobians and Hessians of matrix expressions.")

R = TypeVar("R")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"matcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """Matrix calculus: gradients, Jacobians and Hessians of matrix expressions."""


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


def emit(result: DiffResult, fmt: str) -> None:
    """Machine formats go straight to stdout, never through rich; the verification goes
    to stderr for them, so that stdout stays one line."""
    report, verification = result.report, result.verification
    if fmt == "pretty":
        from matcalc_cli.render import pretty

        pretty.show(report)
        if verification is not None:
            console().print(f"[dim]verify[/dim]  {verification.text()}",
                            style=None if verification.ok else "bold red")
        return
    sys.stdout.write(render_text(result, fmt) + "\n")
    if fmt == "json":
        return
    if report.derivative.note:  # the convention, without breaking the one line
        sys.stderr.write(f"matcalc: note: {report.derivative.note}; shape {report.shape_text()}\n")
    if report.steps:
        from matcalc_cli.render import plain

        sys.stderr.write("".join(f"matcalc: step: {line}\n" for line in report.step_lines(plain.render)))
    if verification is not None:
        sys.stderr.write(f"matcalc: verify: {verification.text()}\n")


def console() -> Any:
    from matcalc_cli.render.pretty import console as terminal

    return terminal()


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


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> None:
    """A bad --format is reported before EXPR is read (it may be standard input)."""
    try:
        validate_format(fmt, allowed)
    except MatcalcError as err:
        raise fail(err, "", fmt) from None


@app.command()
def diff(expr: ExprArg, wrt: WrtOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
         layout: LayoutOpt = "numerator", format: FormatOpt = "pretty", verify: VerifyOpt = False,
         steps: StepsOpt = False) -> None:
    """Differentiate EXPR with respect to --wrt."""
    check_format(format)
    source = read_expr(expr)
    opts = DiffOptions(tuple(wrt), tuple(shape or ()), tuple(symmetric or ()), layout, format, verify, steps)

    def work() -> int:
        result = run_diff(source, opts)
        emit(result, format)
        return result.status

    raise typer.Exit(guarded(source, format, work))


@app.command()
def check(expr: ExprArg, wrt: WrtOpt, expect: ExpectOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
          layout: LayoutOpt = "numerator", format: CheckFormatOpt = "pretty") -> None:
    """Check that CLAIM (--expect) is the derivative of EXPR with respect to --wrt: exit 0 if it
    is, 1 if not (saying why), 2 on bad input."""
    check_format(format, CHECK_FORMATS)
    source = read_expr(expr)
    opts = CheckOptions(tuple(wrt), expect, tuple(shape or ()), tuple(symmetric or ()), layout, format)

    def work() -> bool:
        result = run_check(source, opts)
        show_check(result, format)
        return result.ok

    if not guarded(source, format, work, claim=expect):
        raise typer.Exit(1)


def parse_job(name: str, args: list[str]) -> dict[str, Any]:
    """A batch job's parameters, parsed by the command line's own click command."""
    options = args[:args.index("--")] if "--" in args else args
    if "--help" in options:  # click would print the help into the JSON Lines
        raise MatcalcError("option", "--help is not available in a batch job")
    group = typer.main.get_command(app)
    parent = typer.Context(group, info_name="matcalc")
    try:
        return dict(group.commands[name].make_context(name, args, parent=parent).params)  # type: ignore[attr-defined]
    except typer.TyperException as ex:  # click's usage errors: unknown option, missing --wrt
        raise MatcalcError("option", ex.format_message()) from None


@app.command()
def batch(file: FileArg) -> None:
    """Run diff and check jobs, one a line (# comments), in one process; print JSON Lines,
    one object a job. Exit 1 if a job failed, 2 if FILE cannot be read."""
    from matcalc_cli.batch import read_text, run_batch

    try:
        text = read_text(file)
    except MatcalcError as err:
        raise fail(err, "", "json") from None
    raise typer.Exit(in_big_stack(lambda: run_batch(text, sys.stdout, parse_job)))


def main() -> None:
    app()  # rich itself honours NO_COLOR and leaves colour out when piped
