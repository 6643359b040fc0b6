"""--steps: the derivation as the course writes it (matcalc_cli/steps.py, render/steps.py).

Golden steps for the course's examples in every format, and the property that every
step is a true equation: at a random point, with the differential dX drawn at random,
both sides of each line have the same value (a part's differential by central
differences along dX, a read-off by finite differences of the function).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpus import CORPUS
from hypothesis import assume, given
from typer.testing import CliRunner

from matcalc_cli import drawing, numeric
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.cli import app
from matcalc_cli.derive import FinishedDerivative
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Dim, Expr
from matcalc_cli.lines import Derivation, Leibniz
from matcalc_cli.ops import replaced
from matcalc_cli.render import plain
from matcalc_cli.render import steps as render
from matcalc_cli.report import derivative_of, differentiate
from matcalc_cli.steps import derivation
from matcalc_cli.syntax import parse
from tests.test_properties import SIZES, SYMMETRIC, VARIABLES, _settings, derivative_cases


def derivative(f: Expr, x: Expr, layout: str) -> FinishedDerivative:
    """The first derivative, derived and simplified (report.derivative_of)."""
    return derivative_of(f, [x], layout)


LOGISTIC = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"


def lines(source: str, wrt: str, layout: str = "numerator", shapes: list[str] | None = None) -> list[str]:
    report = differentiate(source, [wrt], shapes, layout=layout, steps=True)
    return report.step_lines()


# ------------------------------------------------------------------ golden steps
def test_inverse_reads_like_the_course() -> None:
    assert lines("a^T X^-1 b", "X") == [
        "y = a^T X^-1 b",
        "1. d(X^-1) = -X^-1 dX X^-1    [inverse: d(X^-1) = -X^-1 dX X^-1]",
        "2. dy = a^T d(X^-1) b = -a^T X^-1 dX X^-1 b    [product rule: d(A B) = dA B + A dB]",
        "3.    = tr(-X^-1 b a^T X^-1 dX)    [cycling a trace: tr(A B) = tr(B A)]",
        "4. dy/dX = (-X^-1 b a^T X^-1)^T    [read off: dy = tr(G^T dX) gives G]",
        "5.       = -X^-T a b^T X^-T    [simplified: transpose]",
    ]


def test_logistic_regression_follows_the_slides_chain() -> None:
    """h, s = sigmoid(f), f = X theta; dh/ds, ds/df, df/dtheta; then the collapse to s - y."""
    assert lines(LOGISTIC, "theta") == [
        "h = -(y^T log(s) + (1 - y)^T log(1 - s)) where s = sigmoid(f), f = X theta",
        "1. df = X dtheta    [product rule: d(A B) = dA B + A dB]",
        "2. ds = df .* s .* (1 - s)    [chain rule: d sigmoid(u) = sigmoid(u) .* (1 - sigmoid(u)) .* du]",
        "3. dh = (1 - y^T) (ds ./ (1 - s)) - (ds ./ s)^T y    [chain rule: d log(u) = du ./ u; product rule; "
        "sum rule]",
        "4.    = ((y - 1) ./ (s - 1) - y ./ s)^T ds    [cycling a trace; transposing; moving a Hadamard divisor]",
        "5.    = ((y - 1) ./ (s - 1) - y ./ s)^T ((X dtheta) .* s .* (1 - s))    [chain rule: substitute ds, df]",
        "6.    = (s .* (1 - s) .* ((y - 1) ./ (s - 1) - y ./ s))^T X dtheta    [moving a Hadamard factor: "
        "tr(A^T (B .* C)) = tr((A .* B)^T C)]",
        "7. dh/dtheta = (s .* (1 - s) .* ((y - 1) ./ (s - 1) - y ./ s))^T X    [read off: dy = g^T dx gives "
        "the gradient g]",
        "8.           = (s - y)^T X    [simplified: hadamard, elementwise-algebra]",
    ]


def test_quadratic_form_and_denominator_layout() -> None:
    assert lines("x^T A x", "x") == [
        "y = x^T A x",
        "1. dy = dx^T A x + x^T A dx    [transpose; product rule]",
        "2.    = x^T (A + A^T) dx    [cycling a trace; transposing]",
        "3. dy/dx = x^T (A + A^T)    [read off: dy = g^T dx gives the gradient g]",
    ]
    assert lines("x^T A x", "x", "denominator")[-2:] == [
        "3. dy/dx = (x^T (A + A^T))^T    [read off: dy = g^T dx gives the gradient g]",
        "4.       = (A + A^T) x    [simplified: transpose]",
    ]


def test_a_jacobian_and_a_derivative_by_a_scalar() -> None:
    assert lines("sigmoid(W x)", "x") == [
        "y = sigmoid(f) where f = W x",
        "1. df = W dx    [product rule: d(A B) = dA B + A dB]",
        "2. dy = df .* y .* (1 - y)    [chain rule: d sigmoid(u) = sigmoid(u) .* (1 - sigmoid(u)) .* du]",
        "3.    = (W dx) .* y .* (1 - y)    [chain rule: substitute df]",
        "4. dy/dx = diag(y .* (1 - y)) W    [read off: dy = J dx gives J]",
    ]
    assert lines("exp(t) a", "t", shapes=["t=scalar"])[-1] == \
        "2. dy/dt = exp(t) a    [read off: dY = G dt gives dY/dt = G]"


def test_determinant_is_a_line_of_its_own() -> None:
    assert lines("log(det(X))", "X") == [
        "y = log(det(X))",
        "1. d(det(X)) = det(X) tr(X^-1 dX)    [determinant: d det(X) = det(X) tr(X^-1 dX)]",
        "2. dy = d(det(X)) / det(X) = tr(X^-1 dX)    [chain rule: d log(u) = du ./ u]",
        "3. dy/dX = X^-T    [read off: dy = tr(G^T dX) gives G]",
    ]  # (X^-1)^T and (X^T)^-1 print alike: the simplification between them is no step


def test_names_avoid_the_variables() -> None:
    head = lines("sum(sigmoid(y x^T) .* sigmoid(y x^T))", "x")[0]
    assert head == "h = sum(S .* S) where S = sigmoid(f), f = y x^T"
    taken = lines("s^T sigmoid(f) + sigmoid(f)^T h", "f", shapes=["f=n", "s=n", "h=n"])[0]
    assert taken.startswith("y = s^T p + p^T h where p = sigmoid(f)")  # s's next letter, not s1 beside s


# ------------------------------------------------------------------ formats
def test_latex_is_an_align_environment() -> None:
    report = differentiate("a^T X^-1 b", ["X"], steps=True)
    assert report.step_latex() == "\n".join([
        r"\begin{align*}",
        r"y &= a^\top X^{-1} b \\",
        r"d\left(X^{-1}\right) &= -X^{-1} dX X^{-1} && \text{inverse: }\texttt{d(X\^{}-1) = -X\^{}-1 dX X\^{}-1} \\",
        r"dy &= a^\top d\left(X^{-1}\right) b = -a^\top X^{-1} dX X^{-1} b && \text{product rule: }"
        r"\texttt{d(A B) = dA B + A dB} \\",
        r" &= \operatorname{tr}\left(-X^{-1} b a^\top X^{-1} dX\right) && \text{cycling a trace: }"
        r"\texttt{tr(A B) = tr(B A)} \\",
        r"\frac{dy}{dX} &= \left(-X^{-1} b a^\top X^{-1}\right)^\top && \text{read off: }"
        r"\texttt{dy = tr(G\^{}T dX) gives G} \\",
        r" &= -X^{-\top} a b^\top X^{-\top} && \text{simplified: }\texttt{transpose}",
        r"\end{align*}",
    ])


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
def test_latex_steps_compile(tmp_path: Path) -> None:
    blocks = [differentiate(src, [w], steps=True).step_latex()
              for src, w in [("a^T X^-1 b", "X"), (LOGISTIC, "theta"), ("x^T A x", "x"), ("sin(X) A", "X"),
                             ("logsumexp(W x) + norm(x)^2", "x"), ("tr(X^3) + det(X)", "X")]]
    doc = "\n".join([r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}", *blocks,
                     r"\end{document}"])
    (tmp_path / "s.tex").write_text(doc)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "s.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_json_lists_each_step_in_plain_and_latex() -> None:
    out = CliRunner().invoke(app, ["diff", "a^T X^-1 b", "--wrt", "X", "--steps", "--format", "json"])
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["names"] == [{"name": "y", "plain": "a^T X^-1 b", "latex": r"a^\top X^{-1} b"}]
    assert data["steps"][0] == {"equation": "d(X^-1) = -X^-1 dX X^-1",
                                "latex": r"d\left(X^{-1}\right) = -X^{-1} dX X^{-1}",
                                "rule": "inverse: d(X^-1) = -X^-1 dX X^-1"}
    assert data["steps"][-1]["equation"] == "= -X^-T a b^T X^-T"
    assert [s["rule"].split(":")[0] for s in data["steps"]] == [
        "inverse", "product rule", "cycling a trace", "read off", "simplified"]


def test_one_line_formats_keep_stdout_one_line() -> None:
    out = CliRunner().invoke(app, ["diff", "a^T X^-1 b", "--wrt", "X", "--steps", "--format", "plain"])
    assert out.stdout == "-X^-T a b^T X^-T\n"
    assert out.stderr.splitlines()[:2] == [
        "matcalc: step: y = a^T X^-1 b",
        "matcalc: step: 1. d(X^-1) = -X^-1 dX X^-1    [inverse: d(X^-1) = -X^-1 dX X^-1]"]
    tex = CliRunner().invoke(app, ["diff", "a^T X^-1 b", "--wrt", "X", "--steps", "--format", "latex"])
    assert tex.stdout == "-X^{-\\top} a b^\\top X^{-\\top}\n"
    assert tex.stderr.startswith("\\begin{align*}\n") and tex.stderr.endswith("\\end{align*}\n")


def test_terminal_numbers_the_steps_and_sets_the_rules_apart() -> None:
    out = CliRunner().invoke(app, ["diff", "a^T X^-1 b", "--wrt", "X", "--steps"], env={"NO_COLOR": "1"})
    text = out.stdout
    assert "  1. d(X⁻¹) = -X⁻¹ dX X⁻¹    inverse: d(X^-1) = -X^-1 dX X^-1" in text
    assert "  5.       = -X⁻ᵀ a bᵀ X⁻ᵀ    simplified: transpose" in text


# ------------------------------------------------------------------ every step holds
def _named_values(d: Derivation, values: dict[str, Any], sizes: dict[Dim, int]) -> dict[str, Any]:
    out = dict(values)
    for var, body in d.names:
        out[var.name] = numeric.evaluate(body, out, sizes)
    return out


def _along(d: Derivation, values: dict[str, Any], sizes: dict[Dim, int], e: Expr, h: float = 1e-6) -> np.ndarray:
    """The differential of e (in the names) along d(wrt): central differences."""
    x, dx = d.wrt.name, values["d" + d.wrt.name]
    up = _named_values(d, {**values, x: values[x] + h * dx}, sizes)
    down = _named_values(d, {**values, x: values[x] - h * dx}, sizes)
    return (numeric.evaluate(e, up, sizes) - numeric.evaluate(e, down, sizes)) / (2 * h)


def _close(a: np.ndarray, b: np.ndarray, what: str) -> None:
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.size == b.size, f"{what}: sizes {a.shape} and {b.shape}"
    a, b = a.ravel(order="F"), b.ravel(order="F")
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    assert np.max(np.abs(a - b), initial=0.0) <= 1e-5 * scale, f"{what}: {a} != {b}"


def check_steps(f: Expr, x: Expr, layout: str, values: dict[str, Any], sizes: dict[Dim, int],
                rng: np.random.Generator) -> None:
    result = derivative(f, x, layout)
    d = derivation(f, x, result)
    shape = (drawing.size_of(x.shape[0], sizes), drawing.size_of(x.shape[1], sizes))
    values = {**values, "d" + x.name: rng.standard_normal(shape)}
    base = _named_values(d, values, sizes)
    for var, _ in d.names:
        base["d" + var.name] = _along(d, values, sizes, var)
    for name, sub in d.marks.items():
        base["d" + name] = _along(d, values, sizes, sub)
    want = numeric.numeric_derivative(f, [x], values, sizes, layout)
    prev: np.ndarray | None = None
    for i, line in enumerate(d.lines, 1):
        for var, body in line.where:  # the printed result's names the steps lack, defined on its line
            base[var.name] = numeric.evaluate(body, base, sizes)
        sides = [numeric.evaluate(p, base, sizes) for p in line.parts]
        if isinstance(line.lhs, Leibniz):
            assert line.form is not None and prev is not None
            _close(numeric.evaluate(line.form, base, sizes), prev, f"step {i}: the canonical form")
            _close(sides[0], want, f"step {i}: the derivative read off")
        elif line.lhs is not None:
            sides.insert(0, numeric.evaluate(line.lhs, base, sizes))
        else:
            assert prev is not None
            sides.insert(0, prev)
        for k in range(1, len(sides)):
            _close(sides[k], sides[0], f"step {i}, side {k}")
        prev = sides[-1]


def _point(variables: dict[str, E.Shape], seed: int = 0) -> tuple[dict[str, Any], dict[Dim, int]]:
    sizes = drawing.dim_sizes(variables)
    return drawing.sample(variables, frozenset(), np.random.default_rng(seed), sizes), sizes


@pytest.mark.parametrize("source, wrt", [
    ("a^T X^-1 b", "X"), (LOGISTIC, "theta"), ("x^T A x", "x"), ("sigmoid(W x)", "x"), ("log(det(X))", "X"),
    ("sin(X) A", "X"), ("tr(X^3) + det(X)", "X"), ("logsumexp(W x) + norm(x)^2", "x"), ("exp(t) a", "t"),
    ("(x - A s)^T W (x - A s)", "s"), ("a^T X b", "X"), ("x^T a", "x"), ("X a", "a"), ("a^T X", "a"),
    ("softmax(W x)", "x"), ("sum(sigmoid(y x^T) .* sigmoid(y x^T))", "x"), ("t C", "t"), ("t c", "t"),
    ("t c^T", "t"),
])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_every_step_of_the_examples_holds(source: str, wrt: str, layout: str) -> None:
    typed = infer(parse(source), {"t": E.SCALAR}, frozenset(), extra=[wrt])
    x = E.var(wrt, typed.variables[wrt])
    values, sizes = _point(typed.variables)
    check_steps(typed.expr, x, layout, values, sizes, np.random.default_rng(1))


@_settings(300)
@given(derivative_cases())
def test_every_step_holds_at_a_random_point(case: tuple[Expr, list[Expr], str]) -> None:
    f, wrt, layout = case
    assume(len(wrt) == 1 and not wrt[0].info.symmetric)
    x = wrt[0]
    try:
        derivative(f, x, layout)
    except MatcalcError:
        assume(False)
    values = drawing.sample(VARIABLES, SYMMETRIC, np.random.default_rng(3), SIZES)
    with np.errstate(all="ignore"):
        try:
            f0 = numeric.evaluate(f, values, SIZES)
        except np.linalg.LinAlgError:
            assume(False)
        assume(bool(np.all(np.isfinite(f0))) and float(np.max(np.abs(f0))) < 1e3)
        try:
            check_steps(f, x, layout, values, SIZES, np.random.default_rng(4))
        except np.linalg.LinAlgError:
            assume(False)


def test_render_module_formats_agree() -> None:
    report = differentiate(LOGISTIC, ["theta"], steps=True)
    assert report.steps is not None
    n = len(report.steps.lines)
    assert len(render.json_steps(report.steps)["steps"]) == n
    assert report.step_latex().count("&=") == n + 1


def test_a_second_derivative_ends_with_its_line() -> None:
    report = differentiate(LOGISTIC, ["theta", "theta"], steps=True)
    assert report.step_lines()[-2:] == [
        "8.           = (s - y)^T X    [simplified: hadamard, elementwise-algebra]",
        "9. d(dh/dtheta)/dtheta = X^T diag(s .* (1 - s)) X    [differentiated again: d/dtheta of the gradient, "
        "numerator layout]",
    ]
    assert r"\frac{d}{d\theta} \frac{dh}{d\theta} &= X^\top" in report.step_latex()


def test_steps_keep_the_inputs_own_names() -> None:
    steps = lines("norm(W2 h - y)^2 where h = tanh(W1 x)", "W1")
    assert steps[0] == "z = norm(W2 h - y)^2 where h = tanh(f), f = W1 x"
    assert "dh = df .* (1 - h.^2)" in steps[2]


def test_steps_and_the_result_share_their_names() -> None:
    # The result prints where h1 = tanh(W1 x), h2 = tanh(W2 h1): the steps call them so too,
    # and a step's own name is never one the result gives another subexpression.
    report = differentiate("norm(W3 tanh(W2 tanh(W1 x)) - y)^2", ["W1"], steps=True)
    steps = report.step_lines()
    assert steps[0] == "h = norm(W3 h2 - y)^2 where h2 = tanh(W2 h1), h1 = tanh(f), f = W1 x"
    assert [n for n, _ in report.named().where] == ["h1", "h2"]
    ln = differentiate("y^T (g .* u / sqrt(mean(u.^2) + eps) + b) where u = x - mean(x)", ["x"], ["eps=scalar"],
                       steps=True)
    assert "h" in dict(ln.named().where) and ln.step_lines()[0].startswith("z = ")


# ------------------------------------------------------------------ the last step is the result
def _written_out(e: Expr, defs: dict[str, Expr]) -> Expr:
    """e with each name of defs replaced by its definition, to the variables."""
    while True:
        found = {n: defs[n.name] for n in E.walk(e) if n.op == "var" and n.name in defs}
        if not found:
            return e
        e = replaced(e, found)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_the_last_step_is_the_result_as_printed(layout: str) -> None:
    # The steps end on the result as it prints (its names, its spellings: u^T / norm(u) where
    # u = x - mean(x), not (x^T - mean(x)) / norm(u)), with the steps' own names (y, f) for
    # what it prints in full; every name the result prints is the steps' name for the same (the
    # header's, or the last line's where clause for a name of the derivative alone).
    checked = 0
    for source, wrt, shapes, symmetric in CORPUS:
        try:
            report = differentiate(source, list(wrt), list(shapes), list(symmetric), layout, steps=True)
        except MatcalcError:
            continue
        assert report.steps is not None
        printed = report.named()
        defined = (*report.steps.names, *(w for line in report.steps.lines for w in line.where))
        steps = {var.name: body for var, body in defined}
        own = {n: b for n, b in steps.items() if n not in dict(printed.where)}
        last = report.steps.lines[-1].parts[-1]
        assert _written_out(last, own) == printed.body, (source, wrt, plain.render(last), plain.render(printed.body))
        for name, body in printed.where:
            assert name in steps and _written_out(steps[name], own) == body, (source, wrt, name)
        checked += 1
    assert checked > 80
