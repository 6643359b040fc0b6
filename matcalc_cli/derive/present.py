"""The derivative as the course's table lays it out: its kind, the layout, the gradient
within symmetric matrices, and second derivatives (the first derivative, differentiated again).

What this step reads off is a Draft; the simplify step (simplify/finish.py) brings it to the
textbook's form, a FinishedDerivative. The driver (report.py) runs one after the other."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.derive.differential import differential
from matcalc_cli.derive.readoff import at_differential, gradient, jacobian
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import ONE, SCALAR, Expr, Shape, is_row, is_vector
from matcalc_cli.ops import fn
from matcalc_cli.ops.base import Said, said
from matcalc_cli.structure import Structure

# ------------------------------------------------------------------ the derivative
_SYMMETRISED = said("gradient within symmetric matrices", "sym(G) = (G + G^T)/2")
_VEC_FORM = said("vec/Kronecker form", "d vec(F) = J d vec(X), vec stacks columns")


class Convention(Enum):
    """A convention the reader of a derivative must know; its value is the note printed, and
    rule the step that applies it, as --steps names it."""

    SYMMETRIC = _SYMMETRISED[0].text()
    VEC = _VEC_FORM[0].text()

    @property
    def rule(self) -> Said:
        return _SYMMETRISED if self is Convention.SYMMETRIC else _VEC_FORM


@dataclass(frozen=True)
class FinishedDerivative:
    """A derivative after the simplify step (simplify/finish.py): the textbook's form that
    report, steps and the printers read. (api.Derivative, the public result, wraps a report.)"""

    expr: Expr
    kind: str  # scalar-by-vector, jacobian, ... as in the course's table
    layout: str
    notes: tuple[str, ...] = ()  # what the reader must know: the conventions', then the operations' (sign's derivative)
    conventions: frozenset[Convention] = frozenset()
    within: Structure | None = None  # the gradient within this structure of the variable (--diagonal ...)

    @property
    def shape(self) -> Shape:
        return self.expr.shape

    @property
    def note(self) -> str:
        """The notes as one line, as printed."""
        return "; ".join(self.notes)


@dataclass(frozen=True)
class Draft:
    """A derivative as read off, with what is left for the simplify step to decide."""

    expr: Expr
    kind: str
    layout: str
    notes: tuple[str, ...] = ()
    symmetrise: bool = False  # the gradient within symmetric matrices: sym(G), unless G is symmetric
    transpose: bool = False  # a second derivative by a scalar through a 1×n matrix u keeps u's shape
    conventions: frozenset[Convention] = frozenset()
    within: Structure | None = None  # a gradient by a structured matrix: projected onto its tangent space
    variable: Expr | None = None  # ... at this variable (the simplify step projects, derive.project)


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
    within = x.info.structure if x.op == K.VAR else None
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
        if within in (Structure.SYMMETRIC, Structure.SPD):
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
        if within is not None:
            g = E.mul(g, projector(x, within))
        if layout == "denominator":
            g = E.T(g)
        if fc == "matrix" or xc == "matrix":
            convention = Convention.VEC
    texts = [convention.value] if convention else []
    if within is not None and fc == "scalar" and not symmetrise:
        texts = [GRADIENT_NOTES[within].format(x=x.name)]
    elif within is Structure.SPD and fc == "scalar":
        texts = [GRADIENT_NOTES[within]]
    elif within is not None and fc != "scalar":
        texts.append(f"within {within.words} matrices: J P, P vec(dX) = vec of the projection of dX")
    said = tuple(texts + sorted(notes))
    return Draft(g, kind, layout, said, symmetrise, conventions=frozenset([convention] if convention else []),
                 within=within if fc == "scalar" and xc == "matrix" and not symmetrise else None,
                 variable=x) if within is not None else \
        Draft(g, kind, layout, said, symmetrise, conventions=frozenset([convention] if convention else []))


GRADIENT_NOTES = {
    Structure.SYMMETRIC: Convention.SYMMETRIC.value,
    Structure.SPD: "gradient within symmetric matrices (SPD is open in them): sym(G) = (G + G^T)/2",
    Structure.DIAGONAL: "gradient within diagonal matrices: G .* I",
    Structure.LOWER: "gradient within lower triangular matrices: tril(G)",
    Structure.UPPER: "gradient within upper triangular matrices: triu(G)",
    Structure.ORTHOGONAL: "Riemannian gradient on the orthogonal matrices: (G - {x} G^T {x})/2",
}


def projector(x: Expr, s: Structure) -> Expr:
    """P with vec(projection of dX) = P vec(dX): what a Jacobian by x is multiplied by."""
    n = x.shape[0]
    if s is Structure.DIAGONAL:
        return fn(K.DIAG, E.vec(E.eye(n)))
    if s in (Structure.LOWER, Structure.UPPER):
        return fn(K.DIAG, E.vec(fn(K.TRIL if s is Structure.LOWER else K.TRIU, E.ones((n, n)))))
    half = E.const(Fraction(1, 2))
    nn = E.dim_product(n, n)
    if s is Structure.ORTHOGONAL:  # vec(Q dX^T Q) = (Q^T kron Q) K vec(dX)
        return E.mul(half, E.sub(E.eye(nn), E.mul(E.kron(E.T(x), x), E.commutation(n, n))))
    return E.mul(half, E.add(E.eye(nn), E.commutation(n, n)))


def project(g: Expr, x: Expr, s: Structure) -> Expr:
    """The Frobenius projection of a gradient G onto the tangent space of the structure at x
    (symmetric and SPD: the simplify step's sym(G))."""
    if s is Structure.DIAGONAL:  # the diagonal of G^T is G's
        return E.had(g.args[0] if g.op == K.T else g, E.eye(x.shape[0]))
    if s in (Structure.LOWER, Structure.UPPER):
        return fn(K.TRIL if s is Structure.LOWER else K.TRIU, g)
    # Q skew(Q^T G) = (G - Q G^T Q) / 2: the tangent space of O(n) at Q is Q times the skew matrices.
    # Written out term by term, so that Q^T Q = I can cancel what it cancels.
    p = E.mul(E.const(Fraction(1, 2)), E.sub(g, E.mul(x, E.T(g), x)))
    terms = _terms(p)
    return p if len(terms) > _MAX_TERMS else E.add(*terms)


_MAX_TERMS = 64


def _terms(e: Expr) -> list[Expr]:
    """e as a sum of products of factors that are not sums (products over sums distributed,
    transposes pushed into products); stops growing past _MAX_TERMS."""
    if e.op == K.ADD:
        return [t for a in e.args for t in _terms(a)]
    if e.op == K.T:
        return [E.mul(*(E.T(f) for f in reversed(t.args))) if t.op == K.MUL else E.T(t) for t in _terms(e.args[0])]
    if e.op == K.MUL:
        out: list[list[Expr]] = [[]]
        for a in e.args:
            out = [c + [t] for c in out for t in _terms(a)]
            if len(out) > _MAX_TERMS:
                return [e]
        return [E.mul(*c) for c in out]
    return [e]


def scalar_function(f: Expr, u: Expr | None = None, v: Expr | None = None) -> None:
    """A second derivative needs a scalar function, and variables that are not orthogonal."""
    for x in (u, v):
        if x is not None and x.op == K.VAR and x.info.orthogonal:
            raise MatcalcError("unsupported", f"a second derivative by an orthogonal matrix ({x.name}) is a "
                               "Riemannian Hessian, which needs the curvature of the orthogonal group: not "
                               "yet supported (the first derivative is)")
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
    notes = tuple(dict.fromkeys(first.notes + second.notes))  # a note both state is said once
    return Draft(g, kind, second.layout, notes, second.symmetrise, transpose, first.conventions | second.conventions,
                 second.within, second.variable)
