"""The command line's commands (diff, check, convex, identities, batch) and its entry point: each
reads its options into commands.py's, runs it there and hands the result to cli_output.py; the
options are declared in cli_options.py, the mathematics lives in report.differentiate."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Collection
from typing import Annotated, Any

import typer
import typer.main

from matcalc_cli import __version__
from matcalc_cli.cli_options import (
    IDENTITY_FORMATS,
    BoldOpt,
    CheckExpectOpt,
    CheckExprArg,
    CheckFormatOpt,
    ConvexWrtOpt,
    DerivationOpt,
    DiagonalOpt,
    DisplayOpt,
    ExpandOpt,
    ExprArg,
    FileArg,
    FormatOpt,
    FromOpt,
    HvpOpt,
    LayoutOpt,
    LowerOpt,
    OrthogonalOpt,
    PositiveOpt,
    ShapeOpt,
    SpdOpt,
    StandaloneOpt,
    StepsOpt,
    SymOpt,
    UpperOpt,
    VerifyOpt,
    WidthOpt,
    WithValueOpt,
    WrtOpt,
    completer,
    one_of,
)
from matcalc_cli.cli_output import Closed, cannot_write, emit, emit_check, emit_derivation, emit_verdict, fail, guarded
from matcalc_cli.commands import (
    CHECK_FORMATS,
    FORMATS,
    CheckOptions,
    ConvexOptions,
    DiffOptions,
    StructureFields,
    in_big_stack,
    run_check,
    run_convex,
    run_derivation,
    run_diff,
    structure_fields,
    validate_format,
)
from matcalc_cli.errors import MatcalcError
from matcalc_cli.helpformat import HELP_OPTIONS, Command, Group, help_width

app = typer.Typer(
    cls=Group, add_completion=True, no_args_is_help=True, rich_markup_mode=None,
    context_settings={"help_option_names": HELP_OPTIONS},
    help="Matrix calculus: gradients, Jacobians and Hessians of matrix expressions, printed the way a "
         "textbook prints them (plain text, LaTeX, JSON, or NumPy, PyTorch or JAX code).",
    epilog="""The gradient of a quadratic form, its Hessian, and a hand derivation checked:
$ matcalc diff "x^T A x" --wrt x
$ matcalc diff "x^T A x" --wrt x --wrt x
$ matcalc check "x^T x" --wrt x --expect "2 x^T"
Run 'matcalc COMMAND --help' for a command's options and more examples.""")

def _version(value: bool) -> None:
    if value:
        typer.echo(f"matcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    pass


def read_expr(words: list[str], fmt: str = "pretty") -> str:
    """Everything after `--` is the expression, so its words are joined back together."""
    # Here, not at the top: help and shell completion (on every Tab) need no parser.
    from matcalc_cli.syntax import MAX_CHARS, expression_from_words

    try:
        expr = expression_from_words(words)
    except MatcalcError as err:
        raise fail(err, " ".join(words), fmt) from None
    # Read one character more than an expression may have, so that /dev/zero is refused, not read.
    return sys.stdin.read(MAX_CHARS + 1).strip() if expr == "-" else expr


def check_format(fmt: str, allowed: Collection[str] = tuple(FORMATS)) -> None:
    """A bad --format is reported before EXPR is read (it may be standard input)."""
    try:
        validate_format(fmt, allowed)
    except MatcalcError as err:
        raise fail(err, "", fmt) from None


@app.command(cls=Command, short_help="Differentiate EXPR: gradient, Jacobian, Hessian.", epilog="""\
The gradient of a quadratic form, with the shapes it assumed:
$ matcalc diff "x^T A x" --wrt x
A Hessian, on one line in the input language:
$ matcalc diff "x^T A x" --wrt x --wrt x --format plain
After --, an expression may begin with a minus sign:
$ matcalc diff --wrt theta -- "-(y^T log(p))"
""")
def diff(expr: ExprArg, wrt: WrtOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
         layout: LayoutOpt = "numerator", format: FormatOpt = "pretty", verify: VerifyOpt = False,
         steps: StepsOpt = False, expand: ExpandOpt = False, display: DisplayOpt = False, bold: BoldOpt = False,
         standalone: StandaloneOpt = False, width: WidthOpt = None, with_value: WithValueOpt = False,
         hvp: HvpOpt = False, from_format: FromOpt = "auto", diagonal: DiagonalOpt = None, lower: LowerOpt = None,
         upper: UpperOpt = None, spd: SpdOpt = None, orthogonal: OrthogonalOpt = None,
         positive: PositiveOpt = None) -> None:
    """Differentiate EXPR with respect to VAR (--wrt).

    Prints the derivative in textbook form, its shape, the layout and the shapes assumed
    for every name (pretty); or one line of plain text, LaTeX or NumPy; or a JSON object;
    or a Python, PyTorch or JAX function that computes it. Exit 0 on success, 1 when
    --verify finds a difference, 2 on bad input.
    """
    check_format(format)
    source = read_expr(expr, format)
    opts = DiffOptions(tuple(wrt), tuple(shape or ()), tuple(symmetric or ()), layout, format, verify, steps,
                       expand, display, bold, standalone, width, with_value, hvp, from_format,
                       **structure_fields(diagonal, lower, upper, spd, orthogonal, positive))

    def work() -> int:
        result = run_diff(source, opts)
        emit(result, format)
        return result.status

    raise typer.Exit(guarded(source, format, work))


@app.command(cls=Command, short_help="Check a derivative worked out by hand.", epilog="""\
A correct claim (exit 0) and a wrong one (exit 1, with the largest difference):
$ matcalc check "x^T A x" --wrt x --expect "x^T (A + A^T)"
$ matcalc check "x^T A x" --wrt x --expect "2 x^T A"
A derivation by hand, line by line (a file, or - for standard input):
$ matcalc check --derivation steps.txt --wrt x
""")
def check(expr: CheckExprArg = None, wrt: WrtOpt = [], expect: CheckExpectOpt = None,  # noqa: B006
          shape: ShapeOpt = None, symmetric: SymOpt = None, layout: LayoutOpt = "numerator",
          format: CheckFormatOpt = "pretty", derivation: DerivationOpt = None,
          from_format: FromOpt = "auto", diagonal: DiagonalOpt = None, lower: LowerOpt = None,
          upper: UpperOpt = None, spd: SpdOpt = None, orthogonal: OrthogonalOpt = None,
          positive: PositiveOpt = None) -> None:
    """Check that CLAIM (--expect) is the derivative of EXPR with respect to VAR.

    Compares canonical forms, then values at random points. Exit 0 if the claim is the
    derivative, 1 if not (saying how it differs), 2 on bad input. check takes the options
    of diff that say what is differentiated (--wrt, --shape, --symmetric, --layout), and
    --format pretty, plain or json; not --verify or --steps. With --derivation FILE, every
    line of a derivation by hand is checked instead, and the first wrong one explained.
    """
    check_format(format, CHECK_FORMATS)
    if derivation is not None:
        if expr or expect is not None:
            raise _usage("--derivation FILE is checked alone: no EXPR or --expect with it")
        structures = structure_fields(diagonal, lower, upper, spd, orthogonal, positive)
        raise typer.Exit(check_derivation(derivation, wrt, shape or [], symmetric or [], layout, format, structures))
    if not expr or expect is None or not wrt:
        missing = "EXPR" if not expr else "option '--expect'" if expect is None else "option '--wrt'"
        raise _usage(f"Missing {missing}: check takes EXPR, --wrt and --expect (or --derivation FILE and --wrt)")
    source = read_expr(expr, format)
    opts = CheckOptions(tuple(wrt), expect, tuple(shape or ()), tuple(symmetric or ()), layout, format,
                        from_format=from_format, **structure_fields(diagonal, lower, upper, spd, orthogonal, positive))

    def work() -> bool:
        result = run_check(source, opts)
        emit_check(result, format)
        return result.ok

    if not guarded(source, format, work, claim=expect):
        raise typer.Exit(1)


@app.command(cls=Command, short_help="Is EXPR convex or concave? A certificate or a counterexample.", epilog="""\
A logistic loss, certified convex; a quadratic form with A free, neither:
$ matcalc convex "sum(softplus(X w)) - y^T X w" --wrt w
$ matcalc convex "x^T A x" --wrt x
On the SPD matrices:
$ matcalc convex --wrt X --spd X -- "-logdet(X)"
""")
def convex(expr: ExprArg, wrt: ConvexWrtOpt, shape: ShapeOpt = None, symmetric: SymOpt = None,
           positive: PositiveOpt = None, spd: SpdOpt = None, diagonal: DiagonalOpt = None,
           lower: LowerOpt = None, upper: UpperOpt = None, orthogonal: OrthogonalOpt = None,
           format: CheckFormatOpt = "pretty") -> None:
    """Is EXPR, a scalar, convex or concave in the --wrt variables jointly, on its domain,
    for every value of the other names?

    Each question gets yes with a certificate (the rules that prove it), no with a
    counterexample (a point and a direction where the second difference of EXPR has the
    wrong sign), or unknown. Exit 0 when both are settled, 3 when one stays unknown,
    2 on bad input.
    """
    check_format(format, CHECK_FORMATS)
    source = read_expr(expr, format)
    opts = ConvexOptions(tuple(wrt), tuple(shape or ()), tuple(symmetric or ()), format=format,
                         **structure_fields(diagonal, lower, upper, spd, orthogonal, positive))

    def work() -> int:
        verdict = run_convex(source, opts)
        emit_verdict(verdict, format)
        return verdict.status

    raise typer.Exit(guarded(source, format, work))


def _usage(message: str) -> Exception:
    from typer._click.exceptions import UsageError
    from typer._click.globals import get_current_context

    return UsageError(message, ctx=get_current_context(silent=True))


def check_derivation(path: str, wrt: list[str], shape: list[str], symmetric: list[str], layout: str,
                     fmt: str, structures: StructureFields | None = None) -> int:
    """check --derivation: every line's verdict; exit 0, 1 (a line is wrong) or 2."""
    from matcalc_cli.syntax import MAX_CHARS

    try:
        if path == "-":
            text = sys.stdin.read(MAX_CHARS + 1)
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(MAX_CHARS + 1)
    except (OSError, UnicodeDecodeError) as ex:
        raise fail(MatcalcError("input", f"cannot read the derivation {path}: "
                                f"{getattr(ex, 'strerror', None) or ex}"), "", fmt) from None
    opts = (tuple(wrt), tuple(shape), tuple(symmetric), layout, fmt, structures)
    result = guarded(text, fmt, lambda: run_derivation(text, *opts))
    emit_derivation(result, fmt)
    return 0 if result.ok else 1


@app.command(cls=Command, short_help="The course's table of rules, each re-derived and checked.", epilog="""\
The table, and the same for lecture notes:
$ matcalc identities
$ matcalc identities --format latex > rules.tex
""")
def identities(format: Annotated[str, typer.Option(
        "--format", metavar="FORMAT", show_default=False, autocompletion=completer(IDENTITY_FORMATS),
        help=f"FORMAT is {one_of(IDENTITY_FORMATS)}.")] = "pretty") -> None:
    """Print the course's rules (sum, product, chain, and the helpful calculation rules).

    matcalc re-derives an instance of each rule when it runs, compares it with the rule
    and with central finite differences, so the table is a live test of the engine.
    Exit 0 when every rule holds, 1 if one does not.
    """
    check_format(format, IDENTITY_FORMATS)
    from matcalc_cli.identities import table
    from matcalc_cli.render import table as show

    rows = in_big_stack(table)
    if format == "json":
        import json

        typer.echo(json.dumps(show.json_object(rows)))
    elif format == "latex":
        typer.echo(show.latex(rows))
    elif format == "plain":
        typer.echo(show.plain(rows))
    else:
        show.show(rows)
    raise typer.Exit(0 if all(r.ok for r in rows) else 1)


@functools.cache
def _click_group() -> Any:
    """The click group of the app, built once: typer builds a pydantic adapter for every
    parameter of every command, a third of a batch job's time when built per job."""
    return typer.main.get_command(app)


def parse_job(name: str, args: list[str]) -> dict[str, Any]:
    """A batch job's parameters, parsed by the command line's own click command."""
    options = args[:args.index("--")] if "--" in args else args
    if any(o in HELP_OPTIONS for o in options):  # click would print the help into the JSON Lines
        raise MatcalcError("option", "--help is not available in a batch job")
    group = _click_group()
    parent = typer.Context(group, info_name="matcalc")
    try:
        return dict(group.commands[name].make_context(name, args, parent=parent).params)  # type: ignore[attr-defined]
    except typer.TyperException as ex:  # click's usage errors: unknown option, missing --wrt
        raise MatcalcError("option", ex.format_message()) from None


@app.command(cls=Command, short_help="Run many diff and check jobs, JSON Lines out.", epilog="""\
A job from standard input, then a file of jobs:
$ printf 'diff "x^T x" --wrt x\\n' | matcalc batch -
$ matcalc batch jobs.txt > results.jsonl
""")
def batch(file: FileArg, workers: Annotated[str, typer.Option(
        "--workers", metavar="N", show_default=False,
        help="Processes to share the jobs among: 1 runs them in this one; the default is one a "
             "processor (at most 4), for a file of 200 lines or more.")] = "",
        timeout: Annotated[str, typer.Option(
            "--timeout", metavar="SECONDS", show_default=False,
            help="End a job that runs longer than this (its line is an error object); the jobs run "
                 "in worker processes then.")] = "") -> None:
    """Run diff and check jobs, one a line.

    Prints JSON Lines: for each job, the object of --format json with its line number
    and exit status, in the file's order. A failing job gives an error object and the
    batch goes on. Exit 1 if a job failed, 2 if FILE cannot be read.
    """
    from matcalc_cli.batch import default_workers, read_text, run_batch

    try:
        if workers and not (workers.isdigit() and 1 <= int(workers) <= 64):
            raise MatcalcError("option", f"--workers expects a number of processes from 1 to 64 (1 runs the "
                               f"jobs in this process), got {workers!r}")
        seconds = _seconds(timeout)
        text = read_text(file)
    except MatcalcError as err:
        raise fail(err, "", "json") from None
    n = int(workers) if workers else default_workers()
    _stop_workers_on_signals()
    raise typer.Exit(in_big_stack(lambda: run_batch(text, sys.stdout, parse_job, n, seconds)))


def _seconds(text: str) -> float:
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 86_400:
        raise MatcalcError("option", f"--timeout expects a number of seconds above 0 (at most 86400), got {text!r}")
    return value


def _stop_workers_on_signals() -> None:
    """SIGTERM and SIGINT end the batch's workers with it: no orphan, no traceback."""
    import signal

    from matcalc_cli import pool

    def stop(signum: int, _frame: object) -> None:
        pool.stop()
        try:
            sys.stderr.write(f"matcalc: batch stopped by {signal.Signals(signum).name}\n")
        except OSError:
            pass
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)


def main() -> None:
    if sys.stdout is None:  # started with its output closed (>&-)
        sys.stdout = Closed()
    try:
        app(terminal_width=help_width())  # rich itself honours NO_COLOR and leaves colour out when piped
        code: Any = 0
    except SystemExit as done:
        code = done.code
    except OSError as ex:
        cannot_write(ex)
    try:
        sys.stdout.flush()
    except OSError as ex:
        cannot_write(ex)
    sys.exit(code)


