"""numeric.py on its own: the evaluator, central differences and the layouts they are
arranged in."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import numeric
from matcalc_cli.build import infer
from matcalc_cli.syntax import parse


def test_evaluate_follows_each_record():
    e = infer(parse("x^T A x + sum(exp(x))"), {"A": ("n", "n")}, frozenset()).expr
    rng = np.random.default_rng(0)
    sizes = {"n": 4}
    x, a = rng.standard_normal((sizes["n"], 1)), rng.standard_normal((sizes["n"], sizes["n"]))
    got = numeric.evaluate(e, {"x": x, "A": a}, sizes)
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx((x.T @ a @ x).item() + np.exp(x).sum())


def test_central_differences_of_a_known_map():
    a = np.arange(1.0, 7.0).reshape(2, 3)
    x0 = np.array([[0.3], [-1.2], [2.0]])
    jac = numeric.fd_jacobian(lambda x: a @ x**2, x0)
    assert np.allclose(jac, a * (2 * x0.T), rtol=1e-7, atol=1e-8)
    cols = numeric.fd_columns(lambda x: a @ x**2, x0, [2, 0])
    assert np.allclose(cols, jac[:, [2, 0]])


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("f_shape,x_shape", [((1, 1), (3, 1)), ((1, 1), (2, 3)), ((4, 1), (3, 1)), ((4, 1), (1, 1)),
                                             ((2, 2), (1, 1))])
def test_unarrange_undoes_arrange(layout, f_shape, x_shape):
    rng = np.random.default_rng(1)
    jac = rng.standard_normal((f_shape[0] * f_shape[1], x_shape[0] * x_shape[1]))
    fk, xk = numeric.kind(f_shape), numeric.kind(x_shape, variable=True)
    laid = numeric.arrange(jac, f_shape, x_shape, layout, fk, xk)
    assert np.array_equal(numeric.unarrange(laid, f_shape, x_shape, layout, fk, xk), jac)


def test_a_gradient_by_a_matrix_has_the_matrix_shape():
    jac = np.arange(6.0).reshape(1, 6)
    assert numeric.arrange(jac, (1, 1), (2, 3), "numerator").shape == (2, 3)
    assert numeric.kind((1, 5)) == "vector" and numeric.kind((1, 5), variable=True) == "matrix"
