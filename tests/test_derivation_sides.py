"""derivation_sides.py: an error in one line of a derivation is located in the file once, its
message naming the line and its span (the caret) under the characters that are wrong."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from matcalc_cli.cli import app
from matcalc_cli.derivation import check_derivation
from matcalc_cli.derivation_sides import line_error
from matcalc_cli.derivation_text import LineError, read
from matcalc_cli.errors import MatcalcError

runner = CliRunner()

GOOD = ["f = x^T A x", "df = dx^T A x + x^T A dx", "   = x^T (A + A^T) dx"]


def _caret_under(text: str, *args: str) -> tuple[str, str, str]:
    """The error's first line, and the source line and the characters the caret marks."""
    result = runner.invoke(app, ["check", "--derivation", "-", "--wrt", "x", *args], input=text)
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr
    head, source, caret = result.stderr.splitlines()[:3]
    start = caret.index("^")
    return head, source[start:start + caret.count("^")], source


@pytest.mark.parametrize("row, bad, wrong, message", [
    (1, "df = dx^T A x + x^T A dx)", ")", "unmatched ')'"),
    (1, "df = dx^T A x + x^T A dq", "dq", "dq: q is not a variable"),
    (2, "   = x^T (A + ) dx", ")", "expected a number, a name or '('"),
    (2, "   = x^T (A + A^T) dx + x", "x^T (A + A^T) dx + x", "the sides are 1×1 and n×1"),
    (2, "   = dx^T (A + A^T) x where line = x", "line", "line is defined but never used"),
])
def test_an_error_in_a_later_line_names_it_and_the_caret_sits_under_the_slip(
        row: int, bad: str, wrong: str, message: str) -> None:
    lines = [*GOOD[:row], bad]
    text = "\n".join(lines) + "\n"
    with pytest.raises(LineError) as info:
        check_derivation(text, ["x"])
    assert info.value.message.startswith(f"line {row + 1}: {message}")
    span = info.value.span
    assert span is not None and text[span[0]:span[1]] == wrong and text.rfind(wrong) == span[0]
    head, marked, source = _caret_under(text)
    assert head.startswith(f"matcalc: error: line {row + 1}: {message}")
    assert source.strip() == bad.strip() and marked == wrong


def test_a_variable_called_line_does_not_stand_for_the_line_number() -> None:
    """The line's number is added by type, not when the message happens to begin "line "."""
    text = "y = line^T A line\ndy = dline^T A line + line^T A dline where line = 2\n"
    with pytest.raises(MatcalcError) as info:
        check_derivation(text, ["line"])
    assert info.value.message == "line 2: line is a --wrt variable, not a name for a subexpression"


def test_a_located_error_is_not_moved_again() -> None:
    text = "y = x^T x\n\ny = x^T x +\n"
    eq = read(text)[1]
    located = line_error(eq, MatcalcError("syntax", "expected a name", (11, 12)))
    assert located.message == "line 3: expected a name" and located.span == (eq.start + 11, eq.start + 12)
    assert line_error(eq, located) is located
    assert line_error(eq, MatcalcError("input", "line of sight", None)).message == "line 3: line of sight"


@pytest.mark.parametrize("written", [r"\mathrm{d}q", r"d\mathbf{q}", r"\partial q"])
def test_a_slip_in_a_latex_differential_is_marked_under_all_of_it(written: str) -> None:
    """The parser reads \\mathrm{d}q as the name dq at its right end: the caret spans the
    differential as written, not its last two columns."""
    text = f"f &= x^\\top A x \\\\\n\\mathrm{{d}}f &= \\mathrm{{d}}x^\\top A x + x^\\top A {written} \\\\\n"
    with pytest.raises(LineError) as info:
        check_derivation(text, ["x"])
    span = info.value.span
    assert info.value.message.startswith("line 2: dq: q is not a variable")
    assert span is not None and text[span[0]:span[1]] == written
    head, marked, _ = _caret_under(text)
    assert head.startswith("matcalc: error: line 2: dq") and marked == written
