"""Central differences within a structure (--symmetric, --diagonal, --lower, --upper, --spd,
--orthogonal), along directions inside it, for numeric.py (drawing.py draws the points: STRUCTURES).

A derivative by a structured matrix is the gradient within the structure: the Frobenius
projection of the unconstrained one onto the tangent space at the point. Differencing along
an orthonormal basis B_1..B_k of that space and summing D_i vec(B_i)^T gives exactly that
projection (J P with P = sum vec(B_i) vec(B_i)^T), whatever the structure; for the orthogonal
matrices the steps follow the group, Q expm(t S) with S skew, so that every point is orthogonal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from matcalc_cli.structure import Structure


def basis(s: Structure, x0: np.ndarray) -> list[np.ndarray]:
    """An orthonormal basis (Frobenius) of the tangent space of the structure at x0."""
    n = x0.shape[0]

    def unit(i: int, j: int) -> np.ndarray:
        e = np.zeros((n, n))
        e[i, j] = 1.0
        return e

    if s is Structure.DIAGONAL:
        return [unit(i, i) for i in range(n)]
    if s is Structure.LOWER:
        return [unit(i, j) for j in range(n) for i in range(j, n)]
    if s is Structure.UPPER:
        return [unit(i, j) for j in range(n) for i in range(j + 1)]
    root = 1 / np.sqrt(2)
    if s is Structure.ORTHOGONAL:  # Q S for S the skew matrices (e_i e_j^T - e_j e_i^T) / sqrt 2
        return [x0 @ ((unit(i, j) - unit(j, i)) * root) for j in range(n) for i in range(j)]
    return [unit(i, j) if i == j else (unit(i, j) + unit(j, i)) * root for j in range(n) for i in range(j + 1)]


def project(s: Structure, x0: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The Frobenius projection of a onto the tangent space of the structure at x0: a random
    direction made one inside the structure (a differential dX of check --derivation)."""
    if s is Structure.DIAGONAL:
        return np.diag(np.diag(a))
    if s is Structure.LOWER:
        return np.tril(a)
    if s is Structure.UPPER:
        return np.triu(a)
    if s is Structure.ORTHOGONAL:  # Q skew(Q^T a)
        m = x0.T @ a
        return x0 @ (m - m.T) / 2
    return (a + a.T) / 2


def projector(s: Structure, x0: np.ndarray) -> np.ndarray:
    """P with P vec(a) = vec(project(s, x0, a)): what a Jacobian by the variable is taken through."""
    vecs = [b.reshape(-1, order="F") for b in basis(s, x0)]
    return sum((np.outer(v, v) for v in vecs), np.zeros((x0.size, x0.size)))


def step(s: Structure | None, x0: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """The point t along direction b from x0, inside the structure (None: any matrix): x0 + t b,
    or for the orthogonal matrices x0 expm(t x0^T b) (x0^T b is skew)."""
    if s is not Structure.ORTHOGONAL:
        return x0 + t * b
    from scipy.linalg import expm

    return x0 @ expm(t * (x0.T @ b))


def jacobian(func: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, s: Structure, h: float) -> np.ndarray:
    """d vec(func) / d vec(x)^T within the structure, J P, by central differences along its
    tangent basis."""
    out: Any = 0
    for b in basis(s, x0):
        d = (func(step(s, x0, b, h)) - func(step(s, x0, b, -h))) / (2 * h)
        out = out + np.outer(d.reshape(-1, order="F"), b.reshape(-1, order="F"))
    return np.asarray(out)
