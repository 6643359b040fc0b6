"""The typed tree (expr.py) built from a syntax tree once the shapes of its names are known."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Dim, Expr, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.syntax import Syntax


def split_call(node: Syntax) -> tuple[tuple[Syntax, ...], tuple[Syntax, ...]]:
    """A call's (arguments, dimensions): ones(n, m) has only dimensions, unvec(v, m, n) both."""
    op = OPS[node.text]
    return node.args[:op.arity], node.args[op.arity:]


def post_order(root: Syntax) -> list[Syntax]:
    out: list[Syntax] = []
    stack: list[tuple[Syntax, bool]] = [(root, False)]
    while stack:
        n, done = stack.pop()
        if done:
            out.append(n)
        else:
            stack.append((n, True))
            args = split_call(n)[0] if n.kind == "call" and n.text in OPS else n.args
            stack.extend((a, False) for a in reversed(args))
    return out


def dim_arg(a: Syntax) -> Dim:
    """A dimension argument of eye/ones/zeros: a name, a positive integer, or a product (n*m)."""
    if a.kind == "num" and a.value is not None and a.value.denominator == 1 and a.value > 0:
        return int(a.value)
    if a.kind == "name":
        return a.text
    if a.kind == "binary" and a.text in ("*", " "):
        return E.dim_product(dim_arg(a.args[0]), dim_arg(a.args[1]))
    raise MatcalcError("function", "expected a dimension (a name, a positive integer or n*m)", a.span)



def _is_sum(node: Syntax) -> bool:
    return node.kind == "binary" and node.text in ("+", "-")


def build(root: Syntax, variables: dict[str, Shape], symmetric: frozenset[str]) -> Expr:
    built: dict[int, Expr] = {}
    # a + b - c + ... is built as one sum at the end of the chain: adding term by term
    # would copy the growing sum at every step.
    terms: dict[int, list[Expr]] = {}

    def get(node: Syntax) -> Expr:
        if id(node) not in built:
            built[id(node)] = E.add(*terms.pop(id(node)))
        return built[id(node)]

    for node in post_order(root):
        if _is_sum(node):
            left, right = node.args
            acc = terms.pop(id(left)) if _is_sum(left) and id(left) not in built else [get(left)]
            acc.append(get(right) if node.text == "+" else E.neg(get(right)))
            terms[id(node)] = acc
            continue
        args = split_call(node)[0] if node.kind == "call" else node.args
        built[id(node)] = _build_node(node, [get(a) for a in args], variables, symmetric)
    return get(root)


def _build_node(node: Syntax, a: list[Expr], variables: dict[str, Shape], symmetric: frozenset[str]) -> Expr:
    k, text = node.kind, node.text
    if k == "num":
        return E.const(node.value if node.value is not None else Fraction(0))
    if k == "name":
        return E.var(text, variables[text], text in symmetric)
    if k == "neg":
        return E.neg(a[0])
    if k == "postfix":
        x = a[0]
        if text == "T":
            return E.T(x)
        if text == "invT":
            return E.inv(E.T(x))
        if text == "epow":
            return E.epow(x, node.value)  # type: ignore[arg-type]
        kexp = node.value
        assert kexp is not None
        if x.shape != SCALAR and kexp < 0:
            return E.power(E.inv(x), -kexp)
        return E.power(x, kexp)
    if k == "binary":
        x, y = a
        if text == "+":
            return E.add(x, y)
        if text == "-":
            return E.sub(x, y)
        if text == ".*":
            return E.had(x, y)
        if text == "./":
            return E.hdiv(x, y)
        if text == "/":
            if E.is_zero(y):
                raise MatcalcError("input", "division by zero", node.op_span)
            return E.mul(x, E.power(y, -1))
        return E.mul(x, y)
    return _build_call(node, a)


def _build_call(node: Syntax, a: list[Expr]) -> Expr:
    op = OPS[node.text]
    assert op.apply is not None
    return op.apply(*a, *(dim_arg(d) for d in split_call(node)[1]))
