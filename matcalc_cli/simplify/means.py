"""Means and centred vectors, the algebra of normalisation layers.

A layer norm's derivative is full of u = x - mean(x), sums of u and sums divided by the
length. The paper writes them with two facts the normal form does not know: a centred
vector sums to zero (a pattern of rules.py, centred-sum, as is centred-sign), and sum(v) / n is
mean(v), which stays code: the count n is read off the summand's shape (size(n), or the number
1/n), and a quotient of a sum spreads over its terms."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.normal import hadamard, product, total, transpose


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
        v = _inner(E.Expr(K.MUL, (e.args[chain[0]], e.args[chain[1]]), E.SCALAR))
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
    return product([*rest, fn(K.MEAN, v)])
