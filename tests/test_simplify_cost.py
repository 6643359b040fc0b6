"""The simplifier's structural cost and order: textbook forms cost less, the order is by
structure (never by a printer), and the simplifier imports no printer."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import _settings, expressions

from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.expr import walk
from matcalc_cli.ops import fn
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


def _flat_order(a, b) -> int:
    ta, tb = key(a).tokens(), key(b).tokens()
    return (ta > tb) - (ta < tb)


def _shared_order(a, b) -> int:
    ka, kb = key(a), key(b)
    return (ka > kb) - (ka < kb)


@given(st.lists(expressions(), min_size=2, max_size=4))
@_settings(150)
def test_the_key_orders_as_its_flat_tokens(trees):
    """key() shares its arguments' keys instead of copying their tokens: comparing two keys
    must still give the order of the flat token sequences, between whole trees and between
    their parts (which share prefixes and subtrees with each other)."""
    nodes = list(dict.fromkeys(n for t in trees for n in walk(t)))
    for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=True):
        assert _shared_order(a, b) == _flat_order(a, b)
        assert (key(a) == key(b)) == (key(a).tokens() == key(b).tokens())
    assert sorted(nodes, key=key) == sorted(nodes, key=lambda n: key(n).tokens())


def test_deep_keys_order_as_their_tokens():
    """f(f(... x)) at many depths, and sums of them: the comparisons that the memo of
    compared pairs answers (one level apart, again and again) keep the flat order."""
    x, y = tree("x"), tree("y")
    nests = []
    for leaf in (x, y):
        e = leaf
        for _ in range(60):
            e = fn("tanh", e)
            nests.append(e)
    terms = nests + [E.add(a, b) for a, b in zip(nests, nests[5:], strict=False)]
    for order in (terms, terms[::-1], terms[::7] + terms[::3]):
        assert sorted(order, key=key) == sorted(order, key=lambda n: key(n).tokens())
    for a, b in zip(terms, terms[3:], strict=False):
        assert _shared_order(a, b) == _flat_order(a, b)
