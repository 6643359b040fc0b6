"""LaTeX for documents: the whole equation in Leibniz notation (--display), and a complete
document around it (--standalone). The math itself is latex.py's.

    \\begin{align*}
    f &= x^\\top A x \\\\
    \\frac{\\partial f}{\\partial x} &= x^\\top \\left(A + A^\\top\\right)
    \\end{align*}

A result too wide for the page (the article class's 345 pt text width unless --width says
otherwise; texwidth.py estimates widths) is broken over `&\\quad ...` lines: between the terms
of a sum, between the factors of a product (a scalar denominator comes out in front as
\\frac{1}{...}) and of a Hadamard product, and, where one factor is still too wide, inside its
brackets, which become \\bigl( \\bigr) so that a line may end between them. Everything needs
only the LaTeX kernel and amsmath.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli import kinds as K
from matcalc_cli.expr import SCALAR, Expr, const, mul
from matcalc_cli.render.latex import LatexPrinter, latex_name, names_in, spelled_apart
from matcalc_cli.render.printer import ATOM, NEG, PRODUCT, SUM, negate, negative_coefficient
from matcalc_cli.render.texwidth import QUAD, REL, width

TEXT_WIDTH = 345.0  # points: \textwidth of the article class at 10 pt, the default page
MARGIN = 1.15  # texwidth errs by up to about 14 % narrow on short pieces: keep that much spare
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


def _apart(eq: Equation) -> frozenset[str]:
    """The names of the equation spelt literally (latex.spelled_apart: W1 beside W_1)."""
    return spelled_apart(names_in(eq.f, eq.derivative, *eq.wrt, *(e for _, e in eq.where)) |
                         {name for name, _ in eq.where})


def leibniz(eq: Equation, bold: bool = False) -> str:
    r"""\frac{\partial f}{\partial x}, \frac{\partial^2 f}{\partial x \, \partial y^\top}, ..."""
    top = _symbol(eq.f, bold)
    apart = _apart(eq)
    names = [latex_name(x.name, bold and not x.is_scalar, x.name in apart) for x in eq.wrt]
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


class _Breaker:
    """A result as pieces of LaTeX between which a display line may end, each whole piece no
    wider than the room a line has, where the expression lets it be cut that finely."""

    def __init__(self, printer: LatexPrinter, room: float) -> None:
        self.printer, self.room = printer, room

    def fits(self, text: str) -> bool:
        return width(text) * MARGIN <= self.room

    def pieces(self, e: Expr, prec: int = SUM) -> list[str]:
        whole = self.printer.at(e, prec)
        if self.fits(whole):
            return [whole]
        if e.op == K.ADD:
            inner = self._sum(e)
        elif e.op == K.MUL:
            inner = self._product(e)
        elif e.op == K.HAD:
            inner = self._joined(e.args, r"\odot ")
        elif e.op == K.T and e.args[0].op in (K.ADD, K.MUL, K.HAD):
            inner = self.pieces(e.args[0], ATOM)
            return inner[:-1] + [inner[-1] + r"^\top"] if len(inner) > 1 else [whole]
        else:
            return [whole]
        if len(inner) == 1:
            return [whole]
        if self.printer.show(e)[1] < prec:  # the brackets the printer would put: ones a line may end inside
            return _opened(inner)
        return inner

    def _glued(self, lead: str, e: Expr, prec: int) -> list[str]:
        parts = self.pieces(e, prec)
        return [lead + parts[0], *parts[1:]]

    def _sum(self, e: Expr) -> list[str]:
        out = self.pieces(e.args[0], SUM)
        for t in e.args[1:]:
            out += self._glued("- ", negate(t), PRODUCT) if negative_coefficient(t) else self._glued("+ ", t, PRODUCT)
        return out

    def _joined(self, factors: tuple[Expr, ...], between: str) -> list[str]:
        out = self.pieces(factors[0], NEG)
        for f in factors[1:]:
            out += self._glued(between, f, NEG)
        return out

    def _product(self, e: Expr) -> list[str]:
        coef, num, den = self.printer.split(e)
        if not num:
            return [self.printer.render(e)]
        top = coef.numerator if isinstance(coef, Fraction) else coef
        bottom = [const(coef.denominator)] if isinstance(coef, Fraction) and coef.denominator != 1 else []
        sign = "-" if top < 0 else ""
        lead = []
        if den or bottom:  # a scalar denominator comes out in front: \frac{1}{\sqrt{d}} X^T ...
            lead = [sign + self.printer.divide(self.printer.render(const(abs(top))),
                                               self.printer.render(mul(*bottom, *den)))]
        elif abs(top) != 1:
            lead = [sign + self.printer.render(const(abs(top)))]
        elif sign:
            lead = [sign]
        parts: list[str] = []
        for f in num:
            bare = len(num) == 1 and not lead
            parts += self.pieces(f, PRODUCT if bare else NEG) if f.op not in (K.HAD, K.HDIV) or bare \
                else self._bracketed(f)
        if lead == ["-"]:
            return ["-" + parts[0], *parts[1:]]
        return lead + parts

    def _bracketed(self, f: Expr) -> list[str]:
        inner = self.pieces(f, SUM)
        return [self.printer.paren(inner[0])] if len(inner) == 1 else _opened(inner)


def _opened(pieces: list[str]) -> list[str]:
    """pieces in brackets that a line may end inside: \\bigl( \\bigr), not \\left( \\right)."""
    return [r"\bigl(" + pieces[0], *pieces[1:-1], pieces[-1] + r"\bigr)"]


def _lines(pieces: list[str], first: float, rest: float) -> list[str]:
    """The pieces filled greedily into lines: the first has room first, the others rest."""
    lines = [pieces[0]]
    for p in pieces[1:]:
        room = first if len(lines) == 1 else rest
        if width(lines[-1] + " " + p) * MARGIN > room:
            lines.append(p)
        else:
            lines[-1] += " " + p
    return lines


def _broken(printer: LatexPrinter, lhs: str, e: Expr, lhs_width: float, page: float) -> list[str]:
    """The rows of `lhs &= e`, e broken over `&\\quad` rows where it is wider than the page."""
    first, rest = page - lhs_width - REL, page - lhs_width - QUAD
    lines = _lines(_Breaker(printer, rest).pieces(e), first, rest)
    return [f"{lhs} &= {lines[0]}", *(rf"&\quad {line}" for line in lines[1:])]


def display(eq: Equation, bold: bool = False, page: float = TEXT_WIDTH) -> str:
    """The equation in an align* environment: f's definition, its derivative, then the
    definitions of the names the derivative uses, each broken to fit page points."""
    apart = _apart(eq)
    printer = LatexPrinter(bold=bold, apart=apart)
    symbol, derivative = _symbol(eq.f, bold), leibniz(eq, bold)
    names = [latex_name(name, bold and not e.is_scalar, name in apart) for name, e in eq.where]
    lhs_width = max(width(text) for text in [symbol, derivative, *names])
    rows = _broken(printer, symbol, eq.f, lhs_width, page)
    rows += _broken(printer, derivative, eq.derivative, lhs_width, page)
    for i, (name, (_, e)) in enumerate(zip(names, eq.where, strict=True)):
        defined = _broken(printer, name, e, lhs_width, page)
        rows += [(r"\intertext{where} " if i == 0 else "") + defined[0], *defined[1:]]
    comment = [f"% {eq.note}"] if eq.note else []
    return "\n".join([r"\begin{align*}", *comment, " \\\\\n".join(rows), r"\end{align*}"])


def document(body: str) -> str:
    """body (LaTeX for the text of a page) in a complete document: the kernel and PACKAGES."""
    preamble = [r"\documentclass{article}", *(rf"\usepackage{{{p}}}" for p in PACKAGES)]
    return "\n".join([*preamble, r"\begin{document}", body, r"\end{document}"])


def standalone(math: str) -> str:
    """A complete document around display math, or around one line of math set as display."""
    return document(math if math.startswith("\\begin{") else rf"\[ {math} \]")
