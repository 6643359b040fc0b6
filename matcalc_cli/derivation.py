"""`matcalc check --derivation`: a whole derivation checked line by line.

Each equation's sides are typed together (one set of shapes for the whole derivation) and
evaluated at random points of the whole domain (checking.points) with random differentials
of the --wrt variables: dX is a leaf of its own, the differential of a --wrt variable; dA
of any other variable is 0; dh of a defined name (the first line's y = EXPR, a where
clause) and d(EXPR) are the differentials of what they stand for, by matcalc's rules. A
side is equal to the one before it only if they agree at every point, within CHECK_TOL
relative to their scale; a derivative claim dy/dX = EXPR is compared with matcalc's
derivative in the chosen layout. The first wrong line gets its evidence (the two sides,
the point, the differential, the values) and a diagnosis (diagnosis.py) where one applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli import rows as R
from matcalc_cli import tangent
from matcalc_cli.build import build
from matcalc_cli.checking import (
    CHECK_TOL,
    Difference,
    Point,
    _array_text,
    finite,
    largest_difference,
    points,
    same_shape,
    smooth_at,
    value,
)
from matcalc_cli.derivation_sides import LineError, Parsed, WrittenDerivation, _Side, line_error
from matcalc_cli.derivation_text import Claim, Side, WrittenEquation
from matcalc_cli.diagnosis import Diagnosis, diagnose
from matcalc_cli.dims import format_shape
from matcalc_cli.drawing import size_of
from matcalc_cli.errors import MatcalcError, Span
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.report import derivative_of
from matcalc_cli.structure import NONE, Structures

SCHEMA = 1
POINTS = 4  # per derivation: every line is compared at each of them


@dataclass(frozen=True)
class LineVerdict:
    line: int
    text: str
    verdict: str  # "ok" or "wrong"
    message: str
    mark: Span | None = None  # a wrong line: the columns of the wrong side in text

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "text": self.text, "verdict": self.verdict, "message": self.message}


@dataclass(frozen=True)
class Evidence:
    """Where the first wrong line goes wrong: the two sides compared, their values apart."""

    line: int
    left: str  # the earlier side as written (or matcalc's derivative, for a claim)
    right: str  # the later side as written
    left_expr: Expr
    right_expr: Expr
    left_line: int  # the line the left side is on
    difference: Difference
    diagnosis: Diagnosis | None
    point: Point  # where the difference is
    reason: str = ""  # what the line is not: "not equal to the line before", "not the derivative (...)"

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "left": self.left, "right": self.right, "left_line": self.left_line,
                "difference": self.difference.to_json(),
                "diagnosis": self.diagnosis.to_json() if self.diagnosis else None}


@dataclass(frozen=True)
class DerivationResult:
    text: str
    lines: tuple[LineVerdict, ...]
    evidence: Evidence | None
    variables: dict[str, Shape]
    wrt: tuple[str, ...]
    layout: str

    @property
    def ok(self) -> bool:
        return self.evidence is None

    @property
    def first_wrong(self) -> int | None:
        return self.evidence.line if self.evidence else None

    def __bool__(self) -> bool:
        return self.ok

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "lines": [v.to_json() for v in self.lines], "first_wrong": self.first_wrong,
                "evidence": self.evidence.to_json() if self.evidence else None,
                "wrt": list(self.wrt), "layout": self.layout,
                "variables": {n: format_shape(s) for n, s in self.variables.items()}}

    def report_lines(self, show: Callable[[Expr], str]) -> list[str]:
        """Every line with its verdict, then the evidence for the first wrong one."""
        return R.texts(self.report_rows(show))

    def report_rows(self, show: Callable[[Expr], str]) -> list[R.CheckRow]:
        """report_lines() as typed rows, for a printer that styles them by kind."""
        width = len(str(max(v.line for v in self.lines)))
        out = []
        for v in self.lines:
            out.append(R.as_written(f"{v.line:>{width}}  {v.verdict:<5}  {v.text.strip()}", v.verdict == "wrong"))
            if v.mark is not None:
                indent = width + 9 - (len(v.text) - len(v.text.lstrip()))
                out.append(R.caret(" " * (indent + v.mark[0]) + "^" * max(1, v.mark[1] - v.mark[0])))
        held = sum(v.verdict == "ok" for v in self.lines)
        if self.evidence is None:
            out.append(R.verdict(f"every line holds ({held} of {len(self.lines)}), at {POINTS} random points with "
                                 "random differentials"))
            return out
        ev = self.evidence
        out.append(R.verdict(f"line {ev.line} is wrong: {ev.reason}"))
        before = f"line {ev.left_line}" if ev.left_line else "matcalc"
        out.append(R.labelled("left", f"{ev.left}   ({format_shape(ev.left_expr.shape)}, {before})"))
        out.append(R.labelled("right", f"{ev.right}   ({format_shape(ev.right_expr.shape)}, line {ev.line})"))
        if same_shape(ev.left_expr.shape, ev.right_expr.shape):
            out.append(R.note(ev.difference.text().replace('claim', 'right').replace('expected', 'left')))
        else:
            out.append(R.labelled("shapes", f"left {format_shape(ev.left_expr.shape)}, right "
                                            f"{format_shape(ev.right_expr.shape)}: equal at no point"))
            out.append(R.labelled("values", f"left = {_array_text(value(ev.left_expr, ev.point))}, "
                                            f"right = {_array_text(value(ev.right_expr, ev.point))}"))
        out.append(R.labelled("at", ev.difference.point_text()))
        if ev.diagnosis is not None:
            out.append(R.labelled("diagnosis", ev.diagnosis.text()))
        return out


# ------------------------------------------------------------------ checking
def check_derivation(text: str, wrt: list[str], shapes: list[str] | None = None,
                     symmetric: list[str] | None = None, layout: str = "numerator",
                     structures: Structures = NONE) -> DerivationResult:
    if layout not in ("numerator", "denominator"):
        raise MatcalcError("option", f"--layout must be numerator or denominator, not {layout!r}")
    if not wrt:
        raise MatcalcError("option", "--wrt is required: the variables whose differentials are random")
    d = WrittenDerivation(text, list(dict.fromkeys(wrt)), list(shapes or []), list(symmetric or []), layout,
                          structures)
    variables = d.infer()
    for w in d.wrt:
        if w in d.defs:
            raise MatcalcError("option", f"--wrt {w}: {w} is a defined name, not a variable")
    sides: list[list[_Side]] = []
    for p in d.lines:
        try:
            row = [_Side(d.build(s, p, variables), s_text.written, s, p, p.eq.number)
                   for s, s_text in zip(p.parts, p.eq.parts, strict=True)]
            if p.lhs is not None and isinstance(p.eq.lhs, Side):
                row.insert(0, _Side(d.build(p.lhs, p, variables), p.eq.lhs.written, p.lhs, p, p.eq.number))
        except MatcalcError as err:
            raise line_error(p.eq, err) from None
        sides.append(row)
    claims = {i: _claimed(d, p, variables) for i, p in enumerate(d.lines) if isinstance(p.eq.lhs, Claim)}
    everything = [s.expr for row in sides for s in row] + [c.expr for c in claims.values()]
    pts = _points(d, variables, everything)
    verdicts: list[LineVerdict] = []
    evidence: Evidence | None = None
    previous: _Side | None = None
    for i, (p, row) in enumerate(zip(d.lines, sides, strict=True)):
        eq = p.eq
        pairs: list[tuple[_Side, _Side]] = []
        if i in claims:
            pairs.append((claims[i], row[0]))
        elif eq.lhs is None:
            if previous is None:
                raise LineError("input", f"line {eq.number}: nothing before it to continue")
            pairs.append((previous, row[0]))
        held = claims[i] if i in claims else previous if eq.lhs is None else None
        for side in row:  # a derivative written again is compared as a derivative (by a symmetric X)
            side.claim = held.claim if held is not None else None
        pairs += list(zip(row, row[1:], strict=False))
        defines = eq.number in d.defining
        if defines:
            pairs = pairs[1:]
        wrong = None
        for a, b in pairs:
            found = _compare(a, b, pts, eq, d, variables)
            if found is not None:
                wrong = found
                break
        if wrong is None:
            message = _ok_message(eq, defines, p, d)
            verdicts.append(LineVerdict(eq.number, eq.text, "ok", message))
        else:
            verdicts.append(LineVerdict(eq.number, eq.text, "wrong", wrong[0], _columns(eq, wrong[1])))
            if evidence is None:
                evidence = wrong[1]
        previous = row[-1]
    return DerivationResult(text, tuple(verdicts), evidence, variables, tuple(d.wrt), layout)


def _ok_message(eq: WrittenEquation, defines: bool, p: Parsed, d: WrittenDerivation) -> str:
    if defines:
        assert p.lhs is not None
        return f"defines {p.lhs.text}" + (" (the function)" if d.function and d.function[0] == p.lhs.text else "")
    if isinstance(eq.lhs, Claim):
        return f"the derivative ({d.layout} layout)"
    return "equal to the line before" if eq.lhs is None else "the sides are equal"


def _claimed(d: WrittenDerivation, p: Parsed, variables: dict[str, Shape]) -> _Side:
    """matcalc's derivative, for the claim dy/dX on p's left side."""
    claim = p.eq.lhs
    assert isinstance(claim, Claim)
    try:
        if claim.top in d.defs:
            f_syntax = d.defs[claim.top]
        elif d.function is not None and d.function[0] == "":
            f_syntax = d._expand(d.function[1], False, d.lines[0].marks)
        else:
            raise MatcalcError("input", f"d{claim.top}/d{claim.by}: {claim.top} is not defined (a derivation "
                               f"begins with {claim.top} = EXPR)", claim.span)
        f = build(f_syntax, variables, d.symmetric)
        xs = []
        for name in (claim.by, *([claim.again] if claim.again else [])):
            if name not in variables or name in d.defs:
                raise MatcalcError("input", f"d{claim.top}/d{name}: {name} is not a variable", claim.span)
            xs.append(E.var(name, variables[name], d.symmetric.of(name)))
        got = derivative_of(f, list(xs), d.layout)
    except MatcalcError as err:
        raise line_error(p.eq, err) from None
    from matcalc_cli.render import plain

    return _Side(got.expr, plain.render(got.expr), None, None, 0, (f, xs))


def _points(d: WrittenDerivation, variables: dict[str, Shape], sides: list[Expr]) -> list[Point]:
    nodes = [n.shape for e in sides for n in E.walk(e)]

    def with_ones(p: Point) -> Point:
        ones = {"d" + w: np.ones(_size(variables[w], p)) for w in d.wrt if w in variables}
        return Point({**p.values, **ones}, p.sizes)

    def ok(p: Point) -> bool:
        q = with_ones(p)
        return all(finite(value(e, q)) and smooth_at(e, q) for e in sides)

    pts = points(variables, d.symmetric, nodes, ok, POINTS)
    out = []
    for i, p in enumerate(pts):
        rng = np.random.default_rng(1000 + i)
        dv = {}
        for w in d.wrt:
            if w in variables:
                a = rng.standard_normal(_size(variables[w], p))
                s = d.symmetric.of(w)  # a structured dX is a direction inside the structure
                dv["d" + w] = a if s is None or a.shape[0] != a.shape[1] else tangent.project(s, p.values[w], a)
        out.append(Point({**p.values, **dv}, p.sizes))
    return out


def _size(shape: Shape, p: Point) -> tuple[int, int]:
    return size_of(shape[0], p.sizes), size_of(shape[1], p.sizes)


def _compare(a: _Side, b: _Side, pts: list[Point], eq: WrittenEquation, d: WrittenDerivation,
             variables: dict[str, Shape]) -> tuple[str, Evidence] | None:
    """None when b equals a as a function; else the message and the evidence."""
    left, right = a.expr, b.expr
    if not same_shape(left.shape, right.shape):
        if E.is_zero(right) or E.is_zero(left):
            left, right = (E.zeros(right.shape), right) if E.is_zero(left) else (left, E.zeros(left.shape))
        elif not same_shape((left.shape[1], left.shape[0]), right.shape):
            raise LineError("shape", f"line {eq.number}: the sides are {format_shape(left.shape)} and "
                            f"{format_shape(right.shape)}: they cannot be equal", _span(eq, b))
    if same_shape(left.shape, right.shape):
        diff = largest_difference(right, left, pts)
        if diff.relative <= CHECK_TOL or _same_form(a, right, pts):
            return None
    else:
        diff = largest_difference(right, E.T(left), pts)
    diagnosis = diagnose(a, b, pts, d, variables)
    what = "the line before" if a.line != eq.number else "its left side"
    reason = f"not the derivative ({d.layout} layout)" if a.line == 0 else f"not equal to {what}"
    message = reason if diagnosis is None else f"{reason}: {diagnosis.text()}"
    return message, Evidence(eq.number, a.text, b.text, left, right, a.line, diff, diagnosis, pts[diff.point - 1],
                             reason)


def _same_form(a: _Side, right: Expr, pts: list[Point]) -> bool:
    """A claimed derivative by a structured X (--symmetric, --diagonal, ...) is right when it
    is the same linear map on the directions dX inside the structure as matcalc's: a gradient
    G when its projection onto them is matcalc's (sym(G) for a symmetric X: the read-off G of
    --steps, before it is symmetrised), a Jacobian J of vec(dX) when J P is (P the projection;
    (I + K)/2 for a symmetric X, K the commutation matrix). The Matrix Cookbook's
    G + G^T - diag(G) is not the same map (diagnosis.py names it)."""
    if a.claim is None or len(a.claim[1]) != 1:
        return False
    x = a.claim[1][0]
    s = x.info.structure if x.op == K.VAR else None
    if s is None:
        return False
    for p in pts:
        r, left = value(right, p), value(a.expr, p)
        x0 = np.asarray(p.values[x.name], dtype=float)
        n = size_of(x.shape[0], p.sizes)
        if r.shape != left.shape or x0.shape != (n, n):
            return False
        proj = tangent.projector(s, x0)
        if r.shape == (n, n) and a.claim[0].is_scalar:
            r, left = (proj @ m.reshape(-1, order="F") for m in (r, left))
        elif r.shape[1] == n * n:
            r, left = r @ proj, left @ proj
        elif r.shape[0] == n * n:
            r, left = proj @ r, proj @ left
        else:
            return False
        scale = max(1.0, float(np.max(np.abs(left), initial=0.0)))
        if not finite(r) or float(np.max(np.abs(r - left), initial=0.0)) > CHECK_TOL * scale:
            return False
    return True


def _columns(eq: WrittenEquation, ev: Evidence) -> Span:
    """Where the wrong side stands in the line as written (the whole line for LaTeX, whose
    sides the report spells in the input language)."""
    text = eq.text.rstrip()
    whole = (len(text) - len(text.lstrip()), len(text))
    if eq.latex:
        return whole
    side = eq.parts[0] if ev.left_line != eq.number or len(eq.parts) == 1 else None
    if side is None:
        side = next((p for p in eq.parts if p.written == ev.right), eq.parts[-1])
    start = side.span[0] + len(side.text[side.span[0]:]) - len(side.text[side.span[0]:].lstrip())
    return (start, len(side.text.rstrip()))


def _span(eq: WrittenEquation, b: _Side) -> Span | None:
    if b.syntax is None:
        return None
    return (eq.start + b.syntax.span[0], eq.start + b.syntax.span[1])
