"""build.py: the typed tree from a syntax tree once its shapes are known (infer: both)."""

from __future__ import annotations

import pytest

from matcalc_cli import expr as E
from matcalc_cli.build import build, infer
from matcalc_cli.commands import in_big_stack
from matcalc_cli.errors import MatcalcError
from matcalc_cli.syntax import parse

x = E.var("x", ("n", 1))
A = E.var("A", ("n", "n"))


def test_a_quadratic_form_builds_as_one_product():
    assert infer(parse("x^T A x"), {}, frozenset()).expr is E.mul(E.T(x), A, x)


def test_the_shapes_given_are_the_shapes_built():
    typed = infer(parse("A x"), {"A": ("n", "m")}, frozenset())
    assert typed.variables["x"] == ("m", 1) and typed.inferred == frozenset({"x"})


def test_a_where_clause_builds_one_shared_node_and_keeps_its_name():
    typed = infer(parse("h^T h where h = A x"), {}, frozenset())
    (node, name), = typed.named
    shapes = typed.variables
    assert name == "h" and node is E.mul(E.var("A", shapes["A"]), E.var("x", shapes["x"]))
    assert typed.expr is E.mul(E.T(node), node)


def test_a_symmetric_variable_is_its_own_transpose():
    built = build(parse("S^T"), {"S": ("n", "n")}, frozenset({"S"}))
    assert built.op == "var" and built.info.symmetric


def test_division_by_zero_is_an_input_error():
    with pytest.raises(MatcalcError):
        infer(parse("x / 0"), {}, frozenset())


def test_negative_matrix_powers_are_powers_of_the_inverse():
    assert infer(parse("A^-2"), {}, frozenset()).expr is E.power(E.inv(A), 2)


@pytest.mark.parametrize("nested, flat", [
    ("x + (A x + (x + 2 x))", "x + A x + x + 2 x"),
    ("(x + A x) + (x - (A x + x))", "x + A x + x - (A x + x)"),
    ("x - (A x + (x + A x))", "x - (A x + x + A x)"),
    ("(x + (x + A x)) + ((A x + x) + x)", "x + x + A x + A x + x + x"),
    ("h + (x + h) where h = x + A x", "h + x + h where h = x + A x"),
])
def test_a_sum_nested_on_the_right_builds_as_the_flat_sum(nested, flat):
    # Built in linear time (terms joined, the shorter run into the longer), it must be
    # the very sum a flat text builds.
    assert infer(parse(nested), {}, frozenset()).expr is infer(parse(flat), {}, frozenset()).expr


def test_a_deeply_nested_sum_builds_one_flat_sum():
    depth = 3000
    text = "(x + " * depth + "x" + ")" * depth
    built = in_big_stack(lambda: infer(parse(text), {}, frozenset()).expr)
    assert built.op == "add" and len(built.args) == depth + 1 and set(built.args) == {x}


@pytest.mark.parametrize("nested, flat", [
    ("A (A (B x))", "A A B x"),
    ("x^T (A (B x))", "x^T A B x"),
    ("(x^T A) (B x)", "x^T A B x"),
    ("A (x (x^T B))", "A x x^T B"),
    ("A (x^T x) B", "A (x^T x) B"),
    ("A (2 (B x))", "2 A B x"),
    ("A (h + x) where h = B x", "A (h + x) where h = B x"),
    ("A (B h) + h where h = C x", "A B h + h where h = C x"),
])
def test_a_product_nested_on_the_right_builds_as_the_flat_product(nested, flat):
    assert infer(parse(nested), {}, frozenset()).expr is infer(parse(flat), {}, frozenset()).expr


def test_a_deeply_nested_product_builds_one_chain():
    depth = 3000
    text = "x^T " + "(A " * depth + "x" + ")" * depth
    built = in_big_stack(lambda: infer(parse(text), {}, frozenset()).expr)
    assert built.op == "mul" and len(built.args) == depth + 2


@pytest.mark.parametrize("chain, stepwise", [
    ("x .* x .* (A x) .* x", lambda: E.had(E.had(E.had(x, x), E.mul(A, x)), x)),
    ("x .* (2 x) .* x", lambda: E.had(E.had(x, E.mul(E.const(2), x)), x)),
    ("x .* ones(n) .* x", lambda: E.had(E.had(x, E.ones(("n", 1))), x)),
    ("h .* x .* h where h = x .* x", lambda: E.had(E.had(E.had(x, x), x), E.had(x, x))),
])
def test_a_hadamard_chain_builds_as_it_does_factor_by_factor(chain, stepwise):
    assert infer(parse(chain), {}, frozenset()).expr is stepwise()


def test_a_long_hadamard_chain_builds_one_product():
    # factor by factor, each step would copy the growing product: quadratic in its length
    k = 3000
    built = infer(parse(" .* ".join(["x"] * k)), {}, frozenset()).expr
    assert built.op == "had" and len(built.args) == k and set(built.args) == {x}
