"""The simplify step of a derivative: the tree the read-off gave (derive.Draft) in the
textbook's form, with the choices the read-off left to it."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.derive.present import Draft, FinishedDerivative, project
from matcalc_cli.expr import Expr
from matcalc_cli.simplify.cost import choose
from matcalc_cli.simplify.engine import simplify
from matcalc_cli.simplify.normal import total, transpose


def finish(d: Draft) -> FinishedDerivative:
    g = d.expr
    if d.symmetrise:
        g = simplify(g)
        if simplify(E.T(g)) != g:  # a symmetric G is its own sym(G)
            g = E.mul(E.const(Fraction(1, 2)), E.add(g, E.T(g)))
    if d.within is not None and d.variable is not None:  # within --diagonal, --lower, ... --orthogonal
        g = project(simplify(g), d.variable, d.within)
    g = _spread_transpose(simplify(g))
    if d.transpose:
        g = simplify(E.T(g))
    within = d.within or (d.variable.info.structure if d.variable is not None and d.symmetrise else None)
    return FinishedDerivative(g, d.kind, d.layout, d.notes, d.conventions, within)


def _spread_transpose(g: Expr) -> Expr:
    """A derivative that is a transposed sum of products reads better term by term where
    that is no longer: x^T (A + A^T) / (x^T x) - 2 (x^T A x) x^T / (x^T x)^2, not (...)^T;
    but (A X + X A)^T, not A^T X^T + X^T A^T."""
    if g.op == K.T and g.args[0].op == K.ADD and all(t.op == K.MUL for t in g.args[0].args):
        # the spread form is the one in hand: the transposed sum replaces it only where cheaper
        return choose(total([transpose(t) for t in g.args[0].args]), [g], by_cost=True)
    return g
