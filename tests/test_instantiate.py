"""The right side of a pattern rule (simplify/instantiate.py), built from a binding."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.ops import fn
from matcalc_cli.render import plain
from matcalc_cli.simplify.instantiate import instantiate
from matcalc_cli.syntax import parse_pattern

A, B = E.var("A", ("n", "n")), E.var("B", ("n", "n"))
Z, S = E.var("z", ("n", 1)), E.var("s", E.SCALAR)


def build(text, **binding):
    return instantiate(parse_pattern(text), {f"?{k}": v for k, v in binding.items()})


def test_a_transpose_is_distributed_as_the_normal_form_spells_it():
    assert plain.render(build("?X^T", X=E.mul(A, B))) == "B^T A^T"


def test_a_scalar_subtracted_from_an_array_is_broadcast_then_negated():
    out = build("?z - logsumexp(?z)", z=Z)
    assert out == E.add(Z, E.neg(E.bcast(fn("logsumexp", Z), Z.shape)))


def test_a_number_exponent_is_a_matrix_power_and_a_dimension_a_number():
    assert build("?X^?k", X=A, k=E.const(-2)) == E.power(E.inv(A), 2)
    assert build("?s^?n", s=S, n=3) == E.power(S, Fraction(3))
    assert plain.render(build("?u .^ ?k", u=Z, k=E.const(2))) == "z.^2"


def test_dimensions_fill_calls():
    assert build("ones(1, ?m)", m="m") == E.ones((1, "m")) and build("eye(?n)", n="n") == E.eye("n")
