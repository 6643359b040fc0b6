"""Regression tests: failures the property suite (tests/test_properties.py) found,
each reduced by hand to a minimal input. Each comment gives the command, what it
should give and what it gave when the bug was found.

All were fixed in matcalc_cli (commits f522a2d, 1ee2c82, 3b8364b). A bug found
later and not fixed yet goes here with @pytest.mark.xfail(strict=True, reason=...),
so that the suite goes red the day it starts passing and the mark is removed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from test_properties import numbers_as_fractions

from matcalc_cli import drawing, numeric
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.derive import FinishedDerivative
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.render import numpy as numpy_render
from matcalc_cli.render import plain
from matcalc_cli.report import Report, differentiate
from matcalc_cli.simplify import simplify
from matcalc_cli.syntax import parse

TOL = 1e-6
N, M = "n", "m"


# ------------------------------------------------------------------ helpers
def typed(source: str, variables: dict[str, Shape], symmetric: frozenset[str] = frozenset()) -> Expr:
    return infer(parse(source), dict(variables), symmetric).expr


def derive(source: str, wrt: list[str], shapes: dict[str, str]) -> Report:
    return differentiate(source, wrt, [f"{k}={v}" for k, v in shapes.items()])


def point(report: Report, seed: int = 0) -> tuple[dict[Any, int], dict[str, Any]]:
    sizes = drawing.dim_sizes(report.variables)
    values = drawing.sample(report.variables, report.symmetric, np.random.default_rng(seed), sizes)
    return sizes, values


def against_finite_differences(source: str, wrt: list[str], shapes: dict[str, str]) -> tuple[FinishedDerivative, float]:
    """matcalc's derivative, and its relative error against central differences of
    the expression (checked to have the same shape first)."""
    r = derive(source, wrt, shapes)
    f = typed(source, r.variables, r.symmetric)
    sizes, values = point(r)
    xs = [E.var(w, r.variables[w], w in r.symmetric) for w in wrt]
    want = numeric.numeric_derivative(f, xs, values, sizes, r.derivative.layout)
    got = numeric.evaluate(r.derivative.expr, values, sizes)
    stated = tuple(drawing.size_of(d, sizes) for d in r.derivative.shape)
    assert stated == want.shape, f"{plain.render(r.derivative.expr)} is said to be {r.derivative.shape}"
    assert got.shape == want.shape, f"{plain.render(r.derivative.expr)} evaluates to {got.shape}"
    return r.derivative, numeric.relative_error(got, want)


def reads_back(r: Report) -> tuple[str, Expr, bool]:
    """The derivative's plain text, that text typed with the same shapes, and whether
    it is the derivative's tree as read or once simplified (test_properties (c))."""
    text = plain.render(r.derivative.expr)
    back = typed(text, r.variables, r.symmetric)
    return text, back, back == r.derivative.expr or simplify(back) == r.derivative.expr


# ------------------------------------------------------------------ cancelling sums
# simplify.total: when every term of a sum cancelled, E.add() of nothing gave
# zeros(SCALAR), the scalar 0, whatever the shape of the sum.


def test_cancelling_sum_keeps_its_shape() -> None:
    x = E.var("x", (N, 1))
    assert simplify(E.sub(x, x)).shape == (N, 1)  # got 0, shape (1, 1)


def test_cancelling_sum_in_a_scalar_product_stays_scalar() -> None:
    x = E.var("x", (N, 1))
    e = E.mul(E.T(x), E.sub(x, x))  # x^T (x - x), a scalar
    assert simplify(e).shape == E.SCALAR  # got zeros(1, n)


def test_cancelling_sum_vector_by_scalar() -> None:
    # matcalc diff "(x - x) t" --wrt t --shape t=scalar: expected zeros(n) (n x 1), got `0` (1 x 1)
    d, err = against_finite_differences("(x - x) t", ["t"], {"x": "n", "t": "scalar"})
    assert err <= TOL


def test_cancelling_sum_inside_softmax_gives_a_wrong_value() -> None:
    # matcalc diff "sin(softmax(x - x) + x)" --wrt x: expected diag(cos(x + 1/n)),
    # got diag(cos(x + softmax(0))), which is diag(cos(x + 1)): softmax of the scalar 0 is 1.
    d, err = against_finite_differences("sin(softmax(x - x) + x)", ["x"], {"x": "n"})
    assert err <= TOL


# ------------------------------------------------------------------ cancelling elementwise regions
# algebra.simplified_regions: a region that sympy reduced to a number came back as a scalar
# constant (_from_sympy returned E.const whatever the region's shape).


def test_cancelling_elementwise_region_keeps_its_shape() -> None:
    x = E.var("x", (N, 1))
    assert simplify(E.hdiv(x, x)).shape == (N, 1)  # got 1, shape (1, 1)


def test_cancelling_elementwise_region_in_a_product() -> None:
    # C (u ./ u) is C ones(m), an n-vector; simplified it became C, an n x m matrix.
    C, u = E.var("C", (N, M)), E.var("u", (M, 1))
    assert simplify(E.mul(C, E.hdiv(u, u))).shape == (N, 1)


def test_cancelling_elementwise_region_zero_jacobian() -> None:
    # matcalc diff "x ./ x" --wrt x: expected zeros(n, n), got `0` (1 x 1)
    d, err = against_finite_differences("x ./ x", ["x"], {"x": "n"})
    assert err <= TOL


def test_cancelling_elementwise_region_gives_a_wrong_jacobian() -> None:
    # matcalc diff "x .* x ./ x" --wrt x: expected eye(n) (the function is x),
    # got 2 diag(1 ./ x) diag(x) - diag(1): diag(1) is the 1x1 [1], broadcast
    # over the matrix, so the value is 2 I - ones(n, n).
    d, err = against_finite_differences("x .* x ./ x", ["x"], {"x": "n"})
    assert err <= TOL


# ------------------------------------------------------------------ a broadcast constant alone
def test_broadcast_constant_alone_keeps_its_shape_in_print() -> None:
    # matcalc diff "(A - A + 2) x" --wrt x --shape A=n,n --shape x=n: the derivative is
    # the n x n matrix of 2s; simplified to 2 bcast(1), it printed as plain `2 1` and
    # numpy `2 * 1`, both a scalar.
    r = derive("(A - A + 2) x", ["x"], {"A": "n,n", "x": "n"})
    sizes, values = point(r)
    assert r.derivative.shape == (N, N)
    code = numpy_render.render(r.derivative.expr, r.variables)
    got = np.asarray(eval(code, {"np": np}, dict(values)), dtype=float)  # noqa: S307 (our own output)
    assert got.shape == (3, 3), f"numpy output {code!r} evaluates to shape {got.shape}"
    text, back, _ = reads_back(r)
    assert back.shape == (N, N), f"plain output {text!r} reads back as a {back.shape} value"


# ------------------------------------------------------------------ a number in a scalar chain
# simplify.total/_factor: -(2 x^T y) is mul(-1, mul(2, x^T, y)); the 2 inside the
# scalar chain was dropped when like terms were factored.


def test_nested_coefficient_simplifier_keeps_the_value() -> None:
    # t - 2 x^T y + x^T y: expected t - x^T y, simplified to t
    variables: dict[str, Shape] = {"t": E.SCALAR, "x": (N, 1), "y": (N, 1)}
    e = typed("t - 2 x^T y + x^T y", variables)
    sizes = drawing.dim_sizes(variables)
    values = drawing.sample(variables, frozenset(), np.random.default_rng(0), sizes)
    before = numeric.evaluate(e, values, sizes)
    after = numeric.evaluate(simplify(e), values, sizes)
    assert numeric.relative_error(after, before) <= TOL, f"simplified to {plain.render(simplify(e))}"


def test_nested_coefficient_derivative() -> None:
    # matcalc diff "t (x^T y - 2 x^T y)" --wrt t --shape t=scalar: expected -x^T y, got 0
    d, err = against_finite_differences("t (x^T y - 2 x^T y)", ["t"], {"t": "scalar", "x": "n", "y": "n"})
    assert err <= TOL, f"got {plain.render(d.expr)}"


# ------------------------------------------------------------------ Jacobians through diag
def test_jacobian_through_diag_of_a_matrix() -> None:
    # matcalc diff "diag(x x^T)" --wrt x: expected 2 diag(x) (diag(x x^T) = x .* x),
    # got exit 2 "cannot form a Jacobian through diag" (derive._jac_node), although
    # the cell (a vector by a vector) is in CONTRACT.md's table
    d, err = against_finite_differences("diag(x x^T)", ["x"], {"x": "n"})
    assert err <= TOL


# rules: d sign(u) = 0 was a zeros(...) node in the differential, which derive.adjoint
# and derive._jac_node could not read a derivative through.
def test_hessian_through_abs() -> None:
    # matcalc diff "sum(abs(x))" --wrt x --wrt x: expected zeros(n, n) (the gradient is
    # sign(x)^T), got exit 2 "cannot form a Jacobian through zeros"
    d, err = against_finite_differences("sum(abs(x))", ["x", "x"], {"x": "n"})
    assert err <= TOL


def test_gradient_through_sign() -> None:
    # matcalc diff "sum(sign(x))" --wrt x (sign is read, though not documented):
    # expected zeros(1, n), got exit 2 "cannot read a gradient through zeros"
    d, err = against_finite_differences("sum(sign(x))", ["x"], {"x": "n"})
    assert err <= TOL


# ------------------------------------------------------------------ plain output reads back
# Issue 5: plain output parses back to an equal tree. Each printed a derivative whose
# text read back (and simplified) as another tree with the same value.
def test_division_by_a_number_reads_back_as_a_constant() -> None:
    # `x / 2` read back as x 2^-1 (expr.power folded a number's power only for a
    # Fraction exponent, and the parser passed the int -1), so
    # matcalc diff "tanh(sqrt(x))" --wrt x, diag(((1 - tanh(sqrt(x)).^2) / 2) ./ sqrt(x)),
    # read back as diag((1 / 2 - tanh(sqrt(x)).^2 / 2) ./ sqrt(x))
    x = E.var("x", (N, 1))
    assert typed("x / 2", {"x": (N, 1)}) == E.mul(E.const(Fraction(1, 2)), x)
    text, back, equal = reads_back(derive("tanh(sqrt(x))", ["x"], {"x": "n"}))
    assert equal, f"{text!r} reads back as {plain.render(back)!r}"


def test_plain_round_trip_of_a_denominator_product() -> None:
    # matcalc diff "log(1 + norm(x)) x" --wrt x printed
    # log(norm(x) + 1) eye(n) + x x^T / (norm(x) (norm(x) + 1)): the scalar factors
    # a^-1 b^-1 as `/ (a b)`, which read back as (a b)^-1: the same text, another tree
    text, back, equal = reads_back(derive("log(1 + norm(x)) x", ["x"], {"x": "n"}))
    assert equal, f"{text!r} reads back as another tree"


def test_scalar_chain_reads_back_grouped() -> None:
    # matcalc diff "x^T (y y^T) x" --wrt x printed 2 x^T y y^T (the tree
    # mul(2, x^T, y, y^T)), which read back, left to right, as (2 x^T y) y^T
    text, back, equal = reads_back(derive("x^T (y y^T) x", ["x"], {"x": "n", "y": "n"}))
    assert equal, f"{text!r} reads back as {plain.render(back)!r}"


def test_negated_hadamard_product_reads_back() -> None:
    # plain printed -1 times a Hadamard product whose first factor is a sum,
    # mul(-1, had(X, Y)), as `-(X) .* Y`, which reads back as (-X) .* Y, and the
    # simplifier spells the two differently:
    # matcalc diff "tr(B tanh(A)^2)" --wrt A --shape A=n,n --shape B=n,n printed
    # -(B^T tanh(A)^T + tanh(A)^T B^T) .* (tanh(A) + 1) .* (tanh(A) - 1), which read back
    # (and simplified) as (-B^T tanh(A)^T - tanh(A)^T B^T) .* (tanh(A) + 1) .* (tanh(A) - 1).
    # (Also seen: the Hessian of 4 + logsumexp(u - ones(m) - u .* (u - ones(m))).)
    text, back, equal = reads_back(derive("tr(B tanh(A)^2)", ["A"], {"A": "n,n", "B": "n,n"}))
    assert equal, f"{text!r} reads back as {plain.render(simplify(back))!r}"


def test_scalar_chain_with_a_quotient_reads_back() -> None:
    # A scalar chain factor holding a quotient, (c a^T a / q) M, printed as one bracket
    # but read back with the / q outside the chain, (c a^T a) M / q:
    # matcalc diff "norm(det(A) diag(A))" --wrt A --shape A=n,n printed
    # (det(A)^2 diag(A)^T diag(A) / norm(det(A) diag(A))) A^-T + diag(...), which read back
    # as (det(A)^2 diag(A)^T diag(A)) A^-T / norm(det(A) diag(A)) + diag(...).
    text, back, equal = reads_back(derive("norm(det(A) diag(A))", ["A"], {"A": "n,n"}))
    assert equal, f"{text!r} reads back as {plain.render(simplify(back))!r}"


def test_fourth_root_second_derivative_reads_back() -> None:
    # The property soak (seed 7): matcalc diff "sqrt(sqrt(exp(tanh(t))))" --wrt t --wrt t printed
    # ... - exp(tanh(t)) tanh(t) (1 - tanh(t)^2) / (2 sqrt(exp(tanh(t))) sqrt(sqrt(exp(tanh(t))))),
    # which read back and simplified as ... + exp(tanh(t)) (tanh(t)^3 - tanh(t)) / (2 ...): the text
    # read back holds (2 b c)^-1, and distribute-to-collect, weighed while power-of-product was
    # still taking that apart, found the half-rewritten sum dearer than its product multiplied out.
    # (First seen as sqrt(sqrt(exp(tanh(t))))^t by t twice, in both round-trip properties.)
    for source in ("sqrt(sqrt(exp(tanh(t))))", "sqrt(sqrt(exp(tanh(t))))^t"):
        r = derive(source, ["t", "t"], {"t": "scalar"})
        text, back, equal = reads_back(r)
        # (0.25 printed for a computed 1/4 reads back as the number as written, another leaf:
        # test_properties counts it as the same tree up to the spelling of a number)
        same = equal or numbers_as_fractions(simplify(back)) == r.derivative.expr
        assert same, f"{text!r} reads back as {plain.render(simplify(back))!r}"


def test_equal_spellings_of_a_sum_of_quotients_reach_one_fixpoint() -> None:
    # The same case reduced to scalars: the two spellings of the last quotient (and the
    # derivative's own tree) reached two fixpoints, one printing
    # - a h (1 - h^2) / (2 b c), the other + a (h^3 - h) / (2 b c).
    scalars = {name: E.SCALAR for name in "abch"}
    first = "((a / (4 b) - a^2 / (8 b^3)) / c - a^2 / (16 b^2 c^3)) (1 - h^2)^2"
    fixpoints = {simplify(typed(f"{first} - a h (1 - h^2) {quotient}", scalars))
                 for quotient in ("/ (2 b c)", "/ 2 / b / c", "/ (2 (b c))", "b^-1 c^-1 / 2")}
    assert len(fixpoints) == 1, [plain.render(f) for f in fixpoints]
    (once,) = fixpoints
    assert simplify(typed(plain.render(once), scalars)) == once
    assert plain.render(once).endswith("- a h (1 - h^2) / (2 b c)")


# ------------------------------------------------------------------ nondeterminism
def test_elementwise_memo_by_id_gives_a_wrong_jacobian() -> None:
    # algebra.simplified_regions memoised by id(node) and visited temporary nodes: a freed
    # temporary's id came back on another node and the memo answered for the wrong
    # one, so results depended on the allocator.
    # matcalc diff --wrt x --shape x=n --shape y=n -- "-2 (((-x) ./ y) .* (2 ones(n) ./ x))"
    # printed 4 diag((-x) ./ y) diag((2 ones(n)) ./ x.^2) (and --verify exited 1); the
    # function is 4 ./ y, so the Jacobian is zeros(n, n). In one process the answer
    # changed from call to call: every one of ten calls must be right.
    source = "-2 (((-x) ./ y) .* (2 ones(n) ./ x))"
    errors = [against_finite_differences(source, ["x"], {"x": "n", "y": "n"})[1] for _ in range(10)]
    assert max(errors) <= TOL, errors


# ------------------------------------------------------------------ issue 13: second derivatives, shapes
# The mixed second derivative by a matrix and a scalar was transposed in denominator layout
# (CONTRACT.md: it has the matrix's shape in both layouts). tests/test_second_derivatives.py
# sweeps every pair of kinds.


def test_mixed_scalar_then_matrix_denominator_keeps_the_matrix_shape() -> None:
    # diff "norm(t A)^2" --wrt t --wrt A --shape t=scalar --layout denominator: 4 t A (gave 4 t A^T)
    r = differentiate("norm(t A)^2", ["t", "A"], ["t=scalar"], [], "denominator")
    assert r.derivative.shape == r.variables["A"]
    assert plain.render(r.derivative.expr) == "4 t A"


def test_mixed_matrix_then_scalar_denominator_keeps_the_matrix_shape() -> None:
    # diff "t tr(A X)" --wrt X --wrt t ... --layout denominator: A^T, n×m like X (gave A, m×n)
    r = differentiate("t tr(A X)", ["X", "t"], ["A=m,n", "X=n,m", "t=scalar"], [], "denominator")
    assert r.derivative.shape == ("n", "m")
    assert plain.render(r.derivative.expr) == "A^T"


def test_hessian_of_a_linear_function_is_square_in_x() -> None:
    # diff "ones(n)^T C x" --wrt x --wrt x: zeros(m, m) with C n×m (C was taken as n×n, because the
    # fresh name of x's length was the n that ones(n) writes).
    r = differentiate("ones(n)^T C x", ["x", "x"])
    assert r.variables == {"C": ("n", "m"), "x": ("m", 1)}
    assert r.derivative.shape == ("m", "m")
    d, err = against_finite_differences("ones(n)^T C x", ["x", "x"], {})
    assert err < TOL


def test_fresh_dimension_names_never_equal_a_written_one() -> None:
    # diff "1e-1 + (exp(w).^0.5 - (w + w) ones(n)' x)" --wrt w: w's length is not n
    r = differentiate("1e-1 + (exp(w).^0.5 - (w + w) ones(n)' x)", ["w"])
    assert r.variables["x"] == ("n", 1) and r.variables["w"] != ("n", 1)
    _, err = against_finite_differences("1e-1 + (exp(w).^0.5 - (w + w) ones(n)' x)", ["w"], {})
    assert err < TOL


def test_declared_one_by_four_matrix_keeps_its_shape() -> None:
    # diff "sum(X)" --wrt X --shape X=1,4: ones(1, 4) (gave ones(4), as if X were a vector)
    r = differentiate("sum(X)", ["X"], ["X=1,4"])
    assert r.derivative.shape == (1, 4)
    assert r.derivative.kind == "scalar-by-matrix"
    d, err = against_finite_differences("sum(X .* X) + X ones(4)", ["X"], {"X": "1,4"})
    assert d.shape == (1, 4) and err < TOL


# ------------------------------------------------------------------ issue 13: numpy output that did not evaluate
# Every derivative helpers.check_numeric computes (the whole test corpus) and every one of the
# property suite is evaluated as `--format numpy` with only np and the variables in scope
# (helpers.numpy_agrees, test_properties._numpy_problem). These are the issue's four commands.
# A dimension that no variable carries (the n of ones(n) beside a scalar t) can be read from
# nothing at run time: the line names it, and it is bound like a variable.
NUMPY_CASES = [
    ("sin(softplus(ones(n) * t))", ["t"], ["t=scalar"]),
    ("ones(m) w' / (1.5 + t.^2)", ["t"], ["t=scalar", "w=k"]),
    ("w' .* w' * w + tr(eye(n)) / t^2", ["t"], ["t=scalar", "w=k"]),
    ("1e-1 + (exp(w).^0.5 - (w + w) ones(n)' x)", ["w"], []),
]


def _free_dims(r: Report) -> set[str]:
    carried = {d for s in r.variables.values() for d in s if isinstance(d, str)}
    return {d for d in ("n", "m", "k") if d not in carried}


def test_numpy_output_of_the_issue_evaluates() -> None:
    import ast

    for source, wrt, shapes in NUMPY_CASES:
        r = differentiate(source, wrt, shapes)
        code = numpy_render.render(r.derivative.expr, r.variables)
        names = {n.id for n in ast.walk(ast.parse(code, mode="eval")) if isinstance(n, ast.Name)}
        # __import__: the line imports scipy in place for what scipy spells (erf, expm)
        assert names <= {"np", "float", "__import__", *r.variables, *_free_dims(r)}, (source, code)
        sizes = drawing.dim_sizes(r.variables)
        free = {d: 2 + i for i, d in enumerate(sorted(_free_dims(r)))}
        sizes.update(free)
        values = drawing.sample(r.variables, r.symmetric, np.random.default_rng(0), sizes)
        want = numeric.evaluate(r.derivative.expr, values, sizes)
        got = eval(code, {"np": np}, {**values, **free})  # noqa: S307 (the format's purpose)
        got = np.asarray(got, dtype=float).reshape(np.shape(got) or (1, 1))
        assert got.shape == want.shape and numeric.relative_error(got, want) < 1e-9, (source, code)
        f = typed(source, r.variables)
        xs = [E.var(w, r.variables[w]) for w in wrt]
        assert numeric.relative_error(want, numeric.numeric_derivative(f, xs, values, sizes)) < 1e-5, source


# ------------------------------------------------------------------ issue 13: unsound (a^p)^q
# (a^p)^q = a^(p q) only holds for a >= 0 or integer q: (t^2)^0.5 is |t|, not t. The rule lives
# in simplify.py; fixed by a guard (an even p under a fractional q gives abs(a)).
def _error_at(source: str, wrt: str, shapes: list[str], values: dict[str, Any]) -> float:
    r = differentiate(source, [wrt], shapes)
    f = typed(source, r.variables)
    sizes = drawing.dim_sizes(r.variables)
    got = numeric.evaluate(r.derivative.expr, values, sizes)
    want = numeric.numeric_derivative(f, [E.var(wrt, r.variables[wrt])], values, sizes)
    return numeric.relative_error(got, want)


def test_power_of_a_power_at_a_negative_scalar() -> None:
    # diff "(t^2)^0.5" --wrt t --shape t=scalar: sign(t) (gives 1, wrong at t < 0)
    assert _error_at("(t^2)^0.5", "t", ["t=scalar"], {"t": -0.7}) < TOL


def test_power_of_a_power_of_a_negative_quadratic_form() -> None:
    # diff "((u' * -u)^2)^0.5" --wrt u --shape u=2: 2 u^T (gives -2 u^T: u'(-u) < 0)
    assert _error_at("((u' * -u)^2)^0.5", "u", ["u=2"], {"u": np.array([[0.3], [-0.8]])}) < TOL


# ------------------------------------------------------------------ issue 13: check drew positive points only
def test_check_of_abs_at_points_of_both_signs() -> None:
    # check "sum(abs(x))" --wrt x --expect "ones(1, n)": wrong, the derivative is sign(x)^T
    # (answered correct: every point had positive entries)
    from matcalc_cli.checking import check

    assert check("sum(abs(x))", ["x"], "ones(1, n)").verdict == "different"
    assert check("sum(abs(x))", ["x"], "sign(x)^T").ok


def test_mean_of_an_inner_product_needs_two_vectors() -> None:
    # matcalc diff "mean((u u^T).^3)" --wrt u: 3 u^T (M^T + M) / size(n*n), M = (u u^T).^2; gave
    # 3 u^T M / size(n*n) + 3 mean(M^T .* u), M u / n read as a mean (relative error 0.43).
    for source in ("mean((u u^T).^3)", "mean((u u^T).^2 .* A)"):
        d, err = against_finite_differences(source, ["u"], {})
        assert err < TOL, (plain.render(d.expr), err)
        assert "mean" not in plain.render(d.expr)


# ------------------------------------------------------------------ sigmoid in its tails
# sigmoid was evaluated as 0.5 (1 + tanh(u / 2)): at u = -40 that rounds to 0 (the value is
# 4.2e-18), so log(sigmoid(u)) at the points check draws at scale 1e3 was -inf, a lost point.


def test_sigmoid_keeps_relative_precision_in_its_tails() -> None:
    variables: dict[str, Shape] = {"t": E.SCALAR}
    for t in (-40.0, -700.0, 40.0):
        values = {"t": np.full((1, 1), t)}
        got = float(numeric.evaluate(typed("sigmoid(t)", variables), values, {}).item())
        logged = float(numeric.evaluate(typed("log(sigmoid(t))", variables), values, {}).item())
        assert got == float(np.exp(-np.logaddexp(0.0, -t)))
        assert abs(logged + np.logaddexp(0.0, -t)) <= 1e-12 * max(1.0, abs(t))


# ------------------------------------------------------------------ a sum of broadcast scalars
def test_a_sum_of_broadcast_scalars_keeps_its_shape_in_print() -> None:
    # The soak (MATCALC_DIFF_SOAK=10000, seed 11): d/dt of (y + ones(n) t) - (s + t) s printed
    # -s + 1, shape n×1, and its numpy line gave a scalar: no term carried the shape.
    d = differentiate("(y + (ones(n) t)) - ((s + t) s)", ["t"], ["t=scalar", "s=scalar"]).derivative.expr
    assert plain.render(d) == "(1 - s) ones(n)"  # (-s + 1) ones(n) before the broadcast -s was a term
    line = numpy_render.render(d, {"y": ("n", 1), "t": E.SCALAR, "s": E.SCALAR})
    got = eval(line, {"np": np, "y": np.zeros((3, 1)), "t": 0.5, "s": 0.25})  # noqa: S307 (our own output)
    assert got.shape == (3, 1) and np.allclose(got, 0.75)


# ------------------------------------------------------------------ numbers as written, whatever ran before
# A written 0.3 equalled the Fraction 3/10 in the hash-consing key, so while a 3/10 node was
# alive (a memo of the simplifier, an earlier batch job), 0.3 was that node and printed as
# 3/10: matcalc batch printed sum(exp(0.3 x))'s gradient as 3 exp(3 x / 10)^T / 10 after a
# job with 3 x / 10, and 0.5 sum(x)'s as ones(1, n) / 2 after sum(x) / 2.


def test_a_number_prints_as_written_whatever_is_alive() -> None:
    alive = [E.const(Fraction(3, 10)), E.const(Fraction(1, 2)), derive("sum(exp(3 x / 10))", ["x"], {"x": "n"})]
    assert plain.render(derive("sum(exp(0.3 x))", ["x"], {"x": "n"}).derivative.expr) == "0.3 exp(0.3 x)^T"
    assert plain.render(derive("0.5 sum(x)", ["x"], {"x": "n"}).derivative.expr) == "0.5 ones(1, n)"
    assert E.const(Fraction(3, 10)) is alive[0] and E.const(E.Written("0.3")) is not alive[0]


# ------------------------------------------------------------------ a rewrite that dropped a broadcast's shape
# The soak (issue 19, MATCALC_DIFF_SOAK=2035, seed 29, at 2772591): diff "diag(log(ones(n) t))"
# --wrt t --shape t=scalar printed t^-1, 1×1, for the n×n diag(ones(n) / t): the ones-numerator
# pattern read ones(n) ./ (ones(n) t) as 1 ./ t. Wrong alone too (not a history of the batch);
# right since d4b8b2e.


def test_a_broadcast_quotient_keeps_its_shape() -> None:
    d = differentiate("diag(log(ones(n) t))", ["t"], ["t=scalar"]).derivative.expr
    assert d.shape == ("n", "n") and plain.render(d) == "diag(ones(n) / t)"
    v = differentiate("log(ones(n) t)", ["t"], ["t=scalar"]).derivative.expr
    assert v.shape == ("n", 1)
