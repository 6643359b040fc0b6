"""A derivation by hand as typed values: numbered lines of equations between trees, each with
its rule (steps.py writes them, render/steps.py prints them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr

# a rule as --steps names it: typed in the records (Op.rule, Op.move), re-exported for the lines
from matcalc_cli.ops.base import Said as Said
from matcalc_cli.ops.base import StepRule as StepRule


@dataclass(frozen=True)
class Leibniz:
    """dy/dx: the derivative of the named function by the variable."""

    top: Expr  # the named function (a var)
    by: Expr  # the variable
    again: Expr | None = None  # a second derivative: d(dy/du)/dv


@dataclass(frozen=True)
class Line:
    """lhs = parts[0] = parts[1] = ...; no lhs: the line continues the previous one."""

    lhs: Expr | Leibniz | None
    parts: tuple[Expr, ...]
    rules: Said  # what the step applied, in order
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
