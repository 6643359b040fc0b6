"""The identities of the rule table that need more than a line: each function takes a
node whose guard held and returns an equal tree (or the node itself when nothing is
gained). Where an identity can make a tree longer, cost() decides."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.cost import cheapest, rank
from matcalc_cli.simplify.normal import _coef, _parts, _split_power, hadamard, product, total, transpose
from matcalc_cli.simplify.pairs import paired


def _best(node: Expr, candidates: list[Expr]) -> Expr:
    """The cheapest candidate if it is cheaper than node, else node: a rule never lengthens."""
    best = cheapest([paired(c) for c in candidates], node)
    return best if rank(best) < rank(node) else node


# ------------------------------------------------------------------ traces
def is_chain(m: Expr) -> bool:
    return m.op == K.MUL and len(m.args) >= 2 and not any(f.is_scalar for f in m.args)


def cyclic_trace(e: Expr) -> Expr:
    """tr(A B C) = tr(B C A) = tr(C^T B^T A^T), the cheapest rotation; a rotation that is a
    scalar is the trace: tr(x y^T) = y^T x."""
    fs = list(e.args[0].args)
    back = [transpose(f) for f in reversed(fs)]
    rotations = [chain[i:] + chain[:i] for chain in (fs, back) for i in range(len(chain))]
    return _best(e, [fn("tr", product(r)) for r in rotations])




# ------------------------------------------------------------------ sign(u) u = abs(u)
def _even(k: E.Number) -> bool:
    return isinstance(k, Fraction) and k.denominator == 1 and k.numerator % 2 == 0


def _signed_pair(e: Expr) -> tuple[int, int] | None:
    """sign(u) beside u (or 1 / u); for scalars also abs(t) beside an even power of t."""
    fs = e.args
    for i, f in enumerate(fs):
        if e.op == K.MUL and not f.is_scalar:  # sign(x) x^T is an outer product
            continue
        base = _split_power(f)[0]
        if f.op == K.SIGN:
            target = f.args[0]
        elif e.op == K.MUL and base.op == K.ABS:
            target = base.args[0]
        else:
            continue
        for j, g in enumerate(fs):
            gbase, gk = _split_power(g)
            if j == i:
                continue
            if f.op == K.SIGN and _power_of(g, target) is not None:
                return i, j
            if f.op != K.SIGN and gbase == target and _even(gk):
                return i, j
    return None


def _power_of(g: Expr, target: Expr) -> E.Number | None:
    """k = 1 or -1 where g is target^k; a scalar target b^p also matches b^(k p) (sign(t^0.5)
    beside t^-0.5, as a derivative builds it)."""
    gbase, gk = _split_power(g)
    if gbase == target:
        return gk if gk in (1, -1) else None
    tbase, tk = _split_power(target)
    if target.is_scalar and tbase is not target and gbase == tbase and tk != 0 and gk / tk in (1, -1):
        return gk / tk
    return None


def has_signed_pair(e: Expr) -> bool:
    return _signed_pair(e) is not None


def sign_times(e: Expr) -> Expr:
    """sign(u) .* u = abs(u); for scalars sign(t) / t = 1 / abs(t) and t^2 = abs(t)^2 beside
    abs(t), so that abs(t) / t^2 = 1 / abs(t)."""
    i, j = _signed_pair(e)  # type: ignore[misc]
    f, (base, k) = e.args[i], _split_power(e.args[j])
    rest = [g for n, g in enumerate(e.args) if n not in (i, j)]
    if e.op == K.HAD:
        return hadamard([*rest, fn("abs", base)])
    if f.op == K.SIGN:
        k = _power_of(e.args[j], f.args[0])  # type: ignore[assignment]
        return product([*rest, E.power(fn("abs", f.args[0]), k)])
    return product([*rest, f, E.power(fn("abs", base), k)])


# ------------------------------------------------------------------ determinants
def _square_factors(m: Expr) -> bool:
    return is_chain(m) and all(f.shape[0] == f.shape[1] == m.shape[0] for f in m.args)




def _det_split(e: Expr) -> int | None:
    """The factor det(P), P a product of square factors, beside another power of det(F),
    F one of P's factors: det(A X) / det(X) = det(A)."""
    scalars = [f for f in e.args if f.is_scalar]
    others = {_split_power(f)[0] for f in scalars}
    for i, f in enumerate(e.args):
        if f.op == K.DET and _square_factors(f.args[0]):
            if any(fn("det", g) in others for g in f.args[0].args):
                return i
    return None


def det_product_applies(e: Expr) -> bool:
    return _det_split(e) is not None


def det_of_product(e: Expr) -> Expr:
    i = _det_split(e)
    assert i is not None
    split = [fn("det", g) for g in e.args[i].args[0].args]
    return product([*e.args[:i], *split, *e.args[i + 1:]])


# ------------------------------------------------------------------ inverses of products
def _expanded_inverse(f: Expr) -> list[Expr] | None:
    """(A B)^-1 = B^-1 A^-1 and (A B)^-T = A^-T B^-T, for square factors."""
    if f.op != K.INV:
        return None
    m = f.args[0]
    if m.op == K.T and _square_factors(m.args[0]):
        return [E.inv(transpose(g)) for g in m.args[0].args]
    if _square_factors(m):
        return [E.inv(g) for g in reversed(m.args)]
    return None


def has_inverse_of_product(e: Expr) -> bool:
    return any(_expanded_inverse(f) is not None for f in e.args)


def inverse_of_product(e: Expr) -> Expr:
    """Expand an inverse of a product where that is shorter: A^T (A X B)^-T B^T = X^-T."""
    candidates = []
    for i, f in enumerate(e.args):
        parts = _expanded_inverse(f)
        if parts is not None:
            candidates.append(product([*e.args[:i], *parts, *e.args[i + 1:]]))
    return _best(e, candidates)


# ------------------------------------------------------------------ identity insertion
def _insertion(e: Expr, left: bool) -> Expr | None:
    items = [_coef(t) for t in e.args]
    parts = [_parts(core) for _, core in items]
    alone = [i for i, (sc, ch) in enumerate(parts) if not sc and len(ch) == 1]
    for i in alone:
        f = parts[i][1][0]
        if f.shape[0] == f.shape[1] and f.op == K.EYE:
            continue
        rest = []
        for (c, _), (sc, ch) in zip(items, parts, strict=True):
            if ch == [f]:
                rest.append(product([E.const(c), *sc, E.eye(f.shape[1] if left else f.shape[0])]))
            elif len(ch) >= 2 and ch[0 if left else -1] == f:
                rest.append(product([E.const(c), *sc, *(ch[1:] if left else ch[:-1])]))
            else:
                break
        else:
            return product([f, total(rest)] if left else [total(rest), f])
    return None


def identity_insertion(e: Expr) -> Expr:
    """F + F B = F (I + B), and F + B F = (I + B) F, where F is long enough for it to pay."""
    return _best(e, [c for c in (_insertion(e, True), _insertion(e, False)) if c is not None])


# ------------------------------------------------------------------ Kronecker forms
def _diagonal_selector(left: Expr, mask: Expr, right: bool) -> bool:
    """kron(ones(1, n), I) diag(vec(I)) (from the left) or diag(vec(I)) kron(ones(n), I):
    the maps between vec(M) and the diagonal of M."""
    if mask.op != K.DIAG or mask.args[0].op != K.VEC or mask.args[0].args[0].op != K.EYE:
        return False
    return (left.op == K.KRON and left.args[1].op == K.EYE and left.args[0].op == K.ONES
            and left.args[0].shape[1 if right else 0] == 1 and left.args[1].shape == mask.args[0].args[0].shape)


def _kron_terms(m: Expr) -> list[tuple[Fraction, Expr, Expr]] | None:
    terms = m.args if m.op == K.ADD else (m,)
    out = []
    for t in terms:
        c, core = _coef(t)
        if core.op != K.KRON or core.args[0].shape != core.args[1].shape:
            return None
        out.append((c, core.args[0], core.args[1]))
    return out


def kron_window(e: Expr) -> int | None:
    fs = e.args
    for i in range(len(fs) - 4):
        if (_diagonal_selector(fs[i], fs[i + 1], False) and _diagonal_selector(fs[i + 4], fs[i + 3], True)
                and _kron_terms(fs[i + 2]) is not None):
            return i
    return None


def kron_to_hadamard(e: Expr) -> Expr:
    """S^T kron(B, C) S = B .* C, S = diag(vec(I)) kron(ones(n), I) (S v = vec(diag(v))):
    the second derivatives through diag."""
    i = kron_window(e)
    assert i is not None
    terms = _kron_terms(e.args[i + 2])
    assert terms is not None
    inner = total([product([E.const(c), hadamard([b, a])]) for c, a, b in terms])
    return product([*e.args[:i], inner, *e.args[i + 5:]])


# ------------------------------------------------------------------ quotients
def _expand_term(t: Expr) -> list[Expr] | None:
    """c s (u + v) M as c s u M + c s v M: the first sum among t's factors, one level."""
    c, core = _coef(t)
    fs = list(core.args) if core.op == K.MUL else [core]
    for i, f in enumerate(fs):
        if f.op == K.ADD:
            return [product([E.const(c), *fs[:i], g, *fs[i + 1:]]) for g in f.args]
    return None


def has_distributable(e: Expr) -> bool:
    return 2 <= len(e.args) <= 8 and any(_coef(t)[1].op == K.MUL and any(
        f.op == K.ADD for f in _coef(t)[1].args) for t in e.args)


def distribute_to_collect(e: Expr) -> Expr:
    """Multiply out the sums inside the terms where like terms then meet and the whole is
    shorter: the Hessian of a^T x / b^T x is 2 (a^T x) b b^T / (b^T x)^3 - (a b^T + b a^T) / (b^T x)^2."""
    terms: list[Expr] = []
    for t in e.args:
        parts = _expand_term(t)
        terms.extend([paired(p) for p in parts] if parts is not None else [t])
    if len(terms) > 16:
        return e
    return _best(e, [total(terms)])


# ------------------------------------------------------------------ (A + B)^T
def has_transposed_term(e: Expr) -> bool:
    return not e.is_scalar and any(t.op == K.T or (t.op == K.MUL and t.args[-1].op == K.T) for t in e.args)


def transpose_out(e: Expr) -> Expr:
    """A^T + B^T = (A + B)^T and A^T .* B^T = (A .* B)^T where the transposed sum is shorter: its terms may then share a
    factor, (V G^T) .* S^T - (M .* S)^T = (S .* (G V^T - M))^T."""
    flipped = [transpose(t) for t in e.args]
    inner = total(flipped) if e.op == K.ADD else hadamard(flipped)
    return _best(e, [E.T(inner)]) if inner.op != K.T else e

