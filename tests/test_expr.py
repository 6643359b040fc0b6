"""expr.py: the typed tree's builders keep trees small and typed (the node itself: test_node.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from matcalc_cli import expr as E

x, y = E.var("x", ("n", 1)), E.var("y", ("n", 1))
A, S = E.var("A", ("n", "n")), E.var("S", ("n", "n"), symmetric=True)
t = E.var("t", E.SCALAR)


def test_sums_flatten_fold_constants_and_drop_zeros():
    s = E.add(E.add(x, y), E.zeros(("n", 1)), x)
    assert s.op == "add" and s.args == (x, y, x)
    assert E.add(E.const(2), E.const(3)) is E.const(5)
    assert E.add(E.zeros(("n", 1))).op == "zeros"


def test_a_scalar_in_a_sum_is_broadcast_to_its_shape():
    s = E.add(x, t)
    assert s.shape == ("n", 1) and any(a.op == "bcast" and a.args[0] is t for a in s.args)


def test_a_sum_of_two_shapes_is_a_bug_that_fails_loudly():
    with pytest.raises(AssertionError):
        E.add(x, A)


def test_products_take_their_number_in_front_and_vanish_on_zero():
    p = E.mul(x, E.const(2), E.T(y), E.const(3))
    assert p.args[0] is E.const(6) and p.shape == ("n", "n")
    assert E.mul(A, E.zeros(("n", 1))).op == "zeros"
    assert E.mul(E.eye("n"), A) is A


def test_transposes_cancel_and_pass_symmetric_scalar_and_identity_through():
    assert E.T(E.T(A)) is A
    assert E.T(S) is S and E.T(t) is t and E.T(E.eye("n")) is E.eye("n")
    assert E.T(E.ones(("n", "m"))).shape == ("m", "n")


def test_powers_and_inverses_of_scalars_are_powers():
    assert E.inv(t) is E.power(t, -1)
    assert E.power(E.power(t, 2), 1).number == Fraction(2)
