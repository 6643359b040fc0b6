"""Structured variables (issue 20): --diagonal, --lower, --upper, --spd, --orthogonal and
--positive beside --symmetric. Golden results for the textbook cases, the gradient within the
structure against finite differences along it, conflicts, and check's Matrix Cookbook verdict."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from matcalc_cli import api
from matcalc_cli.checking import check
from matcalc_cli.cli import app
from matcalc_cli.drawing import dim_sizes, sample
from matcalc_cli.errors import MatcalcError
from matcalc_cli.numeric import evaluate
from matcalc_cli.report import differentiate
from matcalc_cli.structure import ClaimConvention, Structure, declare
from matcalc_cli.verification import verify

runner = CliRunner()

# (expression, variable, structure, the derivative matcalc prints)
GOLDEN = [
    ("logdet(S)", "S", Structure.SPD, "S^-1"),
    ("tr(A D)", "D", Structure.DIAGONAL, "A .* eye(n)"),
    ("norm(Q x - y)^2", "Q", Structure.ORTHOGONAL, "Q x y^T Q - y x^T"),
    ("tr(L^T A L)", "L", Structure.LOWER, "tril((A + A^T) L)"),
    ("tr(A U)", "U", Structure.UPPER, "triu(A^T)"),
    ("tr(A X)", "X", Structure.SYMMETRIC, "(A + A^T) / 2"),
    ("tr(Q^T A)", "Q", Structure.ORTHOGONAL, "(A - Q A^T Q) / 2"),
    ("x^T inv(Q) y", "Q", Structure.ORTHOGONAL, "(y x^T - Q x y^T Q) / 2"),
]


@pytest.mark.parametrize(("source", "name", "structure", "want"), GOLDEN)
def test_textbook_gradients_within_the_structure(source: str, name: str, structure: Structure, want: str) -> None:
    d = api.diff(source, name, **{structure.value: [name]})
    assert d.plain == want
    assert d.report.derivative.within is structure
    assert d.report.structures.of(name) is structure


# Expressions whose derivatives (first, Jacobian, second) --verify checks against central
# differences along directions inside the structure.
VERIFIED = [
    *[(s, n, st) for s, n, st, _ in GOLDEN],
    ("tr(A D B) + sum(exp(D))", "D", Structure.DIAGONAL),
    ("logdet(L) + sum(L .* L)", "L", Structure.LOWER),
    ("x^T S^-1 x + logdet(S)", "S", Structure.SPD),
    ("tr(A Q B Q^T)", "Q", Structure.ORTHOGONAL),
    ("A X B", "X", Structure.DIAGONAL),
    ("A X B", "X", Structure.LOWER),
    ("A X B", "X", Structure.UPPER),
    ("A X B", "X", Structure.SYMMETRIC),
    ("A Q B", "Q", Structure.ORTHOGONAL),
    ("S^-1 x", "S", Structure.SPD),
]


@pytest.mark.parametrize(("source", "name", "structure"), VERIFIED)
def test_verified_within_the_structure(source: str, name: str, structure: Structure) -> None:
    report = differentiate(source, [name], structures=declare([(name, structure)]))
    assert verify(report).ok


@pytest.mark.parametrize("structure", [Structure.DIAGONAL, Structure.LOWER, Structure.UPPER, Structure.SPD,
                                       Structure.SYMMETRIC])
def test_hessians_within_the_structure(structure: Structure) -> None:
    report = differentiate("tr(X^T A X) + sum(X .* X .* X)", ["X", "X"], structures=declare([("X", structure)]))
    assert verify(report).ok


def _projection(s: Structure, g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The Frobenius projection onto the tangent space, written out independently of matcalc."""
    if s is Structure.DIAGONAL:
        return np.diag(np.diag(g))
    if s is Structure.LOWER:
        return np.tril(g)
    if s is Structure.UPPER:
        return np.triu(g)
    if s is Structure.ORTHOGONAL:
        skew = x.T @ g
        return x @ (skew - skew.T) / 2
    return (g + g.T) / 2


@pytest.mark.parametrize("structure", [s for s in Structure if s is not Structure.POSITIVE])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_is_the_projection_of_the_unconstrained_one(structure: Structure, seed: int) -> None:
    """At random points of the structure: the projection of unconstrained central differences
    (entry by entry, not along the structure), and for the orthogonal matrices directional
    derivatives along a Cayley curve, which stays orthogonal (not the expm that --verify uses)."""
    source = "tr(A X B X) + sum(exp(X))"
    report = differentiate(source, ["X"], shapes=["X=4,4", "A=4,4", "B=4,4"],
                           structures=declare([("X", structure)]))
    rng = np.random.default_rng(seed)
    values = sample(report.variables, report.structures, rng, {})
    f, h = report.function, 1e-6
    assert f is not None
    x0 = values["X"]
    got = evaluate(report.derivative.expr, values, {})
    g = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            e = np.zeros((4, 4))
            e[i, j] = h
            up, down = evaluate(f, {**values, "X": x0 + e}, {}), evaluate(f, {**values, "X": x0 - e}, {})
            g[i, j] = (up - down).item() / (2 * h)
    np.testing.assert_allclose(got, _projection(structure, g, x0), atol=1e-6)
    if structure is Structure.ORTHOGONAL:
        s = rng.standard_normal((4, 4))
        s = s - s.T

        def cayley(t: float) -> np.ndarray:
            return x0 @ np.linalg.solve(np.eye(4) - t * s / 2, np.eye(4) + t * s / 2)

        along = (evaluate(f, {**values, "X": cayley(h)}, {}) - evaluate(f, {**values, "X": cayley(-h)}, {})).item()
        assert along / (2 * h) == pytest.approx(float(np.sum(got * (x0 @ s))), rel=1e-6)


def test_points_are_drawn_from_the_structure() -> None:
    report = differentiate("tr(D L U S Q) + sum(P) + sum(p)", ["D"], shapes=["D=5,5"], structures=declare([
        ("D", Structure.DIAGONAL), ("L", Structure.LOWER), ("U", Structure.UPPER), ("S", Structure.SPD),
        ("Q", Structure.ORTHOGONAL), ("P", Structure.POSITIVE), ("p", Structure.POSITIVE)]))
    for seed in range(5):
        sizes = dim_sizes(report.variables, base=seed)
        v = sample(report.variables, report.structures, np.random.default_rng(seed), sizes, positive=False)
        assert np.array_equal(v["D"], np.diag(np.diag(v["D"])))
        assert np.array_equal(v["L"], np.tril(v["L"])) and np.array_equal(v["U"], np.triu(v["U"]))
        assert np.allclose(v["S"], v["S"].T) and np.linalg.cond(v["S"]) < 4 and np.all(np.linalg.eigvalsh(v["S"]) > 0)
        assert np.allclose(v["Q"].T @ v["Q"], np.eye(5))
        assert np.all(v["P"] > 0) and np.all(v["p"] > 0)
        assert min(abs(np.diag(v["L"]))) >= 0.5  # well conditioned: the diagonal away from 0


def test_a_positive_name_makes_log_defined_everywhere_it_is_drawn() -> None:
    report = differentiate("sum(log(X))", ["X"], structures=declare([("X", Structure.POSITIVE)]))
    assert report.structures.positive == frozenset({"X"}) and verify(report).ok


@pytest.mark.parametrize(("args", "message"), [
    (["--diagonal", "D", "--orthogonal", "D"], "--diagonal D and --orthogonal D"),
    (["--lower", "D", "--upper", "D"], "declare --diagonal D"),
    (["--orthogonal", "D", "--positive", "D"], "--orthogonal D and --positive D"),
    (["--diagonal", "D", "--positive", "D"], "--diagonal D and --positive D"),
    (["--spd", "D", "--lower", "D"], "--lower D and --spd D"),
    (["--diagonal", "x"], "--diagonal x: x is a vector"),
    (["--spd", "D", "--shape", "D=n,m"], "--spd D: D is n×m, not square"),
    (["--orthogonal", "t", "--shape", "t=scalar"], "--orthogonal t: t is a scalar"),
    (["--diagonal", "2x"], "--diagonal expects a matrix name"),
])
def test_conflicts_are_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["diff", "y^T D x + t", "--wrt", "x", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_implied_declarations_are_accepted() -> None:
    d = api.diff("logdet(S)", "S", symmetric=["S"], spd=["S"])
    assert d.report.structures.of("S") is Structure.SPD
    assert api.diff("sum(D)", "D", diagonal="D", symmetric="D").report.structures.of("D") is Structure.DIAGONAL


def test_second_derivative_by_an_orthogonal_matrix_is_refused() -> None:
    with pytest.raises(MatcalcError, match="orthogonal"):
        api.diff("tr(A Q)", ["Q", "Q"], orthogonal=["Q"])


def test_the_output_says_which_gradient() -> None:
    pretty = runner.invoke(app, ["diff", "tr(A D)", "--wrt", "D", "--diagonal", "D"])
    assert pretty.exit_code == 0 and "within diagonal matrices" in pretty.output
    plain = runner.invoke(app, ["diff", "tr(A D)", "--wrt", "D", "--diagonal", "D", "--format", "plain"])
    assert plain.stdout.strip() == "A .* eye(n)" and "G .* I" in plain.stderr
    out = json.loads(runner.invoke(app, ["diff", "norm(Q x - y)^2", "--wrt", "Q", "--orthogonal", "Q",
                                         "--positive", "y", "--format", "json"]).stdout)
    assert out["structure"] == {"Q": ["orthogonal"], "y": ["positive"]}
    assert "Riemannian" in out["note"]


def test_batch_jobs_take_the_options(tmp_path: object) -> None:
    jobs = "diff 'tr(A D)' --wrt D --diagonal D --format plain\ncheck 'logdet(S)' --wrt S --spd S --expect 'S^-1'\n"
    result = runner.invoke(app, ["batch", "-"], input=jobs)
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["exit"] for x in lines] == [0, 0]
    assert lines[0]["structure"] == {"D": ["diagonal"]}


@pytest.mark.parametrize("structure", ["symmetric", "spd"])
def test_check_names_the_matrix_cookbook_convention(structure: str) -> None:
    result = check("logdet(C)", ["C"], "2 C^-1 - C^-1 .* eye(n)", structures=declare([("C", Structure(structure))]))
    assert not result.ok
    assert result.verdict == "other-convention" and result.convention is ClaimConvention.MATRIX_COOKBOOK_SYMMETRIC
    assert result.to_json()["convention"] == "matrix-cookbook-symmetric"
    cli = runner.invoke(app, ["check", "logdet(C)", "--wrt", "C", f"--{structure}", "C", "--expect",
                              "2 C^-1 - C^-1 .* eye(n)"])
    assert cli.exit_code == 1


def test_the_cookbook_form_of_a_non_diagonal_gradient_is_recognised_numerically() -> None:
    result = api.check("x^T S x", "S", "2 x x^T - (x x^T) .* eye(n)", spd=["S"])
    assert result.result.convention is ClaimConvention.MATRIX_COOKBOOK_SYMMETRIC
    assert api.check("x^T S x", "S", "x x^T", spd=["S"]).ok


def test_unstructured_claims_keep_their_verdicts() -> None:
    assert check("logdet(C)", ["C"], "2 C^-1", structures=declare([("C", Structure.SPD)])).verdict == "different"
    assert check("tr(A D)", ["D"], "A^T", structures=declare([("D", Structure.DIAGONAL)])).verdict == "different"
