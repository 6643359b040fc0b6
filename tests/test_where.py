"""Named subexpressions in the input (CONTRACT.md, "Named subexpressions"): parsing, the
substitution when the typed tree is built, and the errors with their carets."""

from __future__ import annotations

import pytest

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.report import differentiate
from matcalc_cli.syntax import parse
from matcalc_cli.where import substitute
from tests.helpers import check_numeric

RELU_NET = "norm(W2 relu(W1 x + b1) + b2 - y)^2"
RELU_NET_WHERE = "norm(W2 h + b2 - y)^2 where h = relu(W1 x + b1)"
TANH_NET = "norm(W3 tanh(W2 tanh(W1 x)) - y)^2"
TANH_NET_WHERE = "norm(W3 h2 - y)^2 where h1 = tanh(W1 x), h2 = tanh(W2 h1)"


def test_parses_to_a_where_node_of_body_and_definitions() -> None:
    root = parse("norm(W2 h - y)^2 where h = tanh(W1 x), g = h")
    assert root.kind == "where"
    assert [d.text for d in root.args[1:]] == ["h", "g"]
    assert [d.kind for d in root.args[1:]] == ["define", "define"]
    assert root.args[1].op_span == (23, 24)


@pytest.mark.parametrize("plain, named", [(RELU_NET, RELU_NET_WHERE), (TANH_NET, TANH_NET_WHERE)])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_the_same_model_with_and_without_where_has_the_same_derivative(plain: str, named: str,
                                                                       layout: str) -> None:
    for w in ("W1", "W2", "x"):
        a = differentiate(plain, [w], layout=layout)
        b = differentiate(named, [w], layout=layout)
        assert a.derivative.expr == b.derivative.expr, w
        assert a.variables == b.variables


@pytest.mark.parametrize("source, wrt", [(RELU_NET_WHERE, "W1"), (RELU_NET_WHERE, "b1"),
                                         (TANH_NET_WHERE, "W1"), (TANH_NET_WHERE, "x"),
                                         ("s^T A s where s = sigmoid(B x)", "B")])
def test_derivatives_through_definitions_match_finite_differences(source: str, wrt: str) -> None:
    check_numeric(source, wrt)


def test_a_definition_is_one_shared_node_of_the_typed_tree() -> None:
    # Each definition used twice: written out, the tree would double with every level.
    defs = ", ".join(f"h{i} = tanh(h{i - 1} + h{i - 1})" for i in range(1, 41))
    r = differentiate(f"sum(h40) where h0 = x, {defs}", ["x"])
    assert r.variables == {"x": ("n", 1)}
    root = substitute(parse(f"sum(h40) where h0 = x, {defs}"))
    from matcalc_cli.where import post_order

    assert len(post_order(root)) < 200


def test_definitions_keep_their_source_spans_for_shape_errors() -> None:
    src = "x^T h where h = x + A"
    with pytest.raises(MatcalcError) as err:
        differentiate(src, ["x"], ["A=n,n", "x=n"])
    assert err.value.span == (src.index("+"), src.index("+") + 1)


@pytest.mark.parametrize("src, message, at", [
    ("x^T x where", "after 'where'", "x^T x where".index("where") + 5),
    ("x^T x where h", "'=' after h", len("x^T x where h")),
    ("h^T h where h = x,", "after ','", len("h^T h where h = x,")),
    ("g^T g where g = h, h = x", "h is used before it is defined", "g^T g where g = ".__len__()),
    ("x^T x where h = x, h = y", "h is defined twice", "x^T x where h = x, ".__len__()),
    ("h^T h where h = tanh(W h)", "own definition", "h^T h where h = tanh(W ".__len__()),
    ("x^T x where h = x", "h is defined but never used", "x^T x where ".__len__()),
    ("x^T x where tanh = x", "is a function", "x^T x where ".__len__()),
    ("where + x", "after an expression", 0),
    ("h^T h where h = x where g = h", "one where clause", "h^T h where h = x ".__len__()),
    ("x = y", "where clause", 2),
])
def test_errors_name_the_problem_with_a_caret(src: str, message: str, at: int) -> None:
    with pytest.raises(MatcalcError) as err:
        differentiate(src, ["x"])
    assert message in err.value.message
    assert err.value.span is not None and err.value.span[0] == at


@pytest.mark.parametrize("option, args", [("--wrt", (["h"], [], [])), ("--shape", (["x"], ["h=n"], [])),
                                          ("--symmetric", (["x"], [], ["h"]))])
def test_an_option_naming_a_definition_is_an_error(option: str, args: tuple) -> None:
    with pytest.raises(MatcalcError) as err:
        differentiate("h^T h where h = A x", *args)
    assert option in err.value.message and "named subexpression" in err.value.message
    assert err.value.span == (12, 13)


def test_where_is_a_keyword_not_a_factor() -> None:
    r = differentiate("x^T h where h = 2 x", ["x"])
    assert r.derivative.expr.shape == (1, "n")
    assert E.free_vars(r.derivative.expr).keys() == {"x"}


@pytest.mark.parametrize("source, wrt, printed", [
    ("norm(W2 h - y)^2 where h = tanh(W1 x)", "W2", "2 (W2 h - y) h^T where h = tanh(W1 x)"),
    ("norm(W2 h - y)^2 where h = tanh(W1 x)", "W1", "2 ((W2^T (W2 h - y)) .* (1 - h.^2)) x^T where h = tanh(W1 x)"),
    ("sum(S .* G) where S = softmax(Q K^T)", "Q",
     "(S .* (G - (G .* S) ones(m) ones(1, m))) K where S = softmax(Q K^T)"),
    # The input's h beside an activation the output names: the output's takes another letter.
    ("sum(h) + sum(tanh(A x)) + sum(tanh(A x) .* tanh(A x)) where h = tanh(x)", "x", None),
])
def test_the_inputs_own_names_are_kept_in_the_result(source: str, wrt: str, printed: str) -> None:
    from matcalc_cli.render import plain

    report = differentiate(source, [wrt])
    text = plain.render_named(report.named())
    assert text == printed if printed else text.count(" h = tanh(x)") == 1, text
    assert E.free_vars(report.named(expand=True).body).keys() <= set(report.variables)


@pytest.mark.parametrize("source, wrt, printed", [
    ("h - x + h where h = x + a", "x", "eye(n)"),
    ("(h - x) + (h - x) where h = x + a", "x", "zeros(n, n)"),
    ("sum((h - x) + (h - y)) where h = x + a", "x", "ones(1, n)"),
    ("x^T h h x where h = A B", "x", "x^T (A B A B + B^T A^T B^T A^T)"),
])
def test_a_shared_sum_or_product_is_built_once(source, wrt, printed):
    """A definition is one node with a parent at each use: a sum or a chain of products
    beside it is built around it, never by extending it in place (which once lost it for
    its second use: an internal error)."""
    from matcalc_cli.render import plain

    assert plain.render(differentiate(source, [wrt]).derivative.expr) == printed
