"""Shared oracles for the matcalc tests.

The oracle is always independent of matcalc's symbolic machinery: central finite
differences of the *original* expression (numeric.numeric_derivative), or, in
test_derive.py, closed forms written out by hand in numpy.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Sequence

import numpy as np

from matcalc_cli import drawing, numeric
from matcalc_cli.build import infer
from matcalc_cli.expr import var
from matcalc_cli.render import numpy as numpy_render
from matcalc_cli.report import Report, differentiate
from matcalc_cli.syntax import parse

TOL = 1e-5


def _as_list(x: str | Iterable[str]) -> list[str]:
    return [x] if isinstance(x, str) else list(x)


def points(report: Report, symmetric: Sequence[str], seeds: Iterable[int]):
    """Yield (sizes, values) for each seed: well-conditioned random points, and
    dimension sizes that change with the seed so that shape mix-ups show."""
    for seed in seeds:
        sizes = drawing.dim_sizes(report.variables, base=seed)
        rng = np.random.default_rng(1000 + seed)
        values = drawing.sample(report.variables, frozenset(symmetric), rng, sizes)
        yield sizes, values


def original(source: str, report: Report, symmetric: Sequence[str]):
    """The function being differentiated, typed with the shapes matcalc reported."""
    return infer(parse(source), dict(report.variables), frozenset(symmetric)).expr


def wrt_vars(report: Report, wrt: list[str], symmetric: Sequence[str]):
    return [var(w, report.variables[w], w in symmetric) for w in wrt]


def concrete(shape, sizes) -> tuple[int, int]:
    return tuple(drawing.size_of(d, sizes) for d in shape)  # type: ignore[return-value]


def check_numeric(source: str, wrt: str | Sequence[str], shapes: Sequence[str] = (),
                  symmetric: Sequence[str] = (), layout: str = "numerator",
                  seeds: Iterable[int] = (0, 1), tol: float = TOL) -> Report:
    """Differentiate, then compare the symbolic derivative with finite differences of the
    original expression at random well-conditioned points. Returns the Report."""
    wrt = _as_list(wrt)
    report = differentiate(source, wrt, list(shapes), list(symmetric), layout)
    f = original(source, report, symmetric)
    xs = wrt_vars(report, wrt, symmetric)
    d = report.derivative
    for sizes, values in points(report, symmetric, seeds):
        got = numeric.evaluate(d.expr, values, sizes)
        want = numeric.numeric_derivative(f, xs, values, sizes, layout)
        assert got.shape == want.shape, (
            f"{source} d/d{wrt} ({layout}): shape {got.shape}, finite differences {want.shape}")
        assert got.shape == concrete(d.shape, sizes), (
            f"{source}: evaluates to {got.shape} but reports {d.shape}")
        assert np.all(np.isfinite(want)), f"{source}: the test point is not well-conditioned"
        err = numeric.relative_error(got, want)
        assert err < tol, f"{source} d/d{wrt} ({layout}): relative error {err:.2e}\ngot\n{got}\nwant\n{want}"
        numpy_agrees(report, values, got)
    return report


def numpy_agrees(report: Report, values: dict, value: np.ndarray) -> None:
    """The `--format numpy` line evaluates, with only np and the variables in scope, to the
    derivative's value (issue 13: every numpy output evaluates)."""
    code = numpy_render.render(report.derivative.expr, report.variables)
    got = eval_numpy(code, values)
    if report.derivative.shape == (1, 1):
        assert isinstance(got, float), f"{code!r} gives {type(got).__name__}, not a float"
    got = np.asarray(got, dtype=float).reshape(np.shape(got) or (1, 1))
    assert got.shape == value.shape, f"{code!r}: shape {got.shape}, the derivative is {value.shape}"
    assert numeric.relative_error(got, value) < 1e-8, f"{code!r} differs from the derivative"


def py_values(values: dict) -> dict:
    """Values keyed as the numpy output names them (a keyword gets a trailing _)."""
    return {(k + "_" if keyword.iskeyword(k) else k): (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in values.items()}


def eval_numpy(code: str, values: dict):
    """Evaluate a `--format numpy` line the way ../shared/eval/harness.py does."""
    return eval(code, {"np": np}, py_values(values))  # noqa: S307 (the format's purpose)


def check_numpy_code(source: str, wrt: str | Sequence[str], shapes: Sequence[str] = (),
                     symmetric: Sequence[str] = (), layout: str = "numerator",
                     seeds: Iterable[int] = (0, 1), tol: float = TOL) -> str:
    """Render the derivative as numpy code, evaluate it with only `np` and the variables
    in scope, and compare with finite differences. Returns the code."""
    wrt = _as_list(wrt)
    report = differentiate(source, wrt, list(shapes), list(symmetric), layout)
    code = numpy_render.render(report.derivative.expr, report.variables)
    assert "\n" not in code
    f = original(source, report, symmetric)
    xs = wrt_vars(report, wrt, symmetric)
    for sizes, values in points(report, symmetric, seeds):
        got = eval_numpy(code, values)
        want = numeric.numeric_derivative(f, xs, values, sizes, layout)
        if report.derivative.shape == (1, 1):
            assert isinstance(got, float), f"{code!r} gives {type(got).__name__}, not a float"
            got = np.full((1, 1), got)
        else:
            assert isinstance(got, np.ndarray), f"{code!r} gives {type(got).__name__}"
        assert got.shape == want.shape, f"{code!r}: shape {got.shape}, finite differences {want.shape}"
        err = numeric.relative_error(got, want)
        assert err < tol, f"{code!r}: relative error {err:.2e}"
    return code
