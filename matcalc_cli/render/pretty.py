"""The terminal view: the derivative in mathematical notation, its shape, the layout
and the shapes assumed, drawn with rich (no colour when piped or with NO_COLOR)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol

from matcalc_cli.render import wrap
from matcalc_cli.render.unicode import UnicodePrinter, ascii_only, console, render_expr, to_ascii, width_of
from matcalc_cli.rows import CheckRow, RowKind

if TYPE_CHECKING:
    from matcalc_cli.derive import FinishedDerivative
    from matcalc_cli.lines import Derivation
    from matcalc_cli.naming import Named

__all__ = ["UnicodePrinter", "console", "render_expr", "report_lines", "show", "show_check", "show_row", "width_of"]


class Report(Protocol):
    """What the view reads of a report (report.Report, handed in: a printer imports no stage above it)."""

    @property
    def derivative(self) -> FinishedDerivative: ...
    @property
    def steps(self) -> Derivation | None: ...
    def of_what(self) -> str: ...
    def shape_text(self) -> str: ...
    def layout_text(self) -> str: ...
    def assumptions_text(self) -> str: ...


# A line of the view: its text and the styles of its parts ((start, end, style)).
Styled = tuple[str, tuple[tuple[int, int, str], ...]]
LABEL = 8  # the column where the values of shape, layout, note and shapes begin


def report_lines(report: Report, width: int, named: Named | None = None) -> list[Styled]:
    """The terminal view of a derivation, each line at most width characters where the
    text can break (between names, numbers and operators, never inside one); named: the
    derivative with its named subexpressions (naming.py), one definition a line."""
    title = title_lines("d" + report.of_what(), width)
    out: list[Styled] = [(title[0], ((0, 1, "bold"),)), *plain_lines(title[1:])]
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


def label_lines(label: str, value: str, width: int, style: str = "") -> list[Styled]:
    """`label   value`, the value's continued lines under its first (a table without the
    padding of one: no line ends in spaces)."""
    out: list[Styled] = []
    for i, line in enumerate(wrap.row(label, value, width, LABEL)):
        spans = [(0, len(label), "dim")] if i == 0 else []
        if style:
            spans.append((min(LABEL, len(line)), len(line), style))
        out.append((line, tuple(spans)))
    return out


def check_lines(rows: list[CheckRow], ok: bool, width: int) -> list[Styled]:
    """check's verdict and evidence (and check --derivation's lines as written), each styled by
    its kind: a verdict green or red, a wrong line and the caret under it red and never broken
    (nor is a line as written), a labelled row keeping its value's column."""
    out: list[Styled] = []
    for row in rows:
        if row.kind in (RowKind.WRONG, RowKind.CARET):
            out += styled([row.text], "bold red")
        elif row.kind is RowKind.VERDICT:
            out += styled(wrap.wrap(row.text, width), "bold green" if ok else "bold red")
        elif row.kind is RowKind.LABELLED:
            out += plain_lines(wrap.row(row.label, row.value, width, len(row.text) - len(row.value), "  "))
        elif row.kind is RowKind.NOTE:
            out += plain_lines(wrap.wrap(row.text, width, "  "))
        else:
            out.append((row.text, ()))
    return out


def styled(lines: list[str], style: str) -> list[Styled]:
    return [(line, ((len(line) - len(line.lstrip()), len(line), style),)) for line in lines]


def plain_lines(lines: list[str]) -> list[Styled]:
    return [(line, ()) for line in lines]


def print_lines(lines: list[Styled]) -> None:
    from rich.text import Text

    out = console()
    ascii = ascii_only()
    for text, spans in lines:
        if ascii:  # the same length, or the styles' spans move: styles are dropped
            text, spans = to_ascii(text), ()
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


def show_check(rows: list[CheckRow], ok: bool) -> None:
    print_lines(check_lines(rows, ok, width_of(console())))


def show_verdict(lines: list[str], settled: bool) -> None:
    """convex's verdict: its first line bold, the others keeping their indentation when wrapped."""
    width = width_of(console())
    head, *rest = lines
    out = styled(wrap.wrap(head, width), "bold green" if settled else "bold yellow")
    for line in rest:
        out += plain_lines(wrap.wrap(line, width, line[:len(line) - len(line.lstrip())]))
    print_lines(out)


def show_derivation(rows: list[CheckRow], ok: bool) -> None:
    """check --derivation: the lines as written with their verdicts, then the evidence."""
    print_lines(check_lines(rows, ok, width_of(console())))
