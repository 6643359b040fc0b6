"""tangent.py on its own: each structure's basis is orthonormal and inside the structure, the
projection is the orthogonal projection onto its span, steps stay in the structure, and the
Jacobian within it is the unconstrained one times the projector."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import drawing, tangent
from matcalc_cli.structure import Structure

MATRIX = [s for s in Structure if s.square]
N = 4


def _point(s: Structure, seed: int) -> np.ndarray:
    return np.asarray(drawing.draw_in("signed", ("n", "n"), s, np.random.default_rng(seed), {"n": N}))


def _inside(s: Structure, x0: np.ndarray, a: np.ndarray) -> bool:
    """a is a direction inside the structure at x0 (its tangent space)."""
    if s is Structure.DIAGONAL:
        return np.allclose(a, np.diag(np.diag(a)))
    if s is Structure.LOWER:
        return np.allclose(a, np.tril(a))
    if s is Structure.UPPER:
        return np.allclose(a, np.triu(a))
    if s is Structure.ORTHOGONAL:  # x0^T a is skew
        m = x0.T @ a
        return np.allclose(m, -m.T)
    return np.allclose(a, a.T)


@pytest.mark.parametrize("s", MATRIX, ids=lambda s: s.value)
def test_the_basis_is_orthonormal_inside_and_of_the_right_dimension(s):
    x0 = _point(s, 0)
    b = tangent.basis(s, x0)
    gram = np.array([[float(np.sum(u * v)) for v in b] for u in b])
    assert np.allclose(gram, np.eye(len(b)))
    assert all(_inside(s, x0, u) for u in b)
    want = {Structure.DIAGONAL: N, Structure.LOWER: N * (N + 1) // 2, Structure.UPPER: N * (N + 1) // 2,
            Structure.ORTHOGONAL: N * (N - 1) // 2}.get(s, N * (N + 1) // 2)
    assert len(b) == want


@pytest.mark.parametrize("s", MATRIX, ids=lambda s: s.value)
def test_project_is_the_orthogonal_projection_the_projector_applies(s):
    x0 = _point(s, 1)
    a = np.random.default_rng(2).standard_normal((N, N))
    p = tangent.project(s, x0, a)
    assert _inside(s, x0, p)
    assert np.allclose(tangent.project(s, x0, p), p)  # idempotent
    assert abs(float(np.sum((a - p) * p))) < 1e-12  # the residual is orthogonal to the space
    flat = tangent.projector(s, x0) @ a.reshape(-1, order="F")
    assert np.allclose(flat.reshape((N, N), order="F"), p)


@pytest.mark.parametrize("s", MATRIX, ids=lambda s: s.value)
def test_a_step_stays_in_the_structure(s):
    x0 = _point(s, 3)
    for b in tangent.basis(s, x0):
        x = tangent.step(s, x0, b, 0.3)
        if s is Structure.ORTHOGONAL:
            assert np.allclose(x.T @ x, np.eye(N))
        else:
            assert _inside(s, x0, x)  # a linear space: the point itself has the structure


@pytest.mark.parametrize("s", MATRIX, ids=lambda s: s.value)
def test_the_jacobian_within_is_the_jacobian_times_the_projector(s):
    x0 = _point(s, 4)
    rng = np.random.default_rng(5)
    a, c = rng.standard_normal((2, N)), rng.standard_normal((N, 3))

    def f(x: np.ndarray) -> np.ndarray:  # linear: central differences are exact up to rounding
        return a @ x @ c

    full = np.kron(c.T, a)  # vec(A X C) = (C^T kron A) vec(X)
    got = tangent.jacobian(f, x0, s, 1e-3)
    if s is Structure.ORTHOGONAL:  # steps follow the group, so f is no longer linear along them
        assert np.allclose(got, full @ tangent.projector(s, x0), atol=1e-6)
    else:
        assert np.allclose(got, full @ tangent.projector(s, x0), atol=1e-10)
