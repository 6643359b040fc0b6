"""simplify/pairs.py: the identities of a product's adjacent factors, as rules (inverse-pair,
orthonormal-pair, diagonal-product, negated-sum), the pair rules by which the engine settles
a choice's candidates (engine.joined) before their costs are compared."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli.ops import fn
from matcalc_cli.render.plain import render
from matcalc_cli.simplify import RULES, simplify
from matcalc_cli.simplify.engine import choose_settled, joined
from matcalc_cli.simplify.pairs import has_negated_sum, negated_sum_out
from matcalc_cli.structure import Structure

N = ("n", "n")
X, A = E.var("X", N), E.var("A", N)
u, v = E.var("u", ("n", 1)), E.var("v", ("n", 1))


def _steps(e):
    steps: list = []
    out = simplify(e, steps)
    return render(out), [name for name, _, _ in steps]


def test_an_inverse_pair_cancels_by_its_own_name():
    out, names = _steps(E.mul(A, E.inv(X), X))
    assert out == "A" and "inverse-pair" in names and "product" not in names


def test_an_orthogonal_variable_times_its_transpose_is_the_identity():
    q = E.var("Q", N, Structure.ORTHOGONAL)
    out, names = _steps(E.mul(E.T(q), q, v))
    assert out == "v" and "orthonormal-pair" in names


def test_diagonals_join_and_a_diagonal_times_a_vector_is_a_hadamard_product():
    out, names = _steps(E.mul(fn("diag", u), fn("diag", v)))
    assert out == "diag(u .* v)" and "diagonal-product" in names
    assert _steps(E.mul(fn("diag", u), v))[0] == "u .* v"
    assert _steps(E.mul(A, fn("diag", u), v))[0] == "A (u .* v)"


def test_a_negated_sum_gives_its_sign_to_the_product():
    neg = E.add(E.neg(X), E.neg(E.T(X)))
    e = E.mul(A, neg, A)
    assert has_negated_sum(e) and render(negated_sum_out(e)) == "-A (X + X^T) A"
    assert has_negated_sum(E.mul(A, E.T(neg)))  # under a transpose too
    assert not has_negated_sum(neg)


def test_the_pair_rules_join_inside_any_tree():
    assert render(joined(fn("tr", E.mul(E.inv(X), X, A)))) == "tr(A)"


def test_a_choice_weighs_each_candidate_as_the_pair_rules_leave_it():
    node = fn("tr", E.mul(X, A, E.inv(X)))
    turned = fn("tr", E.mul(E.inv(X), X, A))  # longer as it stands, tr(A) once joined
    assert render(choose_settled(node, [turned])) == "tr(A)"
    assert choose_settled(node, [fn("tr", E.mul(X, X, A, E.inv(X), E.inv(X)))]) is node  # never longer


def test_the_pair_rules_are_marked_in_the_table():
    assert {r.name for r in RULES if r.pair} == {"inverse-pair", "orthonormal-pair", "diagonal-product",
                                                 "negated-sum"}


def test_the_rules_are_in_the_table():
    names = {r.name for r in RULES}
    assert {"inverse-pair", "orthonormal-pair", "diagonal-product", "negated-sum"} <= names
