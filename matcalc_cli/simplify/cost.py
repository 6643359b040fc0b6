"""One structural cost and one structural order, both read off the tree (no printer).

cost() says which of two equal expressions a textbook would print: every node
counts by its kind, brackets count where a sum or a product sits inside a tighter
operator, and powers count dear, so that `s .* (1 - s)` beats `s - s.^2` and
`x^T (A + A^T)` beats `x^T A + x^T A^T`. Ties are broken by key().

key() orders the terms of a sum and the factors of commutative products: numbers
before names, names compared with their digits as numbers (A2 before A10), A^T
right after A, and a function by its name, then its argument.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from matcalc_cli.expr import Expr

# Each node's own weight, in halves of a plain name (a name costs 2).
_WEIGHT = {
    "var": 2, "dvar": 2, "const": 2, "eye": 3, "ones": 3, "zeros": 3, "commutation": 4,
    "add": 2,  # per operator: a sum of k terms costs 2 (k - 1)
    "mul": 1,  # per juxtaposition
    "had": 2, "hdiv": 2,  # per operator
    "T": 2, "inv": 2,
    "pow": 8, "epow": 8,  # base ^ exponent, and dear: expanded powers read worse than factored sums
    "bcast": 0,
}
_CALL = 3  # a function's name and brackets
_BRACKET = 2

# Operators binding tighter than a sum (a sum inside them is bracketed), and tighter than a product.
_OVER_SUM = frozenset({"mul", "had", "hdiv", "T", "inv", "pow", "epow"})
_OVER_PRODUCT = frozenset({"T", "inv", "pow", "epow"})


@lru_cache(maxsize=1 << 16)
def cost(e: Expr) -> int:
    op = e.op
    if op == "const":
        return 2 if isinstance(e.param, Fraction) and e.param.denominator == 1 else 4
    if op == "inv" and e.args[0].op == "T":  # X^-T is one mark
        return _WEIGHT["inv"] + cost(e.args[0].args[0]) + _brackets(e, e.args[0].args[0])
    own = _WEIGHT.get(op)
    if own is None:  # a function call, or kron / vec / diag
        own = _CALL + 2 * (len(e.args) - 1)
    elif op in ("add", "mul", "had", "hdiv"):
        own *= len(e.args) - 1
        if op == "mul" and e.args[0].op == "const" and e.args[0].param == -1:
            own -= 3  # -x is a sign, not the number -1 and a juxtaposition
    return own + sum(cost(a) + _brackets(e, a) for a in e.args)


def _brackets(parent: Expr, child: Expr) -> int:
    """What the brackets around child cost, where the printer needs them."""
    if parent.op in _OVER_SUM and child.op == "add":
        return _BRACKET
    if parent.op in _OVER_PRODUCT and child.op in ("mul", "had", "hdiv", "T", "inv", "pow", "epow"):
        return _BRACKET  # a postfix mark takes a bare operand: (x.^2)^T, (A B)^-1
    if parent.op in ("had", "hdiv") and child.op in ("mul", "had", "hdiv"):
        return _BRACKET
    if parent.op == "mul" and child.op in ("had", "hdiv") and len(parent.args) > 1:
        return _BRACKET
    return 0


# Tokens of key(), ranked as a reader scans them: marks (^T, ^-1) right after their operand,
# then separators, brackets, numbers, names.
_MARK, _SEP, _OPEN, _CLOSE, _NUM, _NAME = range(6)
Token = tuple[int, object]


def _name(text: str) -> Token:
    parts = re.split(r"(\d+)", text)
    return _NAME, tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


@lru_cache(maxsize=1 << 16)
def key(e: Expr) -> tuple[Token, ...]:
    """A deterministic total order on trees, by structure alone."""
    op = e.op
    if op == "var":
        return (_name(e.name),)
    if op == "dvar":
        return (_name("d" + e.name),)
    if op == "const":
        return ((_NUM, float(e.number)),)
    if op == "bcast":
        return key(e.args[0])
    if op == "T":
        return _inner(e, e.args[0]) + ((_MARK, 1),)
    if op == "inv":
        return _inner(e, e.args[0]) + ((_MARK, 2),)
    if op in ("pow", "epow"):
        return _inner(e, e.args[0]) + ((_MARK, 3 if op == "pow" else 4), (_NUM, float(e.number)))
    if op in ("mul", "had", "hdiv", "add"):
        sep: Token = (_SEP, ("mul", "had", "hdiv", "add").index(op))
        out: tuple[Token, ...] = ()
        for i, a in enumerate(e.args):
            out += (sep,) + _inner(e, a) if i else _inner(e, a)
        return out
    head: tuple[Token, ...] = (_name(op), (_OPEN, 0))
    for i, a in enumerate(e.args):
        head += ((_SEP, 9),) + key(a) if i else key(a)
    if not e.args:  # eye(n), ones(m, n): the shape is the argument
        head += tuple((_NUM, float(d)) if isinstance(d, int) else _name(str(d)) for d in e.shape)
    return head + ((_CLOSE, 0),)


def _inner(parent: Expr, child: Expr) -> tuple[Token, ...]:
    """child's key, bracketed where it is bracketed in reading: (x .* y)^T sorts by its bracket."""
    return ((_OPEN, 0),) + key(child) + ((_CLOSE, 0),) if _brackets(parent, child) else key(child)
