"""definiteness.py on its own: each PSD case of the corpus is proven, and every fact of its
proof holds at random points."""

from __future__ import annotations

import pytest
from convex_corpus import PSD_CASES
from convex_facts import check_fact, psd_facts

from matcalc_cli.definiteness import InRange, Property


@pytest.mark.parametrize("src, opts", PSD_CASES)
def test_psd_rules_prove_and_hold(src, opts):
    prover, e, variables = psd_facts(src, opts)
    assert prover.psd(e)
    for f in prover.facts.items:
        assert check_fact(f, variables, (), opts) > 0 or isinstance(f.claim, InRange)


@pytest.mark.parametrize("src, opts, kind", [
    ("X^T X", {}, Property.PSD),  # singular when X is wide: PSD, not PD
    ("eye(n) + X^T X", {}, Property.PD),
    ("kron(S, S)", {"spd": ["S"]}, Property.PD),
    ("A", {}, None),  # an undeclared matrix: nothing claimed
    ("A - B", {}, None),
    ("-(X^T X)", {}, None),
])
def test_pd_psd_or_nothing(src, opts, kind):
    prover, e, _ = psd_facts(src, opts)
    assert prover.psd(e) is kind
    assert (prover.facts.items == []) == (kind is None)
    assert kind is None or any(f.node is e and f.claim is kind for f in prover.facts.items)
