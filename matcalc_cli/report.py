"""One derivation from text to result, and the facts every output format reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.build import reject_defined
from matcalc_cli.derive import Derivative, derivative, second_derivative
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Shape
from matcalc_cli.shapes import format_dim, format_shape, infer, parse_spec, spec_of
from matcalc_cli.steps import Derivation, derivation
from matcalc_cli.syntax import parse

SCHEMA = 1
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Report:
    source: str
    wrt: tuple[str, ...]
    variables: dict[str, Shape]
    inferred: frozenset[str]
    symmetric: frozenset[str]
    derivative: Derivative
    steps: Derivation | None = None  # the derivation by hand, when asked for (--steps)

    def of_what(self) -> str:
        return f"({self.source}) / " + " ".join("d" + w for w in self.wrt)

    def shape_text(self) -> str:
        return format_shape(self.derivative.shape)

    def layout_text(self) -> str:
        return f"{self.derivative.layout} ({self.derivative.kind})"

    def assumptions_text(self) -> str:
        parts = []
        for name, shape in self.variables.items():
            text = f"{name}: {_describe(shape)}"
            if name in self.symmetric:
                text += ", symmetric"
            if name in self.inferred:
                text += " (inferred)"
            parts.append(text)
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        from matcalc_cli.render import latex, numpy, plain

        d = self.derivative
        return {
            "schema": SCHEMA,
            "input": self.source,
            "wrt": self.wrt[0] if len(self.wrt) == 1 else list(self.wrt),
            "derivative": plain.render(d.expr),
            "latex": latex.render(d.expr),
            "numpy": numpy.render(d.expr, self.variables),
            "shape": [format_dim(x) for x in d.shape],
            "kind": d.kind,
            "layout": d.layout,
            "note": d.note,
            "variables": {n: spec_of(s) for n, s in self.variables.items()},
            "inferred": sorted(self.inferred),
            "symmetric": sorted(self.symmetric),
            **(self.step_json() if self.steps else {}),
        }

    def step_lines(self, unicode: bool = False) -> list[str]:
        """The names, then one numbered line a step, its rule in brackets after it."""
        from matcalc_cli.render import steps

        return steps.plain_lines(self.steps, unicode) if self.steps else []

    def step_latex(self) -> str:
        from matcalc_cli.render import steps

        return steps.latex(self.steps) if self.steps else ""

    def step_json(self) -> dict[str, Any]:
        from matcalc_cli.render import steps

        return steps.json_steps(self.steps) if self.steps else {}


def _describe(shape: Shape) -> str:
    if shape == E.SCALAR:
        return "scalar"
    if shape[1] == 1:
        return f"vector ({format_dim(shape[0])})"
    return f"matrix ({format_shape(shape)})"


def differentiate(source: str, wrt: list[str], shapes: list[str] | None = None,
                  symmetric: list[str] | None = None, layout: str = "numerator", steps: bool = False) -> Report:
    """Parse, type, differentiate and simplify; raise MatcalcError on bad input."""
    if layout not in ("numerator", "denominator"):
        raise MatcalcError("option", f"--layout must be numerator or denominator, not {layout!r}")
    if not wrt:
        raise MatcalcError("option", "--wrt is required: the variable to differentiate by")
    if len(wrt) > 2:
        raise MatcalcError("option", "at most two --wrt (a second derivative)")
    for w in wrt:
        if not _NAME.match(w):
            raise MatcalcError("option", f"--wrt expects a variable name, got {w!r}")
    declared: dict[str, Shape] = {}
    for item in shapes or []:
        name, sep, spec = item.partition("=")
        if not sep or not _NAME.match(name.strip()):
            raise MatcalcError("option", f"--shape expects NAME=SPEC (x=n, A=n,m, t=scalar), got {item!r}")
        declared[name.strip()] = parse_spec(spec, name.strip())
    sym = frozenset(symmetric or [])
    for name in sym:
        if not _NAME.match(name):
            raise MatcalcError("option", f"--symmetric expects a matrix name, got {name!r}")
    tree = parse(source)
    reject_defined(tree, {**{n: "--shape" for n in declared}, **{n: "--symmetric" for n in sym},
                          **{n: "--wrt" for n in wrt}})
    typed = infer(tree, declared, sym, extra=list(wrt))
    xs = [E.var(w, typed.variables[w], w in sym) for w in wrt]
    if len(xs) == 1:
        d = derivative(typed.expr, xs[0], layout)
    else:
        d = second_derivative(typed.expr, xs[0], xs[1], layout)
    shown = None
    if steps:  # of the first derivative, for two --wrt
        first = d if len(xs) == 1 else derivative(typed.expr, xs[0], layout)
        shown = derivation(typed.expr, xs[0], first)
    return Report(source, tuple(wrt), typed.variables, typed.inferred, sym & set(typed.variables), d, shown)
