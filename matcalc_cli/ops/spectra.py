"""Spectra: the eigenvalues of a symmetric matrix (eigvals, ascending as numpy.linalg.eigh gives
them; eigmax, eigmin) and the singular values of any matrix (svdvals, descending), with the
primitives their derivatives are written in:

  eigvecs(X)      the orthogonal U of X = U diag(eigvals(X)) U^T, columns in eigvals' order:
                  d eigvals(X) = diag(U^T dX U)
  eigvec_max(X), eigvec_min(X)
                  the unit eigenvector u of the largest (smallest) eigenvalue: d eigmax(X) = u^T dX u,
                  so that the gradient is u u^T
  svd_u(X), svd_v(X)
                  U and V of the thin SVD X = U diag(svdvals(X)) V^T: d svdvals(X) = diag(U^T dX V)

An eigenvector is defined up to its sign, and each formula here is one in which the sign
cancels. The eigen-evaluators read the symmetric part (X + X^T) / 2 of their argument, which
is X itself at every point drawn; finite differences along one entry then see the function
of a symmetric matrix whose derivative the rules give. Each primitive evaluates to NaN where
the derivative does not exist (a repeated eigenvalue or singular value, a zero singular
value), so that check and --verify draw points where it does; the values themselves are
defined everywhere.
"""

from __future__ import annotations

from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Dim, Expr, Shape
from matcalc_cli.ops.base import Curvature, Diffs, Env, Monotone, Op, Spelling, fn, register, said

_GAP = 1e-3  # relative to the largest |value|: closer eigenvalues are a point to draw again
_EIGENVECTOR = "the derivative of an eigenvector is not supported (a second derivative of eigvals, eigmax or eigmin)"
_SINGULAR = "the derivative of a singular vector is not supported (a second derivative of svdvals)"


def _only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


# ------------------------------------------------------------------ shapes
def _square(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if not ctx.is_scalar(s[0]):
        ctx.square(s[0], node, node.text)
    return ctx.resolve(s[0])


def thin(shape: Shape) -> Dim | None:
    """min(rows, columns), where it is known: the number of singular values."""
    r, c = shape
    if r == c:
        return r
    if isinstance(r, int) and isinstance(c, int):
        return min(r, c)
    if 1 in (r, c):
        return 1
    return None


def _scalar(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Shape:
    _square(ctx, node, s, dims)
    return SCALAR


def _thin_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Dim:
    k = thin(ctx.resolve(s[0]))
    if k is None:
        arg = node.args[0]
        name = arg.text if arg.kind == "name" else "X"
        raise ctx.fail(f"{node.text} has as many entries as the smaller dimension of its {ctx.show(s[0])} argument, "
                       f"and which dimension is smaller is not known: give sizes (--shape {name}=4,3) "
                       f"or a square shape (--shape {name}=n,n)", node, "shape")
    return k


def _k(a: Expr) -> Dim:
    k = thin(a.shape)
    if k is None:
        raise MatcalcError("shape", f"the number of singular values of a {a.shape[0]}×{a.shape[1]} matrix is not known")
    return k


# ------------------------------------------------------------------ evaluation
def _finite(np: Any, x: Any) -> bool:
    return bool(np.all(np.isfinite(x)))


def _eigh(np: Any, x: Any) -> tuple[Any, Any]:
    if not _finite(np, x):
        n = x.shape[0]
        return np.full(n, np.nan), np.full((n, n), np.nan)
    return np.linalg.eigh((x + x.T) / 2)  # type: ignore[no-any-return]


def _apart(np: Any, w: Any, pairs: Any) -> bool:
    """The values w at each pair of positions are apart, relative to the largest |w|."""
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    return _finite(np, w) and all(abs(w[i] - w[j]) > _GAP * scale for i, j in pairs) and scale > 0


def _eigvecs(env: Env, n: Expr, a: list[Any]) -> Any:
    np = env.np
    w, u = _eigh(np, a[0])
    return u if _apart(np, w, [(i, i + 1) for i in range(len(w) - 1)]) else np.full(u.shape, np.nan)


def _eigvec(end: int) -> Any:
    """The eigenvector of the smallest (end 0) or largest (end -1) eigenvalue, where it is simple."""
    def value(env: Env, n: Expr, a: list[Any]) -> Any:
        np = env.np
        w, u = _eigh(np, a[0])
        col = u[:, [end]]
        simple = len(w) < 2 or _apart(np, w, [(end, 1 if end == 0 else -2)])
        return col if simple else np.full(col.shape, np.nan)
    return value


def _eigvalue(pick: Any) -> Any:
    def value(env: Env, n: Expr, a: list[Any]) -> Any:
        np = env.np
        if not _finite(np, a[0]):
            return np.full(n.shape if n.shape == SCALAR else (a[0].shape[0], 1), np.nan)
        return pick(np, np.linalg.eigvalsh((a[0] + a[0].T) / 2))
    return value


def _svd(np: Any, x: Any) -> tuple[Any, Any, Any]:
    k = min(x.shape)
    if not _finite(np, x):
        return np.full((x.shape[0], k), np.nan), np.full(k, np.nan), np.full((k, x.shape[1]), np.nan)
    return np.linalg.svd(x, full_matrices=False)  # type: ignore[no-any-return]


def _svd_factor(which: int) -> Any:
    """U (which 0) or V (which 2) of the thin SVD, where the singular values are distinct and nonzero."""
    def value(env: Env, n: Expr, a: list[Any]) -> Any:
        np = env.np
        u, s, vt = _svd(np, a[0])
        out = u if which == 0 else vt.T
        pairs = [(i, i + 1) for i in range(len(s) - 1)]
        nonzero = _finite(np, s) and s.size > 0 and float(s[-1]) > _GAP * float(s[0])
        return out if nonzero and _apart(np, s, pairs) else np.full(out.shape, np.nan)
    return value


def _svdvals(env: Env, n: Expr, a: list[Any]) -> Any:
    np = env.np
    return _svd(np, a[0])[1].reshape(-1, 1)


# ------------------------------------------------------------------ builders
def _eig_apply(name: str, shape: Any, scalar: Any) -> Any:
    def apply(x: Expr) -> Expr:
        if x.is_scalar:
            return scalar(x)
        return E.call(name, (x,), shape(x))
    return apply


def _column(x: Expr) -> Shape:
    return (x.shape[0], 1)


def _eigvals_differential(n: Expr, d: Diffs) -> Expr:
    u = fn("eigvecs", n.args[0])
    return fn("diag", E.mul(E.T(u), _only(d), u))


def _extreme_differential(vector: str) -> Any:
    def rule(n: Expr, d: Diffs) -> Expr:
        u = fn(vector, n.args[0])
        return E.mul(E.T(u), _only(d), u)
    return rule


def _svdvals_differential(n: Expr, d: Diffs) -> Expr:
    x = n.args[0]
    return fn("diag", E.mul(E.T(fn("svd_u", x)), _only(d), fn("svd_v", x)))




_TORCH_SVD = "torch.linalg.svd({0}, full_matrices=False)"
_NP_SVD = "np.linalg.svd({0}, full_matrices=False)"
_JAX_SVD = "jnp.linalg.svd({0}, full_matrices=False)"

register(
    Op("eigvals", 1, _eigvalue(lambda np, w: w.reshape(-1, 1)), check=lambda c, n, s, d: _square(c, n, s, d)[:1] + (1,),
       apply=_eig_apply("eigvals", _column, lambda x: x), differential=_eigvals_differential,
       rule=said("eigenvalues", "d eigvals(X) = diag(U^T dX U) (U = eigvecs(X), X symmetric)"),
       note="the derivative of eigvals(X) is taken where the eigenvalues of X are distinct", symmetric_argument=True,
       spelling=Spelling(numpy="np.linalg.eigvalsh({0})[:, None]", torch="torch.linalg.eigvalsh({0})[:, None]",
                         jax="jnp.linalg.eigvalsh({0})[:, None]")),
    Op("eigmax", 1, _eigvalue(lambda np, w: w[-1:].reshape(1, 1)), check=_scalar,
       apply=_eig_apply("eigmax", lambda x: SCALAR, lambda x: x), differential=_extreme_differential("eigvec_max"),
       rule=said("largest eigenvalue", "d eigmax(X) = u^T dX u (u = eigvec_max(X), X symmetric)"),
       note="the derivative of eigmax(X) is taken where the largest eigenvalue of X is simple",
       symmetric_argument=True,
       spelling=Spelling(numpy="np.linalg.eigvalsh({0})[-1]", torch="torch.linalg.eigvalsh({0})[-1]",
                         jax="jnp.linalg.eigvalsh({0})[-1]"),
       curvature=Curvature(True, Monotone.NEITHER, "eigmax(Y) convex: the largest of u^T Y u over unit u",
                           "B&V §3.2.3 ex. 3.10")),
    Op("eigmin", 1, _eigvalue(lambda np, w: w[:1].reshape(1, 1)), check=_scalar,
       apply=_eig_apply("eigmin", lambda x: SCALAR, lambda x: x), differential=_extreme_differential("eigvec_min"),
       rule=said("smallest eigenvalue", "d eigmin(X) = u^T dX u (u = eigvec_min(X), X symmetric)"),
       note="the derivative of eigmin(X) is taken where the smallest eigenvalue of X is simple",
       symmetric_argument=True,
       spelling=Spelling(numpy="np.linalg.eigvalsh({0})[0]", torch="torch.linalg.eigvalsh({0})[0]",
                         jax="jnp.linalg.eigvalsh({0})[0]"),
       curvature=Curvature(False, Monotone.NEITHER, "eigmin(Y) concave: the smallest of u^T Y u over unit u",
                           "B&V §3.2.3")),
    Op("svdvals", 1, _svdvals, check=lambda c, n, s, d: (_thin_check(c, n, s, d), 1),
       apply=_eig_apply("svdvals", lambda x: (_k(x), 1), lambda x: fn("abs", x)), differential=_svdvals_differential,
       rule=said("singular values", "d svdvals(X) = diag(U^T dX V) (X = U diag(svdvals(X)) V^T, the thin SVD)"),
       note="the derivative of svdvals(X) is taken where the singular values of X are distinct and nonzero",
       spelling=Spelling(numpy="np.linalg.svd({0}, compute_uv=False)[:, None]",
                         torch="torch.linalg.svdvals({0})[:, None]",
                         jax="jnp.linalg.svd({0}, compute_uv=False)[:, None]")),
    Op("eigvecs", 1, _eigvecs, check=_square, apply=_eig_apply("eigvecs", lambda x: x.shape, lambda x: E.ONE),
       no_derivative=_EIGENVECTOR, symmetric_argument=True, always_named=True,
       rule=said("the orthogonal eigenvectors U of a symmetric X = U diag(eigvals(X)) U^T"),
       spelling=Spelling(numpy="np.linalg.eigh({0})[1]", torch="torch.linalg.eigh({0})[1]",
                         jax="jnp.linalg.eigh({0})[1]")),
    Op("eigvec_max", 1, _eigvec(-1), check=lambda c, n, s, d: _square(c, n, s, d)[:1] + (1,),
       apply=_eig_apply("eigvec_max", _column, lambda x: E.ONE), no_derivative=_EIGENVECTOR,
       symmetric_argument=True, always_named=True,
       rule=said("the unit eigenvector of the largest eigenvalue of a symmetric X"),
       spelling=Spelling(numpy="np.linalg.eigh({0})[1][:, -1:]",
                         torch="torch.linalg.eigh({0})[1][:, -1:]",
                         jax="jnp.linalg.eigh({0})[1][:, -1:]")),
    Op("eigvec_min", 1, _eigvec(0), check=lambda c, n, s, d: _square(c, n, s, d)[:1] + (1,),
       apply=_eig_apply("eigvec_min", _column, lambda x: E.ONE), no_derivative=_EIGENVECTOR,
       symmetric_argument=True, always_named=True,
       rule=said("the unit eigenvector of the smallest eigenvalue of a symmetric X"),
       spelling=Spelling(numpy="np.linalg.eigh({0})[1][:, :1]",
                         torch="torch.linalg.eigh({0})[1][:, :1]",
                         jax="jnp.linalg.eigh({0})[1][:, :1]")),
    Op("svd_u", 1, _svd_factor(0), check=lambda c, n, s, d: (c.resolve(s[0])[0], _thin_check(c, n, s, d)),
       apply=_eig_apply("svd_u", lambda x: (x.shape[0], _k(x)), lambda x: E.ONE), no_derivative=_SINGULAR,
       always_named=True, rule=said("U of the thin SVD X = U diag(svdvals(X)) V^T"),
       spelling=Spelling(numpy=_NP_SVD + "[0]", torch=_TORCH_SVD + "[0]", jax=_JAX_SVD + "[0]")),
    Op("svd_v", 1, _svd_factor(2), check=lambda c, n, s, d: (c.resolve(s[0])[1], _thin_check(c, n, s, d)),
       apply=_eig_apply("svd_v", lambda x: (x.shape[1], _k(x)), lambda x: fn("sign", x)), no_derivative=_SINGULAR,
       always_named=True, rule=said("V of the thin SVD X = U diag(svdvals(X)) V^T"),
       spelling=Spelling(numpy=_NP_SVD + "[2].T",
                         torch=_TORCH_SVD + "[2].T", jax=_JAX_SVD + "[2].T")),
)
