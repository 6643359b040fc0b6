"""simplify/engine.py: the rules bottom-up to a true fixpoint, each rewrite recorded when asked."""

from __future__ import annotations

import warnings

import pytest

from matcalc_cli import expr as E
from matcalc_cli.ops import fn
from matcalc_cli.simplify import NoFixpoint, canon, simplify

x = E.var("x", ("n", 1))
A = E.var("A", ("n", "n"))


def test_simplify_is_idempotent():
    e = E.add(E.mul(E.T(x), A), E.mul(E.T(x), E.T(A)))
    once = simplify(e)
    assert simplify(once) is once


def test_each_rewrite_is_recorded_with_its_rule():
    steps: list = []
    out = simplify(fn("det", E.T(A)), steps)
    assert out is fn("det", A)
    assert [name for name, _, _ in steps] == ["transpose-invariant"]
    assert steps[0][1] is fn("det", E.T(A)) and steps[0][2] is out


def test_one_pass_applies_one_rule_a_node():
    e = fn("tr", E.T(E.T(A)))
    assert canon(e) is canon(canon(e))


def test_a_fixpoint_is_reached_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoFixpoint)
        simplify(E.mul(E.inv(A), A, x))


def test_a_rule_that_changes_a_shape_stops_the_simplifier(monkeypatch):
    from matcalc_cli.simplify import engine
    from matcalc_cli.simplify.rules import Rule

    t = E.var("t", E.SCALAR)
    broken = Rule("broken", "test", (A.op,), lambda node: node is A, lambda node: t, "A = t")
    monkeypatch.setattr(engine, "rules_for", lambda op: (broken,) if op == A.op else ())
    with pytest.raises(engine.ShapeChanged):
        engine._rewrite(A)
    assert engine._rewrite(x) is x  # a node no rule matches is left as it is


def test_a_rule_that_weighs_costs_waits_for_settled_arguments(monkeypatch):
    # Weighed against a half-rewritten argument, a choice chose by the path taken: the text of
    # a derivative read back, (2 b c)^-1 not yet 1/(2 b c), reached another fixpoint than the
    # derivative (test_regressions: the fourth root's second derivative).
    from matcalc_cli.simplify import engine
    from matcalc_cli.simplify.rules import Rule

    seen: list[E.Expr] = []
    unwrap = Rule("unwrap", "test", ("T",), lambda e: e.args[0].op == "T", lambda e: e.args[0].args[0], "X^T^T = X")
    weigh = Rule("weigh", "test", ("det",), lambda e: seen.append(e.args[0]) is None, lambda e: e, "det", shorter=True)
    monkeypatch.setattr(engine, "rules_for", lambda op: {"T": (unwrap,), "det": (weigh,)}.get(op, ()))
    monkeypatch.setattr(engine, "_REWRITTEN", {})
    twice = E.Expr("T", (E.Expr("T", (A,), A.shape),), A.shape)  # A^T^T, as no builder leaves it
    once = canon(fn("det", twice))
    assert once is fn("det", A) and seen == []  # A came out of this pass: not weighed yet
    assert canon(once) is once and seen == [A]  # the next pass finds it settled
