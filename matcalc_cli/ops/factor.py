"""Factorisations: chol (the lower Cholesky factor), pinv (the Moore–Penrose pseudo-inverse) and
adj (the adjugate), and the primitive chol's derivative is written in, so that a derivative
parses back, evaluates and exports like any other result:

  tril_half(M)   the lower triangle of M with half its diagonal, Φ(M) in Murray's "Differentiation
                 of the Cholesky decomposition" (2016): d chol(X) = L tril_half(L^-1 dX L^-T),
                 L = chol(X). It is its own adjoint in the Frobenius inner product, so the
                 gradient of a scalar through L is L^-T tril_half(L^T G) L^-1, never an n²×n² form.

chol's argument is symmetric by declaration or construction (ops/symmetry.py, asked by the
builder); its value is the factor of the symmetric part, (X + X^T) / 2, so that finite
differences entry by entry (a Jacobian by a symmetric X) differentiate what the rule does: a
direction that is not symmetric as written goes through its symmetric part.

Each evaluates to NaN where its derivative does not exist or is not written (an argument not
positive definite, rank-deficient, singular), so that check and --verify draw points where it is.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops.base import Diffs, Env, Linear, Op, Spelling, fn, register, said
from matcalc_cli.ops.symmetry import is_symmetric

_HALF = Fraction(1, 2)
_ILL_CONDITIONED = 1e10  # as inv's: past this, a value is rounding noise, not a point to judge by
_RANK = 1e-8  # a smallest singular value below this fraction of the largest: rank-deficient


def _only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


def _nan(np: Any, shape: Any) -> Any:
    return np.full(shape, np.nan)


def _square(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if not ctx.is_scalar(s[0]):
        ctx.square(s[0], node, node.text)
    return s[0]


def _transposed(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    r, c = ctx.resolve(s[0])
    return (c, r)


def _conditioned(np: Any, x: Any) -> bool:
    return bool(np.all(np.isfinite(x))) and np.linalg.cond(x) < _ILL_CONDITIONED


# ------------------------------------------------------------------ chol and tril_half
def _chol_value(env: Env, n: Expr, a: list[Any]) -> Any:
    from scipy.linalg import LinAlgError, cholesky

    np = env.np
    s = (a[0] + a[0].T) / 2
    if not _conditioned(np, s):
        return _nan(np, s.shape)
    try:
        return cholesky(s, lower=True)
    except LinAlgError:  # not positive definite
        return _nan(np, s.shape)


def _chol_apply(x: Expr) -> Expr:
    if x.is_scalar:
        return fn("sqrt", x)
    if x.op == "eye":
        return x
    return E.call("chol", (x,), x.shape)


def _chol_differential(n: Expr, d: Diffs) -> Expr:
    dx = _only(d)
    if not is_symmetric(dx):  # dX of a symmetric X, moved entry by entry: its symmetric part
        dx = E.mul(E.const(_HALF), E.add(dx, E.T(dx)))
    li = E.inv(n)
    return E.mul(n, fn("tril_half", E.mul(li, dx, E.T(li))))


def _tril_half_value(env: Env, n: Expr, a: list[Any]) -> Any:
    np = env.np
    return np.tril(a[0]) - np.diag(np.diag(a[0])) / 2


def _tril_half_apply(m: Expr) -> Expr:
    if m.is_scalar or m.op == "eye" or (m.op == "diag" and m.args[0].shape[1] == 1):
        return E.mul(E.const(_HALF), m)  # diagonal: its own lower triangle
    if E.is_zero(m):
        return m
    return E.call("tril_half", (m,), m.shape)


def _tril_half_jacobian(n: Expr, jac: Any, lin: Linear) -> Expr:
    k = n.shape[0]
    mask = fn("tril_half", E.ones((k, k)))
    return E.mul(fn("diag", E.vec(mask)), jac(n.args[0]))


# ------------------------------------------------------------------ pinv
def _pinv_value(env: Env, n: Expr, a: list[Any]) -> Any:
    np = env.np
    x = a[0]
    out_shape = (x.shape[1], x.shape[0])
    if not np.all(np.isfinite(x)):
        return _nan(np, out_shape)
    s = np.linalg.svd(x, compute_uv=False)
    if not s.size or s[-1] <= _RANK * s[0]:
        return _nan(np, out_shape)
    return np.linalg.pinv(x)


def _pinv_apply(x: Expr) -> Expr:
    if x.is_scalar:
        return E.inv(x)
    if x.op == "T":  # pinv(X^T) = pinv(X)^T
        return E.T(fn("pinv", x.args[0]))
    if x.op == "pinv":
        return x.args[0]
    if x.op == "eye":
        return x
    return E.call("pinv", (x,), (x.shape[1], x.shape[0]))


def _pinv_differential(n: Expr, d: Diffs) -> Expr:
    """Golub and Pereyra (1973), for X of constant (full) rank. A square X of full rank is
    invertible, and a column (row) has P X = 1 (X P = 1): the projector terms vanish there."""
    x, dx, p = n.args[0], _only(d), n
    m, k = x.shape
    terms = [E.neg(E.mul(p, dx, p))]
    if m != k:
        if m != 1:
            terms.append(E.mul(p, E.T(p), E.T(dx), E.sub(E.eye(m), E.mul(x, p))))
        if k != 1:
            terms.append(E.mul(E.sub(E.eye(k), E.mul(p, x)), E.T(dx), E.T(p), p))
    return E.add(*terms)


# ------------------------------------------------------------------ adj
def _adj_value(env: Env, n: Expr, a: list[Any]) -> Any:
    np = env.np
    x = a[0]
    if not _conditioned(np, x):
        return _nan(np, x.shape)
    return np.linalg.det(x) * np.linalg.inv(x)


def _adj_apply(x: Expr) -> Expr:
    if x.is_scalar:  # the adjugate of a 1×1 matrix is 1
        return E.ONE
    if x.op == "T":
        return E.T(fn("adj", x.args[0]))
    if x.op == "eye":
        return x
    return E.call("adj", (x,), x.shape)


def _adj_differential(n: Expr, d: Diffs) -> Expr:
    x, dx = n.args[0], _only(d)
    xi = E.inv(x)
    return E.sub(E.mul(fn("tr", E.mul(xi, dx)), n), E.mul(n, dx, xi))


_LAMBDA = "(lambda a: {m}.det(a) * {m}.inv(a))({{0}})"

register(
    Op("chol", 1, _chol_value, check=_square, apply=_chol_apply, differential=_chol_differential,
       symmetric_argument=True,
       rule=said("Cholesky factor", "d chol(X) = L tril_half(L^-1 dX L^-T), L = chol(X)"),
       note="the derivative of chol is taken where its argument is positive definite",
       spelling=Spelling(numpy="scipy.linalg.cholesky({0}, lower=True)", torch="torch.linalg.cholesky({0})",
                         jax="jnp.linalg.cholesky({0})")),
    Op("tril_half", 1, _tril_half_value, check=_square, apply=_tril_half_apply,
       differential=lambda n, d: fn("tril_half", _only(d)),
       gradient=lambda n, s, lin: [(n.args[0], fn("tril_half", s))], jacobian=_tril_half_jacobian,
       rule=said("tril_half (the lower triangle, half the diagonal) is linear and its own adjoint"),
       spelling=Spelling(numpy="(lambda m: np.tril(m) - np.diag(np.diag(m)) / 2)({0})",
                         torch="(lambda m: torch.tril(m) - torch.diag_embed(torch.diagonal(m)) / 2)({0})",
                         jax="(lambda m: jnp.tril(m) - jnp.diag(jnp.diag(m)) / 2)({0})")),
    Op("pinv", 1, _pinv_value, check=_transposed, apply=_pinv_apply, differential=_pinv_differential,
       rule=said("pseudo-inverse (Golub–Pereyra)",
                 "d X+ = -X+ dX X+ + X+ X+^T dX^T (I - X X+) + (I - X+ X) dX^T X+^T X+"),
       note="the derivative of pinv is taken where its argument has full rank",
       spelling=Spelling(numpy="np.linalg.pinv({0})", torch="torch.linalg.pinv({0})", jax="jnp.linalg.pinv({0})")),
    Op("adj", 1, _adj_value, check=_square, apply=_adj_apply, differential=_adj_differential,
       rule=said("adjugate", "d adj(X) = adj(X) tr(X^-1 dX) - adj(X) dX X^-1 (adj(X) = det(X) X^-1)"),
       note="the derivative of adj is written for an invertible argument",
       spelling=Spelling(numpy=_LAMBDA.format(m="np.linalg"), torch=_LAMBDA.format(m="torch.linalg"),
                         jax=_LAMBDA.format(m="jnp.linalg"))),
)
