"""The hinge forms of simplify/hinge.py, as a property: on random elementwise trees of one
argument through abs, sign, step and relu (numbers, sums, Hadamard products and squares
between them), every hinge form offered has the tree's value at random points of both signs
away from the kinks, and the function read is exactly the tree's there.

    MATCALC_SOAK_EXAMPLES=2000 python -m pytest -q tests/test_hinge.py
"""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from matcalc_cli import expr as E
from matcalc_cli import numeric
from matcalc_cli.ops import fn
from matcalc_cli.render import plain
from matcalc_cli.simplify import hinge as HG
from matcalc_cli.simplify.cost import cheapest
from matcalc_cli.simplify.normal import hadamard, product, total

N = "n"
X = E.var("x", (N, 1))
R = total([product([E.const(2), X]), E.bcast(E.const(Fraction(-1, 2)), (N, 1))])  # 2 x - 0.5: an affine argument
_EXAMPLES = int(os.environ.get("MATCALC_SOAK_EXAMPLES", "").strip() or 400)


def _number(v: Fraction) -> E.Expr:
    return E.bcast(E.const(v), (N, 1))


numbers = st.sampled_from([Fraction(k, 2) for k in range(-6, 7)])


def trees(depth: int = 3) -> st.SearchStrategy[E.Expr]:
    argument = st.one_of(st.just(X), st.just(R))
    leaf = st.one_of(argument, numbers.map(_number),
                     st.tuples(st.sampled_from(sorted(HG.CALLS)), argument).map(lambda p: fn(p[0], p[1])))
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(sorted(HG.CALLS)), sub).map(lambda p: fn(p[0], p[1])),
        st.tuples(sub, sub).map(lambda p: total(list(p))),
        st.tuples(sub, sub).map(lambda p: hadamard(list(p))),
        st.tuples(numbers, sub).map(lambda p: product([E.const(p[0]), p[1]])),
        sub.map(lambda a: E.epow(a, Fraction(2))),
    )


def _values(e: E.Expr, x: np.ndarray) -> np.ndarray:
    return numeric.evaluate(e, {"x": x}, {N: x.shape[0]})


def _away_from_kinks(e: E.Expr, rng: np.random.Generator) -> np.ndarray:
    """Points of both signs and several scales; entries within 1e-6 of a kink are moved off it
    by drawing again (a kink of a call lies where its argument is 0)."""
    x = rng.standard_normal((64, 1)) * rng.choice([0.1, 1.0, 10.0], size=(64, 1))
    args = [n.args[0] for n in E.walk(e) if n.op in HG.CALLS]
    for _ in range(20):
        near = np.zeros(x.shape, dtype=bool)
        for a in args:
            near |= np.abs(_values(a, x)) < 1e-6
        if not near.any():
            return x
        x[near] = rng.standard_normal(int(near.sum())) * 3
    return x


@settings(max_examples=_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(trees().filter(HG.has_call), st.integers(0, 2**16))
def test_every_hinge_form_keeps_the_value(e: E.Expr, seed: int) -> None:
    forms = HG.hinge_forms(e)
    event("read" if forms else "not piecewise-linear of one argument")
    if not forms:
        return
    rng = np.random.default_rng(seed)
    x = _away_from_kinks(e, rng)
    want = _values(e, x)
    for form in forms:
        got = _values(form, x)
        # the form's own kinks are the function's breakpoints (or where it is continuous)
        ok = np.isclose(got, want, rtol=1e-9, atol=1e-9) | _near_kink(form, x)
        assert ok.all(), f"{plain.render(e)}  as  {plain.render(form)}"


def _near_kink(e: E.Expr, x: np.ndarray) -> np.ndarray:
    near = np.zeros(x.shape, dtype=bool)
    for n in E.walk(e):
        if n.op in HG.CALLS:
            near |= np.abs(_values(n.args[0], x)) < 1e-6
    return near


def test_the_huber_gradient_reads_as_a_clip() -> None:
    u = fn("abs", X)
    h = fn("step", total([u, _number(Fraction(-1))]))
    e = hadamard([fn("sign", X), total([u, h, product([E.const(-1), hadamard([u, h])])])])  # sign(x) min(abs(x), 1)
    form = cheapest(HG.hinge_forms(e), None)
    assert form is not None and plain.render(form) == "relu(-x - 1) + x - relu(x - 1)"
