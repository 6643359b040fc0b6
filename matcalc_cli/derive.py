"""The differentiator: matrix differentials, then the derivative read off a canonical form.

d f is built bottom-up from rules.RULES; it is linear in the leaf `dvar` (dX).
The derivative is then read off as the textbooks do (Magnus and Neudecker):
  by a scalar t:          dY = G dt                -> G          (dvar := 1)
  scalar by vector/matrix df = tr(G^T dX)          -> G          (adjoint)
  otherwise               d vec Y = J d vec X      -> J          (jacobian; Kronecker form)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import ONE, SCALAR, Expr, Shape, is_row, is_vector
from matcalc_cli.rules import RULES, fn, rebuild, rule_name
from matcalc_cli.simplify import canon, simplify, total, transpose


def dvar(x: Expr) -> Expr:
    return Expr("dvar", (), x.shape, x.param)


@dataclass(frozen=True)
class Step:
    """One rule applied: the node, the rule's name and the node's differential."""

    node: Expr
    rule: str
    differential: Expr


def differential(f: Expr, x: Expr, steps: list[Step] | None = None) -> Expr | None:
    """d f as an expression linear in dvar(x); None when f does not depend on x.
    With steps, every rule applied is recorded there, innermost first."""
    memo: dict[Expr, Expr | None] = {}
    for node in E.walk(f):
        if node in memo:
            continue
        if node.op == "var":
            memo[node] = dvar(x) if node.name == x.name else None
            continue
        ds = [memo[a] for a in node.args]
        if all(d is None for d in ds):
            memo[node] = None
            continue
        rule = RULES.get(node.op)
        if rule is None:
            raise MatcalcError("unsupported", f"cannot differentiate through {node.op}")
        d = rule(node, ds)
        memo[node] = None if E.is_zero(d) else d  # d sign(u) = 0: nothing to read through
        if steps is not None:
            steps.append(Step(node, rule_name(node.op), d))
    return memo[f]


def derivation(f: Expr, x: Expr) -> list[Step]:
    """The differentials of f's subexpressions that depend on x, each simplified, in the
    order a derivation by hand takes them (innermost first)."""
    steps: list[Step] = []
    differential(f, x, steps)
    return [Step(s.node, s.rule, simplify(s.differential)) for s in steps if s.node.op != "bcast"]


def _linear(root: Expr) -> set[int]:
    """ids of the nodes that contain dvar."""
    lin: set[int] = set()
    for node in E.walk(root):
        if node.op == "dvar" or any(id(a) in lin for a in node.args):
            lin.add(id(node))
    return lin


def substitute(root: Expr, value: Expr) -> Expr:
    """root with every dvar replaced by value (rebuilt through the builders)."""
    out: dict[int, Expr] = {}
    for node in E.walk(root):
        if node.op == "dvar":
            out[id(node)] = value
        elif node.args:
            out[id(node)] = rebuild(node, [out[id(a)] for a in node.args])
        else:
            out[id(node)] = node
    return out[id(root)]


def inner(s: Expr, r: Expr) -> Expr:
    """The Frobenius inner product <S, R> = tr(S^T R), in its simplest spelling."""
    if s.is_scalar:
        return E.mul(s, r)
    if s.shape[1] == 1:
        return E.mul(E.T(s), r)
    return fn("tr", E.mul(E.T(s), r))


def adjoint(lin_form: Expr, seed: Expr, x: Expr) -> Expr:
    """G with <seed, L(dX)> = <G, dX>: the trace trick, one linear node at a time."""
    lin = _linear(lin_form)
    out: list[Expr] = []
    work = [(lin_form, seed)]
    while work:
        node, s = work.pop()
        op = node.op
        if op == "dvar":
            out.append(s)
        elif op == "add":
            work.extend((t, s) for t in node.args if id(t) in lin)
        elif op == "T":
            work.append((node.args[0], E.T(s)))
        elif op == "mul":
            fs = list(node.args)
            i = next(j for j, f in enumerate(fs) if id(f) in lin)
            f = fs[i]
            if f.is_scalar:
                work.append((f, inner(s, E.mul(*fs[:i], *fs[i + 1:]))))
            else:
                p, q = E.mul(*fs[:i]), E.mul(*fs[i + 1:])
                work.append((f, E.mul(E.T(p), s, E.T(q))))
        elif op == "had":
            fs = list(node.args)
            i = next(j for j, f in enumerate(fs) if id(f) in lin)
            work.append((fs[i], E.had(*fs[:i], *fs[i + 1:], s)))
        elif op == "hdiv":
            work.append((node.args[0], E.hdiv(s, node.args[1])))
        elif op == "tr":
            work.append((node.args[0], E.mul(s, E.eye(node.args[0].shape[0]))))
        elif op == "sum":
            work.append((node.args[0], E.mul(s, E.ones(node.args[0].shape))))
        elif op == "bcast":
            work.append((node.args[0], fn("sum", s)))
        elif op == "diag":
            work.append((node.args[0], fn("diag", s)))
        else:
            raise MatcalcError("unsupported", f"cannot read a gradient through {op}")
    return E.add(*out) if out else E.zeros(x.shape)


def vec(e: Expr) -> Expr:
    """vec(e) as a column (column-major); vectors and rows need no vec."""
    if e.shape[1] == 1:
        return e
    if e.shape[0] == 1:
        return E.T(e)
    return Expr("vec", (e,), (E.dim_product(*e.shape), 1))


def kron(a: Expr, b: Expr) -> Expr:
    if a.is_scalar or b.is_scalar:
        return E.mul(a, b)
    if a.op == "eye" and b.op == "eye":
        return E.eye(E.dim_product(a.shape[0], b.shape[0]))
    return Expr("kron", (a, b), (E.dim_product(a.shape[0], b.shape[0]), E.dim_product(a.shape[1], b.shape[1])))


def commutation(m: E.Dim, n: E.Dim) -> Expr:
    size = E.dim_product(m, n)
    return Expr("commutation", (), (size, size), (m, n))


def jacobian(lin_form: Expr, x: Expr) -> Expr:
    """J with vec(L(dX)) = J vec(dX), for a linear form of any shape."""
    lin = _linear(lin_form)
    size = E.dim_product(*x.shape)
    memo: dict[int, Expr] = {}

    def jac(node: Expr) -> Expr:
        if id(node) not in memo:
            memo[id(node)] = _jac_node(node, jac, lin, size)
        return memo[id(node)]

    return jac(lin_form)


def _jac_node(node: Expr, jac: Callable[[Expr], Expr], lin: set[int], size: E.Dim) -> Expr:
    op, args = node.op, node.args
    if op == "dvar":
        return E.eye(size)
    if op == "add":
        return E.add(*(jac(a) for a in args if id(a) in lin))
    if op == "T":
        a = args[0]
        return jac(a) if a.shape[0] == 1 or a.shape[1] == 1 else E.mul(commutation(*a.shape), jac(a))
    if op == "had":
        i = next(k for k, a in enumerate(args) if id(a) in lin)
        return E.mul(fn("diag", vec(E.had(*args[:i], *args[i + 1:]))), jac(args[i]))
    if op == "hdiv":
        return E.mul(fn("diag", vec(E.hdiv(E.ONE, args[1]))), jac(args[0]))
    if op == "tr":
        return E.mul(E.T(vec(E.eye(args[0].shape[0]))), jac(args[0]))
    if op == "sum":
        return E.mul(E.T(E.ones((E.dim_product(*args[0].shape), 1))), jac(args[0]))
    if op == "bcast":
        return E.mul(E.ones((E.dim_product(*node.shape), 1)), jac(args[0]))
    if op == "mul":
        return _jac_product(node, jac, lin)
    if op == "diag":
        # vec(diag(m)) = diag(vec(I)) (1 kron I) m;  diag(M) = (1^T kron I) diag(vec(I)) vec(M)
        n = node.shape[0]
        mask = fn("diag", vec(E.eye(n)))
        if is_vector(args[0].shape):
            return E.mul(mask, kron(E.ones((n, 1)), E.eye(n)), jac(args[0]))
        return E.mul(kron(E.T(E.ones((n, 1))), E.eye(n)), mask, jac(args[0]))
    raise MatcalcError("unsupported", f"cannot form a Jacobian through {op}")


def _jac_product(node: Expr, jac: Callable[[Expr], Expr], lin: set[int]) -> Expr:
    """vec(c P F Q) = c (Q^T kron P) vec(F), with the Kronecker product spelled out
    as a plain product wherever P or Q is absent and F is a vector."""
    fs = list(node.args)
    f = next(a for a in fs if id(a) in lin)
    scalars = [g for g in fs if g.is_scalar and g is not f]
    chain = [g for g in fs if not g.is_scalar or g is f]
    i = chain.index(f)
    if f.is_scalar:
        return E.mul(vec(E.mul(*scalars, *chain[:i], *chain[i + 1:])), jac(f))
    p, q = chain[:i], chain[i + 1:]
    if f.op == "diag" and is_vector(f.args[0].shape):
        m = f.args[0]
        qv = E.mul(*q)
        if q and qv.shape[1] == 1:  # P diag(m) q = P diag(q) m
            return E.mul(*scalars, *p, fn("diag", qv), jac(m))
        if not q and len(p) == 1 and p[0].shape[0] == 1:  # p diag(m) = (p^T .* m)^T
            return E.mul(*scalars, fn("diag", E.T(p[0])), jac(m))
    a, b = f.shape
    pm = E.mul(*p) if p else E.eye(a)
    qt = E.T(E.mul(*q)) if q else E.eye(b)
    if b == 1 and not q:
        left = pm
    elif a == 1 and not p:
        left = qt
    else:
        left = kron(qt, pm)
    return E.mul(*scalars, left, jac(f))


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
    df = differential(canon(f), x)  # the canonical input: diag(x x^T) is x .* x
    note = ""
    if xc == "scalar":
        g = E.zeros(f.shape) if df is None else substitute(df, ONE)
        if is_row(f.shape):
            g = E.T(g)  # a row counts as a vector: numerator layout gives a column
        if fc == "vector" and layout == "denominator":
            g = E.T(g)
    elif fc == "scalar":
        g = E.zeros(x.shape) if df is None else adjoint(df, ONE, x)
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
