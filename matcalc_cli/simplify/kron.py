"""Helpers of the rules that take Kronecker products out of a Hessian of a function of a
vector: kron(x^T, I) vec(M) = M x, the mixed product kron(A, B) kron(C, D) = kron(A C, B D)
where the shapes conform (also through sums of Kronecker products) and kron(c, M) = c M,
so that with kron(a^T, b) = b a^T the Hessian prints in matrix form."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.simplify.normal import _coef, product, total


# ------------------------------------------------------------------ kron(x^T, I) vec(M) = M x
def _vec_first(t: Expr) -> Expr | None:
    """The vec(M) that t, a vec(M) or a product led by one, starts with (numbers aside)."""
    core = _coef(t)[1]
    first = core.args[0] if core.op == K.MUL else core
    return first if first.op == K.VEC else None


def _opens(k: Expr, f: Expr) -> bool:
    """Is k kron(x^T, I) and f a vec(M), or a sum of products each led by one, with M x defined?"""
    if k.op != K.KRON or k.args[1].op != K.EYE or k.args[0].shape[0] != 1:
        return False
    shape = (k.args[1].shape[0], k.args[0].shape[1])
    firsts = [_vec_first(t) for t in (f.args if f.op == K.ADD else (f,))]
    return all(v is not None and v.args[0].shape == shape for v in firsts)


def _kron_vec_at(fs: tuple[Expr, ...]) -> int | None:
    return next((i for i in range(len(fs) - 1) if _opens(fs[i], fs[i + 1])), None)


def has_kron_vec(e: Expr) -> bool:
    return _kron_vec_at(e.args) is not None


def _opened(x: Expr, t: Expr) -> Expr:
    c, core = _coef(t)
    fs = core.args if core.op == K.MUL else (core,)
    return product([E.const(c), fs[0].args[0], x, *fs[1:]])


def kron_vec(e: Expr) -> Expr:
    """kron(x^T, I) vec(M) = vec(M x) = M x; through a sum, term by term."""
    fs = e.args
    i = _kron_vec_at(fs)
    assert i is not None
    x = E.T(fs[i].args[0])
    f = fs[i + 1]
    opened = total([_opened(x, t) for t in (f.args if f.op == K.ADD else (f,))])
    return product([*fs[:i], opened, *fs[i + 2:]])


# ------------------------------------------------------------------ mixed product
def _conform(a: Expr, b: Expr) -> bool:
    return (a.op == b.op == K.KRON and a.args[0].shape[1] == b.args[0].shape[0]
            and a.args[1].shape[1] == b.args[1].shape[0])


def _krons(f: Expr) -> list[Expr] | None:
    """The Kronecker products of f, a kron or a sum of (multiples of) them."""
    terms = f.args if f.op == K.ADD else (f,)
    cores = [_coef(t)[1] for t in terms]
    return cores if all(c.op == K.KRON for c in cores) else None


def _mixed_at(fs: tuple[Expr, ...]) -> int | None:
    for i in range(len(fs) - 1):
        left, right = _krons(fs[i]), _krons(fs[i + 1])
        if left and right and len(left) * len(right) <= 4 and all(
                _conform(a, b) for a in left for b in right):
            return i
    return None


def has_mixed_product(e: Expr) -> bool:
    return _mixed_at(e.args) is not None


def _mixed(a: Expr, b: Expr) -> Expr:
    (c, k1), (d, k2) = _coef(a), _coef(b)
    return product([E.const(c * d), E.kron(product([k1.args[0], k2.args[0]]), product([k1.args[1], k2.args[1]]))])


def mixed_product(e: Expr) -> Expr:
    """kron(A, B) kron(C, D) = kron(A C, B D), multiplied out over sums of them."""
    fs = e.args
    i = _mixed_at(fs)
    assert i is not None
    lefts = fs[i].args if fs[i].op == K.ADD else (fs[i],)
    rights = fs[i + 1].args if fs[i + 1].op == K.ADD else (fs[i + 1],)
    merged = total([_mixed(a, b) for a in lefts for b in rights])
    return product([*fs[:i], merged, *fs[i + 2:]])


# ------------------------------------------------------------------ K kron(A, b) = kron(b, A)
def _swappable(k: Expr, column: bool) -> bool:
    """k = kron(A, B) with A or B a column vector (column) or a row vector (not column)."""
    return any((a.shape[1] == 1) if column else (a.shape[0] == 1) for a in k.args)


def _commuted_at(fs: tuple[Expr, ...]) -> tuple[int, bool] | None:
    """Where commutation(p, m) meets kron(A, B) (A m-rowed, B p-rowed, one a column) on its
    right, or kron(C, D) (C n-columned, D q-columned, one a row) meets commutation(n, q) on
    its left; either kron may be a sum of (multiples of) them. (index of the pair, K first)"""
    for i in range(len(fs) - 1):
        a, b = fs[i], fs[i + 1]
        if a.op == K.COMMUTATION:
            ks = _krons(b)
            if ks and all(_swappable(k, True) and a.dims == (k.args[1].shape[0], k.args[0].shape[0]) for k in ks):
                return i, True
        if b.op == K.COMMUTATION:
            ks = _krons(a)
            if ks and all(_swappable(k, False) and b.dims == (k.args[0].shape[1], k.args[1].shape[1]) for k in ks):
                return i, False
    return None


def has_commuted_kron(e: Expr) -> bool:
    return _commuted_at(e.args) is not None


def _swapped(t: Expr) -> Expr:
    c, k = _coef(t)
    return product([E.const(c), E.kron(k.args[1], k.args[0])])


def commuted_kron(e: Expr) -> Expr:
    """commutation(p, m) kron(A, b) = kron(b, A) and commutation(p, m) kron(a, B) = kron(B, a)
    for a column a or b (A m-rowed, B p-rowed); on the right, kron(C, d) commutation(n, q) =
    kron(d, C) for a row d (Magnus and Neudecker's K (A ⊗ B) K = B ⊗ A, where one K is 1)."""
    fs = e.args
    found = _commuted_at(fs)
    assert found is not None
    i, left = found
    ks = fs[i + 1] if left else fs[i]
    swapped = total([_swapped(t) for t in (ks.args if ks.op == K.ADD else (ks,))])
    return product([*fs[:i], swapped, *fs[i + 2:]])
