"""Matrix differentials: d f built bottom-up from each operation's rule in the registry.

The result is an expression linear in the leaf `dvar` (dX); a node that does not depend on
the variable has no differential (None), and neither has a node whose differential is zero
almost everywhere (d sign(u) = 0), so that nothing is read through it.
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.ops import OPS, Op


def dvar(x: Expr) -> Expr:
    return Expr(K.DVAR, (), x.shape, x.info)


def differential(f: Expr, x: Expr, notes: set[str] | None = None, given: dict[Expr, Expr] | None = None,
                 applied: list[Op] | None = None) -> Expr | None:
    """d f as an expression linear in dvar(x); None when f does not depend on x.
    With notes, what a result through an operation must say (step's derivative is zero
    almost everywhere). given: differentials known for nodes below f (--steps' named parts),
    taken as they are, their insides not differentiated again; applied: the operations whose
    rules were applied, in order (what --steps writes out)."""
    known = given or {}
    memo: dict[Expr, Expr | None] = {}
    for node in E.walk(f, known):
        if node in memo:
            continue
        if node is not f and node in known:
            memo[node] = known[node]
            continue
        if node.op == K.VAR:
            memo[node] = dvar(x) if node.name == x.name else None
            continue
        ds = [memo[a] for a in node.args]
        if all(d is None for d in ds):
            memo[node] = None
            continue
        op = OPS[node.op]
        if op.differential is None:
            raise MatcalcError("unsupported", op.no_derivative or f"cannot differentiate through {node.op}")
        d = op.differential(node, ds)
        if notes is not None and op.note:
            notes.add(op.note)
        if applied is not None:
            applied.append(op)
        memo[node] = None if E.is_zero(d) else d
    return memo[f]


def linear_nodes(root: Expr) -> set[int]:
    """ids of the nodes that contain dvar."""
    lin: set[int] = set()
    for node in E.walk(root):
        if node.op == K.DVAR or any(id(a) in lin for a in node.args):
            lin.add(id(node))
    return lin
