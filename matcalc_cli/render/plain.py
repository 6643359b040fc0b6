"""Plain text: matcalc's own input language, so that output can be fed back in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcalc_cli.expr import Expr
from matcalc_cli.render.base import Printer

if TYPE_CHECKING:
    from matcalc_cli.naming import Named


class PlainPrinter(Printer):
    """The base printer already spells everything in the input language."""


_PRINTER = PlainPrinter()


def render(e: Expr) -> str:
    return _PRINTER.render(e)


def render_named(named: Named) -> str:
    """body where h1 = ..., h2 = ...: the input language's where clause, so it parses back."""
    return _PRINTER.render_where(named.body, named.where)
