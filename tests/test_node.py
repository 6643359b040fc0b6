"""node.py: the typed node is hash-consed and frozen, survives pickling as the same node, reads its
param through typed accessors; the shape arithmetic and the walk over a tree."""

from __future__ import annotations

import pickle
from fractions import Fraction

import pytest

from matcalc_cli import expr as E
from matcalc_cli import node as N

x, y = E.var("x", ("n", 1)), E.var("y", ("n", 1))
A = E.var("A", ("n", "n"))


def test_equal_trees_are_one_node():
    assert E.mul(E.T(x), A, x) is E.mul(E.T(x), A, x)
    assert N.Expr("add", (x, y), ("n", 1)) is E.add(x, y)


def test_a_node_is_frozen_and_pickles_to_the_live_node():
    f = E.mul(E.T(x), A, x)
    with pytest.raises(AttributeError):
        f.op = "add"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(f)) is f


def test_the_accessors_read_their_own_param_and_refuse_another():
    assert x.name == "x" and E.const(3).number == Fraction(3)
    assert E.commutation("m", "n").dims == ("m", "n") and E.size("n").dim == "n"
    with pytest.raises(AssertionError):
        _ = x.number


def test_shapes_say_vector_row_and_scalar():
    assert N.is_vector(("n", 1)) and not N.is_vector(N.SCALAR)
    assert N.is_row((1, "n")) and not N.is_row(("n", 1))
    assert E.const(2).is_scalar and not x.is_scalar


def test_composite_dimensions_are_one_size_however_written():
    assert N.dim_product("n", "m") == N.dim_product("m", "n") == "m·n"
    assert N.dim_product(2, 3) == 6 and N.dim_product("n", 1) == "n"
    assert N.dim_product(N.dim_product(2, "n"), 3) == "6·n"


def test_walk_lists_each_node_once_children_first():
    f = E.mul(E.T(x), A, x)
    order = N.walk(f)
    assert order[-1] is f and len(order) == len(set(map(id, order)))
    assert order.index(x) < order.index(E.T(x))
    assert set(N.free_vars(f)) == {"x", "A"}
    g = E.mul(E.T(x), A)
    assert N.walk(g, known={E.T(x)}) == [E.T(x), A, g]  # a known node is listed, not entered


def test_reading_lists_a_products_denominators_last_as_the_printers_write_them():
    n = E.var("n", E.SCALAR)
    over = E.power(E.mul(E.T(x), y), -1)  # 1 / (x^T y), the product's first factor in the tree
    f = E.mul(over, A, x)
    assert f.args[0] is over and N.in_denominator(over) and not N.in_denominator(A)
    assert N.reading(f).index(A) < N.reading(f).index(over) and N.walk(f).index(over) < N.walk(f).index(A)
    assert sorted(map(id, N.reading(f))) == sorted(map(id, N.walk(f)))  # the same nodes, once each
    assert N.reading(E.add(x, y)) == N.walk(E.add(x, y)) and not N.in_denominator(E.power(n, 2))
