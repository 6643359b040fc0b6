"""Identities the simplifier knows, each as a derivative checked for its value (finite
differences of the original expression) and for the form a textbook prints."""

from __future__ import annotations

import pytest
from helpers import check_numeric, check_numpy_code

from matcalc_cli.render import plain

LOGISTIC_PM = "sum(log(1 + exp(-y .* (X w))))"  # labels y in {-1, +1}
HUBER = "sum(0.5 (abs(X w - y) - relu(abs(X w - y) - 1)).^2 + relu(abs(X w - y) - 1))"  # delta = 1

CASES = [
    # (expression, wrt, shapes, symmetric, numerator form)
    ("-y^T log(softmax(W x))", ["W"], ["W=k,n", "x=n", "y=k"], [], "(sum(y) softmax(W x) - y) x^T"),
    ("y^T log(softmax(W x))", ["x"], ["W=k,n", "x=n", "y=k"], [], "(y - sum(y) softmax(W x))^T W"),
    (LOGISTIC_PM, ["w"], ["X=k,n", "w=n", "y=k"], [], "-(sigmoid(-((X w) .* y)) .* y)^T X"),
    (LOGISTIC_PM, ["w", "w"], ["X=k,n", "w=n", "y=k"], [],
     "X^T diag(sigmoid((X w) .* y) .* y.^2 .* (1 - sigmoid((X w) .* y))) X"),  # sigmoid(-z) = 1 - sigmoid(z)
    ("sum(softplus(X w))", ["w", "w"], ["X=k,n", "w=n"], [], "X^T diag(sigmoid(X w) .* (1 - sigmoid(X w))) X"),
    ("x .* exp(x)", ["x"], ["x=n"], [], "diag(exp(x) .* (x + 1))"),
    ("tr(inv(Sigma) S) + logdet(Sigma)", ["Sigma"], ["Sigma=n,n", "S=n,n"], ["Sigma"],
     "Sigma^-1 - Sigma^-1 (S + S^T) Sigma^-1 / 2"),
    ("det(A X B)", ["X"], ["A=n,n", "X=n,n", "B=n,n"], [], "det(A X B) X^-T"),  # the Matrix Cookbook's form
    ("det(A X)", ["X"], ["A=n,n", "X=n,n"], [], "det(A X) X^-T"),
    ("tr(diag(x) A diag(x))", ["x", "x"], ["x=n", "A=n,n"], [], "2 diag(diag(A))"),
    ("abs(t) / t", ["t"], ["t=scalar"], [], "0"),
    ("a^T x / (b^T x)", ["x", "x"], ["a=n", "b=n", "x=n"], [],
     "2 (a^T x) b b^T / (b^T x)^3 - (a b^T + b a^T) / (b^T x)^2"),  # the quotient's Hessian
    ("x^T A x / (x^T x)", ["x"], ["A=n,n", "x=n"], [], "x^T (A + A^T) / (x^T x) - 2 (x^T A x) x^T / (x^T x)^2"),
    ("x^T diag(y) x", ["y"], ["x=n", "y=n"], [], "(x.^2)^T"),
    ("diag(x x^T)", ["x"], ["x=n"], [], "2 diag(x)"),
    ("sum(abs(x - 0.5))", ["x"], ["x=n"], [], "sign(x - 0.5)^T"),
    ("sum(1 ./ sigmoid(A^T))", ["A"], ["A=n,n"], [], "1 - 1 ./ sigmoid(A^T)^T"),
    ("exp(t) x", ["t"], [], [], "exp(t) x"),  # t is the scalar: conventional scalar names go first
    ("t^2 + 3 t", ["t"], ["t=scalar"], [], "2 t + 3"),
    # A difference of squares stays whole, its sign inside: not -(y - 1) .* (y + 1) .* (...)
    ("sum((x + x.^3) .* (1 - y.^2))", ["x"], ["x=n", "y=n"], [], "((1 - y.^2) .* (3 x.^2 + 1))^T"),
    ("tr(A X^2)", ["X"], [], [], "(A X + X A)^T"),  # not A^T X^T + X^T A^T
    (HUBER, ["w"], [], [], "(X w + relu(y - X w - 1) - relu(X w - y - 1) - y)^T X"),  # r - relu(r - 1) + relu(-r - 1)
    (HUBER, ["w", "w"], [], [], "X^T diag(step(1 - abs(X w - y))) X"),
    ("logdet(A + x x^T)", ["x", "x"], [], ["A"],
     "2 ((1 - x^T (A + x x^T)^-1 x) (A + x x^T)^-1 - (A + x x^T)^-1 x x^T (A + x x^T)^-1)"),
    ("logdet(A + x x^T)", ["x", "x"], [], [],  # (1 - x^T C x) (C + C^T) - C^T x x^T C - C x x^T C^T
     "(1 - x^T (A + x x^T)^-T x) ((A + x x^T)^-T + (A + x x^T)^-1) - (A + x x^T)^-T x x^T (A + x x^T)^-1"
     " - (A + x x^T)^-1 x x^T (A + x x^T)^-T"),
]


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("source, wrt, shapes, symmetric, form", CASES, ids=[c[0] + " d/d" + c[1][0] for c in CASES])
def test_value(source: str, wrt: list[str], shapes: list[str], symmetric: list[str], form: str,
               layout: str) -> None:
    check_numeric(source, wrt, shapes, symmetric, layout)
    check_numpy_code(source, wrt, shapes, symmetric, layout)


@pytest.mark.parametrize("source, wrt, shapes, symmetric, form", CASES, ids=[c[0] + " d/d" + c[1][0] for c in CASES])
def test_printed_form(source: str, wrt: list[str], shapes: list[str], symmetric: list[str], form: str) -> None:
    report = check_numeric(source, wrt, shapes, symmetric)
    assert plain.render(report.derivative.expr) == form


def test_nested_functions_stay_factored() -> None:
    # A product of k sums is not multiplied out (2^k terms): the derivative of a nest of
    # twelve tanh keeps one factor 1 - tanh(...).^2 per level.
    source = "sum(" + "tanh(" * 12 + "x" + ")" * 12 + ")"
    report = check_numeric(source, ["x"], ["x=n"], seeds=(0,))
    assert plain.render(report.derivative.expr).count(".^2") == 12
