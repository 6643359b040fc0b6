"""derive/present.py on its own: the symbolic projector and projection within a structure agree
with tangent.py's numeric ones (built independently, from an orthonormal basis), and a
derivative's kind and layout follow the course's table."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import drawing, tangent
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.derive.present import derivative, project, projector
from matcalc_cli.numeric import evaluate
from matcalc_cli.structure import Structure
from matcalc_cli.syntax import parse

N = 4
SIZES = {"n": N}
MATRIX = [s for s in Structure if s.square]


def _point(s: Structure, seed: int) -> np.ndarray:
    return np.asarray(drawing.draw_in("signed", ("n", "n"), s, np.random.default_rng(seed), SIZES))


@pytest.mark.parametrize("s", MATRIX, ids=lambda s: s.value)
def test_the_symbolic_projector_is_the_numeric_one(s):
    x = E.var("X", ("n", "n"), s)
    x0 = _point(s, 0)
    got = evaluate(projector(x, s), {"X": x0}, SIZES)
    assert np.allclose(got, tangent.projector(s, x0))


# symmetric and SPD are projected by the simplify step (sym(G)), not here
@pytest.mark.parametrize("s", [Structure.DIAGONAL, Structure.LOWER, Structure.UPPER, Structure.ORTHOGONAL],
                         ids=lambda s: s.value)
@pytest.mark.parametrize("transposed", [False, True])
def test_the_symbolic_projection_is_the_numeric_one(s, transposed):
    x, g = E.var("X", ("n", "n"), s), E.var("G", ("n", "n"))
    x0, g0 = _point(s, 1), np.random.default_rng(2).standard_normal((N, N))
    got = evaluate(project(E.T(g) if transposed else g, x, s), {"X": x0, "G": g0}, SIZES)
    assert np.allclose(got, tangent.project(s, x0, g0.T if transposed else g0))


@pytest.mark.parametrize("src, shapes, wrt, layout, kind, shape", [
    ("a^T x", {"x": ("n", 1)}, "x", "numerator", "scalar-by-vector", (1, "n")),  # numerator: a row
    ("a^T x", {"x": ("n", 1)}, "x", "denominator", "scalar-by-vector", ("n", 1)),
    ("a^T X b", {"X": ("n", "m")}, "X", "numerator", "scalar-by-matrix", ("n", "m")),  # X's own shape
    ("A x", {"A": ("m", "n"), "x": ("n", 1)}, "x", "numerator", "jacobian", ("m", "n")),
    ("A x", {"A": ("m", "n"), "x": ("n", 1)}, "x", "denominator", "jacobian", ("n", "m")),
    ("t a", {"a": ("m", 1)}, "t", "numerator", "vector-by-scalar", ("m", 1)),
    ("t B", {"B": ("m", "k")}, "t", "numerator", "matrix-by-scalar", ("m", "k")),
])
def test_kind_and_layout_follow_the_table(src, shapes, wrt, layout, kind, shape):
    typed = infer(parse(src), shapes, frozenset())
    d = derivative(typed.expr, E.free_vars(typed.expr)[wrt], layout)
    assert (d.kind, d.layout) == (kind, layout)
    assert d.expr.shape == shape
