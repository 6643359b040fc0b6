"""lines.py: a derivation by hand as typed values; a rule as --steps names it."""

from matcalc_cli import expr as E
from matcalc_cli.lines import Line, StepRule
from matcalc_cli.ops import OPS


def test_a_records_rule_is_read_once_into_names_and_identities() -> None:
    assert StepRule.of("product rule") == (StepRule("product rule"),)
    assert StepRule.of("inverse: d(X^-1) = -X^-1 dX X^-1") == (StepRule("inverse", "d(X^-1) = -X^-1 dX X^-1"),)
    softmax = StepRule.of(OPS["softmax"].rule)
    assert [r.name for r in softmax] == ["softmax", "by rows"] and all(r.identity for r in softmax)


def test_a_lines_rules_print_as_they_were_written() -> None:
    for op in OPS.values():
        if op.rule:
            line = Line(None, (E.ONE,), StepRule.of(op.rule))
            assert line.rule_text() == op.rule, op.name
