"""The syntax tree's walks (children first; a call's arguments apart from its dimensions), and
the where clause: each name replaced by its definition, before the typing pass."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Dim
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
