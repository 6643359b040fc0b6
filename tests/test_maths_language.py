"""The language of issue 25 as a user meets it: what parses and what is an error, the closed
forms printed (goldens), and the notes a derivative under a condition carries."""

from __future__ import annotations

import re

import pytest

from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.errors import MatcalcError
from matcalc_cli.ops import OPS
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from matcalc_cli.syntax import parse


def plain_of(source: str, wrt: str, *shapes: str, symmetric: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """(the derivative as plain prints it, with its where clause; its notes)."""
    r = differentiate(source, [wrt], list(shapes), list(symmetric))
    return plain.render_named(r.named()), r.derivative.notes


def typed(source: str, *shapes: str) -> E.Expr:
    declared = {}
    for s in shapes:
        name, _, dims = s.partition("=")
        declared[name] = (1, 1) if dims == "scalar" else tuple(int(d) if d.isdigit() else d for d in dims.split(","))
    return infer(parse(source), declared, frozenset()).expr


# ------------------------------------------------------------------ variable exponents
@pytest.mark.parametrize("source, base, exponent", [
    ("x.^y", "x", "y"), ("x.^t", "x", "t"), ("a^t", "a", "t"), ("t^t", "t", "t"), ("x.^(t + 1)", "x", "t + 1"),
    ("x.^-t", "x", "-t"), ("2^t", "2", "t"), ("x.^tanh(y)", "x", "tanh(y)"),
])
def test_a_variable_exponent_parses_to_one_power(source, base, exponent):
    e = typed(source, "t=scalar", "a=scalar")
    assert e.op == "vpow"
    assert plain.render(e.args[0]) == base and plain.render(e.args[1]) == exponent
    assert plain.render(e) == source.replace("-t", "(-t)")  # it prints as it is read


@pytest.mark.parametrize("source, op", [("x.^2", "epow"), ("x^2", "pow"), ("X^-1", "inv"), ("x.^(-1)", "epow"),
                                        ("X^T", "T"), ("x.^(2)", "epow")])
def test_a_number_exponent_is_the_power_it_was(source, op):
    shapes = ["X=n,n", "x=scalar"] if source == "x^2" else ["X=n,n"]  # x^2: x declared a scalar (issue 19)
    assert typed(source, *shapes).op == op


def test_a_matrix_to_a_variable_power_is_an_error():
    with pytest.raises(MatcalcError, match="variable power"):
        typed("X^t", "X=n,n", "t=scalar")


def test_the_derivative_by_a_variable_exponent_says_the_base_is_positive():
    form, notes = plain_of("sum(x.^t)", "t", "t=scalar")
    assert form == "log(x)^T x.^t"
    assert OPS["vpow"].note in notes
    assert plain_of("t^t", "t", "t=scalar")[0] == "log(t) t^t + t t^(t - 1)"


# ------------------------------------------------------------------ reductions along a dimension, extremes, norms
@pytest.mark.parametrize("source, wrt, shapes, form", [
    ("sum(X, 1) w", "w", ("X=m,n",), "ones(1, m) X"),
    ("X sum(Y, 2)", "X", ("X=k,m", "Y=m,n"), "kron(ones(1, n) Y^T, eye(k))"),
    ("norm(A x - b, 1)", "x", (), "sign(A x - b)^T A"),
    ("max(x)", "x", (), "ismax(x)^T"),
    ("norm(X, 2)", "X", (), "svec_left(X) svec_right(X)^T"),
    ("nuclear(X)", "X", (), "polar(X)"),
    ("sum(logsumexp(X, 1))", "X", (), "softmax(X^T)^T"),
    ("tr(expm(X))", "X", (), "expm(X)^T"),
    ("a^T expm(t A) b", "t", ("t=scalar",), "a^T A expm(t A) b"),
    ("tr(logm(X))", "X", (), "X^-T"),
    ("a^T expm(X) b", "X", (), "expm_frechet(X^T, a b^T)"),
    ("a^T sqrtm(X) b", "X", (), "sylvester(sqrtm(X)^T, sqrtm(X)^T, a b^T)"),
])
def test_closed_forms(source, wrt, shapes, form):
    assert plain_of(source, wrt, *shapes)[0] == form


@pytest.mark.parametrize("source, shape", [
    ("sum(X, 1)", (1, "n")), ("sum(X, 2)", ("m", 1)), ("mean(X, 1)", (1, "n")), ("softmax(X, 1)", ("m", "n")),
    ("logsumexp(X, 1)", (1, "n")), ("logsumexp(X, 2)", ("m", 1)), ("max(X)", (1, 1)), ("norm(x, inf)", (1, 1)),
])
def test_shapes_along_a_dimension(source, shape):
    assert typed(source, "X=m,n").shape == shape


@pytest.mark.parametrize("source, says", [
    ("sum(X, 0)", "1 (down the columns"), ("sum(X, n)", "1 (down the columns"),
    ("norm(x, 0.5)", "p >= 1"), ("norm(X, 1)", "p = 2"), ("max(x, 1)", "takes 1 argument"),
])
def test_what_is_an_error(source, says):
    with pytest.raises(MatcalcError, match=re.escape(says)):
        typed(source, "X=m,n", "x=n,1")


@pytest.mark.parametrize("source, wrt, op", [
    ("max(x)", "x", "max"), ("norm(X, 2)", "X", "normspec"), ("nuclear(X)", "X", "nuclear"),
])
def test_a_derivative_under_a_condition_says_so(source, wrt, op):
    assert OPS[op].note in plain_of(source, wrt)[1]


def test_the_gradient_of_the_trace_of_sqrtm():
    # the half prints as "/ 2" or "0.5" depending on what ran before (the printer's memo); both are the form
    assert plain_of("tr(sqrtm(X))", "X")[0] in ("sqrtm(X)^-T / 2", "0.5 sqrtm(X)^-T")


# ------------------------------------------------------------------ spectra
@pytest.mark.parametrize("source, wrt, shapes, symmetric, form", [
    ("eigmax(X)", "X", (), ("X",), "u u^T where u = eigvec_max(X)"),
    ("eigmin(X)", "X", (), ("X",), "u u^T where u = eigvec_min(X)"),
    ("sum(eigvals(X))", "X", (), ("X",), "eye(n)"),  # U U^T = I: the gradient of tr(X)
    ("w^T eigvals(X)", "X", (), ("X",), "U diag(w) U^T where U = eigvecs(X)"),
    ("eigmax(A^T A)", "A", (), (), "2 A u u^T where u = eigvec_max(A^T A)"),
    ("eigmin(A + t B)", "t", ("t=scalar",), ("A", "B"), "u^T B u where u = eigvec_min(A + t B)"),
    ("sum(svdvals(X))", "X", ("X=4,3",), (), "polar(X)"),  # the nuclear norm's
    ("w^T svdvals(X)", "X", ("X=4,3",), (), "svd_u(X) diag(w) svd_v(X)^T"),
])
def test_spectral_closed_forms(source, wrt, shapes, symmetric, form):
    assert plain_of(source, wrt, *shapes, symmetric=symmetric)[0] == form


@pytest.mark.parametrize("source, symmetric, op", [
    ("eigmax(X)", ("X",), "eigmax"), ("eigmin(X)", ("X",), "eigmin"), ("sum(eigvals(X))", ("X",), "eigvals"),
    ("sum(svdvals(X))", (), "svdvals"),
])
def test_a_spectral_derivative_says_its_condition(source, symmetric, op):
    assert OPS[op].note in plain_of(source, "X", "X=3,3", symmetric=symmetric)[1]


@pytest.mark.parametrize("source", ["eigvals(X)", "eigmax(X)", "eigmin(X)", "eigvecs(X)", "eigvec_max(X)",
                                    "eigmax(A + B)", "eigmax(A B)", "eigmax(A - A^T)"])
def test_an_eigenvalue_of_a_matrix_not_known_symmetric_is_an_error(source):
    with pytest.raises(MatcalcError, match="needs a symmetric argument") as err:
        typed(source, "X=n,n", "A=n,n", "B=n,n")
    assert err.value.kind == "input" and err.value.span is not None
    if source.endswith("(X)"):
        assert "--symmetric X" in err.value.message
        assert source[slice(*err.value.span)] == "X"  # the caret under the argument


@pytest.mark.parametrize("source", ["eigmax(A^T A)", "eigmax(A A^T)", "eigvals(A + A^T)", "eigmin(B^T A^T A B)",
                                    "eigmax(2 (A + A^T) - eye(n))", "eigmax(expm(A + A^T))", "eigmax(t)"])
def test_a_matrix_symmetric_by_construction_needs_no_declaration(source):
    assert typed(source, "A=n,n", "B=n,n", "t=scalar").shape in ((1, 1), ("n", 1))


@pytest.mark.parametrize("source, shape", [
    ("svdvals(X)", "X=4,3"), ("svdvals(X)", "X=3,4"), ("svdvals(X)", "X=n,n"), ("svdvals(x)", "x=n,1"),
])
def test_the_number_of_singular_values(source, shape):
    want = {"X=4,3": 3, "X=3,4": 3, "X=n,n": "n", "x=n,1": 1}[shape]
    assert typed(source, shape).shape == (want, 1)


def test_singular_values_of_a_matrix_of_unknown_proportions_is_an_error():
    with pytest.raises(MatcalcError, match=re.escape("--shape X=4,3")):
        typed("svdvals(X)", "X=n,m")
