"""simplify/normal.py: the canonicaliser (transposes, products, like terms, common factors)."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.simplify.normal import hadamard, product, total, transpose

x, y = E.var("x", ("n", 1)), E.var("y", ("n", 1))
A, B = E.var("A", ("n", "n")), E.var("B", ("n", "n"))
t = E.var("t", E.SCALAR)


def test_a_transpose_goes_through_a_product_in_reverse():
    assert transpose(E.mul(A, B)) is E.mul(E.T(B), E.T(A))


def test_like_terms_collect():
    assert total([x, E.mul(E.const(2), x)]) is E.mul(E.const(3), x)
    assert total([x, E.neg(x)]).op == "zeros"


def test_a_common_factor_comes_out():
    s = total([E.mul(A, x), E.mul(B, x)])
    assert s.op == "mul" and s.args[-1] is x and s.args[0].op == "add"


def test_an_inverse_beside_its_matrix_is_the_rule_inverse_pair_s_not_the_canonicaliser_s():
    assert product([E.inv(A), A, x]).args == (E.inv(A), A, x)  # tests/test_pairs.py cancels it


def test_equal_scalar_bases_merge_their_exponents():
    assert product([t, E.power(t, -1)]) is E.ONE
    assert product([t, t]) is E.power(t, Fraction(2))


def test_numbers_leave_a_hadamard_product():
    h = hadamard([E.mul(E.const(2), x), y])
    assert h.op == "mul" and h.args[0] is E.const(2)


def test_a_broadcast_scalar_times_scalars_is_one_broadcast_scalar():
    # as a sum spells its constant term: negating x^T - 1 term by term gives x^T + 1, not x^T - -1
    minus_one = E.bcast(E.const(-1), E.T(x).shape)
    assert product([E.const(-1), minus_one]) is E.bcast(E.ONE, minus_one.shape)
    assert product([t, minus_one]) is E.bcast(E.neg(t), minus_one.shape)
    assert total([E.T(x), product([E.const(-1), minus_one])]) is E.add(E.T(x), E.const(1))


def test_a_broadcast_scalar_s_coefficient_is_its_term_s():
    # x + t - t was x - t + t: the broadcast t and the broadcast -t were two unlike terms
    row = E.T(x).shape
    assert total([E.T(x), E.bcast(t, row), E.bcast(E.neg(t), row)]) is E.T(x)
    assert total([E.T(x), E.bcast(E.mul(E.const(2), t), row), E.bcast(E.neg(t), row)]) is E.add(E.T(x), t)
