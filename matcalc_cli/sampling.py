"""Random points of the whole domain, for `matcalc check` and `diff --verify`.

A claim right only near 0.5, only for positive entries, only on one side of a kink or only
for one size is caught only by points that leave those places. So each point draws its
dimensions from a wide pool (distinct names get distinct sizes), its variables at scales
from 1e-3 to 1e3 (each variable its own, or entries spread over the whole range), around
the numbers of the expression (where kinks and poles sit: relu(x - 1), abs(x + 1)), and
with entries of both signs. A variable is narrowed only as far as the expression needs:
to entries of one sign (either sign: log(x .* y) is defined with x and y both negative),
then to positive ones, and only when the wider domain keeps failing for it.

drawing.py draws one variable in a domain (drawing.DOMAINS, one function per domain);
this module decides which domain, which scale and which sizes, and where a point is smooth.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.drawing import ENTRIES, UNIT, Scale, Values, dim_sizes, draw_in, size_of
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Dim, Expr, Shape
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import OPS
from matcalc_cli.structure import Structure, Structures, as_structures

# Dimension sizes a check draws from: a claim polynomial in n agrees with the derivative at
# as many sizes as its degree at most, and a point count above that many sizes catches it.
CHECK_SIZES = (2, 3, 4, 5, 6, 7, 8, 9, 11, 13)
LADDER = (1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1000.0)
# A second derivative by finite differences steps 1e-4 of a variable's size: at 1e3, steps of
# 0.1 would blur sin(x); these sizes keep its truncation error below its tolerance.
SECOND_LADDER = (1e-2, 0.1, 1.0, 10.0)
LEVELS = ("signed", "one-signed", "positive")  # the domains, widest first
_TRIES = 60  # random points drawn before giving up on finding defined ones
_GIVE_UP = 2  # a domain that failed this often for a variable and never held is left for a narrower one
_GREEDY = 24  # beyond this many variables, one evaluation each would cost too much
MAX_ENTRIES = 4_000_000  # of one variable at a random point (32 MB of floats)


@dataclass
class Point:
    values: Values
    sizes: dict[Dim, int]


def entries_of(shape: Shape, sizes: dict[Dim, int]) -> int:
    return size_of(shape[0], sizes) * size_of(shape[1], sizes)


def shapes_in(*roots: Expr) -> list[Shape]:
    """The shapes of every node of the trees, and (k, 1) for a size(k): every dimension the
    trees name, which a point must give a size (eye(k) with no variable of size k)."""
    out: dict[Shape, None] = {}
    for root in roots:
        for node in E.walk(root):
            out[node.shape] = None
            if node.op == K.SIZE:
                out[(node.dim, 1)] = None
    return list(out)


def numbers_in(*roots: Expr) -> tuple[float, ...]:
    """The magnitudes of the numbers written in the trees: where kinks and poles sit."""
    found: set[float] = set()
    for root in roots:
        for node in E.walk(root):
            if node.op == K.CONST:
                v = abs(float(node.number))
                if 1e-6 < v < 1e6:
                    found.add(v)
    return tuple(sorted(found))


def scales(i: int, names: Iterable[str], numbers: tuple[float, ...], rng: np.random.Generator,
           together: bool = False, ladder: tuple[float, ...] = LADDER) -> dict[str, Scale]:
    """The scale of each variable at point i: unit first, then in turn entries spread over
    1e-3..1e3, each variable its own size from the ladder, and sizes around a number of
    the expression (entries from 0.17 to 1.5 times it: both sides of it). together: every
    variable at one size, never spread (finite differences: their rounding is relative to
    the function's size, and a term of a variable far smaller than another's would drown)."""
    names = list(names)
    turn = i % 4
    if i == 0:
        return {n: UNIT for n in names}
    if turn == 1 and not together:
        return {n: Scale(1.0, spread=True) for n in names}
    if turn == 3 and numbers:
        c = float(rng.choice(numbers))
        return {n: Scale(c / 0.6) if together or rng.random() < 0.75 else UNIT for n in names}
    if together:
        size = float(rng.choice(ladder))
        return {n: Scale(size) for n in names}
    return {n: Scale(float(rng.choice(ladder))) for n in names}


def points(variables: dict[str, Shape], symmetric: Structures | Collection[str], extra: list[Shape],
           defined: Callable[[Point], bool], count: int = 12, numbers: tuple[float, ...] = (),
           pool: tuple[int, ...] = CHECK_SIZES, together: bool = False,
           kinks: tuple[Kink, ...] = (), ladder: tuple[float, ...] = LADDER) -> list[Point]:
    """count random points where defined() holds (the derivative is finite, no kink is near),
    and, for each of the kinks (arguments of abs, relu, ... in the expression or a claim),
    points just on both sides of where it changes sign (near_kinks). The seeds are fixed so
    that a verdict is reproducible. symmetric: the structures declared (or the names of
    symmetric matrices): a structured name is drawn from its structure (drawing.STRUCTURES),
    a --positive one with positive entries only, whatever the narrowing."""
    structures = as_structures(symmetric)
    shapes = {**variables, **{f"{i}": s for i, s in enumerate(extra)}}  # dims only in the claim
    for name, shape in variables.items():
        entries = max(entries_of(shape, dim_sizes(shapes, base, pool)) for base in range(len(pool)))
        if entries > MAX_ENTRIES:
            raise MatcalcError("unsupported", f"{name} has {entries:,} entries: too large to evaluate at random "
                               f"points (at most {MAX_ENTRIES:,}; a named dimension, --shape {name}=n, is "
                               "evaluated at small sizes)")
    narrowing = _Narrowing(list(variables))
    out: list[Point] = []
    for seed in range(max(_TRIES, 4 * count)):
        rng = np.random.default_rng(seed)
        sizes = dim_sizes(shapes, base=seed, pool=pool)
        at = scales(seed, variables, numbers, rng, together, ladder)

        def drawn(levels: dict[str, int], rng: np.random.Generator = rng, sizes: dict[Dim, int] = sizes,
                  at: dict[str, Scale] = at) -> Values:
            return {n: draw_in(ENTRIES if n in structures.positive else LEVELS[levels[n]], s, structures.of(n), rng,
                               sizes, at[n]) for n, s in variables.items()}

        levels = narrowing.levels()
        p = Point(drawn(levels), sizes)
        if defined(p):
            narrowing.held(levels)
        else:
            p = narrowing.narrowed(p, levels, drawn, defined)  # type: ignore[assignment]
        if p is not None:
            out.append(p)
            if len(out) == count:
                return out + near_kinks(out, kinks, defined, rigid(structures))
    raise MatcalcError("unsupported", "cannot find random points where the derivative is defined")


class _Narrowing:
    """Which domain each variable is drawn from, learnt from the points that failed."""

    def __init__(self, names: list[str]) -> None:
        self.failed = {n: [0] * len(LEVELS) for n in names}
        self.worked = {n: [0] * len(LEVELS) for n in names}

    def levels(self) -> dict[str, int]:
        out = {}
        for n, failed in self.failed.items():
            level = 0
            while level < len(LEVELS) - 1 and failed[level] >= _GIVE_UP and not self.worked[n][level]:
                level += 1
            out[n] = level
        return out

    def held(self, levels: dict[str, int]) -> None:
        for n, level in levels.items():
            self.worked[n][level] += 1

    def narrowed(self, p: Point, levels: dict[str, int], drawn: Callable[[dict[str, int]], Values],
                 defined: Callable[[Point], bool]) -> Point | None:
        """p with the variables of wider domains drawn from a narrower one, then each given
        back its value from p where that keeps the point defined."""
        for level in range(1, len(LEVELS)):
            raised = [n for n, lv in levels.items() if lv < level]
            if not raised:
                continue
            wider = {n: max(lv, level) for n, lv in levels.items()}
            q = Point({**p.values, **{n: v for n, v in drawn(wider).items() if n in raised}}, p.sizes)
            if not defined(q):
                continue
            for n in raised[:_GREEDY]:
                trial = Point({**q.values, n: p.values[n]}, p.sizes)
                if defined(trial):
                    q, wider[n] = trial, levels[n]
                else:
                    self.failed[n][levels[n]] += 1
            self.held(wider)
            return q
        return None


# ------------------------------------------------------------------ values and kinks
def value(e: Expr, p: Point, memo: dict[Expr, np.ndarray] | None = None) -> np.ndarray:
    """e at p; NaN where numpy cannot say (a singular matrix, log of a negative)."""
    with np.errstate(all="ignore"):
        try:
            return evaluate(e, p.values, p.sizes, memo)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return np.full((1, 1), np.nan)


def finite(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)))


# An argument, where it has a kink, a jump or a pole, and the period they repeat with (0: they
# do not): ops' Op.kinks and Op.period
Kink = tuple[Expr, float, float]


def kinks_in(*roots: Expr) -> tuple[Kink, ...]:
    """The kinks, jumps and poles of the trees (abs, sign, relu, step, tan, ...), each once."""
    return tuple(dict.fromkeys((n.args[0], float(k), float(OPS[n.op].period)) for root in roots
                               for n in E.walk(root) for k in OPS[n.op].kinks))


def _side(kink: Kink, p: Point) -> np.ndarray:
    """Entry by entry, which side of its kink the argument is on (-1 or 1, 0 exactly at it);
    for kinks repeating every period (tan's poles at pi/2 + k pi, far ones too), which of
    the intervals between them it is in. A move crosses a kink where this changes."""
    arg, at, period = kink
    past = value(arg, p) - at
    return np.floor(past / period) if period else np.sign(past)


FIRST_MARGIN = 1e-3  # every entry moved by this fraction of itself crosses no kink: 1000 steps of 1e-6
SECOND_MARGIN = 1e-2  # second derivatives step 1e-4 twice


def smooth_at(e: Expr, p: Point, margin: float = FIRST_MARGIN) -> bool:
    """No argument of abs, sign, relu or step changes sign when every entry of every variable
    moves by margin times itself (twice, with random signs): the finite differences, which
    move an entry by far less, cross no kink or jump. A kink anywhere counts, not only at 0:
    relu(x - 1) is smooth at x = 0.5 and 1.5, not at 1.0001."""
    kinks = kinks_in(e)
    if not kinks:
        return True
    at = [value(k[0], p) for k in kinks]
    if not all(finite(a) for a in at):
        return False
    rng = np.random.default_rng(7)
    for _ in range(2):
        moved = Point({n: _moved(v, margin, rng) for n, v in p.values.items()}, p.sizes)
        for k, a in zip(kinks, at, strict=True):
            b = value(k[0], moved)
            if b.shape != a.shape or not _clear(k, a, b):
                return False
    return True


def _clear(kink: Kink, a: np.ndarray, b: np.ndarray) -> bool:
    """The argument moved from a to b crosses no kink; a pole (a kink that repeats: tan's)
    is not even as near as that move either way, since a difference near a pole is off
    without crossing it, where one near a kink of abs or relu is exact."""
    _, at, period = kink
    if not period:
        return bool(np.all(np.sign(a - at) == np.sign(b - at)) and np.all(a != at))
    reach = np.abs(b - a)
    return bool(np.all(np.floor((a - at - reach) / period) == np.floor((a - at + reach) / period)))


KINK_POINTS = 12  # at most, beside the random ones
_GRID = np.geomspace(1e-3, 1e3, 31)
_SIDES = (0.97, 0.995, 1.005, 1.03)  # of the crossing's scale: outside smooth_at's margin of 1e-3


def rigid(structures: Structures) -> frozenset[str]:
    """The names a point may not scale: an orthogonal Q times t is not orthogonal."""
    return frozenset(n for n, s in structures.items() if s is Structure.ORTHOGONAL)


def near_kinks(base: list[Point], kinks: tuple[Kink, ...], defined: Callable[[Point], bool],
               fixed: frozenset[str] = frozenset()) -> list[Point]:
    """Points where an entry of a kink's argument is about to change sign, on both sides:
    every variable of a random point (but the fixed ones: rigid) scaled by t, t found where
    the argument crosses 0 (a grid from 1e-3 to 1e3, then bisection). relu(x - 1) is probed
    at x = 0.97 / x_i and 1.03 / x_i; a claim whose kink is moved, or that lacks one, differs there."""
    out: list[Point] = []
    for k in kinks:
        for p in base[:3]:
            t = _crossing(k, p, fixed)
            if t is None:
                continue
            for side in _SIDES:
                q = _scaled(p, t * side, fixed)
                if defined(q):
                    out.append(q)
            break
        if len(out) >= KINK_POINTS:
            break
    return out[:KINK_POINTS]


def _scaled(p: Point, t: float, fixed: frozenset[str] = frozenset()) -> Point:
    return Point({n: v if n in fixed else (float(v) * t if np.ndim(v) == 0 else np.asarray(v) * t)
                  for n, v in p.values.items()}, p.sizes)


def _crossing(k: Kink, p: Point, fixed: frozenset[str] = frozenset()) -> float | None:
    signs = []
    for t in _GRID:
        a = _side(k, _scaled(p, float(t), fixed))
        signs.append(a if finite(a) else None)
    for i in range(len(_GRID) - 1):
        s0, s1 = signs[i], signs[i + 1]
        if s0 is None or s1 is None or s0.shape != s1.shape or np.array_equal(s0, s1):
            continue
        lo, hi = float(_GRID[i]), float(_GRID[i + 1])
        for _ in range(40):  # bisection on the first entry that changes sign
            mid = np.sqrt(lo * hi)
            sm = _side(k, _scaled(p, mid, fixed))
            if sm.shape == s0.shape and np.array_equal(sm, s0):
                lo = mid
            else:
                hi = mid
        return float(np.sqrt(lo * hi))
    return None


def _moved(v: object, margin: float, rng: np.random.Generator) -> object:
    a = np.asarray(v, dtype=float)
    s = rng.choice([-1.0, 1.0], a.shape)
    if a.ndim == 2 and a.shape[0] == a.shape[1] and np.allclose(a, a.T):
        s = np.triu(s) + np.triu(s, 1).T  # a symmetric variable stays symmetric
    out = a * (1 + margin * s)
    return float(out) if a.ndim == 0 else out


# ------------------------------------------------------------------ comparison
def terms(e: Expr) -> list[Expr]:
    """The terms of a sum, through transposes: each is a scale of its own."""
    if e.op == K.ADD:
        return [t for a in e.args for t in terms(a)]
    if e.op == K.T:
        return [E.T(t) for t in terms(e.args[0])]
    return [e]


def magnitude(e: Expr, p: Point, memo: dict[Expr, np.ndarray] | None = None) -> np.ndarray:
    """Entry by entry, the sum of the absolute values of e's terms: what a difference is
    measured against (a term a million times smaller than another is still a term)."""
    parts = [np.abs(value(t, p, memo)) for t in terms(e)]
    out = parts[0]
    for part in parts[1:]:
        out = out + part if part.shape == out.shape else out
    return out


def entrywise(got: np.ndarray, want: np.ndarray, scale: np.ndarray, floor: float,
              noise: float = 0.0) -> np.ndarray:
    """|got - want| relative to scale, entry by entry; floor (times the largest scale) keeps
    rounding in an entry that cancels to almost nothing from counting, and so does noise
    (an absolute size, already divided by the tolerance)."""
    diff = np.abs(got - want)
    diff[~np.isfinite(diff)] = np.inf
    s = np.broadcast_to(scale, diff.shape) if scale.size in (1, diff.size) else np.zeros(diff.shape)
    s = np.where(np.isfinite(s), s, 0.0)
    top = float(np.max(s)) if s.size else 0.0
    with np.errstate(all="ignore"):
        rel = diff / (s + floor * top + noise + 1e-300)
    rel[diff == 0] = 0.0
    return rel
