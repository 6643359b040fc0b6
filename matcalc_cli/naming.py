"""Named subexpressions of a result: which parts of the (simplified) DAG to name, and
their names, so that the output grows like the model and not like its expansion.

Runs after the simplifier and before the printers. A node is named when it is printed
more than once and naming it makes the output shorter:
    uses * len(text) > uses * len(name) + len(", name = ") + len(text)
with the printed length estimated structurally by simplify/cost.py's size(), the one model
of printed size (no printing here: a candidate is never rendered whole). Names follow the
model's style: h1, h2 for activations (h alone when there is one), s for sigmoid and
softmax, u for anything else; never a name the expression uses. The printers spell
`body where h1 = ..., h2 = ...` (plain parses it back).

For other printers (the code formats): `assign(nodes, taken)` names any list of nodes in
this style, `name(root, taken)` chooses and names (`Named.where`, children first).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, VarInfo, walk
from matcalc_cli.ops import OPS
from matcalc_cli.simplify.cost import key, size
from matcalc_cli.simplify.normal import transpose

# Spelled in a few characters: naming them never pays.
_CHEAP = frozenset({K.VAR, K.DVAR, K.CONST, K.EYE, K.ZEROS, K.ONES, K.SIZE, K.COMMUTATION, K.BCAST})
# Flattened by the builders into a parent of the same op: a name there would not read back
# as the same tree (h1 + c where h1 = a + b is a + b + c).
_FLAT = frozenset({K.ADD, K.HAD, K.MUL})
_NAME = 2  # a name's printed size (simplify/cost.py's, whose model sizes everything here)
_DEFINE = len(", h1 = ")
_MARGIN = 2  # the first definition also pays for the word where
_GAIN = 3  # names must shorten the output by at least this much to be worth reading


@dataclass(frozen=True)
class Named:
    """The result with each named node replaced by a variable of its name (body), and the
    definitions, each in terms of the earlier ones."""

    body: Expr
    where: tuple[tuple[str, Expr], ...]
    nodes: tuple[Expr, ...] = ()  # each definition's node, as the result has it (no names in it)


def prefix(node: Expr) -> str:
    """The letter of a name in the model's style (its record's), capital for a matrix: S = softmax(Q K^T)."""
    letter = OPS[node.op].letter
    return letter.upper() if 1 not in node.shape else letter


def assign(nodes: Iterable[Expr], taken: Collection[str]) -> dict[Expr, str]:
    """Names for nodes listed children first: h1, h2, ... by letter in that order (the
    bare letter when it names one node), none of them in taken."""
    nodes = list(nodes)
    count: dict[str, int] = {}
    for n in nodes:
        count[prefix(n)] = count.get(prefix(n), 0) + 1
    used = set(taken)
    out: dict[Expr, str] = {}
    index: dict[str, int] = {}
    for n in nodes:
        p = prefix(n)
        if count[p] == 1 and p not in used:
            name = p
        else:
            i = index.get(p, 0) + 1
            while f"{p}{i}" in used:
                i += 1
            index[p] = i
            name = f"{p}{i}"
        used.add(name)
        out[n] = name
    return out


def _distinct(root: Expr) -> list[Expr]:
    """Distinct nodes by value, children first."""
    seen: set[Expr] = set()
    out = []
    for n in walk(root):
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def _decorated_leaf(n: Expr) -> bool:
    """Sigma^-1, A^T, x.^2, sqrt(d) of a scalar d: read at a glance, never worth a name."""
    if n.is_scalar and len(n.args) == 1 and n.args[0].op in (K.VAR, K.CONST):
        return True
    while n.op in (K.T, K.INV, K.POW, K.EPOW):
        n = n.args[0]
    return n.op in _CHEAP


def _costs(order: list[Expr], named: Collection[Expr]) -> dict[Expr, int]:
    """Each node's printed size with the named nodes below it printed as names."""
    cost: dict[Expr, int] = {}
    for n in order:
        cost[n] = size(n, lambda a: _NAME if a in named else cost[a], printed=True)
    return cost


def _uses(order: list[Expr], named: Collection[Expr]) -> dict[Expr, int]:
    """How many times each node is printed: once in its definition when named, else as
    often as its parents print it."""
    uses: dict[Expr, int] = {order[-1]: 1}
    for n in reversed(order):  # parents first
        times = 1 if n in named else uses.get(n, 0)
        for a in n.args:
            uses[a] = uses.get(a, 0) + times
    return uses


def _total(order: list[Expr], named: Collection[Expr]) -> int:
    cost = _costs(order, named)
    return cost[order[-1]] + sum(cost[n] + _DEFINE for n in named) + (_MARGIN if named else 0)


def choose(root: Expr) -> list[Expr]:
    """The nodes worth naming, children first."""
    order = _distinct(root)
    flat_child = {a for n in order if n.op in _FLAT for a in n.args if a.op == n.op}
    # S^T is read as S's transpose: the name goes to S.
    candidates = {n for n in order if n.op not in _CHEAP and n.op != K.T and n not in flat_child
                  and n is not root and not _decorated_leaf(n)}
    if not candidates:
        return []
    named: set[Expr] = set()
    for _ in range(6):  # names shorten their parents, which may then not pay: to a fixpoint
        cost = _costs(order, named)
        uses: dict[Expr, int] = {root: 1}
        chosen: set[Expr] = set()
        for n in reversed(order):  # parents first: a node's count of uses is final when reached
            times = uses.get(n, 0)
            here = n in candidates and times >= 2 and times * cost[n] > times * _NAME + _DEFINE + cost[n] + _MARGIN
            if here:
                chosen.add(n)
            for a in n.args:
                uses[a] = uses.get(a, 0) + (1 if here else times)
        if chosen == named:
            break
        named = chosen
    # In the model's style every repeated activation has its name (h1, h2, ... for each
    # layer), when the output stays shorter than without names.
    expanded = _total(order, ())
    repeated = _uses(order, named)
    layers = {n for n in candidates if OPS[n.op].letter != "u" and repeated.get(n, 0) >= 2}
    if layers - named and _total(order, named | layers) < expanded:
        named |= layers
    for _ in range(len(named)):  # a name printed once saves nothing
        once = {n for n, k in _uses(order, named).items() if n in named and k < 2}
        if not once:
            break
        named -= once
    if _total(order, named) > expanded - _GAIN:
        named = set()
    # u u^T where u = eigvec_max(X): the textbook names an eigenvector even where that is no shorter.
    named |= {n for n, k in _uses(order, named).items() if n in candidates and OPS[n.op].always_named and k >= 2}
    return [n for n in order if n in named]


def _spelled_transposed(t: Expr, n: Expr) -> bool:
    """Of a sum t and its transpose n, t is the one to spell n^T: a row beside a column, else
    the later by key (one of the pair, whichever of them is met first)."""
    if 1 in t.shape:
        return t.shape[0] == 1
    return key(t) > key(n)


def _transposed_sums(root: Expr) -> Expr:
    """A sum printed beside its own transpose, u = x - mean(x) and x^T - mean(x), is spelled
    u^T there, so that one name can serve both. (The simplifier pushes transposes into
    sums where that is shorter; only here is it known that the sum occurs untransposed.)"""
    order = _distinct(root)
    sums = {n for n in order if n.op == K.ADD and not n.is_scalar}
    flipped: dict[Expr, Expr] = {}
    for n in (n for n in order if n in sums):  # in the tree's order: nodes hash by identity
        t = transpose(n)
        if t != n and t in sums and not {t, n} & flipped.keys() and _spelled_transposed(t, n):
            flipped[t] = n
    swap = {t: E.T(n) for t, n in flipped.items()}
    swap.update(_transposed_inverses(order))
    if not swap:
        return root
    return swap.get(root, _respelled(order, swap)[root])


def _transposed_inverses(order: list[Expr]) -> dict[Expr, Expr]:
    """Likewise M^-T beside M^-1 is spelled (M^-1)^T, U^T for U = M^-1, and a quadratic form
    x^T M^-T x is x^T M^-1 x (a scalar is its own transpose): one name serves both."""
    present = set(order)

    def plain_inverse(f: Expr) -> bool:
        return f.op == K.INV and f.args[0].op == K.T and E.inv(f.args[0].args[0]) in present

    swap: dict[Expr, Expr] = {}
    for n in order:
        if plain_inverse(n):
            swap[n] = E.T(E.inv(n.args[0].args[0]))
        elif n.op == K.MUL and n.is_scalar and any(plain_inverse(f) for f in n.args):
            scalars = [f for f in n.args if f.is_scalar]
            chain = [transpose(f) for f in reversed(n.args) if not f.is_scalar]
            if not any(f.op == K.INV and f.args[0].op == K.T for f in chain):
                swap[n] = E.mul(*scalars, *chain)
    return swap


def _respelled(order: list[Expr], swap: dict[Expr, Expr]) -> dict[Expr, Expr]:
    """Each node of order (children first) with every argument that is a key of swap
    replaced by its value, below as above: one pass, the spellings shared."""
    spelled: dict[Expr, Expr] = {}
    for n in order:
        args = tuple(swap.get(a, spelled[a]) for a in n.args)
        same = all(x is a for x, a in zip(args, n.args, strict=True))
        spelled[n] = n if same else Expr(n.op, args, n.shape, n.param)
    return spelled


def name(root: Expr, taken: Collection[str] = (), given: dict[Expr, str] | None = None) -> Named:
    """Choose what to name in root and name it; taken: names not to use (the variables
    and dimension names are added here); given: the input's own names (its where clause),
    kept for the nodes the result prints."""
    root = _transposed_sums(root)
    order = _distinct(root)
    present = set(order)
    kept = {n: v for n, v in (given or {}).items() if n is not root and n in present}
    chosen = set(choose(root)) | kept.keys()
    nodes = [n for n in order if n in chosen]
    if not nodes:
        return Named(root, ())
    reserved = set(taken) | set(kept.values())
    for n in order:
        if n.op in (K.VAR, K.DVAR):
            reserved.add(n.name)
        reserved.update(d for d in n.shape if isinstance(d, str))
    names = {**assign([n for n in nodes if n not in kept], reserved), **kept}
    placeholders = {n: Expr("var", (), n.shape, VarInfo(names[n])) for n in nodes}
    # A node's spelling with the names below it, shared by the body and every definition
    # (a definition is its node's op over those spellings).
    spelled = _respelled(order, placeholders)
    body = placeholders.get(root, spelled[root])
    return Named(body, tuple((names[n], spelled[n]) for n in nodes), tuple(nodes))
