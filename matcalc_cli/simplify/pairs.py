"""Adjacent factors of a product that are one factor (X^-1 X = I, U^T U = I for an orthonormal
U, diag(u) diag(v) = diag(u .* v), diag(u) v = u .* v), written as patterns: rules.py names
them (inverse-pair, orthonormal-pair, diagonal-product) and marks them, with negated-sum, as
the pair rules, by which the engine settles the candidates of a rule that chooses among
spellings before it weighs them (tr(X A X^-1) turned to tr(X^-1 X A) is tr(A)). The sign of
a negated sum among a product's factors is code: one pattern cannot say any number of terms."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.simplify.normal import _coef, product, total, transpose

INVERSE_PAIR = ("?X^-1 ?X => eye(?n) if nonscalar(?X), shape(?X, ?n, ?n)",
                "?X ?X^-1 => eye(?n) if nonscalar(?X), shape(?X, ?n, ?n)")
DIAGONAL_PRODUCT = ("diag(?u) diag(?v) => diag(?u .* ?v) if column(?u), column(?v)",
                    "diag(?u) ?v => ?u .* ?v if column(?u), column(?v)")
ORTHONORMAL_PAIR = ("?U^T ?U => eye(?n) if orthonormal(?U), shape(?U, ?m, ?n)",
                    "?U ?U^T => eye(?n) if orthonormal(?U), shape(?U, ?n, ?n)")


def _negative_sum(f: Expr) -> bool:
    """A matrix sum of negative terms, or its transpose."""
    f = f.args[0] if f.op == K.T else f
    return f.op == K.ADD and not f.is_scalar and all(_coef(t)[0] < 0 for t in f.args)


def _negated(f: Expr) -> Expr:
    if f.op == K.T:
        return transpose(_negated(f.args[0]))
    return total([product([E.const(-1), t]) for t in f.args])


def has_negated_sum(e: Expr) -> bool:
    """A matrix sum of negative terms among two matrix factors or beside a scalar one
    (alone, -(a + b) is spelled by the sum itself)."""
    chain = [f for f in e.args if not f.is_scalar]
    scaled = any(f.is_scalar and f.op != K.CONST for f in e.args)
    return (len(chain) >= 2 or scaled) and any(_negative_sum(f) for f in chain)


def negated_sum_out(e: Expr) -> Expr:
    """Sigma^-1 (-S - S^T) Sigma^-1 = -Sigma^-1 (S + S^T) Sigma^-1."""
    flips = [f for f in e.args if _negative_sum(f)]
    out = [_negated(f) if f in flips else f for f in e.args]
    return product([E.const(-1 if len(flips) % 2 else 1), *out])
