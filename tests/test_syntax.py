"""The input language of CONTRACT.md: tokens, grammar, precedence, spans and syntax errors."""

from __future__ import annotations

from fractions import Fraction

import pytest

from matcalc_cli.errors import MatcalcError
from matcalc_cli.syntax import Syntax, parse, tokenize


def sx(n: Syntax) -> str:
    """A fully bracketed spelling of the tree, independent of matcalc's printers."""
    if n.kind == "num":
        return str(n.value)
    if n.kind == "name":
        return n.text
    if n.kind == "neg":
        return f"(-{sx(n.args[0])})"
    if n.kind == "postfix":
        suffix = {"T": "^T", "invT": "^-T"}.get(n.text)
        if suffix is None:
            suffix = ("^" if n.text == "pow" else ".^") + f"[{n.value}]"
        return f"({sx(n.args[0])}){suffix}"
    if n.kind == "binary":
        op = "juxt" if n.text == " " else n.text
        return f"({sx(n.args[0])} {op} {sx(n.args[1])})"
    if n.kind == "call":
        return f"{n.text}[{', '.join(sx(a) for a in n.args)}]"
    raise AssertionError(f"unknown node kind {n.kind}")


def error_of(src: str) -> MatcalcError:
    with pytest.raises(MatcalcError) as info:
        parse(src)
    return info.value


# ---------------------------------------------------------------- atoms
@pytest.mark.parametrize("src, value", [
    ("2", Fraction(2)),
    ("0.5", Fraction(1, 2)),
    ("1e-3", Fraction(1, 1000)),
    ("1E3", Fraction(1000)),
    ("2.5e2", Fraction(250)),
    ("10", Fraction(10)),
])
def test_numbers(src, value):
    node = parse(src)
    assert node.kind == "num"
    assert node.value == value
    assert node.span == (0, len(src))


@pytest.mark.parametrize("name", ["x", "theta", "W_2", "x1", "Sigma", "lambda", "A", "d1_b"])
def test_names(name):
    node = parse(name)
    assert (node.kind, node.text, node.span) == ("name", name, (0, len(name)))


@pytest.mark.parametrize("src", ["  x  ", "\tx\n"])
def test_whitespace_around_an_expression(src):
    node = parse(src)
    assert node.kind == "name" and node.text == "x"
    assert src[node.span[0]:node.span[1]] == "x"


# ---------------------------------------------------------------- products and sums
@pytest.mark.parametrize("src, tree", [
    ("a b", "(a juxt b)"),
    ("a * b", "(a * b)"),
    ("a @ b", "(a @ b)"),
    ("a .* b", "(a .* b)"),
    ("a ./ b", "(a ./ b)"),
    ("a / b", "(a / b)"),
    ("a + b", "(a + b)"),
    ("a - b", "(a - b)"),
    ("a*b", "(a * b)"),
    ("a.*b", "(a .* b)"),
    ("a./b", "(a ./ b)"),
    ("2x", "(2 juxt x)"),
    ("2 x", "(2 juxt x)"),
])
def test_binary_operators(src, tree):
    assert sx(parse(src)) == tree


@pytest.mark.parametrize("src, tree", [
    # all products are one level, left-associative
    ("a / b c", "((a / b) juxt c)"),
    ("x^T A x", "(((x)^T juxt A) juxt x)"),
    ("a .* b c", "((a .* b) juxt c)"),
    ("a b .* c", "((a juxt b) .* c)"),
    ("a * b @ c ./ d", "(((a * b) @ c) ./ d)"),
    ("a / b / c", "((a / b) / c)"),
    # sums are looser than products
    ("a + b c", "(a + (b juxt c))"),
    ("a b + c", "((a juxt b) + c)"),
    ("a - b - c", "((a - b) - c)"),
    ("a - b + c", "((a - b) + c)"),
    ("a + b .* c", "(a + (b .* c))"),
    # parentheses group
    ("(a + b) c", "((a + b) juxt c)"),
    ("a (b + c)", "(a juxt (b + c))"),
    ("((a))", "a"),
])
def test_precedence_and_associativity(src, tree):
    assert sx(parse(src)) == tree


# ---------------------------------------------------------------- unary minus
@pytest.mark.parametrize("src, tree", [
    ("-x", "(-x)"),
    ("a * -b", "(a * (-b))"),
    ("a .* -b", "(a .* (-b))"),
    ("a - -b", "(a - (-b))"),
    ("--x", "(-(-x))"),
    ("-(-x)", "(-(-x))"),
    ("-a b", "((-a) juxt b)"),  # unary minus binds tighter than products
    ("-x^T", "(-(x)^T)"),  # ... and looser than postfix
    ("-x^T x", "((-(x)^T) juxt x)"),
    ("-(y^T x)", "(-((y)^T juxt x))"),
    ("a + -b", "(a + (-b))"),
])
def test_unary_minus(src, tree):
    assert sx(parse(src)) == tree


def test_a_long_run_of_minus_signs_does_not_exhaust_the_stack():
    node = parse("-" * 4000 + "x")
    depth = 0
    while node.kind == "neg":
        node, depth = node.args[0], depth + 1
    assert depth == 4000 and node.text == "x"


# ---------------------------------------------------------------- postfix
@pytest.mark.parametrize("src, tree", [
    ("x^T", "(x)^T"),
    ("x'", "(x)^T"),
    ("x''", "((x)^T)^T"),
    ("X^-1", "(X)^[-1]"),
    ("X^-T", "(X)^-T"),
    ("X^2", "(X)^[2]"),
    ("X^-2", "(X)^[-2]"),
    ("X^(-1)", "(X)^[-1]"),
    ("x.^2", "(x).^[2]"),
    ("x.^0.5", "(x).^[1/2]"),
    ("x.^-1", "(x).^[-1]"),
    ("x.^(-1)", "(x).^[-1]"),
    ("X^T^-1", "((X)^T)^[-1]"),
    ("X^-1^T", "((X)^[-1])^T"),
    ("(A + B)^T", "((A + B))^T"),
    ("(x)'", "(x)^T"),
    ("x'A x", "(((x)^T juxt A) juxt x)"),
    ("tr(X)^2", "(tr[X])^[2]"),
])
def test_postfix_operators(src, tree):
    assert sx(parse(src)) == tree


def test_postfix_binds_tighter_than_every_binary_operator():
    assert sx(parse("a^T b^T")) == "((a)^T juxt (b)^T)"
    assert sx(parse("a .* b.^2")) == "(a .* (b).^[2])"
    assert sx(parse("a / b^2")) == "(a / (b)^[2])"


# ---------------------------------------------------------------- calls
@pytest.mark.parametrize("name", ["tr", "det", "logdet", "inv", "sum", "norm", "diag", "exp", "log", "sqrt",
                                  "sin", "cos", "tanh", "sigmoid", "softplus", "abs", "softmax", "logsumexp"])
def test_every_contract_function_is_a_call(name):
    node = parse(f"{name}(x + y)")
    assert node.kind == "call" and node.text == name
    assert sx(node.args[0]) == "(x + y)"
    assert node.span == (0, len(name) + 7)


def test_calls_nest_and_combine():
    assert sx(parse("log(sum(exp(W x)))")) == "log[sum[exp[(W juxt x)]]]"
    assert sx(parse("norm(w)^2 + lambda w^T w")) == "((norm[w])^[2] + ((lambda juxt (w)^T) juxt w))"
    assert sx(parse("exp (x)")) == "exp[x]"  # a known function may be spaced from its '('
    assert sx(parse("x (y)")) == "(x juxt y)"  # a spaced name is a product, not a call


# ---------------------------------------------------------------- spans
def test_spans_of_every_node():
    src = "a / b c"
    root = parse(src)
    assert root.span == (0, 7)
    left, right = root.args
    assert left.span == (0, 5) and right.span == (6, 7)
    assert left.op_span == (2, 3)  # the '/'
    assert src[root.op_span[0]:root.op_span[1]] == " "  # the caret of a juxtaposition goes under the gap
    assert [a.span for a in left.args] == [(0, 1), (4, 5)]


def test_spans_of_operators_and_groups():
    src = "(x - A s)^T W (x - A s)"
    root = parse(src)
    assert root.span == (0, len(src))
    first = root.args[0].args[0]  # (x - A s)^T
    assert first.kind == "postfix" and first.span == (0, 11)
    group = first.args[0]
    assert group.span == (0, 9)  # the parentheses belong to the group
    assert src[group.op_span[0]:group.op_span[1]] == "-"
    last = root.args[1]
    assert src[last.span[0]:last.span[1]] == "(x - A s)"


def test_spans_of_calls_and_postfix():
    src = "x^T A^-1 x + tr(X)"
    root = parse(src)
    call = root.args[1]
    assert src[call.span[0]:call.span[1]] == "tr(X)"
    assert src[call.args[0].span[0]:call.args[0].span[1]] == "X"
    inv = root.args[0].args[0].args[1]
    assert inv.kind == "postfix" and src[inv.span[0]:inv.span[1]] == "A^-1"
    assert src[root.op_span[0]:root.op_span[1]] == "+"


def test_every_span_lies_inside_its_parent():
    src = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"
    stack = [parse(src)]
    while stack:
        node = stack.pop()
        lo, hi = node.span
        assert 0 <= lo < hi <= len(src)
        for child in node.args:
            assert lo <= child.span[0] and child.span[1] <= hi
            stack.append(child)
        if node.kind == "name":
            assert src[lo:hi] == node.text


# ---------------------------------------------------------------- errors
def test_unclosed_parenthesis():
    err = error_of("(x^T A x")
    assert err.kind == "syntax"
    assert "expected ')'" in err.message and "column 1" in err.message and "end of input" in err.message
    assert err.span[0] == len("(x^T A x")


def test_unclosed_call():
    err = error_of("tr(A x")
    assert err.kind == "syntax" and "')'" in err.message
    assert err.span[0] == len("tr(A x")


def test_unmatched_closing_parenthesis():
    err = error_of("x^T A x)")
    assert err.kind == "syntax" and "unmatched ')'" in err.message
    assert err.span == (7, 8)


@pytest.mark.parametrize("src", ["x +", "x^T A *", "x .*", "a /", "a -"])
def test_trailing_operator(src):
    err = error_of(src)
    assert err.kind == "syntax"
    assert "end of input" in err.message
    assert err.span[0] == len(src)


@pytest.mark.parametrize("src, where", [("+ x", 0), ("x + * y", 4), ("x ^ T", 2), ("(* x)", 1)])
def test_misplaced_operator(src, where):
    err = error_of(src)
    assert err.kind == "syntax"
    assert err.span[0] == where


@pytest.mark.parametrize("src, char, where", [
    ("x # y", "#", 2),
    ("x; y", ";", 1),
    ("x ∂ y", "∂", 2),  # θ and ² are read now (CONTRACT.md, "Input the user already has")
    ("x\x00", "\x00", 1),
    ("a $ b", "$", 2),
])
def test_unknown_character(src, char, where):
    err = error_of(src)
    assert err.kind == "syntax"
    assert err.message == f"unexpected character {char!r}"
    assert err.span == (where, where + 1)


@pytest.mark.parametrize("src", ["", " ", "\n\t "])
def test_empty_input(src):
    err = error_of(src)
    assert err.kind == "syntax" and "empty" in err.message


@pytest.mark.parametrize("src, name, span", [("foo(x)", "foo", (0, 3)), ("x^T bar(A) x", "bar", (4, 7))])
def test_unknown_function(src, name, span):
    err = error_of(src)
    assert err.kind == "function"
    assert f"unknown function '{name}'" in err.message
    assert "tr" in err.message and "sigmoid" in err.message  # it lists what is known
    assert err.span == span


@pytest.mark.parametrize("src, what", [("x^", "'^'"), ("x^*", "'^'"), ("x.^", "'.^'"), ("x^(", "exponent"),
                                       ("x.^*", "'.^'")])
def test_bad_exponent(src, what):
    err = error_of(src)
    assert err.kind == "syntax" and what in err.message
    assert err.span[0] >= 1


def test_empty_call():
    err = error_of("tr()")
    assert err.kind == "syntax" and err.span == (3, 4)


def test_number_followed_by_elementwise_operator():
    assert sx(parse("1./x")) == "(1 ./ x)"


# ------------------------------------------------------------------ Unicode as people paste it (CONTRACT.md)
def _typed(text: str):  # type: ignore[no-untyped-def]
    from matcalc_cli.build import infer

    variables = {"x": ("n", 1), "y": ("n", 1), "a": ("n", 1), "b": ("n", 1), "A": ("n", "n"),
                 "B": ("n", "n"), "X": ("n", "n"), "theta": ("n", 1), "Sigma": ("n", "n"),
                 "lambda": (1, 1), "w": ("n", 1)}
    return infer(parse(text), variables, frozenset()).expr


@pytest.mark.parametrize(("pasted", "ascii_"), [
    ("xᵀ A x", "x^T A x"),
    ("X⁻¹", "X^-1"),
    ("aᵀ X⁻ᵀ b", "a^T X^-T b"),
    ("X²", "X^2"),
    ("X⁻²", "X^-2"),
    ("tr(X¹²)", "tr(X^12)"),
    ("x^∘3", "x.^3"),
    ("x^∘0.5", "x.^0.5"),
    ("x ⊙ y", "x .* y"),
    ("x ⊘ y", "x ./ y"),
    ("A ⊗ B", "kron(A, B)"),
    ("-A ⊗ B", "-kron(A, B)"),
    ("A ⊗ -B", "-kron(A, B)"),
    ("A ⊗ B ⊗ A", "kron(kron(A, B), A)"),
    ("xᵀ·A·x", "x^T * A * x"),
    ("θᵀ x", "theta^T x"),
    ("log(det(Σ))", "log(det(Sigma))"),
    ("λ wᵀ w", "lambda w^T w"),
])
def test_unicode_reads_as_its_ascii_spelling(pasted: str, ascii_: str) -> None:
    assert _typed(pasted) == _typed(ascii_)


def test_unicode_marks_keep_their_place_for_carets() -> None:
    with pytest.raises(MatcalcError) as err:
        _typed("x ⊙ A")  # n×1 by n×n
    assert err.value.span == (2, 3)
    tokens = tokenize("θᵀ")
    assert [(t.text, t.span) for t in tokens[:3]] == [("theta", (0, 1)), ("^", (1, 2)), ("T", (1, 2))]
