"""`matcalc identities`: the course's table of rules as a live test of the engine.

Each row is a rule of the slides (the sum, product and chain rules, and the helpful
calculation rules) with an instance that matcalc differentiates when the command runs.
The right-hand side of a general rule is put together from matcalc's own derivatives of
the parts (d(f g)/dx from df/dx, g, f and dg/dx), that of a formula is the slides' own;
a row holds when matcalc's derivative equals it (check: canonical forms, else values at
random points) and agrees with central finite differences (verify).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.checking import judge, read_claim
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.ops import replaced
from matcalc_cli.report import Report, differentiate
from matcalc_cli.verification import verify


class Parts:
    """What a general rule's right-hand side is put together from, as typed values:
    matcalc's derivative of a part, and a part itself (typed with the instance's
    variables)."""

    def __init__(self, identity: Identity, report: Report) -> None:
        self.identity, self.report = identity, report

    def d(self, source: str, wrt: str) -> Expr:
        i = self.identity
        return differentiate(source, [wrt], list(i.shapes), list(i.symmetric)).derivative.expr

    def f(self, source: str) -> Expr:
        return read_claim(source, self.report)


FromParts = Callable[[Parts], Expr]  # the rule's right-hand side from the instance's parts


@dataclass(frozen=True)
class Identity:
    name: str
    plain: str  # the rule, in the slides' Leibniz notation
    latex: str
    source: str  # the instance matcalc differentiates
    wrt: str
    claim: str | FromParts  # what the rule says the instance's derivative is (a formula: the slides' own text)
    shapes: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()
    instance: str = ""  # the parts of a general rule's instance (f = ..., g = ...)
    key: bool = False  # one of the slides' key rules (sum, product, chain), not a calculation rule

    @property
    def group(self) -> str:
        return "Key rules" if self.key else "Helpful calculation rules"


def _sum(p: Parts) -> Expr:
    return E.add(p.d("x^T A x", "x"), p.d("sum(exp(x))", "x"))


def _product(p: Parts) -> Expr:
    f, g = "a^T x", "sum(sin(x))"
    return E.add(E.mul(p.d(f, "x"), p.f(g)), E.mul(p.f(f), p.d(g, "x")))


def _chain(p: Parts) -> Expr:
    df_du = p.d("sum(exp(u))", "u")
    u = next(n for n in E.walk(df_du) if n.op == K.VAR and n.name == "u")
    return E.mul(replaced(df_du, {u: p.f("A x")}), p.d("A x", "x"))  # df/du at u = g(x), times dg/dx


def _transpose(p: Parts) -> Expr:
    return E.T(p.d("t A + t^2 B", "t"))


def _inverse(p: Parts) -> Expr:
    f = E.inv(p.f("A + t B"))
    return E.neg(E.mul(f, p.d("A + t B", "t"), f))


X, A_NN, A_MN = ("x=n",), ("A=n,n", "x=n"), ("A=m,n", "x=n", "u=m")
TABLE: tuple[Identity, ...] = (
    Identity("sum rule", "d(f + g)/dx = df/dx + dg/dx",
             r"\frac{d}{d\mathbf{x}}(f + g) = \frac{df}{d\mathbf{x}} + \frac{dg}{d\mathbf{x}}",
             "x^T A x + sum(exp(x))", "x", _sum, A_NN, instance="f = x^T A x, g = sum(exp(x))", key=True),
    Identity("product rule", "d(f g)/dx = df/dx g + f dg/dx",
             r"\frac{d}{d\mathbf{x}}(fg) = \frac{df}{d\mathbf{x}} g + f \frac{dg}{d\mathbf{x}}",
             "(a^T x) sum(sin(x))", "x", _product, ("a=n", "x=n"), instance="f = a^T x, g = sum(sin(x))", key=True),
    Identity("chain rule", "d f(g(x))/dx = df/dg dg/dx",
             r"\frac{d}{d\mathbf{x}} f(g(\mathbf{x})) = \frac{df}{dg} \frac{dg}{d\mathbf{x}}",
             "sum(exp(A x))", "x", _chain, A_MN, instance="f(u) = sum(exp(u)), g(x) = A x", key=True),
    Identity("", "d(x^T a)/dx = a^T", r"\frac{d\mathbf{x}^\top \mathbf{a}}{d\mathbf{x}} = \mathbf{a}^\top",
             "x^T a", "x", "a^T", ("a=n", "x=n")),
    Identity("", "d(a^T x)/dx = a^T", r"\frac{d\mathbf{a}^\top \mathbf{x}}{d\mathbf{x}} = \mathbf{a}^\top",
             "a^T x", "x", "a^T", ("a=n", "x=n")),
    Identity("", "d(X a)/da = X", r"\frac{d\mathbf{X}\mathbf{a}}{d\mathbf{a}} = \mathbf{X}",
             "X a", "a", "X", ("X=m,n", "a=n")),
    Identity("", "d(a^T X)/da = X^T", r"\frac{d\mathbf{a}^\top \mathbf{X}}{d\mathbf{a}} = \mathbf{X}^\top",
             "a^T X", "a", "X^T", ("X=m,n", "a=m")),
    Identity("", "d(a^T X b)/dX = a b^T",
             r"\frac{d\mathbf{a}^\top \mathbf{X}\mathbf{b}}{d\mathbf{X}} = \mathbf{a}\mathbf{b}^\top",
             "a^T X b", "X", "a b^T", ("a=m", "X=m,n", "b=n")),
    Identity("", "d(x^T A x)/dx = x^T (A + A^T)",
             r"\frac{d\mathbf{x}^\top \mathbf{A}\mathbf{x}}{d\mathbf{x}} = "
             r"\mathbf{x}^\top (\mathbf{A} + \mathbf{A}^\top)",
             "x^T A x", "x", "x^T (A + A^T)", A_NN),
    Identity("symmetric W", "d/ds (x - A s)^T W (x - A s) = -2 (x - A s)^T W A",
             r"\frac{d}{d\mathbf{s}}(\mathbf{x} - \mathbf{A}\mathbf{s})^\top "
             r"\mathbf{W}(\mathbf{x} - \mathbf{A}\mathbf{s}) = "
             r"-2(\mathbf{x} - \mathbf{A}\mathbf{s})^\top \mathbf{W}\mathbf{A}",
             "(x - A s)^T W (x - A s)", "s", "-2 (x - A s)^T W A", ("x=n", "A=n,m", "s=m", "W=n,n"), ("W",)),
    Identity("transpose", "d/dX f(X)^T = (df(X)/dX)^T",
             r"\frac{d}{d\mathbf{X}} \mathbf{f}(\mathbf{X})^\top = "
             r"\left(\frac{d\mathbf{f}(\mathbf{X})}{d\mathbf{X}}\right)^\top",
             "(t A + t^2 B)^T", "t", _transpose, ("t=scalar", "A=n,m", "B=n,m"), instance="f(t) = t A + t^2 B"),
    Identity("inverse", "d/dX f(X)^-1 = -f(X)^-1 df(X)/dX f(X)^-1",
             r"\frac{d}{d\mathbf{X}} \mathbf{f}(\mathbf{X})^{-1} = -\mathbf{f}(\mathbf{X})^{-1}"
             r" \frac{d\mathbf{f}(\mathbf{X})}{d\mathbf{X}} \mathbf{f}(\mathbf{X})^{-1}",
             "(A + t B)^-1", "t", _inverse, ("t=scalar", "A=n,n", "B=n,n"), instance="f(t) = A + t B"),
    Identity("", "d(a^T X^-1 b)/dX = -(X^-1)^T a b^T (X^-1)^T",
             r"\frac{d\mathbf{a}^\top \mathbf{X}^{-1} \mathbf{b}}{d\mathbf{X}} = "
             r"-(\mathbf{X}^{-1})^\top \mathbf{a}\mathbf{b}^\top (\mathbf{X}^{-1})^\top",
             "a^T X^-1 b", "X", "-(X^-1)^T a b^T (X^-1)^T", ("a=n", "X=n,n", "b=n")),
)


@dataclass(frozen=True)
class Row:
    identity: Identity
    derivative: str  # matcalc's derivative of the instance (plain)
    latex: str
    source_latex: str  # the instance, in LaTeX
    claim: str  # what the rule says it is
    how: str  # "canonical form" or "numerically": how the two were found equal
    error: float  # the largest relative difference from central finite differences
    problem: str = ""  # why the row fails, if it does

    @property
    def ok(self) -> bool:
        return not self.problem

    def to_json(self) -> dict[str, Any]:
        i = self.identity
        return {"rule": i.name, "identity": i.plain, "latex": i.latex, "instance": i.source, "wrt": i.wrt,
                "parts": i.instance, "derivative": self.derivative, "claim": self.claim, "equal": self.how,
                "finite_differences": self.error, "ok": self.ok, **({"problem": self.problem} if self.problem else {})}


def run(identity: Identity) -> Row:
    """Differentiate the instance, compare it with the rule's right-hand side and with
    finite differences."""
    from matcalc_cli.render import latex, plain

    i = identity
    try:
        report = differentiate(i.source, [i.wrt], list(i.shapes), list(i.symmetric))
        claim = read_claim(i.claim, report) if isinstance(i.claim, str) else i.claim(Parts(i, report))
        claimed = i.claim if isinstance(i.claim, str) else plain.render(claim)
        result = judge(report, claim, claimed,
                       lambda how: differentiate(i.source, [i.wrt], list(i.shapes), list(i.symmetric), how))
        verification = verify(report)
    except MatcalcError as err:
        return Row(i, "", "", "", "", "", float("nan"), f"matcalc could not derive it: {err.message}")
    problem = "" if result.ok else f"matcalc's derivative is not {claimed}: {result.message()}"
    if not verification.ok:
        problem = problem or f"finite differences disagree (relative error {verification.max_error:.1e})"
    function = latex.render(report.function) if report.function is not None else ""
    return Row(i, plain.render(report.derivative.expr), latex.render(report.derivative.expr), function,
               plain.render(result.claim),
               result.method, verification.max_error, problem)


def table() -> list[Row]:
    return [run(i) for i in TABLE]
