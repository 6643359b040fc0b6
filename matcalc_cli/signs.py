"""Where the entries of a typed tree can lie: an interval for every node, valid at every
point of the domain and for every value of the names that are not declared otherwise.

Used by the convexity certificates (curvature.py, definiteness.py) for the facts they rest on: a
nonnegative diagonal, a nonnegative coefficient, an argument inside a function's domain.
An interval is a claim, so each rule here is on the safe side: where the arithmetic of an
operation is not worked out, the interval is the whole line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import OPS

INF = math.inf


@dataclass(frozen=True)
class Interval:
    """lo <= entry <= hi; an open end is not reached (lo_open: entry > lo)."""

    lo: float = -INF
    hi: float = INF
    lo_open: bool = True
    hi_open: bool = True

    @property
    def nonneg(self) -> bool:
        return self.lo >= 0

    @property
    def positive(self) -> bool:
        return self.lo > 0 or (self.lo == 0 and self.lo_open)

    @property
    def nonpos(self) -> bool:
        return self.hi <= 0

    @property
    def negative(self) -> bool:
        return self.hi < 0 or (self.hi == 0 and self.hi_open)

    def text(self) -> str:
        def num(v: float) -> str:
            return "inf" if v == INF else "-inf" if v == -INF else f"{v:g}"

        return f"{'(' if self.lo_open else '['}{num(self.lo)}, {num(self.hi)}{')' if self.hi_open else ']'}"


LINE = Interval()


def point(v: float) -> Interval:
    return Interval(v, v, False, False)


def _add(a: Interval, b: Interval) -> Interval:
    lo, hi = a.lo + b.lo, a.hi + b.hi
    return Interval(lo, hi, a.lo_open or b.lo_open or lo == -INF, a.hi_open or b.hi_open or hi == INF)


def _neg(a: Interval) -> Interval:
    return Interval(-a.hi, -a.lo, a.hi_open, a.lo_open)


def _times(x: float, y: float) -> float:
    return 0.0 if x == 0 or y == 0 else x * y  # 0 * inf is 0 here: a zero factor is exactly zero


def _mul(a: Interval, b: Interval) -> Interval:
    if b.lo == b.hi and not a.lo == a.hi:
        a, b = b, a
    if a.lo == a.hi and math.isfinite(a.lo):  # a known number scales: the open ends stay open
        c = a.lo
        if c == 0:
            return point(0.0)
        scaled = Interval(_times(c, b.lo), _times(c, b.hi), b.lo_open, b.hi_open)
        return scaled if c > 0 else Interval(scaled.hi, scaled.lo, b.hi_open, b.lo_open)
    corners = [_times(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    lo, hi = min(corners), max(corners)
    if a.nonneg and b.nonneg:  # open ends are claimed only where the arithmetic is clear
        return Interval(lo, hi, (a.lo_open and (b.lo_open or b.lo > 0)) or (b.lo_open and a.lo > 0) or lo == -INF,
                        a.hi_open or b.hi_open or hi == INF)
    return Interval(lo, hi, lo == -INF, hi == INF)


def _reciprocal(a: Interval) -> Interval:
    if a.positive:
        return Interval(0.0 if a.hi == INF else 1 / a.hi, INF if a.lo == 0 else 1 / a.lo,
                        a.hi == INF or a.hi_open, a.lo == 0 or a.lo_open)
    if a.negative:
        return _neg(_reciprocal(_neg(a)))
    return LINE


def _summed(a: Interval) -> Interval:
    """A sum of an unknown number (at least one) of entries of a: its sign only."""
    if a.lo >= 0:
        return Interval(a.lo, INF, a.lo_open, True)
    if a.hi <= 0:
        return Interval(-INF, a.hi, True, a.hi_open)
    return LINE


def _monotone(f: Callable[[float], float], a: Interval, lo: float, hi: float) -> Interval:
    """The image of a under a strictly increasing f with f(-inf) = lo, f(inf) = hi."""
    flo = lo if a.lo == -INF else f(a.lo)
    fhi = hi if a.hi == INF else f(a.hi)
    return Interval(flo, fhi, a.lo_open or a.lo == -INF, a.hi_open or a.hi == INF)


class _Numbers:
    """What a record's evaluator asks for, to give its value at one number."""

    np = np

    def size(self, d: object) -> int:
        raise AssertionError("an elementwise function asks for no dimension")

    def value(self, name: str) -> object:
        raise AssertionError("an elementwise function asks for no variable")


def _increasing(n: Expr, a: Interval) -> Interval:
    """The image of a under n's strictly increasing function, by the function's own values
    (its record's evaluator) and limits; below its domain (log of a negative) its lower limit."""
    op = OPS[n.op]
    lo, hi = op.limits

    def f(v: float) -> float:
        with np.errstate(all="ignore"):
            y = float(np.asarray(op.evaluate(_Numbers(), n, [np.full((1, 1), v)])).item())
        return lo if math.isnan(y) else y

    return _monotone(f, a, lo, hi)


def _hull(a: Interval, b: Interval) -> Interval:
    lo = a if a.lo < b.lo or (a.lo == b.lo and not a.lo_open) else b
    hi = a if a.hi > b.hi or (a.hi == b.hi and not a.hi_open) else b
    return Interval(lo.lo, hi.hi, lo.lo_open, hi.hi_open)


def _power(a: Interval, p: float) -> Interval:
    """u^p entrywise (u.^p), a real power; outside u^p's domain the value is NaN (no point)."""
    if p == int(p) and p >= 0:
        k = int(p)
        if k == 0:
            return point(1.0)
        if k % 2 == 0:
            m = _mul(_abs(a), _abs(a))
            out = Interval(m.lo, m.hi, m.lo_open, m.hi_open)
            for _ in range(k // 2 - 1):
                out = _mul(out, m)
            return out
        return _monotone(lambda v: v ** k, a, -INF, INF)
    if p > 0:  # u >= 0 where defined
        b = Interval(max(a.lo, 0.0), a.hi, a.lo_open if a.lo >= 0 else False, a.hi_open)
        return _monotone(lambda v: v ** p, b, 0.0, INF) if b.hi >= 0 else LINE
    # p < 0: decreasing on each side of 0
    if a.positive:
        r = _monotone(lambda v: v ** -p, a, 0.0, INF)
        return _reciprocal(r)
    if a.negative and p == int(p):
        r = _power(_neg(a), p)
        return r if int(p) % 2 == 0 else _neg(r)
    return LINE


def _abs(a: Interval) -> Interval:
    if a.nonneg:
        return a
    if a.nonpos:
        return _neg(a)
    return Interval(0.0, max(-a.lo, a.hi), False, True)


Rule = Callable[[Expr, list[Interval]], Interval]
# Functions of one argument, entry by entry (the elementwise ones, and the reductions to a sign);
# a strictly increasing one (its record's increasing) is bounded by its own values instead, and
# one whose values lie in an interval whatever its argument by that (its record's bounds).
RULES: dict[str, Rule] = {
    K.SQRT: lambda n, a: _power(a[0], 0.5),
    K.ABS: lambda n, a: _abs(a[0]),
    K.RELU: lambda n, a: a[0] if a[0].nonneg else Interval(0.0, max(a[0].hi, 0.0), False, a[0].hi > 0 and a[0].hi_open),
    K.SUM: lambda n, a: _summed(a[0]),
    K.TR: lambda n, a: _summed(a[0]),
    K.MEAN: lambda n, a: a[0],
    K.T: lambda n, a: a[0],
    K.VEC: lambda n, a: a[0],
    K.UNVEC: lambda n, a: a[0],
    K.BCAST: lambda n, a: a[0],
    K.DIAG: lambda n, a: a[0] if n.shape[1] == 1 else _hull(point(0.0), a[0]),
    K.KRON: lambda n, a: _mul(a[0], a[1]),
    K.ADD: lambda n, a: _sum_all(a),
    K.HAD: lambda n, a: _product(a),
    K.HDIV: lambda n, a: _mul(a[0], _reciprocal(a[1])),
    K.EPOW: lambda n, a: _power(a[0], float(n.number)),
    K.POW: lambda n, a: _power(a[0], float(n.number)) if n.is_scalar else LINE,
    K.EYE: lambda n, a: Interval(0.0, 1.0, False, False),
    K.ONES: lambda n, a: point(1.0),
    K.ZEROS: lambda n, a: point(0.0),
    K.SIZE: lambda n, a: Interval(1.0, INF, False, True),
    K.CONST: lambda n, a: point(float(n.number)),
}


def _sum_all(items: list[Interval]) -> Interval:
    out = items[0]
    for x in items[1:]:
        out = _add(out, x)
    return out


def _product(items: list[Interval]) -> Interval:
    out = items[0]
    for x in items[1:]:
        out = _mul(out, x)
    return out


def _chain(node: Expr, items: list[Interval]) -> Interval:
    """A matrix product: an entry is a sum of products wherever an inner dimension is not 1."""
    out = items[0]
    inner = None if node.args[0].is_scalar else node.args[0].shape[1]  # of the last matrix factor
    for arg, x in zip(node.args[1:], items[1:], strict=True):
        out = _mul(out, x)
        if arg.is_scalar:
            continue
        if inner is not None and inner != 1:
            out = _summed(out)
        inner = arg.shape[1]
    return out


class Signs:
    """Intervals of the nodes of trees, memoised. positive: names whose every entry is
    positive (--positive); every other name is free."""

    def __init__(self, positive: Collection[str] = ()) -> None:
        self.positive = frozenset(positive)
        self.memo: dict[Expr, Interval] = {}

    def of(self, e: Expr) -> Interval:
        got = self.memo.get(e)
        if got is None:
            got = self.memo[e] = self._compute(e)
        return got

    def _compute(self, e: Expr) -> Interval:
        if e.op == K.VAR:
            return Interval(0.0, INF, True, True) if e.name in self.positive else LINE
        items = [self.of(a) for a in e.args]
        if e.op == K.MUL:
            return _chain(e, items)
        op = OPS[e.op]
        if op.increasing:
            return _increasing(e, items[0])
        if op.bounds is not None:
            b = op.bounds
            return Interval(b.lo, b.hi, b.lo_open, b.hi_open)
        rule = RULES.get(e.op)
        return rule(e, items) if rule is not None else LINE
