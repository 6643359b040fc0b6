"""The derivative read off a linear form, as the textbooks do (Magnus and Neudecker):
  by a scalar t:           dY = G dt           -> G   (at_differential: dt := 1)
  scalar by vector/matrix  df = tr(G^T dX)     -> G   (gradient: the trace trick)
  otherwise                d vec Y = J d vec X -> J   (jacobian: the vec/Kronecker form)
Each operation's share of the last two is its `gradient` and `jacobian` in the registry.
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.derive.differential import linear_nodes
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr
from matcalc_cli.ops import OPS, Linear, replaced
from matcalc_cli.ops.base import Said


def at_differential(root: Expr, value: Expr) -> Expr:
    """root with every dvar replaced by value (dt := 1 reads G off dY = G dt)."""
    return replaced(root, {n: value for n in E.walk(root) if n.op == K.DVAR})


def gradient(lin_form: Expr, seed: Expr, x: Expr, moves: list[Said] | None = None) -> Expr:
    """G with <seed, L(dX)> = <G, dX>: the trace trick, one linear node at a time.
    With moves, each rearrangement it made is recorded there (once, in order)."""
    lin = Linear(linear_nodes(lin_form))
    out: list[Expr] = []
    work = [(lin_form, seed)]
    while work:
        node, s = work.pop()
        if node.op == K.DVAR:
            out.append(s)
            continue
        rule = OPS[node.op].gradient
        if rule is None:
            raise MatcalcError("unsupported", f"cannot read a gradient through {node.op}")
        if moves is not None:
            _record(node, lin, moves)
        work.extend(rule(node, s, lin))
    return E.add(*out) if out else E.zeros(x.shape)


def _record(node: Expr, lin: Linear, moves: list[Said]) -> None:
    """The rearrangement the seed makes through node (its record's move), as --steps names it."""
    move: Said | None = OPS[node.op].move or None
    if node.op == K.MUL:  # a trace cycles only when something follows dX
        i = lin.index(node.args)
        if node.args[i].is_scalar or all(a.is_scalar for a in node.args[i + 1:]):
            move = None
    if move is not None and move not in moves:
        moves.append(move)


def jacobian(lin_form: Expr, x: Expr) -> Expr:
    """J with vec(L(dX)) = J vec(dX), for a linear form of any shape."""
    lin = Linear(linear_nodes(lin_form))
    memo: dict[int, Expr] = {}

    def jac(node: Expr) -> Expr:
        if id(node) not in memo:
            memo[id(node)] = _jac_node(node, jac, lin)
        return memo[id(node)]

    return jac(lin_form)


def _jac_node(node: Expr, jac: object, lin: Linear) -> Expr:
    if node.op == K.DVAR:
        return E.eye(E.dim_product(*node.shape))
    rule = OPS[node.op].jacobian
    if rule is None:
        raise MatcalcError("unsupported", f"cannot form a Jacobian through {node.op}")
    return rule(node, jac, lin)  # type: ignore[arg-type]
