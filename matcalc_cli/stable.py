"""Forms that generated code computes without overflow: log(1 + exp(u)), as written, is inf
once u passes about 709 (a logistic loss at a margin of -800), where softplus(u) is u; its
record spells it with the library's stable softplus (np.logaddexp(0, u), jax.nn.softplus,
torch.nn.functional.softplus). A rewrite of the tree that code (naming.computed) and the
numpy line are printed from, made before the printers, which print what they receive; not
of the result text: derive/ and the text formats keep the expression as the user wrote it."""

from __future__ import annotations

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, walk
from matcalc_cli.ops import rebuild
from matcalc_cli.simplify.patterns import read

SOFTPLUS = read("log(1 + exp(?u)) => softplus(?u)")


def stable(root: Expr) -> Expr:
    """root with each log(1 + exp(u)) as softplus(u), inner ones first."""
    memo: dict[Expr, Expr] = {}
    for node in walk(root):  # children before parents
        new = rebuild(node, [memo[a] for a in node.args]) if node.args else node
        if new.op == K.LOG:
            new = SOFTPLUS.apply(new) or new
        memo[node] = new
    return memo[root]
