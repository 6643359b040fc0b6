"""lines.py: a derivation by hand as typed values; a rule as --steps names it."""

from matcalc_cli import expr as E
from matcalc_cli.lines import Line, StepRule
from matcalc_cli.ops import OPS
from matcalc_cli.ops.base import said


def test_a_records_rule_is_typed_as_it_is_written() -> None:
    assert said("product rule") == (StepRule("product rule"),)
    assert OPS["inv"].rule == said("inverse", "d(X^-1) = -X^-1 dX X^-1")
    softmax = OPS["softmax"].rule
    assert [r.name for r in softmax] == ["softmax", "by rows"] and all(r.identity for r in softmax)
    assert OPS["mul"].rule[0].basic and not OPS["inv"].rule[0].basic


def test_a_lines_rules_print_name_then_identity_and_join_with_semicolons() -> None:
    text = Line(None, (E.ONE,), OPS["softmax"].rule).rule_text()
    assert text == "softmax: d s = (diag(s) - s s^T) dz; by rows: S .* (dZ - (S .* dZ) 1 1^T)"
    assert Line(None, (E.ONE,), said("a", "x = y") + said("b")).rule_text() == "a: x = y; b"
