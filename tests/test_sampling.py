"""check cannot be fooled (issue 19): the adversarial claims of the issue, each refused, and a
property: claims made wrong by perturbing right ones (a dropped term, a factor, a transpose,
a sign, a kink moved, a term that vanishes in a region) are all `wrong`.

    MATCALC_WRONG_CLAIMS=1000 .venv/bin/python -m pytest -q tests/test_sampling.py -s

runs the property longer and prints its figures.
"""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcalc_cli import expr as E
from matcalc_cli.checking import ClaimError, check
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from matcalc_cli.sampling import CHECK_SIZES, Point, kinks_in, near_kinks, points, smooth_at, terms, value
from matcalc_cli.simplify import simplify
from matcalc_cli.verification import verify

ISSUE_CLAIMS = [
    ("sum(relu(1 - y .* (X w)))", ["w"], "-y^T X"),
    ("sum(relu(x - 1))", ["x"], "zeros(n)^T"),
    ("sum(abs(x + 1))", ["x"], "ones(n)^T"),
    ("x^T x", ["x"], "2 x^T + relu(norm(x) - 2) ones(n)^T"),
    ("sum(log(x .* y))", ["x"], "(1 ./ abs(x))^T"),
    ("log(x^T y)", ["y"], "abs(x)^T / (x^T y)"),
    ("x^T x / 10000000", ["x"], "x^T / 10000000"),
    ("0.00000001 x^T x", ["x"], "zeros(1, n)"),
    ("1000000 x^T x + y^T x", ["x"], "2000000 x^T"),
    ("mean(x)", ["x"], "ones(n)^T / size(n) + (size(n) - 2) (size(n) - 3) (size(n) - 4) ones(n)^T"),
]


@pytest.mark.parametrize(("source", "wrt", "claim"), ISSUE_CLAIMS)
def test_the_issues_wrong_claims_are_wrong(source: str, wrt: list[str], claim: str) -> None:
    result = check(source, wrt, claim)
    assert result.verdict == "different", (source, claim)


@pytest.mark.parametrize(("source", "wrt", "claim"), [
    ("sum(relu(1 - y .* (X w)))", ["w"], "-(step(1 - y .* (X w)) .* y)^T X"),
    ("sum(relu(x - 1))", ["x"], "step(x - 1)^T"),
    ("sum(abs(x + 1))", ["x"], "sign(x + 1)^T"),
    ("sum(log(x .* y))", ["x"], "(1 ./ x)^T"),
    ("log(x^T y)", ["y"], "x^T / (x^T y)"),
    ("1000000 x^T x + y^T x", ["x"], "2000000 x^T + y^T"),
    ("0.00000001 x^T x", ["x"], "0.00000002 x^T"),
    ("mean(x)", ["x"], "ones(n)^T / size(n)"),
])
def test_their_right_versions_are_correct(source: str, wrt: list[str], claim: str) -> None:
    assert check(source, wrt, claim).ok, (source, claim)


def _points(source: str, wrt: list[str], shapes: list[str] = ()) -> tuple[list[Point], E.Expr]:  # type: ignore[assignment]
    r = differentiate(source, wrt, list(shapes))
    f = r.function
    assert f is not None
    return points(r.variables, r.symmetric, [], lambda p: bool(np.all(np.isfinite(value(f, p)))) and smooth_at(f, p),
                  12, kinks=kinks_in(f)), f


def test_points_span_scales_signs_and_sizes() -> None:
    pts, _ = _points("x^T A x + y^T x", ["x"])
    sizes = {p.sizes["n"] for p in pts}
    assert len(sizes) >= 8 and sizes <= set(CHECK_SIZES)
    magnitudes = np.concatenate([np.abs(np.ravel(p.values["x"])) for p in pts])
    assert magnitudes.min() < 1e-2 and magnitudes.max() > 1e2
    ratio = [np.abs(p.values["y"]).max() / np.abs(p.values["x"]).max() for p in pts]
    assert min(ratio) < 0.1 and max(ratio) > 10  # each variable its own scale
    xs = np.concatenate([np.ravel(p.values["x"]) for p in pts])
    assert xs.min() < 0 < xs.max()


def test_a_domain_is_narrowed_only_as_far_as_needed() -> None:
    pts, _ = _points("sum(log(x .* y))", ["x"])
    both_negative = [p for p in pts if np.all(p.values["x"] < 0) and np.all(p.values["y"] < 0)]
    assert both_negative and all(np.all(p.values["x"] * p.values["y"] > 0) for p in pts)
    pts, _ = _points("log(x^T y)", ["y"])
    assert any(np.any(p.values["x"] < 0) for p in pts)


def test_points_straddle_kinks_wherever_they_are() -> None:
    pts, f = _points("sum(relu(x - 1)) + sum(abs(y + 1))", ["x"])
    xs = np.concatenate([np.ravel(p.values["x"]) for p in pts])
    ys = np.concatenate([np.ravel(p.values["y"]) for p in pts])
    assert np.any((xs > 1) & (xs < 1.05)) and np.any((xs < 1) & (xs > 0.95))
    assert np.any(ys < -1) and np.any(ys > -1)


def test_points_near_a_kink_are_smooth_for_finite_differences() -> None:
    r = differentiate("sum(relu(x - 1))", ["x"])
    f = r.function
    assert f is not None
    base = points(r.variables, r.symmetric, [], lambda p: smooth_at(f, p), 3)
    near = near_kinks(base, kinks_in(f), lambda p: smooth_at(f, p))
    assert near
    for p in near:
        gap = np.min(np.abs(np.ravel(p.values["x"]) - 1))
        assert 0 < gap < 0.1


def test_tans_far_poles_are_kinks_too() -> None:
    # tan's poles repeat (pi/2 + k pi): a point near a far one is not smooth, a point clear of
    # it is, and the points near kinks straddle a pole of tan(x - 200) wherever it falls.
    r = differentiate("sum(tan(x - 200))", ["x"], ["x=3"])
    f = r.function
    assert f is not None
    (kink,) = kinks_in(f)
    pole = 200 + np.pi / 2 + 64 * np.pi  # tan(x - 200) has one here, far from the first two

    def at(x: float) -> Point:
        return Point({"x": np.full((3, 1), x)}, {})

    assert not smooth_at(f, at(pole + 1e-4)) and not smooth_at(f, at(pole - 1e-4))
    assert smooth_at(f, at(pole + 1.0)) and smooth_at(f, at(pole - 1.0))
    base = points(r.variables, r.symmetric, [], lambda p: smooth_at(f, p), 3)
    near = near_kinks(base, (kink,), lambda p: smooth_at(f, p))
    cells = {float(np.floor((np.ravel(p.values["x"])[0] - 200 - np.pi / 2) / np.pi)) for p in near}
    assert len(cells) == 2  # both sides of one pole


@pytest.mark.parametrize("source", ["sum(tan(1000 x))", "sum(tan(x .* y))", "sum(tan(x - 200))"])
def test_verify_keeps_its_differences_clear_of_tans_poles(source: str) -> None:
    # A central difference near a pole is off without crossing it: these failed --verify.
    assert verify(differentiate(source, ["x"])).ok


@pytest.mark.parametrize(("claim", "ok"), [
    ("(1 ./ cos(x - 200).^2)^T", True),
    ("(1 + tan(x - 200).^2)^T", True),
    ("(1 + tan(x - 200.001).^2)^T", False),  # the poles moved by 0.001
    ("(1 + tan(x - 200).^2 + relu(abs(x) - 300))^T", False),
])
def test_claims_about_tan(claim: str, ok: bool) -> None:
    assert check("sum(tan(x - 200))", ["x"], claim).ok is ok, claim


# ------------------------------------------------------------------ the property
BASES = [  # (expression, wrt, shapes): smooth and kinked, every cell
    ("x^T A x", ["x"], []), ("sum(relu(x - 1))", ["x"], []), ("sum(abs(x + 1))", ["x"], []),
    ("sum(relu(1 - y .* (X w)))", ["w"], []), ("log(x^T y)", ["y"], []), ("sum(log(x .* y))", ["x"], []),
    ("1000000 x^T x + y^T x", ["x"], []), ("x^T x / 10000000", ["x"], []), ("mean(x)", ["x"], []),
    ("tr(A X B)", ["X"], []), ("logdet(X)", ["X"], []), ("sum(exp(A x))", ["x"], []), ("norm(x)", ["x"], []),
    ("x^T A x", ["x", "x"], []), ("sum(sigmoid(X w))", ["w"], []), ("tr(X^T X)", ["X"], []),
    ("sum(abs(A x - 2))", ["x"], []), ("t x^T x + sum(x)", ["x"], ["t=scalar"]), ("A x", ["x"], []),
    ("x y^T", ["x"], []), ("t^2 sum(x)", ["t"], ["t=scalar"]), ("0.001 sum(relu(x)) + x^T x", ["x"], []),
    ("sum(tan(x - 2))", ["x"], []),
]
KINDS = ["factor", "sign", "transpose", "drop", "vanish", "kink"]
FIGURES: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("MATCALC_WRONG_CLAIMS", "") or 40)


def _wrong_claim(base: int, kind: str, k: float) -> tuple[str, list[str], list[str], str] | None:
    source, wrt, shapes = BASES[base]
    r = differentiate(source, wrt, shapes)
    d = r.derivative.expr
    text = plain.render(d)
    if kind == "factor":
        return source, wrt, shapes, f"{1 + k:.4g} ({text})"
    if kind == "sign":
        return (source, wrt, shapes, f"-({text})") if not E.is_zero(d) else None
    if kind == "transpose":
        square = d.shape[0] == d.shape[1] and d.shape != (1, 1)
        # (a Hessian such as A + A^T is its own transpose, written otherwise: no wrong claim)
        return (source, wrt, shapes, f"({text})^T") if square and simplify(E.T(d)) != d and not r.symmetric \
            else None
    if kind == "drop":
        parts = terms(d)
        if len(parts) < 2:
            return None
        i = int(k * 1000) % len(parts)
        return source, wrt, shapes, plain.render(E.add(*(t for j, t in enumerate(parts) if j != i)))
    if kind == "vanish":  # a term that is 0 in a region: for entries large, or for entries small
        var = wrt[0]
        size = f"{10 ** (k * 6 - 3):.3g}"
        norm = f"norm({var})" if r.variables[var][1] == 1 else f"abs(sum({var}))"
        gate = f"relu({norm} - {size})" if k < 0.5 else f"relu({size} - {norm})"
        if d.shape == (1, 1):
            return source, wrt, shapes, f"{text} + {gate}"
        rows, cols = (str(s) for s in d.shape)
        return source, wrt, shapes, f"{text} + {gate} ones({rows}, {cols})"
    if kind == "kink":  # the expression's kink moved by 5% to 50%
        for c in ("1", "2"):
            for pattern in (f"- {c})", f"+ {c})", f"({c} -"):
                if pattern in source:
                    moved = f"{float(c) * (1 + (0.05 + 0.45 * k) * (1 if k < 0.5 else -1)):.4g}"
                    other = source.replace(pattern, pattern.replace(c, moved), 1)
                    return source, wrt, shapes, plain.render(differentiate(other, wrt, shapes).derivative.expr)
        return None
    raise AssertionError(kind)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.integers(0, len(BASES) - 1), st.sampled_from(KINDS), st.floats(0.001, 0.999))
def test_perturbed_right_claims_are_wrong(base: int, kind: str, k: float) -> None:
    case = _wrong_claim(base, kind, k)
    if case is None:
        FIGURES["not applicable"] += 1
        return
    source, wrt, shapes, claim = case
    try:
        result = check(source, wrt, claim, shapes)
    except ClaimError:  # the perturbed claim no longer has the derivative's shape: refused anyway
        FIGURES["refused (shape)"] += 1
        return
    FIGURES[f"{kind}: {'wrong' if not result.ok else 'ACCEPTED'}"] += 1
    assert not result.ok, (source, wrt, claim)


def teardown_module() -> None:
    if os.environ.get("MATCALC_WRONG_CLAIMS"):
        print("\nwrong claims:", dict(sorted(FIGURES.items())))
