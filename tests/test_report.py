"""report.py on its own: the options read (shapes, slips, names that do not occur), the
derive and simplify steps run one after the other, and what a report says of its result."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.numeric import evaluate
from matcalc_cli.render import plain
from matcalc_cli.report import derivative_of, differentiate, structured_input


def test_a_report_carries_its_inputs_and_its_result():
    r = differentiate("x^T A x", ["x"], ["A=n,n"])
    assert (r.wrt, r.variables, r.inferred) == (("x",), {"x": ("n", 1), "A": ("n", "n")}, frozenset({"x"}))
    assert plain.render(r.derivative.expr) == "x^T (A + A^T)"
    assert (r.shape_text(), r.layout_text(), r.of_what()) == ("1×n", "numerator (scalar-by-vector)", "(x^T A x) / dx")
    got = r.to_json()
    assert (got["derivative"], got["kind"], got["shape"]) == ("x^T (A + A^T)", "scalar-by-vector", ["1", "n"])


def test_the_derivative_of_a_typed_tree_is_the_reports():
    r = differentiate("sum(exp(A x)) + x^T x", ["x", "x"], ["A=m,n"])
    assert r.function is not None
    x = E.var("x", r.variables["x"])
    assert derivative_of(r.function, [x, x]) == r.derivative
    assert r.derivative.kind == "hessian" and r.derivative.shape == ("n", "n")


def test_layouts_are_transposes_of_each_other():
    num = differentiate("A x", ["x"], ["A=m,n"]).derivative.expr
    den = differentiate("A x", ["x"], ["A=m,n"], layout="denominator").derivative.expr
    values = {"A": np.random.default_rng(0).standard_normal((3, 2)), "x": np.ones((2, 1))}
    sizes = {"m": 3, "n": 2}
    assert np.allclose(evaluate(num, values, sizes), evaluate(den, values, sizes).T)


def test_options_that_name_what_does_not_occur_are_notes():
    *_, notes = structured_input("a^T x", ["y"], ["B=n,n"], ["S"])
    assert notes == ("--wrt y: y does not occur in the expression, so the derivative is zero",
                     "--shape B: B does not occur in the expression",
                     "--symmetric S: S does not occur in the expression")
    assert differentiate("a^T x", ["y"]).notes == notes[:1]  # the same notes reach the report


@pytest.mark.parametrize("wrt, shapes, says", [
    (["X"], [], "did you mean x?"),  # a --wrt that differs only in case is a slip
    ([], [], "--wrt is required"),
    (["x", "x", "x"], [], "at most two --wrt"),
    (["x"], ["A=n,n", "A=m,m"], "two --shape declarations of A"),
    (["x"], ["A"], "--shape expects NAME=SPEC"),
])
def test_slips_in_the_options_are_errors(wrt, shapes, says):
    with pytest.raises(MatcalcError, match=says.replace("?", r"\?")):
        differentiate("x^T A x", wrt, shapes)
