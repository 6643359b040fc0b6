"""rows.py: check's report as typed rows; the producers type each line, the text is plain's."""

from __future__ import annotations

from matcalc_cli import rows as R
from matcalc_cli.derivation import check_derivation
from matcalc_cli.render import plain

K = R.RowKind


def test_a_labelled_row_puts_its_value_in_the_column():
    assert R.labelled("derivative", "2 x").text == "  derivative  2 x"
    assert R.labelled("at", "x = 1").text == "  at          x = 1"
    assert R.note("largest difference: 1").text == "  largest difference: 1"


def test_check_derivation_types_every_line():
    text = "f = x^T A x\ndf = dx^T A x + x^T A dx\n   = x^T A dx\ndf/dx = x^T (A + A^T)\n"
    result = check_derivation(text, ["x"], ["x=2"])
    rows = result.report_rows(plain.render)
    assert R.texts(rows) == result.report_lines(plain.render)
    assert [r.kind for r in rows] == [K.WRITTEN, K.WRITTEN, K.WRONG, K.CARET, K.WRITTEN, K.VERDICT,
                                      K.LABELLED, K.LABELLED, K.NOTE, K.LABELLED, K.LABELLED]
    assert [r.label for r in rows if r.kind is K.LABELLED] == ["left", "right", "at", "diagnosis"]
    held = check_derivation("f = x^T x\ndf = 2 x^T dx\n", ["x"], ["x=2"]).report_rows(plain.render)
    assert [r.kind for r in held] == [K.WRITTEN, K.WRITTEN, K.VERDICT]
