"""CONTRACT.md "Slips get an error, never a quiet answer": a golden test for each slip's
message (text and caret), exit 2; the notes for names that do not occur; the coefficient
rule of inference."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from matcalc_cli.cli import app
from matcalc_cli.report import differentiate

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


GOLDEN = [
    (["diff", "log det(X)", "--wrt", "X"],
     "matcalc: error: log is a function: write its argument in parentheses, log(det(X))\n"
     "  log det(X)\n"
     "  ^^^\n"),
    (["diff", "tr X", "--wrt", "X"],
     "matcalc: error: tr is a function: write its argument in parentheses, tr(X)\n"
     "  tr X\n"
     "  ^^\n"),
    (["diff", "x^T x + sum", "--wrt", "x"],
     "matcalc: error: sum is a function: write its argument in parentheses, sum(...)\n"
     "  x^T x + sum\n"
     "          ^^^\n"),
    (["diff", "Log(x)", "--wrt", "x"],
     "matcalc: error: unknown function 'Log': function names are lowercase, did you mean log?\n"
     "  Log(x)\n"
     "  ^^^\n"),
    (["diff", "Tr(X^T X)", "--wrt", "X"],
     "matcalc: error: unknown function 'Tr': function names are lowercase, did you mean tr?\n"
     "  Tr(X^T X)\n"
     "  ^^\n"),
    (["diff", "--wrt", "p", "--", "-(y^T log(p))", "--format", "latex"],
     "matcalc: error: --format comes after --, where everything is the expression: options go before --\n"
     "  -(y^T log(p)) --format latex\n"
     "                ^^^^^^^^\n"),
    (["diff", "--wrt", "p", "--", "-(y^T log(p))", "--wrt", "y"],
     "matcalc: error: --wrt comes after --, where everything is the expression: options go before --\n"
     "  -(y^T log(p)) --wrt y\n"
     "                ^^^^^\n"),
    (["diff", "theta^T x", "--wrt", "Theta"],
     "matcalc: error: --wrt Theta: Theta does not occur in the expression; did you mean theta?\n"),
    (["diff", "x^T x", "--wrt", "x", "--shape", "x=n", "--shape", "x=m"],
     "matcalc: error: two --shape declarations of x: n and m; give one\n"),
]


@pytest.mark.parametrize(("args", "stderr"), GOLDEN, ids=[" ".join(a[1:3]) for a, _ in GOLDEN])
def test_slip_message(args: list[str], stderr: str) -> None:
    code, out, err = run(*args, "--format", "plain") if "--" not in args else run(*args)
    assert code == 2 and out == ""
    assert err == stderr


def test_slip_in_json_is_a_json_error() -> None:
    code, out, _ = run("diff", "tr X", "--wrt", "X", "--format", "json")
    assert code == 2
    assert json.loads(out) == {"error": {"kind": "function", "message": "tr is a function: write its argument "
                                         "in parentheses, tr(X)", "start": 0, "end": 2}}


def test_slip_in_a_batch_job() -> None:
    from io import StringIO

    from matcalc_cli.batch import run_batch
    from matcalc_cli.cli import parse_job

    out = StringIO()
    assert run_batch('diff --wrt p -- "-(y^T log(p))" --format latex\n', out, parse_job) == 1
    assert "options go before --" in json.loads(out.getvalue())["error"]["message"]


def test_the_same_declaration_twice_is_fine() -> None:
    code, out, err = run("diff", "x^T x", "--wrt", "x", "--shape", "x=n", "--shape", "x=n", "--format", "plain")
    assert (code, out, err) == (0, "2 x^T\n", "")


# ------------------------------------------------------------------ notes for names that do not occur
def test_notes_for_names_that_do_not_occur() -> None:
    code, out, err = run("diff", "x^T A x", "--wrt", "y", "--shape", "z=3", "--symmetric", "W",
                         "--format", "plain")
    assert code == 0 and out == "zeros(1, m)\n"  # y would be an m-vector
    assert err == ("matcalc: note: --wrt y: y does not occur in the expression, so the derivative is zero\n"
                   "matcalc: note: --shape z: z does not occur in the expression\n"
                   "matcalc: note: --symmetric W: W does not occur in the expression\n")


def test_notes_in_json_and_pretty() -> None:
    code, out, err = run("diff", "x^T x", "--wrt", "x", "--shape", "q=3", "--format", "json")
    assert code == 0 and json.loads(out)["notes"] == ["--shape q: q does not occur in the expression"]
    assert err == "matcalc: note: --shape q: q does not occur in the expression\n"
    code, out, err = run("diff", "x^T x", "--wrt", "x", "--shape", "q=3")
    assert code == 0 and "note: --shape q" in err
    code, _, err = run("check", "x^T x", "--wrt", "x", "--expect", "2 x^T", "--shape", "q=3", "--format", "plain")
    assert code == 0 and "note: --shape q" in err


def test_a_shape_error_comes_before_a_case_slip() -> None:
    code, _, err = run("diff", "det(X)", "--wrt", "x", "--shape", "X=n,m", "--format", "plain")
    assert code == 2 and "det needs a square matrix" in err


# ------------------------------------------------------------------ the coefficient rule
@pytest.mark.parametrize(("source", "wrt", "scalar"), [
    ("lambda w^T w", "w", "lambda"),
    ("alpha x^T x", "x", "alpha"),
    ("c x^T x", "x", "c"),
    ("t log(det(X))", "X", "t"),
    ("2 t x^T A x", "x", "t"),
    ("-lambda norm(w)^2 + lambda w^T w", "w", "lambda"),
    ("norm(X w - y)^2 + lambda norm(w)^2", "w", "lambda"),
])
def test_a_coefficient_is_a_scalar(source: str, wrt: str, scalar: str) -> None:
    r = differentiate(source, [wrt])
    assert r.variables[scalar] == (1, 1)
    assert scalar in r.inferred  # and the output lists it as inferred
    assert r.derivative.kind.startswith("scalar-by-")


@pytest.mark.parametrize(("source", "vectors"), [
    ("x^T x", ["x"]),
    ("x^T A x", ["x"]),
    ("a^T X b", ["a", "b"]),
    ("(x - A s)^T W (x - A s)", ["x", "s"]),  # s last in A s: a vector
    ("x x^T y", ["x", "y"]),  # not a conventional scalar name
    ("a b^T", ["a", "b"]),
    ("s^T s", ["s"]),  # transposed
    ("t t^T x", ["t", "x"]),  # t also stands elsewhere than first
])
def test_vectors_keep_their_shape(source: str, vectors: list[str]) -> None:
    r = differentiate(source, [vectors[0]])
    for v in vectors:
        assert r.variables[v][1] == 1 and r.variables[v][0] != 1, (source, v, r.variables)


def test_readme_second_derivative_by_a_coefficient() -> None:
    # README: t x^T A x, by t then x: x^T (A + A^T) (t was a vector, the derivative a tensor)
    code, out, _ = run("diff", "t x^T A x", "--wrt", "t", "--wrt", "x", "--format", "plain")
    assert (code, out) == (0, "x^T (A + A^T)\n")


def test_a_declaration_overrides_the_coefficient_rule() -> None:
    r = differentiate("c x^T x", ["x"], ["c=n"])
    assert r.variables["c"] == ("n", 1)
