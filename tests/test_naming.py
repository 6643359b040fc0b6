"""Named subexpressions of the output (naming.py) and their spelling in every format."""

from __future__ import annotations

import json
import re

import pytest
from corpus import CORPUS
from typer.testing import CliRunner

from matcalc_cli import expr as E
from matcalc_cli import naming
from matcalc_cli.build import infer
from matcalc_cli.cli import app
from matcalc_cli.commands import DiffOptions, diff_json, render_text, run_diff
from matcalc_cli.errors import MatcalcError
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from matcalc_cli.simplify import simplify
from matcalc_cli.syntax import parse


def net(k: int, first: str = "W1", x: str = "x", y: str = "y") -> str:
    e = f"tanh({first} {x})"
    for i in range(2, k + 1):
        e = f"tanh(W{i} {e})"
    return f"norm({e} - {y})^2"


def plain_of(source: str, wrt: str, expand: bool = False) -> str:
    return render_text(run_diff(source, DiffOptions((wrt,), format="plain", expand=expand)), "plain")


def reads_back(source: str, wrt: str, text: str) -> None:
    """The printed text, parsed with its where clause, is the derivative's tree."""
    r = differentiate(source, [wrt])
    back = infer(parse(text), dict(r.variables), frozenset()).expr
    assert back == r.derivative.expr, text


def test_a_deep_network_names_its_activations_in_the_model_style() -> None:
    text = plain_of(net(3), "W1")
    assert text == ("2 ((W2^T ((W3^T ((1 - h3.^2) .* (h3 - y))) .* (1 - h2.^2))) .* (1 - h1.^2)) x^T "
                    "where h1 = tanh(W1 x), h2 = tanh(W2 h1), h3 = tanh(W3 h2)")
    reads_back(net(3), "W1", text)
    assert len(text) < len(plain_of(net(3), "W1", expand=True))


@pytest.mark.parametrize("k", [2, 4, 8])
@pytest.mark.parametrize("wrt", ["W1", "x", "W2"])
def test_named_output_parses_back_to_the_same_derivative(k: int, wrt: str) -> None:
    text = plain_of(net(k), wrt)
    assert " where " in text
    reads_back(net(k), wrt, text)


def test_sigmoid_is_named_s() -> None:
    text = plain_of("sum(sigmoid(X theta))", "theta")
    assert text == "(s .* (1 - s))^T X where s = sigmoid(X theta)"
    reads_back("sum(sigmoid(X theta))", "theta", text)


@pytest.mark.parametrize("source, wrt", [("x^T A x", "x"), ("norm(W2 tanh(W1 x) - y)^2", "W1"),
                                         ("log(sum(exp(W x)))", "W"), ("tr(A X B)", "X")])
def test_nothing_is_named_where_names_would_not_shorten_the_output(source: str, wrt: str) -> None:
    assert plain_of(source, wrt) == plain_of(source, wrt, expand=True)
    assert " where " not in plain_of(source, wrt)


def test_names_never_collide_with_a_variable_or_a_dimension() -> None:
    source = net(3, first="W1", x="h1", y="h")
    text = plain_of(source, "W1")
    r = differentiate(source, ["W1"])
    named = naming.name(r.derivative.expr, r.variables)
    names = [n for n, _ in named.where]
    assert names and not set(names) & (set(r.variables) | {"n", "m", "k", "p"})
    assert len(set(names)) == len(names)
    reads_back(source, "W1", text)


def test_assign_numbers_by_letter_and_uses_the_bare_letter_alone() -> None:
    x = E.var("x", ("n", 1))
    t1 = E.call("tanh", (x,), x.shape)
    t2 = E.call("tanh", (t1,), x.shape)
    s = E.call("sigmoid", (t2,), x.shape)
    u = E.add(t2, x)
    assert naming.assign([t1, t2, s, u], {"h2"}) == {t1: "h1", t2: "h3", s: "s", u: "u"}


def test_definitions_come_before_their_uses() -> None:
    r = differentiate(net(6), ["W1"])
    named = naming.name(r.derivative.expr, r.variables)
    defined: set[str] = set()
    for n, e in named.where:
        used = {v.name for v in E.walk(e) if v.op == "var"} - set(r.variables)
        assert used <= defined, n
        defined.add(n)


def test_json_has_a_where_list_and_latex_a_where_part() -> None:
    out = diff_json(run_diff(net(3), DiffOptions(("W1",), format="json")))
    assert [d["name"] for d in out["where"]] == ["h1", "h2", "h3"]
    assert out["where"][0] == {"name": "h1", "plain": "tanh(W1 x)", "latex": r"\tanh\left(W_{1} x\right)"}
    assert out["derivative"].endswith("where h1 = tanh(W1 x), h2 = tanh(W2 h1), h3 = tanh(W3 h2)")
    assert r" \quad \text{where} \quad h_{1} = \tanh\left(W_{1} x\right),\; h_{2} = " in out["latex"]
    assert "h1" not in out["numpy"]  # one Python expression: written out
    expanded = diff_json(run_diff(net(3), DiffOptions(("W1",), format="json", expand=True)))
    assert "where" not in expanded and " where " not in expanded["derivative"]


def test_the_cli_prints_names_in_pretty_and_plain_and_expand_turns_them_off() -> None:
    runner = CliRunner()
    pretty = runner.invoke(app, ["diff", net(2), "--wrt", "W1"], env={"NO_COLOR": "1"})
    assert pretty.exit_code == 0
    assert "  where h1 = tanh(W1 x)\n        h2 = tanh(W2 h1)\n" in pretty.stdout
    out = runner.invoke(app, ["diff", net(2), "--wrt", "W1", "--format", "plain", "--expand"])
    assert out.exit_code == 0 and " where " not in out.stdout
    js = runner.invoke(app, ["diff", net(2), "--wrt", "W1", "--format", "json"])
    assert json.loads(js.stdout)["where"]


def test_expanded_plain_is_the_plain_printer() -> None:
    r = differentiate(net(2), ["W1"])
    assert plain_of(net(2), "W1", expand=True) == plain.render(r.derivative.expr)


def test_an_inverse_beside_its_transpose_is_one_name() -> None:
    # (A + x x^T)^-T is spelled U^T for U = (A + x x^T)^-1, and x^T U^T x as x^T U x
    r = differentiate("logdet(A + x x^T)", ["x", "x"])
    text = render_text(run_diff("logdet(A + x x^T)", DiffOptions(("x", "x"), format="plain")), "plain")
    assert text == "(1 - x^T U x) (U^T + U) - U^T x x^T U - U x x^T U^T where U = (A + x x^T)^-1"
    # read back, the parser's spelling (U^T, not (A + x x^T)^-T) simplifies to the derivative
    assert simplify(infer(parse(text), dict(r.variables), frozenset()).expr) == r.derivative.expr


# ------------------------------------------------------------------ the one choice (to_name, by policy)
def _typed(source: str) -> E.Expr:
    return infer(parse(source), {}, frozenset()).expr


def _texts(nodes: list[E.Expr]) -> list[str]:
    return [plain.render(n) for n in nodes]


def test_one_choice_serves_prose_code_and_steps() -> None:
    # x - mu, printed twice, is too short to name in a result, but code computes it once;
    # the steps name it too (each part gets its differential), and the linear argument of a
    # function, X theta, however often it occurs.
    f = _typed("(x - mu)^T A (x - mu) + sum(sigmoid(X theta))")
    assert _texts(naming.to_name(f, naming.PROSE)) == []
    assert _texts(naming.to_name(f, naming.code({}))) == ["x - mu"]
    assert _texts(naming.to_name(f, naming.STEPS)) == ["x - mu", "X theta"]
    # among: only these may be named (the steps' parts that depend on the variable)
    theta = {n for n in E.walk(f) if "theta" in plain.render(n)}
    assert _texts(naming.to_name(f, naming.STEPS, among=theta)) == ["X theta"]


def test_the_steps_parts_are_named_by_the_one_choice() -> None:
    # The function is y (the next of its letters when y is taken), a linear argument f,
    # several f1, f2 as a result numbers its h1, h2; a given name is kept.
    f = _typed("sum(softplus(A x)) + logsumexp(B x)")
    x_dep = {n for n in E.walk(f) if "x" in plain.render(n)}
    names = naming.parts(f, x_dep)
    assert {plain.render(n): v for n, v in names.items()} == {"A x": "f1", "B x": "f2", plain.render(f): "y"}
    assert list(names)[-1] is f
    g = _typed("y^T log(sigmoid(X w))")
    w_dep = {n for n in E.walk(g) if "w" in plain.render(n)}
    named = {plain.render(n): v for n, v in naming.parts(g, w_dep).items()}
    assert named == {"X w": "f", plain.render(g): "h"}
    s = next(n for n in E.walk(g) if n.op == "sigmoid")
    kept = {plain.render(n): v for n, v in naming.parts(g, w_dep, {s: "f"}).items()}
    assert kept == {"X w": "g", "sigmoid(X w)": "f", plain.render(g): "h"}


def test_what_a_result_names_code_computes_once() -> None:
    for k in (2, 3, 5):
        d = differentiate(net(k), ["W1"]).derivative.expr
        prose = naming.to_name(d, naming.PROSE)
        assert prose and set(prose) <= set(naming.to_name(d, naming.code({})))


def test_children_come_first_in_every_policy() -> None:
    d = differentiate(net(4), ["W1"]).derivative.expr
    for policy in (naming.PROSE, naming.code({}), naming.STEPS):
        chosen = naming.to_name(d, policy)
        assert chosen
        for i, n in enumerate(chosen):
            assert not set(chosen[i + 1:]) & set(E.walk(n)), policy


def test_code_counts_a_chain_as_it_computes_it() -> None:
    # In M^-1 B + M^-1 C each product is a solve with M = A + x x^T: the inverse is never a
    # matrix of its own, its argument is what is computed twice.
    e = _typed("(A + x x^T)^-1 B + (A + x x^T)^-1 C")
    assert naming.explicit((e,)) == frozenset()
    assert _texts(naming.to_name(e, naming.code({}))) == ["A + x x^T"]
    # outside a chain the inverse is needed as a matrix: computed once itself
    e2 = _typed("(A + x x^T)^-1 + (A + x x^T)^-1 .* B")
    assert _texts(naming.explicit((e2,))) == ["(A + x x^T)^-1"]
    assert _texts(naming.to_name(e2, naming.code({}))) == ["(A + x x^T)^-1"]


def test_a_backend_that_spells_an_argument_twice_computes_it_once() -> None:
    e = _typed("sum(softplus(A x))")
    assert naming.to_name(e, naming.code({})) == []
    assert _texts(naming.to_name(e, naming.code({"softplus": 2}))) == ["A x"]


def test_code_never_computes_a_dimension_or_a_leaf_once() -> None:
    # size(n) is spelled n: code had `h1 = n` for n t n t + exp(n t); -x is spelled as
    # cheaply as a name, sum(-x) is not
    e = _typed("size(n) t size(n) t + exp(size(n)) + sum(x) + x^T A^T A x + sum(-x) + sum(-x)")
    assert _texts(naming.to_name(e, naming.code({}))) == ["sum(-x)"]


def test_code_locals_take_the_results_names() -> None:
    # naming.computed: what code computes once, named as the result names the same nodes
    r = differentiate(net(3), ["W1"])
    code = naming.computed(r.derivative.expr, None, "numpy", r.names())
    assert [(n, plain.render(e)) for n, e in code.where] == [
        ("h1", "tanh(W1 x)"), ("h2", "tanh(W2 tanh(W1 x))"), ("h3", "tanh(W3 tanh(W2 tanh(W1 x)))")]
    assert all(r.names()[e] == n for n, e in code.where)


def test_a_code_only_local_takes_none_of_the_results_names() -> None:
    r = differentiate("sum(sigmoid(u)) + log(x^T A x) + sqrt(x^T A x) where u = B x", ["x"])
    code = naming.computed(r.derivative.expr, None, "numpy", r.names())
    # u is the input's: the next letter of u's (never u1, read as u's sibling)
    assert [(n, plain.render(e)) for n, e in code.where] == [("e", "x^T A x"), ("s", "sigmoid(B x)")]


def test_computed_shares_a_value_with_its_derivative() -> None:
    r = differentiate("norm(R - U V^T)^2", ["U"])
    code = naming.computed(r.derivative.expr, r.function, "numpy", r.names())
    assert code.value is not None and plain.render(code.value) == "norm(U V^T - R)^2"
    # a matrix, and U is a variable: E, the residual (U1 would read as U's sibling; R, V are taken)
    assert [(n, plain.render(e)) for n, e in code.where] == [("E", "U V^T - R")]


def test_a_name_never_reads_as_a_variables_sibling() -> None:
    # U1 beside a variable U, h2 beside h1, s1 beside s: the letter's next instead, in results,
    # steps and code alike; with every alternative a variable's, the numbered letter.
    x = E.var("x", ("n", 1))
    t1, t2 = E.call("tanh", (x,), x.shape), E.call("tanh", (E.neg(x),), x.shape)
    s = E.call("sigmoid", (x,), x.shape)
    assert naming.assign([t1, t2, s], {"x", "h1", "s"}, variables={"x", "h1", "s"}) == {t1: "a1", t2: "a2", s: "p"}
    assert naming.assign([t1, s], {"h_1"}, variables={"h_1"}) == {t1: "a", s: "s"}
    assert naming.assign([t1], {"h", "a"}, variables={"h", "a"}) == {t1: "h1"}
    # a name that is only taken (the result's h2) leaves the letter: h1, h3
    assert naming.assign([t1, t2], {"h2"}) == {t1: "h1", t2: "h3"}
    text = plain_of(net(3, x="h1"), "W1")  # the input is h1: the activations a1, a2, a3
    assert "h2" not in text and "where a1 = tanh(W1 h1)" in text, text
    reads_back(net(3, x="h1"), "W1", text)


def test_a_backends_spelling_counts_come_from_the_records() -> None:
    for backend in ("numpy", "torch", "jax"):
        counts = naming.spelled_in(backend)
        assert counts["tanh"] == 1 and counts["eye"] == 0


PRODUCTS = ["sin(x) .* sin(2 x) .* sin(3 x) .* sin(4 x)", "sum(sin(x) .* sin(2 x) .* sin(3 x) .* sin(4 x) .* sin(5 x))",
            "sum(tanh(x) .* tanh(2 x) .* tanh(3 x))", "sum(exp(x) .* exp(2 x) .* exp(3 x) .* exp(4 x))"]
# Quotients, whose denominators the printers write last while the tree holds them first:
# h1 = sin(b + 3 x) was numbered before the cos(b + 3 x) and sin(x) read before it.
QUOTIENTS = ["sum(sin(x) .* sin(3 x + b)) / sum(sin(3 x + b))", "sum(tanh(x) .* tanh(A x)) / sum(tanh(A x))",
             "sum(tanh(x)) / sum(tanh(3 x)) + sum(tanh(3 x) .* tanh(x))", "norm(exp(A x) - exp(3 x))^2 / sum(exp(x))"]


def read_order(named: naming.Named) -> list[str]:
    """The names as a reader meets them: the printed body left to right, and a name's
    definition read where the name is first met, its names before it (h1 = tanh(W1 x)
    before h2 = tanh(W2 h1) in a network's h3 = tanh(W3 h2))."""
    definitions = {n: plain.render(e) for n, e in named.where}
    out: list[str] = []

    def read(text: str) -> None:
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
            if word in definitions and word not in out:
                read(definitions[word])
                out.append(word)

    read(plain.render(named.body))
    return out


def test_names_are_numbered_and_defined_in_reading_order() -> None:
    # h1 is the first h a reader meets in the printed result, h2 the next, and the where
    # clause defines them in that order: over the corpus, products of several factors,
    # quotients and a network.
    cases = [(c[0], c[1], c[2], c[3]) for c in CORPUS] + [(p, ("x",), (), ()) for p in PRODUCTS + QUOTIENTS]
    cases.append((net(3), ("W1",), (), ()))
    checked = 0
    for source, wrt, shapes, symmetric in cases:
        try:
            report = differentiate(source, list(wrt), list(shapes), list(symmetric))
        except MatcalcError:
            continue
        named = report.named()
        assert [n for n, _ in named.where] == read_order(named), plain.render_named(named)
        checked += len(named.where) > 1
    assert checked >= 8
