"""One derivation from text to result, and the facts every output format reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matcalc_cli import expr as E
from matcalc_cli.build import Typed, infer
from matcalc_cli.derive import Convention, FinishedDerivative, derivative, scalar_function, second_derivative
from matcalc_cli.dims import format_dim, format_shape, parse_spec, spec_of
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.shapes import variable_names
from matcalc_cli.simplify import canon, finish
from matcalc_cli.stable import stable
from matcalc_cli.structure import NONE, Structure, Structures, declare
from matcalc_cli.syntax import Syntax, parse
from matcalc_cli.tokens import greek_names
from matcalc_cli.where import reject_defined, substitute

if TYPE_CHECKING:
    from matcalc_cli.lines import Derivation
    from matcalc_cli.naming import Named

SCHEMA = 1
BACKENDS = ("python", "numpy", "torch", "jax")  # numpy is python's other name
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Report:
    source: str
    wrt: tuple[str, ...]
    variables: dict[str, Shape]
    inferred: frozenset[str]
    structures: Structures  # --symmetric, --diagonal, ... of the names that occur
    derivative: FinishedDerivative
    steps: Derivation | None = None  # the derivation by hand, when asked for (--steps)
    function: Expr | None = None  # the typed tree of the expression (what check and --verify evaluate)
    notes: tuple[str, ...] = ()  # options that name what does not occur (printed on stderr)
    given: tuple[tuple[Expr, str], ...] = ()  # the input's where clause: (a node, its name)
    declared: frozenset[str] = frozenset()  # the names options give, which a run of letters keeps
    latex: bool | None = None  # --from latex (None: LaTeX when the text holds a backslash command)

    def syntax(self) -> Syntax:
        """The source read again, exactly as it was read for this report."""
        return parse(self.source, self.declared, self.latex)

    @property
    def symmetric(self) -> Structures:
        """The declared structures (named for --symmetric, once the only one): what build,
        infer and the point sampler take."""
        return self.structures

    def of_what(self) -> str:
        return f"({self.source}) / " + " ".join("d" + w for w in self.wrt)

    def shape_text(self) -> str:
        return format_shape(self.derivative.shape)

    def layout_text(self) -> str:
        within = self.derivative.within
        return f"{self.derivative.layout} ({self.derivative.kind})" + (
            f", within {within.words} matrices" if within is not None else "")

    def assumptions_text(self) -> str:
        parts = []
        for name, shape in self.variables.items():
            text = f"{name}: {_describe(shape)}"
            text += self.structures.describe(name)
            if name in self.inferred:
                text += " (inferred)"
            parts.append(text)
        return "; ".join(parts)

    def named(self, expand: bool = False) -> Named:
        """The derivative with its repeated subexpressions named where that shortens it
        (naming.py); expand: none named."""
        from matcalc_cli import naming

        e = self.derivative.expr
        return naming.Named(e, ()) if expand else naming.name(e, self.variables, dict(self.given))

    def names(self) -> dict[Expr, str]:
        """The names the result prints with (not --expand's), by node: what the steps and
        the code's locals call the same subexpressions."""
        return printed_names(self.derivative.expr, self.variables, self.given)

    def to_json(self, expand: bool = False) -> dict[str, Any]:
        from matcalc_cli.render import latex, numpy, plain

        d = self.derivative
        named = self.named(expand)
        where = {"where": [{"name": n, "plain": plain.render(e), "latex": latex.render(e)}
                           for n, e in named.where]} if named.where else {}
        return {
            "schema": SCHEMA,
            "input": self.source,
            "wrt": self.wrt[0] if len(self.wrt) == 1 else list(self.wrt),
            "derivative": plain.render_named(named),
            "latex": latex.render_named(named),
            "numpy": numpy_line(d.expr, self.variables),
            **({"value_numpy": numpy_line(self.function, self.variables)} if self.function is not None else {}),
            **({"numpy_sizes": free} if (free := numpy.free_dims(d.expr, self.variables)) else {}),
            "shape": [format_dim(x) for x in d.shape],
            "kind": d.kind,
            "layout": d.layout,
            "note": d.note,
            "variables": {n: spec_of(s) for n, s in self.variables.items()},
            "inferred": sorted(self.inferred),
            "symmetric": sorted(n for n, s in self.structures.items() if s is Structure.SYMMETRIC),
            "structure": self.structures.to_json(),
            **where,
            **(self.step_json() if self.steps else {}),
            **({"notes": list(self.notes)} if self.notes else {}),
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


def numpy_line(e: Expr, variables: dict[str, Shape]) -> str:
    """e as one numpy expression, printed from its stable form (stable.py), as code is."""
    from matcalc_cli.render import numpy

    return numpy.render(stable(e), variables)


def printed_names(e: Expr, variables: dict[str, Shape], given: tuple[tuple[Expr, str], ...]) -> dict[Expr, str]:
    """The names a result e prints with, by node, and the input's own (given)."""
    from matcalc_cli import naming

    named = naming.name(e, variables, dict(given))
    return {node: n for node, (n, _) in zip(named.nodes, named.where, strict=True)} | dict(given)


def _describe(shape: Shape) -> str:
    if shape == E.SCALAR:
        return "scalar"
    if shape[1] == 1:
        return f"vector ({format_dim(shape[0])})"
    return f"matrix ({format_shape(shape)})"


def differentiate(source: str, wrt: list[str], shapes: list[str] | None = None,
                  symmetric: list[str] | None = None, layout: str = "numerator", steps: bool = False,
                  latex: bool | None = None, structures: Structures | None = None) -> Report:
    """Parse, type, differentiate and simplify; raise MatcalcError on bad input. structures:
    the other declarations (--diagonal ...; declare() them), with symmetric's."""
    # A Greek letter in an option is its name, as in the expression (--wrt θ is --wrt theta).
    wrt = [greek_names(w) for w in wrt]
    shapes = [greek_names(s) for s in shapes or []]
    symmetric = [greek_names(s) for s in symmetric or []]
    if layout not in ("numerator", "denominator"):
        raise MatcalcError("option", f"--layout must be numerator or denominator, not {layout!r}")
    if not wrt:
        raise MatcalcError("option", "--wrt is required: the variable to differentiate by")
    if len(wrt) > 2:
        raise MatcalcError("option", "at most two --wrt (a second derivative)")
    root, typed, declared, sym, notes = structured_input(source, wrt, shapes, symmetric, structures, latex)
    named_by_options = frozenset([*declared, *sym.names, *wrt])
    xs = [E.var(w, typed.variables[w], sym.of(w)) for w in wrt]
    d = derivative_of(typed.expr, xs, layout)
    shown = None
    if steps:  # for two --wrt, the first derivative's, then the second
        from matcalc_cli import naming
        from matcalc_cli.steps import derivation, second  # only when asked for (--steps)

        first = d if len(xs) == 1 else derivative_of(typed.expr, xs[:1], layout)
        # The names the result prints with are the steps' names too, where a step names the
        # same subexpression, and never a step's name for another one; the last step is the
        # result as it prints.
        printed = naming.name(d.expr, typed.variables, dict(typed.named))
        given = {node: n for node, (n, _) in zip(printed.nodes, printed.where, strict=True)} | dict(typed.named)
        shown = derivation(typed.expr, xs[0], first, given, printed if len(xs) == 1 else None)
        if len(xs) == 2:
            shown = second(shown, xs[1], d, printed)
    return Report(source, tuple(wrt), typed.variables, typed.inferred, sym.restricted(typed.variables), d, shown,
                  typed.expr, notes, typed.named, named_by_options, latex)


def typed_input(source: str, wrt: list[str], shapes: list[str] | None = None, symmetric: list[str] | None = None,
                latex: bool | None = None) -> tuple[Syntax, Typed, dict[str, Shape], frozenset[str], tuple[str, ...]]:
    """The options read and the expression typed: the syntax tree, the typed tree, the
    declared shapes, the symmetric names, the notes (structured_input, --symmetric only)."""
    root, typed, declared, sym, notes = structured_input(source, wrt, shapes, symmetric, latex=latex)
    return root, typed, declared, sym.symmetric, notes


def structured_input(source: str, wrt: list[str], shapes: list[str] | None = None,
                     symmetric: list[str] | None = None, structures: Structures | None = None,
                     latex: bool | None = None,
                     ) -> tuple[Syntax, Typed, dict[str, Shape], Structures, tuple[str, ...]]:
    """The options read and the expression typed (diff's and convex's shared first half): the
    syntax tree, the typed tree, the declared shapes, every structure as one declaration
    (--symmetric's names, and structures: --diagonal ... --positive, declare()d), the notes."""
    for w in wrt:
        if not _NAME.match(w):
            raise MatcalcError("option", f"--wrt expects a variable name, got {w!r}")
    declared: dict[str, Shape] = {}
    for item in shapes or []:
        name, sep, spec = item.partition("=")
        if not sep or not _NAME.match(name.strip()):
            raise MatcalcError("option", f"--shape expects NAME=SPEC (x=n, A=n,m, t=scalar), got {item!r}")
        name, shape = name.strip(), parse_spec(spec, name.strip())
        if name in declared and declared[name] != shape:
            raise MatcalcError("option", f"two --shape declarations of {name}: {spec_of(declared[name])} and "
                               f"{spec_of(shape)}; give one")
        declared[name] = shape
    others = [(greek_names(n), s) for n, s in (NONE if structures is None else structures).pairs()]
    pairs = [(n, Structure.SYMMETRIC) for n in symmetric or []] + others
    for name, structure in pairs:
        if not _NAME.match(name):
            raise MatcalcError("option", f"{structure.option} expects a matrix name, got {name!r}")
    sym = declare(pairs)
    root = parse(source, frozenset([*declared, *sym.names, *wrt]), latex)
    reject_defined(root, {**{n: "--shape" for n in declared}, **{n: sym.options(n)[0] for n in sym.names},
                          **{n: "--wrt" for n in wrt}})
    typed = infer(root, declared, sym, extra=list(wrt), source=source)
    return root, typed, declared, sym, absent_names(root, wrt, declared, sym)


def derivative_of(f: Expr, xs: list[Expr], layout: str = "numerator") -> FinishedDerivative:
    """The derive step, then the simplify step: the derivative of f by xs[0], or by xs[0]
    then xs[1] (the first derivative, in gradient shape, differentiated again)."""
    if len(xs) == 1:
        return finish(derivative(canon(f), xs[0], layout))
    u, v = xs
    scalar_function(f, u, v)
    first = finish(derivative(canon(f), u, "denominator"))
    return finish(second_derivative(first, derivative(canon(first.expr), v, layout), u, v))


def absent_names(root: Syntax, wrt: list[str], declared: dict[str, Shape], sym: Structures) -> tuple[str, ...]:
    """A note for each option naming what does not occur in the expression; a --wrt that
    differs from a name of the expression only in case is a slip (an error)."""
    names = [n for n, _ in variable_names(substitute(root))]
    notes = []
    for w in dict.fromkeys(wrt):
        if w in names:
            continue
        close = [n for n in names if n.lower() == w.lower()]
        if close:
            raise MatcalcError("option", f"--wrt {w}: {w} does not occur in the expression; did you mean {close[0]}?")
        notes.append(f"--wrt {w}: {w} does not occur in the expression, so the derivative is zero")
    notes += [f"--shape {n}: {n} does not occur in the expression" for n in declared if n not in names]
    notes += [f"{o} {n}: {n} does not occur in the expression" for n in sorted(sym.names) if n not in names
              for o in sym.options(n)]
    return tuple(notes)


# ------------------------------------------------------------------ the formats that print a whole report
def function_text(report: Report, backend: str = "python", with_value: bool = False, hvp: bool = False) -> str:
    """The derivative as a self-contained function for backend (python/numpy, torch or jax):
    its imports, then one def taking the variables as arguments. with_value: the function
    returns (value, derivative); hvp: for a Hessian, a function of the variables and a
    direction v that returns H v in v's shape (derive/hvp.py), without forming H."""
    from importlib import import_module

    from matcalc_cli import naming
    from matcalc_cli.render.function import Signature, shape_text

    if backend not in BACKENDS:
        raise MatcalcError("option", f"the backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    d = report.derivative
    title = (f"The derivative of {report.source} by {' then '.join(report.wrt)}: {d.layout} layout, "
             f"{d.kind}, shape {shape_text(d.shape)}.")
    module = import_module(f"matcalc_cli.render.{'python' if backend == 'numpy' else backend}")
    if with_value and hvp:
        raise MatcalcError("option", "--with-value and --hvp make different functions: give one")
    spelling = "numpy" if backend == "python" else backend
    if hvp:
        e, sig = _hvp(report, title)
        return module.render(naming.computed(e, None, spelling, report.names()), sig)  # type: ignore[no-any-return]
    value = None
    if with_value:
        value = report.function
        if value is None:
            raise MatcalcError("internal", "--with-value needs the expression's tree")
        title = (f"The value of {report.source} and its derivative by {' then '.join(report.wrt)}: "
                 f"{d.layout} layout, {d.kind}, shape {shape_text(d.shape)}.")
    sig = Signature(title, report.variables, report.structures.symmetric, report.wrt, d.note, value)
    code = naming.computed(d.expr, value, spelling, report.names())  # from the stable forms (stable.py)
    return module.render(code, sig)  # type: ignore[no-any-return]


def _hvp(report: Report, title: str) -> tuple[Any, Any]:
    """The Hessian applied to a direction: the expression and the function's signature."""
    from matcalc_cli import expr as E
    from matcalc_cli.derive.hvp import hessian_vector
    from matcalc_cli.render.function import Signature, shape_text

    d = report.derivative
    if len(report.wrt) != 2 or report.wrt[0] != report.wrt[1] or d.kind != "hessian":
        raise MatcalcError("option", "--hvp applies to a Hessian: the same variable twice, --wrt x --wrt x"
                           + (f" (here {' and '.join(report.wrt)})" if len(report.wrt) == 2 else ""))
    w = report.wrt[0]
    direction = next(n for n in ("v", "v_", "dv", "direction") if n not in report.variables)
    shape = report.variables[w]
    x = E.var(w, shape, report.structures.of(w))
    e = hessian_vector(d.expr, x, E.var(direction, shape))
    title = (f"The Hessian of {report.source} by {w}, applied to {direction}: H {direction} in "
             f"{w}'s shape {shape_text(shape)}, H never formed.")
    note = "" if shape[1] == 1 else f"H acts on vec({direction}); H {direction} comes back in {w}'s shape"
    sig = Signature(title, {**report.variables, direction: shape}, report.structures.symmetric, report.wrt, note,
                    direction=direction)
    return e, sig


def latex_text(report: Report, display: bool = False, bold: bool = False, standalone: bool = False,
               expand: bool = False, page: float | None = None) -> str:
    """The derivative in LaTeX: one line of math; display: the whole equation in Leibniz
    notation (align*), broken to fit page points (the article's text width by default); bold:
    vectors and matrices in bold; standalone: a complete document;
    expand: no named subexpressions (naming.py)."""
    from matcalc_cli import expr as E
    from matcalc_cli.render import latex, latexdoc

    d, named = report.derivative, report.named(expand)
    if display:
        f = report.function
        if f is None:
            from matcalc_cli.build import infer

            f = infer(report.syntax(), dict(report.variables), report.symmetric).expr
        wrt = tuple(E.var(w, report.variables[w], report.structures.of(w)) for w in report.wrt)
        eq = latexdoc.Equation(f, wrt, named.body, named.where, vec=Convention.VEC in d.conventions, note=d.note)
        text = latexdoc.display(eq, bold, page or latexdoc.TEXT_WIDTH)
    else:
        text = latex.render_named(named, bold)
    return latexdoc.standalone(text) if standalone else text
