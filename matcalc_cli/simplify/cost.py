"""One structural cost and one structural order, both read off the tree (no printer).

cost() says which of two equal expressions a textbook would print: every node
counts by its kind, brackets count where a sum or a product sits inside a tighter
operator, and powers count dear, so that `s .* (1 - s)` beats `s - s.^2` and
`x^T (A + A^T)` beats `x^T A + x^T A^T`. Ties are broken by key(). measure() is that
model with a node's size given from outside: naming.py measures a tree with names in it
by it, counting characters where the simplifier weighs by kind.

key() orders the terms of a sum and the factors of commutative products: numbers
before names, names compared with their digits as numbers (A2 before A10), A^T
right after A, and a function by its name, then its argument.

choose() is the one place the simplifier chooses among equal spellings, by rank() (cost,
then key): the modules that know alternatives offer them as candidates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import lru_cache
from typing import TypeVar

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, Written
from matcalc_cli.ops import OPS

# Each node's own weight is its record's (ops.base.Op.weight), in halves of a plain name (a name
# costs 2); a call without one costs its name and brackets, and 2 for each further argument.
_CALL = 3
_BRACKET = 2

# Operators binding tighter than a sum (a sum inside them is bracketed), and tighter than a product.
_OVER_SUM = frozenset({K.MUL, K.HAD, K.HDIV, K.T, K.INV, K.POW, K.EPOW})
_OVER_PRODUCT = frozenset({K.T, K.INV, K.POW, K.EPOW})


def cost(e: Expr) -> int:
    """e's cost, memoised on each node (nodes are hash-consed: a subtree shared by many
    candidates is scored once). Iterative, so a deep model needs no deep stack."""
    c = e._cost
    return c if c is not None else _memoised(e, "_cost", _own_cost)  # type: ignore[return-value]


def _memoised(e: Expr, slot: str, own: Callable[[Expr], object]) -> object:
    """Fill a memo slot of e and of every node below it that lacks it, children first
    (own reads the arguments' slots), without recursion: a deep model needs no deep stack."""
    stack = [e]
    while stack:
        node = stack[-1]
        pending = [a for a in node.args if getattr(a, slot) is None]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if getattr(node, slot) is None:
            object.__setattr__(node, slot, own(node))
    return getattr(e, slot)


def _own_cost(e: Expr) -> int:
    """e's cost, its arguments' costs known."""
    return measure(e, cost)


def measure(e: Expr, of: Callable[[Expr], int], printed: bool = False) -> int:
    """e's size, given the size of each argument by of: cost() for the tree as it is, and
    naming.py's for a tree with names in it. The one model of printed size: what a node adds
    to its arguments, and the brackets the printer puts around them. The simplifier weighs
    a node by its record (its choice is one of taste: a power costs dear, so that
    s .* (1 - s) beats s - s.^2, and sigmoid(u) is one call however long its name); printed
    (naming's measure) counts the characters it prints, since a name is worth giving only
    where it shortens the text."""
    if e.op == K.INV and e.args[0].op == K.T:  # X^-T is one mark
        inner = e.args[0].args[0]
        return _own(e, printed) + of(inner) + _BRACKET * brackets(e, inner)
    return _own(e, printed) + sum(of(a) + _BRACKET * brackets(e, a) for a in e.args)


def _own(e: Expr, printed: bool) -> int:
    """What e adds to its arguments: its record's weight, or with printed its characters."""
    op = e.op
    if printed:
        return _printed(e)
    if op == K.CONST:
        if isinstance(e.number, Written):  # a product of written numbers costs what it prints
            return 4 * len(e.number.parts)
        return 2 if isinstance(e.number, Fraction) and e.number.denominator == 1 else 4
    own = OPS[op].weight
    if own is None:  # a function call, or kron / vec / diag
        return _CALL + 2 * (len(e.args) - 1)
    if op in (K.ADD, K.MUL, K.HAD, K.HDIV):
        own *= len(e.args) - 1
        if op == K.MUL and e.args[0].op == K.CONST and e.args[0].number == -1:
            own -= 3  # -x is a sign, not the number -1 and a juxtaposition
    return own


# The characters the plain printer puts between or after an operator's arguments.
_SPELLED = {K.ADD: 3, K.MUL: 1, K.HAD: 4, K.HDIV: 4, K.KRON: 3, K.T: 2, K.INV: 3}


def _printed(e: Expr) -> int:
    op = e.op
    if op in (K.VAR, K.DVAR):
        return len(e.name) + (op == K.DVAR)
    if op in (K.CONST, K.POW, K.EPOW):
        v = e.number
        text = v.text if isinstance(v, Written) else str(  # 0.3 prints 0.3, not 3/10
            v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v)
        return len(text) + (0 if op == K.CONST else len(op) - 2)  # x^2, x.^2
    if op in _SPELLED:
        return _SPELLED[op] * max(1, len(e.args) - 1)
    return len(op) + 2 * max(1, len(e.args))  # a call: its name, brackets, commas; eye(n)


def brackets(parent: Expr, child: Expr) -> bool:
    """Whether the printer brackets child inside parent."""
    if parent.op in _OVER_SUM and child.op == K.ADD:
        return True
    if parent.op in _OVER_PRODUCT and child.op in (K.MUL, K.HAD, K.HDIV, K.T, K.INV, K.POW, K.EPOW):
        return True  # a postfix mark takes a bare operand: (x.^2)^T, (A B)^-1
    if parent.op in (K.HAD, K.HDIV) and child.op in (K.MUL, K.HAD, K.HDIV):
        return True
    return parent.op == K.MUL and child.op in (K.HAD, K.HDIV) and len(parent.args) > 1


# Tokens of key(), ranked as a reader scans them: marks (^T, ^-1) right after their operand,
# then separators, brackets, numbers, names.
_MARK, _SEP, _OPEN, _CLOSE, _NUM, _NAME = range(6)
Token = tuple[int, object]


class Key:
    """A sequence of tokens, compared lexicographically, held as a tree: a node's key is its
    own tokens around its arguments' keys, shared, not copied. The order is that of the
    flat token sequences (a prefix sorts first), while a deep model's keys take memory linear
    in its size, and comparing two keys skips a shared subtree in one step."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Token | Key, ...]) -> None:
        self.parts = parts

    def tokens(self) -> tuple[Token, ...]:
        """The flat sequence (for hashing and for reading; comparisons never build it)."""
        out: list[Token] = []
        stack: list[Token | Key] = [self]
        while stack:
            p = stack.pop()
            if isinstance(p, Key):
                stack.extend(reversed(p.parts))
            else:
                out.append(p)
        return tuple(out)

    def __repr__(self) -> str:
        return f"Key({self.tokens()!r})"

    def __hash__(self) -> int:
        return hash(self.tokens())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and _compare(self, other) == 0

    def __lt__(self, other: Key) -> bool:
        return _compare(self, other) < 0

    def __le__(self, other: Key) -> bool:
        return _compare(self, other) <= 0

    def __gt__(self, other: Key) -> bool:
        return _compare(self, other) > 0

    def __ge__(self, other: Key) -> bool:
        return _compare(self, other) >= 0


# The last comparison made: a tuple (cost, key) compares its keys for == and then for <.
# One tuple, replaced whole, so that a thread reads a consistent (a, b, answer).
_last: tuple[object, object, int] = (None, None, 0)
# Pairs of keys whose first difference lies inside both, by their ids (the entry keeps them
# alive, so an id stays theirs). The keys of f(f(f(x))) and f(f(x)) differ only deep down;
# sorting a deep model's terms compares such neighbours again and again, one level apart.
# Emptied by forget() after each simplification, and whenever it grows past a bound.
_STRICT: dict[tuple[int, int], tuple[Key, Key, int]] = {}
_STRICT_MAX = 1 << 16


def forget() -> None:
    """Drop the memo of compared keys (the engine calls it when a simplification ends, so
    that a long batch keeps no keys of finished jobs)."""
    global _last
    _STRICT.clear()
    _last = (None, None, 0)


def _compare(a: Key, b: Key) -> int:
    """-1, 0 or 1 as a's tokens sort before, with or after b's."""
    global _last
    if a is b:
        return 0
    la, lb, lr = _last
    if la is a and lb is b:
        return lr
    r = _walk(a, b)
    _last = (a, b, r)
    return r


def _walk(a: Key, b: Key) -> int:
    """Each side is a cursor: a stack of (parts, position). Where both cursors stand at the
    same shared key, both skip it; where they stand at two keys compared before, whose
    difference lay inside both, that answer is the answer."""
    fa: list[tuple[Token | Key, ...]] = [a.parts]
    fb: list[tuple[Token | Key, ...]] = [b.parts]
    ia, ib = [0], [0]
    # The pairs of keys both cursors entered together and are still inside: (x, y, depths).
    both: list[tuple[Key, Key, int, int]] = [(a, b, 1, 1)]
    strict = _STRICT
    while True:
        while fa and ia[-1] == len(fa[-1]):
            fa.pop()
            ia.pop()
            while both and both[-1][2] > len(fa):
                both.pop()
        while fb and ib[-1] == len(fb[-1]):
            fb.pop()
            ib.pop()
            while both and both[-1][3] > len(fb):
                both.pop()
        if not fa or not fb:
            return bool(fa) - bool(fb)  # the shorter is a prefix of the longer: it sorts first
        x, y = fa[-1][ia[-1]], fb[-1][ib[-1]]
        if x is y:
            ia[-1] += 1
            ib[-1] += 1
            continue
        kx, ky = type(x) is Key, type(y) is Key
        if kx and ky:
            known = strict.get((id(x), id(y)))
            if known is not None:
                return _learn(both, known[2])
            ia[-1] += 1
            ib[-1] += 1
            fa.append(x.parts)  # type: ignore[union-attr]
            fb.append(y.parts)  # type: ignore[union-attr]
            ia.append(0)
            ib.append(0)
            both.append((x, y, len(fa), len(fb)))  # type: ignore[arg-type]
        elif kx:
            ia[-1] += 1
            fa.append(x.parts)  # type: ignore[union-attr]
            ia.append(0)
        elif ky:
            ib[-1] += 1
            fb.append(y.parts)  # type: ignore[union-attr]
            ib.append(0)
        elif x != y:
            return _learn(both, -1 if x < y else 1)  # type: ignore[operator]
        else:
            ia[-1] += 1
            ib[-1] += 1


def _learn(both: list[tuple[Key, Key, int, int]], r: int) -> int:
    """The difference was found inside each pair still entered: remember it for them."""
    if len(_STRICT) > _STRICT_MAX:
        _STRICT.clear()
    for x, y, _, _ in both:
        _STRICT[id(x), id(y)] = (x, y, r)
        _STRICT[id(y), id(x)] = (y, x, -r)
    return r


@lru_cache(maxsize=1 << 12)
def _name(text: str) -> Token:
    """A name's token, one object per name (so that equal tokens are mostly the same object)."""
    parts = re.split(r"(\d+)", text)
    return _NAME, tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def key(e: Expr) -> Key:
    """A deterministic total order on trees, by structure alone; memoised on each node, and
    built without recursion, as cost() is."""
    k = e._key
    return (k if k is not None else _memoised(e, "_key", _own_key))  # type: ignore[return-value]


@lru_cache(maxsize=1 << 10)
def _number(value: float) -> Token:
    return _NUM, value


_OPEN_TOKEN: Token = (_OPEN, 0)
_CLOSE_TOKEN: Token = (_CLOSE, 0)
_MARKS: dict[str, Token] = {K.T: (_MARK, 1), K.INV: (_MARK, 2), K.POW: (_MARK, 3), K.EPOW: (_MARK, 4)}
_SEPS: dict[str, Token] = {op: (_SEP, i) for i, op in enumerate((K.MUL, K.HAD, K.HDIV, K.ADD))}
_ARG_SEP: Token = (_SEP, 9)


def _own_key(e: Expr) -> Key:
    """e's key, its arguments' keys known."""
    op = e.op
    if op == K.VAR:
        return Key((_name(e.name),))
    if op == K.DVAR:
        return Key((_name("d" + e.name),))
    if op == K.CONST:
        return Key((_number(float(e.number)),))
    if op == K.BCAST:
        return e.args[0]._key  # type: ignore[return-value]
    if op in (K.T, K.INV):
        return Key((*_inner(e, e.args[0]), _MARKS[op]))
    if op in (K.POW, K.EPOW):
        return Key((*_inner(e, e.args[0]), _MARKS[op], _number(float(e.number))))
    parts: list[Token | Key] = []
    if op in _SEPS:
        sep = _SEPS[op]
        for i, a in enumerate(e.args):
            if i:
                parts.append(sep)
            parts.extend(_inner(e, a))
        return Key(tuple(parts))
    parts += [_name(op), _OPEN_TOKEN]
    for i, a in enumerate(e.args):
        if i:
            parts.append(_ARG_SEP)
        parts.append(a._key)  # type: ignore[arg-type]
    if not e.args:  # eye(n), ones(m, n): the shape is the argument
        parts += [_number(float(d)) if isinstance(d, int) else _name(str(d)) for d in e.shape]
    parts.append(_CLOSE_TOKEN)
    return Key(tuple(parts))


def _inner(parent: Expr, child: Expr) -> tuple[Token | Key, ...]:
    """child's key, bracketed where it is bracketed in reading: (x .* y)^T sorts by its bracket."""
    k: Key = child._key  # type: ignore[assignment]
    return (_OPEN_TOKEN, k, _CLOSE_TOKEN) if brackets(parent, child) else (k,)


def rank(e: Expr) -> tuple[int, Key]:
    """The one order in which the simplifier chooses between equal trees: cost, then key."""
    return cost(e), key(e)


_D = TypeVar("_D")


def cheapest(candidates: Iterable[Expr], default: _D) -> Expr | _D:
    """The candidate a textbook prints, by rank() (cost, then key; of equals, the first);
    default if there is none."""
    return min(candidates, key=rank, default=default)


def choose(incumbent: Expr, candidates: Iterable[Expr], *, by_cost: bool = False) -> Expr:
    """The simplifier's one choice among equal spellings: the cheapest candidate by rank()
    (cost, then key) where it ranks before incumbent; else incumbent (a choice never
    lengthens). Every module that weighs spellings offers them here and compares no costs
    itself (tests/test_simplify_cost.py holds it): the engine for a rule's candidates, the
    canonicaliser, the elementwise algebra, finish.

    by_cost: only a lower cost replaces incumbent; at equal cost the spelling in hand stays,
    whatever the order says. For a change that is made where it is shorter, not merely
    ordered first: a transpose pushed through a sum, an inverse spelled X^-T, a transposed
    sum spread term by term, a rule guarded `shorter`."""
    best = cheapest(candidates, incumbent)
    if by_cost:
        return best if cost(best) < cost(incumbent) else incumbent
    return best if rank(best) < rank(incumbent) else incumbent
