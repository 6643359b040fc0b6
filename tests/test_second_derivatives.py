"""Second derivatives of every pair of kinds (scalar, vector, matrix, and a declared
1×n matrix) in both layouts: the shape CONTRACT.md's "Second derivatives, in either
layout" gives, and the value of central differences of the expression.

The expected shapes are written out here from the contract's text, not computed by
matcalc: d/dv of g = df/du, g in gradient shape, by the first-derivative table.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matcalc_cli import drawing, numeric
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.report import differentiate
from matcalc_cli.syntax import parse

# One scalar function with every pair of its variables interacting nonlinearly.
F = ("t s (x^T X z) + t^2 s^2 (x^T x) + sum(exp(X .* Y)) / 4 + s (x^T X z)^2"
     " + tr(X^T Y) t (z^T z) + sin(s) sum(R .* R) t + (R r)^2 x^T x")
SHAPES = ["t=scalar", "s=scalar", "x=n", "z=m", "X=n,m", "Y=n,m", "R=1,4", "r=4"]
SIZES = {"n": 3, "m": 2}
KIND = {"t": "scalar", "s": "scalar", "x": "vector", "z": "vector", "X": "matrix", "Y": "matrix",
        "R": "matrix", "r": "vector"}
SIZE = {"t": (1, 1), "s": (1, 1), "x": (3, 1), "z": (2, 1), "X": (3, 2), "Y": (3, 2), "R": (1, 4), "r": (4, 1)}
PAIRS = [(u, v) for u, v in itertools.product(KIND, repeat=2)]


def expected_shape(u: str, v: str, layout: str) -> tuple[int, int]:
    """The contract's shape of d/dv (df/du)."""
    ku, kv = KIND[u], KIND[v]
    g = SIZE[u]  # gradient shape: a scalar, a column, u's shape
    if kv == "scalar":
        if ku == "vector":
            return g if layout == "numerator" else (g[1], g[0])
        return g
    if ku == "scalar":
        if kv == "matrix":
            return SIZE[v]
        n = SIZE[v][0]
        return (1, n) if layout == "numerator" else (n, 1)
    size_g, size_v = g[0] * g[1], SIZE[v][0] * SIZE[v][1]
    return (size_g, size_v) if layout == "numerator" else (size_v, size_g)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize(("u", "v"), PAIRS)
def test_second_derivative_shape_and_value(u: str, v: str, layout: str) -> None:
    r = differentiate(F, [u, v], SHAPES, [], layout)
    d = r.derivative
    want_shape = expected_shape(u, v, layout)
    assert tuple(drawing.size_of(x, SIZES) for x in d.shape) == want_shape
    f = infer(parse(F), dict(r.variables), frozenset()).expr
    xs = [E.var(w, r.variables[w]) for w in (u, v)]
    for seed in (0, 1):
        values = drawing.sample(r.variables, frozenset(), np.random.default_rng(seed), SIZES)
        got = numeric.evaluate(d.expr, values, SIZES)
        fd = numeric.numeric_derivative(f, xs, values, SIZES, layout)
        assert got.shape == fd.shape == want_shape
        assert numeric.relative_error(got, fd) < 1e-5


def test_the_contract_table_is_what_the_test_expects() -> None:
    """The expected shapes restate the contract's sentences."""
    for layout in ("numerator", "denominator"):
        assert expected_shape("X", "t", layout) == (3, 2)  # a matrix and a scalar: the matrix's shape
        assert expected_shape("t", "X", layout) == (3, 2)
        assert expected_shape("R", "t", layout) == (1, 4)  # a declared 1×4 matrix stays 1×4
    assert expected_shape("x", "z", "numerator") == (3, 2)  # two vectors: n×m, then m×n
    assert expected_shape("x", "z", "denominator") == (2, 3)
    assert expected_shape("x", "t", "numerator") == (3, 1)  # column in numerator, row in denominator
    assert expected_shape("x", "t", "denominator") == (1, 3)
