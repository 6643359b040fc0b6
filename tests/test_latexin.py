"""LaTeX input (latexin.py): each construct CONTRACT.md lists reads as its ASCII spelling,
errors point into the LaTeX, and every derivative's --format latex reads back."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import test_properties
from hypothesis import note
from test_properties import (
    SYMMETRIC,
    VARIABLES,
    _accepted_or_derivative,
    _point,
    _skip_unless,
    _value,
    derivative_cases,
    for_each_shape,
)

from matcalc_cli import expr as E
from matcalc_cli import naming
from matcalc_cli.build import build, infer
from matcalc_cli.errors import MatcalcError
from matcalc_cli.render import latex, plain
from matcalc_cli.report import differentiate
from matcalc_cli.simplify import simplify
from matcalc_cli.syntax import parse


def same(latex_text: str, ascii_text: str, wrt: str = "x", **kw: Any) -> None:
    """The LaTeX and its ASCII spelling give the same derivative, printed alike."""
    a = differentiate(latex_text, [wrt], **kw)
    b = differentiate(ascii_text, [wrt], **kw)
    assert plain.render(a.derivative.expr) == plain.render(b.derivative.expr)
    assert a.variables == b.variables


@pytest.mark.parametrize("tex, ascii_", [
    (r"\mathbf{x}^\top \mathbf{A} \mathbf{x}", "x^T A x"),
    (r"\boldsymbol{\theta}^\top \bm{x}", "theta^T x"),
    (r"x^\intercal A x", "x^T A x"),
    (r"X^{T} y", "X^T y"),
    (r"\operatorname{tr}(X^{-1} A)", "tr(X^-1 A)"),
    (r"\mathrm{tr}(X^{-\top} A)", "tr(X^-T A)"),
    (r"\log\det(X)", "logdet(X)"),
    (r"\det\left(X\right)", "det(X)"),
    (r"\log(\det(X))", "log(det(X))"),
    (r"\mathbf{1}_{n}^\top \exp(X w)", "ones(n)^T exp(X w)"),
    (r"\frac{x^\top A x}{x^\top x}", "(x^T A x) / (x^T x)"),
    (r"\|A x - b\|^2", "norm(A x - b)^2"),
    (r"\left\lVert A x - b \right\rVert^{2}", "norm(A x - b)^2"),
    (r"\|X\|_F", "norm(X)"),
    (r"x^\top (y \odot z)", "x^T (y .* z)"),
    (r"x^\top (y \oslash z)", "x^T (y ./ z)"),
    (r"\operatorname{tr}(A \otimes X)", "tr(kron(A, X))"),
    (r"2 \cdot x^\top x", "2 x^T x"),
    (r"\left( x^\top x \right)^{2}", "(x^T x)^2"),
    (r"{x}^\top {A} {x}", "x^T A x"),
    (r"W_{1} x + W_1 y", "W_1 x + W_1 y"),
    (r"\theta^\top \Sigma \theta", "theta^T Sigma theta"),
    (r"\operatorname{sigmoid}(w^\top x)", "sigmoid(w^T x)"),
    (r"\operatorname{softplus}(w^\top x) + \operatorname{logsumexp}(x)", "softplus(w^T x) + logsumexp(x)"),
    (r"x^\top \, A \; x \quad + \! 1", "x^T A x + 1"),
    (r"\tanh(x)^\top \sqrt{y}", "tanh(x)^T sqrt(y)"),
    (r"\exp(x)^\top x", "exp(x)^T x"),
])
def test_latex_reads_as_its_ascii_spelling(tex, ascii_):
    wrt = "X" if "X" in ascii_ else "theta" if "theta" in ascii_ else "x"
    same(tex, ascii_, wrt)


def test_letter_runs_are_single_letters_in_latex_and_unicode():
    same(r"x^\top Ax", "x^T A x")
    same("xᵀAx", "x^T A x")
    same("θᵀWx", "theta^T W x", "theta")
    same("xᵀW1x", "x^T W1 x")  # a letter keeps its digits
    same(r"tAt", "t A t", latex=True)  # --from latex: no backslash needed (t: a textbook scalar, issue 19)
    assert "Ax" in differentiate("x^T Ax", ["x"]).variables  # ASCII keeps its names
    # a declared name, a function and a Greek name stay whole
    same("xᵀ Ab x", "x^T Ab x", shapes=["Ab=n,n"])
    same("sigmoid(wᵀx)", "sigmoid(w^T x)")
    same(r"\mathrm{lam} x^\top x", "lam x^T x")


def test_latex_subscript_is_the_declared_name_without_underscore():
    """W_{1} is W_1, unless the options name W1 (as the LaTeX printer spells W1 W_{1})."""
    r = differentiate(r"\mathbf{W}_{1} x", ["W1"])
    assert "W1" in r.variables and "W_1" not in r.variables


@pytest.mark.parametrize("source, message, caret", [
    (r"\sigma(z)", "two readings", (0, 6)),
    (r"x^\top \foo x", r"unknown LaTeX command \foo", (7, 11)),
    (r"\frac{\partial}{\partial x} x^\top x", "add --wrt x", (0, 27)),
    (r"\|x\|_q", r"_1, _2, _p, _\infty, _F and _*", (0, 7)),
    (r"\mathbf{x}^\top (\mathbf{x}", "expected ')'", (27, 28)),
    (r"\mathbf{x}^\top \mathbf{x} }", "unmatched }", (27, 28)),
])
def test_latex_errors_point_into_the_latex(source, message, caret):
    with pytest.raises(MatcalcError) as info:
        differentiate(source, ["x"])
    assert message in info.value.message
    assert info.value.span == caret


def test_norms_with_a_subscript():
    same(r"\|x\|_1", "norm(x, 1)")
    same(r"\|x\|_\infty", "norm(x, inf)")
    same(r"\|x\|_2^2", "norm(x)^2")
    same(r"\|x\|_{3}", "norm(x, 3)")
    same(r"\|X\|_2", "norm(X, 2)", "X")
    same(r"\left\lVert X \right\rVert_*", "nuclear(X)", "X")


# ------------------------------------------------------------------ the round trip
def _read(text: str) -> Any:
    return infer(parse(text, frozenset(VARIABLES)), dict(VARIABLES), SYMMETRIC).expr


def _round_trip(case: Any, seed: int, stats: Counter[str]) -> None:
    f, wrt, layout = case
    d = _accepted_or_derivative(f, wrt, layout, stats)
    if d is None:
        return
    stats["with a dimension, size(n)"] += any(n.op == "size" for n in E.walk(d.expr))
    written = [n.number for n in E.walk(d.expr) if n.op in ("const", "pow", "epow") and isinstance(n.number, E.Written)]
    stats["with a number as written"] += bool(written)
    stats["with two written numbers side by side (\\cdot)"] += any(len(w.parts) > 1 for w in written)
    named = naming.name(d.expr, VARIABLES)
    for bold in (False, True):
        for text, tree in ((latex.render(d.expr, bold), d.expr), (latex.render_named(named, bold), d.expr)):
            note(f"printed: {text}")
            stats["tried"] += 1
            try:
                parsed = _read(text)
            except MatcalcError as err:
                raise AssertionError(f"{text!r} does not read back: {err}") from err
            if parsed == tree or simplify(parsed) == tree:
                stats["equal"] += 1
                continue
            # pow(X, -k) of a matrix is the builders' spelling, which no input text gives: the
            # parser reads X^-k as (X^-1)^k, as test_properties' plain round trip counts it.
            spelled = test_properties._parser_spelling(tree)
            if spelled == parsed or simplify(spelled) == simplify(parsed):
                stats["equal"] += 1
                stats["equal up to the spelling of X^-k"] += 1
                continue
            # a computed number (3/2) printed as a decimal reads back as one written so
            as_fractions = test_properties.numbers_as_fractions
            if as_fractions(spelled) in (as_fractions(parsed), as_fractions(simplify(parsed))):
                stats["equal"] += 1
                stats["equal up to the spelling of a number"] += 1
                continue
            values = _point(seed)
            want, got = _value(tree, values), _value(simplify(parsed), values)
            _skip_unless(want is not None, "derivative not finite", stats)
            raise AssertionError(f"{text!r} reads back as {plain.render(simplify(parsed))!r}, "
                                 f"not {plain.render(tree)!r} ({got} against {want})")


def test_latex_output_reads_back_to_an_equal_tree() -> None:
    """CONTRACT.md: whatever --format latex prints, with or without --bold, with where,
    reads back to an equal tree."""
    stats: Counter[str] = Counter()
    test_properties._CI_EXAMPLES.setdefault("latex", 210)  # each example prints four ways
    for_each_shape("latex", derivative_cases, lambda case, seed: _round_trip(case, seed, stats))
    print("\nproperty (latex round trip):", dict(sorted(stats.items())))
    assert stats["tried"] > 0 and stats["equal"] == stats["tried"], stats


def test_where_clause_of_latex_output_builds():
    r = differentiate("sum(exp(W x + b))", ["W"])
    text = latex.render_named(r.named(), bold=True)
    root = parse(text, frozenset(r.variables))
    assert build(root, r.variables, frozenset()).shape == r.derivative.expr.shape


@pytest.mark.parametrize("source, wrt", [("mean(x)", "x"), ("mean(X)", "X"), ("tr(eye(n)) x^T x", "x")])
def test_a_dimension_prints_as_size_and_reads_back(source, wrt):
    # size(n) prints as \operatorname{size}(n): a bare n would read back as a variable.
    d = differentiate(source, [wrt])
    for bold in (False, True):
        text = latex.render(d.derivative.expr, bold)
        assert r"\operatorname{size}" in text
        assert simplify(_read_as(text, d.variables)) == d.derivative.expr


def _read_as(text: str, variables: Any) -> Any:
    return infer(parse(text, frozenset(variables)), dict(variables), frozenset()).expr


def test_names_that_print_alike_are_spelt_apart():
    # W1 and W_1 are both W_{1}: beside W_1, W1 is spelt \mathit{W1}, which reads back as W1.
    d = differentiate("W1 x + W_1 x + Wq x + W_q x", ["x"])
    for bold in (False, True):
        text = latex.render(d.derivative.expr, bold)
        assert text.count("W1") == 1 and text.count("Wq") == 1
        assert _read_as(text, d.variables) == d.derivative.expr
    alone = latex.render(differentiate("norm(W1 x)^2", ["x"]).derivative.expr)
    assert "W_{1}" in alone and "W1" not in alone  # alone, W1 keeps the course's W_{1}


def test_w_1_beside_a_literal_w1_stays_w_1_when_an_option_names_w1():
    # --wrt W1 reads W_{1} as W1, unless the text spells W1 itself (\mathit{W1}, as LaTeX
    # output does beside W_1): then W_{1} is W_1, the other name.
    r = differentiate(r"\mathit{W1} x + W_{1} x", ["W1"])
    assert {"W1", "W_1"} <= set(r.variables)
    assert "W1" in differentiate(r"W_{1} x", ["W1"]).variables
