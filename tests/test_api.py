"""The Python API (api.py): the same answers as the command line, one exception type,
notebook rendering, and README's notebook session run as a doctest."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import matcalc_cli
from matcalc_cli import MatcalcError, check, convex, diff
from matcalc_cli.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def test_diff_gives_every_format() -> None:
    d = diff("x^T A x", wrt="x", shapes={"A": "n,n"})
    assert d.plain == str(d) == "x^T (A + A^T)"
    assert d.latex == r"x^\top \left(A + A^\top\right)"
    assert d.numpy == "x.T @ (A + A.T)"
    assert d.shape == ("1", "n")
    assert (d.kind, d.layout, d.note) == ("scalar-by-vector", "numerator", "")
    assert d._repr_latex_() == r"$x^\top \left(A + A^\top\right)$"
    assert d.variables == {"x": "n", "A": "n,n"}


@pytest.mark.parametrize(("args", "options"), [
    (("x^T A x", "x"), {"layout": "denominator"}),
    (("logdet(Sigma) + x^T Sigma^-1 x", "Sigma"), {"symmetric": ["Sigma"]}),
    (("x^T A y", ["x", "y"]), {"shapes": {"x": "n", "y": 3, "A": ("n", 3)}}),
    (("t x^T x", "t"), {"shapes": {"t": "scalar"}}),
])
def test_diff_agrees_with_the_command_line(args, options) -> None:
    d = diff(*args, **options)
    expr, wrt = args
    cli = ["diff", expr, "--format", "json"] + [f"--wrt={w}" for w in ([wrt] if isinstance(wrt, str) else wrt)]
    cli += [f"--layout={options['layout']}"] if "layout" in options else []
    cli += [f"--symmetric={s}" for s in options.get("symmetric", [])]
    for name, spec in options.get("shapes", {}).items():
        spec = ",".join(map(str, spec)) if isinstance(spec, tuple) else spec
        cli += [f"--shape={name}={spec}"]
    out = json.loads(CliRunner().invoke(app, cli).stdout)
    assert d.to_json() == out
    assert (d.plain, d.latex, d.numpy, list(d.shape), d.kind, d.layout) == \
        (out["derivative"], out["latex"], out["numpy"], out["shape"], out["kind"], out["layout"])


def test_check_results_are_truthy_when_right() -> None:
    right = check("x^T A x", wrt="x", expect="x^T (A + A^T)")
    assert right.ok and bool(right) and right.verdict == "equal"
    wrong = check("x^T A x", wrt="x", expect="2 x^T A")
    assert not wrong.ok and not wrong
    assert "not equal" in wrong.message and str(wrong).startswith("wrong: ")
    assert wrong.derivative.plain == "x^T (A + A^T)"


@pytest.mark.parametrize(("call", "kind", "span"), [
    (lambda: diff("x^T A y +", wrt="x"), "syntax", (9, 10)),
    (lambda: diff("x^T A x", wrt="x", shapes={"x": "n", "A": "m,m"}), "shape", None),
    (lambda: diff("x^T x", wrt="x", layout="sideways"), "option", None),
    (lambda: diff("x^T x", wrt="x", shapes={"x": 2.5}), "option", None),
    (lambda: diff("x^T x", wrt=["x", "x", "x"]), "option", None),
    (lambda: check("x^T x", wrt="x", expect="x^T +"), "syntax", (5, 6)),
    (lambda: diff("(" * 3000 + "x" + ")" * 3000, wrt="x"), None, None),
])
def test_errors_are_one_exception_type_with_message_and_span(call, kind, span) -> None:
    with pytest.raises(MatcalcError) as info:
        call()
    err = info.value
    assert err.message and str(err) == err.message
    if kind is not None:
        assert err.kind == kind
    if span is not None:
        assert err.span == span


def test_version_does_not_import_the_api() -> None:
    code = "import sys, matcalc_cli.cli; print('matcalc_cli.api' in sys.modules, 'sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    assert "diff" in dir(matcalc_cli) or hasattr(matcalc_cli, "diff")
    with pytest.raises(AttributeError):
        matcalc_cli.no_such_thing  # noqa: B018


def readme_session() -> str:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## From Python and notebooks\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README has no 'From Python and notebooks' section"
    return section.group(1)


def test_readme_notebook_session_runs() -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(readme_session(), {}, "README.md", str(README), 0)
    assert len(test.examples) >= 5
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{runner.failures} of README's notebook examples failed (run above)"


def test_diff_takes_the_command_options() -> None:
    from matcalc_cli.commands import DiffOptions, render_text, run_diff

    d = diff("norm(W2 h - y)^2 where h = tanh(W1 x)", wrt="W1", verify=True, steps=True, expand=True,
             format="python", with_value=True)
    assert d.verification is not None and d.verification.ok
    assert d.steps and d.steps[1].startswith("1. ")
    assert "where" not in d.plain  # expand: nothing named
    cli = run_diff("norm(W2 h - y)^2 where h = tanh(W1 x)",
                   DiffOptions(("W1",), format="python", with_value=True, expand=True))
    assert d.text == render_text(cli, "python") == d.function("python").rstrip("\n")
    assert "def f_and_df_dW1(" in d.text
    hessian = diff("x^T A x", wrt=["x", "x"], hvp=True)
    assert hessian.text == hessian.plain  # plain by default; hvp is what .function() gives
    assert "def hvp_dx(x, A, v):" in hessian.function("jax")
    assert "def d2f_dx_dx(" in hessian.function("jax", hvp=False)
    with pytest.raises(MatcalcError, match="--hvp applies to a Hessian"):
        diff("x^T A x", wrt="x", hvp=True)
    with pytest.raises(MatcalcError, match="no pretty format"):
        diff("x^T A x", wrt="x", format="pretty")


def test_from_format_reads_latex_as_the_command_line_does():
    # --from latex in the Python API: text without a backslash is read as LaTeX all the same,
    # a run of letters single-letter names (Ax is A x; in ASCII, Ax is one name), and a bad
    # value is an error naming the two.
    assert diff("x^T Ax", "x").plain == "Ax^T"
    assert diff("x^T Ax", "x", from_format="latex").plain == "x^T (A + A^T)"
    assert check("x^T Ax", "x", "x^T (A + A^T)", from_format="latex").ok
    assert not check("x^T Ax", "x", "2 x^T A", from_format="latex")
    with pytest.raises(MatcalcError):  # (Ax)^T Ax: one name Ax, an outer product
        convex("(Ax)^T Ax", "x")
    assert convex("(Ax)^T Ax", "x", from_format="latex").convex == "yes"
    for call in (lambda: diff("x^T x", "x", from_format="tex"), lambda: check("x^T x", "x", "2 x^T", from_format="tex"),
                 lambda: convex("x^T x", "x", from_format="tex")):
        with pytest.raises(MatcalcError, match="auto or latex"):
            call()
