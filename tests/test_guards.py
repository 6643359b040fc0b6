"""The guards a pattern may name (simplify/guards.py), each on what it is asked of."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.ops import fn
from matcalc_cli.simplify.guards import DIMS, GUARDS, NUMBERS, SHAPES, TREES


def test_shape_guards():
    column, row, square, wide = ("n", 1), (1, "n"), ("n", "n"), ("n", "m")
    assert [name for name, holds in SHAPES.items() if holds(column)] == ["column", "vector", "nonscalar"]
    assert [name for name, holds in SHAPES.items() if holds(row)] == ["row", "nonscalar"]
    assert [name for name, holds in SHAPES.items() if holds(square)] == ["square", "matrix", "nonscalar"]
    assert [name for name, holds in SHAPES.items() if holds(wide)] == ["matrix", "nonscalar"]
    assert [name for name, holds in SHAPES.items() if holds(E.SCALAR)] == ["scalar", "square"]


def test_tree_guards():
    s, a = E.var("S", ("n", "n"), symmetric=True), E.var("A", ("n", "n"))
    assert TREES["symmetric"](s) and not TREES["symmetric"](a)
    assert TREES["orthonormal"](fn("eigvecs", s)) and not TREES["orthonormal"](a)


def test_number_and_dimension_guards():
    assert NUMBERS["integer"](Fraction(-3)) and not NUMBERS["integer"](Fraction(1, 2))
    assert NUMBERS["negative"](Fraction(-1, 2)) and not NUMBERS["negative"](Fraction(0))
    assert NUMBERS["number"](Fraction(2)) and not NUMBERS["number"](0.5)  # a float is no exact number
    assert DIMS["known"](3) and not DIMS["known"]("n")
    assert DIMS["several"](2) and not DIMS["several"](1)
    assert DIMS["named"]("n") and not DIMS["named"](4)
    assert "shape" in GUARDS and len(GUARDS) == len(set(GUARDS))
