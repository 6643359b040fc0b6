"""The command line: options and I/O only; the mathematics lives in report.differentiate."""

from __future__ import annotations

import json
import os
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


def emit(report: Any, fmt: str) -> None:
    """Machine formats go straight to stdout, never through rich."""
    from matcalc_cli.render import latex, numpy, plain

    d = report.derivative.expr
    if fmt == "plain":
        out = plain.render(d)
    elif fmt == "latex":
        out = latex.render(d)
    elif fmt == "numpy":
        out = numpy.render(d, report.variables)
    elif fmt == "json":
        out = json.dumps(report.to_json())
    else:
        from matcalc_cli.render import pretty

        pretty.show(report)
        return
    sys.stdout.write(out + "\n")


WrtOpt = Annotated[list[str], typer.Option("--wrt", help="Variable to differentiate by; twice for a second "
                                                         "derivative (the Hessian when the same).")]
ShapeOpt = Annotated[list[str] | None, typer.Option("--shape", help="NAME=SPEC: scalar, n (vector) or n,m.")]
SymOpt = Annotated[list[str] | None, typer.Option("--symmetric", help="NAME is a symmetric matrix.")]
LayoutOpt = Annotated[str, typer.Option("--layout", help="numerator (default) or denominator.")]
FormatOpt = Annotated[str, typer.Option("--format", help="pretty, plain, latex, numpy or json.")]
ExprArg = Annotated[list[str], typer.Argument(help="The expression (words are joined with spaces), or - to "
                                              "read it from standard input.", show_default=False,
                                              metavar="EXPR")]


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        sys.stderr.write(f"matcalc: error: --format must be one of {', '.join(FORMATS)}, not {fmt!r}\n")
        raise typer.Exit(2)


@app.command()
def diff(expr: ExprArg, wrt: WrtOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
         layout: LayoutOpt = "numerator", format: FormatOpt = "pretty") -> None:
    """Differentiate EXPR with respect to --wrt."""
    check_format(format)
    source = read_expr(expr)

    def work() -> Any:
        from matcalc_cli.report import differentiate

        report = differentiate(source, wrt, shape, symmetric, layout)
        emit(report, format)
        return report

    guarded(source, format, work)


def main() -> None:
    if os.environ.get("NO_COLOR") is not None:
        os.environ.setdefault("TERM", "dumb")
    app()
