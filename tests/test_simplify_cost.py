"""The simplifier's structural cost and order: textbook forms cost less, the order is by
structure (never by a printer), and the simplifier imports no printer. The one choice among
equal spellings (cost.choose, cost.cheapest), and no other module of the simplifier weighing
spellings itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import _settings, expressions

import matcalc_cli.simplify as simplify_package
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.expr import walk
from matcalc_cli.ops import fn
from matcalc_cli.simplify import cost, key
from matcalc_cli.simplify.cost import cheapest, choose, rank
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


# ------------------------------------------------------------------ the one choice
def test_cheapest_is_the_least_by_cost_then_key():
    x, y, long = tree("x"), tree("y"), tree("s - s.^2")
    assert cheapest([long, y, x], None) is x  # x and y cost alike: x sorts first
    assert cheapest([tree("s .* (1 - s)"), long], None) == tree("s .* (1 - s)")
    assert cheapest([], None) is None and cheapest([], x) is x


def test_choose_never_lengthens():
    short, long = tree("s .* (1 - s)"), tree("s - s.^2")
    assert choose(long, [short]) is short
    assert choose(short, [long]) is short
    assert choose(short, []) is short
    assert choose(short, [short]) is short


def test_choose_breaks_ties_by_key_unless_by_cost():
    x, y = tree("x"), tree("y")
    assert cost(x) == cost(y) and key(x) < key(y)
    assert choose(y, [x]) is x  # the order decides between spellings of one cost
    assert choose(y, [x], by_cost=True) is y  # only a lower cost replaces the spelling in hand
    assert choose(tree("s - s.^2"), [tree("s .* (1 - s)")], by_cost=True) == tree("s .* (1 - s)")


@given(expressions(), st.lists(expressions(), max_size=4))
@_settings(100)
def test_choose_keeps_the_least_rank(incumbent, candidates):
    out = choose(incumbent, candidates)
    assert out is incumbent or out in candidates
    assert all(rank(out) <= rank(c) for c in [incumbent, *candidates])
    by_cost = choose(incumbent, candidates, by_cost=True)
    assert by_cost is incumbent or cost(by_cost) < cost(incumbent)
    assert cost(by_cost) == cost(out)


SIMPLIFY = Path(simplify_package.__file__).parent
WEIGHTS = {"cost", "rank"}  # what weighs a tree (key orders it)


def _named(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(_named(n) in names for n in ast.walk(node))


def local_choices(source: str) -> list[tuple[int, str]]:
    """The places a module weighs spellings itself: any use of cost() or rank(), a comparison
    of key()s, or a min or max by cost, rank or key."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name | ast.Attribute) and _named(node) in WEIGHTS \
                and isinstance(getattr(node, "ctx", None), ast.Load):
            found.append((node.lineno, f"{_named(node)} used"))
        elif isinstance(node, ast.Compare) and _mentions(node, {"key"}):
            found.append((node.lineno, "key() compared"))
        elif isinstance(node, ast.Call) and _named(node.func) in ("min", "max") and any(
                k.arg == "key" and _mentions(k.value, WEIGHTS | {"key"}) for k in node.keywords):
            found.append((node.lineno, f"{_named(node.func)} by a weight"))
    return found


def test_no_module_but_cost_chooses():
    """Choosing among equal spellings happens in cost.choose (and cheapest) alone: the other
    modules offer candidates. A cost comparison written anywhere else fails here."""
    assert local_choices("best = a if cost(a) < cost(b) else b")
    assert local_choices("best = min(forms, key=rank)")
    assert local_choices("first = min(rotations, key=key)")
    assert local_choices("if key(a) < key(b): pass")
    assert not local_choices("terms.sort(key=lambda t: (t.op == 'add', key(t)))")  # an order, not a choice
    found = {path.name: local_choices(path.read_text()) for path in sorted(SIMPLIFY.glob("*.py"))
             if path.name != "cost.py"}
    assert {name: places for name, places in found.items() if places} == {}
