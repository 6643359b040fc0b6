"""Structured variables (issue 20) in the commands beside diff: check at points of the
structure over scales and signs, check --derivation with differentials inside the structure,
convex on the structure's domain, one --positive and one --spd for all, errors with a caret."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from matcalc_cli import api
from matcalc_cli.cli import app
from matcalc_cli.errors import MatcalcError
from matcalc_cli.report import differentiate
from matcalc_cli.sampling import points
from matcalc_cli.structure import Structure, declare

runner = CliRunner()


def test_check_draws_points_of_the_structure_at_every_scale() -> None:
    """Points over 1e-3..1e3 stay in the structure: an orthogonal Q is never scaled, the
    others are, as a whole; undeclared names keep both signs."""
    declared = declare([("D", Structure.DIAGONAL), ("L", Structure.LOWER), ("S", Structure.SPD),
                        ("Q", Structure.ORTHOGONAL)])
    report = differentiate("tr(D L S Q) + x^T x", ["x"], structures=declared)
    pts = points(report.variables, report.structures, [], lambda p: True, count=12)
    sizes = set()
    signs = set()
    for p in pts:
        v = p.values
        assert np.array_equal(v["D"], np.diag(np.diag(v["D"]))) and np.array_equal(v["L"], np.tril(v["L"]))
        assert np.allclose(v["S"], v["S"].T) and np.all(np.linalg.eigvalsh(v["S"]) > 0)
        assert np.allclose(v["Q"].T @ v["Q"], np.eye(len(v["Q"])))
        sizes.add(round(float(np.log10(np.max(np.abs(v["S"]))))))
        signs |= set(np.sign(v["x"]).ravel())
    assert len(sizes) >= 3 and signs == {-1.0, 1.0}


@pytest.mark.parametrize(("source", "name", "option", "claim"), [
    ("logdet(C)", "C", "spd", "C^-1"),
    ("tr(A D)", "D", "diagonal", "A .* eye(n)"),
    ("norm(Q x - y)^2", "Q", "orthogonal", "Q x y^T Q - y x^T"),
    ("tr(L^T A L)", "L", "lower", "tril((A + A^T) L)"),
    ("sum(log(x))", "x", "positive", "1 ./ x^T"),
])
def test_check_within_the_structure(source: str, name: str, option: str, claim: str) -> None:
    result = runner.invoke(app, ["check", source, "--wrt", name, f"--{option}", name, "--expect", claim])
    assert result.exit_code == 0, result.output


def test_check_of_logdet_by_an_spd_matrix_has_no_negative_determinant_point() -> None:
    right = api.check("logdet(C)", "C", "C^-1", spd=["C"])
    assert right.ok
    wrong = api.check("logdet(C)", "C", "C^-T + C", spd=["C"])
    assert not wrong.ok
    point = wrong.result.difference.values  # type: ignore[union-attr]
    assert np.all(np.linalg.eigvalsh(np.asarray(point["C"])) > 0)


DERIVATIONS = [
    ("y = logdet(S)\ndy = tr(S^-1 dS)\ndy/dS = S^-1\n", ["--spd", "S"], "S", 0),
    ("y = tr(A D)\ndy = tr(A dD)\ndy/dD = A .* eye(n)\n", ["--diagonal", "D"], "D", 0),
    ("y = tr(L^T L)\ndy = 2 tr(L^T dL)\ndy/dL = 2 L\n", ["--lower", "L"], "L", 0),
    ("y = norm(Q x - b)^2\ndy = 2 (Q x - b)^T dQ x\ndy/dQ = Q x b^T Q - b x^T\n", ["--orthogonal", "Q"], "Q", 0),
    # d(Q^T Q) = 0 only along directions inside the orthogonal matrices
    ("y = tr(Q^T Q)\ndy = 0\n", ["--orthogonal", "Q"], "Q", 0),
    ("y = tr(Q^T Q)\ndy = 0\n", [], "Q", 1),
    ("y = logdet(S)\ndy/dS = 2 S^-1 - S^-1 .* eye(n)\n", ["--spd", "S"], "S", 1),
]


@pytest.mark.parametrize(("text", "options", "wrt", "code"), DERIVATIONS)
def test_derivations_take_every_structure(text: str, options: list[str], wrt: str, code: int) -> None:
    result = runner.invoke(app, ["check", "--derivation", "-", "--wrt", wrt, *options], input=text)
    assert result.exit_code == code, result.output


def test_a_derivation_in_the_cookbook_convention_is_diagnosed() -> None:
    result = api.check(derivation="y = logdet(S)\ndy/dS = 2 S^-1 - S^-1 .* eye(n)\n", wrt="S", spd=["S"])
    assert not result.ok and "Matrix Cookbook" in str(result.to_json())


@pytest.mark.parametrize(("args", "verdict"), [
    (["tr(L^T A L)", "--wrt", "L", "--lower", "L", "--spd", "A"], "convex"),
    (["norm(Q x - y)^2", "--wrt", "x", "--orthogonal", "Q"], "convex"),
    (["x^T D x", "--wrt", "x", "--diagonal", "D"], "neither"),
    (["sum(log(x))", "--wrt", "x", "--positive", "x"], "concave"),
    (["-logdet(X)", "--wrt", "X", "--spd", "X"], "convex"),
])
def test_convex_takes_every_structure(args: list[str], verdict: str) -> None:
    result = runner.invoke(app, ["convex", *args[1:], "--format", "json", "--", args[0]])

    assert json.loads(result.stdout)["verdict"] == verdict, result.output


def test_convex_draws_its_counterexamples_inside_the_structure() -> None:
    c = api.convex("x^T D x", "x", diagonal=["D"])
    for q in ("convex", "concave"):
        d = np.asarray(c.counterexample[q]["point"]["D"])
        assert np.array_equal(d, np.diag(np.diag(d)))
    u = api.convex("sum(exp(U))", "U", upper=["U"])
    assert u.convex == "yes"
    if u.counterexample.get("concave"):
        v = np.asarray(u.counterexample["concave"]["direction"]["U"])
        assert np.array_equal(v, np.triu(v))


def test_convexity_in_an_orthogonal_variable_is_refused() -> None:
    result = runner.invoke(app, ["convex", "norm(Q x - y)^2", "--wrt", "Q", "--orthogonal", "Q"])
    assert result.exit_code == 2 and "not a convex set" in result.output
    with pytest.raises(MatcalcError, match="not a convex set"):
        api.convex("tr(Q)", "Q", orthogonal=["Q"])


def test_one_option_one_meaning_in_diff_check_and_convex() -> None:
    """--spd and --positive are one declaration for every command: the same conflicts."""
    for command in (["diff", "tr(D)", "--wrt", "D"], ["check", "tr(D)", "--wrt", "D", "--expect", "eye(n)"],
                    ["convex", "tr(D)", "--wrt", "D"]):
        result = runner.invoke(app, [*command, "--spd", "D", "--lower", "D"])
        assert result.exit_code == 2 and "--lower D and --spd D" in result.output, command
        result = runner.invoke(app, [*command, "--diagonal", "D", "--positive", "D"])
        assert result.exit_code == 2 and "--diagonal D and --positive D" in result.output, command


@pytest.mark.parametrize(("args", "caret_under"), [
    (["x^T A x", "--wrt", "x", "--diagonal", "x"], "x^T A x\n  ^"),
    (["tr(C^T C)", "--wrt", "C", "--shape", "C=n,m", "--lower", "C"], "tr(C^T C)\n     ^"),
])
def test_a_structure_that_cannot_hold_points_at_the_name(args: list[str], caret_under: str) -> None:
    result = runner.invoke(app, ["diff", *args])
    assert result.exit_code == 2 and caret_under in result.output, result.output
