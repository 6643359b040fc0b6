"""Plain text: matcalc's own input language, so that output can be fed back in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcalc_cli.expr import Expr
from matcalc_cli.render.printer import Printer

if TYPE_CHECKING:
    from matcalc_cli.naming import Named


class PlainPrinter(Printer):
    """The base printer already spells everything in the input language."""


# A printer per call: its memo of printed subtrees holds their nodes, and a printer kept
# for the process (a batch of 10,000 jobs) would keep every job's trees alive.
def render(e: Expr) -> str:
    return PlainPrinter().render(e)


def render_named(named: Named) -> str:
    """body where h1 = ..., h2 = ...: the input language's where clause, so it parses back."""
    return PlainPrinter().render_where(named.body, named.where)
