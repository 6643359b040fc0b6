"""numeric.py on its own: sizes, the domains and structures points are drawn from, the
evaluator, central differences and the layouts they are arranged in."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import numeric
from matcalc_cli.build import infer
from matcalc_cli.structure import Structure
from matcalc_cli.syntax import parse


def test_dim_sizes_gives_distinct_names_distinct_sizes():
    sizes = numeric.dim_sizes({"A": ("n", "m"), "x": ("m", 1), "y": ("k", 1)})
    assert set(sizes) == {"n", "m", "k"}
    assert len(set(sizes.values())) == 3
    assert numeric.size_of("m·n", sizes) == sizes["m"] * sizes["n"]
    assert numeric.size_of(4, sizes) == 4


@pytest.mark.parametrize("seed", range(5))
def test_structures_are_drawn_inside_them(seed):
    rng = np.random.default_rng(seed)
    sizes = {"n": 5}
    spd = numeric.draw_in("positive", ("n", "n"), Structure.SPD, rng, sizes)
    assert np.allclose(spd, spd.T) and np.linalg.eigvalsh(spd).min() > 0
    q = numeric.draw_in("signed", ("n", "n"), Structure.ORTHOGONAL, rng, sizes)
    assert np.allclose(q.T @ q, np.eye(5))
    low = numeric.draw_in("signed", ("n", "n"), Structure.LOWER, rng, sizes)
    assert np.allclose(low, np.tril(low)) and not np.allclose(low, np.diag(np.diag(low)))
    d = numeric.draw_in("signed", ("n", "n"), Structure.DIAGONAL, rng, sizes)
    assert np.allclose(d, np.diag(np.diag(d)))


@pytest.mark.parametrize("seed", range(5))
def test_domains_keep_their_signs(seed):
    rng = np.random.default_rng(seed)
    pos = numeric.draw_in("positive", (6, 1), None, rng, {})
    assert (pos > 0).all()
    signed = numeric.draw_in("signed", (40, 1), None, rng, {})
    assert (signed > 0).any() and (signed < 0).any()
    one = numeric.draw_in("one-signed", (8, 1), None, rng, {})
    assert (one > 0).all() or (one < 0).all()


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
