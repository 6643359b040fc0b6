"""The command line's arguments and options: the typer declarations the commands share, with
their help and shell completion (the commands themselves are in cli.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any

import typer

from matcalc_cli.commands import CHECK_FORMATS, FORMATS, LAYOUTS


def one_of(names: Iterable[str]) -> str:
    """The choices as a sentence names them; the first is the default."""
    first, *rest, last = names
    return f"{', '.join([first + ' (the default)', *rest])} or {last}"


def completer(names: Mapping[str, str] | Sequence[str]) -> Callable[[str], list[tuple[str, str]]]:
    """Completion of an option's values, each with its description where there is one."""
    def complete(incomplete: str) -> list[tuple[str, str]]:
        described = names if isinstance(names, Mapping) else dict.fromkeys(names, "")
        return [(n, text) for n, text in described.items() if n.startswith(incomplete)]

    return complete


# Formats and layouts stay strings checked by commands.py (not click choices), so that a
# wrong one gets matcalc's own message and exit 2 on the command line and in a batch job.
ExprArg = Annotated[list[str], typer.Argument(
    metavar="EXPR", show_default=False,
    help="The expression; its words are joined with spaces. - reads it from standard input. Everything "
         "after -- is EXPR, so it may begin with a minus sign.")]
WrtOpt = Annotated[list[str], typer.Option(
    "--wrt", metavar="VAR", help="Differentiate with respect to VAR. Twice for a second derivative: the "
                                 "Hessian when both are the same variable.")]
ShapeOpt = Annotated[list[str] | None, typer.Option(
    "--shape", metavar="NAME=SPEC", show_default=False,
    help="Declare a shape: SPEC is scalar, n (a column vector) or n,m (a matrix), with dimensions named or "
         "numbers. Repeat for more names; the rest are inferred.")]
SymOpt = Annotated[list[str] | None, typer.Option(
    "--symmetric", metavar="NAME", show_default=False, help="NAME is a symmetric square matrix. Repeatable.")]


def _structure(name: str, what: str) -> Any:
    return typer.Option(f"--{name}", metavar="NAME", show_default=False, help=f"NAME is {what}. Repeatable.")


DiagonalOpt = Annotated[list[str] | None, _structure("diagonal", "a diagonal square matrix")]
LowerOpt = Annotated[list[str] | None, _structure("lower", "a lower triangular square matrix")]
UpperOpt = Annotated[list[str] | None, _structure("upper", "an upper triangular square matrix")]
SpdOpt = Annotated[list[str] | None, _structure(
    "spd", "a symmetric positive definite matrix: the domain is narrowed to such matrices")]
PositiveOpt = Annotated[list[str] | None, _structure(
    "positive", "positive in every entry: the domain is narrowed to it (the derivative is unchanged)")]
OrthogonalOpt = Annotated[list[str] | None, _structure("orthogonal", "an orthogonal square matrix (Q^T Q = I)")]
LayoutOpt = Annotated[str, typer.Option(
    "--layout", metavar="LAYOUT", show_default=False, autocompletion=completer(LAYOUTS),
    help=f"LAYOUT is {one_of(LAYOUTS)}: which way vector derivatives are laid out.")]
FormatOpt = Annotated[str, typer.Option(
    "--format", metavar="FORMAT", show_default=False, autocompletion=completer(FORMATS),
    help=f"FORMAT is {one_of(FORMATS)}.")]
CheckFormatOpt = Annotated[str, typer.Option(
    "--format", metavar="FORMAT", show_default=False, autocompletion=completer(CHECK_FORMATS),
    help=f"FORMAT is {one_of(CHECK_FORMATS)}.")]
StepsOpt = Annotated[bool, typer.Option(
    "--steps", help="Show the derivation as the course writes it: numbered steps, each naming its rule "
                    "(on stderr for the one-line formats; an align* environment for latex).")]
ExpandOpt = Annotated[bool, typer.Option(
    "--expand", help="Print the derivative written out, without naming repeated subexpressions "
                     "(where h1 = ...).")]
VerifyOpt = Annotated[bool, typer.Option(
    "--verify", help="Compare the result with central finite differences at random points; exit 1 if "
                     "they differ.")]
DisplayOpt = Annotated[bool, typer.Option(
    "--display", help="With --format latex: the whole equation in Leibniz notation (\\frac{\\partial f}"
                      "{\\partial x} = ...), in align*, long results broken over lines.")]
BoldOpt = Annotated[bool, typer.Option(
    "--bold", help="With --format latex: vectors and matrices in bold (\\mathbf, \\boldsymbol for Greek).")]
WidthOpt = Annotated[str | None, typer.Option(
    "--width", metavar="PT", show_default=False,
    help="With --display: the width of the page in points, which long lines are broken to fit (default 345, "
         "the article class's text width).")]
StandaloneOpt = Annotated[bool, typer.Option(
    "--standalone", help="With --format latex: a complete document (amsmath only) for pdflatex.")]
WithValueOpt = Annotated[bool, typer.Option(
    "--with-value", help="With --format python, torch or jax: one function returning (value, derivative), "
                         "what scipy.optimize.minimize(..., jac=True) calls.")]
HvpOpt = Annotated[bool, typer.Option(
    "--hvp", help="With --format python, torch or jax and a Hessian (--wrt x --wrt x): a function of the "
                  "variables and a direction v returning H v, without forming H (Newton-CG's hessp).")]
FromOpt = Annotated[str, typer.Option(
    "--from", metavar="INPUT", show_default=False, autocompletion=completer(("auto", "latex")),
    help="INPUT is auto (the default: LaTeX when EXPR holds a backslash command) or latex.")]
CheckExprArg = Annotated[list[str] | None, typer.Argument(
    metavar="EXPR", show_default=False,
    help="The expression (not with --derivation); its words are joined with spaces. - reads it from standard "
         "input. Everything after -- is EXPR, so it may begin with a minus sign.")]
CheckExpectOpt = Annotated[str | None, typer.Option(
    "--expect", metavar="CLAIM", show_default=False,
    help="The derivative to check, written in the input language (a where clause is read).")]
DerivationOpt = Annotated[str | None, typer.Option(
    "--derivation", metavar="FILE", show_default=False,
    help="Check a derivation by hand line by line instead: one equation a line (= RHS continues the line "
         "before), differentials dX and d(EXPR), claims dy/dX = EXPR; the input language or a LaTeX align* "
         "body; # and % comments. - reads standard input.")]
FileArg = Annotated[str, typer.Argument(
    metavar="FILE", show_default=False,
    help="A file of jobs, one diff, check or convex command line a line without the program name (# starts a "
         "comment); - reads standard input.")]


ConvexWrtOpt = Annotated[list[str], typer.Option(
    "--wrt", metavar="VAR", help="A variable of the question; repeat for several, taken jointly.")]


IDENTITY_FORMATS = {"pretty": "the table, for reading", "plain": "the same, without colour",
                    "latex": "a table for lecture notes (amsmath)", "json": "one JSON object"}


