"""The Python API: the command line's diff and check, as functions that return objects.

    d = diff("x^T A x", wrt="x", shapes={"A": "n,n"})
    d.plain, d.latex, d.numpy, d.shape, d.kind, d.layout

Bad input raises MatcalcError (errors.py), the one exception type, with the
message and the span the command line would show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from matcalc_cli.errors import MatcalcError, as_error
from matcalc_cli.report import Report, function_text, latex_text

if TYPE_CHECKING:
    from matcalc_cli import checking, convexity
    from matcalc_cli.commands import DiffOptions, DiffResult, StructureFields
    from matcalc_cli.derivation import DerivationResult
    from matcalc_cli.verification import Verification

Shapes = Mapping[str, "str | int | tuple[Any, ...]"]


def _spec(name: str, shape: object) -> str:
    """A shape as the command line's --shape spec: "n,n", "n", "scalar", 3 or ("n", "m")."""
    if isinstance(shape, str):
        return f"{name}={shape}"
    if isinstance(shape, int) and not isinstance(shape, bool):
        return f"{name}={shape}"
    if isinstance(shape, tuple) and shape and all(isinstance(d, (str, int)) for d in shape):
        return f"{name}={','.join(str(d) for d in shape)}"
    raise MatcalcError("option", f"the shape of {name} must be a spec like \"n,m\", \"n\" or \"scalar\", "
                                 f"got {shape!r}")


def _wrt(wrt: str | Sequence[str]) -> list[str]:
    if isinstance(wrt, str):
        return [wrt]
    if not all(isinstance(w, str) for w in wrt):
        raise MatcalcError("option", f"wrt must be a name or a list of names, got {wrt!r}")
    return list(wrt)


def _options(expr: str, wrt: str | Sequence[str], shapes: Shapes | None,
             symmetric: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    if not isinstance(expr, str):
        raise MatcalcError("option", f"the expression must be a string, got {type(expr).__name__}")
    specs = [_spec(name, s) for name, s in (shapes or {}).items()]
    sym = [symmetric] if isinstance(symmetric, str) else list(symmetric)
    return _wrt(wrt), specs, sym


def _structure_fields(diagonal: Iterable[str], lower: Iterable[str], upper: Iterable[str], spd: Iterable[str],
                      orthogonal: Iterable[str], positive: Iterable[str]) -> StructureFields:
    """diagonal=[...], spd=[...] ... as the options' fields; a name alone may stand for its list."""
    given = {"diagonal": diagonal, "lower": lower, "upper": upper, "spd": spd, "orthogonal": orthogonal,
             "positive": positive}
    for option, names in given.items():
        for name in [names] if isinstance(names, str) else names:
            if not isinstance(name, str):
                raise MatcalcError("option", f"{option} must be a name or a list of names, got {name!r}")
    from matcalc_cli.commands import structure_fields

    return structure_fields(*([names] if isinstance(names, str) else names for names in given.values()))


@dataclass(frozen=True, eq=False)
class Derivative:
    """One derivative, in every format the command line prints; with the options diff()
    was given (format, verify, steps, expand, ...) as the command takes them."""

    report: Report
    result: DiffResult | None = None  # what run_diff gave, with the options (None: the defaults)

    @property
    def options(self) -> DiffOptions:
        from matcalc_cli.commands import DiffOptions

        return self.result.options or DiffOptions(self.report.wrt) if self.result else DiffOptions(self.report.wrt)

    @property
    def text(self) -> str:
        """What `matcalc diff` prints on stdout for the format diff() was given (plain by default)."""
        from matcalc_cli.commands import DiffResult, render_text

        result = self.result or DiffResult(self.report, options=self.options)
        return render_text(result, self.options.format)

    @property
    def verification(self) -> Verification | None:
        """--verify's comparison with central differences (.ok, .max_error, .text()), or None."""
        return self.result.verification if self.result else None

    @property
    def steps(self) -> list[str]:
        """--steps: the derivation as numbered lines, each with its rule ([] unless asked for)."""
        return self.report.step_lines()

    @cached_property
    def plain(self) -> str:
        from matcalc_cli.render import plain

        return plain.render_named(self.report.named(self.options.expand))

    @cached_property
    def latex(self) -> str:
        from matcalc_cli.render import latex

        return latex.render_named(self.report.named(self.options.expand))

    @cached_property
    def numpy(self) -> str:
        from matcalc_cli.report import numpy_line

        return numpy_line(self.report.derivative.expr, self.report.variables)

    @property
    def shape(self) -> tuple[str, str]:
        """Rows and columns, as the JSON output spells them: ("1", "n")."""
        from matcalc_cli.dims import format_dim

        r, c = self.report.derivative.shape
        return format_dim(r), format_dim(c)

    @property
    def kind(self) -> str:
        return self.report.derivative.kind

    @property
    def layout(self) -> str:
        return self.report.derivative.layout

    @property
    def note(self) -> str:
        """A convention the reader must know (symmetric gradient, vec/Kronecker), or ""."""
        return self.report.derivative.note

    @property
    def variables(self) -> dict[str, str]:
        """Every variable's shape as a --shape spec."""
        from matcalc_cli.dims import spec_of

        return {n: spec_of(s) for n, s in self.report.variables.items()}

    def to_latex(self, display: bool = False, bold: bool = False, standalone: bool = False) -> str:
        """LaTeX for a document: display gives the whole equation in Leibniz notation (align*),
        bold sets vectors and matrices in bold, standalone a complete document for pdflatex."""
        return latex_text(self.report, display, bold, standalone)

    def function(self, backend: str = "python", with_value: bool | None = None, hvp: bool | None = None) -> str:
        """Source code of a function computing this derivative: "python" (or "numpy"), "torch"
        or "jax". The text is its imports and one def; run it with exec to get the function.
        with_value: the function returns (value, derivative); hvp: for a Hessian, the function
        of the variables and a direction v that returns H v (both default to diff()'s options)."""
        o = self.options
        return function_text(self.report, backend, o.with_value if with_value is None else with_value,
                             o.hvp if hvp is None else hvp)

    def to_json(self) -> dict[str, Any]:
        """The object `matcalc diff --format json` prints."""
        return self.report.to_json()

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"<Derivative {self.report.of_what()} = {self.plain}: {'×'.join(self.shape)}, {self.kind}>"

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


@dataclass(frozen=True, eq=False)
class CheckResult:
    """Whether a claimed derivative is right, and why not."""

    result: checking.ClaimVerdict

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def message(self) -> str:
        return self.result.message()

    @property
    def derivative(self) -> Derivative:
        return Derivative(self.result.report)

    def to_json(self) -> dict[str, Any]:
        return {**self.result.report.to_json(), "check": self.result.to_json()}

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        from matcalc_cli.render import plain

        return "\n".join(self.result.lines(plain.render))

    def __repr__(self) -> str:
        return f"<CheckResult {'correct' if self.ok else 'wrong'}: {self.message}>"


def diff(expr: str, wrt: str | Sequence[str], shapes: Shapes | None = None, symmetric: Iterable[str] = (),
         layout: str = "numerator", *, format: str = "plain", verify: bool = False, steps: bool = False,
         expand: bool = False, display: bool = False, bold: bool = False, standalone: bool = False,
         width: str | None = None, with_value: bool = False, hvp: bool = False,
         from_format: str = "auto", diagonal: Iterable[str] = (), lower: Iterable[str] = (),
         upper: Iterable[str] = (), spd: Iterable[str] = (), orthogonal: Iterable[str] = (),
         positive: Iterable[str] = ()) -> Derivative:
    """The derivative of expr by wrt (two names: a second derivative), as `matcalc diff` computes it,
    with the command's options: format (what .text gives), verify, steps, expand, display, bold,
    standalone, width (LaTeX), with_value and hvp (for the code formats), from_format ("auto":
    LaTeX where expr holds a backslash command, or "latex", as --from); diagonal=[...] ...
    positive=[...] declare structures as --diagonal ... --positive do."""
    names, specs, sym = _options(expr, wrt, shapes, symmetric)
    from matcalc_cli.commands import DiffOptions, run_diff

    if format == "pretty":
        raise MatcalcError("option", "the Python API has no pretty format (it is drawn on a terminal): "
                                     "plain, latex, numpy, json, python, torch or jax")
    fields = _structure_fields(diagonal, lower, upper, spd, orthogonal, positive)
    opts = DiffOptions(tuple(names), tuple(specs), tuple(sym), layout, format, verify, steps, expand, display=display,
                       bold=bold, standalone=standalone, width=width, with_value=with_value, hvp=hvp,
                       from_format=from_format, **fields)
    from dataclasses import replace

    from matcalc_cli.commands import CODE_FORMATS

    # with_value and hvp are also what .function() gives by default, whatever .text's format
    code = format if format in CODE_FORMATS or not (with_value or hvp) else "python"
    try:
        result = run_diff(expr, replace(opts, format=code))
    except Exception as ex:  # noqa: BLE001 (one exception type for every failure)
        raise as_error(ex) from None
    return Derivative(result.report, replace(result, options=opts))


def check(expr: str = "", wrt: str | Sequence[str] = (), expect: str = "", shapes: Shapes | None = None,
          symmetric: Iterable[str] = (), layout: str = "numerator",
          derivation: str | None = None, from_format: str = "auto", *, diagonal: Iterable[str] = (),
          lower: Iterable[str] = (), upper: Iterable[str] = (), spd: Iterable[str] = (),
          orthogonal: Iterable[str] = (), positive: Iterable[str] = ()) -> CheckResult | DerivationResult:
    """Whether expect is the derivative of expr by wrt, as `matcalc check` decides it; a wrong
    claim is a result (falsy), not an error. from_format "latex" reads expr and expect as LaTeX
    (--from latex); "auto", where they hold a backslash command. With derivation (the text of a derivation by
    hand, as `check --derivation` reads a file), every line of it checked instead: a
    DerivationResult (.ok, .lines, .first_wrong, .evidence, .to_json()). Structures as diff
    takes them."""
    if derivation is not None:
        if expr or expect:
            raise MatcalcError("option", "check(derivation=...) takes no expression or expect")
        if not isinstance(derivation, str):
            raise MatcalcError("option", f"derivation must be a string, got {type(derivation).__name__}")
        _, specs, sym = _options("", wrt, shapes, symmetric)
        from matcalc_cli.commands import declared_structures
        from matcalc_cli.derivation import check_derivation

        try:
            declared = declared_structures(_structure_fields(diagonal, lower, upper, spd, orthogonal, positive))
            return check_derivation(derivation, _wrt(wrt), specs, sym, layout, declared)
        except Exception as ex:  # noqa: BLE001 (one exception type for every failure)
            raise as_error(ex) from None
    names, specs, sym = _options(expr, wrt, shapes, symmetric)
    if not isinstance(expect, str):
        raise MatcalcError("option", f"expect must be a string, got {type(expect).__name__}")
    from matcalc_cli.checking import check as decide
    from matcalc_cli.commands import reads_latex

    try:
        from matcalc_cli.commands import declared_structures

        declared = declared_structures(_structure_fields(diagonal, lower, upper, spd, orthogonal, positive))
        return CheckResult(decide(expr, names, expect, specs, sym, layout, latex=reads_latex(from_format),
                                  structures=declared))
    except Exception as ex:  # noqa: BLE001 (one exception type for every failure)
        raise as_error(ex) from None


@dataclass(frozen=True)
class Convexity:
    """`matcalc convex`'s verdict: .convex and .concave ("yes", "no" or "unknown"), .verdict
    ("convex", "concave", "affine", "neither", "not convex", "not concave" or "unknown"),
    .certificate and .counterexample by question (as in the JSON), str() the plain text."""

    result: convexity.Verdict

    @property
    def convex(self) -> str:
        return self.result.convex.answer

    @property
    def concave(self) -> str:
        return self.result.concave.answer

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @cached_property
    def json(self) -> dict[str, Any]:
        return self.result.to_json()

    @property
    def certificate(self) -> dict[str, Any]:
        return self.json["certificate"]  # type: ignore[no-any-return]

    @property
    def counterexample(self) -> dict[str, Any]:
        return self.json["counterexample"]  # type: ignore[no-any-return]

    def __str__(self) -> str:
        from matcalc_cli.render import plain

        return "\n".join(self.result.lines(plain.render))

    def __repr__(self) -> str:
        return f"<Convexity {self.verdict}: convex {self.convex}, concave {self.concave}>"


def _names(names: Iterable[str]) -> list[str]:
    return [names] if isinstance(names, str) else [str(n) for n in names]


def convex(expr: str, wrt: str | Sequence[str], shapes: Shapes | None = None, symmetric: Iterable[str] = (),
           positive: Iterable[str] = (), spd: Iterable[str] = (), from_format: str = "auto", *,
           diagonal: Iterable[str] = (), lower: Iterable[str] = (), upper: Iterable[str] = (),
           orthogonal: Iterable[str] = ()) -> Convexity:
    """Is expr convex, concave, both or neither in wrt (jointly), as `matcalc convex` decides it;
    from_format as diff's; the structures as diff() takes them."""
    names, specs, sym = _options(expr, wrt, shapes, symmetric)
    from matcalc_cli.commands import declared_structures, reads_latex
    from matcalc_cli.convexity import convex as decide

    try:
        declared = declared_structures(_structure_fields(diagonal, lower, upper, _names(spd), orthogonal,
                                                         _names(positive)))
        return Convexity(decide(expr, names, specs, sym, latex=reads_latex(from_format), structures=declared))
    except Exception as ex:  # noqa: BLE001 (one exception type for every failure)
        raise as_error(ex) from None
