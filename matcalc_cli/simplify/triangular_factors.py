"""Helpers of the rules about triangular factors (chol's): what a product of triangular
matrices keeps, so that logdet written through chol, 2 sum(log(diag(chol(X)))), has
logdet's gradient X^-1.

  tril_half of an upper triangular U is diag(diag(U)) / 2 (its lower triangle is its diagonal),
  and the diagonal of a product of upper (or of lower) triangular factors is the product of
  their diagonals;
  the diagonal of a product of lower (or of upper) triangular factors is the product of their
  diagonals, and diag(tril_half(M)) = diag(M) / 2: with the patterns chol(A) chol(A)^T = A
  and (1 ./ d)^T (d .* m) = sum(m) (rules.py), a derivative by a scalar through
  diag(chol(X)) reads as logdet's.
"""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.normal import _coef, hadamard, product


def _diagonal(f: Expr) -> bool:
    return f.is_scalar or f.op == K.EYE or (f.op == K.DIAG and f.args[0].shape[1] == 1)


def lower(f: Expr) -> bool:
    """Lower triangular by construction: chol(A), tril_half(M), their inverses, diagonals."""
    if _diagonal(f) or f.op in (K.CHOL, K.TRIL_HALF):
        return True
    if f.op == K.INV:
        return lower(f.args[0])
    return f.op == K.T and upper(f.args[0])


def upper(f: Expr) -> bool:
    if _diagonal(f):
        return True
    if f.op == K.INV:
        return upper(f.args[0])
    return f.op == K.T and lower(f.args[0])


def _factors(e: Expr) -> tuple[Expr, ...]:
    return e.args if e.op == K.MUL else (e,)


def tril_half_of_upper(e: Expr) -> bool:
    return all(upper(f) for f in _factors(e.args[0]))


def _diagonal_of(f: Expr) -> Expr:
    """diag(f) for a triangular factor, as a column."""
    if f.op == K.TRIL_HALF:
        return E.mul(E.const(Fraction(1, 2)), fn("diag", f.args[0]))
    if f.op == K.DIAG:
        return f.args[0]
    if f.op == K.EYE:
        return E.ones((f.shape[0], 1))
    if f.op == K.T:
        return fn("diag", f.args[0])
    if f.op == K.INV:
        return E.hdiv(E.ONE, _diagonal_of(f.args[0]))
    return fn("diag", f)


def diagonal_half(e: Expr) -> Expr:
    """tril_half(c U1 U2 ...) = c diag(diag(U1) .* diag(U2) .* ...) / 2 for upper triangular Ui."""
    c, core = _coef(e.args[0])
    factors = [f for f in _factors(core) if not f.is_scalar]
    scalars = [f for f in _factors(core) if f.is_scalar]
    d = hadamard([_diagonal_of(f) for f in factors]) if factors else E.ones((e.shape[0], 1))
    return product([E.const(c / 2), *scalars, fn("diag", d)])






def _triangular_chain(e: Expr) -> list[Expr] | None:
    """The matrix factors of a product that are all lower or all upper triangular (one of them
    not merely diagonal, and no other factor), or None."""
    factors = [f for f in _factors(e) if not f.is_scalar]
    if len(factors) < 2 or all(_diagonal(f) for f in factors):
        return None
    return factors if all(lower(f) for f in factors) or all(upper(f) for f in factors) else None


def diagonal_of_triangular(e: Expr) -> bool:
    return e.args[0].shape[1] != 1 and _triangular_chain(e.args[0]) is not None


def diagonal_product(e: Expr) -> Expr:
    """diag(c L1 L2 ...) = c diag(L1) .* diag(L2) .* ... for triangular factors of one kind."""
    c, core = _coef(e.args[0])
    factors = _triangular_chain(core)
    assert factors is not None
    scalars = [f for f in _factors(core) if f.is_scalar]
    return product([E.const(c), *scalars, hadamard([_diagonal_of(f) for f in factors])])





