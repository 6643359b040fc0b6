"""Why a line of a derivation is wrong, where a simple reason explains it: the right side
is the left one transposed, or a constant multiple of it, or the derivative in the other
layout or the Matrix Cookbook's convention for symmetric matrices, or the line before with a term
missing, counted twice, extra or of the wrong sign (a term-by-term comparison).

A diagnosis is a typed value (kind, and the factor or the term); it is given only when it
holds at every point, within the tolerance the verdicts use.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.checking import CHECK_TOL, Point, value
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.structure import Structure
from matcalc_cli.syntax import Syntax

if TYPE_CHECKING:
    from matcalc_cli.derivation_sides import WrittenDerivation, _Side

KINDS = {
    "transposed": "it is the transpose of {left}",
    "factor": "it is {factor} times {left}",
    "other-layout": "it is the derivative in the {layout} layout",
    "symmetric-convention": "it is the other convention for a symmetric matrix: {term}",
    "missing-term": "the term {term} of {left} is missing",
    "doubled-term": "the term {term} of {left} is counted twice",
    "extra-term": "the term {term} is extra (not in {left})",
    "sign-of-term": "the term {term} has the wrong sign",
}


@dataclass(frozen=True)
class Diagnosis:
    kind: str  # a key of KINDS
    factor: str = ""  # "factor": the constant, as a fraction where it is one (2, 1/2, -1)
    term: str = ""  # the term, as written; the layout; the convention
    left: str = "the line before"  # what the line is compared with

    def text(self) -> str:
        return KINDS[self.kind].format(factor=self.factor, term=self.term, left=self.left, layout=self.term)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "factor": self.factor or None, "term": self.term or None, "text": self.text()}


def _values(e: Expr, pts: list[Point]) -> list[np.ndarray]:
    return [value(e, p) for p in pts]


def _scale(*groups: list[np.ndarray]) -> list[float]:
    return [max([1.0] + [float(np.max(np.abs(g[i]))) for g in groups if g[i].size])
            for i in range(len(groups[0]))]


def _close(got: list[np.ndarray], want: list[np.ndarray], scale: list[float]) -> bool:
    for g, w, s in zip(got, want, scale, strict=True):
        if g.shape != w.shape and g.size != 1 and w.size != 1:
            return False
        diff = np.abs(g - w)
        if not np.all(np.isfinite(diff)) or float(np.max(diff, initial=0.0)) > CHECK_TOL * s:
            return False
    return True


def _fraction(c: float) -> str:
    f = Fraction(c).limit_denominator(24)
    if abs(float(f) - c) <= 1e-9 * max(1.0, abs(c)):
        return str(f)
    return f"{c:.4g}"


def diagnose(a: _Side, b: _Side, pts: list[Point], d: WrittenDerivation,
             variables: dict[str, Shape]) -> Diagnosis | None:
    left = "matcalc's derivative" if a.line == 0 else ("the line before" if a.line != b.line else "the left side")
    lv, rv = _values(a.expr, pts), _values(b.expr, pts)
    scale = _scale(lv, rv)
    if a.line == 0 and a.claim is not None:  # the layout before the transpose, as check names them
        found = _claim_forms(a, rv, pts, d, scale)
        if found is not None:
            return found
    if not a.expr.is_scalar and _close(rv, [x.T for x in lv], scale):
        return Diagnosis("transposed", left=left)
    if all(x.shape == y.shape for x, y in zip(lv, rv, strict=True)):
        norm = float(np.sum(lv[0] * lv[0]))
        if norm > 1e-12:
            c = float(np.sum(rv[0] * lv[0])) / norm
            if abs(c - 1) > 1e-6 and _close(rv, [c * x for x in lv], scale):
                return Diagnosis("factor", factor=_fraction(c), left=left)
    return _terms(a, b, lv, rv, pts, d, variables, scale, left)


def _claim_forms(a: _Side, rv: list[np.ndarray], pts: list[Point], d: WrittenDerivation,
                 scale: list[float]) -> Diagnosis | None:
    from matcalc_cli.report import derivative_of

    assert a.claim is not None
    f, xs = a.claim
    other = "denominator" if d.layout == "numerator" else "numerator"
    got = derivative_of(f, list(xs), other)
    if _close(rv, _values(got.expr, pts), scale):
        return Diagnosis("other-layout", term=other, left="matcalc's derivative")
    x = xs[0]
    if len(xs) == 1 and x.op == K.VAR and x.info.structure in (Structure.SYMMETRIC, Structure.SPD) and f.is_scalar:
        # (the general gradient G is right: the same map on symmetric dX as sym(G), derivation.py)
        g = derivative_of(f, [E.var(x.name, x.shape, False)], d.layout).expr
        gv = _values(g, pts)
        cookbook = [m + m.T - np.diag(np.diag(m)) for m in gv]
        if _close(rv, cookbook, scale):
            return Diagnosis("symmetric-convention", term="G + G^T - diag(G) (the Matrix Cookbook's) instead of "
                             "sym(G) = (G + G^T)/2", left="matcalc's derivative")
    return None


def _signed_terms(node: Syntax, sign: int = 1) -> list[tuple[int, Syntax]]:
    if node.kind == "binary" and node.text in ("+", "-"):
        return _signed_terms(node.args[0], sign) + _signed_terms(node.args[1], sign * (-1 if node.text == "-" else 1))
    if node.kind == "neg":
        return _signed_terms(node.args[0], -sign)
    return [(sign, node)]


def _side_terms(s: _Side, pts: list[Point], d: WrittenDerivation,
                variables: dict[str, Shape]) -> list[tuple[str, list[np.ndarray]]]:
    """The side's terms as written, each with its values (with its sign)."""
    from matcalc_cli.render import plain

    if s.syntax is None or s.parsed is None:  # matcalc's derivative: the terms of its sum
        terms = s.expr.args if s.expr.op == K.ADD else (s.expr,)
        return [(plain.render(t), _values(t, pts)) for t in terms]
    out = []
    for sign, node in _signed_terms(s.syntax):
        e = d.build(node, s.parsed, variables)
        text = s.parsed.eq.shown(node.span)
        out.append(("-" + text if sign < 0 else text, [sign * v for v in _values(e, pts)]))
    return out


def _terms(a: _Side, b: _Side, lv: list[np.ndarray], rv: list[np.ndarray], pts: list[Point], d: WrittenDerivation,
           variables: dict[str, Shape], scale: list[float], left: str) -> Diagnosis | None:
    try:
        before, after = _side_terms(a, pts, d, variables), _side_terms(b, pts, d, variables)
    except Exception:  # noqa: BLE001 (a term alone may not type or evaluate: no diagnosis then)
        return None
    if len(before) + len(after) > 60:
        return None
    gap = [r - x for r, x in zip(rv, lv, strict=True)]
    if len(before) >= 2:
        for text, tv in before:
            if _close(gap, [-x for x in tv], scale):
                return Diagnosis("missing-term", term=text, left=left)
            if _close(gap, tv, scale):
                return Diagnosis("doubled-term", term=text, left=left)
    if len(after) >= 2:
        for text, tv in after:
            if _close(gap, tv, scale):
                return Diagnosis("extra-term", term=text, left=left)
            if _close(gap, [2 * x for x in tv], scale):
                return Diagnosis("sign-of-term", term=text, left=left)
    return None
