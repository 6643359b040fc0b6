"""simplify/means.py on its own: sum(v) / n is mean(v) only where n counts v's entries, an
inner product over n is the mean of the Hadamard product, a quotient of a sum of sums spreads
over its terms; every rewrite keeps the value at random points."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import fn
from matcalc_cli.render import plain
from matcalc_cli.simplify.means import as_mean, has_mean

X, Y = E.var("x", ("n", 1)), E.var("y", ("n", 1))
Z = E.var("z", ("m", 1))
PER_N, PER_M = E.power(E.size("n"), -1), E.power(E.size("m"), -1)

CASES = [
    (E.mul(PER_N, fn(K.SUM, X)), "mean(x)"),
    (E.mul(PER_N, E.T(X), Y), "mean(x .* y)"),
    (E.mul(PER_N, E.add(fn(K.SUM, X), fn(K.SUM, Y))), "mean(x) + mean(y)"),
    (E.mul(E.const(Fraction(1, 3)), fn(K.SUM, E.var("w", (3, 1)))), "mean(w)"),  # a number counts a known length
]


@pytest.mark.parametrize("e, want", CASES, ids=[w for _, w in CASES])
def test_a_sum_over_its_count_is_a_mean(e, want):
    assert has_mean(e)
    got = as_mean(e)
    assert plain.render(got) == want
    rng = np.random.default_rng(0)
    for n in (2, 5):
        values = {"x": rng.standard_normal((n, 1)), "y": rng.standard_normal((n, 1)), "w": rng.standard_normal((3, 1))}
        assert np.allclose(evaluate(got, values, {"n": n}), evaluate(e, values, {"n": n}))


@pytest.mark.parametrize("e", [
    E.mul(PER_M, fn(K.SUM, X)),  # divided by another dimension's count
    E.mul(E.const(Fraction(1, 2)), fn(K.SUM, X)),  # a number, but x's length is not known to be 2
    E.mul(PER_N, fn(K.SUM, Z)),
    E.mul(PER_N, E.add(fn(K.SUM, X), fn(K.SUM, Z))),  # one term is no sum over n entries
], ids=["other count", "number", "other vector", "mixed sum"])
def test_no_mean_where_the_count_is_not_the_summands(e):
    assert not has_mean(e)
    assert as_mean(e) is e
