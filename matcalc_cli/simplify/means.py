"""Means and centred vectors, the algebra of normalisation layers.

A layer norm's derivative is full of u = x - mean(x), sums of u and sums divided by the
length. The paper writes them with two facts the normal form does not know: a centred
vector sums to zero (a pattern of rules.py, centred-sum), and sum(v) / n is mean(v)."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.normal import _coef, hadamard, product, total, transpose


def _shift(t: Expr) -> Expr | None:
    """The scalar s when the term t is s broadcast: bcast(s), or s ones(m, n)."""
    if t.op == K.BCAST:
        return t.args[0]
    if t.op == K.MUL:
        rest = [f for f in t.args if not f.is_scalar]
        if len(rest) == 1 and rest[0].op in (K.ONES, K.BCAST):
            inner = [rest[0].args[0]] if rest[0].op == K.BCAST else []
            return product([*(f for f in t.args if f.is_scalar), *inner])
    return None


def _centring(u: Expr) -> int:
    """1 when u = t - mean(t), -1 when u = mean(t) - t, else 0: t a vector or matrix (or its
    transpose: mean(x^T) = mean(x)) and mean(t) broadcast to t's shape, so that u's entries
    sum to zero."""
    if u.op != K.ADD or len(u.args) < 2:
        return 0
    shifts = [(i, _shift(a)) for i, a in enumerate(u.args)]
    found = [(i, v) for i, v in shifts if v is not None]
    if len(found) != 1:
        return 0
    i, shift = found[0]
    c, core = _coef(shift)
    if abs(c) != 1 or core.op != K.MEAN:
        return 0
    m = core.args[0]
    rest = total([product([E.const(-c), a]) for k, a in enumerate(u.args) if k != i])
    if rest == m or (rest.shape == m.shape[::-1] and transpose(rest) == m):
        return -int(c)
    return 0



def has_negated_centred(e: Expr) -> bool:
    return any(_centring(f) == -1 for f in e.args)


def centred_sign_out(e: Expr) -> Expr:
    """(mean(x) 1 - x) s = -(x - mean(x)) s: the centred vector keeps its spelling (and its name)."""
    flips = [f for f in e.args if _centring(f) == -1]
    return product([E.const(-1 if len(flips) % 2 else 1), *(_centred(f) if f in flips else f for f in e.args)])


def _centred(u: Expr) -> Expr:
    """-u for u = mean(t) - t, spelled as the builders spell t - mean(t): with mean(t) broadcast."""
    terms = [product([E.const(-1), a]) for a in u.args]
    shift = next(t for t in terms if _shift(t) is not None)
    rest = [t for t in terms if t is not shift]
    return total([*rest, E.bcast(_shift(shift), u.shape)])  # type: ignore[arg-type]





# ------------------------------------------------------------------ sum(v) / n = mean(v)
def _entries(v: Expr) -> E.Dim:
    return E.dim_product(*v.shape)


def _is_count(f: Expr, n: E.Dim) -> bool:
    """f is 1 / n: size(n)^-1, or the number 1/n when n is a number."""
    if isinstance(n, int):
        return E.is_const(f) and n > 1 and f.number == Fraction(1, n)
    return f.op == K.POW and f.number == -1 and f.args[0].op == K.SIZE and f.args[0].dim == n


def _inner(f: Expr) -> Expr | None:
    """a^T b of two vectors of the same length, as sum(a .* b)'s summand."""
    # The factors' own shapes, not f's: the chain of a product is put together here with a
    # scalar shape, which M u (a matrix by a vector) is not.
    if f.op == K.MUL and len(f.args) == 2 and f.args[0].shape[0] == 1 and f.args[1].shape[1] == 1:
        return hadamard([transpose(f.args[0]), f.args[1]])
    return None


def _sums(e: Expr) -> list[tuple[tuple[int, ...], Expr]]:
    """The sums among the factors of the product e, each as (its factors' indices, summand):
    sum(v), an inner product a^T b as sum(a .* b), alone or as the product's whole chain."""
    out: list[tuple[tuple[int, ...], Expr]] = []
    for j, f in enumerate(e.args):
        v = f.args[0] if f.op == K.SUM else _inner(f)
        if v is not None:
            out.append(((j,), v))
    chain = [j for j, f in enumerate(e.args) if not f.is_scalar]
    if len(chain) == 2:
        v = _inner(E.Expr("mul", (e.args[chain[0]], e.args[chain[1]]), E.SCALAR))
        if v is not None:
            out.append((tuple(chain), v))
    return out


def _pair(e: Expr) -> tuple[tuple[int, ...], Expr] | None:
    """The factors of the product e that are 1/n times a sum over n entries, and the summand."""
    for used, v in _sums(e):
        for i, g in enumerate(e.args):
            if i not in used and _is_count(g, _entries(v)):
                return (i, *used), v
    return None


def _spread(e: Expr) -> Expr | None:
    """(s1 + s2) / n with a sum over n entries in every term: each term's mean."""
    counts = [i for i, g in enumerate(e.args) if g.op in (K.POW, K.CONST)]
    sums = [j for j, f in enumerate(e.args) if f.op == K.ADD]
    if len(sums) != 1:
        return None
    for i in counts:
        terms = [product([e.args[i], t]) for t in e.args[sums[0]].args]
        if all(t.op == K.MUL and _pair(t) is not None for t in terms):
            rest = [f for k, f in enumerate(e.args) if k not in (i, sums[0])]
            return product([*rest, total([as_mean(t) for t in terms])])
    return None


def has_mean(e: Expr) -> bool:
    return _pair(e) is not None or _spread(e) is not None


def as_mean(e: Expr) -> Expr:
    """sum(v) / n = mean(v); a^T b / n = mean(a .* b); (s1 + s2) / n term by term."""
    found = _pair(e)
    if found is None:
        return _spread(e) or e
    used, v = found
    rest = [f for k, f in enumerate(e.args) if k not in used]
    return product([*rest, fn("mean", v)])
