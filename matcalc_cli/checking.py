"""Is a derivative right? `matcalc check`: a claimed derivative against matcalc's, at random
points of the whole domain (which verification.py's `diff --verify` draws too).

Pure computation: results are values, the CLI and batch decide how to print them.
numpy comes in through numeric.py, so it is imported only when checking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli.build import build, infer
from matcalc_cli.dims import format_dim, format_shape
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Dim, Expr, Shape
from matcalc_cli.numeric import (
    Values,
    dim_sizes,
    draw,
    evaluate,
    sample,
    size_of,
)
from matcalc_cli.ops import OPS
from matcalc_cli.report import Report, differentiate
from matcalc_cli.shapes import variable_names
from matcalc_cli.simplify import simplify
from matcalc_cli.syntax import parse
from matcalc_cli.where import definitions, substitute

POINTS = 3
SECOND_POINTS = 5  # a second derivative has more entries that can be wrong alone
CHECK_TOL = 1e-6  # two closed forms agree to rounding; anything above is a real difference
VERIFY_TOL = 1e-5  # finite differences (h = 1e-6, 1e-4 for second derivatives) are this good
_TRIES = 30  # random points drawn before giving up on finding defined ones

VERDICTS = {
    "equal": "the claim is equal to the derivative",
    "other-layout": "the claim is equal to the {other}-layout form, not the {layout}-layout derivative "
                    "(check it with --layout {other})",
    "transpose": "the claim is equal to the transpose of the derivative",
    "different": "the claim is not equal to the derivative",
}


class ClaimError(MatcalcError):
    """Bad input in the claim (--expect): its span points into the claim's text."""


# ------------------------------------------------------------------ points
@dataclass
class Point:
    values: Values
    sizes: dict[Dim, int]


def points(variables: dict[str, Shape], symmetric: frozenset[str], extra: list[Shape],
           defined: Callable[[Point], bool], count: int = POINTS) -> list[Point]:
    """count random well-conditioned points where defined() holds (the derivative is finite,
    no kink is near). Every variable is drawn with entries of both signs; one whose sign
    keeps the expression undefined (log(x), sqrt(x), logdet(X)) is drawn positive from then
    on. The seeds are fixed so that a verdict is reproducible; dimension sizes change from
    point to point so that a claim right only for one size is caught."""
    shapes = {**variables, **{f"{i}": s for i, s in enumerate(extra)}}  # dims only in the claim
    for name, shape in variables.items():
        entries = entries_of(shape, dim_sizes(shapes))
        if entries > MAX_ENTRIES:
            raise MatcalcError("unsupported", f"{name} has {entries:,} entries: too large to evaluate at random "
                               f"points (at most {MAX_ENTRIES:,}; a named dimension, --shape {name}=n, is "
                               "evaluated at small sizes)")
    out: list[Point] = []
    positive: set[str] = set()
    for seed in range(_TRIES):
        sizes = dim_sizes(shapes, base=seed)
        rng = np.random.default_rng(seed)
        drawn = Point(sample(variables, symmetric, rng, sizes, positive=frozenset(positive)), sizes)
        p = drawn if defined(drawn) else _positive_where_needed(drawn, variables, symmetric, positive,
                                                                defined, rng)
        if p is not None:
            out.append(p)
            if len(out) == count:
                return out
    raise MatcalcError("unsupported", "cannot find random points where the derivative is defined")


def _positive_where_needed(p: Point, variables: dict[str, Shape], symmetric: frozenset[str],
                           positive: set[str], defined: Callable[[Point], bool],
                           rng: np.random.Generator) -> Point | None:
    """p with every variable drawn positive, then each given back its signed value where that
    keeps p defined; positive learns the others. None if even all positive is undefined
    (a kink, or bad luck: draw again)."""
    signed = [n for n in variables if n not in positive]
    redrawn = {n: draw(variables[n], n in symmetric, rng, p.sizes, positive=True) for n in signed}
    q = Point({**p.values, **redrawn}, p.sizes)
    if not signed or not defined(q):
        return None
    needs = set(signed)
    for name in signed[:_GREEDY]:
        trial = Point({**q.values, name: p.values[name]}, p.sizes)
        if defined(trial):
            q = trial
            needs.discard(name)
    positive.update(needs)
    return q


_GREEDY = 24  # beyond this many variables, one evaluation each would cost too much


MAX_ENTRIES = 4_000_000  # of one variable at a random point (32 MB of floats)


def entries_of(shape: Shape, sizes: dict[Dim, int]) -> int:
    return size_of(shape[0], sizes) * size_of(shape[1], sizes)


_KINK_GAP = 0.02  # finite differences step 1e-6 (1e-4 for second derivatives): far enough


def smooth_at(e: Expr, p: Point) -> bool:
    """No argument of an op with kinks (abs, sign, relu, step: Op.kinks) is near one at p."""
    for node in E.walk(e):
        for kink in OPS[node.op].kinks:
            arg = value(node.args[0], p)
            if not finite(arg) or (arg.size and float(np.min(np.abs(arg - kink))) < _KINK_GAP):
                return False
    return True


def value(e: Expr, p: Point) -> np.ndarray:
    """e at p; NaN where numpy cannot say (a singular matrix, log of a negative)."""
    with np.errstate(all="ignore"):
        try:
            return evaluate(e, p.values, p.sizes)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return np.full((1, 1), np.nan)


def finite(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)))


def _dim_key(d: Dim) -> tuple[str, ...]:
    return tuple(sorted(str(d).split("·")))  # n·m and m·n are the same size


def same_shape(a: Shape, b: Shape) -> bool:
    return _dim_key(a[0]) == _dim_key(b[0]) and _dim_key(a[1]) == _dim_key(b[1])


# ------------------------------------------------------------------ check
@dataclass(frozen=True)
class Difference:
    """The largest entry of |claim - derivative| over the points, relative to the
    derivative's scale (max(1, max |entry|)), and where it is."""

    relative: float
    point: int  # 1-based, as printed
    entry: tuple[int, int]  # 1-based (row, column)
    claim: float
    derivative: float
    values: Values

    def text(self, against: str = "") -> str:
        r, c = self.entry
        where = (f"at point {self.point}, entry ({r}, {c}): "
                 f"claim {num_text(self.claim)}, expected {num_text(self.derivative)}")
        gap = abs(self.claim - self.derivative)
        if not np.isfinite(gap):
            return f"the claim is not a finite number {where}"
        return f"largest difference{against}: {num_text(gap)} (relative {num_text(self.relative)}) {where}"

    def point_text(self) -> str:
        return ", ".join(f"{k} = {_array_text(v)}" for k, v in self.values.items())

    def to_json(self) -> dict[str, Any]:
        return {"relative": json_num(self.relative), "point": self.point, "entry": list(self.entry),
                "claim": json_num(self.claim), "expected": json_num(self.derivative),
                "values": {k: np.asarray(v).tolist() for k, v in self.values.items()}}


@dataclass(frozen=True)
class CheckResult:
    report: Report
    expect: str  # the claim as written
    claim: Expr  # the claim, typed
    verdict: str  # a key of VERDICTS
    method: str  # "canonical form" or "numerically"
    difference: Difference | None = None
    compared_with: str = ""  # which form the difference is measured against, when not the derivative
    count: int = POINTS  # random points compared at

    @property
    def ok(self) -> bool:
        return self.verdict == "equal"

    @property
    def other_layout(self) -> str:
        return "denominator" if self.report.derivative.layout == "numerator" else "numerator"

    def message(self) -> str:
        return VERDICTS[self.verdict].format(other=self.other_layout, layout=self.report.derivative.layout)

    def to_json(self) -> dict[str, Any]:
        from matcalc_cli.render import plain

        return {"verdict": self.verdict, "equal": self.ok, "message": self.message(), "expect": self.expect,
                "claim": plain.render(self.claim), "claim_shape": [format_dim(d) for d in self.claim.shape],
                "method": self.method, "points": 0 if self.method == "canonical form" else self.count,
                "tolerance": CHECK_TOL, "compared_with": self.compared_with or "derivative",
                "difference": self.difference.to_json() if self.difference else None}

    def lines(self, show: Callable[[Expr], str]) -> list[str]:
        """The verdict and the evidence, with expressions spelled by show()."""
        rep, d = self.report, self.report.derivative
        how = self.method if self.method == "canonical form" else f"numerically at {self.count} random points"
        out = [f"{'correct' if self.ok else 'wrong'}: {self.message()}" + (f" ({how})" if self.ok else ""),
               f"  claim       {show(self.claim)}   ({format_shape(self.claim.shape)})",
               f"  derivative  {show(d.expr)}   ({format_shape(d.shape)}, {d.layout} layout, {d.kind})"]
        if self.difference is not None:
            against = f" from the {self.compared_with}" if self.compared_with else ""
            out.append(f"  {self.difference.text(against)}")
            out.append(f"  at          {self.difference.point_text()}")
        if d.note:
            out.append(f"  note        {d.note}")
        out.append(f"  shapes      {rep.assumptions_text()}")
        return out


def read_claim(text: str, report: Report) -> Expr:
    """Parse and type the claim with the expression's variables; the claim may not bring
    new names, since a derivative is a function of the same variables. A where clause (as
    matcalc's plain output prints one) is expanded: its names stand for their definitions."""
    try:
        root = parse(text, frozenset(report.variables))
        for name, node in definitions(root).items():
            if name in report.variables:
                raise MatcalcError("input", f"{name} is a variable of the expression: a where clause "
                                   "names a new subexpression", node.op_span)
        for name, start in variable_names(substitute(root)):
            if name not in report.variables:
                known = ", ".join(report.variables)
                raise MatcalcError("input", f"{name} is not a variable of the expression ({known})",
                                   (start, start + len(name)))
        return infer(root, dict(report.variables), report.symmetric).expr
    except ClaimError:
        raise
    except MatcalcError as err:
        raise ClaimError(err.kind, f"in --expect: {err.message}", err.span) from None


def check(source: str, wrt: list[str], expect: str, shapes: list[str] | None = None,
          symmetric: list[str] | None = None, layout: str = "numerator", latex: bool | None = None) -> CheckResult:
    report = differentiate(source, wrt, shapes, symmetric, layout, latex=latex)
    claim = read_claim(expect, report)
    d = report.derivative.expr
    if same_shape(claim.shape, d.shape) and simplify(claim) == d:
        return CheckResult(report, expect, claim, "equal", "canonical form")
    other_layout = "denominator" if layout == "numerator" else "numerator"
    other = differentiate(source, wrt, shapes, symmetric, other_layout, latex=latex).derivative.expr
    # The forms a claim may match, in the order they are reported, with what they are called.
    forms: list[tuple[str, Expr, str]] = [("equal", d, "")]
    if other != d:
        forms.append(("other-layout", other, f"{other_layout}-layout form"))
    forms.append(("transpose", E.T(d), "transpose of the derivative"))
    matching = [form for form in forms if same_shape(form[1].shape, claim.shape)]
    if not matching:
        raise ClaimError("shape", f"in --expect: the claim is {format_shape(claim.shape)}, "
                                  f"but the derivative is {format_shape(d.shape)}", (0, len(expect)))
    nodes = [n.shape for n in E.walk(claim)]
    f = build(report.syntax(), report.variables, report.symmetric)
    count = point_count(report)

    def defined(p: Point) -> bool:
        return finite(value(d, p)) and finite(value(f, p)) and smooth_at(f, p)

    pts = points(report.variables, report.symmetric, nodes, defined, count)
    diffs = [(verdict, name, largest_difference(claim, form, pts)) for verdict, form, name in matching]
    for verdict, _, diff in diffs:
        if diff.relative <= CHECK_TOL:
            return CheckResult(report, expect, claim, verdict, "numerically", count=count)
    _, name, diff = diffs[0]
    return CheckResult(report, expect, claim, "different", "numerically", diff, name, count)


def point_count(report: Report) -> int:
    return SECOND_POINTS if len(report.wrt) == 2 else POINTS


def largest_difference(claim: Expr, form: Expr, pts: list[Point]) -> Difference:
    worst: Difference | None = None
    for i, p in enumerate(pts):
        got, want = value(claim, p), value(form, p)
        if got.shape != want.shape:  # only with a dimension the claim gets wrong
            got = np.full(want.shape, np.nan)
        diff = np.abs(got - want)
        diff[~np.isfinite(diff)] = np.inf
        scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
        r, c = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else (0, 0)
        rel = float(diff[r, c]) / scale if diff.size else 0.0
        if worst is None or rel > worst.relative:
            worst = Difference(rel, i + 1, (int(r) + 1, int(c) + 1), float(got[r, c]), float(want[r, c]),
                               p.values)
    assert worst is not None
    return worst


# ------------------------------------------------------------------ numbers as text
def num_text(x: float) -> str:
    return f"{x:.3g}"


def json_num(x: float) -> float | None:
    return x if np.isfinite(x) else None  # JSON has no inf or NaN


def _array_text(v: Any) -> str:
    a = np.asarray(v, dtype=float)
    if a.ndim == 0 or a.size == 1:
        return num_text(float(a.reshape(-1)[0]))
    if a.shape[1] == 1:
        return "[" + ", ".join(num_text(x) for x in a[:, 0]) + "]^T"  # a column, as the input language reads it
    return "[" + "; ".join(", ".join(num_text(x) for x in row) for row in a) + "]"
