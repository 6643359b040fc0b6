"""The facts of a convexity proof checked at random points of the domain: a PSD claim by the
eigenvalues, a range by the values, convex, concave or affine by second differences along a
random direction."""

from __future__ import annotations

from typing import Any

import numpy as np

from matcalc_cli.counterexamples import _direction, _point
from matcalc_cli.definiteness import Definiteness, Fact, InRange, Property, PsdSo
from matcalc_cli.numeric import evaluate
from matcalc_cli.report import typed_input


def domain_points(variables: dict[str, Any], wrt: tuple[str, ...], opts: dict[str, Any], count: int = 6):
    sym = frozenset(opts.get("symmetric", ()))
    pos, spd = frozenset(opts.get("positive", ())), frozenset(opts.get("spd", ()))
    for attempt in range(count):
        values, sizes, rng = _point(attempt, variables, wrt, sym, pos, spd)
        yield values, sizes, _direction(rng, values, variables, wrt, sizes, sym | spd)


def value(e, values, sizes):
    with np.errstate(all="ignore"):
        try:
            return evaluate(e, values, sizes)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):
            return None


def check_fact(f: Fact, variables, wrt, opts) -> int:
    """The fact's claim at random points of the domain: the number of points it was checked at."""
    checked = 0
    claim = f.claim
    for values, sizes, v in domain_points(variables, wrt, opts):
        x = value(f.node, values, sizes)
        if x is None or not np.all(np.isfinite(x)):
            continue
        scale = max(1.0, float(np.max(np.abs(x))))
        if claim in (Property.PSD, Property.PD) or isinstance(claim, PsdSo):
            assert np.allclose(x, x.T, atol=1e-9 * scale)
            assert np.linalg.eigvalsh((x + x.T) / 2).min() >= -1e-9 * scale, f.rule.name
        elif isinstance(claim, InRange):
            lo, hi = claim.interval.lo, claim.interval.hi
            assert np.all(x >= lo - 1e-12) and np.all(x <= hi + 1e-12), claim.text
        elif claim in (Property.CONVEX, Property.CONCAVE, Property.AFFINE):
            for h in (0.3, 0.03):
                ends = [value(f.node, {**values, **{w: values[w] + s * h * v[w] for w in wrt}}, sizes)
                        for s in (-1.0, 1.0)]
                if any(e is None or not np.all(np.isfinite(e)) for e in ends):
                    continue
                d2 = ends[0] + ends[1] - 2 * x
                tol = 1e-9 * max(scale, float(np.max(np.abs(ends[0]))), float(np.max(np.abs(ends[1]))))
                if claim is not Property.CONCAVE:
                    assert np.all(d2 >= -tol), (f.rule.name, d2)
                if claim is not Property.CONVEX:
                    assert np.all(d2 <= tol), (f.rule.name, d2)
        else:
            continue
        checked += 1
    return checked


def psd_facts(src: str, opts: dict[str, Any]) -> tuple[Definiteness, Any, dict[str, Any]]:
    spd = opts.get("spd", [])
    _, typed, _, _, _ = typed_input(src, [], opts.get("shape"), spd)
    prover = Definiteness(opts.get("positive", ()), spd)
    return prover, typed.expr, typed.variables
