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
    """Each distinct node once, children first (a where clause's definitions are shared)."""
    out: list[Syntax] = []
    seen: set[int] = set()
    stack: list[tuple[Syntax, bool]] = [(root, False)]
    while stack:
        n, done = stack.pop()
        if done:
            out.append(n)
        elif id(n) not in seen:
            seen.add(id(n))
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



# ------------------------------------------------------------------ where clauses
def definitions(root: Syntax) -> dict[str, Syntax]:
    """The "define" nodes of a where clause by name (none without one)."""
    return {d.text: d for d in root.args[1:]} if root.kind == "where" else {}


def reject_defined(root: Syntax, names: dict[str, str]) -> None:
    """Options that name a variable (names: name -> option) must not name a definition."""
    defs = definitions(root)
    for name, option in names.items():
        if name in defs:
            raise MatcalcError("input", f"{option} {name}: {name} is a named subexpression (where {name} = ...), "
                               "not a variable", defs[name].op_span)


def substitute(root: Syntax) -> Syntax:
    """The body of a where clause with each name replaced by its definition, one shared
    node a definition (so the typed tree shares it too); a tree without one as it is."""
    return _substituted(root)[0]


def defined(root: Syntax) -> dict[str, Syntax]:
    """Each name of a where clause and its definition, its own names replaced (as substitute
    shares it), so that the typed tree's node for a name is known: --steps keeps the name."""
    return _substituted(root)[1]


def _substituted(root: Syntax) -> tuple[Syntax, dict[str, Syntax]]:
    if root.kind != "where":
        return root, {}
    body, defs = root.args[0], root.args[1:]
    later = {d.text: d for d in defs}
    env: dict[str, Syntax] = {}
    used: set[str] = set()
    for d in defs:
        del later[d.text]
        for n in _names(d.args[0]):
            if n.text == d.text:
                raise MatcalcError("input", f"{d.text} is used in its own definition: a definition cannot "
                                   f"shadow the variable {d.text} (give one of them another name)", n.span)
            if n.text in later:
                raise MatcalcError("input", f"{n.text} is used before it is defined (define it before {d.text})",
                                   n.span)
        env[d.text] = _replace(d.args[0], env, used)
    out = _replace(body, env, used)
    for d in defs:
        if d.text not in used:
            raise MatcalcError("input", f"{d.text} is defined but never used", d.op_span)
    return out, env


def _names(root: Syntax) -> list[Syntax]:
    return [n for n in post_order(root) if n.kind == "name"]


def _replace(root: Syntax, env: dict[str, Syntax], used: set[str]) -> Syntax:
    new: dict[int, Syntax] = {}
    for n in post_order(root):
        if n.kind == "name" and n.text in env:
            used.add(n.text)
            new[id(n)] = env[n.text]
        elif n.args and any(new[id(a)] is not a for a in n.args if id(a) in new):
            args = tuple(new.get(id(a), a) for a in n.args)
            new[id(n)] = Syntax(n.kind, n.span, n.text, args, n.value, n.op_span)
        else:
            new[id(n)] = n
    return new[id(root)]


def _is_sum(node: Syntax) -> bool:
    return node.kind == "binary" and node.text in ("+", "-")


def _is_product(node: Syntax) -> bool:
    return node.kind == "binary" and node.text in (" ", "*", "@")


def _plain_factor(e: Expr) -> bool:
    """A matrix factor that E.mul takes as it is (no number, identity, zero or product in it):
    a chain of them, each prefix a matrix, is the same product built at once or step by step."""
    return e.shape != SCALAR and e.op not in ("mul", "const", "eye", "zeros", "bcast")


def build(root: Syntax, variables: dict[str, Shape], symmetric: frozenset[str]) -> Expr:
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
    # sum (product) at every step.
    terms: dict[int, list[Expr]] = {}
    chains: dict[int, list[Expr]] = {}

    def get(node: Syntax) -> Expr:
        if id(node) not in built:
            built[id(node)] = E.add(*terms.pop(id(node))) if id(node) in terms else E.mul(*chains.pop(id(node)))
        return built[id(node)]

    def own(left: Syntax, pending: dict[int, list[Expr]]) -> bool:
        return id(left) in pending and id(left) not in built and parents.get(id(left), 0) == 1

    for node in order:
        if _is_sum(node):
            left, right = node.args
            acc = terms.pop(id(left)) if own(left, terms) else [get(left)]
            acc.append(get(right) if node.text == "+" else E.neg(get(right)))
            terms[id(node)] = acc
            continue
        if _is_product(node):
            left, right = node.args
            y = get(right)
            if _plain_factor(y):
                if own(left, chains) and (chains[id(left)][0].shape[0], chains[id(left)][-1].shape[1]) != SCALAR:
                    acc = chains.pop(id(left))  # a matrix so far: y joins the chain
                    acc.append(y)
                    chains[id(node)] = acc
                    continue
                x = get(left)
                if _plain_factor(x):
                    chains[id(node)] = [x, y]
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
    return op.apply(*a, *((op.option or dim_arg)(d) for d in split_call(node)[1]))
