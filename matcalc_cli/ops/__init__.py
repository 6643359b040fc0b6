"""The registry of operations: one record (ops.base.Op) per operation, in three families.

Adding a function is one record in one of these modules (and its spelling in each printer);
the parser, the typing pass, evaluation, differentiation and the read-offs take it from OPS.
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops import (  # noqa: F401 (each registers its records)
    elementwise,
    factor,
    kronecker,
    linear,
    matfun,
    reductions,
    spectra,
    spectral,
    triangular,
)
from matcalc_cli.ops.base import OPS, Diffs, Linear, Op, fn

# Names the parser reads as calls when an opening parenthesis follows.
CALLS = frozenset(name for name, op in OPS.items() if op.called)

# Nodes whose parameters (an exponent, a shape) a rebuild keeps; every other node is rebuilt
# by its record's constructor.
_PARAMETRISED = {
    "pow": lambda n, a: E.power(a[0], n.number),
    "epow": lambda n, a: E.epow(a[0], n.number),
    "bcast": lambda n, a: E.bcast(a[0], n.shape),
    "unvec": lambda n, a: E.unvec(a[0], n.dims),
}


def rebuild(node: Expr, args: list[Expr]) -> Expr:
    """node with new arguments, through the builders (so constants fold and zeros vanish)."""
    if all(x is y for x, y in zip(args, node.args, strict=True)):
        return node
    build = _PARAMETRISED.get(node.op)
    if build is not None:
        return build(node, args)
    op = OPS[node.op]
    if op.apply is not None and not op.dim_args:
        return op.apply(*args)
    return Expr(node.op, tuple(args), node.shape, node.param)


def replaced(root: Expr, table: dict[Expr, Expr], keep: Expr | None = None) -> Expr:
    """root with each node of table (but keep) replaced by its value, rebuilt bottom-up."""
    memo: dict[Expr, Expr] = {}
    for node in E.walk(root):
        if node in memo:
            continue
        if node is not keep and node in table:
            memo[node] = table[node]
        elif node.args:
            memo[node] = rebuild(node, [memo[a] for a in node.args])
        else:
            memo[node] = node
    return memo[root]


__all__ = ["CALLS", "OPS", "Diffs", "Linear", "Op", "fn", "rebuild", "replaced"]
