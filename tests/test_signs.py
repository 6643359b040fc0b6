"""Intervals of entries (signs.py): each claim holds at sampled points, and a function of the
registry is bounded as its record says (increasing with limits, or bounds)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import fn
from matcalc_cli.signs import LINE, Interval, Signs

x = E.var("x", ("n", 1))
p = E.var("p", ("n", 1))  # declared positive


@pytest.mark.parametrize("e, want", [
    (fn("exp", x), Interval(0.0, math.inf, True, True)),
    (fn("sigmoid", x), Interval(0.0, 1.0, True, True)),
    (fn("tanh", x), Interval(-1.0, 1.0, True, True)),
    (fn("softplus", x), Interval(0.0, math.inf, True, True)),
    (fn("log", x), LINE),
    (fn("tanh", p), Interval(0.0, 1.0, True, True)),
    (fn("exp", p), Interval(1.0, math.inf, True, True)),
    (fn("log", fn("exp", x)), LINE),
    (fn("sigmoid", E.bcast(E.const(0), ("n", 1))), Interval(0.5, 0.5, False, False)),
    (fn("sin", x), Interval(-1.0, 1.0, False, False)),
    (fn("step", x), Interval(0.0, 1.0, False, False)),
    (fn("softmax", x), Interval(0.0, 1.0, True, True)),
    (fn("norm", x), Interval(0.0, math.inf, False, True)),
])
def test_a_function_of_the_registry_is_bounded_by_its_record(e, want):
    """By its own values and limits where it is increasing, else by its bounds."""
    assert Signs(positive={"p"}).of(e) == want


@pytest.mark.parametrize("e", [fn("exp", x), fn("sigmoid", E.neg(x)), fn("log", p), fn("softplus", E.sub(x, p)),
                               fn("tanh", E.had(p, p))])
def test_every_claim_holds_at_random_points(e):
    rng = np.random.default_rng(1)
    got = Signs(positive={"p"}).of(e)
    for scale in (1e-3, 1.0, 30.0):
        env = {"x": scale * rng.standard_normal((50, 1)), "p": scale * rng.random((50, 1)) + 1e-12}
        with np.errstate(all="ignore"):
            y = np.asarray(evaluate(e, env, {"n": 50}), dtype=float)
        y = y[np.isfinite(y)]
        assert np.all(y >= got.lo) and np.all(y <= got.hi), (got.text(), y.min(), y.max())
