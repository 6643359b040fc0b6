"""The association of a matrix chain in exported code, chosen by the cost of its products.

A B v computed as (A B) v costs a matrix product; as A (B v), two matrix-vector products.
The dimensions the chain knows as numbers are used as they are; a named dimension's size
is the call's, so the choice is made under every assignment of small and large sizes to
the names: when one association is cheapest under all of them it is written out, and when
the cheapest depends on the sizes (E V^T V: (E V^T) V for a wide V, E (V^T V) for a tall
one) a chain of plain matrices is left to the library's multi_dot, which orders it at run
time (at trace time under jax.jit). Among equally cheap associations the written one is
the customary reading: a diagonal or a solve applied first from the left, then from the
right, otherwise left to right.
"""

from __future__ import annotations

import itertools
from functools import cache

from matcalc_cli.expr import Dim, Shape

# Sizes a named dimension is tried at: all alike first (the written choice), then each
# name small or large.
_ALIKE, _SMALL, _LARGE = 1000, 30, 3000
_MAX_NAMES = 4  # beyond this many names in one chain, only the sizes alike are tried


def _names(shapes: list[Shape]) -> list[str]:
    out: dict[str, None] = {}
    for shape in shapes:
        for d in shape:
            if isinstance(d, str):
                out.update(dict.fromkeys(d.split("·")))
    return sorted(out)


def _size(d: Dim, sizes: dict[str, int]) -> int:
    if isinstance(d, int):
        return d
    total = 1
    for part in d.split("·"):
        total *= int(part) if part.isdigit() else sizes[part]
    return total


def _preferred(kinds: tuple[str, ...]) -> int:
    """The split the customary reading makes: after a leading diagonal or solve, before a
    trailing one, otherwise before the last factor (left to right)."""
    n = len(kinds)
    if kinds[0] != "plain":
        return 1
    if kinds[-1] != "plain":
        return n - 1
    return n - 1 if all(k == "plain" for k in kinds) else 1


Spans = frozenset[tuple[int, int, int]]  # sub-chains i..j computed anyway, each split after factor i + k


def _within(computed: Spans, start: int, stop: int) -> Spans:
    """The computed spans inside factors start..stop, counted from start."""
    return frozenset((i - start, j - start, k) for i, j, k in computed if start <= i and j <= stop)


@cache
def _best(kinds: tuple[str, ...], dims: tuple[int, ...],
          computed: Spans = frozenset()) -> tuple[float, tuple[object, ...]]:
    """(cost, tree) of the cheapest association of factors i..j; dims[i], dims[i + 1] are
    factor i's rows and columns. The tree is (k, left tree, right tree), () for one factor.
    computed: spans (i, j, k) whose product (of factors i..i + k - 1 and i + k..j - 1, a
    matrix and a vector) the code computes anyway: read at no cost, split there."""
    n = len(kinds)
    if n == 1:
        return 0.0, ()
    done = next((k for i, j, k in sorted(computed) if (i, j) == (0, n)), None)
    if done is not None:
        return 0.0, (done, _best(kinds[:done], dims[:done + 1], _within(computed, 0, done))[1],
                     _best(kinds[done:], dims[done:], _within(computed, done, n))[1])
    options = []
    for k in range(1, n):
        lc, lt = _best(kinds[:k], dims[:k + 1], _within(computed, 0, k))
        rc, rt = _best(kinds[k:], dims[k:], _within(computed, k, n))
        p, q, r = dims[0], dims[k], dims[n]
        if k == 1 and kinds[0] == "diag" or k == n - 1 and kinds[-1] == "diag":
            step = float(p * r)  # a broadcast product
        elif k == 1 and kinds[0] == "solve":
            step = q ** 3 / 3 + float(q * q * r)  # a factorisation and its substitutions
        elif k == n - 1 and kinds[-1] == "solve":
            step = q ** 3 / 3 + float(p * q * q)
        else:
            step = float(p * q * r)
        options.append((lc + rc + step, k, (k, lt, rt)))
    low = min(c for c, _, _ in options)
    tied = [(k, t) for c, k, t in options if c <= low * (1 + 1e-9)]
    want = _preferred(kinds)
    k, tree = next(((k, t) for k, t in tied if k == want), tied[-1])
    return low, tree


def entries(shape: Shape) -> int:
    """How many entries an array of this shape has, the names at their customary size."""
    sizes = dict.fromkeys(_names([shape]), _ALIKE)
    return _size(shape[0], sizes) * _size(shape[1], sizes)


def scale_result(result: Shape, first: Shape) -> bool:
    """A scalar times a chain scales the chain's result, not its first factor: unless the result
    is larger, or the same shape (the same work either way, the chain left as written)."""
    return result != first and entries(result) <= entries(first)


def split(kinds: list[str], shapes: list[Shape], computed: Spans = frozenset()) -> int | None:
    """Where the chain splits into the two products multiplied last, or None when the best
    order depends on named sizes and the chain is plain (multi_dot decides at run time);
    computed: the spans whose product the code has already (_best)."""
    names = _names(shapes)
    trials = [dict.fromkeys(names, _ALIKE)]
    if len(kinds) >= 3 and names and len(names) <= _MAX_NAMES:
        trials += [dict(zip(names, c, strict=True)) for c in itertools.product((_SMALL, _LARGE), repeat=len(names))]
    trees = []
    for sizes in trials:
        dims = tuple([_size(shapes[0][0], sizes)] + [_size(s[1], sizes) for s in shapes])
        trees.append(_best(tuple(kinds), dims, computed)[1])
    if any(t != trees[0] for t in trees[1:]) and len(kinds) >= 3 and all(k == "plain" for k in kinds):
        return None
    first = trees[0]
    assert isinstance(first[0], int)
    return first[0]
