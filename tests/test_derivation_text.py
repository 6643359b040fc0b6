"""derivation_text.py: a derivation file read into equations. A LaTeX line stays LaTeX for the
parser (latexin.py reads it); only the derivation's own constructs are rewritten, each in its
own columns, so that every span is a column of the line as written."""

from __future__ import annotations

import pytest

from matcalc_cli.derivation_text import Claim, Side, read
from matcalc_cli.errors import MatcalcError


def test_a_latex_line_keeps_its_columns() -> None:
    line = r"\mathrm{d}f &= 2 x^\top \mathrm{d}\mathbf{x} \\  % the product rule"
    (eq,) = read(line)
    assert eq.latex and len(eq.read) == len(line.partition("%")[0])
    assert isinstance(eq.lhs, Side) and eq.lhs.text.strip() == "df"
    (rhs,) = eq.parts
    start = line.index("2 x")
    assert rhs.span[0] < start and rhs.text[start:].startswith("2 x^\\top")
    assert {"df", "dx"} <= eq.names  # the differentials, which latexin keeps whole
    assert rhs.written == "2 x^T dx"


@pytest.mark.parametrize("left, claim", [
    (r"\frac{\partial f}{\partial \mathbf{x}}", Claim("f", "x", None, (0, 0))),
    (r"\frac{\mathrm{d} y}{\mathrm{d} X}", Claim("y", "X", None, (0, 0))),
    (r"\frac{dy}{dx}", Claim("y", "x", None, (0, 0))),
    (r"\frac{\partial f}{\partial \theta}", Claim("f", "theta", None, (0, 0))),
    (r"\frac{d}{dz} \frac{dy}{dx}", Claim("y", "x", "z", (0, 0))),
])
def test_derivative_claims_in_latex(left: str, claim: Claim) -> None:
    (eq,) = read(left + " &= A")
    assert isinstance(eq.lhs, Claim)
    assert (eq.lhs.top, eq.lhs.by, eq.lhs.again) == (claim.top, claim.by, claim.again)


def test_a_differential_of_an_expression_is_a_mark_shown_as_written() -> None:
    line = r"\mathrm{d}\left(X^{-1}\right) &= -X^{-1} \, \mathrm{d}X \, X^{-1}"
    (eq,) = read(line)
    assert isinstance(eq.lhs, Side) and len(eq.lhs.marks) == 1
    mark = eq.lhs.marks[0]
    assert line[mark.span[0]:mark.span[1]] == r"\mathrm{d}\left(X^{-1}\right)"
    assert mark.name in eq.names and "_" not in mark.name  # a LaTeX name: letters and digits
    assert eq.lhs.written == "d(X^(-1))"


def test_the_align_marks_and_the_comma_before_where_are_blanked() -> None:
    (eq,) = read(r"y &= h^\top g, \quad \text{where} \; h = A x, \quad g = B x \\")
    assert "&" not in eq.read and "\\\\" not in eq.read
    assert eq.read.count(",") == 1 and eq.read.index(",") > eq.read.index("where")  # the one before where went


def test_a_bad_latex_line_is_an_error_with_its_columns() -> None:
    text = "y &= x^\\top x \\\\\n\\mathrm{d}\\left(x &= 2"
    with pytest.raises(MatcalcError) as info:
        read(text)
    assert info.value.span is not None and "line 2" in info.value.message


@pytest.mark.parametrize("left", [r"\frac{\partial^2 f}{\partial x^2}", r"\frac{\partial f}{\partial}",
                                  r"\frac{\partial^{2} f}{\partial x \, \partial z}"])
def test_a_leibniz_quotient_that_is_no_claim_says_how_a_claim_reads(left: str) -> None:
    with pytest.raises(MatcalcError) as info:
        read(f"{left} &= 2")
    assert r"\frac{\partial y}{\partial X}" in info.value.message and info.value.span == (0, len(left))
