"""The derivative as the course's table lays it out: its kind, the layout, the gradient
within symmetric matrices, and second derivatives (the first derivative, differentiated again)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.derive.differential import differential
from matcalc_cli.derive.readoff import gradient, jacobian, substitute
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import ONE, SCALAR, Expr, Shape, is_row, is_vector
from matcalc_cli.simplify import canon, simplify, total, transpose


# ------------------------------------------------------------------ the derivative
@dataclass(frozen=True)
class Derivative:
    expr: Expr
    kind: str  # scalar-by-vector, jacobian, ... as in the course's table
    layout: str
    note: str = ""  # a convention the reader must know (symmetric gradient, vec/Kronecker)

    @property
    def shape(self) -> Shape:
        return self.expr.shape


def _class(shape: Shape) -> str:
    if shape == SCALAR:
        return "scalar"
    if is_vector(shape) or is_row(shape):
        return "vector"
    return "matrix"


def _var_class(shape: Shape) -> str:
    """A variable is a vector only as a column: a declared 1×n is a matrix of that shape."""
    return "matrix" if is_row(shape) else _class(shape)


def derivative(f: Expr, x: Expr, layout: str = "numerator") -> Derivative:
    fc, xc = _class(f.shape), _var_class(x.shape)
    kind = f"{fc}-by-{xc}" if (fc, xc) != ("vector", "vector") else "jacobian"
    notes: set[str] = set()
    df = differential(canon(f), x, notes=notes)  # the canonical input: diag(x x^T) is x .* x
    note = ""
    if xc == "scalar":
        g = E.zeros(f.shape) if df is None else substitute(df, ONE)
        if is_row(f.shape):
            g = E.T(g)  # a row counts as a vector: numerator layout gives a column
        if fc == "vector" and layout == "denominator":
            g = E.T(g)
    elif fc == "scalar":
        g = E.zeros(x.shape) if df is None else gradient(df, ONE, x)
        if x.op == "var" and x.info.symmetric:
            g = simplify(g)
            if simplify(E.T(g)) != g:
                g = E.mul(E.const(Fraction(1, 2)), E.add(g, E.T(g)))
            note = "gradient within symmetric matrices: sym(G) = (G + G^T)/2"
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
            note = "vec/Kronecker form: d vec(F) = J d vec(X), vec stacks columns"
    note = "; ".join([note] * bool(note) + sorted(notes))
    return Derivative(_spread_transpose(simplify(g)), kind, layout, note)


def _spread_transpose(g: Expr) -> Expr:
    """A derivative that is a transposed sum of products reads better term by term:
    x^T (A + A^T) / (x^T x) - 2 (x^T A x) x^T / (x^T x)^2, not (...)^T."""
    if g.op == "T" and g.args[0].op == "add" and all(t.op == "mul" for t in g.args[0].args):
        return total([transpose(t) for t in g.args[0].args])
    return g



def second_derivative(f: Expr, u: Expr, v: Expr, layout: str = "numerator") -> Derivative:
    """d/dv of g = df/du, g in gradient shape (a scalar for scalar u, a column for vector u,
    u's shape for matrix u), by the first-derivative table of the layout (CONTRACT.md)."""
    if not f.is_scalar:
        raise MatcalcError("unsupported", f"a second derivative needs a scalar function; this one is "
                           f"{f.shape[0]}×{f.shape[1]} (differentiate once, or take a sum or a norm)")
    first = derivative(f, u, "denominator")
    second = derivative(first.expr, v, layout)
    g = second.expr
    if _var_class(v.shape) == "scalar" and _var_class(u.shape) != "vector" and g.shape != first.shape:
        g = simplify(E.T(g))  # u is a 1×n matrix: by a scalar, g keeps u's shape
    kind = "hessian" if u.name == v.name else "mixed second derivative"
    note = "; ".join(n for n in dict.fromkeys((first.note, second.note)) if n)
    return Derivative(g, kind, layout, note)
