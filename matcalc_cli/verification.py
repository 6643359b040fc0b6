"""`diff --verify`: matcalc's derivative against central finite differences of the
expression, at random points of the whole domain (checking.points), entry by entry, or
along a random sample of the entries of a large variable.

numpy comes in through numeric.py, so it is imported only when verifying.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli.build import build
from matcalc_cli.checking import VERIFY_TOL, json_num, margin, num_text
from matcalc_cli.derive import FinishedDerivative
from matcalc_cli.drawing import dim_sizes, size_of
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.extrapolation import second_opinion
from matcalc_cli.numeric import evaluate, kind, numeric_derivative, steps, unarrange
from matcalc_cli.report import Report
from matcalc_cli.sampling import (
    LADDER,
    MAX_ENTRIES,
    SECOND_LADDER,
    Point,
    entries_of,
    entrywise,
    finite,
    magnitude,
    numbers_in,
    points,
    shapes_in,
    smooth_at,
    value,
)

MAX_VERIFY_ENTRIES = 400  # of a variable differenced entry by entry (two evaluations an entry)
VERIFY_POINTS = 5  # unit scale, entries spread over 1e-3..1e3, each variable its own scale, ...
VERIFY_SIZES = (3, 2, 4, 5, 6, 7)  # finite differences cost an evaluation per entry (per pair: second)
FD_FLOOR = 1e-8  # of the largest entry: finite differences' rounding where an entry is about 0


@dataclass(frozen=True)
class Verification:
    errors: tuple[float, ...]  # the relative error at each point
    sampled: int = 0  # a large variable: how many of its entries each point perturbs
    entries: int = 0  # ... out of how many

    @property
    def max_error(self) -> float:
        return max(self.errors)

    @property
    def ok(self) -> bool:
        return self.max_error <= VERIFY_TOL

    def text(self) -> str:
        verdict = "ok" if self.ok else "exceeds the tolerance"
        along = f", along {self.sampled} random entries of {self.entries:,} at each" if self.sampled else ""
        return (f"largest relative error {num_text(self.max_error)} against central differences at "
                f"{len(self.errors)} random points{along} (tolerance {VERIFY_TOL:g}): {verdict}")

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "max_relative_error": json_num(self.max_error),
                "errors": [json_num(e) for e in self.errors], "points": len(self.errors),
                "tolerance": VERIFY_TOL, **({"sampled_entries": self.sampled} if self.sampled else {})}


def verify(report: Report) -> Verification:
    """The derivative against central differences of the expression at random points."""
    f = report.function if report.function is not None else build(report.syntax(), report.variables,
                                                                   report.symmetric)
    xs = [E.var(w, report.variables[w], report.structures.of(w)) for w in report.wrt]
    d = report.derivative
    # (a dimension only a constant names, ones(n) with no variable of size n, gets a size too)
    sizes = dim_sizes({**report.variables, **{f"{i}": s for i, s in enumerate(shapes_in(f, d.expr))}})
    entries = entries_of(xs[0].shape, sizes)
    sampled = entries > MAX_VERIFY_ENTRIES
    small = f"a named dimension, --shape {xs[0].name}=n, is verified at small sizes"
    if entries > MAX_ENTRIES or entries_of(d.shape, sizes) > MAX_ENTRIES:
        what = f"{xs[0].name} has {entries:,}" if entries > MAX_ENTRIES else \
            f"the derivative has {entries_of(d.shape, sizes):,}"
        raise MatcalcError("unsupported", f"--verify: {what} entries: too large to evaluate at random points "
                           f"(at most {MAX_ENTRIES:,}; {small})")
    if sampled and (len(xs) == 2 or xs[0].info.structure is not None):
        raise MatcalcError("unsupported", f"--verify: {xs[0].name} has {entries:,} entries; "
                           f"{'a second derivative' if len(xs) == 2 else 'a structured variable'} is verified "
                           f"entry by entry, for variables of at most {MAX_VERIFY_ENTRIES} entries ({small})")
    for x in xs[1:]:  # a pair of evaluations per pair of entries
        if entries_of(x.shape, sizes) > MAX_VERIFY_ENTRIES:
            raise MatcalcError("unsupported", f"--verify: {x.name} has {entries_of(x.shape, sizes):,} entries; "
                               f"a second derivative is verified for variables of at most {MAX_VERIFY_ENTRIES}")

    def defined(p: Point) -> bool:
        return finite(value(f, p)) and finite(value(d.expr, p)) and smooth_at(f, p, margin(report))

    errors: list[float] = []
    noisy: list[float] = []  # errors at points where the differences are rounding noise
    count = SAMPLED_POINTS if sampled else VERIFY_POINTS
    for i, p in enumerate(points(report.variables, report.symmetric, shapes_in(f, d.expr), defined, count,
                                 numbers_in(f), VERIFY_SIZES, together=True,
                                 ladder=SECOND_LADDER if len(xs) == 2 else LADDER)):
        with np.errstate(all="ignore"):
            big = largest_inside(f, p)  # what rounds: a value that cancels to 0 rounded all the same
            if sampled:
                got, fd, scale, noise = _sampled(f, big, xs[0], d, p, np.random.default_rng(i))
            else:
                got, fd = value(d.expr, p), numeric_derivative(f, xs, p.values, p.sizes, d.layout)
                scale, noise = magnitude(d.expr, p), rounding(big, xs, p)
            if got.shape != fd.shape:
                errors.append(float("inf"))
                continue
            err = float(np.max(entrywise(got, fd, scale + np.abs(fd), FD_FLOOR, noise / VERIFY_TOL))) \
                if got.size else 0.0
            if err > VERIFY_TOL and not sampled:  # differenced again, entry by entry, before a mismatch
                floor = FD_FLOOR * float(np.max(scale + np.abs(fd), initial=0.0)) + noise / VERIFY_TOL
                fd = second_opinion(f, xs, p.values, p.sizes, d.layout, fd, entrywise(
                    got, fd, scale + np.abs(fd), FD_FLOOR, noise / VERIFY_TOL), VERIFY_TOL, floor, got)
                err = float(np.max(entrywise(got, fd, scale + np.abs(fd), FD_FLOOR, noise / VERIFY_TOL)))
            if err > VERIFY_TOL and not sampled and len(xs) == 1:
                # An expression that cancels (log(1 - sigmoid(u)) at u = 30: 1 - s keeps 3
                # digits) rounds more than its largest value says, and a step of 1e-6 turns
                # that into noise; a step of 1e-4, still well inside smooth_at's margin, says
                # what the difference is. A wrong derivative is off at both steps.
                # Where the two differences disagree with each other, the expression rounds
                # to noise at this point (1 - s keeps no digit at u = 35): the point says
                # nothing about the derivative either way and is left out, as long as most
                # points are left (a wrong derivative is off at every point, noise or not).
                wide = numeric_derivative(f, xs, p.values, p.sizes, d.layout, H_WIDE)
                wide_noise = rounding(big, xs, p, H_WIDE) / VERIFY_TOL
                if wide.shape == fd.shape and float(np.max(entrywise(
                        fd, wide, scale + np.abs(wide), FD_FLOOR, noise / VERIFY_TOL))) > VERIFY_TOL:
                    noisy.append(err)
                    continue
                err = min(err, float(np.max(entrywise(got, wide, scale + np.abs(wide), FD_FLOOR, wide_noise))))
        errors.append(err if np.isfinite(err) else float("inf"))  # NaN compares as passing
    if len(noisy) * 2 > len(errors) + len(noisy):  # mostly noise: nothing left out
        errors += [e if np.isfinite(e) else float("inf") for e in noisy]
    return Verification(tuple(errors), DIRECTIONS * SAMPLED if sampled else 0, entries if sampled else 0)


def rounding(big: float, xs: list[Expr], p: Point, h1: float | None = None) -> float:
    """What rounding alone can make of a central difference here: a hundred roundings of the
    largest value the function passes through (big) over the steps (numeric.steps: relative
    to each variable's size)."""
    over = 1.0
    for x, h in zip(xs, (H2, H2) if len(xs) == 2 else (h1 or H1,), strict=True):
        a = np.abs(np.asarray(p.values[x.name], dtype=float))
        over *= h * max(float(np.sqrt(np.mean(a * a))) if a.size else 1.0, 1e-6)
    return _EPS100 * big / over


_EPS100 = 100 * float(np.finfo(float).eps)


def largest_inside(f: Expr, p: Point) -> float:
    """The largest value f's evaluation passes through (f itself may cancel to about 0: the
    rounding of its parts stays)."""
    memo: dict[Expr, np.ndarray] = {}
    value(f, p, memo)
    return max((_largest(v) for v in memo.values()), default=0.0)


def _largest(a: np.ndarray) -> float:
    return float(np.max(np.abs(a))) if a.size and finite(a) else 0.0


H1, H2 = 1e-6, 1e-4  # numeric.numeric_derivative's steps: a first derivative's, each of a second's two
H_WIDE = 1e-4  # a first derivative's second step, where the first one's difference rounds too much
SAMPLED = 40  # entries of a large variable moved together, along one random direction
DIRECTIONS = 3  # such directions at each point: two evaluations each, whatever the variable's size
SAMPLED_POINTS = 3  # points for a large variable (each evaluation costs a factorisation)


def _sampled(f: Expr, big: float, x: Expr, d: FinishedDerivative, p: Point,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A variable too large to perturb entry by entry, checked all the same: along a few random
    directions, each moving SAMPLED random entries by their own step (random signs), the
    derivative times the direction against the central difference of the expression along
    it. Two evaluations a direction, and the derivative's cost is linear in its size."""
    x0 = np.asarray(p.values[x.name], dtype=float).reshape(size_of(x.shape[0], p.sizes), size_of(x.shape[1], p.sizes))
    f0 = value(f, p)
    kinds = (kind(f.shape), kind(x.shape, variable=True))
    jac = unarrange(value(d.expr, p), f0.shape, x0.shape, d.layout, *kinds)
    mag = unarrange(magnitude(d.expr, p), f0.shape, x0.shape, d.layout, *kinds)
    flat = x0.reshape(-1, order="F")
    hs = steps(flat, H1)
    got, fd, scale = [], [], []
    for _ in range(DIRECTIONS):
        picked = rng.choice(x0.size, size=min(SAMPLED, x0.size), replace=False)
        v = np.zeros_like(flat)
        v[picked] = hs[picked] * rng.choice([-1.0, 1.0], picked.size)
        up, down = (evaluate(f, {**p.values, x.name: (flat + s * v).reshape(x0.shape, order="F")}, p.sizes)
                    for s in (1.0, -1.0))
        fd.append(((up - down) / 2).reshape(-1, order="F"))
        got.append(jac[:, picked] @ v[picked])
        scale.append(mag[:, picked] @ np.abs(v[picked]))
    return np.stack(got, 1), np.stack(fd, 1), np.stack(scale, 1), _EPS100 * big
