"""respell.py: the spellings that let one name serve two places (a sum beside its own
transpose in a result; a value beside its derivative in code)."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import respell
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from matcalc_cli.simplify import transpose

X = E.var("x", ("n", 1))
MU = E.var("mu", ("n", 1))
A = E.var("A", ("n", "n"))


def test_a_sum_beside_its_transpose_is_spelled_as_that_transpose() -> None:
    u = E.add(X, E.neg(MU))
    row = transpose(u)  # x^T - mu^T: u's transpose, pushed into the sum
    root = E.add(E.mul(row, A, u), E.mul(row, u))
    spelled = respell.shared_transposes(root)
    assert plain.render(spelled) == plain.render(E.add(E.mul(E.T(u), A, u), E.mul(E.T(u), u)))
    assert any(n.op == "T" and n.args[0] == u for n in E.walk(spelled))  # one sum, u, under a transpose
    assert respell.shared_transposes(E.mul(E.T(u), u)) == E.mul(E.T(u), u)  # nothing to respell


def test_a_value_is_written_as_its_derivative_computes_its_sums_and_chains() -> None:
    r = differentiate("norm(R - U V^T)^2", ["U"])
    assert r.function is not None
    shared = respell.shared_with(r.function, r.derivative.expr)
    assert plain.render(shared) == "norm(U V^T - R)^2"  # norm(-u) = norm(u)
    assert {n for n in E.walk(shared) if n.op == "add"} <= set(E.walk(r.derivative.expr))
    r = differentiate("x^T A x + sum(sigmoid(A x))", ["x"])
    assert r.function is not None
    ax = next(n for n in E.walk(r.derivative.expr) if plain.render(n) == "A x")
    assert ax in E.walk(respell.shared_with(r.function, r.derivative.expr))  # x^T (A x)


def test_chain_of_is_the_matrix_factors() -> None:
    t = E.var("t", E.SCALAR)
    assert respell.chain_of(E.mul(t, A, X)) == [A, X]
    assert respell.chain_of(E.add(X, MU)) == []
