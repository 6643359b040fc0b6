"""The typed tree (expr.py) built from a syntax tree once the shapes of its names are known
(shapes.py): infer does both."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Expr, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.ops.symmetry import is_symmetric
from matcalc_cli.shapes import infer_shapes
from matcalc_cli.structure import Structures, as_structures
from matcalc_cli.syntax import Syntax
from matcalc_cli.where import defined, dim_arg, post_order, split_call, substitute


@dataclass(frozen=True)
class Typed:
    """The typed tree and the shape of every variable in it."""

    expr: Expr
    variables: dict[str, Shape]
    inferred: frozenset[str]  # names whose shape was not declared
    named: tuple[tuple[Expr, str], ...] = ()  # the where clause's names: (the node, its name)


def infer(root: Syntax, declared: dict[str, Shape], symmetric: Structures | Collection[str],
          extra: list[str] | None = None, source: str = "") -> Typed:
    """The typed tree of root: its shapes inferred (shapes.py), then built; extra names (a
    --wrt absent from the expression) get shapes too; source: the text, quoted in messages."""
    shapes = infer_shapes(root, declared, symmetric, extra, source)
    variables = shapes.variables
    expr = build(shapes.root, variables, symmetric)
    named = tuple((build(d, variables, symmetric), name) for name, d in defined(root).items())
    return Typed(expr, variables, shapes.inferred, named)


def _is_sum(node: Syntax) -> bool:
    return node.kind == "binary" and node.text in ("+", "-")


def _is_product(node: Syntax) -> bool:
    return node.kind == "binary" and node.text in (" ", "*", "@")


def _plain_hadamard_factor(e: Expr) -> bool:
    """A factor that E.had takes as it is (no scalar, ones or zero): a chain of them is the
    same Hadamard product built at once or step by step."""
    return e.shape != SCALAR and e.op != K.ONES and not E.is_zero(e)


def _plain_factor(e: Expr) -> bool:
    """A matrix factor that E.mul takes as it is (no number, identity, zero or product in it):
    a chain of them, each prefix a matrix, is the same product built at once or step by step."""
    return e.shape != SCALAR and e.op not in (K.MUL, K.CONST, K.EYE, K.ZEROS, K.BCAST)


def build(root: Syntax, variables: dict[str, Shape], symmetric: Structures | Collection[str]) -> Expr:
    symmetric = as_structures(symmetric)  # the structures declared (or the names of symmetric matrices)
    root = substitute(root)
    order = post_order(root)
    # A definition of a where clause is one node with several parents: it is built once,
    # never extended in place by one of them.
    parents: dict[int, int] = {}
    for node in order:
        for a in (split_call(node)[0] if node.kind == "call" and node.text in OPS else node.args):
            parents[id(a)] = parents.get(id(a), 0) + 1
    built: dict[int, Expr] = {}
    # a + b - c + ... is built as one sum at the end of the chain, and x^T A1 A2 ... x as one
    # product: adding term by term (multiplying factor by factor) would copy the growing
    # sum (product) at every step. A sum nested on the right, a + (b + (c + ...)), joins
    # its terms too, the shorter run into the longer, so deep nesting stays linear. So is
    # x .* y .* z ... one Hadamard product (hads).
    terms: dict[int, deque[Expr]] = {}
    chains: dict[int, deque[Expr]] = {}
    hads: dict[int, deque[Expr]] = {}

    def get(node: Syntax) -> Expr:
        if id(node) not in built:
            built[id(node)] = (E.add(*terms.pop(id(node))) if id(node) in terms
                               else E.had(*hads.pop(id(node))) if id(node) in hads else E.mul(*chains.pop(id(node))))
        return built[id(node)]

    def own(left: Syntax, pending: dict[int, deque[Expr]]) -> bool:
        return id(left) in pending and id(left) not in built and parents.get(id(left), 0) == 1

    for node in order:
        if _is_sum(node):
            left, right = node.args
            acc = terms.pop(id(left)) if own(left, terms) else deque([get(left)])
            if node.text == "+" and own(right, terms):
                more = terms.pop(id(right))
                if len(more) > len(acc):
                    more.extendleft(reversed(acc))
                    acc = more
                else:
                    acc.extend(more)
            else:
                acc.append(get(right) if node.text == "+" else E.neg(get(right)))
            terms[id(node)] = acc
            continue
        if node.kind == "binary" and node.text == ".*":
            left, right = node.args
            y = get(right)
            if _plain_hadamard_factor(y):
                if own(left, hads):
                    hads[id(node)] = hads.pop(id(left))
                    hads[id(node)].append(y)
                    continue
                x = get(left)
                if _plain_hadamard_factor(x):
                    hads[id(node)] = deque([x, y])
                    continue
        if _is_product(node):
            left, right = node.args
            if own(right, chains) and (chains[id(right)][0].shape[0], chains[id(right)][-1].shape[1]) != SCALAR:
                x = get(left)  # A (B (C x)): a matrix chain on the right takes x at its front
                if _plain_factor(x):
                    chain = chains.pop(id(right))
                    chain.appendleft(x)
                    chains[id(node)] = chain
                    continue
            y = get(right)
            if _plain_factor(y):
                if own(left, chains) and (chains[id(left)][0].shape[0], chains[id(left)][-1].shape[1]) != SCALAR:
                    chain = chains.pop(id(left))  # a matrix so far: y joins the chain
                    chain.append(y)
                    chains[id(node)] = chain
                    continue
                x = get(left)
                if _plain_factor(x):
                    chains[id(node)] = deque([x, y])
                    continue
        args = split_call(node)[0] if node.kind == "call" else node.args
        built[id(node)] = build_node(node, [get(a) for a in args], variables, symmetric)
    return get(root)


def build_node(node: Syntax, a: list[Expr], variables: dict[str, Shape], symmetric: Structures | Collection[str],
               ) -> Expr:
    k, text = node.kind, node.text
    if k == "num":
        return E.const(node.value if node.value is not None else Fraction(0))
    if k == "name":
        return E.var(text, variables[text], as_structures(symmetric).of(text))
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
        if text in ("^", ".^"):
            return E.vpow(x, y)
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
    if op.symmetric_argument and not is_symmetric(a[0]):
        raise _not_symmetric(node)
    return op.apply(*a, *((op.option or dim_arg)(d) for d in split_call(node)[1]))


def _not_symmetric(node: Syntax) -> MatcalcError:
    """eigvals(X) of an X not known to be symmetric: the caret under X, the option that declares it."""
    arg = split_call(node)[0][0]
    how = (f"declare it with --symmetric {arg.text}" if arg.kind == "name"
           else "declare its variables symmetric (--symmetric) or write it symmetric (A + A^T, X^T X)")
    return MatcalcError("input", f"{node.text} needs a symmetric argument: {how}", arg.span)
