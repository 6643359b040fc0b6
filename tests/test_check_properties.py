"""matcalc check reads back every plain output of matcalc (issue 21, item 4): random
derivatives (tests/test_properties.py's trees, every cell of the layout table, both
layouts, second derivatives) printed with `--format plain`, their where clauses included,
and fed back as `--expect` claims, are all `correct`."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
from hypothesis import assume, given, note

from matcalc_cli.checking import check
from matcalc_cli.dims import spec_of
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from tests.test_properties import SYMMETRIC, VARIABLES, _settings, derivative_cases

EXAMPLES = int(os.environ.get("MATCALC_SOAK_EXAMPLES", "").strip() or 1000)  # a soak run raises it
STATS: Counter[str] = Counter()


def _options(f: Expr) -> dict[str, Any]:
    names = sorted({n for n in VARIABLES if n in plain.render(f)})
    return {"shapes": [f"{n}={spec_of(VARIABLES[n])}" for n in names],
            "symmetric": sorted(SYMMETRIC & set(names))}


@_settings(EXAMPLES)
@given(derivative_cases())
def _round_trip(case: tuple[Expr, list[Expr], str]) -> None:
    f, wrt, layout = case
    source = plain.render(f)
    opts = _options(f)
    names = [x.name for x in wrt]
    try:
        report = differentiate(source, names, opts["shapes"], opts["symmetric"], layout)
    except MatcalcError:
        STATS["not differentiated"] += 1
        assume(False)
    claim = plain.render_named(report.named())
    note(f"f = {source}; wrt {names}; {layout}; claim {claim}")
    try:
        result = check(source, names, claim, opts["shapes"], opts["symmetric"], layout)
    except MatcalcError as err:
        if err.kind == "unsupported" and "random points" in err.message:
            STATS["no defined points"] += 1
            assume(False)
        raise
    STATS["tried"] += 1
    STATS["with a where clause"] += " where " in claim
    assert result.ok, f"{claim}: {result.verdict} {result.difference}"
    STATS["correct"] += 1


def test_plain_output_is_accepted_as_a_claim() -> None:
    STATS.clear()
    _round_trip()
    print(f"\n--expect round trip: {dict(STATS)}")
    assert STATS["tried"] >= EXAMPLES // 2, STATS
    assert STATS["correct"] == STATS["tried"]
    assert STATS["with a where clause"] >= 10, STATS


def test_a_where_clause_in_a_claim_is_expanded() -> None:
    source = "norm(W3 tanh(W2 tanh(W1 x)) - y)^2"
    claim = plain.render_named(differentiate(source, ["W1"]).named())
    assert " where h1 = tanh(W1 x), h2 = tanh(W2 h1)" in claim
    assert check(source, ["W1"], claim).ok
    wrong = check(source, ["W1"], "3" + claim.removeprefix("2"))
    assert not wrong.ok and wrong.verdict == "different"


def test_a_where_name_may_not_shadow_a_variable() -> None:
    with pytest.raises(MatcalcError, match="x is a variable of the expression"):
        check("x^T A x", ["x"], "x^T B where x = A x, B = A")
