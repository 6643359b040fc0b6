"""Helpers of the rules about triangular factors (chol's): what a product of triangular
matrices keeps, so that logdet written through chol, 2 sum(log(diag(chol(X)))), has
logdet's gradient X^-1.

  tril_half of an upper triangular U is diag(diag(U)) / 2 (its lower triangle is its diagonal),
  and the diagonal of a product of upper (or of lower) triangular factors is the product of
  their diagonals;
  chol(A) chol(A)^T = A and chol(A)^-T chol(A)^-1 = A^-1 in a product.
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.normal import _coef, hadamard, product


def _diagonal(f: Expr) -> bool:
    return f.is_scalar or f.op == "eye" or (f.op == "diag" and f.args[0].shape[1] == 1)


def lower(f: Expr) -> bool:
    """Lower triangular by construction: chol(A), tril_half(M), their inverses, diagonals."""
    if _diagonal(f) or f.op in ("chol", "tril_half"):
        return True
    if f.op == "inv":
        return lower(f.args[0])
    return f.op == "T" and upper(f.args[0])


def upper(f: Expr) -> bool:
    if _diagonal(f):
        return True
    if f.op == "inv":
        return upper(f.args[0])
    return f.op == "T" and lower(f.args[0])


def _factors(e: Expr) -> tuple[Expr, ...]:
    return e.args if e.op == "mul" else (e,)


def tril_half_of_upper(e: Expr) -> bool:
    return all(upper(f) for f in _factors(e.args[0]))


def _diagonal_of(f: Expr) -> Expr:
    """diag(f) for a triangular factor, as a column."""
    if f.op == "diag":
        return f.args[0]
    if f.op == "eye":
        return E.ones((f.shape[0], 1))
    if f.op == "T":
        return fn("diag", f.args[0])
    if f.op == "inv":
        return E.hdiv(E.ONE, _diagonal_of(f.args[0]))
    return fn("diag", f)


def diagonal_half(e: Expr) -> Expr:
    """tril_half(c U1 U2 ...) = c diag(diag(U1) .* diag(U2) .* ...) / 2 for upper triangular Ui."""
    c, core = _coef(e.args[0])
    factors = [f for f in _factors(core) if not f.is_scalar]
    scalars = [f for f in _factors(core) if f.is_scalar]
    d = hadamard([_diagonal_of(f) for f in factors]) if factors else E.ones((e.shape[0], 1))
    return product([E.const(c / 2), *scalars, fn("diag", d)])


def _chol_pair(a: Expr, b: Expr) -> Expr | None:
    """A for chol(A) chol(A)^T, A^-1 for chol(A)^-T chol(A)^-1; else None."""
    if a.op == "chol" and b.op == "T" and b.args[0] is a:
        return a.args[0]
    if a.op == "inv" and a.args[0].op == "T" and a.args[0].args[0].op == "chol" and b.op == "inv" \
            and b.args[0] is a.args[0].args[0]:
        return E.inv(b.args[0].args[0])
    if a.op == "T" and a.args[0].op == "inv" and a.args[0].args[0].op == "chol" and b is a.args[0]:
        return E.inv(b.args[0].args[0])  # chol(A)^-1 transposed, as (chol(A)^-1)^T
    return None


def _pair_at(fs: tuple[Expr, ...]) -> int | None:
    return next((i for i in range(len(fs) - 1) if _chol_pair(fs[i], fs[i + 1]) is not None), None)


def has_chol_pair(e: Expr) -> bool:
    return _pair_at(e.args) is not None


def chol_pair(e: Expr) -> Expr:
    fs = e.args
    i = _pair_at(fs)
    assert i is not None
    merged = _chol_pair(fs[i], fs[i + 1])
    assert merged is not None
    return product([*fs[:i], merged, *fs[i + 2:]])
