"""matcalc check and diff --verify: through the CLI (CliRunner) and the functions."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from matcalc_cli.checking import SECOND_POINTS, ClaimError, check
from matcalc_cli.cli import app
from matcalc_cli.errors import MatcalcError
from matcalc_cli.report import differentiate
from matcalc_cli.verification import DIRECTIONS, SAMPLED, SAMPLED_POINTS, VERIFY_POINTS, verify

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def check_cli(expr: str, claim: str, *options: str, wrt: tuple[str, ...] = ("x",)) -> tuple[int, str, str]:
    wrts = [a for w in wrt for a in ("--wrt", w)]
    return run("check", expr, *wrts, "--expect", claim, "--format", "plain", *options)


# ------------------------------------------------------------------ correct claims
@pytest.mark.parametrize("claim", ["x^T (A + A^T)", "x^T A + x^T A^T", "(A x + A^T x)^T"])
def test_correct_gradient_of_quadratic_form(claim: str) -> None:
    code, out, _ = check_cli("x^T A x", claim)
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("correct: the claim is equal to the derivative")
    assert "x^T (A + A^T)" in out and "1×n" in out


def test_canonical_form_decides_before_numbers() -> None:
    assert check("x^T A x", ["x"], "x^T A + x^T A^T").method == "canonical form"
    assert check("x^T W x", ["x"], "2 (W x)^T", symmetric=["W"]).ok  # W^T = W is known


def test_numeric_decision_when_forms_differ() -> None:
    # Equal, though the simplifier does not cancel X^2 X^-2: the random points decide.
    result = check("tr(A X)", ["X"], "A^T X^2 X^-2", shapes=["X=n,n"])
    assert result.ok and result.method == "numerically"
    assert check("x", ["x"], "exp(log(2)) eye(n) / 2").ok


def test_hessian_claim() -> None:
    code, out, _ = check_cli("x^T A x", "A + A^T", wrt=("x", "x"))
    assert code == 0
    assert "hessian" in out
    code, out, _ = check_cli("x^T A x", "2 A", wrt=("x", "x"))
    assert code == 1
    assert "not equal" in out


def test_other_kinds() -> None:
    assert check("(A + t B)^-1", ["t"], "-(A + t B)^-1 B (A + t B)^-1").ok  # matrix by scalar
    assert check("log(t) + t^2", ["t"], "1/t + 2 t", shapes=["t=scalar"]).ok  # scalar by scalar
    assert check("A x", ["x"], "A").ok  # Jacobian
    assert check("A X", ["X"], "kron(eye(k), A)", shapes=["A=m,n", "X=n,k"]).ok  # vec/Kronecker
    assert not check("A X", ["X"], "kron(A, eye(k))", shapes=["A=m,n", "X=n,k"]).ok
    assert check("logdet(S)", ["S"], "S^-1", symmetric=["S"]).ok  # symmetric gradient
    assert check("x^T A y", ["x", "y"], "A").ok  # mixed second derivative


# ------------------------------------------------------------------ wrong claims
def test_wrong_claim_shows_both_forms_and_the_largest_difference() -> None:
    code, out, _ = check_cli("x^T A x", "2 x^T A")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "wrong: the claim is not equal to the derivative"
    assert any(line.split() == ["claim", "2", "x^T", "A", "(1×n)"] for line in lines)
    assert any(line.strip().startswith("derivative  x^T (A + A^T)") for line in lines)
    assert any("largest difference" in line and "at point" in line and "entry (" in line for line in lines)
    assert any(line.strip().startswith("at          x = [") for line in lines)
    assert "shapes" in out


def test_wrong_claim_as_json() -> None:
    code, out, _ = run("check", "x^T A x", "--wrt", "x", "--expect", "2 x^T A", "--format", "json")
    assert code == 1
    obj = json.loads(out)
    assert obj["schema"] == 1 and obj["derivative"] == "x^T (A + A^T)"
    c = obj["check"]
    assert c["verdict"] == "different" and c["equal"] is False
    assert c["claim"] == "2 x^T A" and c["claim_shape"] == ["1", "n"]
    d = c["difference"]
    assert d["relative"] > 1e-3 and d["claim"] != pytest.approx(d["expected"])
    assert set(d["values"]) == {"x", "A"}


def test_difference_is_real() -> None:
    """The reported entry really differs: recompute it from the reported point."""
    import numpy as np

    result = check("x^T A x", ["x"], "2 x^T A")
    diff = result.difference
    assert diff is not None
    x, a = np.asarray(diff.values["x"]), np.asarray(diff.values["A"])
    r, c = diff.entry
    assert (2 * x.T @ a)[r - 1, c - 1] == pytest.approx(diff.claim)
    assert (x.T @ (a + a.T))[r - 1, c - 1] == pytest.approx(diff.derivative)


def test_denominator_layout_claim_is_named() -> None:
    code, out, _ = check_cli("x^T A x", "(A + A^T) x")
    assert code == 1
    assert "equal to the denominator-layout form" in out.splitlines()[0]
    code, out, _ = check_cli("x^T A x", "(A + A^T) x", "--layout", "denominator")
    assert code == 0
    assert check("exp(t) x", ["t"], "exp(t) x^T", shapes=["t=scalar"]).verdict == "other-layout"


def test_numerator_claim_checked_in_denominator_layout() -> None:
    result = check("x^T A x", ["x"], "x^T (A + A^T)", layout="denominator")
    assert result.verdict == "other-layout"
    assert "numerator-layout form" in result.message()


def test_transposed_claim() -> None:
    code, out, _ = check_cli("a^T X b", "b a^T", wrt=("X",))
    assert code == 1
    assert "equal to the transpose" in out.splitlines()[0]
    assert check("tr(A X)", ["X"], "A", shapes=["X=n,n"]).verdict == "transpose"


def test_claim_not_defined_at_the_points() -> None:
    result = check("x^T A x", ["x"], "x^T log(A)")  # A has negative entries off the diagonal
    assert not result.ok
    assert result.difference is not None
    assert "not a finite number" in "\n".join(result.lines(str))


# ------------------------------------------------------------------ bad input
def test_bad_claim_syntax_has_a_caret_into_the_claim() -> None:
    code, out, err = check_cli("x^T A x", "x^T (A + )")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("matcalc: error: in --expect:")
    assert lines[1] == "  x^T (A + )"
    assert lines[2] == "  " + " " * 9 + "^"


def test_bad_claim_as_json() -> None:
    code, out, _ = run("check", "x^T A x", "--wrt", "x", "--expect", "x^T (A + )", "--format", "json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error == {"kind": "syntax", "message": error["message"], "start": 9, "end": 10, "in": "expect"}


def test_claim_with_a_new_name() -> None:
    code, _, err = check_cli("x^T A x", "x^T (A + B)")
    assert code == 2
    assert "B is not a variable of the expression" in err
    assert err.splitlines()[2] == "  " + " " * 9 + "^"


def test_claim_of_the_wrong_shape() -> None:
    with pytest.raises(ClaimError, match="the claim is n×n, but the derivative is 1×n"):
        check("x^T A x", ["x"], "A")
    code, _, err = check_cli("x^T A x", "A^T A x x^T")
    assert code == 2 and "the derivative is 1×n" in err
    code, _, err = check_cli("x^T A x", "x^T A + x")  # a shape error inside the claim
    assert code == 2 and "cannot add" in err and "in --expect" in err


def test_bad_expression_still_points_into_the_expression() -> None:
    code, _, err = check_cli("x^T (A + ", "x")
    assert code == 2
    assert "in --expect" not in err and err.splitlines()[1] == "  x^T (A + "


def test_check_format_is_validated() -> None:
    code, _, err = run("check", "x", "--wrt", "x", "--expect", "1", "--format", "latex")
    assert code == 2 and "--format must be one of pretty, plain, json" in err


def test_pretty_output() -> None:
    code, out, _ = run("check", "x^T A x", "--wrt", "x", "--expect", "2 x^T A")
    assert code == 1
    assert out.startswith("wrong: the claim is not equal to the derivative")
    assert "xᵀ (A + Aᵀ)" in out


# ------------------------------------------------------------------ diff --verify
def test_verify_success_in_every_format() -> None:
    code, out, err = run("diff", "x^T A x", "--wrt", "x", "--verify", "--format", "plain")
    assert code == 0
    assert out == "x^T (A + A^T)\n"  # stdout stays one line
    assert err.startswith("matcalc: verify: largest relative error") and err.rstrip().endswith("ok")
    code, out, _ = run("diff", "x^T A x", "--wrt", "x", "--wrt", "x", "--verify", "--format", "json")
    assert code == 0
    v = json.loads(out)["verify"]
    assert v["ok"] is True and v["points"] == 5 and v["max_relative_error"] < 1e-6  # 5 for a Hessian
    code, out, _ = run("diff", "x^T A x", "--wrt", "x", "--verify")
    assert code == 0 and "verify" in out and "largest relative error" in out


def test_verify_function_across_kinds() -> None:
    for source, wrt, shapes, sym in [("log(det(X))", ["X"], [], []), ("(A + t B)^-1", ["t"], [], []),
                                     ("sigmoid(W x)", ["x"], [], []), ("x^T W x", ["x", "x"], [], ["W"]),
                                     ("A X B", ["X"], ["A=m,n", "X=n,k", "B=k,p"], [])]:
        v = verify(differentiate(source, wrt, shapes, sym))
        assert v.ok and len(v.errors) == VERIFY_POINTS, (source, v)


def test_verify_catches_a_wrong_derivative() -> None:
    """A report whose derivative is wrong (x^T A instead of x^T (A + A^T)) fails the check."""
    from dataclasses import replace

    from matcalc_cli.build import build
    from matcalc_cli.syntax import parse

    good = differentiate("x^T A x", ["x"])
    wrong = build(parse("x^T A"), good.variables, good.symmetric)
    bad = replace(good, derivative=replace(good.derivative, expr=wrong))
    v = verify(bad)
    assert not v.ok and v.max_error > 1e-3
    assert "exceeds the tolerance" in v.text()


# ------------------------------------------------------------------ points from the whole domain (issue 13)
def _points_of(source: str, wrt: list[str], shapes: list[str] = (), symmetric: list[str] = ()):  # type: ignore[assignment]
    import numpy as np

    from matcalc_cli.build import build
    from matcalc_cli.checking import finite, point_count, points, smooth_at, value
    from matcalc_cli.syntax import parse

    r = differentiate(source, wrt, list(shapes), list(symmetric))
    f = build(parse(source), r.variables, r.symmetric)
    pts = points(r.variables, r.symmetric, [], lambda p: finite(value(f, p)) and smooth_at(f, p),
                 point_count(r))
    return np, f, pts


def test_a_claim_right_only_for_positive_entries_is_wrong() -> None:
    # check "sum(abs(x))" --wrt x --expect "ones(1, n)" answered correct: every point was positive
    result = check("sum(abs(x))", ["x"], "ones(1, n)")
    assert result.verdict == "different" and result.method == "numerically"
    code, out, _ = check_cli("sum(abs(x))", "ones(1, n)")
    assert code == 1 and out.startswith("wrong:")


def test_points_have_entries_of_both_signs() -> None:
    np, _, pts = _points_of("x^T A x + t sum(C)", ["x"])
    for name in ("x", "A", "C"):
        entries = np.concatenate([np.ravel(p.values[name]) for p in pts])
        assert entries.min() < 0 < entries.max(), name
    assert all(np.linalg.cond(p.values["A"]) <= 3 + 1e-9 for p in pts)


def test_scalars_take_both_signs() -> None:
    np, _, pts = _points_of("t s^2 + sum(x)", ["t"], ["t=scalar", "s=scalar"])
    _, _, more = _points_of("t s^2 + sum(x)", ["t", "s"], ["t=scalar", "s=scalar"])
    signs = {float(np.sign(p.values[n])) for p in pts + more for n in ("t", "s")}
    assert signs == {-1.0, 1.0}


def test_domain_restricted_variables_alone_are_drawn_positive() -> None:
    np, _, pts = _points_of("sum(log(x)) + sum(abs(y)) + sqrt(t) + log(det(X))", ["x"], ["t=scalar"])
    ys = np.concatenate([np.ravel(p.values["y"]) for p in pts])
    assert ys.min() < 0 < ys.max()  # y keeps both signs
    for p in pts:
        assert np.all(p.values["x"] > 0) and p.values["t"] > 0 and np.linalg.det(p.values["X"]) > 0


def test_points_keep_away_from_kinks() -> None:
    np, _, pts = _points_of("sum(abs(A x - 1)) + sign(t - 0.5)", ["x"], ["t=scalar"])
    for p in pts:
        assert np.min(np.abs(p.values["A"] @ p.values["x"] - 1)) >= 0.02
        assert abs(p.values["t"] - 0.5) >= 0.02


def test_symmetric_declared_gives_symmetric_points_of_both_signs_of_eigenvalues() -> None:
    np, _, pts = _points_of("x^T W x", ["x"], symmetric=["W"])
    # each point's eigenvalues are 0.5 to 1.5 times its scale: condition number at most 3
    eig = np.concatenate([np.linalg.eigvalsh(p.values["W"]) / np.abs(np.linalg.eigvalsh(p.values["W"])).max() * 1.5
                          for p in pts])
    for p in pts:
        assert np.allclose(p.values["W"], p.values["W"].T)
    assert eig.min() < 0 < eig.max() and np.abs(eig).min() >= 0.5 - 1e-9
    assert all(np.linalg.cond(p.values["W"]) <= 3 + 1e-9 for p in pts)


def test_second_derivatives_are_checked_at_more_points() -> None:
    result = check("x^T A x", ["x", "x"], "2 A")
    assert not result.ok and result.count == SECOND_POINTS
    _, _, pts = _points_of("x^T A y", ["x", "y"])
    assert len(pts) == SECOND_POINTS


def test_verify_of_abs_at_points_of_both_signs() -> None:
    assert verify(differentiate("sum(abs(x - 0.3)) + x^T A x", ["x"])).ok
    code, _, err = run("diff", "sum(abs(x))", "--wrt", "x", "--verify", "--format", "plain")
    assert code == 0 and "ok" in err


# ------------------------------------------------------------------ a variable too large for every entry
def test_verify_samples_the_entries_of_a_large_variable() -> None:
    v = verify(differentiate("sum(exp(X w)) + norm(w)^2", ["w"], ["w=2000", "X=3,2000"]))
    assert v.ok and v.sampled == DIRECTIONS * SAMPLED and v.entries == 2000 and len(v.errors) == SAMPLED_POINTS
    assert "along 120 random entries of 2,000 at each" in v.text()
    assert v.to_json()["sampled_entries"] == 120
    for layout in ("numerator", "denominator"):  # a matrix variable, a vector-valued function
        assert verify(differentiate("sum(log(1 + exp(X W)))", ["W"], ["W=30,30"], layout=layout)).ok
        assert verify(differentiate("tanh(W x)", ["x"], ["x=500", "W=4,500"], layout=layout)).ok


def test_sampled_verify_catches_a_wrong_derivative() -> None:
    from dataclasses import replace

    from matcalc_cli.build import build
    from matcalc_cli.syntax import parse

    good = differentiate("x^T A x", ["x"], ["x=600"])
    wrong = build(parse("x^T A"), good.variables, good.symmetric)
    v = verify(replace(good, derivative=replace(good.derivative, expr=wrong)))
    assert v.sampled and not v.ok and v.max_error > 1e-3


def test_large_second_derivatives_and_symmetric_variables_are_refused_with_a_reason() -> None:
    for source, wrt, shapes, sym in [("x^T A x", ["x", "x"], ["x=600"], []),
                                     ("a^T X^-1 b", ["X"], ["X=30,30"], ["X"])]:
        with pytest.raises(MatcalcError, match="verified entry by entry"):
            verify(differentiate(source, wrt, shapes, sym))


def test_verify_of_a_zero_hessian_whose_value_cancels() -> None:
    # found by the soak (issue 19): f cancels to about 0, its parts' rounding does not
    r = differentiate("mean((ones(k)^T ones(k)) y - sum(y * 2))", ["y", "y"], ["y=n"], layout="denominator")
    assert verify(r).ok


LOGISTIC = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"
LOGISTIC_SHAPES = ["y=k", "X=k,n", "theta=n"]


def test_verify_leaves_out_a_point_where_the_expression_rounds_to_noise() -> None:
    # The public sample's logistic loss: at a point with X theta near 33, 1 - sigmoid keeps
    # about one digit and its central differences are noise at any step; that point is left
    # out, and the others verify.
    v = verify(differentiate(LOGISTIC, ["theta"], LOGISTIC_SHAPES))
    assert v.ok and 3 <= len(v.errors) < VERIFY_POINTS


def test_verify_catches_a_wrong_derivative_of_an_expression_that_rounds() -> None:
    from dataclasses import replace

    from matcalc_cli.build import build
    from matcalc_cli.syntax import parse

    good = differentiate(LOGISTIC, ["theta"], LOGISTIC_SHAPES)
    for text in ("(sigmoid(X theta) - y)^T X + 0.001 theta^T", "(sigmoid(X theta) - y)^T X / 2"):
        wrong = build(parse(text), good.variables, good.symmetric)
        v = verify(replace(good, derivative=replace(good.derivative, expr=wrong)))
        assert not v.ok, text


def test_verify_sizes_a_dimension_only_a_constant_names() -> None:
    # found by the soak (issue 19): ones(n) with no variable of size n was an internal error (KeyError: 'n')
    for source in ("diag(log(ones(n) t))", "eye(k) / t", "ones(m) t^2"):
        assert verify(differentiate(source, ["t"], ["t=scalar"])).ok, source
    code, _, err = run("diff", "diag(log(ones(n) t))", "--wrt", "t", "--shape", "t=scalar", "--verify",
                       "--format", "plain")
    assert code == 0 and err.rstrip().endswith(": ok"), err
