"""Functions of known convexity for `matcalc convex`: (expression, --wrt, options, convex,
concave), the truth from Boyd & Vandenberghe chapter 3, CVX's atoms and the course's losses.
A verdict is wrong when it says yes where the truth is no or no where it is yes; unknown
is allowed (and counted)."""

from __future__ import annotations

from typing import Any

YES, NO = "yes", "no"
LOGISTIC = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"
NLL = "(x - mu)^T inv(Sigma) (x - mu) / 2 + logdet(Sigma) / 2"

CORPUS: list[tuple[str, tuple[str, ...], dict[str, Any], str, str]] = [
    # the course's losses
    ("norm(X w - y)^2", ("w",), {}, YES, NO),
    ("norm(X w - y)^2 + lambda w^T w", ("w",), {"positive": ["lambda"]}, YES, NO),
    ("norm(X w - y)^2 + lambda w^T w", ("w",), {}, NO, NO),
    (LOGISTIC, ("theta",), {}, YES, NO),
    ("sum(softplus(X w)) - y^T X w", ("w",), {}, YES, NO),
    ("sum(softplus(-y .* (X w)))", ("w",), {}, YES, NO),
    ("-logdet(X)", ("X",), {"spd": ["X"]}, YES, NO),
    ("logdet(X)", ("X",), {"spd": ["X"]}, NO, YES),
    ("logdet(X)", ("X",), {"symmetric": ["X"]}, NO, NO),
    ("eigmax(X)", ("X",), {"symmetric": ["X"]}, YES, NO),
    ("eigmax(A + t B) - 2 t", ("t",), {"symmetric": ["A", "B"], "shape": ["t=scalar"]}, YES, NO),
    ("eigmin(X)", ("X",), {"spd": ["X"]}, NO, YES),
    ("eigmax(X^T X)", ("X",), {}, YES, NO),  # norm(X, 2)^2: convex, unknown to these rules (allowed)
    ("logsumexp(x)", ("x",), {}, YES, NO),
    ("logsumexp(W x) - y^T W x", ("W",), {}, YES, NO),
    ("norm(W2 relu(W1 x + b1) + b2 - y)^2", ("W1",), {}, NO, NO),
    ("norm(W2 relu(W1 x + b1) + b2 - y)^2", ("W1", "W2"), {}, NO, NO),
    ("norm(W2 tanh(W1 x) - y)^2", ("W1",), {}, NO, NO),
    (NLL, ("mu",), {"spd": ["Sigma"]}, YES, NO),
    (NLL, ("Sigma",), {"spd": ["Sigma"]}, NO, NO),
    ("x^T A x", ("x",), {}, NO, NO),
    ("x^T A x", ("x",), {"spd": ["A"]}, YES, NO),
    # quadratics, norms, affine
    ("x^T x / 2 - a^T x", ("x",), {}, YES, NO),
    ("norm(x)", ("x",), {}, YES, NO),
    ("norm(A x - b)", ("x",), {}, YES, NO),
    ("norm(x)^2 + norm(x)", ("x",), {}, YES, NO),
    ("a^T x + 3", ("x",), {}, YES, YES),
    ("tr(A X)", ("X",), {}, YES, YES),
    ("x^T y", ("x",), {}, YES, YES),
    ("x^T y", ("x", "y"), {}, NO, NO),
    ("x^T x + y^T y", ("x", "y"), {}, YES, NO),
    ("x^T x - y^T y", ("x", "y"), {}, NO, NO),
    ("norm(x - y)", ("x", "y"), {}, YES, NO),
    ("sum(exp(X w + b))", ("w", "b"), {}, YES, NO),
    ("(a^T x)^2", ("x",), {}, YES, NO),
    ("(a^T x)^3", ("x",), {}, NO, NO),
    ("tr(X^T X)", ("X",), {}, YES, NO),
    ("norm(X)^2", ("X",), {}, YES, NO),
    ("tr(X^T A X)", ("X",), {"spd": ["A"]}, YES, NO),
    ("tr(X^T A X)", ("X",), {}, NO, NO),
    ("sum(abs(x))", ("x",), {}, YES, NO),
    # exponentials, logarithms, powers (B&V §3.1.5)
    ("sum(exp(x))", ("x",), {}, YES, NO),
    ("sum(exp(x)) + sum(exp(-x))", ("x",), {}, YES, NO),
    ("exp(a^T x)", ("x",), {}, YES, NO),
    ("exp(x^T x)", ("x",), {}, YES, NO),
    ("sum(log(x))", ("x",), {}, NO, YES),
    ("-sum(log(x))", ("x",), {}, YES, NO),
    ("log(a^T x)", ("x",), {}, NO, YES),
    ("-log(1 - x^T x)", ("x",), {}, YES, NO),
    ("sqrt(1 - x^T x)", ("x",), {}, NO, YES),
    ("sum(sqrt(x))", ("x",), {}, NO, YES),
    ("sum(x .* log(x))", ("x",), {"positive": ["x"]}, YES, NO),
    ("t log(t)", ("t",), {"positive": ["t"], "shape": ["t=scalar"]}, YES, NO),
    ("sqrt(t)", ("t",), {"shape": ["t=scalar"]}, NO, YES),
    ("t^2", ("t",), {"shape": ["t=scalar"]}, YES, NO),
    ("t^3", ("t",), {"shape": ["t=scalar"]}, NO, NO),
    ("t^3", ("t",), {"shape": ["t=scalar"], "positive": ["t"]}, YES, NO),
    ("1 / t", ("t",), {"shape": ["t=scalar"], "positive": ["t"]}, YES, NO),
    ("1 / t", ("t",), {"shape": ["t=scalar"]}, NO, NO),
    ("t^2 - s^2", ("t", "s"), {"shape": ["t=scalar", "s=scalar"]}, NO, NO),
    ("exp(t)", ("t",), {"shape": ["t=scalar"]}, YES, NO),
    ("log(t)", ("t",), {"shape": ["t=scalar"]}, NO, YES),
    ("x^T x / t", ("x", "t"), {"shape": ["t=scalar"], "positive": ["t"]}, YES, NO),
    # CVX atoms and their neighbours
    ("softplus(t)", ("t",), {"shape": ["t=scalar"]}, YES, NO),
    ("relu(t)", ("t",), {"shape": ["t=scalar"]}, YES, NO),
    ("-relu(t)", ("t",), {"shape": ["t=scalar"]}, NO, YES),
    ("abs(t)", ("t",), {"shape": ["t=scalar"]}, YES, NO),
    ("sin(t)", ("t",), {"shape": ["t=scalar"]}, NO, NO),
    ("cos(t)", ("t",), {"shape": ["t=scalar"]}, NO, NO),
    ("tanh(t)", ("t",), {"shape": ["t=scalar"]}, NO, NO),
    ("sigmoid(t)", ("t",), {"shape": ["t=scalar"]}, NO, NO),
    ("tr(inv(X))", ("X",), {"spd": ["X"]}, YES, NO),
    ("tr(inv(X))", ("X",), {"symmetric": ["X"]}, NO, NO),
    ("x^T inv(Y) x", ("x", "Y"), {"spd": ["Y"]}, YES, NO),
    ("det(X)", ("X",), {"spd": ["X"]}, NO, NO),
]
# Rules that the losses above reach only through others: each is certified here on its own.
CORPUS += [
    ("sum(x .* x)", ("x",), {}, YES, NO),
    ("-sum(log(sigmoid(X w)))", ("w",), {}, YES, NO),
    ("-sum(log(1 - sigmoid(X w)))", ("w",), {}, YES, NO),
    ("sum(diag(exp(x)))", ("x",), {}, YES, NO),
    ("t^0.5 + t^0.25", ("t",), {"shape": ["t=scalar"]}, NO, YES),
]
# The atoms and ranges of cosh, expm1, log1p, erf and normcdf (their records' curvature, limits, bounds).
CORPUS += [
    ("sum(cosh(A x - b))", ("x",), {}, YES, NO),
    ("cosh(norm(x))", ("x",), {}, YES, NO),
    ("sum(expm1(X w))", ("w",), {}, YES, NO),
    ("sum(log1p(x))", ("x",), {"positive": ["x"]}, NO, YES),
    ("cosh(t) x^T x", ("x",), {"shape": ["t=scalar"]}, YES, NO),
    ("normcdf(t) norm(x)", ("x",), {"shape": ["t=scalar"]}, YES, NO),
    ("(1 + erf(t)) x^T x", ("x",), {"shape": ["t=scalar"]}, YES, NO),
    ("sum(sinh(x))", ("x",), {}, NO, NO),
    ("sum(arctan(x))", ("x",), {}, NO, NO),
]

# Matrices the Hessian prover must show PSD (each rule of curvature.py's PSD half).
PSD_CASES: list[tuple[str, dict[str, Any]]] = [
    ("X^T diag(exp(v)) X", {}),
    ("kron(A^T A, B B^T)", {}),
    ("(A^T A) .* (B^T B)", {}),
    ("diag(softmax(u)) - softmax(u) softmax(u)^T", {}),
    ("inv(S) + 2 eye(n)", {"spd": ["S"]}),
    ("sigmoid(c) A^T A + (x^T x) eye(n)", {"shape": ["c=scalar"]}),
    ("kron(inv(S), inv(S))", {"spd": ["S"]}),
]
