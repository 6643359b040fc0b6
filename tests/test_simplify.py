"""The simplifier: never changes a value or a shape, and brings expressions to textbook form."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import drawing, numeric
from matcalc_cli.build import infer
from matcalc_cli.render import plain
from matcalc_cli.simplify import simplify
from matcalc_cli.syntax import parse


def typed(src: str, symmetric=(), declared=None):
    return infer(parse(src), dict(declared or {}), frozenset(symmetric))


def simplified(src: str, symmetric=()) -> str:
    return plain.render(simplify(typed(src, symmetric).expr))


# Derivatives as the rules build them, before any tidying (product rule written out,
# transposes not pushed, inverses of transposes, elementwise chains), and textbook results.
DERIVATIVE_FORMS = [
    ("x^T A + x^T A^T", ()),
    ("(A^T)^T x + A^T x", ()),
    ("-(X^-1)^T a b^T (X^-1)^T", ()),
    ("-(X^T)^-1 a b^T inv(X)^T", ()),
    ("((x - A s)^T W A)^T + eye(m) A^T W^T (x - A s)", ("W",)),
    ("-2 (x - A s)^T W^T A", ("W",)),
    ("(y .* (1 - s) - (1 - y) .* s)^T X", ()),
    ("-(y ./ s - (1 - y) ./ (1 - s)) .* s .* (1 - s)", ()),
    ("(exp(u) ./ (1 + exp(u)))^T X", ()),
    ("exp(W x) / sum(exp(W x)) x^T - y x^T", ()),
    ("2 ((W2^T (W2 tanh(W1 x) - y)) .* (1 - tanh(W1 x) .* tanh(W1 x))) x^T", ()),
    ("det(X) (X^-1)^T + det(X) X^-T", ()),
    ("A^T B^T + A^T C^T", ()),
    ("3 (x^T x) x^T - (x^T x) x^T", ()),
    ("norm(x) / norm(x) x + x / 2", ()),
    ("x^T (A + A^T) - x^T A^T + 0 x^T", ()),
    ("X^T diag(sigmoid(X theta) .* (1 - sigmoid(X theta))) X + X^T diag(sigmoid(X theta)) X", ()),
    ("-(A + t B)^-1 B (A + t B)^-1 + (A + t B)^-1 (A + t B) B", ()),
    ("tr((A + t B)^-1 B) + tr(B^T (A + t B)^-T)", ()),
    ("diag(softmax(x)) - softmax(x) softmax(x)^T + eye(n) / 2", ()),
    ("(A X B)^-T + ((A X B)^T)^-1", ()),
    ("x.^2 .* x.^3 - x.^5 ./ 2", ()),
    ("(1 ./ x.^2)^T + (x .* x).^-1^T", ()),
    ("2 (X^T)^2 + X^T X^T + (X^2)^T", ()),
    ("kron(B^T, A) + kron(B, A^T)^T", ()),
    ("(t x .* y)^T + t y^T .* x^T", ()),
]


@pytest.mark.parametrize("src, symmetric", DERIVATIVE_FORMS)
def test_simplify_never_changes_a_value(src, symmetric):
    t = typed(src, symmetric)
    before = t.expr
    after = simplify(before)
    assert after.shape == before.shape
    compared = 0
    for seed in range(6):
        sizes = drawing.dim_sizes(t.variables, base=seed)
        values = drawing.sample(t.variables, frozenset(symmetric), np.random.default_rng(seed), sizes)
        want = numeric.evaluate(before, values, sizes)
        got = numeric.evaluate(after, values, sizes)
        assert got.shape == want.shape
        if not np.all(np.isfinite(want)):  # a singular product (A X B of a wide X): no value to keep
            continue
        compared += 1
        assert numeric.relative_error(got, want) < 1e-9, plain.render(after)
    assert compared >= 2, "too few points where the form has a value"


@pytest.mark.parametrize("src, symmetric", DERIVATIVE_FORMS)
def test_simplify_is_idempotent(src, symmetric):
    once = simplify(typed(src, symmetric).expr)
    assert simplify(once) == once


@pytest.mark.parametrize("src, want", [
    ("x + x", "2 x"),
    ("2 x + 3 x - x", "4 x"),
    ("A x + A x", "2 A x"),
    ("a b^T + a b^T", "2 a b^T"),
    ("A^T A + A^T A", "2 A^T A"),
    ("3 (x^T x) x^T - (x^T x) x^T", "2 (x^T x) x^T"),
    ("x^T A x + x^T A^T x", "2 x^T A x"),
    ("x^T (A + A^T) - x^T A^T", "x^T A"),
    ("x .* x", "x.^2"),
    ("x.^2 .* x.^3", "x.^5"),
])
def test_like_terms_collect(src, want):
    assert simplified(src) == want


@pytest.mark.parametrize("src, want", [
    ("A x + B x", "(A + B) x"),
    ("x^T A + x^T B", "x^T (A + B)"),
    ("x^T A + x^T A^T", "x^T (A + A^T)"),
    ("A B + A C", "A (B + C)"),
    ("2 x + 2 y", "2 (x + y)"),
    ("t x + t y", "t (x + y)"),
    ("x s - y s", None),  # a scalar common factor on the right (s: a textbook scalar); spelled either way, once
])
def test_common_factors_come_out(src, want):
    got = simplified(src)
    if want is None:
        assert got.count("s") == 1
    else:
        assert got == want


@pytest.mark.parametrize("src", ["(X^-1)^T", "(X^T)^-1", "inv(X^T)", "inv(X)^T", "X^-T", "((X^T)^T)^-T"])
def test_inverse_of_transpose_prints_as_minus_T(src):
    assert simplified(src) == "X^-T"


@pytest.mark.parametrize("src, want", [
    ("W^T", "W"),
    ("x^T W + x^T W^T", "2 x^T W"),
    ("(W^-1)^T", "W^-1"),
    ("W^-T", "W^-1"),
    ("(A^T W A)^T", "A^T W A"),
    ("-2 (x - A s)^T W^T A", "-2 (x - A s)^T W A"),
])
def test_symmetric_declarations_are_used(src, want):
    assert simplified(src, symmetric=("W",)) == want


def test_a_matrix_that_is_not_declared_symmetric_keeps_its_transpose():
    assert simplified("x^T W + x^T W^T") == "x^T (W + W^T)"
    assert simplified("W^-T") == "W^-T"


@pytest.mark.parametrize("src, want", [
    ("(A B)^T", "B^T A^T"),
    ("(x^T A)^T", "A^T x"),
    ("(A + A^T)^T", "A + A^T"),
    ("X X^-1", "eye(n)"),
    ("X^-1 X A", "A"),
    ("-(-x)", "x"),
    ("y .* (1 - s) - (1 - y) .* s", "y - s"),
    ("-(y ./ s - (1 - y) ./ (1 - s)) .* s .* (1 - s)", "s - y"),
    ("exp(u) ./ (1 + exp(u))", "sigmoid(u)"),
    ("norm(x) / norm(x) x", "x"),
    ("2 x^T A / 2", "x^T A"),
])
def test_textbook_shaping(src, want):
    assert simplified(src) == want


@pytest.mark.parametrize("src, want", [
    ("x .* y - y .* x", "zeros(n)"),
    ("A x - A x", "zeros(n)"),
    ("-X^-T a b^T X^-T + X^-T a b^T X^-T", "zeros(n, n)"),
    ("x ./ x", "ones(n)"),
])
def test_cancellation_keeps_the_shape(src, want):
    before = typed(src).expr
    after = simplify(before)
    assert after.shape == before.shape
    assert plain.render(after) == want


def test_powers_and_repeated_products_collect():
    assert simplified("2 (X^T)^2 + X^T X^T") in ("3 (X^T)^2", "3 X^T X^T", "3 (X^2)^T")


@pytest.mark.parametrize("src, want", [
    ("(t^2)^0.5", "abs(t)"),
    ("(t^4)^0.5", "t^2"),
    ("(t^2)^3", "t^6"),
    ("(t^0.5)^2", "t"),
])
def test_power_of_a_power_only_where_sound(src, want):
    t = typed(src, declared={"t": (1, 1)})
    assert plain.render(simplify(t.expr)) == want


def test_a_matrix_quotient_of_exponentials_is_not_softmax():
    got = simplified("exp(X) / sum(exp(X))")
    assert "softmax" not in got


def test_rules_that_turn_two_spellings_into_each_other_settle():
    # The Hessian of det(A + t W) by t (W symmetric) holds tr(P^-1 W P^-1 W), which the
    # cyclic trace and the transpose rules spell both ways: the cheaper one is kept, once.
    import warnings

    from matcalc_cli.report import differentiate
    from matcalc_cli.simplify import NoFixpoint

    with warnings.catch_warnings():
        warnings.simplefilter("error", NoFixpoint)
        r = differentiate("det(A + t W)", ["t", "t"], ["A=n,n", "W=n,n", "t=scalar"], ["W"], "numerator")
        assert simplify(r.derivative.expr) == r.derivative.expr


# Sums whose terms share a run of factors: the run comes out in one step (a deep model's
# Hessian has runs as long as the model), with the same result as one factor at a time,
# where the factor next to the rest joins it by its own spelling (diag(u) (a + b)).
COMMON_RUNS = [
    ("A1 A2 A3 A4 B A5 A6 + A1 A2 A3 A4 C A5 A6", "A1 A2 A3 A4 (B + C) A5 A6"),
    ("A1 A2 A3 A4 B x + A1 A2 A3 A4 C x", "A1 A2 A3 A4 (B + C) x"),
    ("W^T A1 A2 diag(u) a + W^T A1 A2 diag(u) b", "W^T A1 A2 (u .* (a + b))"),
    ("A1 A2 diag(u) A3 diag(v) a - A1 A2 diag(u) A3 diag(v) b", "A1 A2 diag(u) A3 (v .* (a - b))"),
    ("x^T A1 A2 A3 B y + x^T A1 A2 A3 C y", "x^T A1 A2 A3 (B + C) y"),
    ("A1 A2 A3 A4 - A1 A2 A3 A4 A1 A2 A3 A4", "A1 A2 A3 (A4 - A4 A1 A2 A3 A4)"),
    ("A1 A2 A3^-1 A3 B + A1 A2 C", "A1 A2 (B + C)"),
    ("diag(u) A1 A2 A3 B + diag(v) A1 A2 A3 B", "diag(u + v) A1 A2 A3 B"),
    ("B A1 A2 A3 diag(u) + C A1 A2 A3 diag(u)", "(B + C) A1 A2 A3 diag(u)"),
    # diag(u) a is u .* a wherever it stands (the rule diagonal-product), not only where a product was built of the two
    ("B A1 A2 A3 diag(u) a + C A1 A2 A3 diag(u) a", "(B + C) A1 A2 A3 (a .* u)"),
]


@pytest.mark.parametrize("src, textbook", COMMON_RUNS)
def test_common_runs_of_factors_come_out(src, textbook):
    assert simplified(src) == textbook
    t = typed(src)
    for seed, positive in ((3, True), (4, False)):  # entries of both signs, too
        sizes = drawing.dim_sizes(t.variables, base=seed)
        values = drawing.sample(t.variables, frozenset(), np.random.default_rng(seed), sizes, positive)
        want = numeric.evaluate(t.expr, values, sizes)
        assert np.allclose(numeric.evaluate(simplify(t.expr), values, sizes), want)


def test_a_coefficient_beside_a_region_too_large_for_sympy():
    """The gradient of sum(sqrt(... sqrt(x))) 140 deep is 2^-140 times a Hadamard product
    past the size that goes to sympy: the coefficient has nowhere to move, and the
    simplifier leaves it (it once recursed until the stack ran out)."""
    from matcalc_cli.commands import in_big_stack
    from matcalc_cli.report import differentiate

    depth = 140
    src = "sum(" + "sqrt(" * depth + "x" + ")" * depth + ")"
    report = in_big_stack(lambda: differentiate(src, ["x"], ["x=3"]))
    x = np.array([[0.3], [0.5], [2.0]])
    want, s = np.ones_like(x), x
    for _ in range(depth):  # the chain rule, layer by layer: d sqrt(s) = ds / (2 sqrt(s))
        s = np.sqrt(s)
        want = want / (2 * s)
    got = numeric.evaluate(report.derivative.expr, {"x": x}, {})
    assert np.allclose(got.reshape(-1), want.reshape(-1), rtol=1e-9, atol=0)
