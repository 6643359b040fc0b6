"""The terminal view: the derivative in mathematical notation, its shape, the layout
and the shapes assumed, drawn with rich (no colour when piped or with NO_COLOR)."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any

from matcalc_cli.expr import Expr
from matcalc_cli.render import wrap
from matcalc_cli.render.base import ATOM, NEG, POSTFIX, PRODUCT, Printer

if TYPE_CHECKING:  # a printer imports no stage before it at run time: the report is handed in
    from matcalc_cli.report import Report

if TYPE_CHECKING:
    from matcalc_cli.naming import Named

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

    def op_vpow(self, e: Expr) -> tuple[str, int]:
        u, v = e.args
        return f"{self.at(u, ATOM)}{'^' if e.is_scalar else '^∘'}{self.at(v, ATOM)}", POSTFIX

    def op_kron(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], NEG)} ⊗ {self.at(e.args[1], NEG)}", PRODUCT


def console() -> Any:
    """The one terminal console: with NO_COLOR set it writes no escape codes at all
    (not even bold), as when piped. Lines come to it already fitted to its width, so it
    never wraps them again (soft_wrap)."""
    from rich.console import Console

    plain = os.environ.get("NO_COLOR") is not None
    return Console(highlight=False, soft_wrap=True, color_system=None if plain else "auto")


def render_expr(e: Expr) -> str:
    return UnicodePrinter().render(e)


# A line of the view: its text and the styles of its parts ((start, end, style)).
Line = tuple[str, tuple[tuple[int, int, str], ...]]
LABEL = 8  # the column where the values of shape, layout, note and shapes begin


def report_lines(report: Report, width: int, named: Named | None = None) -> list[Line]:
    """The terminal view of a derivation, each line at most width characters where the
    text can break (between names, numbers and operators, never inside one); named: the
    derivative with its named subexpressions (naming.py), one definition a line."""
    title = title_lines("d" + report.of_what(), width)
    out: list[Line] = [(title[0], ((0, 1, "bold"),)), *plain_lines(title[1:])]
    body, where = (named.body, named.where) if named is not None else (report.derivative.expr, ())
    out += styled(wrap.wrap(render_expr(body), width, "  "), "bold cyan")
    for i, (name, e) in enumerate(where):
        lead = "  where " if i == 0 else "        "
        out += plain_lines(wrap.wrap(f"{name} = {render_expr(e)}", width, lead, " " * (len(lead) + 4)))
    out += label_lines("shape", report.shape_text(), width)
    out += label_lines("layout", report.layout_text(), width)
    if report.derivative.note:
        out += label_lines("note", report.derivative.note, width)
    out += label_lines("shapes", report.assumptions_text(), width)
    if report.steps:
        from matcalc_cli.render.steps import terminal_lines

        out.append(("steps", ((0, 5, "dim"),)))
        out += terminal_lines(report.steps, width)
    return out


def title_lines(title: str, width: int) -> list[str]:
    """d(EXPR) / dx dy: the denominator is never broken, and goes under the numerator
    when both do not fit on one line."""
    num, den = title.rsplit(" / ", 1)
    lines = wrap.wrap(num, width)
    if len(lines[-1]) + 3 + len(den) <= width:
        return [*lines[:-1], f"{lines[-1]} / {den}"]
    return [*lines, f"    / {den}"]


def label_lines(label: str, value: str, width: int, style: str = "") -> list[Line]:
    """`label   value`, the value's continued lines under its first (a table without the
    padding of one: no line ends in spaces)."""
    out: list[Line] = []
    for i, line in enumerate(wrap.row(label, value, width, LABEL)):
        spans = [(0, len(label), "dim")] if i == 0 else []
        if style:
            spans.append((min(LABEL, len(line)), len(line), style))
        out.append((line, tuple(spans)))
    return out


def check_lines(lines: list[str], ok: bool, width: int) -> list[Line]:
    """check's verdict and evidence: a line `  label   value` keeps its value's column."""
    head, *rest = lines
    out = styled(wrap.wrap(head, width), "bold green" if ok else "bold red")
    for line in rest:
        m = _ROW.match(line)
        if m:
            out += plain_lines(wrap.row(m.group(2), m.group(3), width, len(m.group(1)), "  "))
        else:
            out += plain_lines(wrap.wrap(line, width, "  "))
    return out


_ROW = re.compile(r"^(  ([a-z]+) {2,})(.*)$")


def styled(lines: list[str], style: str) -> list[Line]:
    return [(line, ((len(line) - len(line.lstrip()), len(line), style),)) for line in lines]


def plain_lines(lines: list[str]) -> list[Line]:
    return [(line, ()) for line in lines]


def width_of(out: Any) -> int:
    """The width to fit: the terminal's (rich reads COLUMNS too); 80 when not known."""
    return max(int(out.width), 20)


def print_lines(lines: list[Line]) -> None:
    from rich.text import Text

    out = console()
    for text, spans in lines:
        t = Text(text)
        for start, end, style in spans:
            t.stylize(style, start, end)
        out.print(t)
    sys.stdout.flush()


def show(report: Report, named: Named | None = None) -> None:
    print_lines(report_lines(report, width_of(console()), named))


def show_row(label: str, value: str, style: str = "") -> None:
    """One more labelled line under the view (the verification)."""
    print_lines(label_lines(label, value, width_of(console()), style))


def show_check(lines: list[str], ok: bool) -> None:
    print_lines(check_lines(lines, ok, width_of(console())))


def show_verdict(lines: list[str], settled: bool) -> None:
    """convex's verdict: its first line bold, the others keeping their indentation when wrapped."""
    width = width_of(console())
    head, *rest = lines
    out = styled(wrap.wrap(head, width), "bold green" if settled else "bold yellow")
    for line in rest:
        out += plain_lines(wrap.wrap(line, width, line[:len(line) - len(line.lstrip())]))
    print_lines(out)


def show_derivation(lines: list[str], ok: bool) -> None:
    """check --derivation: the lines as written with their verdicts (a wrong one and the
    caret under it in red), then the evidence, labelled rows kept in their column."""
    width = width_of(console())
    out: list[Line] = []
    for line in lines:
        m = _ROW.match(line)
        if _WRONG.match(line) or line.lstrip().startswith("^"):
            out += styled([line], "bold red")
        elif line.startswith(("line ", "every line")):
            out += styled(wrap.wrap(line, width), "bold green" if ok else "bold red")
        elif m and not line[:1].isdigit():
            out += plain_lines(wrap.row(m.group(2), m.group(3), width, len(m.group(1)), "  "))
        elif line.startswith("  "):
            out += plain_lines(wrap.wrap(line, width, "  "))
        else:  # a line of the derivation as written, and the caret under it: never broken
            out.append((line, ()))
    print_lines(out)


_WRONG = re.compile(r"^ *[0-9]+  wrong  ")
