"""derive/hvp.py on its own: a product ending in a column, beginning with a row, or passing
through either, is applied through its factors' structure (a sum term by term, a diagonal
as a broadcast), with its value kept."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.build import infer
from matcalc_cli.derive.hvp import matrix_vector
from matcalc_cli.numeric import evaluate
from matcalc_cli.syntax import parse

SHAPES = {"s": ("n", 1), "V": ("n", "k"), "x": ("k", 1), "y": ("m", 1), "A": ("n", "n")}
SIZES = {"n": 4, "k": 3, "m": 2}


def _typed(src: str) -> E.Expr:
    return infer(parse(src), SHAPES, frozenset()).expr


def _matrices(e: E.Expr) -> list[E.Expr]:
    """The n-by-n sums e forms (of a diagonal and an outer product, say), which an applied
    form distributes over the vector (a diagonal times a vector the printers broadcast)."""
    return [node for node in E.walk(e) if node.op == K.ADD and node.shape == ("n", "n")]


@pytest.mark.parametrize("src", [
    "(diag(s) - s s^T) V x",          # ends in a column
    "x^T V^T (diag(s) - s s^T)",      # begins with a row
    "(diag(s) - s s^T) V x y^T",      # passes through a column: the HVP of logsumexp(W x) by W
    "y x^T V^T (diag(s) - s s^T)",    # passes through a row
    "2 (A + A^T) V x y^T",
    "(A + A^T) s x^T V^T (diag(s) - s s^T)",  # both
])
def test_a_chain_through_a_vector_is_applied_and_keeps_its_value(src: str) -> None:
    e = _typed(src)
    applied = matrix_vector(e)
    assert _matrices(e) and not _matrices(applied), applied
    rng = np.random.default_rng(5)
    for _ in range(3):
        values = {name: rng.standard_normal(tuple(SIZES[d] if isinstance(d, str) else d for d in shape))
                  for name, shape in SHAPES.items()}
        assert np.allclose(evaluate(applied, values, SIZES), evaluate(e, values, SIZES))


def test_a_matrix_product_without_a_vector_stays() -> None:
    e = _typed("(diag(s) - s s^T) V V^T")
    assert matrix_vector(e) == e
