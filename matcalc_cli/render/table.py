"""The table of `matcalc identities` in each format: lines of text, a LaTeX table for
lecture notes (amsmath), and JSON."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol


# What this printer reads of identities.Identity and identities.Row (handed in, not imported:
# the printers import no stage above them).
class Identity(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def plain(self) -> str: ...
    @property
    def latex(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def wrt(self) -> str: ...
    @property
    def instance(self) -> str: ...
    @property
    def group(self) -> str: ...


class Row(Protocol):
    @property
    def identity(self) -> Identity: ...
    @property
    def derivative(self) -> str: ...
    @property
    def latex(self) -> str: ...
    @property
    def source_latex(self) -> str: ...
    @property
    def claim(self) -> str: ...
    @property
    def how(self) -> str: ...
    @property
    def error(self) -> float: ...
    @property
    def problem(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    def to_json(self) -> dict[str, Any]: ...

TITLE = "The course's rules, each re-derived by matcalc and checked numerically"


def _error(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.1e}"


def text_lines(rows: Sequence[Row]) -> list[tuple[str, str]]:
    """(line, style) pairs: per rule, the rule, matcalc's derivative of its instance, and
    how it was checked; then a summary."""
    out = [(TITLE, "bold")]
    width = len(str(len(rows)))
    group = ""
    for n, r in enumerate(rows, 1):
        i = r.identity
        if i.group != group:
            group = i.group
            out += [("", ""), (group, "bold")]
        mark = "ok  " if r.ok else "FAIL"
        out.append((f"{mark} {n:>{width}}. {i.name + ': ' if i.name else ''}{i.plain}", "" if r.ok else "bold red"))
        pad = " " * (6 + width)
        parts = f"   ({i.instance})" if i.instance else ""
        if r.derivative:
            out.append((f"{pad}matcalc: d({i.source})/d{i.wrt} = {r.derivative}{parts}", ""))
        if r.ok:
            rule = "the rule's right-hand side" if i.instance else "the formula"
            out.append((f"{pad}checked: equal to {rule} {r.claim} ({r.how}); finite differences agree "
                        f"(relative error {_error(r.error)})", "dim"))
        else:
            out.append((f"{pad}{r.problem}", "bold red"))
    held = sum(r.ok for r in rows)
    out += [("", ""), (f"{held} of {len(rows)} rules hold.", "bold" if held == len(rows) else "bold red")]
    return out


def plain(rows: Sequence[Row]) -> str:
    return "\n".join(line for line, _ in text_lines(rows))


def show(rows: Sequence[Row]) -> None:
    """On the terminal, each line fitted to its width."""
    from rich.text import Text

    from matcalc_cli.render import wrap
    from matcalc_cli.render.unicode import console, width_of

    out = console()
    width = width_of(out)
    for line, style in text_lines(rows):
        indent = line[:len(line) - len(line.lstrip())]
        for part in wrap.wrap(line, width, indent, indent + "    ") if line else [""]:
            out.print(Text(part, style=style or ""))


def latex(rows: Sequence[Row]) -> str:
    """Tables (amsmath for the fractions) to paste into lecture notes, as wide as an
    article's text, one a group of rules so that a page may end between them: the rule, the
    identity and the check on one row, matcalc's derivative of an instance under them."""
    groups: dict[str, list[str]] = {}
    for r in rows:
        i = r.identity
        body = groups.setdefault(i.group, [])
        name = i.name[:1].upper() + i.name[1:] if i.name else ""
        checked = rf"yes, ${_tex_error(r.error)}$" if r.ok else r"\textbf{fails}"
        body.append(f"{name} & ${i.latex}$ & {checked} \\\\")
        if r.latex:
            instance = rf"$\frac{{d}}{{d{_tex_name(i.wrt)}}}\left({r.source_latex}\right) = {r.latex}$"
            body.append(rf"& \multicolumn{{2}}{{@{{}}p{{9.6cm}}@{{}}}}{{matcalc: {instance}}} \\")
    tables = []
    for k, (group, body) in enumerate(groups.items()):
        header = [r"Rule & Identity & Checked \\", r"\hline"] if k == 0 else []
        tables.append("\n".join([
            r"\noindent\begin{tabular}{@{}p{1.9cm}p{7.4cm}p{1.8cm}@{}}",
            r"\hline",
            *header,
            rf"\multicolumn{{3}}{{@{{}}l}}{{\textbf{{{group}}}}} \\",
            *body,
            r"\hline",
            r"\end{tabular}",
        ]))
    return "\n\n\\medskip\n".join(tables)


def _tex_error(x: float) -> str:
    if math.isnan(x):
        return r"\mathrm{nan}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def _tex_name(name: str) -> str:
    from matcalc_cli.render.latex import latex_name

    return latex_name(name)


def json_object(rows: Sequence[Row]) -> dict[str, Any]:
    return {"identities": [r.to_json() for r in rows], "ok": all(r.ok for r in rows)}
