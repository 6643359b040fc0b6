"""The identities of the rule table that need more than a line: each function takes a
node whose guard held and returns an equal tree, or, for a choice among spellings, the
candidates, of which the engine keeps the cheapest where it is cheaper than the node."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.normal import _coef, _parts, hadamard, product, total, transpose

Join = Callable[[Expr], Expr]  # the engine's pair rules applied to a tree (engine.joined)


# ------------------------------------------------------------------ traces
def is_chain(m: Expr) -> bool:
    return m.op == K.MUL and len(m.args) >= 2 and not any(f.is_scalar for f in m.args)


def cyclic_trace(e: Expr, join: Join) -> list[Expr]:
    """tr(A B C) = tr(B C A) = tr(C^T B^T A^T): every rotation, the engine keeps the cheapest; a
    rotation that is a scalar is the trace: tr(x y^T) = y^T x."""
    fs = list(e.args[0].args)
    back = [transpose(f) for f in reversed(fs)]
    rotations = [chain[i:] + chain[:i] for chain in (fs, back) for i in range(len(chain))]
    return [fn(K.TR, product(r)) for r in rotations]




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


def identity_insertion(e: Expr, join: Join) -> list[Expr]:
    """F + F B = F (I + B), and F + B F = (I + B) F (the engine keeps one where F is long enough
    for it to pay)."""
    return [c for c in (_insertion(e, True), _insertion(e, False)) if c is not None]


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


def distribute_to_collect(e: Expr, join: Join) -> list[Expr]:
    """The sums inside the terms multiplied out, each new term joined by the engine's pair rules
    (join) before the sum collects like terms (the engine keeps it where they meet and the whole
    is shorter): the Hessian of a^T x / b^T x is 2 (a^T x) b b^T / (b^T x)^3 - (a b^T + b a^T) / (b^T x)^2."""
    terms: list[Expr] = []
    for t in e.args:
        parts = _expand_term(t)
        terms.extend([join(p) for p in parts] if parts is not None else [t])
    return [] if len(terms) > 16 else [total(terms)]


# ------------------------------------------------------------------ (A + B)^T
def has_transposed_term(e: Expr) -> bool:
    return not e.is_scalar and any(t.op == K.T or (t.op == K.MUL and t.args[-1].op == K.T) for t in e.args)


def transpose_out(e: Expr, join: Join) -> list[Expr]:
    """A^T + B^T = (A + B)^T and A^T .* B^T = (A .* B)^T (the engine keeps it where shorter: the terms may then
    share a factor, (V G^T) .* S^T - (M .* S)^T = (S .* (G V^T - M))^T)."""
    flipped = [transpose(t) for t in e.args]
    inner = total(flipped) if e.op == K.ADD else hadamard(flipped)
    return [E.T(inner)] if inner.op != K.T else []

