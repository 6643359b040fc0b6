"""Output formats (CONTRACT.md): golden plain / LaTeX / numpy lines for a set of derivatives,
JSON fields, pretty output without colour codes, plain output that parses back to the same
tree, and numpy output that evaluates to exactly the derivative's shape."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest
from helpers import concrete, eval_numpy, points
from typer.testing import CliRunner

from matcalc_cli.build import infer
from matcalc_cli.cli import app
from matcalc_cli.render import latex, plain
from matcalc_cli.render import numpy as numpy_render
from matcalc_cli.report import differentiate
from matcalc_cli.simplify import simplify
from matcalc_cli.syntax import parse

LOGISTIC = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"

# (source, wrt, symmetric, layout, plain, latex, numpy)
GOLDEN = [
    ("x^T A x", ["x"], (), "numerator",
     "x^T (A + A^T)",
     r"x^\top \left(A + A^\top\right)",
     "x.T @ (A + A.T)"),
    ("x^T A x", ["x"], (), "denominator",
     "(A + A^T) x",
     r"\left(A + A^\top\right) x",
     "(A + A.T) @ x"),
    ("a^T X^-1 b", ["X"], (), "numerator",
     "-X^-T a b^T X^-T",
     r"-X^{-\top} a b^\top X^{-\top}",
     "-np.linalg.inv(X).T @ a @ b.T @ np.linalg.inv(X).T"),
    ("(A + t B)^-1", ["t"], (), "numerator",
     "-(A + t B)^-1 B (A + t B)^-1",
     r"-\left(A + t B\right)^{-1} B \left(A + t B\right)^{-1}",
     "-np.linalg.inv(A + t * B) @ B @ np.linalg.inv(A + t * B)"),
    ("det(X)", ["X"], (), "numerator",
     "det(X) X^-T",
     r"\det\left(X\right) X^{-\top}",
     "np.linalg.det(X) * np.linalg.inv(X).T"),
    ("log(det(A + t B))", ["t"], (), "numerator",
     "tr((A + t B)^-1 B)",
     r"\operatorname{tr}\left(\left(A + t B\right)^{-1} B\right)",
     "float(np.squeeze(np.trace(np.linalg.inv(A + t * B) @ B)))"),
    (LOGISTIC, ["theta"], (), "numerator",
     "(sigmoid(X theta) - y)^T X",
     r"\left(\operatorname{sigmoid}\left(X \theta\right) - y\right)^\top X",
     "(np.exp(-np.logaddexp(0, -(X @ theta))) - y).T @ X"),
    (LOGISTIC, ["theta"], (), "denominator",
     "X^T (sigmoid(X theta) - y)",
     r"X^\top \left(\operatorname{sigmoid}\left(X \theta\right) - y\right)",
     "X.T @ (np.exp(-np.logaddexp(0, -(X @ theta))) - y)"),
    ("norm(W2 tanh(W1 x) - y)^2", ["W1"], (), "numerator",
     "2 ((W2^T (W2 tanh(W1 x) - y)) .* (1 - tanh(W1 x).^2)) x^T",
     r"2 \left(\left({W_{2}}^\top \left(W_{2} \tanh\left(W_{1} x\right) - y\right)\right) \odot "
     r"\left(1 - {\tanh\left(W_{1} x\right)}^{\circ 2}\right)\right) x^\top",
     "2 * ((W2.T @ (W2 @ np.tanh(W1 @ x) - y)) * (1 - np.tanh(W1 @ x) ** 2)) @ x.T"),
    ("logdet(Sigma) + x^T Sigma^-1 x", ["Sigma"], ("Sigma",), "numerator",
     "Sigma^-1 - Sigma^-1 x x^T Sigma^-1",
     r"\Sigma^{-1} - \Sigma^{-1} x x^\top \Sigma^{-1}",
     "np.linalg.inv(Sigma) - np.linalg.inv(Sigma) @ x @ x.T @ np.linalg.inv(Sigma)"),
    ("norm(w)^2 + lambda w^T w", ["w"], (), "numerator",
     "2 (lambda + 1) w^T",
     r"2 \left(\lambda + 1\right) w^\top",
     "2 * (lambda_ + 1) * w.T"),
    ("exp(t A)", ["t"], (), "numerator",
     "A .* exp(t A)",
     r"A \odot \exp\left(t A\right)",
     "A * np.exp(t * A)"),
    ("X^-1", ["X"], (), "numerator",
     "-kron(X^-T, X^-1)",
     r"-X^{-\top} \otimes X^{-1}",
     "-np.kron(np.linalg.inv(X).T, np.linalg.inv(X))"),
    ("x^T a", ["z"], (), "numerator",
     "zeros(1, m)",
     r"\mathbf{0}_{1 \times m}",
     "np.zeros((1, z.shape[0]))"),
    ("x^T a", ["z"], (), "denominator",
     "zeros(m)",
     r"\mathbf{0}_{m}",
     "np.zeros((z.shape[0], 1))"),
    ("logsumexp(x)", ["x", "x"], (), "numerator",
     "diag(softmax(x)) - softmax(x) softmax(x)^T",
     r"\operatorname{diag}\left(\operatorname{softmax}\left(x\right)\right) - "
     r"\operatorname{softmax}\left(x\right) \operatorname{softmax}\left(x\right)^\top",
     None),
    ("tr(A X B)", ["X"], (), "numerator",
     "A^T B^T",
     r"A^\top B^\top",
     "A.T @ B.T"),
    ("(x - A s)^T W (x - A s)", ["s"], ("W",), "numerator",
     "-2 (x - A s)^T W A",
     r"-2 \left(x - A s\right)^\top W A",
     "-2 * ((x - A @ s).T @ W @ A)"),
    ("norm(X w - y)^2", ["w"], (), "denominator",
     "2 X^T (X w - y)",
     r"2 X^\top \left(X w - y\right)",
     "2 * (X.T @ (X @ w - y))"),
]


def _id(case) -> str:
    return f"{case[0][:28]}/d{''.join(case[1])}/{case[3][:3]}"


def _report(source, wrt, symmetric=(), layout="numerator"):
    return differentiate(source, list(wrt), None, list(symmetric), layout)


@pytest.mark.parametrize("case", GOLDEN, ids=_id)
def test_golden_plain(case):
    source, wrt, sym, layout, want, _, _ = case
    assert plain.render(_report(source, wrt, sym, layout).derivative.expr) == want


@pytest.mark.parametrize("case", GOLDEN, ids=_id)
def test_golden_latex(case):
    source, wrt, sym, layout, _, want, _ = case
    assert latex.render(_report(source, wrt, sym, layout).derivative.expr) == want


@pytest.mark.parametrize("case", [c for c in GOLDEN if c[6] is not None], ids=_id)
def test_golden_numpy(case):
    source, wrt, sym, layout, _, _, want = case
    r = _report(source, wrt, sym, layout)
    assert numpy_render.render(r.derivative.expr, r.variables) == want


# ---------------------------------------------------------------- plain parses back
ROUND_TRIP = [(c[0], c[1], c[2], c[3]) for c in GOLDEN] + [
    ("A X B", ["X"], (), "numerator"),  # kron
    ("X^T", ["X"], (), "numerator"),  # commutation(n, m)
    ("x", ["x"], (), "numerator"),  # eye(n)
    ("sum(x)", ["x"], (), "numerator"),  # ones(1, n)
    ("sum(x.^3)", ["x"], (), "numerator"),
    ("sum(x ./ y)", ["y"], (), "numerator"),
    ("norm(x)", ["x"], (), "numerator"),
    ("x^T x / 3", ["x"], (), "numerator"),
    ("t^-2", ["t"], (), "numerator"),
    ("a^T W b", ["W"], ("W",), "numerator"),
    ("sum(abs(x - 0.5))", ["x"], (), "numerator"),
    ("x^T A x", ["x", "A"], (), "numerator"),
    ("tr(X^T A X)", ["X", "X"], (), "numerator"),
]


@pytest.mark.parametrize("source, wrt, sym, layout", ROUND_TRIP, ids=[f"{c[0]}/d{''.join(c[1])}" for c in ROUND_TRIP])
def test_plain_output_parses_back_to_the_same_tree(source, wrt, sym, layout):
    r = differentiate(source, list(wrt), ["t=scalar"] if "t" in source else None, list(sym), layout)
    text = plain.render(r.derivative.expr)
    assert "\n" not in text
    back = simplify(infer(parse(text), dict(r.variables), frozenset(sym)).expr)
    assert back.shape == r.derivative.expr.shape
    assert back == r.derivative.expr, f"{text!r} reads back as {plain.render(back)!r}"


# ---------------------------------------------------------------- numpy evaluates to the shape
@pytest.mark.parametrize("source, wrt, sym, layout", ROUND_TRIP, ids=[f"{c[0]}/d{''.join(c[1])}" for c in ROUND_TRIP])
def test_numpy_output_has_exactly_the_derivatives_shape(source, wrt, sym, layout):
    r = differentiate(source, list(wrt), ["t=scalar"] if "t" in source else None, list(sym), layout)
    code = numpy_render.render(r.derivative.expr, r.variables)
    assert "\n" not in code
    for sizes, values in points(r, sym, (0, 1)):
        value = eval_numpy(code, values)
        if r.derivative.shape == (1, 1):
            assert isinstance(value, float)
        else:
            assert isinstance(value, np.ndarray) and value.shape == concrete(r.derivative.shape, sizes)


def test_numpy_output_is_a_float_for_a_scalar_by_scalar():
    r = differentiate("t^3", ["t"], ["t=scalar"])
    value = eval_numpy(numpy_render.render(r.derivative.expr, r.variables), {"t": 0.5})
    assert isinstance(value, float) and value == pytest.approx(0.75)


def test_numpy_output_of_a_constant_matrix_has_its_shape():
    r = differentiate("x", ["x"], ["x=n"])
    value = eval_numpy(numpy_render.render(r.derivative.expr, r.variables), {"x": np.ones((4, 1))})
    assert np.array_equal(value, np.eye(4))


def test_numpy_names_a_keyword_variable_with_a_trailing_underscore():
    r = differentiate("lambda x", ["x"], ["lambda=scalar"])
    code = numpy_render.render(r.derivative.expr, r.variables)
    assert "lambda_" in code and "lambda " not in code.replace("lambda_", "")


# ---------------------------------------------------------------- LaTeX vocabulary
@pytest.mark.parametrize("source, wrt, sym, needles", [
    ("x^T A x", ["x"], (), [r"^\top"]),
    ("a^T X^-1 b", ["X"], (), [r"^{-\top}"]),
    ("(A + t B)^-1", ["t"], (), [r"^{-1}"]),
    ("log(det(A + t B))", ["t"], (), [r"\operatorname{tr}", r"^{-1}"]),
    ("det(X)", ["X"], (), [r"\det"]),
    ("exp(t A)", ["t"], (), [r"\odot", r"\exp"]),
    (LOGISTIC, ["theta"], (), [r"\theta", r"\operatorname{sigmoid}"]),
    ("logdet(Sigma) + x^T Sigma^-1 x", ["Sigma"], ("Sigma",), [r"\Sigma^{-1}"]),
    ("norm(w)^2 + lambda w^T w", ["w"], (), [r"\lambda"]),
    ("norm(x - mu)^2", ["mu"], (), [r"\mu"]),
    ("alpha x^T x", ["x"], (), [r"\alpha"]),
])
def test_latex_vocabulary(source, wrt, sym, needles):
    text = latex.render(_report(source, wrt, sym).derivative.expr)
    assert "\n" not in text and "$" not in text
    for needle in needles:
        assert needle in text, f"{needle} not in {text}"


@pytest.mark.parametrize("source, wrt", [("tr(A X)", ["X"]), ("x^T A x", ["x"]), ("det(X)", ["X"])])
def test_latex_has_no_plain_spellings(source, wrt):
    text = latex.render(_report(source, wrt).derivative.expr)
    assert "^T" not in text and "^-1" not in text and ".*" not in text


# ---------------------------------------------------------------- JSON
def test_json_fields():
    r = differentiate("x^T A x", ["x"])
    data = json.loads(json.dumps(r.to_json()))
    assert data["input"] == "x^T A x"
    assert data["wrt"] == "x"
    assert data["derivative"] == "x^T (A + A^T)"
    assert data["latex"] == r"x^\top \left(A + A^\top\right)"
    assert data["numpy"] == "x.T @ (A + A.T)"
    assert data["shape"] == ["1", "n"]
    assert data["layout"] == "numerator"
    assert data["variables"] == {"x": "n", "A": "n,n"}


def test_json_fields_denominator_matrix_and_scalar():
    r = differentiate("a^T X b + t", ["X"], ["t=scalar", "X=n,m"], None, "denominator")
    data = r.to_json()
    assert data["layout"] == "denominator"
    assert data["shape"] == ["n", "m"]
    assert data["variables"] == {"a": "n", "X": "n,m", "b": "m", "t": "scalar"}
    assert data["derivative"] == plain.render(r.derivative.expr) == "a b^T"


def test_json_of_a_hessian_lists_both_variables():
    data = differentiate("x^T A x", ["x", "x"]).to_json()
    assert data["wrt"] in (["x", "x"], "x")
    assert data["shape"] == ["n", "n"]
    assert data["derivative"] == "A + A^T"


# ---------------------------------------------------------------- pretty
@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}])
def test_pretty_has_no_colour_codes_when_not_a_terminal(env):
    result = CliRunner().invoke(app, ["diff", "x^T A x", "--wrt", "x"], env=env)
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b[" not in out
    assert "xᵀ (A + Aᵀ)" in out  # the derivative
    assert "1×n" in out  # its shape
    assert "numerator" in out  # the layout
    assert "x: vector (n)" in out and "A: matrix (n×n)" in out  # the shapes assumed


def test_pretty_states_the_symmetric_convention():
    result = CliRunner().invoke(app, ["diff", "a^T W b", "--wrt", "W", "--symmetric", "W"])
    assert result.exit_code == 0 and "\x1b[" not in result.stdout
    assert "symmetric" in result.stdout
    assert "(G + G^T)/2" in result.stdout or "sym(G)" in result.stdout


def test_decimal_constant_prints_as_written():
    r = differentiate("sum(abs(x - 0.5))", ["x"])
    assert plain.render(r.derivative.expr) == "sign(x - 0.5)^T"


def test_sigmoid_is_not_the_variable_sigma() -> None:
    text = latex.render(_report("sigma sigmoid(x)", ["x"], ()).derivative.expr)
    assert r"\sigma" in text and r"\operatorname{sigmoid}" in text
    assert text.count(r"\sigma") == 1, text


@pytest.mark.parametrize("source, wrt, sym, bold", [
    ("x^T A x", ["x"], (), r"\mathbf{x}^\top \left(\mathbf{A} + \mathbf{A}^\top\right)"),
    (LOGISTIC, ["theta"], (),
     r"\left(\operatorname{sigmoid}\left(\mathbf{X} \boldsymbol{\theta}\right) - \mathbf{y}\right)^\top \mathbf{X}"),
    ("logdet(Sigma) + t x^T Sigma^-1 x", ["Sigma"], ("Sigma",),
     r"\boldsymbol{\Sigma}^{-1} - t \boldsymbol{\Sigma}^{-1} \mathbf{x} \mathbf{x}^\top \boldsymbol{\Sigma}^{-1}"),
    ("X a", ["X"], (), r"\mathbf{a}^\top \otimes \mathbf{I}_{n}"),
    ("W_2 x_1", ["x_1"], (), r"\mathbf{W}_{2}"),
])
def test_bold_latex(source, wrt, sym, bold):
    assert latex.render(_report(source, wrt, sym).derivative.expr, bold=True) == bold


@pytest.mark.parametrize("name, spelled", [
    ("lambda", r"\lambda"), ("lambda_", r"\mathrm{lambda\_}"), ("lambda_1", r"\lambda_{1}"),
    ("W2", "W_{2}"), ("W_2", "W_{2}"), ("x_hat", r"x_{hat}"), ("lam", r"\mathrm{lam}"),
])
def test_latex_names_keep_distinct_variables_distinct(name, spelled):
    assert latex.latex_name(name) == spelled


@pytest.mark.parametrize(("value", "text"), [(Fraction(9, 512), "0.017578125"), (Fraction(1, 1024), "0.0009765625"),
                                             (Fraction(-3, 8), "-0.375"), (Fraction(1, 100000), "1e-05")])
def test_a_terminating_decimal_is_printed_with_every_digit(value: Fraction, text: str) -> None:
    """A derivative's 9/512 was printed 0.0175781 (format "g" keeps 6 digits): a wrong number."""
    from matcalc_cli import expr as E

    assert plain.render(E.const(value)) == text
    assert text in numpy_render.render(E.const(value), {})


def test_a_spelling_leaves_an_argument_bare_where_it_is_an_atom() -> None:
    # the records spell sigmoid's line -(u) and normpdf ({0}) ** 2: a name needs no parentheses
    from matcalc_cli.render.numpy import spell
    from matcalc_cli.report import differentiate, function_text, numpy_line

    assert spell("np.exp(-np.logaddexp(0, -({0})))", ["x"], [True]) == "np.exp(-np.logaddexp(0, -x))"
    assert spell("-({0}) + f({0})", ["A @ x"], [False]) == "-(A @ x) + f(A @ x)"
    assert spell("g({0}) * ({1}) ** 2", ["x", "y"], [True, True]) == "g(x) * y ** 2"  # a call keeps its own
    for source, bare, kept in [("sum(sigmoid(x))", "np.logaddexp(0, -x)", None),
                               ("sum(sigmoid(A x))", None, "np.logaddexp(0, -(A @ x))"),
                               ("sum(normpdf(x))", "-0.5 * x ** 2", None)]:
        report = differentiate(source, ["x"], [], [])
        line = numpy_line(report.derivative.expr, report.variables)
        wrapped = re.compile(r"(?<![\w.])\(x\)")  # (x) not a call's f(x)
        assert not wrapped.search(line) and (bare is None or bare in line) and (kept is None or kept in line), line
        code = function_text(report, "python")
        assert not wrapped.search(code.split('"""')[-1]), code  # the body (the docstring quotes the input)
        x = np.linspace(-3, 3, 5).reshape(-1, 1)
        env = {"np": np, "x": x, "A": np.eye(5)}
        scope: dict = {}
        exec(code, scope)  # noqa: S102 (the format's purpose)
        fn = scope["df_dx"]
        want = fn(*(env[v] for v in report.variables))
        assert np.allclose(eval(line, env), want, rtol=1e-12, atol=0)  # noqa: S307 (the format's purpose)
