"""ops/linear.py's evaluators of inverses and log-determinants: one LU factorisation gives
the value and the condition estimate that rejects a point too near singular."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli.numeric import evaluate

X = E.var("X", ("n", "n"))


def values(x: np.ndarray) -> tuple[np.ndarray, float]:
    inverse = evaluate(E.inv(X), {"X": x}, {"n": len(x)})
    logdet = evaluate(E.call("logdet", (X,), E.SCALAR), {"X": x}, {"n": len(x)})
    return np.asarray(inverse), float(np.squeeze(logdet))


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_a_well_conditioned_matrix_gives_numpys_inverse_and_log_determinant(n):
    x = np.random.default_rng(n).standard_normal((n, n)) + n * np.eye(n)
    inverse, logdet = values(x)
    assert np.allclose(inverse, np.linalg.inv(x), rtol=1e-10, atol=1e-12)
    assert logdet == pytest.approx(np.linalg.slogdet(x)[1], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("x", [
    np.zeros((3, 3)),
    np.ones((4, 4)),  # rank one
    np.diag([1.0, 1.0, 1e-13]),  # condition 1e13, past the 1e10 the evaluators accept
    np.array([[1.0, 2.0], [np.inf, 1.0]]),
], ids=["zero", "rank one", "ill-conditioned", "infinite"])
def test_a_singular_or_ill_conditioned_matrix_gives_nan(x):
    inverse, logdet = values(x)
    assert np.isnan(inverse).all() and np.isnan(logdet)


def test_a_condition_below_the_threshold_is_accepted():
    inverse, logdet = values(np.diag([1.0, 1e-8]))
    assert np.allclose(inverse, np.diag([1.0, 1e8])) and logdet == pytest.approx(np.log(1e-8))


def _nodes(e: E.Expr) -> int:
    return len(E.walk(e))


@pytest.mark.parametrize("k", [9, 40, 400])
def test_a_long_hadamard_products_repeated_factors_are_differentiated_as_powers(k):
    """x .* ... .* x .* y .* sin(x) (k factors x): the differential k x.^(k-1) .* dx .* ...,
    of a size that does not grow with k (the product rule's k terms of k factors would), and
    right against central differences."""
    from matcalc_cli.derive.differential import differential
    from matcalc_cli.numeric import fd_jacobian

    x, y = E.var("x", ("n", 1)), E.var("y", ("n", 1))
    f = E.had(*[x] * k, y, E.call("sin", (x,), x.shape))
    d = differential(f, x)
    assert d is not None and _nodes(d) < 40
    rng = np.random.default_rng(k)
    at = {"x": rng.uniform(0.9, 1.1, (3, 1)), "y": rng.uniform(-1, 1, (3, 1))}
    dx = np.eye(3)
    got = np.hstack([evaluate(d, {**at, "dx": dx[:, [i]]}, {"n": 3}) for i in range(3)])
    want = fd_jacobian(lambda v: evaluate(f, {**at, "x": v}, {"n": 3}), at["x"])
    assert np.allclose(got, want, rtol=1e-6, atol=1e-8 * np.max(np.abs(want)))
