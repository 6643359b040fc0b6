r"""LaTeX: one line of math, no surrounding $; Greek names as Greek letters; with bold=True,
vectors and matrices in bold (\mathbf, \boldsymbol for Greek), as the course sets them.

Everything here needs only the LaTeX kernel and amsmath (\operatorname, \boldsymbol).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import OPS
from matcalc_cli.render.printer import ATOM, NEG, POSTFIX, Printer
from matcalc_cli.written import Written

if TYPE_CHECKING:
    from matcalc_cli.naming import Named

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}

# A base and a subscript: W2, W_2, x_hat. A trailing _ is part of no pattern, so lambda_
# (a name beside lambda) is spelled as it is written, never as a second \lambda.
_NAME = re.compile(r"^([A-Za-z]+?)(?:_?(\d+)|_(\w+))?$")
# A capital with a short lower-case label, the projections of attention layers (Wq, Wk, Wv, Wo).
_LABELLED = re.compile(r"^[A-Z][a-z]{1,2}$")


def latex_name(name: str, bold: bool = False, literal: bool = False) -> str:
    """theta -> \\theta, W_2 and W2 -> W_{2}, Wq -> W_{q}, lam -> \\mathrm{lam}; bold:
    \\boldsymbol{\\theta}, \\mathbf{W}_{2}, \\mathbf{W}_{q}, \\mathbf{lam}. literal: the name
    as it is written, one name in a font command (\\mathit{W2}, bold \\mathbf{W2})."""
    if literal:
        return (r"\mathbf{" if bold else r"\mathit{") + name.replace("_", r"\_") + "}"
    m = _NAME.match(name)
    base, sub = (m.group(1), m.group(2) or m.group(3) or "") if m else (name, "")
    if not sub and _LABELLED.match(base) and base not in GREEK:  # Wq, Wk, Wv: W_q as papers set them
        base, sub = base[0], base[1:]
    if base in GREEK:
        head = rf"\boldsymbol{{\{base}}}" if bold else "\\" + base
    elif len(base) == 1:
        head = rf"\mathbf{{{base}}}" if bold else base
    else:
        head = (r"\mathbf{" if bold else r"\mathrm{") + base.replace("_", r"\_") + "}"
    return head + (f"_{{{sub}}}" if sub else "")


def spelled_apart(names: Iterable[str]) -> frozenset[str]:
    """The names to spell literally because another prints the same (W1 and W_1 are both
    W_{1}; Wq and W_q both W_{q}): the one written with an underscore keeps the subscript,
    as the reader reads W_{1} as W_1, and the others are \\mathit{W1}, read back as W1."""
    spelt: dict[str, list[str]] = {}
    for name in set(names):
        spelt.setdefault(latex_name(name), []).append(name)
    return frozenset(n for same in spelt.values() if len(same) > 1 for n in same if "_" not in n)


def names_in(*roots: Expr) -> set[str]:
    return {n.name for root in roots for n in E.walk(root) if n.op in (K.VAR, K.DVAR)}


class LatexPrinter(Printer):
    jux = " "
    times_numbers = r" \cdot "
    where, where_sep = r" \quad \text{where} \quad ", r",\; "
    had, hdiv = r" \odot ", r" \oslash "

    def __init__(self, bold: bool = False, apart: frozenset[str] = frozenset()) -> None:
        self.bold = bold
        self.apart = apart  # names spelt literally (spelled_apart)

    def latex_name(self, name: str, bold: bool) -> str:
        return latex_name(name, bold, name in self.apart)

    def op_var(self, e: Expr) -> tuple[str, int]:
        return self.latex_name(e.name, self.bold and not e.is_scalar), ATOM

    def render_where(self, body: Expr, where: tuple[tuple[str, Expr], ...]) -> str:
        # A name stands for a vector or a matrix as its definition does: bold like the variables.
        text = self.render(body)
        if not where:
            return text
        defs = self.where_sep.join(
            f"{self.latex_name(n, self.bold and not e.is_scalar)}{self.defined_as}{self.render(e)}" for n, e in where)
        return text + self.where + defs

    def op_dvar(self, e: Expr) -> tuple[str, int]:
        return "d" + self.latex_name(e.name, self.bold and not e.is_scalar), ATOM

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)"

    def name(self, name: str) -> str:
        return self.latex_name(name, False)

    def number(self, v: Fraction | float) -> tuple[str, int]:
        if isinstance(v, Fraction) and v.denominator != 1 and not isinstance(v, Written):
            sign = "-" if v < 0 else ""
            return rf"{sign}\frac{{{abs(v.numerator)}}}{{{v.denominator}}}", NEG if v < 0 else ATOM
        return super().number(v)

    def divide(self, num: str, den: str) -> str:
        return rf"\frac{{{num}}}{{{den}}}"

    def op_mul(self, e: Expr) -> tuple[str, int]:
        coef, num, den = self.split(e)
        if not den and not (isinstance(coef, Fraction) and coef.denominator != 1 and not isinstance(coef, Written)):
            return super().op_mul(e)
        # \frac wants its parts unbracketed: render them on their own.
        from matcalc_cli.expr import const, mul

        whole = not isinstance(coef, Fraction) or isinstance(coef, Written)  # 0.3 stays on top, as written
        top_coef = coef if whole else coef.numerator  # type: ignore[union-attr]
        bottom = [const(coef.denominator)] if not whole and coef.denominator != 1 else []  # type: ignore[union-attr]
        top = self.render(mul(const(abs(top_coef)), *num)) if num or abs(top_coef) != 1 else "1"
        text = self.divide(top, self.render(mul(*bottom, *den)))
        return ("-" + text, 1) if top_coef < 0 else (text, ATOM)

    def op_T(self, e: Expr) -> tuple[str, int]:
        if e.args[0].op == K.INV:
            return super().op_T(e)
        return self.base(e.args[0]) + r"^\top", POSTFIX

    def base(self, e: Expr) -> str:
        text = self.at(e, ATOM)
        # A base that already carries a subscript or superscript is braced: {W_{2}}^\top.
        return "{" + text + "}" if ("^" in text or "_" in text) and not text.startswith(r"\left(") else text

    def op_inv(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.op == K.T:
            return self.base(a.args[0]) + r"^{-\top}", POSTFIX
        return self.base(a) + "^{-1}", POSTFIX

    def op_pow(self, e: Expr) -> tuple[str, int]:
        return f"{self.base(e.args[0])}^{{{self.number(e.number)[0]}}}", POSTFIX

    def op_epow(self, e: Expr) -> tuple[str, int]:
        return rf"{self.base(e.args[0])}^{{\circ {self.number(e.number)[0]}}}", POSTFIX

    def op_normspec(self, e: Expr) -> tuple[str, int]:
        return rf"\left\lVert {self.render(e.args[0])} \right\rVert_2", ATOM

    def op_vpow(self, e: Expr) -> tuple[str, int]:
        ring = "" if e.is_scalar else r"\circ "
        return f"{self.base(e.args[0])}^{{{ring}{self.render(e.args[1])}}}", POSTFIX

    def function(self, name: str, args: list[str], e: Expr) -> str:
        # Named functions are upright operator names (Op.spelled), so that none reads as a variable.
        return OPS[name].spelled("latex").format(*args)

    def op_size(self, e: Expr) -> tuple[str, int]:
        # Spelt as the function it is: a bare n would read back as a variable n.
        return rf"\operatorname{{size}}\left({self.dim(e.dim)}\right)", ATOM

    def op_unvec(self, e: Expr) -> tuple[str, int]:
        m, n = (self.dim(d) for d in e.dims)
        return rf"\operatorname{{unvec}}_{{{m} \times {n}}}\left({self.render(e.args[0])}\right)", ATOM

    def op_kron(self, e: Expr) -> tuple[str, int]:
        return rf"{self.at(e.args[0], NEG)} \otimes {self.at(e.args[1], NEG)}", 2

    def dim(self, d: object) -> str:
        return str(d).replace("·", " ")

    def op_eye(self, e: Expr) -> tuple[str, int]:
        eye = r"\mathbf{I}" if self.bold else "I"
        return f"{eye}_{{{self.dim(e.shape[0])}}}", ATOM

    def filled(self, name: str, e: Expr) -> str:
        r, c = e.shape
        sym = r"\mathbf{1}" if name == K.ONES else r"\mathbf{0}"
        return f"{sym}_{{{self.dim(r)}}}" if c == 1 else rf"{sym}_{{{self.dim(r)} \times {self.dim(c)}}}"

    def op_commutation(self, e: Expr) -> tuple[str, int]:
        m, n = e.dims
        return f"K_{{{self.dim(m)},{self.dim(n)}}}", ATOM


# A printer per call, as plain's: its memo holds the nodes it printed.
def render(e: Expr, bold: bool = False) -> str:
    return LatexPrinter(bold=bold, apart=spelled_apart(names_in(e))).render(e)


def render_named(named: Named, bold: bool = False) -> str:
    """The result, then \text{where} and the named subexpressions (naming.py)."""
    names = names_in(named.body, *(e for _, e in named.where)) | {n for n, _ in named.where}
    return LatexPrinter(bold=bold, apart=spelled_apart(names)).render_where(named.body, named.where)
