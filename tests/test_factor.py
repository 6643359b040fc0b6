"""The factorisations of issue 25 (ops/factor.py): chol, pinv, adj and tril_half as a user meets
them: the closed forms printed (goldens), logdet through chol agreeing with logdet, the
symmetric argument chol asks for, the conditions stated, and the points drawn where they hold."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_numeric

from matcalc_cli import numeric
from matcalc_cli.build import infer
from matcalc_cli.errors import MatcalcError
from matcalc_cli.ops import OPS
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from matcalc_cli.syntax import parse
from matcalc_cli.verification import verify


def plain_of(source: str, wrt: str, *shapes: str, symmetric: tuple[str, ...] = ()) -> str:
    r = differentiate(source, [wrt], list(shapes), list(symmetric))
    return plain.render_named(r.named())


@pytest.mark.parametrize("source, wrt, shapes, symmetric, form", [
    # logdet through chol is logdet: X^-1 by a symmetric X, 2 A (A^T A)^-1 through A^T A
    ("2 sum(log(diag(chol(X))))", "X", (), ("X",), "X^-1"),
    ("2 sum(log(diag(chol(A^T A))))", "A", (), (), "2 A (A^T A)^-1"),
    ("a^T chol(X) b", "X", (), ("X",),
     "chol(X)^-T (U + U^T) chol(X)^-1 / 2 where U = tril_half(chol(X)^T a b^T)"),
    ("chol(A + t B)", "t", ("t=scalar",), ("A", "B"), "chol(A + t B) tril_half(U B U^T) where U = chol(A + t B)^-1"),
    ("tr(pinv(X) A)", "X", ("X=n,n",), (), "-pinv(X)^T A^T pinv(X)^T"),
    ("tr(pinv(X) A)", "X", (), (), "((A - X U A) U - U^T A^T) U^T + U^T U (A - A U X) where U = pinv(X)"),
    ("sum(adj(X))", "X", (), (), "tr(adj(X) ones(n, n)) X^-T - adj(X)^T ones(n, n) X^-T"),
    ("tr(adj(X))", "X", (), (), "tr(adj(X)) X^-T - adj(X)^T X^-T"),
])
def test_closed_forms(source, wrt, shapes, symmetric, form):
    assert plain_of(source, wrt, *shapes, symmetric=symmetric) == form


@pytest.mark.parametrize("through_chol, logdet, wrt, symmetric", [
    ("2 sum(log(diag(chol(X))))", "logdet(X)", "X", ("X",)),
    ("2 sum(log(diag(chol(A^T A))))", "logdet(A^T A)", "A", ()),
    ("2 sum(log(diag(chol(A + t B))))", "logdet(A + t B)", "t", ("A", "B")),
])
def test_logdet_through_chol_prints_as_logdet(through_chol, logdet, wrt, symmetric):
    shapes = ("t=scalar",) if wrt == "t" else ()
    assert plain_of(through_chol, wrt, *shapes, symmetric=symmetric) == plain_of(logdet, wrt, *shapes,
                                                                                 symmetric=symmetric)


@pytest.mark.parametrize("source, symmetric", [
    ("chol(X)", ("X",)), ("chol(X^T X)", ()), ("chol(A + A^T)", ()), ("chol(x x^T + eye(n))", ()),
    ("chol(2 X^T W X + eye(m))", ("W",)), ("chol(inv(W))", ("W",)), ("chol(expm(A + A^T))", ()),
    ("chol(W .* W)", ("W",)), ("chol(diag(exp(x)))", ()),
])
def test_chol_of_a_symmetric_argument(source, symmetric):
    e = infer(parse(source), {"X": ("n", "m")} if "m)" in source else {}, frozenset(symmetric)).expr
    assert e.op == "chol"


@pytest.mark.parametrize("source, hint, caret", [
    ("chol(X)", "--symmetric X", "X"),
    ("a^T chol(A + B) b", "--symmetric", "A + B"),
    ("chol(A B)", "--symmetric", "A B"),
    ("chol(X^T A X)", "--symmetric", "X^T A X"),
])
def test_chol_of_an_argument_not_symmetric_is_an_error_that_suggests_the_option(source, hint, caret):
    with pytest.raises(MatcalcError) as info:
        infer(parse(source), {}, frozenset(), source=source)
    err = info.value
    assert err.kind == "input" and "chol" in err.message and hint in err.message
    assert err.span is not None and source[err.span[0]:err.span[1]] == caret


@pytest.mark.parametrize("source, wrt, op, symmetric", [
    ("tr(chol(X))", "X", "chol", ("X",)), ("sum(pinv(X))", "X", "pinv", ()), ("sum(adj(X))", "X", "adj", ()),
])
def test_a_derivative_under_a_condition_says_so(source, wrt, op, symmetric):
    notes = differentiate(source, [wrt], [], list(symmetric)).derivative.notes
    assert OPS[op].note in notes


@pytest.mark.parametrize("source, wrt, symmetric", [
    ("2 sum(log(diag(chol(X))))", "X", ("X",)),
    ("chol(X)", "X", ("X",)),
    ("tr(pinv(X) A)", "X", ()),
    ("sum(adj(X))", "X", ()),
])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_verify_draws_points_where_the_condition_holds(source, wrt, symmetric, layout):
    """--verify's points are of both signs and many scales: chol's argument is drawn positive
    definite (narrowed from indefinite, where chol is NaN), pinv's of full rank."""
    r = differentiate(source, [wrt], [], list(symmetric), layout)
    v = verify(r)
    assert v.ok, v


def test_the_values_are_the_libraries():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4))
    s = a @ a.T + np.eye(4)
    x = {"S": s, "A": a, "R": rng.standard_normal((5, 3))}
    sizes = {"n": 4}

    def value(src: str, shapes: dict) -> np.ndarray:
        e = infer(parse(src), shapes, frozenset({"S"})).expr
        return numeric.evaluate(e, x, sizes)

    square = {"S": (4, 4), "A": (4, 4)}
    low = value("chol(S)", square)
    assert np.allclose(low @ low.T, s) and np.allclose(low, np.tril(low))
    assert np.allclose(value("pinv(R)", {"R": (5, 3)}), np.linalg.pinv(x["R"]))
    assert np.allclose(value("adj(A) A", square), np.linalg.det(a) * np.eye(4))
    half = value("tril_half(A)", square)
    assert np.allclose(half + half.T, np.tril(a) + np.tril(a).T - np.diag(np.diag(a)))
    # where the derivative is not written, NaN: check and --verify draw elsewhere
    assert np.all(np.isnan(value("chol(-S)", square)))
    assert np.all(np.isnan(value("pinv(R ones(3) ones(1, 3))", {"R": (5, 3)})))


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_the_jacobian_by_a_symmetric_matrix_differentiates_the_symmetric_part(layout):
    # finite differences move one entry of X at a time; chol reads (X + X^T) / 2
    check_numeric("chol(X)", "X", symmetric=("X",), layout=layout)
