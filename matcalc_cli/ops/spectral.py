"""Norms read off the singular values: the spectral norm norm(X, 2) and the nuclear norm, with
the primitives their derivatives are written in (the top singular vectors, the polar factor
U V^T of the thin SVD). Each primitive evaluates to NaN where the derivative does not exist
(a repeated top singular value, a rank-deficient argument), so that check and --verify
draw points where it does.
"""

from __future__ import annotations

from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import SCALAR, Expr
from matcalc_cli.ops.base import Diffs, Env, Op, Spelling, fn, register, said

_GAP = 1e-3  # relative: closer singular values (or a smaller one) are a point to draw again


def _only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


def _matrix(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if ctx.is_scalar(s[0]):
        raise ctx.fail(f"{node.text} needs a matrix, got a scalar", node, "function")
    return s[0]


def _svd(env: Env, x: Any) -> tuple[Any, Any, Any]:
    np = env.np
    if not np.all(np.isfinite(x)):
        return np.full((x.shape[0], 1), np.nan), np.full(1, np.nan), np.full((1, x.shape[1]), np.nan)
    return np.linalg.svd(x, full_matrices=False)  # type: ignore[no-any-return]


def _simple_top(env: Env, x: Any) -> bool:
    s = _svd(env, x)[1]
    return bool(env.np.all(env.np.isfinite(s))) and (len(s) < 2 or s[0] - s[1] > _GAP * max(s[0], 1.0))


def _left(env: Env, n: Expr, a: list[Any]) -> Any:
    u, s, vt = _svd(env, a[0])
    return u[:, :1] if _simple_top(env, a[0]) else env.np.full((a[0].shape[0], 1), env.np.nan)


def _right(env: Env, n: Expr, a: list[Any]) -> Any:
    u, s, vt = _svd(env, a[0])
    return vt[:1].T if _simple_top(env, a[0]) else env.np.full((a[0].shape[1], 1), env.np.nan)


def _polar(env: Env, n: Expr, a: list[Any]) -> Any:
    u, s, vt = _svd(env, a[0])
    if not env.np.all(env.np.isfinite(s)) or s[-1] < _GAP * max(s[0], 1.0):
        return env.np.full(a[0].shape, env.np.nan)
    return u @ vt


def _inner(g: Expr, dx: Expr) -> Expr:
    from matcalc_cli.ops.linear import inner  # linear registers its records first

    return inner(g, dx)


_SINGULAR_VECTOR = "the derivative of a singular vector is not supported (a second derivative of norm(X, 2))"
_POLAR = "the derivative of the polar factor is not supported (a second derivative of nuclear(X))"

register(
    Op("normspec", 1, lambda env, n, a: env.np.full((1, 1), env.np.linalg.norm(a[0], 2)),
       apply=lambda a: E.call("normspec", (a,), SCALAR),
       differential=lambda n, d: E.mul(E.T(fn("svec_left", n.args[0])), _only(d), fn("svec_right", n.args[0])),
       rule=said("spectral norm", "d norm(X, 2) = u1^T dX v1 (u1, v1 the top singular vectors)"), weight=3,
       note="the derivative of norm(X, 2) is taken where the largest singular value is simple"),
    Op("nuclear", 1, lambda env, n, a: env.np.full((1, 1), env.np.linalg.norm(a[0], "nuc")), check=lambda c, n, s, d:
       _matrix(c, n, s, d) and SCALAR, apply=lambda a: fn("abs", a) if a.is_scalar else E.call("nuclear", (a,), SCALAR),
       differential=lambda n, d: _inner(fn("polar", n.args[0]), _only(d)),
       rule=said("nuclear norm", "d nuclear(X) = tr(V U^T dX) (X = U S V^T, the thin SVD)"),
       note="the derivative of nuclear(X) is taken where X has full rank",
       spelling=Spelling(latex=r"\left\lVert {0} \right\rVert_*", numpy="np.linalg.norm({0}, 'nuc')",
                         torch="torch.linalg.matrix_norm({0}, 'nuc')", jax="jnp.linalg.norm({0}, 'nuc')")),
    Op("svec_left", 1, _left, check=lambda c, n, s, d: (_matrix(c, n, s, d)[0], 1),
       apply=lambda a: E.call("svec_left", (a,), (a.shape[0], 1)), no_derivative=_SINGULAR_VECTOR,
       rule=said("the unit left singular vector of the largest singular value"),
       spelling=Spelling(latex=r"\mathbf{{u}}_1\left({0}\right)", numpy="np.linalg.svd({0})[0][:, :1]",
                         torch="torch.linalg.svd({0})[0][:, :1]", jax="jnp.linalg.svd({0})[0][:, :1]")),
    Op("svec_right", 1, _right, check=lambda c, n, s, d: (_matrix(c, n, s, d)[1], 1),
       apply=lambda a: E.call("svec_right", (a,), (a.shape[1], 1)), no_derivative=_SINGULAR_VECTOR,
       rule=said("the unit right singular vector of the largest singular value"),
       spelling=Spelling(latex=r"\mathbf{{v}}_1\left({0}\right)", numpy="np.linalg.svd({0})[2][:1].T",
                         torch="torch.linalg.svd({0})[2][:1].T", jax="jnp.linalg.svd({0})[2][:1].T")),
    Op("polar", 1, _polar, check=_matrix, apply=lambda a: E.ONE if a.is_scalar else E.call("polar", (a,), a.shape),
       no_derivative=_POLAR, rule=said("the polar factor U V^T of the thin SVD X = U S V^T"),
       spelling=Spelling(numpy="(lambda u, s, vt: u @ vt)(*np.linalg.svd({0}, full_matrices=False))",
                         torch="(lambda u, s, vh: u @ vh)(*torch.linalg.svd({0}, full_matrices=False))",
                         jax="(lambda u, s, vt: u @ vt)(*jnp.linalg.svd({0}, full_matrices=False))")),
)
