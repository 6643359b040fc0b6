"""A derivation by hand as typed values: numbered lines of equations between trees, each with
its rule (steps.py writes them, render/steps.py prints them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr


@dataclass(frozen=True)
class Leibniz:
    """dy/dx: the derivative of the named function by the variable."""

    top: Expr  # the named function (a var)
    by: Expr  # the variable
    again: Expr | None = None  # a second derivative: d(dy/du)/dv


@dataclass(frozen=True)
class StepRule:
    """A rule as --steps names it: its name and, for an identity, the identity in the input
    language (product rule; inverse: d(X^-1) = -X^-1 dX X^-1)."""

    name: str
    identity: str = ""

    @classmethod
    def of(cls, written: str) -> tuple[StepRule, ...]:
        """A record's rule as it is written there, "name: identity", several joined by "; "
        (ops.Op.rule, Op.move): read here once, into typed values."""
        return tuple(cls(*piece.partition(": ")[::2]) for piece in written.split("; "))

    def text(self) -> str:
        return f"{self.name}: {self.identity}" if self.identity else self.name


@dataclass(frozen=True)
class Line:
    """lhs = parts[0] = parts[1] = ...; no lhs: the line continues the previous one."""

    lhs: Expr | Leibniz | None
    parts: tuple[Expr, ...]
    rules: tuple[StepRule, ...]  # what the step applied, in order
    form: Expr | None = None  # a read-off: the linear form the derivative stands for
    # names the line defines after its last part (the printed result's that the steps lack:
    # = body where h = ...), each in the names before it
    where: tuple[tuple[Expr, Expr], ...] = ()

    def rule_text(self) -> str:
        return "; ".join(r.text() for r in self.rules)


@dataclass(frozen=True)
class Derivation:
    lines: tuple[Line, ...]
    names: tuple[tuple[Expr, Expr], ...]  # (var, its definition in the names before it), innermost first
    marks: dict[str, Expr] = field(default_factory=dict)  # marker name -> the subexpression it differentiates
    wrt: Expr = E.ONE
