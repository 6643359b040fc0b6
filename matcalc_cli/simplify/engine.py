"""The engine: rewrites applied bottom-up, then the elementwise algebra, to a fixpoint."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn, rebuild
from matcalc_cli.simplify.cost import transposes
from matcalc_cli.simplify.elementwise import elementwise
from matcalc_cli.simplify.normal import (
    _coef,
    _is_outer,
    _logistic_quotient,
    filled,
    hadamard,
    product,
    total,
    transpose,
)


def simplify(e: Expr) -> Expr:
    """Textbook form; simplifying the result again changes nothing."""
    e = canon(e)
    e = canon(elementwise(e))
    for _ in range(4):
        again = canon(e)
        if again == e:
            break
        e = again
    return filled(e)


def canon(root: Expr) -> Expr:
    memo: dict[int, Expr] = {}
    for node in E.walk(root):
        memo[id(node)] = _canon_node(node, [memo[id(a)] for a in node.args]) if node.args else node
    return memo[id(root)]


def _canon_node(node: Expr, args: list[Expr]) -> Expr:
    op = node.op
    if op not in ("add", "hdiv", "bcast") and any(a.op == "bcast" for a in args):
        args = [filled(a) for a in args]
    if op == "T":
        return transpose(args[0])
    if op == "mul":
        return product(args)
    if op == "add":
        return total(args)
    if op == "had":
        return hadamard(args)
    if op == "hdiv" and args[1].op == "bcast":
        return product([args[0], E.power(args[1].args[0], -1)])
    if op == "hdiv":
        named = _logistic_quotient(args[0], args[1])
        if named is not None:
            return named
    if op == "diag" and _coef(args[0])[0] != 1:  # diag(-v) is -diag(v)
        c, core = _coef(args[0])
        return product([E.const(c), fn("diag", core)])
    if op == "inv" and args[0].op == "mul":  # (B^T X^T A^T)^-1 reads better as (A X B)^-T
        alt = transpose(args[0])
        if transposes(alt) + 1 < transposes(args[0]):
            return E.inv(E.T(alt))
    if op == "log" and args[0].op == "softmax":  # log(softmax(z)) = z - logsumexp(z)
        z = args[0].args[0]
        return E.sub(z, E.bcast(fn("logsumexp", z), z.shape))
    if op in ("det", "logdet", "tr") and args[0].op == "T":  # det(X^T) = det(X)
        return fn(op, args[0].args[0])
    if op == "hdiv" and args[0].op == "ones":  # ones(n) ./ y is 1 ./ y
        return E.hdiv(E.ONE, args[1])
    if op == "hdiv":  # (-2 a) ./ b is -2 (a ./ b): the number joins the product
        c, core = _coef(args[0])
        if c != 1:
            return product([E.const(c), E.hdiv(E.ONE if core.op == "bcast" else core, args[1])])
    if op in ("tr", "sum") and _coef(args[0])[0] != 1:  # tr(c M) = c tr(M), sum(-y) = -sum(y)
        c, core = _coef(args[0])
        return product([E.const(c), fn(op, E.ones(core.shape) if core.op == "bcast" else core)])
    if op == "diag" and _is_outer(args[0]):  # the diagonal of a b^T is a .* b
        a, b = args[0].args
        return hadamard([a, transpose(b)])
    if (op == "pow" and args[0].op == "mul" and all(f.is_scalar for f in args[0].args)
            and _integer(node.number)):  # (a b)^-1 = a^-1 b^-1; (a b)^0.5 is not a^0.5 b^0.5 where a, b < 0
        return product([E.power(f, node.number) for f in args[0].args])
    if op == "pow" and args[0].op == "pow" and args[0].is_scalar:
        return _power_of_power(args[0].args[0], args[0].number, node.number)
    return rebuild(node, args)




def _integer(k: E.Number) -> bool:
    return isinstance(k, Fraction) and k.denominator == 1


def _power_of_power(a: Expr, p: E.Number, q: E.Number) -> Expr:
    """(a^p)^q = a^(p q) wherever the left side is defined, except for an even p and a
    fractional q: (a^2)^0.5 is abs(a), not a. (A fractional p or an odd p under a
    fractional q already asks a >= 0.)"""
    pq = p * q
    if _integer(q) or not (_integer(p) and int(p) % 2 == 0):
        return E.power(a, pq)
    if _integer(pq) and int(pq) % 2 == 0:  # (a^2)^1 and (a^4)^0.5 = a^2
        return E.power(a, pq)
    return E.power(fn("abs", a), pq)
