"""Is a derivative right? `matcalc check`: a claimed derivative against matcalc's, at random
points of the whole domain (which verification.py's `diff --verify` draws too).

Pure computation: results are values, the CLI and batch decide how to print them.
numpy comes in through numeric.py, so it is imported only when checking.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli import rows as R
from matcalc_cli.build import build, infer
from matcalc_cli.columns import Columns, Samples
from matcalc_cli.derive import Convention
from matcalc_cli.dims import format_dim, format_shape
from matcalc_cli.drawing import Values
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Dim, Expr, Shape
from matcalc_cli.report import Report, differentiate
from matcalc_cli.sampling import (  # noqa: F401  (Point, finite, value, smooth_at, points: what callers import from here)
    FIRST_MARGIN,
    MAX_ENTRIES,
    SECOND_MARGIN,
    Point,
    entries_of,
    entrywise,
    finite,
    kinks_in,
    magnitude,
    numbers_in,
    points,
    shapes_in,
    smooth_at,
    terms,
    value,
)
from matcalc_cli.shapes import variable_names
from matcalc_cli.simplify import simplify
from matcalc_cli.structure import ClaimConvention, Structure, Structures
from matcalc_cli.syntax import parse
from matcalc_cli.where import definitions, substitute

POINTS = 12  # a check is cheap: closed forms evaluated, no finite differences
SECOND_POINTS = 12
CHECK_TOL = 1e-6  # two closed forms agree to rounding; anything above is a real difference
ROUNDING = 100 * float(np.finfo(float).eps)  # of the largest value an evaluation passes through
VERIFY_TOL = 1e-5  # finite differences (steps 1e-6, 1e-4 for second derivatives, of each entry) are this good

VERDICTS = {
    "equal": "the claim is equal to the derivative",
    "other-layout": "the claim is equal to the {other}-layout form, not the {layout}-layout derivative "
                    "(check it with --layout {other})",
    "transpose": "the claim is equal to the transpose of the derivative",
    "different": "the claim is not equal to the derivative",
    "other-convention": "the claim is {convention}",
}
# What each recognised convention is called in a verdict.
CONVENTIONS = {
    ClaimConvention.MATRIX_COOKBOOK_SYMMETRIC:
        "2 G - G .* I for the derivative G: the Matrix Cookbook's convention for symmetric matrices, not the "
        "gradient within them",
}


class ClaimError(MatcalcError):
    """Bad input in the claim (--expect): its span points into the claim's text."""


# ------------------------------------------------------------------ points
def point_count(report: Report) -> int:
    return SECOND_POINTS if len(report.wrt) == 2 else POINTS


def margin(report: Report) -> float:
    return SECOND_MARGIN if len(report.wrt) == 2 else FIRST_MARGIN


def _dim_key(d: Dim) -> tuple[str, ...]:
    return tuple(sorted(str(d).split("·")))  # n·m and m·n are the same size


def same_shape(a: Shape, b: Shape) -> bool:
    return _dim_key(a[0]) == _dim_key(b[0]) and _dim_key(a[1]) == _dim_key(b[1])


# ------------------------------------------------------------------ check
@dataclass(frozen=True)
class Difference:
    """The largest entry of |claim - derivative| over the points, each relative to the sizes
    of the terms of both at that entry, and where it is."""

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
                "values": {k: np.asarray(v).tolist() for k, v in self.values.items()}
                if sum(np.size(v) for v in self.values.values()) <= MAX_JSON_ENTRIES else None}


@dataclass(frozen=True)
class ClaimVerdict:
    """matcalc check's verdict on one claim against the derivative (api.CheckResult, the
    public result, wraps it)."""

    report: Report
    expect: str  # the claim as written
    claim: Expr  # the claim, typed
    verdict: str  # a key of VERDICTS
    method: str  # "canonical form" or "numerically"
    difference: Difference | None = None
    compared_with: str = ""  # which form the difference is measured against, when not the derivative
    count: int = POINTS  # random points compared at
    convention: ClaimConvention | None = None  # verdict other-convention: which one the claim follows

    @property
    def ok(self) -> bool:
        return self.verdict == "equal"

    @property
    def other_layout(self) -> str:
        return "denominator" if self.report.derivative.layout == "numerator" else "numerator"

    def message(self) -> str:
        return VERDICTS[self.verdict].format(other=self.other_layout, layout=self.report.derivative.layout,
                                             convention=CONVENTIONS[self.convention] if self.convention else "")

    def to_json(self) -> dict[str, Any]:
        from matcalc_cli.render import plain

        return {"verdict": self.verdict, "equal": self.ok, "message": self.message(), "expect": self.expect,
                "claim": plain.render(self.claim), "claim_shape": [format_dim(d) for d in self.claim.shape],
                "method": self.method, "points": 0 if self.method == "canonical form" else self.count,
                "tolerance": CHECK_TOL, "compared_with": self.compared_with or "derivative",
                "difference": self.difference.to_json() if self.difference else None,
                **({"convention": self.convention.value} if self.convention else {})}

    def lines(self, show: Callable[[Expr], str]) -> list[str]:
        """The verdict and the evidence, with expressions spelled by show()."""
        return R.texts(self.rows(show))

    def rows(self, show: Callable[[Expr], str]) -> list[R.CheckRow]:
        """lines() as typed rows, for a printer that styles them by kind."""
        rep, d = self.report, self.report.derivative
        how = self.method if self.method == "canonical form" else f"numerically at {self.count} random points"
        out = [R.verdict(f"{'correct' if self.ok else 'wrong'}: {self.message()}" + (f" ({how})" if self.ok else "")),
               R.labelled("claim", f"{show(self.claim)}   ({format_shape(self.claim.shape)})"),
               R.labelled("derivative", f"{show(d.expr)}   ({format_shape(d.shape)}, {d.layout} layout, {d.kind})")]
        if self.difference is not None:
            against = f" from the {self.compared_with}" if self.compared_with else ""
            out.append(R.note(self.difference.text(against)))
            out.append(R.labelled("at", self.difference.point_text()))
        if d.note:
            out.append(R.labelled("note", d.note))
        out.append(R.labelled("shapes", rep.assumptions_text()))
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
        typed = infer(root, dict(report.variables), report.symmetric).expr
        _known_dimensions(typed, text, report)
        return typed
    except ClaimError:
        raise
    except MatcalcError as err:
        raise ClaimError(err.kind, f"in --expect: {err.message}", err.span) from None


def _dims_of(node: Expr) -> tuple[Dim, ...]:
    return (*node.shape, *([node.dim] if node.op == K.SIZE else []))


def _known_dimensions(claim: Expr, text: str, report: Report) -> None:
    """A dimension the claim names must be one of the variables' or the expression's (size(m)
    with no m anywhere is a number nobody gave)."""
    shapes: list[tuple[Dim, ...]] = list(report.variables.values())
    if report.function is not None:  # the expression's own: ones(m) in kron(x^T, ones(m))
        shapes += [_dims_of(node) for node in E.walk(report.function)]
    known = {part for shape in shapes for d in shape for part in str(d).split("·") if not part.isdigit()}
    for node in E.walk(claim):
        for d in _dims_of(node):
            for part in str(d).split("·"):
                if not part.isdigit() and part not in known:
                    at = re.search(rf"\b{re.escape(part)}\b", text)
                    span = (at.start(), at.end()) if at else (0, len(text))
                    names = ", ".join(sorted(known)) or "none"
                    raise MatcalcError("input", f"{part} is not a dimension of the expression "
                                       f"(it has {names})", span)


def check(source: str, wrt: list[str], expect: str, shapes: list[str] | None = None,
          symmetric: list[str] | None = None, layout: str = "numerator", latex: bool | None = None,
          structures: Structures | None = None) -> ClaimVerdict:
    def laid_out(how: str) -> Report:
        return differentiate(source, wrt, shapes, symmetric, how, latex=latex, structures=structures)

    report = laid_out(layout)
    return judge(report, read_claim(expect, report), expect, laid_out)


def judge(report: Report, claim: Expr, expect: str, laid_out: Callable[[str], Report]) -> ClaimVerdict:
    """The typed claim (expect: as written) against report's derivative: its canonical form,
    else values at random points, against the other layout's form (laid_out: the same
    derivation in a layout), the transpose and another convention (other_convention) too,
    to name them."""
    layout = report.derivative.layout
    d = report.derivative.expr
    if same_shape(claim.shape, d.shape) and simplify(claim) == d:
        return ClaimVerdict(report, expect, claim, "equal", "canonical form")
    other_layout = "denominator" if layout == "numerator" else "numerator"
    other = laid_out(other_layout).derivative.expr
    # The forms a claim may match, in the order they are reported, with what they are called.
    forms: list[tuple[str, Expr, str]] = [("equal", d, "")]
    if other != d:
        forms.append(("other-layout", other, f"{other_layout}-layout form"))
    forms.append(("transpose", E.T(d), "transpose of the derivative"))
    convention = other_convention(report)
    if convention is not None:
        forms.append(("other-convention", convention[1], "Matrix Cookbook's form"))
    matching = [form for form in forms if same_shape(form[1].shape, claim.shape)]
    if not matching:
        raise ClaimError("shape", f"in --expect: the claim is {format_shape(claim.shape)}, "
                                  f"but the derivative is {format_shape(d.shape)}", (0, len(expect)))
    f = build(report.syntax(), report.variables, report.symmetric)
    nodes = shapes_in(claim, d, f)
    count = point_count(report)

    samples = Samples([claim, *(form for _, form, _ in matching)])  # a large derivative's columns

    def defined(p: Point) -> bool:
        sample = samples(p, d.shape)
        derivative = value(d, p) if sample is None else sample.of(d)
        return finite(derivative) and finite(value(f, p)) and smooth_at(f, p, margin(report))

    pts = points(report.variables, report.symmetric, nodes, defined, count, numbers_in(f, claim),
                 kinks=kinks_in(f, claim))
    found = largest_differences(claim, [form for _, form, _ in matching], pts, samples)
    diffs = [(verdict, name, diff) for (verdict, _, name), diff in zip(matching, found, strict=True)]
    for verdict, _, diff in diffs:
        if diff.relative <= CHECK_TOL:
            which = convention[0] if verdict == "other-convention" and convention else None
            return ClaimVerdict(report, expect, claim, verdict, "numerically", count=len(pts), convention=which)
    _, name, diff = diffs[0]
    return ClaimVerdict(report, expect, claim, "different", "numerically", diff, name, len(pts))


def other_convention(report: Report) -> tuple[ClaimConvention, Expr] | None:
    """The derivative in another convention for its structure, where one is in use: by a
    symmetric (or SPD) matrix, the Matrix Cookbook's 2 G - G .* I (section 2.8.2): a gradient
    of a scalar in the convention sym(G), which present.py gives exactly those."""
    d = report.derivative
    if len(report.wrt) != 1 or d.within not in (Structure.SYMMETRIC, Structure.SPD) \
            or Convention.SYMMETRIC not in d.conventions:
        return None
    g = d.expr
    return ClaimConvention.MATRIX_COOKBOOK_SYMMETRIC, E.sub(E.mul(E.const(2), g), E.had(g, E.eye(g.shape[0])))


def largest_difference(claim: Expr, form: Expr, pts: list[Point]) -> Difference:
    """Entry by entry, |claim - form| relative to the sum of the sizes of both sides' terms.
    The point reported is one where the claim is not a number, else the smallest one where
    it is off (the easiest to read), the earliest of those; with no such point, the largest difference of all."""
    return largest_differences(claim, [form], pts)[0]


def largest_differences(claim: Expr, forms: list[Expr], pts: list[Point],
                        samples: Samples | None = None) -> list[Difference]:
    """largest_difference against each form, the point outermost: the claim and every form
    share one memo at each point (an inverse of a large matrix is computed once, not once
    per form), and only one point's values are held at a time. samples: a large derivative
    compared on sampled columns (columns.py), at a cost linear in its size."""
    found: list[list[tuple[bool, int, int, Difference]]] = [[] for _ in forms]
    for i, p in enumerate(pts):
        sample = samples(p, claim.shape) if samples is not None else None
        memo: dict[Expr, np.ndarray] = sample.memo if sample else {}  # the claim and the forms share subexpressions
        for k, form in enumerate(forms):
            found[k].append(_difference_at(claim, form, p, i, memo, sample))
    return [_reported(f) for f in found]


def _difference_at(claim: Expr, form: Expr, p: Point, i: int, memo: dict[Expr, np.ndarray],
                   sample: Columns | None = None) -> tuple[bool, int, int, Difference]:
    """The difference at point i; sample: a large derivative's columns compared, not all."""
    def at(e: Expr) -> np.ndarray:
        return sample.of(e) if sample is not None and not e.is_scalar else value(e, p, memo)

    got, want = at(claim), at(form)
    parts = [np.abs(at(t)) for t in (*terms(claim), *terms(form))] if sample is not None else []
    if got.shape != want.shape:  # only with a dimension the claim gets wrong
        got, scale = np.full(want.shape, np.nan), np.abs(want)
    elif sample is not None:  # magnitude's sums of the terms' sizes, of the columns compared
        scale = sum((a for a in parts if a.shape == got.shape), np.zeros(got.shape))
    else:
        scale = magnitude(claim, p, memo) + magnitude(form, p, memo)
    # rounding: a hundred of the largest value either side passes through (sum(ds) of a
    # softmax's ds is 0, computed as 5.55e-17: no term of its own to be measured against)
    # (of this claim and form only: the memo holds the other forms' values too)
    own = {*E.walk(claim), *E.walk(form), *terms(claim), *terms(form)}
    big = max((float(np.max(np.abs(v))) for v in [*(v for n, v in memo.items() if n in own), got, want, *parts]
               if v.size and finite(v)), default=0.0)
    rel_all = entrywise(got, want, scale, 1e-12, ROUNDING * big / CHECK_TOL)
    r, c = np.unravel_index(int(np.argmax(rel_all)), rel_all.shape) if rel_all.size else (0, 0)
    rel = float(rel_all[r, c]) if rel_all.size else 0.0
    column = int(sample.columns[c]) if sample is not None and not form.is_scalar else int(c)
    diff = Difference(rel, i + 1, (int(r) + 1, column + 1), float(got[r, c]), float(want[r, c]), p.values)
    return rel > CHECK_TOL, sum(np.size(v) for v in p.values.values()), i, diff


def _reported(found: list[tuple[bool, int, int, Difference]]) -> Difference:
    off = [f for f in found if f[0]]
    if off:  # a point where the claim is not even a number tells the most
        return min(off, key=lambda f: (bool(np.isfinite(f[3].relative)), f[1], f[2]))[3]
    return max(found, key=lambda f: f[3].relative)[3]


# ------------------------------------------------------------------ numbers as text
def num_text(x: float) -> str:
    return f"{x:.3g}"


def json_num(x: float) -> float | None:
    return x if np.isfinite(x) else None  # JSON has no inf or NaN


MAX_JSON_ENTRIES = 10_000  # of a point in a JSON report: beyond, its values are null
PREVIEW = 8  # entries of a row or column printed before "..."


def _array_text(v: Any) -> str:
    """A value as the input language writes it; a long vector or a large matrix previewed
    (its first entries, ..., its last one, and its size)."""
    a = np.asarray(v, dtype=float)
    if a.ndim == 0 or a.size == 1:
        return num_text(float(a.reshape(-1)[0]))
    if a.shape[1] == 1:  # a column, as the input language reads it
        return "[" + _row(a[:, 0]) + "]^T" + (f" ({a.shape[0]:,} entries)" if a.shape[0] > PREVIEW else "")
    rows = [_row(row) for row in a[:PREVIEW - 1]] + (["..."] if a.shape[0] > PREVIEW else []) + \
        [_row(row) for row in a[max(PREVIEW - 1, a.shape[0] - 1):]]
    large = a.shape[0] > PREVIEW or a.shape[1] > PREVIEW
    return "[" + "; ".join(rows) + "]" + (f" ({a.shape[0]:,}×{a.shape[1]:,})" if large else "")


def _row(xs: Any) -> str:
    if len(xs) <= PREVIEW:
        return ", ".join(num_text(x) for x in xs)
    return ", ".join(num_text(x) for x in xs[:PREVIEW - 1]) + ", ..., " + num_text(xs[-1])
