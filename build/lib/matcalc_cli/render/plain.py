"""Plain text: matcalc's own input language, so that output can be fed back in."""

from __future__ import annotations

from matcalc_cli.expr import Expr
from matcalc_cli.render.base import Printer


class PlainPrinter(Printer):
    """The base printer already spells everything in the input language."""


_PRINTER = PlainPrinter()


def render(e: Expr) -> str:
    return _PRINTER.render(e)
