"""Sums, products, transposes, inverses, powers, tr, det, logdet, diag and the leaves: the
operations of linear algebra (kron, vec and unvec are ops/kronecker.py's).

Differentials follow Magnus and Neudecker; a gradient read-off pushes the seed S of
<S, f(dX)> to the argument that holds dX (the trace trick), and a Jacobian read-off
gives vec f(dX) = J vec dX (the vec/Kronecker form).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import SCALAR, Expr, is_vector
from matcalc_cli.ops.base import Diffs, Env, Linear, Op, Spelling, fn, register, said, shape_of

# ------------------------------------------------------------------ helpers


def inner(s: Expr, r: Expr) -> Expr:
    """The Frobenius inner product <S, R> = tr(S^T R), in its simplest spelling."""
    if s.is_scalar:
        return E.mul(s, r)
    if s.shape[1] == 1:
        return E.mul(E.T(s), r)
    return fn("tr", E.mul(E.T(s), r))


def product_rule(build: Any) -> Any:
    def rule(node: Expr, d: Diffs) -> Expr:
        args = list(node.args)
        return E.add(*(build(*args[:i], di, *args[i + 1:]) for i, di in enumerate(d) if di is not None))
    return rule


def only(d: Diffs) -> Expr:
    assert d[0] is not None
    return d[0]


# ------------------------------------------------------------------ leaves
def _commutation_value(env: Env, node: Expr, a: list[Any]) -> Any:
    m, n = (env.size(d) for d in node.dims)
    r = env.np.arange(m * n)
    return env.np.eye(m * n)[r // n + r % n * m]


def _const_value(env: Env, node: Expr, a: list[Any]) -> Any:
    return env.np.full((1, 1), float(node.number))


LEAVES = [
    Op("var", 0, lambda env, n, a: env.value(n.name), rule=said("a variable"), weight=2, smooth=True),
    Op("dvar", 0, lambda env, n, a: env.value("d" + n.name), rule=said("the differential of a variable"), weight=2,
       smooth=True),
    Op("const", 0, _const_value, rule=said("a number"), weight=2, smooth=True),
    Op("eye", 0, lambda env, n, a: env.np.eye(env.size(n.shape[0])), check=lambda c, n, s, d: (d[0], d[0]),
       dim_args=(1,), apply=E.eye, rule=said("the identity"), weight=3, smooth=True),
    Op("ones", 0, lambda env, n, a: env.np.ones(shape_of(env, n)), check=lambda c, n, s, d: (d[0], d[-1] if
       len(d) == 2 else 1), dim_args=(1, 2), apply=lambda r, c=1: E.ones((r, c)),
       rule=said("a matrix of ones"), weight=3, smooth=True),
    Op("zeros", 0, lambda env, n, a: env.np.zeros(shape_of(env, n)), check=lambda c, n, s, d: (d[0], d[-1] if
       len(d) == 2 else 1), dim_args=(1, 2), apply=lambda r, c=1: E.zeros((r, c)),
       rule=said("a matrix of zeros"), weight=3, smooth=True),
    Op("commutation", 0, _commutation_value, check=lambda c, n, s, d: (E.dim_product(*d),) * 2, dim_args=(2,),
       apply=E.commutation, rule=said("the commutation matrix", "K vec(A) = vec(A^T)"), weight=4, smooth=True),
    Op("size", 0, lambda env, n, a: env.np.full((1, 1), float(env.size(n.dim))), check=lambda c, n, s, d: SCALAR,
       dim_args=(1,), apply=E.size, rule=said("a dimension as a number"), smooth=True),
]


# ------------------------------------------------------------------ sums and products
def _mul_value(env: Env, node: Expr, a: list[Any]) -> Any:
    out = env.np.ones((1, 1))
    for x, f in zip(a, node.args, strict=True):
        out = out * x if f.is_scalar or out.shape == (1, 1) else out @ x
    return out.reshape(shape_of(env, node))


def _mul_gradient(node: Expr, s: Expr, lin: Linear) -> list[tuple[Expr, Expr]]:
    fs = node.args
    i = lin.index(fs)
    f = fs[i]
    if f.is_scalar:
        return [(f, inner(s, E.mul(*fs[:i], *fs[i + 1:])))]
    p, q = E.mul(*fs[:i]), E.mul(*fs[i + 1:])
    return [(f, E.mul(E.T(p), s, E.T(q)))]


def _mul_jacobian(node: Expr, jac: Any, lin: Linear) -> Expr:
    """vec(c P F Q) = c (Q^T kron P) vec(F), with the Kronecker product spelled out
    as a plain product wherever P or Q is absent and F is a vector."""
    fs = list(node.args)
    f = fs[lin.index(node.args)]
    scalars = [g for g in fs if g.is_scalar and g is not f]
    chain = [g for g in fs if not g.is_scalar or g is f]
    i = chain.index(f)
    if f.is_scalar:
        return E.mul(E.vec(E.mul(*scalars, *chain[:i], *chain[i + 1:])), jac(f))
    p, q = chain[:i], chain[i + 1:]
    if f.op == "add" and (p or q) and any(_diagonal(t, lin) for t in f.args):
        # P (diag(dm) - dm s^T) q term by term: each diagonal term reads off as P diag(q) dm
        # (a Hessian through softmax), where the sum as a whole would go through vec and kron.
        return E.add(*(_mul_jacobian(E.mul(*scalars, *p, t, *q), jac, lin) for t in f.args if t in lin))
    if f.op == "diag" and is_vector(f.args[0].shape):
        m = f.args[0]
        qv = E.mul(*q)
        if q and qv.shape[1] == 1:  # P diag(m) q = P diag(q) m
            return E.mul(*scalars, *p, fn("diag", qv), jac(m))
        if not q and len(p) == 1 and p[0].shape[0] == 1:  # p diag(m) = (p^T .* m)^T
            return E.mul(*scalars, fn("diag", E.T(p[0])), jac(m))
    a, b = f.shape
    pm = E.mul(*p) if p else E.eye(a)
    qt = E.T(E.mul(*q)) if q else E.eye(b)
    if b == 1 and not q:
        left = pm
    elif a == 1 and not p:
        left = qt
    else:
        left = E.kron(qt, pm)
    return E.mul(*scalars, left, jac(f))


def _diagonal(t: Expr, lin: Linear) -> bool:
    """t is diag(m) or c diag(m) with m a vector that contains dX."""
    fs = t.args if t.op == "mul" else (t,)
    return any(f.op == "diag" and f in lin and is_vector(f.args[0].shape) for f in fs)


def _had_gradient(node: Expr, s: Expr, lin: Linear) -> list[tuple[Expr, Expr]]:
    fs = node.args
    i = lin.index(fs)
    return [(fs[i], E.had(*fs[:i], *fs[i + 1:], s))]


def _had_jacobian(node: Expr, jac: Any, lin: Linear) -> Expr:
    args = node.args
    i = lin.index(args)
    return E.mul(fn("diag", E.vec(E.had(*args[:i], *args[i + 1:]))), jac(args[i]))


GROUPED = 8  # factors of a Hadamard product above which repeated ones are taken as powers


def _had_rule(node: Expr, d: Diffs) -> Expr:
    """The product rule; in a long product a factor that repeats is taken as a power:
    x .* x .* ... .* x (k times) has the differential k x.^(k-1) .* dx, one term of two
    factors, not k terms of k factors each (time and memory quadratic in k, and the
    simplifier's more). A short product keeps its terms, which the simplifier reads
    factor by factor (abs(x) .* sign(x) .* abs(x) .* sign(x): 2 diag(x))."""
    counts: dict[Expr, int] = {}
    diffs: dict[Expr, Expr | None] = {}
    for a, da in zip(node.args, d, strict=True):
        counts[a] = counts.get(a, 0) + 1
        diffs[a] = da
    if len(counts) == len(node.args) or len(node.args) <= GROUPED:
        return product_rule(E.had)(node, d)
    powers = [E.epow(a, k) for a, k in counts.items()]
    terms = []
    for i, (a, k) in enumerate(counts.items()):
        da = diffs[a]
        if da is not None:
            own = E.had(E.const(k), E.epow(a, k - 1), da) if k > 1 else da
            terms.append(E.had(*powers[:i], own, *powers[i + 1:]))
    return E.add(*terms)


def _hdiv_rule(node: Expr, d: Diffs) -> Expr:
    a, b = node.args
    da, db = d
    terms = [] if da is None else [E.hdiv(da, b)]
    if db is not None:
        terms.append(E.neg(E.had(E.hdiv(node, b), db)))
    return E.add(*terms)


def _hdiv_value(env: Env, node: Expr, a: list[Any]) -> Any:
    return a[0] / a[1]


OPERATORS = [
    Op("add", 2, apply=E.add, evaluate=lambda env, n, a: sum(a[1:], a[0]),
       differential=lambda n, d: E.add(*(x for x in d if x is not None)),
       gradient=lambda n, s, lin: [(t, s) for t in n.args if t in lin],
       jacobian=lambda n, jac, lin: E.add(*(jac(a) for a in n.args if a in lin)),
       rule=said("sum rule", "d(a + b) = da + db", basic=True),
       weight=2, smooth=True),  # per operator: a sum of k terms costs 2 (k - 1)
    Op("mul", 2, apply=E.mul, evaluate=_mul_value, differential=product_rule(E.mul), gradient=_mul_gradient,
       jacobian=_mul_jacobian, rule=said("product rule", "d(A B) = dA B + A dB", basic=True),
       weight=1,  # per juxtaposition
       move=said("cycling a trace", "tr(A B) = tr(B A)"), smooth=True),
    Op("had", 2, apply=E.had, evaluate=lambda env, n, a: _hadamard_value(a), differential=_had_rule,
       gradient=_had_gradient, jacobian=_had_jacobian,
       rule=said("product rule", "d(a .* b) = da .* b + a .* db", basic=True),
       weight=2, move=said("moving a Hadamard factor", "tr(A^T (B .* C)) = tr((A .* B)^T C)"), smooth=True),
    # hdiv is linear in its numerator only: a quotient's differential divides da by b.
    Op("hdiv", 2, apply=E.hdiv, evaluate=_hdiv_value, differential=_hdiv_rule,
       gradient=lambda n, s, lin: [(n.args[0], E.hdiv(s, n.args[1]))],
       jacobian=lambda n, jac, lin: E.mul(fn("diag", E.vec(E.hdiv(E.ONE, n.args[1]))), jac(n.args[0])),
       rule=said("quotient rule", "d(a ./ b) = da ./ b - (a ./ b.^2) .* db", basic=True), weight=2,
       move=said("moving a Hadamard divisor", "tr(A^T (B ./ C)) = tr((A ./ C)^T B)"), smooth=True),
    Op("bcast", 1, lambda env, n, a: env.np.full(shape_of(env, n), a[0].item()),
       differential=lambda n, d: E.bcast(only(d), n.shape),
       gradient=lambda n, s, lin: [(n.args[0], fn("sum", s))],
       jacobian=lambda n, jac, lin: E.mul(E.ones((E.dim_product(*n.shape), 1)), jac(n.args[0])),
       rule=said("a scalar broadcast", "d(c ones) = dc ones", basic=True), weight=0, smooth=True),
]


def _hadamard_value(a: list[Any]) -> Any:
    out = a[0]
    for x in a[1:]:
        out = out * x
    return out


# ------------------------------------------------------------------ transposes, inverses, powers
def _transpose_jacobian(node: Expr, jac: Any, lin: Linear) -> Expr:
    a = node.args[0]
    return jac(a) if a.shape[0] == 1 or a.shape[1] == 1 else E.mul(E.commutation(*a.shape), jac(a))


def _pow_rule(node: Expr, d: Diffs) -> Expr:
    x, dx, k = node.args[0], only(d), node.number
    assert isinstance(k, Fraction) or x.is_scalar
    if x.is_scalar:
        return E.mul(E.const(k), E.power(x, k - 1), dx)
    if k < 0:  # X^-k = (X^-1)^k: the chain rule through the inverse
        xi = E.inv(x)
        return _pow_rule(E.power(xi, -k), [E.mul(E.const(-1), xi, dx, xi)])
    n = int(k)
    return E.add(*(E.mul(E.power(x, j), dx, E.power(x, n - 1 - j)) for j in range(n)))


def _pow_value(env: Env, node: Expr, a: list[Any]) -> Any:
    if node.is_scalar:
        return a[0] ** float(node.number)
    if node.number < 0:
        a = [_inverse(env, a[0])]
    return env.np.linalg.matrix_power(a[0], abs(int(node.number)))


_ILL_CONDITIONED = 1e10  # past this, an inverse is rounding noise: the point is not one to judge by


def _factored(env: Env, x: Any) -> tuple[Any, Any] | None:
    """The LU factors (lu, piv) of a square x, or None where x is not finite or is
    (numerically) singular. One factorisation gives the inverse, the log-determinant and,
    by LAPACK's gecon in O(n^2), an estimate of the condition number: an SVD for the
    condition alone cost twenty factorisations (--verify of logdet(X) at 600x600, 18 s)."""
    import warnings

    from scipy.linalg import LinAlgWarning, get_lapack_funcs, lu_factor  # scipy costs startup time

    np = env.np
    if not np.all(np.isfinite(x)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)  # an exact zero pivot: rcond says so below
        lu, piv = lu_factor(x, check_finite=False)
    gecon, = get_lapack_funcs(("gecon",), (lu,))
    rcond, info = gecon(lu, np.linalg.norm(x, 1), norm="1")
    # rcond estimates 1 / cond_1(x), within a small factor; NaN (overflow) fails the test too
    if info != 0 or not rcond * _ILL_CONDITIONED > 1:
        return None
    return lu, piv


factored = _factored  # for evaluations that solve with the factors instead of inverting (columns.py)


def _inverse(env: Env, x: Any) -> Any:
    """X^-1, or NaN where X is (numerically) singular: a checker then draws another point
    instead of comparing noise (X^T X for a wide X is singular, yet inverts to huge numbers)."""
    from scipy.linalg import get_lapack_funcs

    factors = _factored(env, x)
    if factors is None:
        return env.np.full(x.shape, env.np.nan)
    getri, = get_lapack_funcs(("getri",), (factors[0],))
    inverse, info = getri(*factors)
    return inverse if info == 0 else env.np.full(x.shape, env.np.nan)


def _logdet_value(env: Env, node: Expr, a: list[Any]) -> Any:
    np = env.np
    factors = _factored(env, a[0])
    if factors is None:
        return np.full((1, 1), np.nan)
    return np.full((1, 1), np.sum(np.log(np.abs(np.diag(factors[0])))))


def _square_or_scalar(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if not ctx.is_scalar(s[0]):
        ctx.square(s[0], node, node.text)
    return s[0]


POSTFIX = [
    Op("T", 1, apply=E.T, evaluate=lambda env, n, a: a[0].T, differential=lambda n, d: E.T(only(d)),
       gradient=lambda n, s, lin: [(n.args[0], E.T(s))], jacobian=_transpose_jacobian,
       rule=said("transpose", "d(X^T) = (dX)^T", basic=True), weight=2,
       move=said("transposing", "tr(A^T) = tr(A), a scalar is its own transpose"), smooth=True),
    Op("inv", 1, lambda env, n, a: _inverse(env, a[0]), check=_square_or_scalar, apply=E.inv,
       differential=lambda n, d: E.mul(E.const(-1), n, only(d), n), rule=said("inverse", "d(X^-1) = -X^-1 dX X^-1"),
       weight=2, identity=True, smooth=True),
    # Powers weigh dear: expanded powers read worse than factored sums.
    Op("pow", 1, _pow_value, differential=_pow_rule, rule=said("power rule", "d(X^k) = sum_j X^j dX X^(k-1-j)"),
       weight=8, identity=True, smooth=True),
    Op("epow", 1, lambda env, n, a: a[0] ** float(n.number),
       differential=lambda n, d: E.had(E.mul(E.const(n.number), E.epow(n.args[0], n.number - 1)), only(d)),
       rule=said("elementwise power", "d(u.^p) = p u.^(p-1) .* du"), weight=8, smooth=True),
]


# ------------------------------------------------------------------ matrix functions
def _square_to_scalar(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if not ctx.is_scalar(s[0]):
        ctx.square(s[0], node, node.text)
    return SCALAR


def _diag_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    if ctx.is_scalar(s[0]):
        raise ctx.fail("diag needs a vector (or a square matrix), got a scalar", node, "function")
    r, c = ctx.resolve(s[0])
    if c == 1:
        return (r, r)
    ctx.square(s[0], node, "diag")
    return (r, 1)


def _diag(a: Expr) -> Expr:
    if a.is_scalar:
        return a
    shape = (a.shape[0], a.shape[0]) if is_vector(a.shape) else (a.shape[0], 1)
    return E.call("diag", (a,), shape)


def _diag_jacobian(node: Expr, jac: Any, lin: Linear) -> Expr:
    # vec(diag(m)) = diag(vec(I)) (1 kron I) m;  diag(M) = (1^T kron I) diag(vec(I)) vec(M)
    a = node.args[0]
    n = node.shape[0]
    mask = fn("diag", E.vec(E.eye(n)))
    if is_vector(a.shape):
        return E.mul(mask, E.kron(E.ones((n, 1)), E.eye(n)), jac(a))
    return E.mul(E.kron(E.T(E.ones((n, 1))), E.eye(n)), mask, jac(a))


def _diag_value(env: Env, node: Expr, a: list[Any]) -> Any:
    x = a[0]
    return env.np.diagflat(x) if x.shape[1] == 1 else env.np.diag(x).reshape(-1, 1)


def _trace_like(name: str) -> Any:
    """tr and det of a scalar are the scalar."""
    return lambda a: a if a.is_scalar else E.call(name, (a,), SCALAR)


MATRIX_FUNCTIONS = [
    Op("tr", 1, lambda env, n, a: env.np.full((1, 1), env.np.trace(a[0])), check=_square_to_scalar,
       apply=_trace_like("tr"), differential=lambda n, d: fn("tr", only(d)),
       gradient=lambda n, s, lin: [(n.args[0], E.mul(s, E.eye(n.args[0].shape[0])))],
       jacobian=lambda n, jac, lin: E.mul(E.T(E.vec(E.eye(n.args[0].shape[0]))), jac(n.args[0])),
       rule=said("trace", "d tr(X) = tr(dX)"),
       spelling=Spelling(numpy="np.trace({0})", torch="torch.trace({0})", jax="jnp.trace({0})"), smooth=True),
    Op("det", 1, lambda env, n, a: env.np.full((1, 1), env.np.linalg.det(a[0])), check=_square_to_scalar,
       apply=_trace_like("det"), differential=lambda n, d: E.mul(n, fn("tr", E.mul(E.inv(n.args[0]), only(d)))),
       rule=said("determinant", "d det(X) = det(X) tr(X^-1 dX)"), identity=True, smooth=True,
       spelling=Spelling(numpy="np.linalg.det({0})", torch="torch.linalg.det({0})", jax="jnp.linalg.det({0})")),
    Op("logdet", 1, _logdet_value,
       check=_square_to_scalar, apply=lambda a: fn("log", a) if a.is_scalar else E.call("logdet", (a,), SCALAR),
       differential=lambda n, d: fn("tr", E.mul(E.inv(n.args[0]), only(d))),
       rule=said("log-determinant", "d logdet(X) = tr(X^-1 dX)"), identity=True,
       spelling=Spelling(latex=r"\log\det\left({0}\right)", numpy="np.linalg.slogdet({0})[1]",
                         torch="torch.linalg.slogdet({0})[1]", jax="jnp.linalg.slogdet({0})[1]"), smooth=True),
    Op("diag", 1, _diag_value, check=_diag_check, apply=_diag, differential=lambda n, d: fn("diag", only(d)),
       gradient=lambda n, s, lin: [(n.args[0], fn("diag", s))], jacobian=_diag_jacobian,
       rule=said("diag", "d diag(u) = diag(du)"), smooth=True),
]
register(*LEAVES, *OPERATORS, *POSTFIX, *MATRIX_FUNCTIONS)
