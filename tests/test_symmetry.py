"""ops/symmetry.py: symmetric by declaration or construction, as written; never a claim a
value could contradict (each tree called symmetric is checked at random points)."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import drawing, numeric
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.ops.symmetry import is_symmetric, transposed
from matcalc_cli.render import plain
from matcalc_cli.syntax import parse

DECLARED = {"X": ("n", "m"), "A": ("n", "n"), "B": ("n", "n")}


def typed(source: str, symmetric: frozenset[str] = frozenset({"W"})):
    return infer(parse(source), dict(DECLARED), symmetric).expr


@pytest.mark.parametrize("source", [
    "W", "eye(n)", "diag(x)", "X^T X", "X X^T", "x x^T", "X^T W X", "A + A^T", "2 A + 2 A^T", "A B + B^T A^T",
    "W^-1", "W^3", "inv(A^T A)", "exp(W)", "W .* W", "pinv(W) + adj(A + A^T)", "expm(A + A^T)", "kron(W, W)",
    "t W + eye(n)", "X^T (A + A^T) X", "ones(n, n)", "sqrtm(W) + sqrtm(W)^T", "A^-1 + A^-T",
    "A + A + (A + A)^T", "inv(A) + inv(A)^T",
])
def test_symmetric_as_written(source):
    e = typed(source)
    assert is_symmetric(e)
    # and it is, at random points
    variables = {n: v.shape for n, v in E.free_vars(e).items()}
    for seed in range(3):
        sizes = drawing.dim_sizes({**variables, "": e.shape}, base=seed)
        values = drawing.sample(variables, frozenset({"W"}), np.random.default_rng(seed), sizes)
        value = numeric.evaluate(e, values, sizes)
        assert np.allclose(value, value.T), plain.render(e)


@pytest.mark.parametrize("source", [
    "A", "A B", "X^T A X", "A + B", "A + A^T B", "x y^T", "W A", "A W A", "exp(A)", "A .* W", "chol(W)",
])
def test_not_symmetric_as_written(source):
    assert not is_symmetric(typed(source))


def test_a_declared_variable_is_symmetric_only_when_declared():
    assert not is_symmetric(typed("W", frozenset()))


def test_transposed_pushes_through_products_and_sums():
    assert transposed(typed("A B")) is typed("B^T A^T")
    assert transposed(typed("A + B")) is typed("A^T + B^T")
    assert transposed(typed("kron(A, B^-1)")) is typed("kron(A^T, B^-T)")
    k = E.commutation("n", "m")
    assert transposed(k) is E.commutation("m", "n") and transposed(transposed(k)) is k
