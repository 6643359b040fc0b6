"""The terminal view: the derivative in mathematical notation, its shape, the layout
and the shapes assumed, drawn with rich (no colour when piped or with NO_COLOR)."""

from __future__ import annotations

import os
import sys
from typing import Any

from matcalc_cli.expr import Expr
from matcalc_cli.render.base import ATOM, NEG, POSTFIX, PRODUCT, Printer
from matcalc_cli.report import Report

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class UnicodePrinter(Printer):
    had, hdiv = " ⊙ ", " ⊘ "
    transposed, inverted, inverted_transposed = "ᵀ", "⁻¹", "⁻ᵀ"

    def op_pow(self, e: Expr) -> tuple[str, int]:
        k = self.exponent(e.number)
        # Integer exponents become superscripts; anything else keeps the caret.
        sup = k.translate(_SUPERSCRIPT) if k.lstrip("-").isdigit() else "^" + k
        return self.at(e.args[0], ATOM) + sup, POSTFIX

    def op_epow(self, e: Expr) -> tuple[str, int]:
        return self.at(e.args[0], ATOM) + "^∘" + self.exponent(e.param), POSTFIX  # type: ignore[arg-type]

    def op_kron(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], NEG)} ⊗ {self.at(e.args[1], NEG)}", PRODUCT


def console() -> Any:
    """The one terminal console: with NO_COLOR set it writes no escape codes at all
    (not even bold), as when piped."""
    from rich.console import Console

    plain = os.environ.get("NO_COLOR") is not None
    return Console(highlight=False, soft_wrap=True, color_system=None if plain else "auto")


def render_expr(e: Expr) -> str:
    return UnicodePrinter().render(e)


def show(report: Report) -> None:
    from rich.table import Table
    from rich.text import Text

    out = console()
    title = Text.assemble(("d", "bold"), (report.of_what(), ""))
    out.print(title)
    out.print(Text("  " + render_expr(report.derivative.expr), style="bold cyan"))
    table = Table.grid(padding=(0, 2))
    table.add_row(Text("shape", style="dim"), report.shape_text())
    table.add_row(Text("layout", style="dim"), report.layout_text())
    if report.derivative.note:
        table.add_row(Text("note", style="dim"), report.derivative.note)
    table.add_row(Text("shapes", style="dim"), report.assumptions_text())
    out.print(table)
    if report.steps:
        out.print(Text("steps", style="dim"))
        for line in report.step_lines(render_expr):
            out.print(Text("  " + line))
    sys.stdout.flush()
