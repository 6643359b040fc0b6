"""Functions that sum over entries: sum, mean, norm, and softmax and logsumexp, which act on a
vector, or on each row of a matrix (as attention layers use them)."""

from __future__ import annotations

import math
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import SCALAR, Expr, is_vector
from matcalc_cli.ops.along import along, along_shape, axis, order, p_norm
from matcalc_cli.ops.base import Bounds, Curvature, Diffs, Env, Linear, Monotone, Op, Spelling, fn, register, said


def _only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


def _to_scalar(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if dims:  # sum(X, k), mean(X, k)
        r, c = ctx.resolve(s[0])
        return along_shape(node.text, r, c, dims[0])
    return SCALAR


def _reduce(name: str) -> Any:
    """sum and mean of a scalar are the scalar; along a dimension, a product with ones."""
    def apply(a: Expr, k: int | None = None) -> Expr:
        if k is not None:
            return along(name, a, k)
        return a if a.is_scalar else E.call(name, (a,), SCALAR)
    return apply


def _norm_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if dims and dims[0] != 2 and not ctx.is_scalar(s[0]):
        r, c = ctx.resolve(s[0])
        if r != 1 and c != 1:
            raise ctx.fail(f"norm(X, p) of a matrix takes p = 2 (the spectral norm); norm(X) is the Frobenius norm "
                           f"and nuclear(X) the nuclear norm, got p = {dims[0]}", node, "function")
    return SCALAR


def _norm_apply(a: Expr, p: Any = None) -> Expr:
    if a.is_scalar:
        return fn("abs", a)
    if p is None or (p == 2 and 1 in a.shape):
        return E.call("norm", (a,), SCALAR)
    if 1 in a.shape:
        return p_norm(a if a.shape[1] == 1 else E.T(a), p)
    return fn("normspec", a)


def count(e: Expr) -> Expr:
    """The number of entries of e, as a number or as size(n)."""
    return E.size(E.dim_product(*e.shape))


def _mean_gradient(node: Expr, s: Expr, lin: Linear) -> list[tuple[Expr, Expr]]:
    a = node.args[0]
    return [(a, E.mul(s, E.ones(a.shape), E.power(count(a), -1)))]


def _norm_rule(node: Expr, d: Diffs) -> Expr:
    x, dx = node.args[0], _only(d)
    inner = E.mul(E.T(x), dx) if x.shape[1] == 1 else fn("tr", E.mul(E.T(x), dx))
    return E.mul(inner, E.power(node, -1))


def _rows(node: Expr) -> bool:
    """Does softmax or logsumexp act on the rows of a matrix (not on one column vector)?"""
    return not is_vector(node.args[0].shape)


def _softmax_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if ctx.is_scalar(s[0]):
        raise ctx.fail(f"{node.text} needs a vector or a matrix (it acts on each row), got a scalar", node,
                       "function")
    r, c = ctx.resolve(s[0])
    if dims:
        return along_shape(node.text, r, c, dims[0])
    if node.text == "softmax":
        return s[0]
    return SCALAR if c == 1 else (r, 1)


def _softmax_rule(node: Expr, d: Diffs) -> Expr:
    s, dz = node, _only(d)
    if not _rows(node):
        return E.mul(E.sub(fn("diag", s), E.mul(s, E.T(s))), dz)  # (diag(s) - s s^T) dz
    n = node.shape[1]
    row_sums = E.mul(E.had(s, dz), E.ones((n, 1)), E.T(E.ones((n, 1))))
    return E.had(s, E.sub(dz, row_sums))  # S .* (dZ - (S .* dZ) 1 1^T), row by row


def _logsumexp_rule(node: Expr, d: Diffs) -> Expr:
    z, dz = node.args[0], _only(d)
    if not _rows(node):
        return E.mul(E.T(fn("softmax", z)), dz)
    return E.mul(E.had(fn("softmax", z), dz), E.ones((z.shape[1], 1)))


def _softmax_value(env: Env, node: Expr, a: list[Any]) -> Any:
    np, x = env.np, a[0]
    axis = 0 if not _rows(node) else 1
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp_value(env: Env, node: Expr, a: list[Any]) -> Any:
    np, x = env.np, a[0]
    axis = 0 if not _rows(node) else 1
    top = np.max(x, axis=axis, keepdims=True)
    out = top + np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True))
    return out.reshape(-1, 1)


def _softmax_apply(name: str) -> Any:
    def apply(z: Expr, k: int | None = None) -> Expr:
        if k is not None:
            return along(name, z, k)
        if is_vector(z.shape):
            shape = z.shape if name == "softmax" else SCALAR
        else:
            shape = z.shape if name == "softmax" else (z.shape[0], 1)
        return E.call(name, (z,), shape)
    return apply


register(
    Op("sum", 1, lambda env, n, a: env.np.full((1, 1), env.np.sum(a[0])), check=_to_scalar, apply=_reduce("sum"),
       option=axis,
       differential=lambda n, d: fn("sum", _only(d)),
       gradient=lambda n, s, lin: [(n.args[0], E.mul(s, E.ones(n.args[0].shape)))],
       jacobian=lambda n, jac, lin: E.mul(E.T(E.ones((E.dim_product(*n.args[0].shape), 1))), jac(n.args[0])),
       rule=said("sum", "d sum(U) = sum(dU)"), smooth=True, nonnegative_map=True),
    Op("mean", 1, lambda env, n, a: env.np.full((1, 1), env.np.mean(a[0])), check=_to_scalar,
       apply=_reduce("mean"), option=axis,
       differential=lambda n, d: fn("mean", _only(d)), gradient=_mean_gradient,
       jacobian=lambda n, jac, lin: E.mul(E.power(count(n.args[0]), -1),
                                          E.T(E.ones((E.dim_product(*n.args[0].shape), 1))), jac(n.args[0])),
       rule=said("mean", "d mean(U) = mean(dU)"), smooth=True, nonnegative_map=True),
    Op("norm", 1, lambda env, n, a: env.np.full((1, 1), env.np.linalg.norm(a[0])), check=_norm_check,
       apply=_norm_apply, differential=_norm_rule, option=order,
       rule=said("norm", "d norm(X) = tr(X^T dX) / norm(X)"), identity=True, bounds=Bounds(0.0, math.inf, False, True),
       spelling=Spelling(latex=r"\left\lVert {0} \right\rVert", numpy="np.linalg.norm({0})",
                         torch="torch.linalg.norm({0})", jax="jnp.linalg.norm({0})"),
       curvature=Curvature(True, Monotone.ON_SIGN, "norm convex, nondecreasing on u >= 0", "B&V §3.1.5")),
    Op("softmax", 1, _softmax_value, check=_softmax_check, apply=_softmax_apply("softmax"), option=axis,
       differential=_softmax_rule, rule=said("softmax", "d s = (diag(s) - s s^T) dz")
       + said("by rows", "S .* (dZ - (S .* dZ) 1 1^T)"),
       letter="s", identity=True, smooth=True, names_argument=True, bounds=Bounds(0.0, 1.0, True, True)),
    Op("logsumexp", 1, _logsumexp_value, check=_softmax_check, apply=_softmax_apply("logsumexp"), option=axis,
       differential=_logsumexp_rule, rule=said("logsumexp", "d logsumexp(z) = softmax(z)^T dz")
       + said("by rows", "(S .* dZ) 1"),
       identity=True, smooth=True, names_argument=True,
       curvature=Curvature(True, Monotone.INCREASING, "logsumexp convex increasing", "B&V §3.1.5")),
)
