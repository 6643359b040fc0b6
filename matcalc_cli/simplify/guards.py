"""The guards a rule written as a pattern may name (patterns.py): predicates on the shape of
one variable, on its tree, on a dimension, on a number; and shape(?X, ?m, ?n), which binds
?X's dimensions. `shorter` is no predicate of a variable: the engine decides it by cost."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Dim, Expr, Shape
from matcalc_cli.ops.symmetry import is_symmetric

SHAPES: dict[str, Callable[[Shape], bool]] = {
    "scalar": lambda s: s == E.SCALAR,
    "square": lambda s: s[0] == s[1],  # scalars too: a 1×1 is square
    "column": lambda s: s[1] == 1 and s[0] != 1,
    "row": lambda s: s[0] == 1 and s[1] != 1,
    "vector": E.is_vector,
    "matrix": lambda s: s[0] != 1 and s[1] != 1,
    "nonscalar": lambda s: s != E.SCALAR,
}


def _diagonal(f: Expr) -> bool:
    return f.is_scalar or f.op == K.EYE or (f.op == K.DIAG and f.args[0].shape[1] == 1)


def _triangular(f: Expr, lower_side: bool) -> bool:
    """Triangular by construction: chol(A) and tril_half(M) (lower), diagonals, their
    inverses and products, and the transpose of one triangular the other way."""
    if _diagonal(f) or (lower_side and f.op in (K.CHOL, K.TRIL_HALF)):
        return True
    if f.op == K.INV:
        return _triangular(f.args[0], lower_side)
    if f.op == K.MUL:
        return all(_triangular(g, lower_side) for g in f.args)
    return f.op == K.T and _triangular(f.args[0], not lower_side)


def lower(f: Expr) -> bool:
    return _triangular(f, True)


def upper(f: Expr) -> bool:
    return _triangular(f, False)


TREES: dict[str, Callable[[Expr], bool]] = {
    "lower": lower,  # lower triangular by construction
    "upper": upper,
    "symmetric": is_symmetric,
    "orthonormal": lambda e: e.op in (K.EIGVECS, K.SVD_U, K.SVD_V)
                   or (e.op == K.VAR and e.info.orthogonal),  # U^T U = I; --orthogonal Q
}
NUMBERS: dict[str, Callable[[E.Number], bool]] = {
    "number": lambda c: isinstance(c, Fraction),
    "integer": lambda c: isinstance(c, Fraction) and c.denominator == 1,
    "negative": lambda c: isinstance(c, Fraction) and c < 0,
    "even": lambda c: isinstance(c, Fraction) and c.denominator == 1 and c.numerator % 2 == 0,
    "odd": lambda c: isinstance(c, Fraction) and c.denominator == 1 and c.numerator % 2 == 1,
    "fraction": lambda c: isinstance(c, Fraction) and c.denominator != 1,  # not a whole number
}
DIMS: dict[str, Callable[[Dim], bool]] = {
    "known": lambda d: isinstance(d, int),  # a number, not a name
    "several": lambda d: isinstance(d, int) and d > 1,
    "named": lambda d: isinstance(d, str),  # n, not 3
}
GUARDS = (*SHAPES, *TREES, *NUMBERS, *DIMS, "shape")
