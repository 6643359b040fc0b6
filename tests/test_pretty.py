"""The terminal view (render/pretty.py) and its line breaking (render/wrap.py): golden
output at 60, 80 and 160 columns, and the properties every width keeps (no trailing
spaces, nothing broken inside a name or a number, lines within the width)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcalc_cli import rows as R
from matcalc_cli.commands import in_big_stack
from matcalc_cli.render import pretty, wrap
from matcalc_cli.report import differentiate

WIDTHS = (60, 80, 160)
MLP = ("2 (((W2ᵀ ((W3ᵀ (W3 tanh(W2 tanh(W1 x)) - y)) ⊙ (1 - tanh(W2 tanh(W1 x))^∘2))) ⊙ (1 - tanh(W1 x)^∘2)) xᵀ"
       " + lambda W1)")
SUM = "2 (D x - e)ᵀ D + (c ⊙ sigmoid(C x) ⊙ (1 - sigmoid(C x)))ᵀ C + exp(A x)ᵀ A + softmax(F x)ᵀ F + xᵀ (B + Bᵀ)"
TEXTS = {"mlp": MLP, "sum": SUM}
WRAPPED: dict[tuple[str, int], str] = {}
VIEW: dict[tuple[str, int], str] = {}
VIEWS = {"hessian": ("-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))", ["theta", "theta"], False),
         "steps": ("a^T X^-1 b", ["X"], True)}

WRAPPED['mlp', 60] = """\
  2 (((W2ᵀ ((W3ᵀ (W3 tanh(W2 tanh(W1 x)) - y))
                ⊙ (1 - tanh(W2 tanh(W1 x))^∘2)))
            ⊙ (1 - tanh(W1 x)^∘2)) xᵀ + lambda W1)
"""
WRAPPED['mlp', 80] = """\
  2 (((W2ᵀ ((W3ᵀ (W3 tanh(W2 tanh(W1 x)) - y)) ⊙ (1 - tanh(W2 tanh(W1 x))^∘2)))
            ⊙ (1 - tanh(W1 x)^∘2)) xᵀ + lambda W1)
"""
WRAPPED['mlp', 160] = """\
  2 (((W2ᵀ ((W3ᵀ (W3 tanh(W2 tanh(W1 x)) - y)) ⊙ (1 - tanh(W2 tanh(W1 x))^∘2))) ⊙ (1 - tanh(W1 x)^∘2)) xᵀ + lambda W1)
"""
WRAPPED['sum', 60] = """\
  2 (D x - e)ᵀ D
      + (c ⊙ sigmoid(C x) ⊙ (1 - sigmoid(C x)))ᵀ C
      + exp(A x)ᵀ A + softmax(F x)ᵀ F + xᵀ (B + Bᵀ)
"""
WRAPPED['sum', 80] = """\
  2 (D x - e)ᵀ D + (c ⊙ sigmoid(C x) ⊙ (1 - sigmoid(C x)))ᵀ C + exp(A x)ᵀ A
      + softmax(F x)ᵀ F + xᵀ (B + Bᵀ)
"""
WRAPPED['sum', 160] = """\
  2 (D x - e)ᵀ D + (c ⊙ sigmoid(C x) ⊙ (1 - sigmoid(C x)))ᵀ C + exp(A x)ᵀ A + softmax(F x)ᵀ F + xᵀ (B + Bᵀ)
"""
VIEW['hessian', 60] = """\
d(-(y^T log(sigmoid(X theta))
    + (1 - y)^T log(1 - sigmoid(X theta)))) / dtheta dtheta
  Xᵀ diag(sigmoid(X theta) ⊙ (1 - sigmoid(X theta))) X
shape   m×m
layout  numerator (hessian)
shapes  y: vector (n) (inferred);
        X: matrix (n×m) (inferred);
        theta: vector (m) (inferred)
"""
VIEW['hessian', 80] = """\
d(-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta))))
    / dtheta dtheta
  Xᵀ diag(sigmoid(X theta) ⊙ (1 - sigmoid(X theta))) X
shape   m×m
layout  numerator (hessian)
shapes  y: vector (n) (inferred); X: matrix (n×m) (inferred);
        theta: vector (m) (inferred)
"""
VIEW['hessian', 160] = """\
d(-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))) / dtheta dtheta
  Xᵀ diag(sigmoid(X theta) ⊙ (1 - sigmoid(X theta))) X
shape   m×m
layout  numerator (hessian)
shapes  y: vector (n) (inferred); X: matrix (n×m) (inferred); theta: vector (m) (inferred)
"""
VIEW['steps', 60] = """\
d(a^T X^-1 b) / dX
  -X⁻ᵀ a bᵀ X⁻ᵀ
shape   n×n
layout  numerator (scalar-by-matrix)
shapes  a: vector (n) (inferred);
        X: matrix (n×n) (inferred); b: vector (n) (inferred)
steps
  y = aᵀ X⁻¹ b
  1. d(X⁻¹) = -X⁻¹ dX X⁻¹
      inverse: d(X^-1) = -X^-1 dX X^-1
  2. dy = aᵀ d(X⁻¹) b = -aᵀ X⁻¹ dX X⁻¹ b
      product rule: d(A B) = dA B + A dB
  3.    = tr(-X⁻¹ b aᵀ X⁻¹ dX)
      cycling a trace: tr(A B) = tr(B A)
  4. dy/dX = (-X⁻¹ b aᵀ X⁻¹)ᵀ
      read off: dy = tr(G^T dX) gives G
  5.       = -X⁻ᵀ a bᵀ X⁻ᵀ    simplified: transpose
"""
VIEW['steps', 80] = """\
d(a^T X^-1 b) / dX
  -X⁻ᵀ a bᵀ X⁻ᵀ
shape   n×n
layout  numerator (scalar-by-matrix)
shapes  a: vector (n) (inferred); X: matrix (n×n) (inferred);
        b: vector (n) (inferred)
steps
  y = aᵀ X⁻¹ b
  1. d(X⁻¹) = -X⁻¹ dX X⁻¹    inverse: d(X^-1) = -X^-1 dX X^-1
  2. dy = aᵀ d(X⁻¹) b = -aᵀ X⁻¹ dX X⁻¹ b    product rule: d(A B) = dA B + A dB
  3.    = tr(-X⁻¹ b aᵀ X⁻¹ dX)    cycling a trace: tr(A B) = tr(B A)
  4. dy/dX = (-X⁻¹ b aᵀ X⁻¹)ᵀ    read off: dy = tr(G^T dX) gives G
  5.       = -X⁻ᵀ a bᵀ X⁻ᵀ    simplified: transpose
"""
VIEW['steps', 160] = """\
d(a^T X^-1 b) / dX
  -X⁻ᵀ a bᵀ X⁻ᵀ
shape   n×n
layout  numerator (scalar-by-matrix)
shapes  a: vector (n) (inferred); X: matrix (n×n) (inferred); b: vector (n) (inferred)
steps
  y = aᵀ X⁻¹ b
  1. d(X⁻¹) = -X⁻¹ dX X⁻¹    inverse: d(X^-1) = -X^-1 dX X^-1
  2. dy = aᵀ d(X⁻¹) b = -aᵀ X⁻¹ dX X⁻¹ b    product rule: d(A B) = dA B + A dB
  3.    = tr(-X⁻¹ b aᵀ X⁻¹ dX)    cycling a trace: tr(A B) = tr(B A)
  4. dy/dX = (-X⁻¹ b aᵀ X⁻¹)ᵀ    read off: dy = tr(G^T dX) gives G
  5.       = -X⁻ᵀ a bᵀ X⁻ᵀ    simplified: transpose
"""


@pytest.mark.parametrize("name", TEXTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_long_results_break_at_operators(name, width):
    assert "\n".join(wrap.wrap(TEXTS[name], width, "  ")) + "\n" == WRAPPED[name, width]


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("width", WIDTHS)
def test_view(name, width):
    source, wrt, steps = VIEWS[name]
    report = differentiate(source, wrt, steps=steps)
    assert "\n".join(text for text, _ in pretty.report_lines(report, width)) + "\n" == VIEW[name, width]


def test_sums_break_before_products():
    assert wrap.wrap("a b c + d e f + g h i", 13) == ["a b c + d e f", "    + g h i"]
    assert wrap.wrap("a b c + d e f + g h i", 11) == ["a b c", "    + d e f", "    + g h i"]


def test_an_operator_starts_the_continued_line():
    lines = wrap.wrap("alpha + beta - gamma ⊙ delta", 14)
    assert lines == ["alpha + beta", "    - gamma", "      ⊙ delta"]


def test_a_coefficient_stays_beside_what_it_scales():
    # and a part of a part is indented further than the parts
    assert wrap.wrap("2 (alpha + beta + gamma)", 18) == ["2 (alpha + beta", "      + gamma)"]


def test_an_unbreakable_word_overflows_whole():
    assert wrap.wrap("x + averyveryverylongname", 10) == ["x", "    + averyveryverylongname"]


def test_rows_align_their_continued_lines_and_pad_nothing():
    lines = wrap.row("shapes", "x: vector (n) (inferred); A: matrix (n×n) (inferred)", 40, 8)
    assert lines == ["shapes  x: vector (n) (inferred);", "        A: matrix (n×n) (inferred)"]
    assert wrap.row("shape", "1×n", 40, 8) == ["shape   1×n"]


def test_check_lines_keep_their_value_column():
    lines = [R.verdict("wrong: the claim is not equal to the derivative"),
             R.labelled("claim", "2 xᵀ A   (1×n)"),
             R.labelled("derivative", "xᵀ (A + Aᵀ)   (1×n, numerator layout, scalar-by-vector)"),
             R.labelled("shapes", "x: vector (n) (inferred); A: matrix (n×n) (inferred)")]
    out = [text for text, _ in pretty.check_lines(lines, False, 60)]
    assert out == ["wrong: the claim is not equal to the derivative",
                   "  claim       2 xᵀ A   (1×n)",
                   "  derivative  xᵀ (A + Aᵀ)",
                   "              (1×n, numerator layout, scalar-by-vector)",
                   "  shapes      x: vector (n) (inferred);",
                   "              A: matrix (n×n) (inferred)"]


def test_check_lines_style_by_kind_not_by_wording():
    """A row is styled by its kind: a line as written that reads like a verdict ("line 3 is
    wrong", "every line holds") or a wrong one, a labelled row without its wording's columns,
    a caret line that is no row of carets; the wording of a verdict makes nothing red."""
    rows = [R.as_written("line 3 is wrong: as a student wrote it, long enough to be broken at width 30"),
            R.as_written("7  wrong  every line holds, too"),
            R.as_written("  ^^^ a line as written that starts with carets"),
            R.verdict("every line holds, says the row; its kind says the verdict"),
            R.note("left        a note in a label's columns"),
            R.labelled("at", "x = 1"),
            R.caret("  ~~~~"),
            R.CheckRow(R.RowKind.WRONG, "a wrong line in no one's format")]
    out = pretty.check_lines(rows, True, 30)
    assert out[:3] == [(r.text, ()) for r in rows[:3]]  # never broken, never styled
    verdict = wrap.wrap(rows[3].text, 30)
    note = wrap.wrap(rows[4].text, 30, "  ")
    assert len(verdict) > 1 and len(note) > 1
    assert out[3:3 + len(verdict)] == pretty.styled(verdict, "bold green")
    rest = out[3 + len(verdict):]
    assert rest[:len(note)] == [(t, ()) for t in note]  # not a labelled row: wrapped as a note
    assert rest[len(note):] == [("  at          x = 1", ()), ("  ~~~~", ((2, 6, "bold red"),)),
                                ("a wrong line in no one's format", ((0, 31, "bold red"),))]


# ------------------------------------------------------------------ properties
NAMES = st.sampled_from(["x", "A", "theta", "W_2", "sigmoid(X theta)", "2", "0.5", "1e-3", "xᵀ", "X⁻¹"])
OPS = st.sampled_from([" + ", " - ", " ", " ⊙ ", " / ", " = ", ", "])


@st.composite
def expressions(draw, depth=0):
    parts = [draw(NAMES) if depth > 2 or draw(st.booleans()) else "(" + draw(expressions(depth + 1)) + ")"
             for _ in range(draw(st.integers(1, 5)))]
    text = parts[0]
    for part in parts[1:]:
        text += draw(OPS) + part
    return text


def check_fitted(text: str, lines: list[str], width: int) -> None:
    assert all(line == line.rstrip() for line in lines)
    # Only the spaces moved: every name, number and operator is whole and in its place.
    assert " ".join(lines).split() == text.split()
    for line in lines:
        assert len(line) <= width or not wrap.breaks(line.strip()), (width, lines)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(expressions(), st.integers(20, 160))
def test_wrap_moves_only_spaces_and_fits(text, width):
    check_fitted(text, wrap.wrap(text, width, "  "), width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("source, wrt", [
    ("norm(W3 tanh(W2 tanh(W1 x)) - y)^2 + lambda norm(W1)^2", ["W1"]),
    ("sum(exp(A x)) + x^T B x + c^T sigmoid(C x) + norm(D x - e)^2 + logsumexp(F x)", ["x"]),
    ("((x - mu)^T Sigma^-1 (x - mu) + log(det(Sigma))) / 2", ["Sigma"]),
    ("x x^T", ["x"]),
])
def test_every_line_of_the_view_fits(source, wrt, width):
    report = differentiate(source, wrt, steps=True)
    lines = [text for text, _ in pretty.report_lines(report, width)]
    for line in lines:
        assert line == line.rstrip() and (len(line) <= width or not wrap.breaks(line.strip())), (width, line)
    derivative = " ".join(lines[lines.index(next(t for t in lines if t.startswith("  "))):]).split()
    assert " ".join(pretty.render_expr(report.derivative.expr).split()) in " ".join(derivative)


@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("args", [
    ["diff", "--wrt", "W1", "--steps", "--verify", "--", "norm(W2 tanh(W1 x) - y)^2 + lambda norm(W1)^2"],
    ["check", "x^T A x", "--wrt", "x", "--expect", "2 x^T A"],
], ids=["diff", "check"])
def test_the_command_fits_a_piped_terminal(args, width):
    # What a user sees piped or in a terminal of that width: COLUMNS decides, nothing pads.
    import os
    import subprocess
    import sys

    env = dict(os.environ, COLUMNS=str(width), NO_COLOR="1", TERM="dumb")
    proc = subprocess.run([sys.executable, "-m", "matcalc_cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) > 5 and "\x1b" not in proc.stdout
    for line in lines:
        assert line == line.rstrip(), repr(line)
        assert len(line) <= width or not wrap.breaks(line.strip()), line


def _scanned(places, lo, hi):
    """The breaks inside text[lo:hi] and their best rank, found by scanning them all."""
    inner = [b for b in places if lo < b.start and b.end < hi]
    best = min((b.rank for b in inner), default=None)
    return inner, best, [b for b in inner if b.rank == best]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(expressions(), st.data())
def test_the_rank_queries_agree_with_a_scan_of_every_break(text, data):
    # wrap asks _Ranks (bisection and a sparse table, so deep nesting stays fast) what a
    # scan of every break would answer.
    places = wrap.breaks(text)
    ranks = wrap._Ranks(places)
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    inner, best, cuts = _scanned(places, lo, hi)
    i, j = ranks.within(lo, hi)
    assert places[i:j] == inner
    if inner:
        assert ranks.lowest(i, j) == best and ranks.of_rank(best, i, j) == cuts


def test_deep_nesting_wraps_every_level():
    text = "(x + " * 2000 + "x" + ")" * 2000
    lines = in_big_stack(lambda: wrap.wrap(text, 60))
    check_fitted(text, lines, 60)
