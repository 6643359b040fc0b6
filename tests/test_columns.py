"""columns.py: a large derivative's sampled columns, with products, transposes and inverses
pushed onto them (solves with one factorisation), are its whole value's columns; check on a
large matrix compares them and keeps its verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli.build import build
from matcalc_cli.checking import check
from matcalc_cli.columns import LARGE, Columns, Samples
from matcalc_cli.report import differentiate
from matcalc_cli.sampling import Point, value
from matcalc_cli.syntax import parse

VARIABLES = {"X": ("n", "n"), "A": ("n", "n"), "a": ("n", 1), "b": ("n", 1), "t": (1, 1)}


@pytest.mark.parametrize("text", [
    "X^-1", "X^-T", "(X^T)^-1", "-X^-T a b^T X^-T", "A X^-1 A^T + 2 X", "(A X^-1)^T", "(X^-1 A + A)^T",
    "t X^-1 + t", "(A + t)^T", "(X^-1 + A^T A)^-1", "exp(X^-1) A", "(t X^-1 a b^T)^T", "a b^T X^-T"])
def test_columns_are_the_whole_values_columns(text: str) -> None:
    e = build(parse(text), VARIABLES, frozenset())
    rng = np.random.default_rng(5)
    n = 9
    values = {"X": np.eye(n) + 0.3 * rng.standard_normal((n, n)), "A": rng.standard_normal((n, n)),
              "a": rng.standard_normal((n, 1)), "b": rng.standard_normal((n, 1)), "t": 0.7}
    p = Point(values, {"n": n})
    picked = np.array([0, 3, 4, 8])
    whole = value(e, p)
    assert np.allclose(Columns(p, picked).of(e), whole[:, picked], rtol=1e-10, atol=1e-12 * np.max(np.abs(whole)))


def test_only_a_large_value_whose_trees_invert_is_sampled() -> None:
    inverse, product = (build(parse(t), VARIABLES, frozenset()) for t in ("X^-T", "A X"))
    big, small = (Point({}, {"n": n}) for n in (int(LARGE ** 0.5) + 1, 50))
    sample = Samples([inverse])(big, inverse.shape)
    assert sample is not None and sample.columns.size == 40 and len(set(sample.columns)) == 40
    assert Samples([inverse])(small, inverse.shape) is None
    assert Samples([product])(big, product.shape) is None  # evaluated whole: every entry compared


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 60×60 derivative counts as large (sampled columns), as a 1000×1000 one does."""
    monkeypatch.setattr("matcalc_cli.columns.LARGE", 1000)


@pytest.mark.usefixtures("large")
def test_check_on_a_large_matrix_keeps_its_verdicts() -> None:
    shapes = ["X=60,60"]
    right = check("logdet(X)", ["X"], "(X^-1 X^2 X^-1 X^-1)^T", shapes)
    assert right.ok and right.method == "numerically"
    assert check("logdet(X)", ["X"], "X^-1", shapes).verdict == "transpose"
    wrong = check("logdet(X)", ["X"], "X^-T + 0.000001 relu(X - 0.9)", shapes)
    assert not wrong.ok and wrong.difference is not None
    r, c = wrong.difference.entry  # a real entry of the derivative, where the claim is off
    x = np.asarray(wrong.difference.values["X"])
    assert x[r - 1, c - 1] > 0.9 * 0.99
    assert abs(wrong.difference.derivative - np.linalg.inv(x).T[r - 1, c - 1]) < 1e-9


@pytest.mark.usefixtures("large")
def test_a_wrong_claim_on_a_large_matrix_is_wrong() -> None:
    assert differentiate("a^T X^-1 b + tr(A X^-1)", ["X"], ["X=60,60", "A=60,60"]).derivative.kind == \
        "scalar-by-matrix"
    for claim, ok in [("-X^-T a b^T X^-T - X^-T A^T X^-T", True), ("-X^-T b a^T X^-T - X^-T A^T X^-T", False),
                      ("-X^-T a b^T X^-T - X^-T A X^-T", False), ("-X^-T a b^T X^-T", False)]:
        assert check("a^T X^-1 b + tr(A X^-1)", ["X"], claim, ["X=60,60", "A=60,60"]).ok is ok, claim
