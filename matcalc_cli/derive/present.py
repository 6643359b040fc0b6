"""The derivative as the course's table lays it out: its kind, the layout, the gradient
within symmetric matrices, and second derivatives (the first derivative, differentiated again).

What this step reads off is a Draft; the simplify step (simplify/finish.py) brings it to the
textbook's form, a FinishedDerivative. The driver (report.py) runs one after the other."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from matcalc_cli import expr as E
from matcalc_cli.derive.differential import differential
from matcalc_cli.derive.readoff import at_differential, gradient, jacobian
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import ONE, SCALAR, Expr, Shape, is_row, is_vector


# ------------------------------------------------------------------ the derivative
class Convention(Enum):
    """A convention the reader of a derivative must know; its value is the note printed."""

    SYMMETRIC = "gradient within symmetric matrices: sym(G) = (G + G^T)/2"
    VEC = "vec/Kronecker form: d vec(F) = J d vec(X), vec stacks columns"


@dataclass(frozen=True)
class FinishedDerivative:
    """A derivative after the simplify step (simplify/finish.py): the textbook's form that
    report, steps and the printers read. (api.Derivative, the public result, wraps a report.)"""

    expr: Expr
    kind: str  # scalar-by-vector, jacobian, ... as in the course's table
    layout: str
    note: str = ""  # what the reader must know: the conventions' notes, then the operations' (sign's derivative)
    conventions: frozenset[Convention] = frozenset()

    @property
    def shape(self) -> Shape:
        return self.expr.shape


@dataclass(frozen=True)
class Draft:
    """A derivative as read off, with what is left for the simplify step to decide."""

    expr: Expr
    kind: str
    layout: str
    note: str = ""
    symmetrise: bool = False  # the gradient within symmetric matrices: sym(G), unless G is symmetric
    transpose: bool = False  # a second derivative by a scalar through a 1×n matrix u keeps u's shape
    conventions: frozenset[Convention] = frozenset()


def _class(shape: Shape) -> str:
    if shape == SCALAR:
        return "scalar"
    if is_vector(shape) or is_row(shape):
        return "vector"
    return "matrix"


def _var_class(shape: Shape) -> str:
    """A variable is a vector only as a column: a declared 1×n is a matrix of that shape."""
    return "matrix" if is_row(shape) else _class(shape)


def derivative(f: Expr, x: Expr, layout: str = "numerator") -> Draft:
    """The derivative of f by x, read off f's differential; f in the canonical form the simplify
    step gives the input (simplify.canon: diag(x x^T) is x .* x)."""
    fc, xc = _class(f.shape), _var_class(x.shape)
    kind = f"{fc}-by-{xc}" if (fc, xc) != ("vector", "vector") else "jacobian"
    notes: set[str] = set()
    df = differential(f, x, notes=notes)
    convention: Convention | None = None
    symmetrise = False
    if xc == "scalar":
        g = E.zeros(f.shape) if df is None else at_differential(df, ONE)
        if is_row(f.shape):
            g = E.T(g)  # a row counts as a vector: numerator layout gives a column
        if fc == "vector" and layout == "denominator":
            g = E.T(g)
    elif fc == "scalar":
        g = E.zeros(x.shape) if df is None else gradient(df, ONE, x)
        if x.op == "var" and x.info.symmetric:
            symmetrise = True  # x is a matrix: nothing follows
            convention = Convention.SYMMETRIC
        if xc == "vector" and layout == "numerator":
            g = E.T(g)
    else:
        col = f if not is_row(f.shape) else E.T(f)
        size_f = E.dim_product(*col.shape)
        size_x = E.dim_product(*x.shape)
        if df is None:
            g = E.zeros((size_f, size_x))
        else:
            g = jacobian(df if not is_row(f.shape) else E.T(df), x)
        if layout == "denominator":
            g = E.T(g)
        if fc == "matrix" or xc == "matrix":
            convention = Convention.VEC
    note = "; ".join(([convention.value] if convention else []) + sorted(notes))
    return Draft(g, kind, layout, note, symmetrise, conventions=frozenset([convention] if convention else []))


def scalar_function(f: Expr) -> None:
    """A second derivative needs a scalar function."""
    if not f.is_scalar:
        raise MatcalcError("unsupported", f"a second derivative needs a scalar function; this one is "
                           f"{f.shape[0]}×{f.shape[1]} (differentiate once, or take a sum or a norm)")


def second_derivative(first: FinishedDerivative, second: Draft, u: Expr, v: Expr) -> Draft:
    """d/dv of g = df/du: first is g in gradient shape (the first derivative in denominator
    layout: a scalar for scalar u, a column for vector u, u's shape for matrix u), second its
    derivative by v, by the first-derivative table of the layout (CONTRACT.md)."""
    g = second.expr
    transpose = _var_class(v.shape) == "scalar" and _var_class(u.shape) != "vector" and g.shape != first.shape
    kind = "hessian" if u.name == v.name else "mixed second derivative"
    # each derivative's note joins its parts with "; ": a part both state is said once
    note = "; ".join(n for n in dict.fromkeys(f"{first.note}; {second.note}".split("; ")) if n)
    return Draft(g, kind, second.layout, note, second.symmetrise, transpose, first.conventions | second.conventions)
