"""Shapes: --shape specs, inference, unification, and the messages of a mismatch."""

from __future__ import annotations

import re

import pytest

from matcalc_cli.build import infer
from matcalc_cli.dims import parse_spec
from matcalc_cli.errors import MatcalcError
from matcalc_cli.report import differentiate
from matcalc_cli.syntax import parse

S = (1, 1)


def typed(src, declared=None, symmetric=()):
    return infer(parse(src), dict(declared or {}), frozenset(symmetric))


def shape_error(src, declared=None, symmetric=()) -> MatcalcError:
    with pytest.raises(MatcalcError) as info:
        typed(src, declared, symmetric)
    return info.value


def at(src: str, err: MatcalcError) -> str:
    assert err.span is not None, f"no span for {err.message!r}"
    return src[err.span[0]:err.span[1]]


# ---------------------------------------------------------------- --shape specs
@pytest.mark.parametrize("spec, shape", [
    ("scalar", S),
    ("n", ("n", 1)),
    ("n,m", ("n", "m")),
    (" n , m ", ("n", "m")),
    ("3", (3, 1)),
    ("3,4", (3, 4)),
    ("d1,k", ("d1", "k")),
    ("n,n", ("n", "n")),
])
def test_parse_spec(spec, shape):
    assert parse_spec(spec) == shape


@pytest.mark.parametrize("spec", ["n,m,k", "", "n,", ",m", "0", "-1", "1x", "n m", "2.5", "n;m"])
def test_parse_spec_rejects(spec):
    with pytest.raises(MatcalcError) as info:
        parse_spec(spec)
    assert info.value.kind == "option"


# ---------------------------------------------------------------- declarations
def test_declared_shapes_are_kept():
    t = typed("x^T A x", {"x": (3, 1)})
    assert t.variables == {"x": (3, 1), "A": (3, 3)}
    assert t.inferred == frozenset({"A"})


def test_declared_names_win_over_the_case_convention():
    t = typed("a^T X b", {"X": ("n", "m"), "a": ("n", 1), "b": ("m", 1)})
    assert t.variables == {"a": ("n", 1), "X": ("n", "m"), "b": ("m", 1)}
    assert t.inferred == frozenset()
    t = typed("W x", {"W": S})  # an uppercase name declared scalar
    assert t.variables["W"] == S and t.expr.shape == t.variables["x"]


def test_declared_integer_dimensions_propagate():
    t = typed("A + B", {"A": (3, 2)})
    assert t.variables["B"] == (3, 2)


# ---------------------------------------------------------------- inference
def test_uppercase_is_a_matrix_lowercase_a_vector():
    t = typed("A x")
    a, x = t.variables["A"], t.variables["x"]
    assert x[1] == 1 and x[0] != 1
    assert a[0] != 1 and a[1] != 1
    assert a[1] == x[0]  # unified
    assert t.expr.shape == (a[0], 1)


@pytest.mark.parametrize("name", ["theta", "Sigma", "W_2", "x1"])
def test_single_names(name):
    shape = typed(name).variables[name]
    if name[0].isupper():
        assert shape[0] != 1 and shape[1] != 1
    else:
        assert shape[1] == 1 and shape[0] != 1


def test_scalar_only_where_needed_in_a_resolvent():
    t = typed("(A + t B)^-1")
    assert t.variables["t"] == S
    a = t.variables["A"]
    assert a[0] == a[1] and t.variables["B"] == a  # inverse makes it square; + unifies
    assert t.expr.shape == a


def test_scalar_only_where_needed_in_ridge():
    t = typed("norm(w)^2 + lambda w^T w")
    assert t.variables["lambda"] == S
    assert t.variables["w"][1] == 1 and t.variables["w"][0] != 1
    assert t.expr.shape == S


def test_no_scalar_when_a_vector_type_checks():
    t = typed("x^T A x + b^T x")
    assert all(t.variables[n][1] == 1 and t.variables[n][0] != 1 for n in ("x", "b"))


def test_unification_makes_a_quadratic_form_square():
    t = typed("x^T A x")
    n = t.variables["x"][0]
    assert t.variables == {"x": (n, 1), "A": (n, n)}
    assert t.expr.shape == S


def test_unification_through_a_chain():
    t = typed("a^T X b")
    a, X, b = (t.variables[k] for k in "aXb")
    assert X == (a[0], b[0])
    t = typed("A B C x")
    A, B, C, x = (t.variables[k] for k in ("A", "B", "C", "x"))
    assert A[1] == B[0] and B[1] == C[0] and C[1] == x[0]
    assert t.expr.shape == (A[0], 1)


def test_unification_across_a_sum():
    t = typed("A x + B y")
    assert t.variables["A"][0] == t.variables["B"][0]


def test_different_unrelated_dimensions_get_different_names():
    t = typed("a^T X b")
    a, b = t.variables["a"][0], t.variables["b"][0]
    assert a != b and isinstance(a, str) and isinstance(b, str)
    assert not a.startswith("?") and not b.startswith("?")


def test_constant_broadcasts_in_plus_and_minus():
    t = typed("1 - y")
    assert t.variables["y"][1] == 1 and t.expr.shape == t.variables["y"]
    t = typed("X + 2")
    assert t.expr.shape == t.variables["X"]


def test_division_by_a_scalar_and_elementwise_scaling():
    t = typed("x / 2")
    assert t.expr.shape == t.variables["x"]
    t = typed("x ./ y")
    assert t.expr.shape == t.variables["x"] == t.variables["y"]


@pytest.mark.parametrize("src, shape_of", [
    ("x y^T", lambda v: (v["x"][0], v["y"][0])),
    ("x^T y", lambda v: S),
    ("A^T", lambda v: (v["A"][1], v["A"][0])),
    ("tr(X)", lambda v: S),
    ("diag(x)", lambda v: (v["x"][0], v["x"][0])),
    ("softmax(x)", lambda v: v["x"]),
    ("logsumexp(x)", lambda v: S),
    ("exp(X)", lambda v: v["X"]),
    ("sum(X)", lambda v: S),
    ("norm(X)", lambda v: S),
    ("X .* Y", lambda v: v["X"]),
])
def test_result_shapes(src, shape_of):
    t = typed(src)
    assert t.expr.shape == shape_of(t.variables)


def test_symmetric_matrix_is_square():
    t = typed("W", symmetric=["W"])
    w = t.variables["W"]
    assert w[0] == w[1]


def test_wrt_absent_from_the_expression_still_gets_a_shape():
    r = differentiate("x^T a", ["z"])
    assert r.variables["z"][1] == 1 and r.variables["z"][0] not in (1, r.variables["x"][0])
    r = differentiate("x^T a", ["Z"])
    assert r.variables["Z"][0] != 1 and r.variables["Z"][1] != 1


# ---------------------------------------------------------------- mismatches
def test_product_mismatch_names_operator_and_both_shapes():
    src = "x^T A"
    err = shape_error(src, {"x": ("n", 1), "A": ("m", "m")})
    assert err.kind == "shape"
    assert err.message == "cannot multiply 1×n by m×m"
    assert err.span == (3, 4)  # the gap of the juxtaposition


def test_product_mismatch_with_an_explicit_operator():
    src = "A * x"
    err = shape_error(src, {"A": ("n", "m"), "x": ("k", 1)})
    assert "cannot multiply n×m by k×1" in err.message
    assert at(src, err) == "*"


def test_product_mismatch_inside_a_larger_expression():
    src = "y^T x + x^T A x"
    err = shape_error(src, {"x": ("n", 1), "y": ("m", 1), "A": ("n", "n")})
    assert err.message == "cannot multiply 1×m by n×1"
    assert err.span == (3, 4)


@pytest.mark.parametrize("op, verb", [("+", "add"), ("-", "subtract")])
def test_sum_mismatch(op, verb):
    src = f"x {op} y"
    err = shape_error(src, {"x": ("n", 1), "y": ("m", 1)})
    assert err.kind == "shape"
    assert err.message == f"cannot {verb} n×1 and m×1"
    assert at(src, err) == op


@pytest.mark.parametrize("op, verb", [(".*", "multiply"), ("./", "divide")])
def test_elementwise_mismatch(op, verb):
    src = f"A {op} B"
    err = shape_error(src, {"A": ("n", "m"), "B": ("m", "n")})
    assert err.kind == "shape"
    assert f"cannot {verb} elementwise n×m by m×n" == err.message
    assert at(src, err) == op


def test_elementwise_between_vectors_of_different_lengths():
    src = "x .* y"
    err = shape_error(src, {"x": ("n", 1), "y": ("m", 1)})
    assert "n×1" in err.message and "m×1" in err.message and at(src, err) == ".*"


def test_slash_needs_a_scalar_divisor():
    src = "x / y"
    err = shape_error(src, {"x": ("n", 1), "y": ("n", 1)})
    assert "'/' divides by a scalar" in err.message and "./" in err.message
    assert at(src, err) == "/"


@pytest.mark.parametrize("src, declared", [
    ("t + x", {"t": S, "x": ("n", 1)}),  # a declared scalar (CONTRACT: X w + b, b=scalar)
    ("x - mean(x)", {}),  # a scalar-valued expression
    ("X - sum(X)", {}),
])
def test_a_scalar_valued_expression_broadcasts_in_a_sum(src, declared):
    typed = infer(parse(src), declared, frozenset())
    assert typed.expr.shape != S and typed.expr.op == "add"


def test_a_name_read_as_scalar_does_not_make_a_sum_type_check():
    # x would be a scalar only to broadcast it: that reading nobody meant is an error.
    src = "x - A"
    err = shape_error(src)
    assert err.kind == "shape" and at(src, err) == "-"


@pytest.mark.parametrize("src, scalars, vectors", [
    ("norm(w)^2 + lambda w^T w", {"lambda"}, {"w"}),
    ("alpha x^T x", {"alpha"}, {"x"}),
    ("c x^T x", {"c"}, {"x"}),
    ("t log(det(X))", {"t"}, set()),
    ("x^T A x", set(), {"x"}),
    ("a^T X b", set(), {"a", "b"}),
    ("a b^T", set(), {"a", "b"}),
    ("x (a^T x)", set(), {"x", "a"}),
])
def test_the_coefficient_rule(src, scalars, vectors):
    variables = infer(parse(src), {}, frozenset()).variables
    assert {n for n, s in variables.items() if s == S} == scalars
    assert vectors <= {n for n, s in variables.items() if s[1] == 1 and s[0] != 1}


@pytest.mark.parametrize("src, what", [
    ("inv(X)", "inv"),
    ("X^-1", "inverse"),
    ("X^-T", "inverse"),
    ("det(X)", "det"),
    ("logdet(X)", "logdet"),
    ("tr(X)", "tr"),
    ("X^2", "power"),
])
def test_square_only_operations_on_a_non_square_matrix(src, what):
    err = shape_error(src, {"X": ("n", "m")})
    assert err.kind == "shape"
    assert what in err.message and "square" in err.message and "n×m" in err.message
    assert at(src, err) == src


def test_matrix_power_needs_an_integer():
    err = shape_error("X^0.5", {"X": ("n", "n")})
    assert "integer" in err.message


@pytest.mark.parametrize("src", ["diag(t)", "diag(2)"])
def test_diag_of_a_scalar(src):
    err = shape_error(src, {"t": S})
    assert err.kind == "function"
    assert "diag" in err.message and "scalar" in err.message
    assert at(src, err) == src


@pytest.mark.parametrize("fn", ["softmax", "logsumexp"])
def test_softmax_of_a_scalar(fn):
    src = f"{fn}(t)"
    err = shape_error(src, {"t": S})
    assert err.kind == "function"
    assert err.message == f"{fn} needs a vector or a matrix (it acts on each row), got a scalar"
    assert at(src, err) == src


@pytest.mark.parametrize("src, shape", [
    ("softmax(X)", ("n", "m")),  # row by row, as attention layers use it
    ("logsumexp(X)", ("n", 1)),  # one per row
    ("softmax(x)", ("k", 1)),
    ("logsumexp(x)", S),
])
def test_softmax_and_logsumexp_act_on_rows(src, shape):
    assert infer(parse(src), {"X": ("n", "m"), "x": ("k", 1)}, frozenset()).expr.shape == shape


def test_wrong_number_of_arguments():
    err = shape_error("tr(X, Y)")
    assert err.kind == "function" and "1 argument" in err.message


def test_symmetric_declaration_of_a_non_square_matrix():
    err = shape_error("sum(W)", {"W": ("n", "m")}, ["W"])
    assert err.kind == "shape"
    assert "--symmetric W" in err.message and "n×m" in err.message and "not square" in err.message
    # x^T W x only type-checks with x a scalar: x is no textbook scalar (and x^T no scalar's), so an error
    err = shape_error("x^T W x", {"W": ("n", "m")}, ["W"])
    assert "cannot multiply" in err.message


def test_symmetric_non_square_through_differentiate():
    with pytest.raises(MatcalcError) as info:
        differentiate("a^T W b", ["W"], ["W=3,4"], ["W"])
    assert "--symmetric W" in info.value.message and "3×4" in info.value.message


# Unification variables are internal: a message shows only names a user can read.
_INTERNAL = re.compile(r"\?\d")


@pytest.mark.parametrize("src, declared", [
    ("x^T A", {"x": ("n", 1), "A": ("m", "m")}),
    ("x + y", {"x": ("n", 1), "y": ("m", 1)}),
    ("inv(X)", {"X": ("n", "m")}),
])
def test_messages_with_declared_shapes_show_no_internal_names(src, declared):
    assert not _INTERNAL.search(shape_error(src, declared).message)


@pytest.mark.parametrize("src, declared", [
    ("diag(X) + x", {"X": ("n", "m")}),
    ("x - A", {"x": ("n", 1)}),
    ("a b c d e", {}),
])
def test_messages_with_inferred_shapes_show_no_internal_names(src, declared):
    message = shape_error(src, declared).message
    assert not _INTERNAL.search(message), message


def test_inference_does_not_read_several_vectors_as_scalars_to_make_a_slip_type_check():
    # G is a matrix, the rest vectors: the slip is an error, not g, x and b read as scalars.
    src = "sum(G .* (g .* (x - mean(x)) / sqrt(mean((x - mean(x)).^2) + eps) + b))"
    err = shape_error(src, {"eps": S})
    assert err.kind == "shape" and at(src, err) == ".*"


@pytest.mark.parametrize("src, shapes", [
    # products of dimensions unify: the common factor cancels, unknown factors match one for one
    ("vec(A X)^T vec(X)", {"A": ("n", "n"), "X": ("n", "m")}),
    ("vec(x x^T)^T vec(A)", {"x": ("n", 1), "A": ("n", "n")}),
    ("unvec(v, n, m)", {"v": ("m·n", 1)}),
])
def test_products_of_dimensions(src, shapes):
    assert infer(parse(src), {}, frozenset()).variables == shapes


def test_a_number_is_a_product_of_a_known_factor_and_an_unknown():
    # kron(X, B) beside a 6×6 A with B 2×2: X is 3×3 (6 = 2·?); 5 is no multiple of 2.
    typed = infer(parse("tr(A kron(X, B))"), {"A": (6, 6), "B": (2, 2)}, frozenset())
    assert typed.variables["X"] == (3, 3)
    with pytest.raises(MatcalcError, match="cannot multiply 5×5 by 2·n×2·m"):
        infer(parse("tr(A kron(X, B))"), {"A": (5, 5), "B": (2, 2)}, frozenset())


# ------------------------------------------------------------------ inference exactly as stated (issue 19)
@pytest.mark.parametrize(("source", "wrt", "shapes", "variables"), [
    ("norm(x * 2)", ["x"], [], {"x": "n"}),
    ("sum(log(x * 2))", ["x"], [], {"x": "n"}),
    ("y^T log(p * 2)", ["p"], [], {"y": "n", "p": "n"}),
    ("sum(x * 2)", ["x", "x"], [], {"x": "n"}),
    ("w @ t", ["w"], ["t=scalar"], {"w": "n", "t": "scalar"}),
    ("(A + t B)^-1", ["t"], [], {"A": "n,n", "t": "scalar", "B": "n,n"}),
    ("norm(w)^2 + lambda w^T w", ["w"], [], {"w": "n", "lambda": "scalar"}),
])
def test_only_textbook_scalar_names_are_read_as_scalars(source: str, wrt: list[str], shapes: list[str],
                                                        variables: dict[str, str]) -> None:
    from matcalc_cli.report import differentiate

    r = differentiate(source, wrt, shapes)
    assert r.to_json()["variables"] == variables
    if wrt == ["x", "x"]:
        assert r.derivative.shape == ("n", "n")  # a zero Hessian, n×n: not 0 of a scalar


def test_a_vector_reading_that_does_not_type_check_suggests_declaring_a_scalar() -> None:
    from matcalc_cli.report import differentiate

    with pytest.raises(MatcalcError) as info:
        differentiate("sum(softmax(a^T x))", ["x"])
    assert "is read as a vector (a lowercase name)" in info.value.message and "=scalar" in info.value.message
    r = differentiate("sum(softmax(a^T x))", ["x"], ["a=scalar"])
    assert r.to_json()["variables"] == {"a": "scalar", "x": "n"}
