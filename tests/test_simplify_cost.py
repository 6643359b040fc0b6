"""The simplifier's structural cost and order: textbook forms cost less, the order is by
structure (never by a printer), and the simplifier imports no printer."""

from __future__ import annotations

import subprocess
import sys

import pytest

from matcalc_cli.shapes import infer
from matcalc_cli.simplify import cost, key
from matcalc_cli.syntax import parse


def tree(src: str, symmetric=()):
    return infer(parse(src), {}, frozenset(symmetric)).expr


@pytest.mark.parametrize("textbook, longer", [
    ("x^T (A + A^T)", "x^T A + x^T A^T"),
    ("s .* (1 - s)", "s - s.^2"),
    ("sigmoid(u) .* (1 - sigmoid(u))", "sigmoid(u) - sigmoid(u).^2"),
    ("-X^-T a b^T X^-T", "-(X^-1)^T a b^T (X^-1)^T"),
    ("(sigmoid(X theta) - y)^T X", "sigmoid(X theta)^T X - y^T X"),
    ("(A X B)^-T", "(B^T X^T A^T)^-1"),
    ("2 x", "x + x"),
    ("1 ./ (x.^2)", "x.^-2 .* x.^0 ./ 1"),
    ("y - s", "y .* (1 - s) - (1 - y) .* s"),
])
def test_textbook_forms_cost_less(textbook, longer):
    assert cost(tree(textbook)) < cost(tree(longer))


@pytest.mark.parametrize("first, second", [
    ("A2", "A10"),  # digits compare as numbers
    ("A", "A^T"),
    ("A^T", "A B"),  # A^T right after A
    ("2 x", "x"),  # numbers before names
    ("sigmoid(u)", "y"),  # a function by its name
    ("(x .* y)^T", "x^T .* y^T"),  # a bracket sorts first, as it reads
])
def test_structural_order(first, second):
    assert key(tree(first)) < key(tree(second))


def test_the_order_is_total_on_distinct_trees():
    srcs = ["A", "A^T", "A^-1", "A^2", "A B", "B", "2 A", "-A", "A + B", "tr(A)", "A .* B", "A ./ B", "eye(n)"]
    keys = [key(tree(s)) for s in srcs]
    assert len(set(keys)) == len(keys)


def test_the_simplifier_imports_no_printer():
    code = ("import sys; import matcalc_cli.simplify as s; "
            "bad = [m for m in sys.modules if m.startswith('matcalc_cli.render')]; print(bad); assert not bad")
    subprocess.run([sys.executable, "-c", code], check=True)
