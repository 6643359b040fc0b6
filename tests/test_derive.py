"""Derivatives a textbook prints: the course's identity table, Matrix Cookbook forms,
machine-learning gradients, Hessians, Kronecker cells and derivatives by a scalar.

Every case is checked twice over:
  * its value, against finite differences (helpers.check_numeric) in both layouts, and
    against the textbook closed form written out in numpy, evaluated from matcalc's
    `--format numpy` line the way ../shared/eval/harness.py does;
  * its printed `plain` form, against the textbook's spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from helpers import check_numeric, check_numpy_code, eval_numpy, points

from matcalc_cli.derive import Convention
from matcalc_cli.render import numpy as numpy_render
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate

LAYOUTS = ("numerator", "denominator")
inv = np.linalg.inv
det = np.linalg.det


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def commutation(m: int, n: int) -> np.ndarray:
    """K with K vec(A) = vec(A^T) for an m-by-n A (vec stacks columns)."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[j + i * n, i + j * m] = 1.0
    return k


class Case(NamedTuple):
    id: str
    source: str
    wrt: tuple[str, ...]
    closed: Callable[..., np.ndarray]  # the textbook value, numerator layout, from the variables
    plain: str | tuple[str, ...]  # the textbook spelling (numerator layout); a tuple lists equivalents
    plain_den: str | tuple[str, ...] | None = None  # denominator layout, when it differs
    shapes: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()
    xfail_plain: str = ""  # a reason: the printed form is not (yet) the textbook's
    xfail_value: str = ""


def _transposed_in_denominator(kind: str) -> bool:
    return kind in ("scalar-by-vector", "jacobian", "vector-by-scalar", "mixed second derivative")


def check_closed_form(case: Case, layout: str, tol: float = 1e-6) -> None:
    """matcalc's numpy line, evaluated with np and the variables only, equals the textbook value."""
    report = differentiate(case.source, list(case.wrt), list(case.shapes), list(case.symmetric), layout)
    code = numpy_render.render(report.derivative.expr, report.variables)
    for _sizes, values in points(report, case.symmetric, (0, 1)):
        want = np.asarray(case.closed(**values), dtype=float)
        if want.ndim < 2:
            want = want.reshape(1, 1)
        if layout == "denominator" and _transposed_in_denominator(report.derivative.kind):
            want = want.T
        got = np.asarray(eval_numpy(code, values), dtype=float)
        if got.ndim == 0:
            got = got.reshape(1, 1)
        assert got.shape == want.shape, f"{code}: shape {got.shape}, textbook {want.shape}"
        err = float(np.max(np.abs(got - want))) / max(1.0, float(np.max(np.abs(want))))
        assert err < tol, f"{code}: differs from the textbook value by {err:.2e}"


def _params(cases: list[Case], what: str):
    for c in cases:
        reason = c.xfail_plain if what == "plain" else c.xfail_value
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(c, id=c.id, marks=marks)


def _printed(case: Case, layout: str) -> str:
    r = differentiate(case.source, list(case.wrt), list(case.shapes), list(case.symmetric), layout)
    return plain.render(r.derivative.expr)


def _expect(case: Case, layout: str) -> tuple[str, ...]:
    want = case.plain if layout == "numerator" or case.plain_den is None else case.plain_den
    return (want,) if isinstance(want, str) else want


# ---------------------------------------------------------------- the course's identity table
TABLE = [
    Case("xTa", "x^T a", ("x",), lambda x, a: a.T, "a^T", "a"),
    Case("aTx", "a^T x", ("x",), lambda x, a: a.T, "a^T", "a"),
    Case("Xa", "X a", ("a",), lambda X, a: X, "X", "X^T"),
    Case("aTX", "a^T X", ("a",), lambda X, a: X.T, "X^T", "X"),
    Case("aTXb", "a^T X b", ("X",), lambda a, X, b: a @ b.T, "a b^T"),
    Case("xTAx", "x^T A x", ("x",), lambda x, A: x.T @ (A + A.T), "x^T (A + A^T)", "(A + A^T) x"),
    Case("weighted-least-squares", "(x - A s)^T W (x - A s)", ("s",),
         lambda x, A, s, W: -2 * (x - A @ s).T @ W @ A, "-2 (x - A s)^T W A", "-2 A^T W (x - A s)",
         symmetric=("W",)),
    Case("aTXinvb", "a^T X^-1 b", ("X",), lambda a, X, b: -inv(X).T @ a @ b.T @ inv(X).T,
         "-X^-T a b^T X^-T"),
    Case("resolvent", "(A + t B)^-1", ("t",),
         lambda A, t, B: -inv(A + t * B) @ B @ inv(A + t * B), "-(A + t B)^-1 B (A + t B)^-1"),
    Case("affine-by-t", "(A + t B) x", ("t",), lambda A, t, B, x: B @ x, "B x", ("x^T B^T", "(B x)^T")),
]

COOKBOOK = [
    Case("det", "det(X)", ("X",), lambda X: det(X) * inv(X).T, "det(X) X^-T"),
    Case("logdet", "log(det(X))", ("X",), lambda X: inv(X).T, ("X^-T",)),
    Case("trAXB", "tr(A X B)", ("X",), lambda A, X, B: A.T @ B.T, "A^T B^T"),
    Case("bTXTXc", "b^T X^T X c", ("X",), lambda b, X, c: X @ (b @ c.T + c @ b.T),
         ("X (b c^T + c b^T)", "X (c b^T + b c^T)")),
    Case("trXTAX", "tr(X^T A X)", ("X",), lambda X, A: (A + A.T) @ X, "(A + A^T) X"),
    Case("trAXinvB", "tr(A X^-1 B)", ("X",), lambda A, X, B: -inv(X).T @ A.T @ B.T @ inv(X).T,
         "-X^-T A^T B^T X^-T"),
    Case("frobenius", "norm(X)^2", ("X",), lambda X: 2 * X, "2 X"),
    Case("trX2", "tr(X^2)", ("X",), lambda X: 2 * X.T, "2 X^T"),
    Case("logdetXTX", "logdet(X^T X)", ("X",), lambda X: 2 * X @ inv(X.T @ X), "2 X (X^T X)^-1",
         shapes=("X=5,2",)),
    Case("detAX", "det(A X)", ("X",), lambda A, X: det(A @ X) * A.T @ inv(A @ X).T, "det(A X) A^T (A X)^-T",
         shapes=("A=2,5", "X=5,2")),
    Case("trX3", "tr(X^3)", ("X",), lambda X: 3 * (X @ X).T,
         ("3 (X^2)^T", "3 (X^T)^2", "3 X^T X^T")),
    Case("detXT", "det(X^T)", ("X",), lambda X: det(X) * inv(X).T, "det(X) X^-T"),
]

ML = [
    Case("logistic-regression", "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))",
         ("theta",), lambda y, X, theta: (sig(X @ theta) - y).T @ X,
         "(sigmoid(X theta) - y)^T X", "X^T (sigmoid(X theta) - y)"),
    Case("least-squares", "norm(X w - y)^2", ("w",), lambda X, w, y: 2 * (X @ w - y).T @ X,
         "2 (X w - y)^T X", "2 X^T (X w - y)"),
    Case("softmax-cross-entropy", "log(sum(exp(W x))) - y^T W x", ("W",),
         lambda W, x, y: (softmax(W @ x) - y) @ x.T, "(softmax(W x) - y) x^T"),
    Case("softplus-loss", "sum(log(1 + exp(X w)))", ("w",), lambda X, w: sig(X @ w).T @ X,
         "sigmoid(X w)^T X", "X^T sigmoid(X w)"),
    Case("mlp", "norm(W2 tanh(W1 x) - y)^2", ("W1",),
         lambda W2, W1, x, y: 2 * ((W2.T @ (W2 @ np.tanh(W1 @ x) - y)) * (1 - np.tanh(W1 @ x) ** 2)) @ x.T,
         "2 ((W2^T (W2 tanh(W1 x) - y)) .* (1 - tanh(W1 x).^2)) x^T"),
    Case("ridge", "norm(X w - y)^2 + lambda w^T w", ("w",),
         lambda **v: 2 * (v["X"] @ v["w"] - v["y"]).T @ v["X"] + 2 * v["lambda"] * v["w"].T,
         ("2 ((X w - y)^T X + lambda w^T)", "2 (X w - y)^T X + 2 lambda w^T"),
         ("2 (X^T (X w - y) + lambda w)", "2 X^T (X w - y) + 2 lambda w")),
    Case("gaussian-mean", "(x - mu)^T Sigma^-1 (x - mu)", ("mu",),
         lambda x, mu, Sigma: -2 * (x - mu).T @ inv(Sigma), "-2 (x - mu)^T Sigma^-1",
         "-2 Sigma^-1 (x - mu)", symmetric=("Sigma",)),
    Case("gaussian-covariance", "logdet(Sigma) + (x - mu)^T Sigma^-1 (x - mu)", ("Sigma",),
         lambda Sigma, x, mu: inv(Sigma) - inv(Sigma) @ (x - mu) @ (x - mu).T @ inv(Sigma),
         "Sigma^-1 - Sigma^-1 (x - mu) (x - mu)^T Sigma^-1", symmetric=("Sigma",)),
]

HESSIANS = [
    Case("quadratic", "x^T A x", ("x", "x"), lambda x, A: A + A.T, "A + A^T"),
    Case("symmetric-quadratic", "x^T W x", ("x", "x"), lambda x, W: 2 * W, "2 W", symmetric=("W",)),
    Case("least-squares", "norm(A x - b)^2", ("x", "x"), lambda A, x, b: 2 * A.T @ A, "2 A^T A"),
    Case("sum-exp", "sum(exp(x))", ("x", "x"), lambda x: np.diagflat(np.exp(x)), "diag(exp(x))"),
    Case("logsumexp", "logsumexp(x)", ("x", "x"),
         lambda x: np.diagflat(softmax(x)) - softmax(x) @ softmax(x).T,
         "diag(softmax(x)) - softmax(x) softmax(x)^T"),
    Case("logistic", "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))", ("theta", "theta"),
         lambda y, X, theta: X.T @ np.diagflat(sig(X @ theta) * (1 - sig(X @ theta))) @ X,
         "X^T diag(sigmoid(X theta) .* (1 - sigmoid(X theta))) X"),
    Case("mixed-bilinear", "x^T A y", ("x", "y"), lambda x, A, y: A, "A", "A^T"),
]

# d vec(F) = J d vec(X) (Magnus and Neudecker): the textbook form is in numerator layout.
KRONECKER = [
    Case("inverse", "X^-1", ("X",), lambda X: -np.kron(inv(X).T, inv(X)), "-kron(X^-T, X^-1)"),
    Case("AXB", "A X B", ("X",), lambda A, X, B: np.kron(B.T, A), "kron(B^T, A)"),
    Case("transpose", "X^T", ("X",), lambda X: commutation(*X.shape), "commutation(n, m)"),
    Case("Xa", "X a", ("X",), lambda X, a: np.kron(a.T, np.eye(X.shape[0])), "kron(a^T, eye(n))"),
]

BY_SCALAR = [
    Case("logdet-path", "log(det(A + t B))", ("t",), lambda A, t, B: np.trace(inv(A + t * B) @ B),
         "tr((A + t B)^-1 B)"),
    Case("det-path", "det(A + t B)", ("t",), lambda A, t, B: det(A + t * B) * np.trace(inv(A + t * B) @ B),
         "det(A + t B) tr((A + t B)^-1 B)"),
    Case("exp-tA", "exp(t A)", ("t",), lambda t, A: A * np.exp(t * A), ("A .* exp(t A)", "exp(t A) .* A")),
    Case("quadratic-resolvent", "x^T (A + t B)^-1 x", ("t",),
         lambda x, A, t, B: -x.T @ inv(A + t * B) @ B @ inv(A + t * B) @ x,
         "-x^T (A + t B)^-1 B (A + t B)^-1 x"),
    Case("scalar-power", "t^3", ("t",), lambda t: 3 * t ** 2, "3 t^2", shapes=("t=scalar",)),
    Case("log-scaled-vector", "log(t a)", ("t",), lambda t, a: np.ones_like(a) / t, ("ones(n) / t",),
         ("ones(1, n) / t",), shapes=("t=scalar",)),
]

ALL = TABLE + COOKBOOK + ML + HESSIANS + KRONECKER + BY_SCALAR


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", list(_params(ALL, "value")))
def test_value_against_finite_differences(case, layout):
    tol = 1e-4 if len(case.wrt) == 2 else 1e-5
    check_numeric(case.source, case.wrt, case.shapes, case.symmetric, layout, tol=tol)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", list(_params(TABLE + COOKBOOK + ML + HESSIANS + BY_SCALAR, "value")))
def test_numpy_output_against_the_textbook_closed_form(case, layout):
    check_closed_form(case, layout)


@pytest.mark.parametrize("case", list(_params(KRONECKER, "value")))
def test_kronecker_cell_against_the_textbook_closed_form(case):
    check_closed_form(case, "numerator")


@pytest.mark.parametrize("case", list(_params(TABLE + ML + HESSIANS + BY_SCALAR, "value")))
def test_numpy_output_against_finite_differences(case):
    tol = 1e-4 if len(case.wrt) == 2 else 1e-5
    check_numpy_code(case.source, case.wrt, case.shapes, case.symmetric, tol=tol)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", list(_params(TABLE + COOKBOOK + ML + HESSIANS + BY_SCALAR, "plain")))
def test_printed_form(case, layout):
    assert _printed(case, layout) in _expect(case, layout)


@pytest.mark.parametrize("case", list(_params(KRONECKER, "plain")))
def test_printed_kronecker_form(case):
    assert _printed(case, "numerator") in _expect(case, "numerator")


# ---------------------------------------------------------------- shape and kind reported
@pytest.mark.parametrize("source, wrt, shapes, kind, num, den", [
    ("t^2", "t", ("t=scalar",), "scalar-by-scalar", (1, 1), (1, 1)),
    ("x^T x", "x", ("x=n",), "scalar-by-vector", (1, "n"), ("n", 1)),
    ("a^T X b", "X", ("X=n,m",), "scalar-by-matrix", ("n", "m"), ("n", "m")),
    ("t x", "t", ("t=scalar", "x=m"), "vector-by-scalar", ("m", 1), (1, "m")),
    ("A x", "x", ("A=m,n",), "jacobian", ("m", "n"), ("n", "m")),
    ("t A", "t", ("t=scalar", "A=m,n"), "matrix-by-scalar", ("m", "n"), ("m", "n")),
    ("a^T X", "a", ("X=n,m",), "jacobian", ("m", "n"), ("n", "m")),  # a row counts as a vector
    ("x^T A x", ["x", "x"], ("x=n",), "hessian", ("n", "n"), ("n", "n")),
    ("x^T A y", ["x", "y"], ("x=n", "y=m"), "mixed second derivative", ("n", "m"), ("m", "n")),
])
def test_shape_and_kind_reported(source, wrt, shapes, kind, num, den):
    wrt = [wrt] if isinstance(wrt, str) else wrt
    for layout, shape in (("numerator", num), ("denominator", den)):
        r = differentiate(source, wrt, list(shapes), None, layout)
        assert r.derivative.kind == kind
        assert r.derivative.shape == shape
        assert r.derivative.layout == layout
        assert r.to_json()["shape"] == [str(d) for d in shape]


def test_symmetric_gradient_is_the_symmetric_part():
    r = check_numeric("a^T W b", "W", symmetric=("W",))
    assert plain.render(r.derivative.expr) in ("(a b^T + b a^T) / 2", "(b a^T + a b^T) / 2")
    assert Convention.SYMMETRIC in r.derivative.conventions
    r = check_numeric("tr(A W)", "W", symmetric=("W",))
    assert plain.render(r.derivative.expr) == "(A + A^T) / 2"


def test_symmetric_gradient_that_is_already_symmetric_is_unchanged():
    r = check_numeric("logdet(W)", "W", symmetric=("W",))
    assert plain.render(r.derivative.expr) == "W^-1"


def test_symmetric_matrix_in_a_quadratic_form():
    r = check_numeric("x^T W x", "x", symmetric=("W",))
    assert plain.render(r.derivative.expr) == "2 x^T W"


# ---------------------------------------------------------------- a --wrt that does not occur
@pytest.mark.parametrize("source, wrt, shapes, num, den", [
    ("x^T a", "z", ("z=m",), "zeros(1, m)", "zeros(m)"),
    ("x^T a", "Z", ("Z=m,k",), "zeros(m, k)", "zeros(m, k)"),
    ("A x", "z", ("A=n,m", "z=k"), "zeros(n, k)", "zeros(k, n)"),
    ("x^T a", "t", ("t=scalar",), "0", "0"),
    ("A x", "t", ("A=n,m", "t=scalar"), "zeros(n)", "zeros(1, n)"),
])
def test_wrt_absent_gives_a_zero_of_the_right_shape(source, wrt, shapes, num, den):
    for layout, want in (("numerator", num), ("denominator", den)):
        r = check_numeric(source, wrt, shapes, layout=layout)
        assert plain.render(r.derivative.expr) == want
        code = numpy_render.render(r.derivative.expr, r.variables)
        for _sizes, values in points(r, (), (0,)):
            value = eval_numpy(code, values)
            assert not np.any(value)


@pytest.mark.parametrize("source, wrt, shape", [
    ("x^T a - a^T x", "x", (1, "n")),
    ("x - x", "x", ("n", "n")),
    ("A x - A x", "x", ("n", "m")),
    ("tr(X) - tr(X^T)", "X", ("n", "n")),
])
def test_cancelling_terms_keep_the_shape(source, wrt, shape):
    r = differentiate(source, [wrt])
    assert r.derivative.shape == shape
    check_numeric(source, wrt)


def test_derivative_of_a_constant():
    r = check_numeric("2 + 3", "x", ("x=n",))
    assert plain.render(r.derivative.expr) == "zeros(1, n)"
