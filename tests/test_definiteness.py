"""definiteness.py on its own: each PSD case of the corpus is proven, and every fact of its
proof holds at random points."""

from __future__ import annotations

import pytest
from convex_corpus import PSD_CASES
from convex_facts import check_fact, psd_facts


@pytest.mark.parametrize("src, opts", PSD_CASES)
def test_psd_rules_prove_and_hold(src, opts):
    prover, e, variables = psd_facts(src, opts)
    assert prover.psd(e)
    for f in prover.facts.items:
        assert check_fact(f, variables, (), opts) > 0 or f.claim.startswith("in ")


@pytest.mark.parametrize("src, opts, kind", [
    ("X^T X", {}, "psd"),  # singular when X is wide: PSD, not PD
    ("eye(n) + X^T X", {}, "pd"),
    ("kron(S, S)", {"spd": ["S"]}, "pd"),
    ("A", {}, ""),  # an undeclared matrix: nothing claimed
    ("A - B", {}, ""),
    ("-(X^T X)", {}, ""),
])
def test_pd_psd_or_nothing(src, opts, kind):
    prover, e, _ = psd_facts(src, opts)
    assert prover.psd(e) == kind
    assert (prover.facts.items == []) == (kind == "")
