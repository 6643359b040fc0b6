"""The triangles of a matrix, tril(X) and triu(X) (the diagonal included): the gradient
within lower (upper) triangular matrices is the lower (upper) triangle of the gradient."""

from __future__ import annotations

from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops.base import Diffs, Env, Op, fn, register, said


def _only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


def _same_shape(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    return s[0]


def _triangle(name: str) -> Any:
    """The triangle of a scalar is the scalar; of a triangle, the same triangle."""
    def make(a: Expr) -> Expr:
        if a.is_scalar or a.op in ("eye", "zeros") or a.op == name:
            return a
        return E.call(name, (a,), a.shape)
    return make


def _mask(name: str, node: Expr) -> Expr:
    """diag(vec(the triangle of ones)): vec(tril(X)) = M vec(X)."""
    return fn("diag", E.vec(fn(name, E.ones(node.shape))))


def _triangular(name: str, evaluate: Any, which: str) -> Op:
    return Op(name, 1, lambda env, n, a: evaluate(env, a[0]), check=_same_shape, apply=_triangle(name),
              differential=lambda n, d: fn(name, _only(d)),
              gradient=lambda n, s, lin: [(n.args[0], fn(name, s))],  # <S, tril(dX)> = <tril(S), dX>
              jacobian=lambda n, jac, lin: E.mul(_mask(name, n), jac(n.args[0])),
              rule=said(f"{which} triangle", f"d {name}(X) = {name}(dX)"))


def _tril(env: Env, a: Any) -> Any:
    return env.np.tril(a)


def _triu(env: Env, a: Any) -> Any:
    return env.np.triu(a)


TRIANGLES = [_triangular("tril", _tril, "lower"), _triangular("triu", _triu, "upper")]
register(*TRIANGLES)
