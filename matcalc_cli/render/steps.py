"""A derivation (steps.Derivation) in each format: numbered lines of text (plain, or the
terminal's Unicode), an align* environment for LaTeX, and a list for JSON.

The printers are the formats' own, taught two things: the differential of a subexpression,
d(X^-1), and the Leibniz quotient dy/dX.
"""

from __future__ import annotations

from typing import Any

from matcalc_cli.expr import Expr
from matcalc_cli.lines import Derivation, Leibniz, Line
from matcalc_cli.render.latex import LatexPrinter
from matcalc_cli.render.plain import PlainPrinter
from matcalc_cli.render.printer import ATOM, Printer


def _teach(base: type[Printer], marks: dict[str, Expr]) -> Printer:
    class StepPrinter(base):  # type: ignore[valid-type, misc]
        def op_dvar(self, e: Expr) -> tuple[str, int]:
            inner = marks.get(e.name)
            if inner is None:
                return super().op_dvar(e)  # type: ignore[no-any-return]
            return self.differential() + self.paren(self.render(inner)), ATOM

        def differential(self) -> str:
            return "d"

    return StepPrinter()


def _latex_printer(marks: dict[str, Expr]) -> Printer:
    return _teach(LatexPrinter, marks)


def _unicode_printer(marks: dict[str, Expr]) -> Printer:
    from matcalc_cli.render.unicode import UnicodePrinter

    return _teach(UnicodePrinter, marks)


def _side(p: Printer, lhs: Expr | Leibniz, latex: bool) -> str:
    if isinstance(lhs, Leibniz):
        top, by = p.render(lhs.top), p.render(lhs.by)
        if lhs.again is not None:
            again = p.render(lhs.again)
            return rf"\frac{{d}}{{d{again}}} \frac{{d{top}}}{{d{by}}}" if latex else f"d(d{top}/d{by})/d{again}"
        return rf"\frac{{d{top}}}{{d{by}}}" if latex else f"d{top}/d{by}"
    return p.render(lhs)


def header(d: Derivation, p: Printer, latex: bool = False) -> str:
    """The function by its name, then the names it uses (outermost first), as a where clause."""
    (root, body), *parts = reversed(d.names)
    return f"{p.render(root)} = {p.render(body)}" + _where(p, parts, latex)


def _where(p: Printer, parts: list[tuple[Expr, Expr]], latex: bool) -> str:
    if not parts:
        return ""
    sep = r", \quad " if latex else ", "
    return (r", \quad \text{where } " if latex else " where ") + sep.join(
        f"{p.render(v)} = {p.render(b)}" for v, b in parts)


def equations(d: Derivation, p: Printer, latex: bool = False) -> list[tuple[str, str, Line]]:
    """(left side, the rest of the equation, the line) a line; continuations have no left side."""
    out = []
    for line in d.lines:
        lhs = "" if line.lhs is None else _side(p, line.lhs, latex)
        out.append((lhs, " = ".join(p.render(e) for e in line.parts) + _where(p, list(line.where), latex), line))
    return out


def text_lines(d: Derivation, unicode: bool = False) -> list[tuple[str, str]]:
    """Numbered lines (equation, rule), after a line with the names; continuations are
    indented under the previous line's equals sign."""
    p = _unicode_printer(d.marks) if unicode else _teach(PlainPrinter, d.marks)
    rows = equations(d, p)
    width = len(str(len(rows)))
    out = [(header(d, p), "")]
    left = ""
    for i, (lhs, rhs, line) in enumerate(rows, 1):
        if lhs:
            left = lhs
        shown = f"{lhs} = {rhs}" if lhs else " " * len(left) + f" = {rhs}"
        out.append((f"{i:>{width}}. {shown}", line.rule_text()))
    return out


def plain_lines(d: Derivation, unicode: bool = False) -> list[str]:
    """One line a step, its rule in brackets after it."""
    return [f"{eq}    [{rule}]" if rule else eq for eq, rule in text_lines(d, unicode)]


_TEX_ESCAPES = {"\\": r"\textbackslash{}", "^": r"\^{}", "_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#",
                "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\~{}"}


def _tex_rule(line: Line) -> str:
    """A line's rules as text: each name upright, its identity (in the input language) as
    typewriter."""
    def esc(s: str) -> str:
        return "".join(_TEX_ESCAPES.get(c, c) for c in s)

    parts = []
    for rule in line.rules:
        sep = ": " if rule.identity else ""
        parts.append(rf"\text{{{esc(rule.name)}{sep}}}" + (rf"\texttt{{{esc(rule.identity)}}}" if sep else ""))
    return r"\text{; }".join(parts)


def latex(d: Derivation) -> str:
    """An align* environment (amsmath), one step a row, its rule set apart on the right."""
    p = _latex_printer(d.marks)
    rows = [header(d, p, latex=True) + r" \\"]
    rows[0] = rows[0].replace(" = ", " &= ", 1)
    for lhs, rhs, line in equations(d, p, latex=True):
        rows.append(f"{lhs} &= {rhs} && {_tex_rule(line)} \\\\")
    rows[-1] = rows[-1].removesuffix(r" \\")
    return "\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}"


def json_steps(d: Derivation) -> dict[str, Any]:
    """The names and the steps, each in plain text and LaTeX, with its rule."""
    pp, lp = _teach(PlainPrinter, d.marks), _latex_printer(d.marks)
    plain_rows, latex_rows = equations(d, pp), equations(d, lp, latex=True)
    steps = [{"equation": f"{pl} = {pr}" if pl else f"= {pr}", "latex": f"{ll} = {lr}" if ll else f"= {lr}",
              "rule": line.rule_text()} for (pl, pr, line), (ll, lr, _) in zip(plain_rows, latex_rows, strict=True)]
    names = [{"name": v.name, "plain": pp.render(b), "latex": lp.render(b)} for v, b in reversed(d.names)]
    return {"names": names, "steps": steps}


def terminal_lines(d: Derivation, width: int) -> list[tuple[str, tuple[tuple[int, int, str], ...]]]:
    """The numbered steps for the terminal, fitted to width, each rule set apart (dim):
    after its equation where it fits, else on the lines below it."""
    from matcalc_cli.render import wrap

    out: list[tuple[str, tuple[tuple[int, int, str], ...]]] = []
    for equation, rule in text_lines(d, unicode=True):
        head, where, names = equation.partition(" where ")
        if where and len(equation) + 2 > width:  # the names go under the function (the result)
            lines = wrap.wrap(head, width, "  ") + wrap.wrap("where " + names, width, "    " if not rule else "      ")
        else:
            lines = wrap.wrap(equation, width, "  ")
        body = [(line, ()) for line in lines[:-1]]
        last = lines[-1]
        if not rule:
            out += [*body, (last, ())]
        elif len(last) + 4 + len(rule) <= width:
            out += [*body, (f"{last}    {rule}", ((len(last) + 4, len(last) + 4 + len(rule), "dim"),))]
        else:
            out += [*body, (last, ())]
            out += [(r, ((6, len(r), "dim"),)) for r in wrap.wrap(rule, width, "      ", "      ")]
    return out
