"""matcalc check --derivation (derivation.py, derivation_sides.py, derivation_text.py,
diagnosis.py): golden reports for derivations with planted mistakes, the file format, and
the property that matcalc's own --steps, plain and LaTeX, are derivations that check."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from hypothesis import assume, given, note
from typer.testing import CliRunner

from matcalc_cli.cli import app
from matcalc_cli.derivation import check_derivation
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from tests.test_check_properties import _options
from tests.test_properties import _settings, derivative_cases

runner = CliRunner()


def run(text: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["check", "--derivation", "-", *args], input=text)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


QUADRATIC = """\
# the gradient of a quadratic form
y = x^T A x
dy = dx^T A x + x^T A dx
   = x^T A^T dx + x^T A dx
   = x^T (A + A^T) dx
dy/dx = x^T (A + A^T)
"""


def verdicts(text: str, wrt: list[str], **kw: object) -> list[tuple[int, str]]:
    return [(v.line, v.verdict) for v in check_derivation(text, wrt, **kw).lines]  # type: ignore[arg-type]


# ------------------------------------------------------------------ verdicts
def test_a_right_derivation_holds_line_by_line() -> None:
    r = check_derivation(QUADRATIC, ["x"])
    assert r.ok and r.first_wrong is None
    assert [(v.line, v.verdict) for v in r.lines] == [(2, "ok"), (3, "ok"), (4, "ok"), (5, "ok"), (6, "ok")]
    assert r.lines[0].message == "defines y (the function)"


def test_a_factor_two() -> None:
    text = "y = norm(X w - b)^2\ndy = 2 (X w - b)^T X dw\ndy/dw = 4 (X w - b)^T X\n"
    r = check_derivation(text, ["w"])
    assert r.first_wrong == 3
    ev = r.evidence
    assert ev is not None and ev.diagnosis is not None
    assert (ev.diagnosis.kind, ev.diagnosis.factor) == ("factor", "2")
    assert ev.left == "2 (X w - b)^T X" and ev.right == "4 (X w - b)^T X"


def test_a_missing_term() -> None:
    text = "d(x^T A x) = dx^T A x + x^T A dx\n           = x^T A dx\n"
    r = check_derivation(text, ["x"])
    assert r.first_wrong == 2
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert (r.evidence.diagnosis.kind, r.evidence.diagnosis.term) == ("missing-term", "dx^T A x")


def test_a_lost_transpose() -> None:
    text = "f = a^T X b\ndf = a^T dX b\n   = tr(b a^T dX)\ndf/dX = b a^T\n"
    r = check_derivation(text, ["X"])
    assert r.first_wrong == 4
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert r.evidence.diagnosis.kind == "transposed"
    # square: the shapes agree and only the values tell
    r = check_derivation(text, ["X"], shapes=["X=n,n"])
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert r.evidence.diagnosis.kind == "transposed"


def test_other_layout_and_symmetric_conventions() -> None:
    r = check_derivation("y = x^T A x\ndy/dx = (A + A^T) x\n", ["x"])
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert r.evidence.diagnosis.kind == "other-layout"
    assert check_derivation("y = x^T A x\ndy/dx = (A + A^T) x\n", ["x"], layout="denominator").ok
    sym = "f = a^T S a\ndf/dS = a a^T\n"
    assert check_derivation(sym, ["S"], symmetric=["S"]).ok
    # a b^T gives the same differential tr(b a^T dS) for every symmetric dS as sym(a b^T)
    assert check_derivation("f = a^T S b\ndf/dS = a b^T\n", ["S"], symmetric=["S"]).ok
    r = check_derivation("f = a^T S b\ndf/dS = a b^T + b a^T - diag(diag(a b^T))\n", ["S"], symmetric=["S"])
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert r.evidence.diagnosis.kind == "symmetric-convention"


def test_an_extra_term_and_a_sign() -> None:
    r = check_derivation("d(x^T x) = dx^T x + x^T dx\n = 2 x^T dx + x^T x\n", ["x"])
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert (r.evidence.diagnosis.kind, r.evidence.diagnosis.term) == ("extra-term", "x^T x")
    r = check_derivation("d(tr(A X) + tr(B X)) = tr(A dX) + tr(B dX)\n = tr(A dX) - tr(B dX)\n", ["X"])
    assert r.first_wrong == 2
    assert r.evidence is not None and r.evidence.diagnosis is not None
    assert r.evidence.diagnosis.kind == "sign-of-term"


def test_differentials_of_constants_are_zero_and_of_names_their_definitions() -> None:
    assert check_derivation("d(A x) = A dx + dA x\n", ["x"]).ok
    assert check_derivation("d(A x) = A dx + dA x\n", ["x", "A"]).ok
    assert check_derivation("d(A x) = A dx\n", ["x"]).ok
    assert check_derivation("d(A x) = A dx\n", ["x", "A"]).lines[0].verdict == "wrong"
    text = "h = sum(exp(u)) where u = W x\ndu = W dx\ndh = exp(u)^T du\ndh/dx = exp(W x)^T W\n"
    assert check_derivation(text, ["x"]).ok
    # dW is zero unless W is a --wrt variable: then dh has a second part
    assert check_derivation(text, ["x", "W"]).first_wrong == 2


def test_a_wrong_line_is_never_ok_even_where_it_is_right_at_some_points() -> None:
    # equal where x >= 0 only (abs): points of both signs catch it
    assert check_derivation("d(sum(abs(x))) = ones(n)^T dx\n", ["x"]).first_wrong == 1
    # equal only for symmetric A
    assert check_derivation("d(x^T A x) = 2 x^T A dx\n", ["x"]).first_wrong == 1
    assert check_derivation("d(x^T A x) = 2 x^T A dx\n", ["x"], symmetric=["A"]).ok


# ------------------------------------------------------------------ the file format
def test_latex_align_body() -> None:
    text = r"""
\begin{align*}
f &= \mathbf{x}^\top \mathbf{A} \mathbf{x} \\
\mathrm{d}f &= \mathrm{d}\mathbf{x}^\top A x + x^\top A \, \mathrm{d}x \\  % the product rule
  &= x^{\top} \left(A + A^{\top}\right) \mathrm{d}x \\
\frac{\partial f}{\partial \mathbf{x}} &= 2 x^\top A
\end{align*}
"""
    r = check_derivation(text, ["x"])
    assert [(v.line, v.verdict) for v in r.lines] == [(3, "ok"), (4, "ok"), (5, "ok"), (6, "wrong")]
    assert r.lines[-1].text == r"\frac{\partial f}{\partial \mathbf{x}} &= 2 x^\top A"


def test_differential_of_an_expression_in_latex() -> None:
    text = r"\mathrm{d}\left(X^{-1}\right) = -X^{-1} \, \mathrm{d}X \, X^{-1}"
    assert check_derivation(text, ["X"]).ok
    assert check_derivation(r"\mathrm{d}(X^{-1}) = X^{-1} \mathrm{d}X X^{-1}", ["X"]).evidence is not None


def test_latex_differentials_claims_and_where_are_read_by_the_latex_reader() -> None:
    # d\mathbf{x}, d\theta, \partial, \mathrm{d}W_{1} (W1 declared), \text{where}, a second derivative
    assert check_derivation(r"\mathrm{d}\left(\mathbf{x}^\top \mathbf{x}\right) &= 2 \mathbf{x}^\top d\mathbf{x} \\",
                            ["x"]).ok
    theta = ("f &= \\theta^2 \\\\\n\\mathrm{d}f &= 2 \\theta \\, d\\theta \\\\\n"
             "\\frac{\\partial f}{\\partial \\theta} &= 2\\theta")
    assert [v.verdict for v in check_derivation(theta, ["theta"], ["theta=scalar"]).lines] == ["ok"] * 3
    w = "f &= \\|W_{1} x\\|^2 \\\\\n\\mathrm{d}f &= 2 x^\\top W_{1}^\\top \\mathrm{d}W_{1} \\, x"
    assert check_derivation(w, ["W1"]).ok
    where = "y &= h^\\top h, \\quad \\text{where} \\; h = A x \\\\\ndy &= 2 h^\\top A \\, \\mathrm{d}x"
    assert check_derivation(where, ["x"]).ok
    again = ("y &= \\operatorname{sum}(\\exp(A x)) \\\\\n\\frac{dy}{dx} &= \\exp(A x)^\\top A \\\\\n"
             "\\frac{d}{dx} \\frac{dy}{dx} &= A^\\top \\operatorname{diag}\\left(\\exp(A x)\\right) A")
    assert [v.verdict for v in check_derivation(again, ["x"]).lines] == ["ok"] * 3


def test_latex_sides_are_shown_in_the_input_language_and_errors_point_into_the_latex() -> None:
    r = check_derivation(r"\mathrm{d}\left(x^\top x\right) &= x^\top \mathrm{d}x \\", ["x"])
    assert r.evidence is not None and (r.evidence.left, r.evidence.right) == ("d(x^T x)", "x^T dx")
    text = "y &= x^\\top x \\\\\n\\mathrm{d}y &= 2 x^\\top \\mathrm{d}z"
    with pytest.raises(MatcalcError) as info:
        check_derivation(text, ["x"])
    at, span = text.index(r"\mathrm{d}z"), info.value.span
    assert span is not None and at <= span[0] < span[1] == at + len(r"\mathrm{d}z")  # under \mathrm{d}z


@pytest.mark.parametrize("text, message", [
    ("y = x^T A x\n= x^T (A +\n", "line 2: "),
    ("= x^T x\n", "line 1: the first equation has no left side"),
    ("y = x^T A x\ndy = A dx\n", "line 2: the sides are 1×1 and n×1"),
    ("y = x^T x\nx^T x\n", "line 2: expected an equation"),
    ("y = x^T x\ndq/dx = 2 x^T\n", "line 2: dq/dx: q is not defined"),
    ("dy = 2 x^T dx\n", "line 1: dy: y is not a variable or a defined name"),
    ("d(x^T x) = 2 x^T dz\n", "line 1: dz: z is not a variable"),
    ("# nothing\n\n", "no equations"),
])
def test_bad_lines_are_errors_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(MatcalcError) as info:
        check_derivation(text, ["x"])
    assert message in info.value.message
    code, out, err = run(text, "--wrt", "x")
    assert code == 2 and message in err and out == ""


def test_cli_plain_json_and_exit_codes() -> None:
    code, out, _ = run(QUADRATIC, "--wrt", "x", "--format", "plain")
    assert code == 0 and out.splitlines()[0] == "2  ok     y = x^T A x"
    code, out, _ = run(QUADRATIC.replace("(A + A^T) dx", "2 A dx"), "--wrt", "x", "--format", "json")
    obj = json.loads(out)
    assert code == 1 and obj["schema"] == 1 and obj["first_wrong"] == 5
    assert [line["verdict"] for line in obj["lines"]] == ["ok", "ok", "ok", "wrong", "ok"]
    assert set(obj["lines"][0]) == {"line", "text", "verdict", "message"}
    code, out, err = run("y = x^T x\ndy = 2 x^T dx +\n", "--wrt", "x", "--format", "json")
    assert code == 2 and "error" in json.loads(out)


def test_pretty_marks_the_wrong_line_as_written() -> None:
    code, out, _ = run("d(x^T A x) = dx^T A x + x^T A dx\n           = x^T A dx\n", "--wrt", "x")
    lines = out.splitlines()
    assert code == 1
    assert lines[1] == "2  wrong  = x^T A dx" and lines[2] == "            ^^^^^^^^"
    assert lines[3].startswith("line 2 is wrong")


# ------------------------------------------------------------------ --steps are derivations that check
STATS: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("MATCALC_SOAK_EXAMPLES", "").strip() or 120)  # a soak run raises it


@_settings(EXAMPLES)
@given(derivative_cases())
def _steps_check(case: tuple[Expr, list[Expr], str]) -> None:
    f, wrt, layout = case
    source = plain.render(f)
    opts = _options(f)
    names = [x.name for x in wrt]
    try:
        report = differentiate(source, names, opts["shapes"], opts["symmetric"], layout, steps=True)
    except MatcalcError:
        STATS["not differentiated"] += 1
        assume(False)
    for kind, text in (("plain", "\n".join(f"matcalc: step: {x}" for x in report.step_lines())),
                       ("latex", report.step_latex())):
        note(f"f = {source}; wrt {names}; {layout}\n{text}")
        if kind == "latex" and "size(" in source:
            STATS["latex not tried: size(n) prints as n"] += 1
            continue
        try:
            # the steps differentiate by the first variable (a second derivative's last line
            # claims d(dy/dx)/dz, checked against matcalc's whatever --wrt says)
            result = check_derivation(text, names[:1], opts["shapes"], opts["symmetric"], layout)
        except MatcalcError as err:
            if err.kind == "unsupported" and "random points" in err.message:
                STATS["no defined points"] += 1
                continue
            raise
        STATS[f"{kind} tried"] += 1
        STATS[f"{kind} lines"] += len(result.lines)
        assert result.ok, "\n".join(result.report_lines(plain.render))
        STATS[f"{kind} hold"] += 1


def test_steps_are_derivations_that_check() -> None:
    STATS.clear()
    _steps_check()
    print(f"\n--steps fed to check --derivation: {dict(STATS)}")
    assert STATS["plain tried"] >= EXAMPLES // 2, STATS
    assert STATS["plain hold"] == STATS["plain tried"] and STATS["latex hold"] == STATS["latex tried"]
