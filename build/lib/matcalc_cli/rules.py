"""The derivative rules: one table of differentials, one table of functions.

Each rule maps a node and the differentials of its arguments (None where an
argument does not depend on the variable) to the node's differential, an
expression linear in the `dvar` leaf. Adding a function is one entry in
FUNCTIONS (its shape rule and its differential) plus its spelling in each
printer (render/latex.py, render/numpy.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli.expr import (
    ONE,
    SCALAR,
    Expr,
    add,
    bcast,
    call,
    const,
    epow,
    had,
    hdiv,
    inv,
    is_vector,
    mul,
    neg,
    power,
    sub,
)
from matcalc_cli.expr import T as tr_

Diffs = list[Expr | None]
Rule = Callable[[Expr, Diffs], Expr]


def fn(name: str, arg: Expr) -> Expr:
    """Apply a function of the table, with the shortcuts that keep trees small."""
    f = FUNCTIONS[name]
    if arg.shape == SCALAR and f.on_scalar is not None:
        return f.on_scalar(arg)
    if f.kind == "elementwise" and arg.op == "bcast":
        return bcast(fn(name, arg.args[0]), arg.shape)
    return call(name, (arg,), f.result_shape(arg.shape))


# ------------------------------------------------------------ elementwise derivatives
def _recip(u: Expr) -> Expr:
    return hdiv(ONE, u)


ElementwiseD = Callable[[Expr, Expr], Expr]  # (argument u, value f(u)) -> f'(u), elementwise

ELEMENTWISE_D: dict[str, ElementwiseD] = {
    "exp": lambda u, fu: fu,
    "log": lambda u, fu: _recip(u),
    "sqrt": lambda u, fu: _recip(mul(const(2), fu)),
    "sin": lambda u, fu: fn("cos", u),
    "cos": lambda u, fu: neg(fn("sin", u)),
    "tanh": lambda u, fu: sub(ONE, epow(fu, Fraction(2))),
    "sigmoid": lambda u, fu: had(fu, sub(ONE, fu)),
    "softplus": lambda u, fu: fn("sigmoid", u),
    "abs": lambda u, fu: fn("sign", u),
    "sign": lambda u, fu: const(0),
}


def _elementwise_rule(node: Expr, d: Diffs) -> Expr:
    u, du = node.args[0], d[0]
    assert du is not None
    return had(ELEMENTWISE_D[node.op](u, node), du)


# ------------------------------------------------------------ function table
@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # shape rule: elementwise, square_scalar, any_scalar, vector_vector, vector_scalar, diag
    rule: Rule
    on_scalar: Callable[[Expr], Expr] | None = None  # what it means on a scalar argument

    def result_shape(self, shape: tuple) -> tuple:
        if self.kind in ("square_scalar", "any_scalar", "vector_scalar"):
            return SCALAR
        if self.kind == "diag":
            return (shape[0], shape[0]) if is_vector(shape) else (shape[0], 1)
        return shape


def _softmax_rule(node: Expr, d: Diffs) -> Expr:
    s = node
    return mul(sub(fn("diag", s), mul(s, tr_(s))), d[0])  # type: ignore[arg-type]


def _norm_rule(node: Expr, d: Diffs) -> Expr:
    x, dx = node.args[0], d[0]
    assert dx is not None
    inner = mul(tr_(x), dx) if x.shape[1] == 1 else fn("tr", mul(tr_(x), dx))
    return mul(inner, power(node, -1))


def _ew(name: str) -> Function:
    return Function(name, "elementwise", _elementwise_rule)


FUNCTIONS: dict[str, Function] = {f.name: f for f in [
    Function("tr", "square_scalar", lambda n, d: fn("tr", d[0]),  # type: ignore[arg-type]
             on_scalar=lambda a: a),
    Function("det", "square_scalar",
             lambda n, d: mul(n, fn("tr", mul(inv(n.args[0]), d[0]))),  # type: ignore[arg-type]
             on_scalar=lambda a: a),
    Function("logdet", "square_scalar",
             lambda n, d: fn("tr", mul(inv(n.args[0]), d[0])),  # type: ignore[arg-type]
             on_scalar=lambda a: fn("log", a)),
    Function("sum", "any_scalar", lambda n, d: fn("sum", d[0]),  # type: ignore[arg-type]
             on_scalar=lambda a: a),
    Function("norm", "any_scalar", _norm_rule, on_scalar=lambda a: fn("abs", a)),
    Function("diag", "diag", lambda n, d: fn("diag", d[0])),  # type: ignore[arg-type]
    Function("softmax", "vector_vector", _softmax_rule),
    Function("logsumexp", "vector_scalar",
             lambda n, d: mul(tr_(fn("softmax", n.args[0])), d[0])),  # type: ignore[arg-type]
    *(_ew(name) for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "abs", "sign")),
]}


# ------------------------------------------------------------ operator rules
def _sum_rule(node: Expr, d: Diffs) -> Expr:
    return add(*(x for x in d if x is not None))


def _product_rule(build: Callable[..., Expr]) -> Rule:
    def rule(node: Expr, d: Diffs) -> Expr:
        args = list(node.args)
        return add(*(build(*args[:i], di, *args[i + 1:]) for i, di in enumerate(d) if di is not None))
    return rule


def _hdiv_rule(node: Expr, d: Diffs) -> Expr:
    a, b = node.args
    da, db = d
    terms = [] if da is None else [hdiv(da, b)]
    if db is not None:
        terms.append(neg(had(hdiv(node, b), db)))
    return add(*terms)


def _pow_rule(node: Expr, d: Diffs) -> Expr:
    x, dx, k = node.args[0], d[0], node.param
    assert dx is not None and isinstance(k, Fraction)
    if x.shape == SCALAR:
        return mul(const(k), power(x, k - 1), dx)
    if k < 0:  # X^-k = (X^-1)^k: the chain rule through the inverse
        xi = inv(x)
        return _pow_rule(power(xi, -k), [mul(const(-1), xi, dx, xi)])
    n = int(k)
    return add(*(mul(power(x, j), dx, power(x, n - 1 - j)) for j in range(n)))


RULES: dict[str, Rule] = {
    "add": _sum_rule,
    "mul": _product_rule(mul),
    "had": _product_rule(had),
    "hdiv": _hdiv_rule,
    "T": lambda n, d: tr_(d[0]),  # type: ignore[arg-type]
    "inv": lambda n, d: mul(const(-1), n, d[0], n),  # type: ignore[arg-type]
    "pow": _pow_rule,
    "epow": lambda n, d: had(mul(const(n.param), epow(n.args[0], n.param - 1)), d[0]),  # type: ignore
    "bcast": lambda n, d: bcast(d[0], n.shape),  # type: ignore[arg-type]
    **{name: f.rule for name, f in FUNCTIONS.items()},
}

# The name of the rule applied at each kind of node, for a derivation shown step by step.
RULE_NAMES: dict[str, str] = {
    "add": "sum rule: d(a + b) = da + db",
    "mul": "product rule: d(A B) = dA B + A dB",
    "had": "product rule: d(a .* b) = da .* b + a .* db",
    "hdiv": "quotient rule: d(a ./ b) = da ./ b - (a ./ b.^2) .* db",
    "T": "transpose: d(X^T) = (dX)^T",
    "inv": "inverse: d(X^-1) = -X^-1 dX X^-1",
    "pow": "power rule",
    "epow": "elementwise power: d(u.^p) = p u.^(p-1) .* du",
    "bcast": "a constant broadcast",
    "tr": "trace: d tr(X) = tr(dX)",
    "det": "determinant: d det(X) = det(X) tr(X^-1 dX)",
    "logdet": "log-determinant: d logdet(X) = tr(X^-1 dX)",
    "sum": "sum: d sum(u) = sum(du)",
    "norm": "norm: d norm(x) = x^T dx / norm(x)",
    "diag": "diag: d diag(u) = diag(du)",
    "softmax": "softmax: d s = (diag(s) - s s^T) dz",
    "logsumexp": "logsumexp: d logsumexp(z) = softmax(z)^T dz",
}


def rule_name(op: str) -> str:
    """What a derivation shown step by step says it applied at a node."""
    if op in ELEMENTWISE_D:
        return f"chain rule: d {op}(u) = {op}'(u) .* du"
    return RULE_NAMES.get(op, op)


# ------------------------------------------------------------ rebuilding
_BUILDERS: dict[str, Callable[[Expr, list[Expr]], Expr]] = {
    "add": lambda n, a: add(*a),
    "mul": lambda n, a: mul(*a),
    "had": lambda n, a: had(*a),
    "hdiv": lambda n, a: hdiv(a[0], a[1]),
    "T": lambda n, a: tr_(a[0]),
    "inv": lambda n, a: inv(a[0]),
    "pow": lambda n, a: power(a[0], n.param),  # type: ignore[arg-type]
    "epow": lambda n, a: epow(a[0], n.param),  # type: ignore[arg-type]
    "bcast": lambda n, a: bcast(a[0], n.shape),
}


def rebuild(node: Expr, args: list[Expr]) -> Expr:
    """node with new arguments, through the builders (so constants fold and zeros vanish)."""
    if all(x is y for x, y in zip(args, node.args, strict=True)):
        return node
    build = _BUILDERS.get(node.op)
    if build is not None:
        return build(node, args)
    if node.op in FUNCTIONS:
        return fn(node.op, args[0])
    return Expr(node.op, tuple(args), node.shape, node.param)
