"""derive/readoff.py: the trace trick and the vec read-off from a linear form, each record's share."""

from __future__ import annotations

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli.derive import at_differential, differential, dvar, gradient, jacobian
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import fn
from matcalc_cli.ops.base import Said

x = E.var("x", ("n", 1))
A = E.var("A", ("n", "n"))
X = E.var("X", ("n", "m"))
t = E.var("t", E.SCALAR)


def test_at_differential_replaces_every_differential():
    dx = dvar(x)
    assert at_differential(E.mul(A, dx), x) is E.mul(A, x)


def test_the_gradient_of_a_quadratic_form_moves_the_seed_through_each_factor():
    form = E.add(E.mul(E.T(dvar(x)), A, x), E.mul(E.T(x), A, dvar(x)))
    moves: list[Said] = []
    g = gradient(form, E.ONE, x, moves)
    assert g.shape == ("n", 1)
    rng = np.random.default_rng(0)
    values = {"x": rng.standard_normal((3, 1)), "A": rng.standard_normal((3, 3))}
    want = (values["A"] + values["A"].T) @ values["x"]
    assert np.allclose(evaluate(g, values, {"n": 3}), want)
    # each move named as --steps shows it, with its identity: cycling a trace, then transposing
    assert [r.name for said_ in moves for r in said_] == ["cycling a trace", "transposing"]
    assert all(r.identity for said_ in moves for r in said_)


def test_a_trace_reads_off_the_transposed_factor():
    form = fn("tr", E.mul(A, dvar(X), E.var("B", ("m", "n"))))
    assert gradient(form, E.ONE, X) is E.mul(E.T(A), E.T(E.var("B", ("m", "n"))))


def test_the_jacobian_of_a_matrix_product_is_a_kronecker_product():
    j = jacobian(E.mul(A, dvar(X)), X)
    assert j.op == "kron" and j.shape == ("m·n", "m·n")


def test_a_form_without_the_variable_reads_off_zero():
    d = differential(fn("sum", X), x)
    assert d is None
