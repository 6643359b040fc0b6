"""Matrix functions: expm, logm and sqrtm (principal branches, scipy.linalg), and the named
primitives their derivatives are written in, so that a derivative parses back, evaluates and
exports like any other result:

  expm_frechet(X, E)   the Fréchet derivative of expm at X in the direction E: d expm(X) =
                       expm_frechet(X, dX); its adjoint is expm_frechet(X^T, G), so that a
                       gradient is n×n, never an n²×n² Kronecker form
  logm_frechet(X, E)   the same for logm (the top-right block of logm([[X, E], [0, X]]))
  sylvester(A, B, C)   the Y with A Y + Y B = C: d sqrtm(X) = sylvester(R, R, dX), R = sqrtm(X)
  expm_kron(X), logm_kron(X)
                       the n²×n² matrices K with vec(f_frechet(X, E)) = K vec(E), for the vec
                       (Kronecker) cells of the table only

A direction that commutes with X comes out: expm_frechet(X, E) = E expm(X) (so the derivative
of a^T expm(t A) b by t is a^T A expm(t A) b), logm_frechet(X, E) = E X^-1, and
sylvester(R, R, I) = R^-1 / 2.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.ops.base import Diffs, Env, Linear, Op, Spelling, fn, register, said

_SECOND = "second derivatives through expm, logm and sqrtm are not supported"


def _square(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if not ctx.is_scalar(s[0]):
        ctx.square(s[0], node, node.text)
    return s[0]


def _same_square(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    for shape in s:
        if not ctx.is_scalar(shape):
            ctx.square(shape, node, node.text)
    if not all(ctx.same(s[0], t) for t in s[1:]):
        raise ctx.fail(f"{node.text} needs square matrices of one size, got "
                       + ", ".join(ctx.show(t) for t in s), node, "function")
    return s[0]


def _kron_shape(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    n = _square(ctx, node, s, dims)[0]
    return (E.dim_product(n, n), E.dim_product(n, n))


def _chain(e: Expr) -> tuple[Expr, ...]:
    """e without its scalar factors: t A -> (A,), 2 I -> (I,)."""
    if e.op == "mul":
        return tuple(f for f in e.args if not f.is_scalar)
    return () if e.is_scalar else (e,)


def _commutes(x: Expr, d: Expr) -> bool:
    """d commutes with x, as written: a multiple of the identity, or both multiples of one matrix."""
    cd = _chain(d)
    return (len(cd) == 1 and cd[0].op == "eye") or (bool(cd) and cd == _chain(x))


# ------------------------------------------------------------------ evaluation
def _finite(np: Any, *xs: Any) -> bool:
    return all(bool(np.all(np.isfinite(x))) for x in xs)


def _principal(np: Any, x: Any) -> bool:
    """No eigenvalue on the closed negative real axis (nor near 0): logm and sqrtm are smooth."""
    if not _finite(np, x):
        return False
    w = np.linalg.eigvals(x)
    return not np.any((np.abs(w.imag) < 1e-9) & (w.real < 1e-3))


def _real(np: Any, y: Any, shape: Any) -> Any:
    return np.real(y) if np.all(np.abs(np.imag(y)) < 1e-9 * max(1.0, float(np.max(np.abs(y))))) \
        else np.full(shape, np.nan)


def _block(np: Any, f: Any, x: Any, e: Any) -> Any:
    """The top-right block of f([[X, E], [0, X]]): the Fréchet derivative of f at X along E."""
    n = x.shape[0]
    return f(np.block([[x, e], [np.zeros_like(x), x]]))[:n, n:]


def _kron_form(np: Any, f: Any, x: Any) -> Any:
    """K with vec(L_f(X, E)) = K vec(E): the top-right block of f([[X^T kron I, I], [0, I kron X]])
    (the two commute, so the block is f's divided difference on their pairs of eigenvalues)."""
    n = x.shape[0]
    i, nn = np.eye(n), n * n
    return f(np.block([[np.kron(x.T, i), np.eye(nn)], [np.zeros((nn, nn)), np.kron(i, x)]]))[:nn, nn:]


def _expm(np: Any, x: Any) -> Any:
    from scipy.linalg import expm

    return expm(x) if _finite(np, x) else np.full(x.shape, np.nan)


def _logm(np: Any, x: Any) -> Any:
    from scipy.linalg import logm

    return _real(np, logm(x), x.shape) if _principal(np, x) else np.full(x.shape, np.nan)


def _sqrtm(np: Any, x: Any) -> Any:
    from scipy.linalg import sqrtm

    return _real(np, sqrtm(x), x.shape) if _principal(np, x) else np.full(x.shape, np.nan)


def _sylvester(env: Env, n: Expr, a: list[Any]) -> Any:
    from scipy.linalg import solve_sylvester

    np = env.np
    if not _finite(np, *a):
        return np.full(a[2].shape, np.nan)
    return solve_sylvester(*a)


def _logm_of_block(np: Any) -> Any:
    return lambda m: _logm(np, m)


# ------------------------------------------------------------------ the rules
def _only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


def _linear_in_last(name: str) -> Any:
    """The differential of a primitive linear in its last argument (the direction)."""
    def rule(node: Expr, d: Diffs) -> Expr:
        if any(di is not None for di in d[:-1]):
            raise MatcalcError("unsupported", _SECOND)
        last = d[-1]
        assert last is not None
        return fn(name, *node.args[:-1], last)
    return rule


def _frechet_apply(name: str, f: str, commuting: Any) -> Any:
    def apply(x: Expr, e: Expr) -> Expr:
        if x.is_scalar:  # d f(t) for a scalar: f'(t) dt
            return E.mul(commuting(x), e)
        if E.is_zero(e):
            return E.zeros(x.shape)
        if _commutes(x, e):
            return E.mul(e, commuting(x))
        return E.call(name, (x, e), x.shape)
    return apply


def _frechet_gradient(name: str) -> Any:
    """<S, L(X, dX)> = <L(X^T, S), dX>: the adjoint of a primary matrix function's derivative."""
    return lambda n, s, lin: [(n.args[1], fn(name, E.T(n.args[0]), s))]


def _frechet_jacobian(kron_name: str) -> Any:
    return lambda n, jac, lin: E.mul(fn(kron_name, n.args[0]), jac(n.args[1]))


def _sylvester_apply(a: Expr, b: Expr, c: Expr) -> Expr:
    if a.is_scalar and b.is_scalar:
        return E.mul(c, E.power(E.add(a, b), -1))
    if E.is_zero(c):
        return E.zeros(c.shape)
    if a is b and _chain(c) and _chain(c)[0].op == "eye" and len(_chain(c)) == 1:  # A Y + Y A = c I
        return E.mul(E.const(Fraction(1, 2)), c, E.inv(a))
    return E.call("sylvester", (a, b, c), c.shape)


def _sylvester_jacobian(n: Expr, jac: Any, lin: Linear) -> Expr:
    # vec(A Y + Y B) = (I kron A + B^T kron I) vec(Y)
    a, b, c = n.args
    k = E.add(E.kron(E.eye(b.shape[0]), a), E.kron(E.T(b), E.eye(a.shape[0])))
    return E.mul(E.inv(k), jac(c))


def _function_apply(name: str, scalar: str) -> Any:
    def apply(x: Expr) -> Expr:
        if x.is_scalar:
            return fn(scalar, x)
        if x.op == "T":  # f(X^T) = f(X)^T
            return E.T(fn(name, x.args[0]))
        return E.call(name, (x,), x.shape)
    return apply


_BRANCH = "is taken where X has no eigenvalue on the closed negative real axis (a positive definite X, for one)"
_BLOCK_TORCH = ("(lambda a, e: {f}(torch.cat([torch.cat([a, e], 1), torch.cat([torch.zeros_like(a), a], 1)], 0))"
                "[:a.shape[0], a.shape[0]:])({{0}}, {{1}})")
_KRON_TORCH = ("(lambda a: (lambda i, nn: {f}(torch.cat([torch.cat([torch.kron(a.T.contiguous(), i), "
               "torch.eye(nn, dtype=a.dtype)], 1), torch.cat([torch.zeros((nn, nn), dtype=a.dtype), "
               "torch.kron(i, a.contiguous())], 1)], 0))[:nn, nn:])(torch.eye(a.shape[0], dtype=a.dtype), "
               "a.shape[0] ** 2))({{0}})")
_BLOCK_NP = ("(lambda a, e: {f}(np.block([[a, e], [np.zeros_like(a), a]]))[:a.shape[0], a.shape[0]:])({{0}}, {{1}})")
_KRON_NP = ("(lambda a: (lambda i, nn: {f}(np.block([[np.kron(a.T, i), np.eye(nn)], [np.zeros((nn, nn)), "
            "np.kron(i, a)]]))[:nn, nn:])(np.eye(a.shape[0]), a.shape[0] ** 2))({{0}})")
_KRON_JAX = _KRON_NP.replace("np.", "jnp.")
# torch and jax have no logm or sqrtm of their own: the eigendecomposition, real part
_EIG_TORCH = "(lambda w, v: (v @ torch.diag_embed({g}(w)) @ torch.linalg.inv(v)).real)(*torch.linalg.eig({{0}}))"
_EIG_JAX = "(lambda w, v: (v @ jnp.diag({g}(w)) @ jnp.linalg.inv(v)).real)(*jnp.linalg.eig({{0}}))"
_LOGM_TORCH = _EIG_TORCH.format(g="torch.log")
_LOGM_JAX = _EIG_JAX.format(g="jnp.log")


def _kron_exp(lib: str, of: str) -> str:
    """expm's Kronecker form at the matrix spelled by of, in torch or jax."""
    form = _KRON_TORCH.format(f="torch.linalg.matrix_exp") if lib == "torch" else _KRON_JAX.format(
        f="jax.scipy.linalg.expm")
    return form.replace("{0}", of)


def _log_frechet(lib: str) -> str:
    """logm_frechet(X, E) where the library has no logm: the Z with expm_frechet(logm(X), Z) = E,
    by a solve with expm's Kronecker form at logm(X) (X diagonalisable, as drawn)."""
    solve = "torch.linalg.solve" if lib == "torch" else "jnp.linalg.solve"
    logm = _LOGM_TORCH if lib == "torch" else _LOGM_JAX
    return (f"(lambda l, e: {solve}({_kron_exp(lib, 'l')}, e.T.reshape(-1, 1)).reshape(e.shape[1], e.shape[0]).T)"
            f"({logm}, {{1}})")

register(
    Op("expm", 1, lambda env, n, a: _expm(env.np, a[0]), check=_square, apply=_function_apply("expm", "exp"),
       differential=lambda n, d: fn("expm_frechet", n.args[0], _only(d)),
       rule=said("matrix exponential", "d expm(X) = expm_frechet(X, dX), its Fréchet derivative"),
       spelling=Spelling(numpy="scipy.linalg.expm({0})", torch="torch.linalg.matrix_exp({0})",
                         jax="jax.scipy.linalg.expm({0})")),
    Op("logm", 1, lambda env, n, a: _logm(env.np, a[0]), check=_square, apply=_function_apply("logm", "log"),
       differential=lambda n, d: fn("logm_frechet", n.args[0], _only(d)),
       rule=said("matrix logarithm", "d logm(X) = logm_frechet(X, dX), its Fréchet derivative"),
       note="the derivative of logm " + _BRANCH,
       spelling=Spelling(numpy="np.real(scipy.linalg.logm({0}))", torch=_LOGM_TORCH, jax=_LOGM_JAX)),
    Op("sqrtm", 1, lambda env, n, a: _sqrtm(env.np, a[0]), check=_square, apply=_function_apply("sqrtm", "sqrt"),
       differential=lambda n, d: fn("sylvester", n, n, _only(d)),
       rule=said("matrix square root", "d sqrtm(X) = S with R S + S R = dX, R = sqrtm(X): sylvester(R, R, dX)"),
       note="the derivative of sqrtm " + _BRANCH,
       spelling=Spelling(numpy="np.real(scipy.linalg.sqrtm({0}))", torch=_EIG_TORCH.format(g="torch.sqrt"),
                         jax="jnp.real(jax.scipy.linalg.sqrtm({0}))")),
    Op("expm_frechet", 2, lambda env, n, a: _block(env.np, lambda m: _expm(env.np, m), a[0], a[1]),
       check=_same_square, apply=_frechet_apply("expm_frechet", "expm", lambda x: fn("expm", x)),
       differential=_linear_in_last("expm_frechet"), gradient=_frechet_gradient("expm_frechet"),
       jacobian=_frechet_jacobian("expm_kron"),
       rule=said("the Fréchet derivative of expm is linear in its direction")
       + said("its adjoint is expm_frechet(X^T, G)"),
       spelling=Spelling(numpy="scipy.linalg.expm_frechet({0}, {1}, compute_expm=False)",
                         torch=_BLOCK_TORCH.format(f="torch.linalg.matrix_exp"),
                         jax="jax.scipy.linalg.expm_frechet({0}, {1}, compute_expm=False)")),
    Op("logm_frechet", 2, lambda env, n, a: _block(env.np, _logm_of_block(env.np), a[0], a[1]),
       check=_same_square, apply=_frechet_apply("logm_frechet", "logm", lambda x: E.inv(x)),
       differential=_linear_in_last("logm_frechet"), gradient=_frechet_gradient("logm_frechet"),
       jacobian=_frechet_jacobian("logm_kron"),
       rule=said("the Fréchet derivative of logm is linear in its direction")
       + said("its adjoint is logm_frechet(X^T, G)"),
       spelling=Spelling(numpy=_BLOCK_NP.format(f="(lambda m: np.real(scipy.linalg.logm(m)))"),
                         torch=_log_frechet("torch"), jax=_log_frechet("jax"))),
    Op("sylvester", 3, _sylvester, check=_same_square, apply=_sylvester_apply,
       differential=_linear_in_last("sylvester"),
       gradient=lambda n, s, lin: [(n.args[2], fn("sylvester", E.T(n.args[0]), E.T(n.args[1]), s))],
       jacobian=_sylvester_jacobian,
       rule=said("a Sylvester solve is linear in its right side") + said("its adjoint solves A^T Z + Z B^T = G"),
       spelling=Spelling(latex=r"\operatorname{{sylvester}}\left({0}, {1}, {2}\right)",
                         numpy="scipy.linalg.solve_sylvester({0}, {1}, {2})",
                         torch=("(lambda a, b, c: torch.linalg.solve(torch.kron(torch.eye(b.shape[0], "
                                "dtype=a.dtype), a.contiguous()) + torch.kron(b.T.contiguous(), "
                                "torch.eye(a.shape[0], dtype=a.dtype)), "
                                "c.T.reshape(-1, 1)).reshape(c.shape[1], c.shape[0]).T)({0}, {1}, {2})"),
                         jax="jax.scipy.linalg.solve_sylvester({0}, {1}, {2})")),
    Op("expm_kron", 1, lambda env, n, a: _kron_form(env.np, lambda m: _expm(env.np, m), a[0]), check=_kron_shape,
       apply=lambda x: E.call("expm_kron", (x,), (E.dim_product(x.shape[0], x.shape[0]),) * 2),
       no_derivative=_SECOND, rule=said("the Kronecker form of expm's Fréchet derivative"),
       spelling=Spelling(numpy=_KRON_NP.format(f="scipy.linalg.expm"), torch=_KRON_TORCH.format(
           f="torch.linalg.matrix_exp"), jax=_KRON_JAX.format(f="jax.scipy.linalg.expm"))),
    Op("logm_kron", 1, lambda env, n, a: _kron_form(env.np, _logm_of_block(env.np), a[0]), check=_kron_shape,
       apply=lambda x: E.call("logm_kron", (x,), (E.dim_product(x.shape[0], x.shape[0]),) * 2),
       no_derivative=_SECOND, rule=said("the Kronecker form of logm's Fréchet derivative"),
       spelling=Spelling(numpy=_KRON_NP.format(f="(lambda m: np.real(scipy.linalg.logm(m)))"),
                         torch=f"torch.linalg.inv({_kron_exp('torch', _LOGM_TORCH)})",
                         jax=f"jnp.linalg.inv({_kron_exp('jax', _LOGM_JAX)})")),
)
