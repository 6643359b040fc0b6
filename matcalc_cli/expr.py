"""Building the typed tree (its node type is node.py's Expr, re-exported here with its
shape helpers so that E.Expr, E.SCALAR, E.walk read as before). The builders
below (add, mul, T, ...) do only the bookkeeping that keeps trees small while
they are built (flattening, constant folding, zeros and identities); textbook
shaping is simplify.py's job.

Ops (what each op means is its record in ops/) and their params (params.py: one typed
variant per kind, read through e.info, e.number, e.dims, e.dim):
  var, dvar (VarInfo: a variable, and its differential dX), const (NumberParam: its value),
  eye / ones / zeros (none: the shape says it), pow and epow (NumberParam: the exponent),
  commutation and unvec (DimsParam: (m, n)), size (DimParam: the dimension counted);
  add, mul (matrix product; scalar factors commute), had (Hadamard), hdiv (a ./ b),
  T, inv, bcast (a scalar filled into a shape), kron, vec and the calls of ops/.
"""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import kinds as K
from matcalc_cli.node import SCALAR as SCALAR
from matcalc_cli.node import Expr as Expr
from matcalc_cli.node import Shape as Shape
from matcalc_cli.node import dim_product as dim_product
from matcalc_cli.node import free_vars as free_vars
from matcalc_cli.node import in_denominator as in_denominator
from matcalc_cli.node import is_row as is_row
from matcalc_cli.node import is_vector as is_vector
from matcalc_cli.node import reading as reading
from matcalc_cli.node import walk as walk
from matcalc_cli.params import Dim, DimParam, DimsParam, Number, NumberParam, Param, VarInfo
from matcalc_cli.structure import Structure
from matcalc_cli.written import Written as Written  # re-exported: E.Written, the type of a written constant


# ---------------------------------------------------------------- leaves
def const(value: Number | int) -> Expr:
    if isinstance(value, int):
        value = Fraction(value)
    return Expr(K.CONST, (), SCALAR, NumberParam(value))


ZERO, ONE = const(0), const(1)


def var(name: str, shape: Shape, symmetric: bool | Structure | None = None) -> Expr:
    """A variable; symmetric: its structure (--diagonal ...), or True for symmetric."""
    s = Structure.SYMMETRIC if symmetric is True else symmetric or None
    return Expr(K.VAR, (), shape, VarInfo(name, s))


def eye(n: Dim) -> Expr:
    return ONE if n == 1 else Expr(K.EYE, (), (n, n))


def ones(shape: Shape) -> Expr:
    return ONE if shape == SCALAR else Expr(K.ONES, (), shape)


def zeros(shape: Shape) -> Expr:
    return ZERO if shape == SCALAR else Expr(K.ZEROS, (), shape)


def is_zero(e: Expr) -> bool:
    return e.op == K.ZEROS or (e.op == K.CONST and e.number == 0)


def is_const(e: Expr, value: Number | None = None) -> bool:
    return e.op == K.CONST and (value is None or e.number == value)


# ---------------------------------------------------------------- builders
def add(*terms: Expr) -> Expr:
    flat: list[Expr] = []
    for t in terms:
        flat.extend(t.args if t.op == K.ADD else (t,))
    shape = next((t.shape for t in flat if t.shape != SCALAR), SCALAR)
    # A sum of different shapes is a bug upstream: fail loudly, never print a wrong answer.
    assert all(t.shape in (shape, SCALAR) for t in flat), f"add of {[t.shape for t in flat]}"
    flat = [t for t in flat if not is_zero(t)]
    if shape != SCALAR:
        flat = [bcast(t, shape) if t.shape == SCALAR else t for t in flat]
    consts = [t for t in flat if t.op == K.CONST]
    if len(consts) > 1:
        total: Number = Fraction(0)
        for t in consts:
            total = total + t.number
        flat = [t for t in flat if t.op != K.CONST] + ([const(total)] if total != 0 else [])
    if not flat:
        return zeros(shape)
    return flat[0] if len(flat) == 1 else Expr(K.ADD, tuple(flat), shape)


def bcast(e: Expr, shape: Shape) -> Expr:
    if shape == SCALAR:
        return e
    if is_zero(e):
        return zeros(shape)
    return Expr(K.BCAST, (e,), shape)


def mul_shape(factors: list[Expr] | tuple[Expr, ...]) -> Shape:
    mats = [f for f in factors if f.shape != SCALAR]
    return (mats[0].shape[0], mats[-1].shape[1]) if mats else SCALAR


def mul(*factors: Expr) -> Expr:
    flat: list[Expr] = []
    for f in factors:
        # A scalar made of matrices (x^T a) stays one factor: flattening it would
        # splice its chain into the product's.
        inline = f.op == K.MUL and (f.shape != SCALAR or all(g.shape == SCALAR for g in f.args))
        if not inline and f.op == K.MUL and any(g.shape == SCALAR for g in f.args):
            # -(2 x^T y / q): the numbers and scalars come out, the chain x^T y stays one factor
            flat.extend(g for g in f.args if g.shape == SCALAR)
            chain = tuple(g for g in f.args if g.shape != SCALAR)
            f = Expr(K.MUL, chain, f.shape) if len(chain) > 1 else chain[0]
        flat.extend(f.args if inline else (f,))
    coef: Number = Fraction(1)
    rest: list[Expr] = []
    for f in flat:
        if f.op == K.CONST:
            coef = coef * f.number
        else:
            rest.append(f)
    shape = mul_shape(rest)
    if coef == 0 or any(is_zero(f) for f in rest):
        return zeros(shape)
    # An identity beside another matrix factor changes nothing.
    mats = [f for f in rest if f.shape != SCALAR]
    if len(mats) > 1 and any(f.op == K.EYE for f in mats):
        keep = next((f for f in mats if f.op != K.EYE), mats[0])
        rest = [f for f in rest if f.op != K.EYE or f is keep]
    scalar_chains = [f for f in rest if f.op == K.MUL]
    if len(scalar_chains) == 1 and not any(f.shape != SCALAR for f in rest):
        # 2 t (x^T A x) is the chain 2 t x^T A x: nothing else multiplies it as a matrix
        i = rest.index(scalar_chains[0])
        rest[i:i + 1] = list(scalar_chains[0].args)
    if coef != 1:
        rest.insert(0, const(coef))
    if not rest:
        return ONE
    return rest[0] if len(rest) == 1 else Expr(K.MUL, tuple(rest), shape)


def neg(e: Expr) -> Expr:
    return mul(const(-1), e)


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, neg(b))


def T(e: Expr) -> Expr:
    if e.shape == SCALAR or e.op == K.EYE or (e.op == K.DIAG and is_vector(e.args[0].shape)):
        return e
    if e.op == K.T:
        return e.args[0]
    if e.op == K.VAR and e.info.symmetric:
        return e
    if e.op in (K.ZEROS, K.ONES):
        return Expr(e.op, (), (e.shape[1], e.shape[0]))
    return Expr(K.T, (e,), (e.shape[1], e.shape[0]))


def _orthogonal(e: Expr) -> bool:
    return e.op == K.VAR and e.info.orthogonal


def inv(e: Expr) -> Expr:
    if e.shape == SCALAR:
        return power(e, -1)
    if e.op == K.INV:
        return e.args[0]
    if e.op == K.EYE:
        return e
    if _orthogonal(e):
        return T(e)  # Q^-1 = Q^T
    if e.op == K.T and _orthogonal(e.args[0]):
        return e.args[0]  # Q^-T = Q
    return Expr(K.INV, (e,), e.shape)


def power(e: Expr, k: Number | int) -> Expr:
    if isinstance(k, int):
        k = Fraction(k)
    if k == 1:
        return e
    if k == 0:
        return eye(e.shape[0])
    base = e.number if e.op == K.CONST else None
    if isinstance(base, Fraction) and (base != 0 or k > 0):
        # x / 0.3 stays a quotient by the number written, not 10 x / 3
        if isinstance(k, Fraction) and k.denominator == 1 and (k > 0 or not isinstance(base, Written)):
            return const(base ** int(k))
    if e.shape != SCALAR and k == -1:
        return inv(e)
    return Expr(K.POW, (e,), e.shape, NumberParam(k))


def had(*factors: Expr) -> Expr:
    """Hadamard product; scalar factors become plain scaling."""
    flat: list[Expr] = []
    for f in factors:
        flat.extend(f.args if f.op == K.HAD else (f,))
    scalars = [f for f in flat if f.shape == SCALAR]
    mats = [f for f in flat if f.shape != SCALAR and f.op != K.ONES]
    if any(is_zero(f) for f in flat):
        shape = next((f.shape for f in flat if f.shape != SCALAR), SCALAR)
        return zeros(shape)
    if not mats:
        shape = next((f.shape for f in flat if f.shape != SCALAR), SCALAR)
        return mul(*scalars, ones(shape)) if shape != SCALAR else mul(*scalars)
    core = mats[0] if len(mats) == 1 else Expr(K.HAD, tuple(mats), mats[0].shape)
    return mul(*scalars, core) if scalars else core


def hdiv(a: Expr, b: Expr) -> Expr:
    if b.shape == SCALAR:
        return mul(a, power(b, -1))
    if is_zero(a):
        return zeros(b.shape)
    shape = b.shape
    return Expr(K.HDIV, (bcast(a, shape) if a.shape == SCALAR else a, b), shape)


def epow(e: Expr, p: Number) -> Expr:
    if e.shape == SCALAR:
        return power(e, p)
    if p == 1:
        return e
    return Expr(K.EPOW, (e,), e.shape, NumberParam(p))


def vpow(u: Expr, v: Expr) -> Expr:
    """u.^v with a variable exponent v (a scalar on either side broadcasts); a number v is epow."""
    if v.op == K.CONST:
        return epow(u, v.number)
    if is_const(u, 1):
        return ONE if v.shape == SCALAR else ones(v.shape)
    shape = u.shape if u.shape != SCALAR else v.shape
    return Expr(K.VPOW, (u, v), shape)


def call(name: str, args: tuple[Expr, ...], shape: Shape, param: Param = None) -> Expr:
    return Expr(name, args, shape, param)


def vec(e: Expr) -> Expr:
    """vec(e) as a column (column-major); vectors and rows need no vec."""
    if e.shape[1] == 1:
        return e
    if e.shape[0] == 1:
        return T(e)
    if e.op == K.UNVEC:
        return e.args[0]
    if e.op in (K.ZEROS, K.ONES):
        return Expr(e.op, (), (dim_product(*e.shape), 1))
    return Expr(K.VEC, (e,), (dim_product(*e.shape), 1))


def unvec(v: Expr, shape: Shape) -> Expr:
    """The matrix of this shape whose columns, stacked, are the column v."""
    if shape[1] == 1:
        return v
    if shape[0] == 1:
        return T(v)
    if v.op == K.VEC and v.args[0].shape == shape:
        return v.args[0]
    if v.op in (K.ZEROS, K.ONES):
        return Expr(v.op, (), shape)
    return Expr(K.UNVEC, (v,), shape, DimsParam(*shape))


def kron(a: Expr, b: Expr) -> Expr:
    if a.is_scalar or b.is_scalar:
        return mul(a, b)
    if is_zero(a) or is_zero(b):
        return zeros((dim_product(a.shape[0], b.shape[0]), dim_product(a.shape[1], b.shape[1])))
    if a.op == K.EYE and b.op == K.EYE:
        return eye(dim_product(a.shape[0], b.shape[0]))
    return Expr(K.KRON, (a, b), (dim_product(a.shape[0], b.shape[0]), dim_product(a.shape[1], b.shape[1])))


def commutation(m: Dim, n: Dim) -> Expr:
    if m == 1 or n == 1:
        return eye(dim_product(m, n))
    size = dim_product(m, n)
    return Expr(K.COMMUTATION, (), (size, size), DimsParam(m, n))


def size(d: Dim) -> Expr:
    """The dimension d as a number (mean(x) = sum(x) / size(n))."""
    if isinstance(d, int):
        return const(d)
    return Expr(K.SIZE, (), SCALAR, DimParam(d))
