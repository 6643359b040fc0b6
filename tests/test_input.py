"""Input as people bring it (issue 26): unicode and numpy spellings, no quiet readings
(a golden message each: caret, suggestion, exit 2), numbers as written, ASCII terminals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction

import pytest
from test_cli import diff, one_error, run


def plain(expr: str, *options: str) -> str:
    result = diff(expr, "--format", "plain", *options)
    assert result.exit_code == 0, result.output
    return str(result.stdout.strip())


# ------------------------------------------------------------------ read as the contract says
@pytest.mark.parametrize("typed, meant, wrt", [
    ("xᵀAx", "x^T A x", "x"),
    ("x'A x", "x^T A x", "x"),
    ("x'Ab", "x^T Ab", "x --shape Ab=n,m"),
    ("‖A x − b‖²", "norm(A x - b)^2", "x"),
    ("x.T A x", "x^T A x", "x"),
    ("X.T X", "X^T X", "X"),
    ("t**2 x^T x", "t^2 x^T x", "t"),
    ("θᵀΣθ", "theta^T Sigma theta", "theta"),
])
def test_unicode_and_numpy_spellings(typed, meant, wrt):
    options = ["--wrt", *wrt.split()]
    assert plain(typed, *options) == plain(meant, *options)


def test_greek_letter_options_are_their_names():
    assert plain("θᵀΣθ", "--wrt", "θ", "--shape", "Σ=n,n") == plain("theta^T Sigma theta", "--wrt", "theta")


def test_printed_dimensions_read_back_in_shape():
    result = diff("x^T A x", "--wrt", "x", "--shape", "x=m·n", "--shape", "A=m·n,n²", "--format", "json")
    assert result.exit_code == 2  # m·n against n²: not square, refused
    out = json.loads(diff("vec(X)^T A vec(X)", "--wrt", "X", "--format", "json").stdout)
    again = diff("vec(X)^T A vec(X)", "--wrt", "X", "--format", "json",
                 *(f"--shape={n}={s}" for n, s in out["variables"].items()))
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["variables"] == out["variables"]


def test_from_latex():
    # A run of letters is single letters in LaTeX: xAx is x A x (x declared a scalar: a lowercase
    # name is a vector otherwise, and x A x would not type-check), x^TAx is x^T A x.
    assert plain("xAx", "--wrt", "x", "--shape", "x=scalar", "--from", "latex") == "2 x A"
    assert plain("x^TAx", "--wrt", "x", "--from", "latex") == plain("x^T A x", "--wrt", "x") == "x^T (A + A^T)"
    assert plain(r"\mathbf{x}^\top \mathbf{A} \mathbf{x}", "--wrt", "x") == plain("x^T A x", "--wrt", "x")
    result = run("check", r"\mathbf{x}^\top \mathbf{x}", "--wrt", "x", "--expect", r"2 \mathbf{x}^\top")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ golden messages
GOLDEN = [
    (["x^T x ^ 2", "--wrt", "x"], "x^T x ^ 2", (4, 9),
     "x^T x ^ 2 reads as x^T (x^2), since ^ binds tighter than a product, and x is not a scalar (it is "
     "written x^T): for the power of the product write (x^T x)^2"),
    (["d/dx x^T A x", "--wrt", "x"], "d/dx x^T A x", (0, 4),
     "d/dx inside the expression: matcalc differentiates by an option; write the expression alone and add --wrt x"),
    (["∂/∂x xᵀx", "--wrt", "x"], "∂/∂x xᵀx", (0, 4),
     "∂/∂x inside the expression: matcalc differentiates by an option; write the expression alone and add --wrt x"),
    ([r"\sigma(z)", "--wrt", "z"], r"\sigma(z)", (0, 6),
     "sigma(...) has two readings: the variable sigma times the bracket (write sigma * (...)), or the logistic "
     "function (write sigmoid(...))"),
    (["x'Ax", "--wrt", "x"], "x'Ax", (2, 4),
     "x'Ax: the name Ax, or the product A x? write x' A x for the product, x' Ax for the name"),
    (["x^TAx", "--wrt", "x"], "x^TAx", (2, 5),
     "x^TAx: the transpose x^T and then Ax, or the power TAx? write x^T Ax for the first, x^(TAx) for the "
     "second"),
    (["x**2", "--wrt", "x", "--shape", "x=n"], "x**2", (0, 4),
     "** is the power of a scalar, and this is n×1: write ^2 for the matrix power or .^2 for the elementwise one"),
]


@pytest.mark.parametrize("args, source, caret, message", GOLDEN)
def test_golden_errors(args, source, caret, message):
    expr, *options = args
    assert one_error(diff(expr, *options), source, caret) == message


@pytest.mark.parametrize("spec", ["nxn", "n×n", "n*n"])
def test_matrix_spec_with_a_times_sign_suggests_a_comma(spec):
    message = one_error(diff("tr(A)", "--wrt", "A", "--shape", f"A={spec}"))
    assert message == f"--shape A={spec}: bad shape {spec!r}: a matrix is rows,columns: write n,n"


# ------------------------------------------------------------------ numbers as written
@pytest.mark.parametrize("expr, wrt, printed", [
    ("sum(exp(0.3 x))", "x", "0.3 exp(0.3 x)^T"),
    ("0.7978845608 x^T x", "x", "1.5957691216 x^T"),
    ("x^T x / 3", "x", "2 x^T / 3"),
    ("sum(x) / 2", "x", "ones(1, n) / 2"),
])
def test_numbers_print_as_written(expr, wrt, printed):
    assert fresh(expr, "--wrt", wrt, "--format", "plain") == printed


def fresh(*args: str) -> str:
    """What a fresh matcalc prints: in this process, a node of 3/10 that an earlier test left
    alive (in a cache) is the node 0.3 is hash-consed to, and prints as 3/10."""
    out = subprocess.run([sys.executable, "-m", "matcalc_cli", "diff", *args], capture_output=True, text=True,
                         check=False, env={**os.environ, "NO_COLOR": "1"})
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_written_numbers_in_latex_and_numpy():
    latex = fresh("sum(exp(0.3 x))", "--wrt", "x", "--format", "latex")
    assert r"0.3 \exp\left(0.3 x\right)" in latex and "frac" not in latex
    assert "0.3 * np.exp(0.3 * x)" in fresh("sum(exp(0.3 x))", "--wrt", "x", "--format", "numpy")


# ------------------------------------------------------------------ numbers as written, in the algebra
GELU = "sum(tanh(0.7978845608028654 (x + 0.044715 x.^3)))"
PRODUCT = "0.7978845608028654 sum(exp(0.044715 x))"
TANH_CUBIC = "sum(tanh(2 (x + x.^3)))"


@pytest.mark.parametrize("expr, wrt, fmt, printed", [
    # The hand-written GELU keeps its constants: no 26829 / 200000, no 0.0356774081363001...
    # tanh' is 1 - tanh^2 kept whole, the sign inside it: not -(h - 1) .* (h + 1).
    (GELU, "x", "plain", "0.7978845608028654 ((0.134145 x.^2 + 1) .* (1 - tanh(0.7978845608028654 (x + 0.044715"
                         " x.^3)).^2))^T"),
    (GELU, "x", "latex", r"0.7978845608028654 \left(\left(0.134145 x^{\circ 2} + 1\right) \odot \left(1 - {\tanh"
                         r"\left(0.7978845608028654 \left(x + 0.044715 x^{\circ 3}\right)\right)}^{\circ 2}\right)"
                         r"\right)^\top"),
    (GELU, "x", "numpy", "0.7978845608028654 * ((0.134145 * x ** 2 + 1) * (1 - np.tanh(0.7978845608028654 * (x"
                         " + 0.044715 * x ** 3)) ** 2)).T"),
    (TANH_CUBIC, "x", "plain", "2 ((1 - tanh(2 (x + x.^3)).^2) .* (3 x.^2 + 1))^T"),
    # Two written numbers multiplied stay two numbers, one by one in every format.
    (PRODUCT, "x", "plain", "0.044715 0.7978845608028654 exp(0.044715 x)^T"),
    (PRODUCT, "x", "latex", r"0.044715 \cdot 0.7978845608028654 \exp\left(0.044715 x\right)^\top"),
    (PRODUCT, "x", "numpy", "0.044715 * 0.7978845608028654 * np.exp(0.044715 * x).T"),
    ("sum(x .* sigmoid(1.702 x))", "x", "plain", "(s .* (1.702 x + 1 - 1.702 (s .* x)))^T where s = sigmoid(1.702 x)"),
    ("sum(x .* sigmoid(1.702 x))", "x", "latex", r"\left(s \odot \left(1.702 x + 1 - 1.702 \left(s \odot x\right)"
                                                 r"\right)\right)^\top \quad \text{where} \quad s = "
                                                 r"\operatorname{sigmoid}\left(1.702 x\right)"),
    # A common written factor comes out as written: 0.5 (...), not (...) / 2.
    ("0.5 x^T A x", "x", "plain", "0.5 x^T (A + A^T)"),
    ("0.5 x^T A x", "x", "latex", r"0.5 x^\top \left(A + A^\top\right)"),
    ("0.5 x^T A x", "x", "numpy", "0.5 * x.T @ (A + A.T)"),
    ("sum(exp(0.3 x))", "x", "latex", r"0.3 \exp\left(0.3 x\right)^\top"),
    # A written number times a whole number is the decimal a reader checks at a glance.
    ("0.01 norm(W)^2", "W", "plain", "0.02 W"),
    ("0.01 norm(W)^2", "W", "latex", "0.02 W"),
    ("0.01 norm(W)^2", "W", "numpy", "0.02 * W"),
    ("2 0.5 x^T x", "x", "plain", "2 x^T"),
    ("0.3 0.3 sum(exp(x))", "x", "plain", "0.09 exp(x)^T"),
    ("sum(x) / 0.3", "x", "plain", "ones(1, n) / 0.3"),
    ("0.3 a^T x + 0.9 b^T x", "x", "plain", "0.3 (a + 3 b)^T"),
])
def test_numbers_as_written_in_the_algebra(expr, wrt, fmt, printed):
    assert plain(expr, "--wrt", wrt, "--format", fmt) == printed


@pytest.mark.parametrize("expr, wrt, lines", [
    (GELU, "x", ["0.7978845608028654", "((0.134145 x^∘2 + 1)",
                 "⊙ (1 - tanh(0.7978845608028654 (x + 0.044715 x^∘3))^∘2))ᵀ"]),
    (PRODUCT, "x", ["0.044715 · 0.7978845608028654 exp(0.044715 x)ᵀ"]),
    ("0.5 x^T A x", "x", ["0.5 xᵀ (A + Aᵀ)"]),
    ("0.01 norm(W)^2", "W", ["0.02 W"]),
])
def test_numbers_as_written_in_pretty(expr, wrt, lines):
    result = diff(expr, "--wrt", wrt, "--format", "pretty")
    assert result.exit_code == 0, result.output
    assert [line.strip() for line in result.stdout.splitlines()[1:1 + len(lines)]] == lines


@pytest.mark.parametrize("expr, wrt", [(GELU, "x"), (TANH_CUBIC, "x"), (PRODUCT, "x"),
                                       ("sum(x .* sigmoid(1.702 x))", "x"), ("0.5 x^T A x", "x"),
                                       ("0.01 norm(W)^2", "W"), ("sum(exp(0.3 x))", "x")])
def test_numbers_as_written_are_right(expr, wrt):
    """Against central finite differences (--verify), and in the code formats evaluated."""
    result = diff(expr, "--wrt", wrt, "--format", "plain", "--verify")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["plain", "latex"])
def test_a_product_of_written_numbers_reads_back(fmt):
    """What plain and LaTeX print for two written numbers multiplied reads back to the same tree."""
    from matcalc_cli.build import infer
    from matcalc_cli.expr import Written, var
    from matcalc_cli.render import latex
    from matcalc_cli.render import plain as plain_render
    from matcalc_cli.report import derivative_of
    from matcalc_cli.syntax import parse

    x = var("x", ("n", 1))
    typed = infer(parse(PRODUCT), {"x": ("n", 1)}, ()).expr
    d = derivative_of(typed, [x], "numerator").expr
    text = (plain_render if fmt == "plain" else latex).render(d)
    assert infer(parse(text), {"x": ("n", 1)}, ()).expr == d
    product = Written("0.7978845608028654") * Written("0.044715")
    assert isinstance(product, Written) and product.text == "0.044715 0.7978845608028654"
    assert product == Fraction("0.7978845608028654") * Fraction("0.044715")


# ------------------------------------------------------------------ terminals without unicode
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_ascii_terminal_gets_ascii(encoding):
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1", "COLUMNS": "100"}
    out = subprocess.run([sys.executable, "-m", "matcalc_cli", "diff", "sum(exp(A x) .* y)", "--wrt", "x"],
                         capture_output=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("ascii")
    assert ")^T A" in text and ".*" in text and "1xm" in text
    assert "internal" not in out.stderr.decode("ascii", "replace")
