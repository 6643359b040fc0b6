"""LaTeX for documents: the whole equation in Leibniz notation (--display), and a complete
document around it (--standalone). The math itself is latex.py's.

    \\begin{align*}
    f &= x^\\top A x \\\\
    \\frac{\\partial f}{\\partial x} &= x^\\top \\left(A + A^\\top\\right)
    \\end{align*}

A long result is broken after a term of its outermost sum, one `&\\quad + ...` line each,
so that it fits a page. Everything needs only the LaTeX kernel and amsmath.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcalc_cli.expr import SCALAR, Expr
from matcalc_cli.render.base import PRODUCT, SUM, negate, negative_coefficient
from matcalc_cli.render.latex import LatexPrinter, latex_name

LINE = 72  # characters of LaTeX source a display line holds before the result is broken
PACKAGES = ("amsmath",)  # \operatorname, \boldsymbol, align*, \text: amsmath has them all


@dataclass(frozen=True)
class Equation:
    """What the display says: f, the variables it is differentiated by, and the result."""

    f: Expr
    wrt: tuple[Expr, ...]
    derivative: Expr
    where: tuple[tuple[str, Expr], ...] = ()  # named subexpressions of the derivative (naming.py)
    vec: bool = False  # the result is the Jacobian of vec F by vec X (Magnus and Neudecker)
    note: str = ""


def _symbol(f: Expr, bold: bool) -> str:
    """f for a scalar function, f (bold: \\mathbf{f}) for a vector, F for a matrix."""
    name = "f" if f.shape == SCALAR or f.shape[1] == 1 else "F"
    return latex_name(name, bold and f.shape != SCALAR)


def leibniz(eq: Equation, bold: bool = False) -> str:
    r"""\frac{\partial f}{\partial x}, \frac{\partial^2 f}{\partial x \, \partial y^\top}, ..."""
    top = _symbol(eq.f, bold)
    names = [latex_name(x.name, bold and not x.is_scalar) for x in eq.wrt]
    if eq.vec:
        top = rf"\operatorname{{vec}} {top}"
        names = [rf"\operatorname{{vec}} {n}" if not x.is_scalar and x.shape[1] != 1 else n
                 for n, x in zip(names, eq.wrt, strict=True)]
    if len(eq.wrt) == 1:
        return rf"\frac{{\partial {top}}}{{\partial {names[0]}}}"
    first, second = eq.wrt
    if first == second and first.is_scalar:
        return rf"\frac{{\partial^2 {top}}}{{\partial {names[0]}^2}}"
    last = names[1] + (r"^\top" if second.shape[1] == 1 and not second.is_scalar else "")
    return rf"\frac{{\partial^2 {top}}}{{\partial {names[0]} \, \partial {last}}}"


def _terms(printer: LatexPrinter, e: Expr) -> list[str]:
    """The terms of the outermost sum, each with its sign (the first without a plus)."""
    if e.op != "add":
        return [printer.render(e)]
    out = [printer.at(e.args[0], SUM)]
    for t in e.args[1:]:
        out.append("- " + printer.at(negate(t), PRODUCT) if negative_coefficient(t) else "+ " + printer.at(t, PRODUCT))
    return out


def _lines(terms: list[str]) -> list[str]:
    lines = [terms[0]]
    for t in terms[1:]:
        if len(lines[-1]) + len(t) + 1 > LINE:
            lines.append(t)
        else:
            lines[-1] += " " + t
    return lines


def display(eq: Equation, bold: bool = False) -> str:
    """The equation in an align* environment: f's definition, its derivative, then the
    definitions of the names the derivative uses."""
    printer = LatexPrinter(bold=bold)
    rows = [rf"{_symbol(eq.f, bold)} &= {printer.render(eq.f)}"]
    lines = _lines(_terms(printer, eq.derivative))
    rows.append(f"{leibniz(eq, bold)} &= {lines[0]}")
    rows += [rf"&\quad {line}" for line in lines[1:]]
    for i, (name, e) in enumerate(eq.where):
        lead = r"\intertext{where} " if i == 0 else ""
        rows.append(f"{lead}{latex_name(name, bold and not e.is_scalar)} &= {printer.render(e)}")
    comment = [f"% {eq.note}"] if eq.note else []
    return "\n".join([r"\begin{align*}", *comment, " \\\\\n".join(rows), r"\end{align*}"])


def document(body: str) -> str:
    """body (LaTeX for the text of a page) in a complete document: the kernel and PACKAGES."""
    preamble = [r"\documentclass{article}", *(rf"\usepackage{{{p}}}" for p in PACKAGES)]
    return "\n".join([*preamble, r"\begin{document}", body, r"\end{document}"])


def standalone(math: str) -> str:
    """A complete document around display math, or around one line of math set as display."""
    return document(math if math.startswith("\\begin{") else rf"\[ {math} \]")
