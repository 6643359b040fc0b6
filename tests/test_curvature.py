"""curvature.py on its own: the DCP reading of small expressions (convex, concave, affine or
not proven), and every fact of each proof holds at random points of the domain."""

from __future__ import annotations

import pytest
from convex_facts import check_fact

from matcalc_cli.curvature import Prover
from matcalc_cli.definiteness import InRange
from matcalc_cli.report import typed_input

# (expression, variable, options, convex, concave) as the DCP rules can prove them: a
# function they cannot read is neither (sin, an indefinite quadratic form), never a guess.
CASES = [
    ("a^T x + 1", "x", {}, True, True),
    ("exp(a^T x)", "x", {}, True, False),
    ("-exp(t)", "t", {}, False, True),
    ("-sum(log(x))", "x", {}, True, False),
    ("sqrt(t)", "t", {}, False, True),
    ("x^T (B^T B) x", "x", {}, True, False),
    ("logdet(S)", "S", {"spd": ["S"]}, False, True),
    ("sum(softplus(X w))", "w", {}, True, False),
    ("sin(t)", "t", {}, False, False),
    ("x^T A x", "x", {}, False, False),
    ("c exp(t)", "t", {}, False, False),  # the sign of c is unknown
    ("c exp(t)", "t", {"positive": ["c"]}, True, False),
]


@pytest.mark.parametrize("src, wrt, opts, convex, concave", CASES)
def test_curvature_and_its_facts(src, wrt, opts, convex, concave):
    spd = opts.get("spd", [])
    _, typed, _, _, _ = typed_input(src, [wrt], None, spd)
    prover = Prover((wrt,), opts.get("positive", ()), spd)
    got = prover.curvature(typed.expr)
    assert (got.convex, got.concave) == (convex, concave)
    if not (convex or concave):  # nothing is claimed of what is not proven
        assert all(f.node is not typed.expr for f in prover.facts.items)
    for fact in prover.facts.items:
        assert check_fact(fact, typed.variables, (wrt,), opts) > 0 or isinstance(fact.claim, InRange), fact


def test_a_constant_is_both_and_claims_nothing():
    _, typed, _, _, _ = typed_input("exp(a^T b)", ["x"], ["x=n"], [])
    prover = Prover(("x",))
    got = prover.curvature(typed.expr)
    assert got.const and got.affine and prover.facts.items == []
