"""Reductions along one dimension (sum(X, 1), softmax(X, 1), ...), numbered as MATLAB numbers
them (1: down the columns, a 1×n row; 2: along the rows, an m×1 column), the largest and
smallest entry (max, min, and ismax, ismin: the indicator of where it is), and the p-norms of
a vector. Each is written with what the language has: sum(X, 1) is ones(m)^T X, softmax(X, 1)
is softmax(X^T)^T, norm(x, 1) is sum(abs(x)), norm(x, inf) is max(abs(x)).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Expr
from matcalc_cli.ops.base import Diffs, Op, Spelling, fn, register, said


# ------------------------------------------------------------------ the optional argument
def axis(a: Any) -> int:
    """The dimension a reduction acts along: 1 or 2, as written (a syntax node)."""
    if a.kind == "num" and a.value in (1, 2):
        return int(a.value)
    raise MatcalcError("function", "the dimension to reduce along is 1 (down the columns, giving a row) or 2 "
                       "(along the rows, giving a column)", a.span)


INF = "inf"


def order(a: Any) -> Fraction | str:
    """The p of norm(x, p): a number p >= 1, or inf."""
    if a.kind == "name" and a.text in ("inf", "Inf"):
        return INF
    if a.kind == "num" and a.value is not None and a.value >= 1:
        return Fraction(a.value)
    raise MatcalcError("function", "norm(x, p) takes p = 1, 2, inf or a number p >= 1 (below 1 it is no norm)",
                       a.span)


def along_shape(name: str, r: Any, c: Any, k: int) -> tuple[Any, Any]:
    """The shape of name(X, k) for an r×c X."""
    if name == "softmax":
        return (r, c)
    return (1, c) if k == 1 else (r, 1)


def along(name: str, z: Expr, k: int) -> Expr:
    """name(z, k) in the language's terms."""
    r, c = z.shape
    if name in ("sum", "mean"):
        out = E.mul(E.T(E.ones((r, 1))), z) if k == 1 else E.mul(z, E.ones((c, 1)))
        return out if name == "sum" else E.mul(out, E.power(E.size(r if k == 1 else c), -1))
    # softmax and logsumexp of the language act on a column vector, or on each row of a matrix
    across, other = (r, c) if k == 1 else (c, r)
    if across == 1:  # one entry to each reduction
        return E.ones(z.shape) if name == "softmax" else z
    if other == 1:  # a vector, along its length
        col = z if k == 1 else E.T(z)
        out = fn(name, col)
        return out if k == 1 or name == "logsumexp" else E.T(out)
    return fn(name, z) if k == 2 else E.T(fn(name, E.T(z)))


def p_norm(x: Expr, p: Fraction | str) -> Expr:
    """norm(x, p) of a vector: 2 is norm(x), 1 sum(abs(x)), inf max(abs(x)), else (sum |x|^p)^(1/p)."""
    if p == 2:
        return fn("norm", x)
    if p == 1:
        return fn("sum", fn("abs", x))
    if p == INF:
        return fn("max", fn("abs", x))
    assert isinstance(p, Fraction)
    return E.power(fn("sum", E.epow(fn("abs", x), p)), 1 / p)


# ------------------------------------------------------------------ max, min
_TIE = 1e-3  # closer than this, the largest entry is not unique enough to differentiate at


def _indicator(np: Any, a: Any, largest: bool) -> Any:
    """One at the largest (smallest) entry, zero elsewhere; NaN where two are within _TIE of
    each other, where max is not differentiable (check and --verify draw elsewhere)."""
    flat = a.reshape(-1, order="F")
    if not np.all(np.isfinite(flat)):
        return np.full(a.shape, np.nan)
    if flat.size > 1:
        top = np.sort(flat if largest else -flat)[::-1]
        if top[0] - top[1] < _TIE:
            return np.full(a.shape, np.nan)
    out = np.zeros(flat.size)
    out[np.argmax(flat) if largest else np.argmin(flat)] = 1.0
    return out.reshape(a.shape, order="F")


def _extreme_rule(node: Expr, d: Diffs) -> Expr:
    from matcalc_cli.ops.linear import inner  # linear registers its records first

    du = d[0]
    assert du is not None
    return inner(fn("is" + node.op, node.args[0]), du)


def _extreme(name: str, largest: bool) -> list[Op]:
    which = "largest" if largest else "smallest"
    pick = "max" if largest else "min"
    return [
        Op(name, 1, lambda env, n, a: env.np.full((1, 1), getattr(env.np, pick)(a[0])),
           check=lambda ctx, node, s, dims: SCALAR,
           apply=lambda a: a if a.is_scalar else E.call(name, (a,), SCALAR), differential=_extreme_rule,
           rule=said(name, f"d {name}(U) = <is{name}(U), dU>, the differential of the {which} entry"),
           note=f"the derivative of {name} is taken where the {which} entry is unique",
           spelling=Spelling(torch=f"torch.{pick}({{0}})", jax=f"jnp.{pick}({{0}})")),
        Op("is" + name, 1, lambda env, n, a: _indicator(env.np, a[0], largest), check=lambda ctx, node, s, dims: s[0],
           apply=lambda a: E.ONE if a.is_scalar else E.call("is" + name, (a,), a.shape),
           differential=lambda n, d: E.zeros(n.shape),
           rule=said(f"d is{name}(U) = 0 where the {which} entry is unique"),
           spelling=Spelling(numpy=f"(lambda u: 1.0 * (u == np.{pick}(u)))({{0}})",
                             torch=f"(lambda u: (u == torch.{pick}(u)).to(u.dtype))({{0}})",
                             jax=f"(lambda u: 1.0 * (u == jnp.{pick}(u)))({{0}})")),
    ]


register(*_extreme("max", True), *_extreme("min", False))


