"""Numbers as written (matcalc_cli/written.py): how they multiply, add and print."""

from __future__ import annotations

from fractions import Fraction

import pytest

from matcalc_cli import expr as E
from matcalc_cli.written import Written as W


@pytest.mark.parametrize("a, b, text", [
    (W("0.01"), 2, "0.02"),                      # times a whole number: the decimal of the product
    (W("0.044715"), 3, "0.134145"),
    (W("0.5"), 2, "1"),
    (W("0.3"), W("0.3"), "0.09"),                # one significant digit more at most: folded
    (W("0.5"), W("0.5"), "0.25"),
    (W("0.7978845608028654"), W("0.044715"), "0.044715 0.7978845608028654"),  # else side by side
    (W("1.702"), W("1.702"), "1.702 1.702"),
    (W("-0.044715 0.7978845608028654"), 3, "-0.134145 0.7978845608028654"),  # the part it makes shortest
    (W("0.3"), Fraction(1, 2), "0.15"),          # a quotient that terminates
])
def test_written_numbers_multiply_as_a_reader_checks(a, b, text):
    for product in (a * b, b * a):
        assert isinstance(product, W) and product.text == text
        assert product == Fraction(a) * Fraction(b)


def test_written_numbers_stay_written_where_exact_arithmetic_would_not():
    assert type(W("0.5") * Fraction(1, 3)) is Fraction  # 1/6 has no decimal
    assert (0 + W("0.3 0.7")).text == "0.3 0.7"           # a sum with nothing keeps its spelling
    assert (W("0.3") + W("0.3")).text == "0.6"
    assert (-W("0.3 0.7")).text == "-0.3 0.7"
    assert E.power(E.const(W("0.3")), -1).op == "pow"     # x / 0.3, not 10 x / 3
    assert E.const(W("0.3")) is not E.const(Fraction(3, 10))  # the spelling is part of the node
