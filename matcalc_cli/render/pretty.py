"""The terminal view: the derivative in mathematical notation, its shape, the layout
and the shapes assumed, drawn with rich (no colour when piped or with NO_COLOR)."""

from __future__ import annotations

import sys

from matcalc_cli.expr import Expr
from matcalc_cli.render.base import ATOM, POSTFIX, Printer
from matcalc_cli.report import Report

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class UnicodePrinter(Printer):
    had, hdiv = " ⊙ ", " ⊘ "

    def op_T(self, e: Expr) -> tuple[str, int]:
        return self.at(e.args[0], ATOM) + "ᵀ", POSTFIX

    def op_inv(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.op == "T":
            return self.at(a.args[0], ATOM) + "⁻ᵀ", POSTFIX
        return self.at(a, ATOM) + "⁻¹", POSTFIX

    def op_pow(self, e: Expr) -> tuple[str, int]:
        k = self.exponent(e.param)  # type: ignore[arg-type]
        sup = k.translate(_SUPERSCRIPT)
        return self.at(e.args[0], ATOM) + (sup if sup != k or not k else "^" + k), POSTFIX

    def op_epow(self, e: Expr) -> tuple[str, int]:
        return self.at(e.args[0], ATOM) + "^∘" + self.exponent(e.param), POSTFIX  # type: ignore[arg-type]

    def op_kron(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], 3)} ⊗ {self.at(e.args[1], 3)}", 2


def render_expr(e: Expr) -> str:
    return UnicodePrinter().render(e)


def show(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    title = Text.assemble(("d", "bold"), (report.of_what(), ""))
    console.print(title)
    console.print(Text("  " + render_expr(report.derivative.expr), style="bold cyan"))
    table = Table.grid(padding=(0, 2))
    table.add_row(Text("shape", style="dim"), report.shape_text())
    table.add_row(Text("layout", style="dim"), report.layout_text())
    if report.derivative.note:
        table.add_row(Text("note", style="dim"), report.derivative.note)
    table.add_row(Text("shapes", style="dim"), report.assumptions_text())
    console.print(table)
    if report.steps:
        console.print(Text("steps", style="dim"))
        for line in report.step_lines(render_expr):
            console.print(Text("  " + line))
    sys.stdout.flush()
