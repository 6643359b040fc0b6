"""A matrix applied to a vector without forming the matrix: Hessian-vector products (--hvp)
and Kronecker factors in exported code.

apply(M, u) is an expression equal to M u that multiplies u through M's structure: a sum
term by term, a product factor by factor from the right, diag(w) u as w .* u,
kron(A, B) vec(E) as vec(B E A^T), a commutation matrix as a transpose, eye(n) as nothing.
A factor with no such structure is multiplied as it stands (a matrix the result needs
anyway, X^T X say, is no worse than it was).
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.ops.symmetry import transposed

# How deep apply follows a transposed structure before it multiplies as it stands.
_OPEN = frozenset({K.ADD, K.MUL, K.KRON, K.DIAG, K.EYE, K.COMMUTATION, K.T, K.INV, K.ZEROS, K.BCAST})


def _as_matrix(u: Expr, shape: Shape) -> Expr:
    """The matrix of this shape whose stacked columns are u, taken through the scalings,
    sums and elementwise products of vec's, which reshape alike."""
    if u.op == K.VEC and u.args[0].shape == shape:
        return u.args[0]
    if u.op == K.MUL and sum(not f.is_scalar for f in u.args) == 1:
        return E.mul(*(f if f.is_scalar else _as_matrix(f, shape) for f in u.args))
    if u.op in (K.ADD, K.HAD) and all(not t.is_scalar for t in u.args):
        parts = [_as_matrix(t, shape) for t in u.args]
        return E.add(*parts) if u.op == K.ADD else E.had(*parts)
    if u.op == K.HDIV and all(not t.is_scalar for t in u.args):
        return E.hdiv(_as_matrix(u.args[0], shape), _as_matrix(u.args[1], shape))
    return E.unvec(u, shape)


def apply(m: Expr, u: Expr) -> Expr:
    """M u for a column u (a scalar M scales)."""
    if m.is_scalar:
        return E.mul(m, u)
    op = m.op
    if op == K.ADD:
        return E.add(*(apply(t, u) for t in m.args))
    if op == K.MUL:
        scalars = [f for f in m.args if f.is_scalar]
        out = u
        for f in reversed([f for f in m.args if not f.is_scalar]):
            out = apply(f, out)
        return E.mul(*scalars, out)
    if op == K.EYE:
        return u
    if op == K.ZEROS:
        return E.zeros((m.shape[0], u.shape[1]))
    if op == K.DIAG and E.is_vector(m.args[0].shape):
        return E.had(m.args[0], u)
    if op == K.BCAST:  # c ones(p, q) u = c sum(u) ones(p, 1)
        return E.mul(m.args[0], E.ones((m.shape[0], 1)), E.ones((1, m.shape[1])), u)
    if op == K.KRON:
        a, b = m.args
        inner = _as_matrix(u, (b.shape[1], a.shape[1]))
        return E.vec(E.mul(b, inner, transposed(a)))
    if op == K.COMMUTATION:
        rows, cols = m.dims
        return E.vec(transposed(_as_matrix(u, (rows, cols))))
    if op == K.T and m.args[0].op in _OPEN:
        return apply(transposed(m.args[0]), u)
    # inv(A) u stays a product: the code printers spell it as a solve.
    return E.mul(m, u)


def hessian_vector(h: Expr, x: Expr, v: Expr) -> Expr:
    """H v in x's shape, for the Hessian h of a scalar by x (vec/Kronecker form for a
    matrix x) and a direction v of x's shape."""
    return _as_matrix(apply(h, E.vec(v)), x.shape)


def matrix_vector(root: Expr) -> Expr:
    """root with every product that ends in a column (or begins with a row) applied through
    its factors' structure: a Kronecker factor never formed, a sum distributed over the
    vector ((A + A^T) x as A x + A^T x: two reads of A instead of forming A + A^T), a
    diagonal as a broadcast. A sum used more than once stays one matrix."""
    uses: dict[Expr, int] = {}
    for node in E.walk(root):
        for a in node.args:
            uses[a] = uses.get(a, 0) + 1
    done: dict[Expr, Expr] = {}
    for node in E.walk(root):
        args = tuple(done.get(a, a) for a in node.args)
        new = node if args == node.args else E.Expr(node.op, args, node.shape, node.param)
        if new.op == K.MUL:
            new = _applied(new, frozenset(a for a in new.args if uses.get(a, 0) > 1))
        done[node] = new
    return done[root]


def _open(f: Expr, keep: frozenset[Expr]) -> bool:
    if f in keep:
        return False
    return f.op in (K.KRON, K.COMMUTATION, K.ADD) or f.op == K.T and f.args[0].op in (K.KRON, K.ADD)


def _applied(m: Expr, keep: frozenset[Expr]) -> Expr:
    fs = [f for f in m.args if not f.is_scalar]
    scalars = [f for f in m.args if f.is_scalar]
    if len(fs) < 2 or not any(_open(f, keep) for f in fs):
        return m
    if E.is_vector(m.shape):
        out = fs[-1]
        for f in reversed(fs[:-1]):
            out = apply(f, out) if _open(f, keep) else E.mul(f, out)
        return E.mul(*scalars, out)
    if E.is_row(m.shape):  # left to right, staying a row: x^T (A + B) as x^T A + x^T B
        out = fs[0]
        for f in fs[1:]:
            if f.op == K.ADD and f not in keep:
                out = E.add(*(E.mul(out, t) for t in f.args))
            elif _open(f, keep):
                out = E.T(apply(transposed(f), E.T(out)))
            else:
                out = E.mul(out, f)
        return E.mul(*scalars, out)
    # A matrix whose chain passes through a column (M (V x) y^T, the HVP of logsumexp(W x)
    # by W) or a row after an open factor, or before one: that part is a vector product,
    # applied as above, and the rest (itself perhaps a row's product) multiplies it.
    for j in range(1, len(fs) - 1):
        if fs[j].shape[1] == 1 and any(_open(f, keep) for f in fs[:j]):
            return E.mul(*scalars, _product(fs[:j + 1], keep), _product(fs[j + 1:], keep))
    for i in range(len(fs) - 2, 0, -1):
        if fs[i].shape[0] == 1 and any(_open(f, keep) for f in fs[i + 1:]):
            return E.mul(*scalars, _product(fs[:i], keep), _product(fs[i:], keep))
    return m


def _product(fs: list[Expr], keep: frozenset[Expr]) -> Expr:
    """The product of fs, applied where it can be (one factor stands as it is)."""
    return _applied(E.mul(*fs), keep) if len(fs) > 1 else fs[0]
