"""The vec/Kronecker operations: kron, vec and unvec (the commutation matrix, a leaf, is
ops/linear.py's). A Jacobian read-off through them is Magnus and Neudecker's vec form."""

from __future__ import annotations

from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops.base import Linear, Op, register, said, shape_of
from matcalc_cli.ops.linear import only, product_rule  # linear registers its records first


def _kron_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    (a, b), (c, d) = ctx.resolve(s[0]), ctx.resolve(s[1])
    return (E.dim_product(a, c), E.dim_product(b, d))


def _kron_shuffle(a: Expr, b: Expr) -> Expr:
    """P with vec(A kron B) = P (vec A kron vec B): I_n kron K_qm kron I_p for A m-by-n, B p-by-q
    (Magnus and Neudecker, theorem 3.10)."""
    (m, n), (p, q) = a.shape, b.shape
    return E.kron(E.kron(E.eye(n), E.commutation(q, m)), E.eye(p))


def _kron_factor(node: Expr, lin: Linear) -> Expr:
    """The matrix F with vec(node) = P F vec(dA) (dX in A) or P F vec(dB) (dX in B)."""
    a, b = node.args
    if lin.index(node.args) == 0:
        return E.kron(E.eye(E.dim_product(*a.shape)), E.vec(b))
    return E.kron(E.vec(a), E.eye(E.dim_product(*b.shape)))


def _kron_gradient(node: Expr, s: Expr, lin: Linear) -> list[tuple[Expr, Expr]]:
    i = lin.index(node.args)
    arg = node.args[i]
    g = E.mul(E.T(_kron_factor(node, lin)), E.T(_kron_shuffle(*node.args)), E.vec(s))
    return [(arg, E.unvec(g, arg.shape))]


def _kron_jacobian(node: Expr, jac: Any, lin: Linear) -> Expr:
    return E.mul(_kron_shuffle(*node.args), _kron_factor(node, lin), jac(node.args[lin.index(node.args)]))


def _vec_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    r, c = ctx.resolve(s[0])
    return (E.dim_product(r, c), 1)


def _unvec_check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    want = (E.dim_product(dims[0], dims[1]), 1)
    if not ctx.same(s[0], want):
        raise ctx.fail(f"unvec to {dims[0]}×{dims[1]} needs a column of length {want[0]}, got {ctx.show(s[0])}",
                       node)
    return (dims[0], dims[1])


STRUCTURE = [
    Op("kron", 2, lambda env, n, a: env.np.kron(a[0], a[1]), check=_kron_check, apply=E.kron,
       differential=product_rule(E.kron), gradient=_kron_gradient, jacobian=_kron_jacobian,
       rule=said("product rule", "d(A kron B) = dA kron B + A kron dB", basic=True), smooth=True),
    Op("vec", 1, lambda env, n, a: a[0].reshape(-1, 1, order="F"), check=_vec_check, apply=E.vec,
       differential=lambda n, d: E.vec(only(d)), gradient=lambda n, s, lin: [(n.args[0], E.unvec(s, n.args[0].shape))],
       jacobian=lambda n, jac, lin: jac(n.args[0]), rule=said("vec", "d vec(X) = vec(dX)"), smooth=True),
    Op("unvec", 1, lambda env, n, a: a[0].reshape(shape_of(env, n), order="F"), check=_unvec_check,
       dim_args=(2,), apply=lambda v, m, n: E.unvec(v, (m, n)),
       differential=lambda n, d: E.unvec(only(d), n.shape), gradient=lambda n, s, lin: [(n.args[0], E.vec(s))],
       jacobian=lambda n, jac, lin: jac(n.args[0]), rule=said("unvec", "d unvec(v) = unvec(dv)"), smooth=True),
]
register(*STRUCTURE)
