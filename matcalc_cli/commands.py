"""The commands (diff, check) from options to a result, and the JSON objects they report.

cli.py (typer options, printing) and batch.py (one JSON object a job) both call this
module, so an option means the same in both. Adding an option: a field of DiffOptions or
CheckOptions, its typer option in cli.py, and its use here; batch picks it up by name.
Adding a format: its name in FORMATS (help, completion and validation list it from there)
and its printer in render_text.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from matcalc_cli.errors import MatcalcError

if TYPE_CHECKING:
    from matcalc_cli.checking import ClaimVerdict
    from matcalc_cli.convexity import Verdict
    from matcalc_cli.derivation import DerivationResult
    from matcalc_cli.naming import Named
    from matcalc_cli.report import Report
    from matcalc_cli.structure import Structures
    from matcalc_cli.verification import Verification

# The formats of diff, in the order help lists them (the first is the default), each with
# what it prints (shell completion shows it).
FORMATS = {
    "pretty": "the derivative, its shape, layout and shapes, for reading",
    "plain": "one line in the input language; it parses back",
    "latex": "one line of LaTeX math (amsmath)",
    "numpy": "one Python expression over np and the variables",
    "json": "one object with every form and fact",
    "python": "a NumPy function: imports, shape checks, one def",
    "torch": "a PyTorch function: imports, shape checks, one def",
    "jax": "a JAX function: imports, shape checks, one def",
}
# The formats that print a function definition (imports, then one def): report.function_text.
CODE_FORMATS = ("python", "torch", "jax")
# check reports a verdict, not a derivative to paste: no code or LaTeX formats.
CHECK_FORMATS = {name: FORMATS[name] for name in ("pretty", "plain", "json")}
LAYOUTS = ("numerator", "denominator")
# The formats that print one line on stdout (notes, steps and the verification go to stderr).
ONE_LINE = ("plain", "latex", "numpy")
R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class StructureOptions:
    """The structures besides --symmetric (STRUCTURE_OPTIONS): fields of diff's, check's and
    convex's options alike, given by keyword."""

    diagonal: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()
    upper: tuple[str, ...] = ()
    spd: tuple[str, ...] = ()
    orthogonal: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()

    @property
    def structures(self) -> Structures:
        return declared_structures(self)


@dataclass(frozen=True)
class DiffOptions(StructureOptions):
    """What `diff` takes besides EXPR; field names are the typer parameter names."""

    wrt: tuple[str, ...]
    shape: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()
    layout: str = LAYOUTS[0]
    format: str = next(iter(FORMATS))
    verify: bool = False
    steps: bool = False
    expand: bool = False
    display: bool = False  # --format latex only: the equation in Leibniz notation (align*)
    bold: bool = False  # --format latex only: bold vectors and matrices
    standalone: bool = False  # --format latex only: a complete document
    width: str | None = None  # --display only: the page's width in points (the article's 345 pt)
    with_value: bool = False  # code formats only: return (value, derivative)
    hvp: bool = False  # code formats only, a Hessian: the function v -> H v
    from_format: str = "auto"  # --from latex: EXPR is LaTeX even without a backslash command

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DiffOptions:
        return _from_params(cls, params)


@dataclass(frozen=True)
class CheckOptions(StructureOptions):
    """What `check` takes besides EXPR."""

    wrt: tuple[str, ...]
    expect: str = ""
    shape: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()
    layout: str = LAYOUTS[0]
    format: str = next(iter(CHECK_FORMATS))
    derivation: str | None = None  # check --derivation FILE: the command line runs it (run_derivation)
    from_format: str = "auto"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CheckOptions:
        return _from_params(cls, params)


@dataclass(frozen=True)
class ConvexOptions(StructureOptions):
    """What `convex` takes besides EXPR."""

    wrt: tuple[str, ...]
    shape: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()
    format: str = next(iter(CHECK_FORMATS))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ConvexOptions:
        return _from_params(cls, params)


# The structure options besides --symmetric, by field name (the option is --NAME, the
# structure.Structure of that value; not imported here, so that --help imports less).
STRUCTURE_OPTIONS = ("diagonal", "lower", "upper", "spd", "orthogonal", "positive")


class StructureFields(TypedDict):
    """The structure options as the options' fields (diff's, check's, convex's)."""

    diagonal: tuple[str, ...]
    lower: tuple[str, ...]
    upper: tuple[str, ...]
    spd: tuple[str, ...]
    orthogonal: tuple[str, ...]
    positive: tuple[str, ...]


def structure_fields(*given: Iterable[str] | None) -> StructureFields:
    """The names given to each structure option, in STRUCTURE_OPTIONS' order, as fields."""
    return cast(StructureFields, {f: tuple(names or ()) for f, names in zip(STRUCTURE_OPTIONS, given, strict=True)})


def declared_structures(opts: Any) -> Structures:
    """The structures besides --symmetric of the options (or of StructureFields) as one
    declaration (conflicts: MatcalcError)."""
    from matcalc_cli.structure import Structure, declare

    def names(field: str) -> Iterable[str]:
        return opts[field] if isinstance(opts, Mapping) else getattr(opts, field)  # type: ignore[no-any-return]

    return declare((name, Structure(field)) for field in STRUCTURE_OPTIONS for name in names(field))


def _from_params(cls: Any, params: Mapping[str, Any]) -> Any:
    """The options out of click's parameters (lists become tuples; None is the default)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in params or params[f.name] is None:
            continue
        v = params[f.name]
        values[f.name] = tuple(v) if isinstance(v, (list, tuple)) else v
    return cls(**values)


@dataclass(frozen=True)
class DiffResult:
    report: Report
    verification: Verification | None = None
    expand: bool = False  # print without named subexpressions
    options: DiffOptions | None = None  # for the LaTeX document options

    def named(self) -> Named:
        """The derivative with what is worth naming named (naming.py), unless --expand."""
        return self.report.named(self.expand)

    @property
    def status(self) -> int:
        """0, or 1 when --verify found the result far from finite differences."""
        return 0 if self.verification is None or self.verification.ok else 1


def page_width(text: str | None) -> float | None:
    """--width's points, read here: a number option through typer would import pydantic at
    every start-up (coercion.py)."""
    if text is None:
        return None
    try:
        points = float(text)
    except ValueError:
        points = float("nan")
    if not 100 <= points <= 2000:
        raise MatcalcError("option", f"--width is a page's width in points, 100 to 2000 (an article's text is 345), "
                                     f"not {text!r}")
    return points


def validate_format(fmt: str, allowed: Collection[str] = tuple(FORMATS)) -> None:
    if fmt not in allowed:
        raise MatcalcError("option", f"--format must be one of {', '.join(allowed)}, not {fmt!r}")


def run_diff(source: str, opts: DiffOptions) -> DiffResult:
    """What `diff` computes (nothing printed); MatcalcError on bad input."""
    validate_format(opts.format)
    document = [name for name in ("display", "bold", "standalone") if getattr(opts, name)]
    if document and opts.format != "latex":
        raise MatcalcError("option", f"--{document[0]} applies to --format latex, not {opts.format}")
    if opts.width is not None and not opts.display:
        raise MatcalcError("option", "--width applies to --format latex --display")
    page_width(opts.width)
    code = [name for name in ("with_value", "hvp") if getattr(opts, name)]
    if code and opts.format not in CODE_FORMATS:
        raise MatcalcError("option", f"--{code[0].replace('_', '-')} applies to --format python, torch or jax, "
                                     f"not {opts.format}")
    if len(code) == 2:
        raise MatcalcError("option", "--with-value and --hvp make different functions: give one")
    if opts.hvp and (len(opts.wrt) != 2 or opts.wrt[0] != opts.wrt[1]):
        raise MatcalcError("option", "--hvp applies to a Hessian: the same variable twice, --wrt x --wrt x")
    from matcalc_cli.report import differentiate

    report = differentiate(source, list(opts.wrt), list(opts.shape), list(opts.symmetric), opts.layout,
                           opts.steps, latex=reads_latex(opts.from_format), structures=opts.structures)
    if not opts.verify:
        return DiffResult(report, expand=opts.expand, options=opts)
    from matcalc_cli.verification import verify  # imports numpy: only when asked for

    return DiffResult(report, verify(report), opts.expand, opts)


def run_check(source: str, opts: CheckOptions) -> ClaimVerdict:
    """What `check` decides; MatcalcError (a ClaimError for the claim) on bad input."""
    validate_format(opts.format, CHECK_FORMATS)
    if opts.derivation is not None:
        raise MatcalcError("option", "check --derivation is a command of its own, not a job with EXPR")
    if not opts.expect:
        raise MatcalcError("option", "--expect is required: the claimed derivative")
    from matcalc_cli.checking import check

    return check(source, list(opts.wrt), opts.expect, list(opts.shape), list(opts.symmetric), opts.layout,
                 latex=reads_latex(opts.from_format), structures=opts.structures)


def reads_latex(from_format: str) -> bool | None:
    """--from latex: True; --from auto (the default): LaTeX when EXPR holds a backslash command."""
    if from_format not in ("auto", "latex"):
        raise MatcalcError("option", f"--from must be auto or latex, not {from_format!r}")
    return True if from_format == "latex" else None


def run_convex(source: str, opts: ConvexOptions) -> Verdict:
    """Is EXPR convex, concave, both or neither in the --wrt variables (convexity.py)."""
    validate_format(opts.format, CHECK_FORMATS)
    from matcalc_cli.convexity import convex

    return convex(source, list(opts.wrt), list(opts.shape), list(opts.symmetric), structures=opts.structures)


def run_derivation(text: str, wrt: tuple[str, ...], shape: tuple[str, ...], symmetric: tuple[str, ...],
                   layout: str, fmt: str, structures: StructureFields | None = None) -> DerivationResult:
    """What `check --derivation` decides of the derivation text; MatcalcError on bad input
    (a derivation.LineError names the line, its span an offset into text). structures: the
    structure options besides --symmetric."""
    validate_format(fmt, CHECK_FORMATS)
    from matcalc_cli.derivation import check_derivation

    declared = declared_structures(structures or structure_fields())
    return check_derivation(text, list(wrt), list(shape), list(symmetric), layout, declared)


def render_text(result: DiffResult, fmt: str) -> str:
    """The derivative in a text format (every format but pretty), without a newline."""
    d = result.report.derivative.expr
    if fmt == "plain":
        from matcalc_cli.render import plain

        return plain.render_named(result.named())
    if fmt == "latex":
        from matcalc_cli.report import latex_text

        o = result.options or DiffOptions(())
        return latex_text(result.report, o.display, o.bold, o.standalone, expand=result.expand,
                          page=page_width(o.width))
    if fmt == "numpy":
        from matcalc_cli.report import numpy_line

        return numpy_line(d, result.report.variables)
    if fmt == "json":
        import json

        return json.dumps(diff_json(result))
    if fmt in CODE_FORMATS:
        from matcalc_cli.report import function_text

        o = result.options or DiffOptions(())
        return function_text(result.report, fmt, o.with_value, o.hvp).rstrip("\n")
    raise MatcalcError("option", f"no text printer for --format {fmt}")


# ------------------------------------------------------------------ JSON objects
def diff_json(result: DiffResult) -> dict[str, Any]:
    out = result.report.to_json(result.expand)
    if result.verification is not None:
        out["verify"] = result.verification.to_json()
    return out


def check_json(result: ClaimVerdict) -> dict[str, Any]:
    return {**result.report.to_json(), "check": result.to_json()}


def in_claim(err: MatcalcError) -> bool:
    """A ClaimError's span counts characters of the claim. Looked up in sys.modules so that
    commands other than check never import checking.py (and numpy with it)."""
    checking = sys.modules.get("matcalc_cli.checking")
    return checking is not None and isinstance(err, checking.ClaimError)


def error_json(err: MatcalcError) -> dict[str, Any]:
    span = err.span or (None, None)
    out: dict[str, Any] = {"kind": err.kind, "message": err.message, "start": span[0], "end": span[1]}
    if in_claim(err):
        out["in"] = "expect"
    return out


INTERNAL_EXIT = 123


def exit_status(err: MatcalcError) -> int:
    return INTERNAL_EXIT if err.kind == "internal" else 2


def in_big_stack(work: Callable[[], R]) -> R:
    """Run work on a thread with a deep stack: nesting depth is the user's business,
    and a RecursionError must never surface."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as ex:  # noqa: BLE001 (handed back to the caller's thread)
            box["error"] = ex

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 200_000))
    threading.stack_size(1 << 29)
    try:
        t = threading.Thread(target=target)
        t.start()
        t.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
