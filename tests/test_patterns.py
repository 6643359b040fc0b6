"""The rules written as patterns (simplify/patterns.py), each tested from its own text: its left
side, read as input with its variables as names (shaped as its guards ask), holds a node the
pattern matches; the right side keeps that node's value at random points of both signs; and it
prints as the rule writes it. Then the reader itself: ? only in rules, guards by name."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli import numeric
from matcalc_cli.build import infer
from matcalc_cli.dims import parse_spec
from matcalc_cli.errors import MatcalcError
from matcalc_cli.render import plain
from matcalc_cli.simplify import RULES
from matcalc_cli.simplify.patterns import example_source, read, written_rhs
from matcalc_cli.syntax import parse

PATTERNS = [(rule.name, p) for rule in RULES for p in rule.patterns]
# Where the left side read as input says too little (a dimension no variable carries, a
# variable inference takes for a scalar) or the builders fold it away (tr of a scalar is the
# scalar), the example is written here: the source, or the tree itself.
BY_HAND = {
    "ones(?m, ?n) ./ ?y => 1 ./ ?y": ("ones(m, n) ./ y", ["y=m,n"]),
    "sum(ones(?m, ?n)) => size(?m*?n)": ("sum(ones(m, n))", []),
    "mean(ones(?m, ?n)) => 1": ("mean(ones(m, n))", []),
    "norm(ones(?m, ?n)) => size(?m*?n)^0.5": ("norm(ones(m, n))", []),
    "tr(?s) => ?s if scalar(?s)": (lambda: E.Expr("tr", (E.var("s", E.SCALAR),), E.SCALAR), []),
}


def _example(p):
    source, shapes = BY_HAND.get(p.text) or example_source(p)
    if callable(source):
        return source()
    declared = {}
    for item in shapes:
        name, _, spec = item.partition("=")
        declared[name] = parse_spec(spec, name)
    return infer(parse(source), declared, frozenset()).expr


def _dims(e):
    out = set()
    for n in E.walk(e):
        for d in (*n.shape, *(n.dims if n.op in ("commutation", "unvec") else ()),
                  *((n.dim,) if n.op == "size" else ())):
            out.update(p for p in str(d).split("·") if not p.isdigit())
    return sorted(out)


def assert_same_value(before, after):
    """Equal at random points of both signs, every dimension its own size."""
    variables = {name: v.shape for name, v in E.free_vars(before).items()}
    compared = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        sizes = {d: 2 + (i + seed) % 4 for i, d in enumerate(_dims(before))}
        values = numeric.sample(variables, frozenset(), rng, sizes, positive=False)
        with np.errstate(all="ignore"):
            want, got = numeric.evaluate(before, values, sizes), numeric.evaluate(after, values, sizes)
        assert got.shape == want.shape
        if np.all(np.isfinite(want)):
            compared += 1
            assert numeric.relative_error(got, want) < 1e-9
    assert compared >= 3, "the example's domain is too small to test it"


@pytest.mark.parametrize(("rule", "pattern"), PATTERNS, ids=[f"{r}: {p.text}" for r, p in PATTERNS])
def test_every_pattern_fires_keeps_the_value_and_prints_as_written(rule, pattern):
    tree = _example(pattern)
    nodes = [n for n in E.walk(tree) if pattern.match(n) is not None]
    assert nodes, f"{rule}: {pattern.text} does not match its own left side"
    node = nodes[-1]
    out = pattern.apply(node)
    assert out is not None and out.shape == node.shape
    assert_same_value(node, out)
    assert plain.render(out) == written_rhs(pattern)


def test_there_are_rules_written_as_patterns():
    assert len({r for r, _ in PATTERNS}) >= 7 and len(PATTERNS) >= 18


def test_a_pattern_variable_is_no_input():
    with pytest.raises(MatcalcError):
        parse("exp(?u)")


@pytest.mark.parametrize("text", ["exp(?u) => ?v", "tr(?X) => ?X if squared(?X)", "tr(?X) tr(?X)",
                                  "tr(?X) => ?X if square(?Y)"])
def test_a_malformed_rule_is_refused_when_read(text):
    with pytest.raises(ValueError):
        read(text)


def test_a_variable_matches_one_tree_wherever_it_occurs():
    p = read("exp(?u) ./ (1 + exp(?u)) => sigmoid(?u)")
    x, y = E.var("x", ("n", 1)), E.var("y", ("n", 1))
    from matcalc_cli.ops import fn

    assert p.match(E.hdiv(fn("exp", x), E.add(E.ONE, fn("exp", x)))) is not None
    assert p.match(E.hdiv(fn("exp", x), E.add(E.ONE, fn("exp", y)))) is None


def test_a_guard_keeps_a_pattern_from_matching():
    p = read("tr(?s) => ?s if scalar(?s)")
    assert p.match(E.Expr("tr", (E.var("A", ("n", "n")),), E.SCALAR)) is None


def test_a_product_of_two_matches_two_adjacent_factors_of_a_longer_product():
    from matcalc_cli.ops import fn

    p = read("ones(1, ?n) diag(?v) => ?v^T if column(?v)")
    v, a, b = E.var("v", ("n", 1)), E.var("A", ("n", "m")), E.var("b", ("m", 1))
    chain = E.mul(E.const(2), E.ones((1, "n")), fn("diag", v), a, b)
    assert p.match(chain) is None and p.window(chain) == (1, {"?n": "n", "?v": v})
    out = p.apply(chain)
    assert out == E.mul(E.const(2), E.T(v), a, b)
    assert_same_value(chain, out)
    assert p.window(E.mul(E.ones((1, "n")), a, b)) is None  # no pair matches: nothing to do
