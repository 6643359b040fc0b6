"""Named subexpressions: the one choice of what to name, for a result's where clause, the
steps' parts and the locals of generated code (to_name, by a Policy), and the names.

Runs after the simplifier and before the printers. Every choice counts, parents first,
how many times each node is spelled (a named node spells its children once, in its
definition). A result (PROSE) names a node printed more than once where that makes the
output shorter:
    uses * len(text) > uses * len(name) + len(", name = ") + len(text)
with the printed length estimated structurally by simplify/cost.py's measure(), the one model
of printed size (no printing here: a candidate is never rendered whole). A computation
(code, STEPS) names every node it spells twice; code counts its chains as it computes
them (a solve for an inverse), the steps add a function's linear argument (f = X theta).
Names follow the model's style: h1, h2 for activations (h alone when there is one), s for
sigmoid and softmax, u for anything else; never a name the expression uses. The printers
spell `body where h1 = ..., h2 = ...` (plain parses it back).

`assign(nodes, taken)` names any list of nodes in this style; `name(root, taken)` chooses
and names for a result (`Named.where`, children first), `computed(...)` for code, whose
locals take the result's names where both name a node (h1 = tanh(W1 x) in both), and
`parts(f, ...)` for the steps (steps.py), which keep the result's names too and call the
function y and a linear argument f, as the course does.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from matcalc_cli import kinds as K
from matcalc_cli.derive.hvp import matrix_vector
from matcalc_cli.expr import SCALAR, Expr, VarInfo, reading, walk
from matcalc_cli.ops import OPS
from matcalc_cli.respell import chain_of, respelled, shared_transposes, shared_with
from matcalc_cli.simplify.cost import measure
from matcalc_cli.stable import stable

# As short to spell (or compute) twice as to name: never named. S^T is read as S's
# transpose: the name goes to S.
_CHEAP = frozenset({K.VAR, K.DVAR, K.CONST, K.EYE, K.ZEROS, K.ONES, K.SIZE, K.BCAST, K.T})
# Flattened by the builders into a parent of the same op: a name there would not read back
# as the same tree (h1 + c where h1 = a + b is a + b + c).
_FLAT = frozenset({K.ADD, K.HAD, K.MUL})
_NAME = 2  # a name's printed size (simplify/cost.py's, whose model sizes everything here)
_DEFINE = len(", h1 = ")
_MARGIN = 2  # the first definition also pays for the word where
_GAIN = 3  # names must shorten the output by at least this much to be worth reading


@dataclass(frozen=True)
class Policy:
    """What a consumer names, for the one choice of what to name (to_name).

    pays: a name must make the printed output shorter (a result's where clause); else every
    node spelled twice is named, once (a computation: code's locals, the steps' parts).
    short: operations printed in a few characters besides the leaves (K_mn in prose).
    chains: code's products: a chain of matrices solves with its inverses and broadcasts
    its diagonals, so those factors are never computed themselves, their arguments are.
    spelled: how many times the consumer spells an operation's argument (a stable
    logsumexp spells it three times), 1 where absent.
    arguments: the steps' chain rule also names the linear argument of a function
    (f = X theta), however often it occurs.
    """

    pays: bool = False
    short: frozenset[str] = frozenset()
    chains: bool = False
    spelled: Mapping[str, int] = field(default_factory=dict)
    arguments: bool = False


PROSE = Policy(pays=True, short=frozenset({K.COMMUTATION}))
STEPS = Policy(arguments=True)


def code(spelled: Mapping[str, int]) -> Policy:
    """Generated code: every node its printer spells twice is computed once."""
    return Policy(chains=True, spelled=spelled)


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


# The steps' letters for the parts of a derivation by hand: the function is y (y = ...),
# a function's linear argument f (f = X theta), as the course writes them.
FUNCTION = "y"
ARGUMENT = "f"
# A letter's alternatives, in order, for when it is taken or would read as a variable's
# sibling (U1 beside a variable U): the function y, else h, z, q (h = y^T log(s)); an
# argument f, else g, v, w, r; an activation h, else a; a sigmoid or softmax s, else p (the
# probabilities); anything else u, else e (a residual: E = U V^T - R beside R, U, V), r, v, w.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    FUNCTION: ("y", "h", "z", "q"), ARGUMENT: ("f", "g", "v", "w", "r"), "h": ("h", "a"), "s": ("s", "p"),
    "u": ("u", "e", "r", "v", "w")}


def _alternatives(letter: str) -> tuple[str, ...]:
    """letter's alternatives, in its case (U, E, R for a matrix)."""
    if letter in _ALTERNATIVES:
        return _ALTERNATIVES[letter]
    return tuple(a.upper() for a in _ALTERNATIVES.get(letter.lower(), (letter.lower(),)))


def _sibling(letter: str, variables: Collection[str]) -> bool:
    """A name of this letter would read as a variable's sibling: the variable is the letter,
    or the letter and a number or subscript (U1 beside U; h2 beside h1 or h_1)."""
    return any(v == letter or (v.startswith(letter) and (v[len(letter):].isdigit() or v[len(letter)] == "_"))
               for v in variables)


def assign(nodes: Iterable[Expr], taken: Collection[str], letter: Callable[[Expr], str] = prefix,
           variables: Collection[str] = ()) -> dict[Expr, str]:
    """Names for nodes listed children first: h1, h2, ... by letter in that order (the
    bare letter when it names one node), none of them in taken. letter: each node's
    letter (its record's, or a role's: FUNCTION, ARGUMENT); a group whose letter is taken,
    or would read as a sibling of one of variables, takes the first of its alternatives
    that is free."""
    nodes = list(nodes)
    count: dict[str, int] = {}
    for n in nodes:
        count[letter(n)] = count.get(letter(n), 0) + 1
    used = set(taken)
    out: dict[Expr, str] = {}
    index: dict[str, int] = {}
    chosen: dict[str, str] = {}  # a group's letter -> the letter it is named with
    for n in nodes:
        p = letter(n)
        if p not in chosen:
            free = [a for a in _alternatives(p) if a not in used and a not in chosen.values()
                    and not _sibling(a, variables)]
            chosen[p] = free[0] if free else p
        q = chosen[p]
        if count[p] == 1 and q not in used:
            name = q
        else:
            i = index.get(p, 0) + 1
            while f"{q}{i}" in used:
                i += 1
            index[p] = i
            name = f"{q}{i}"
        used.add(name)
        out[n] = name
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
        cost[n] = measure(n, lambda a: _NAME if a in named else cost[a], printed=True)
    return cost


Spelled = Callable[[Expr], Sequence[Expr]]


def _select(order: list[Expr], root: Expr, wanted: Callable[[Expr, int], bool],
            spelled: Spelled = lambda n: n.args) -> tuple[list[Expr], dict[Expr, int]]:
    """The one count of every choice: parents first, how many times each node is spelled
    (root once; a chosen node spells its children once, in its definition, else as often as
    it is spelled itself), and the nodes wanted(node, times) chooses (parents first)."""
    prints: dict[Expr, int] = {root: 1}
    chosen: list[Expr] = []
    for n in reversed(order):  # parents first: a node's count is final when it is reached
        times = prints.get(n, 0)
        here = n is not root and wanted(n, times)
        if here:
            chosen.append(n)
        for a in spelled(n):
            prints[a] = prints.get(a, 0) + (1 if here else times)
    return chosen, prints


def _uses(order: list[Expr], named: Collection[Expr]) -> dict[Expr, int]:
    """How many times each node is printed with the named nodes named."""
    return _select(order, order[-1], lambda n, _: n in named)[1]


def _total(order: list[Expr], named: Collection[Expr]) -> int:
    cost = _costs(order, named)
    return cost[order[-1]] + sum(cost[n] + _DEFINE for n in named) + (_MARGIN if named else 0)


def _cheap(n: Expr, policy: Policy) -> bool:
    """As short to spell twice as to name (or to compute twice as to keep): a leaf, a
    transpose, a number times one (-y)."""
    if n.op == K.MUL and len(n.args) == 2 and n.args[0].op == K.CONST:
        n = n.args[1]
    return n.op in _CHEAP or n.op in policy.short


def is_dense_diag(e: Expr) -> bool:
    """diag(v) of a column vector: an n-by-n matrix with v on its diagonal."""
    return e.op == K.DIAG and e.args[0].shape[1] == 1 and not e.args[0].is_scalar


def explicit(roots: tuple[Expr, ...]) -> frozenset[Expr]:
    """The inverses code needs as matrices: a root, or one outside a chain of matrix
    products (inside one, a solve stands for it)."""
    out: set[Expr] = {r for r in roots if r.op == K.INV}
    for node in walk(_joined(roots)):
        if len(chain_of(node)) < 2:
            out.update(a for a in node.args if a.op == K.INV and not a.is_scalar)
    return frozenset(out)


def _joined(roots: tuple[Expr, ...]) -> Expr:
    """One root over several (a value and its derivative), so that they share their names."""
    return roots[0] if len(roots) == 1 else Expr("results", roots, SCALAR)


def _spelling(policy: Policy, inverses: frozenset[Expr]) -> Spelled:
    """The children a consumer spells, as often as it spells them."""
    def spelled(node: Expr) -> Sequence[Expr]:
        if not policy.chains or len(chain_of(node)) < 2:
            return list(node.args) * policy.spelled.get(node.op, 1)
        return [f.args[0] if is_dense_diag(f) or (f.op == K.INV and f not in inverses and not f.is_scalar) else f
                for f in node.args]
    return spelled


# The operations of a linear function of the variables (X theta, A x + b, x - mu).
_STRUCTURAL = frozenset({K.VAR, K.CONST, K.EYE, K.ONES, K.ZEROS, K.SIZE, K.ADD, K.MUL, K.T, K.BCAST, K.HAD})


def linear(node: Expr) -> bool:
    """Built of structural operations only: the steps' f = X theta."""
    return all(n.op in _STRUCTURAL for n in walk(node))


def _arguments(order: list[Expr]) -> set[Expr]:
    """The linear argument of a function applied entry by entry (or by softmax): f = X theta."""
    return {a for p in order if p.op in OPS and OPS[p.op].names_argument for a in p.args if linear(a)}


def _pays(candidates: Collection[Expr], cost: dict[Expr, int]) -> Callable[[Expr, int], bool]:
    """Named where spelling it k times costs more than the name k times and its definition."""
    return lambda n, k: n in candidates and k >= 2 and k * cost[n] > k * _NAME + _DEFINE + cost[n] + _MARGIN


def to_name(roots: Expr | tuple[Expr, ...], policy: Policy = PROSE, among: Collection[Expr] | None = None,
           ) -> list[Expr]:
    """The nodes of roots that policy names (children first): the one choice behind a
    result's where, the steps' parts and the code's locals. among: only these may be named."""
    roots = roots if isinstance(roots, tuple) else (roots,)
    root = _joined(roots)
    order = walk(root)
    flat_child = {a for n in order if n.op in _FLAT for a in n.args if a.op == n.op} if policy.pays else set()
    candidates = {n for n in order if not _cheap(n, policy) and n is not root and n not in flat_child
                  and (among is None or n in among) and not (policy.pays and _decorated_leaf(n))}
    if not candidates:
        return []
    if not policy.pays:
        inverses = explicit(roots) if policy.chains else frozenset()
        arguments = _arguments(order) if policy.arguments else set()
        computed, _ = _select(order, root, lambda n, k: n in candidates and (k >= 2 or n in arguments),
                              _spelling(policy, inverses))
        return computed[::-1]
    named: set[Expr] = set()
    for _ in range(6):  # names shorten their parents, which may then not pay: to a fixpoint
        chosen = set(_select(order, root, _pays(candidates, _costs(order, named)))[0])
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


def _names(nodes: list[Expr], roots: tuple[Expr, ...], taken: Collection[str], kept: Mapping[Expr, str],
           letter: Callable[[Expr], str] = prefix) -> dict[Expr, str]:
    """nodes' names: kept's where given, the others in the model's style (assign), none of
    them taken, kept's, a variable's or a dimension's of the roots."""
    reserved = set(taken) | set(kept.values())
    variables: set[str] = set()
    for n in walk(_joined(roots)):
        if n.op in (K.VAR, K.DVAR):
            variables.add(n.name)
        reserved.update(d for d in n.shape if isinstance(d, str))
    named = assign([n for n in nodes if n not in kept], reserved | variables, letter, variables)
    return {**named, **{n: kept[n] for n in nodes if n in kept}}


def parts(f: Expr, among: Collection[Expr], given: Mapping[Expr, str] | None = None) -> dict[Expr, str]:
    """The steps' names (steps.py): the parts of f that STEPS names among (the nodes that
    depend on the variable) and the parts given names (the input's where clause, the
    result's names), each called by its given name; children first, then f itself. The
    others in the model's style (s = sigmoid(f)), f's linear arguments ARGUMENT's and f
    FUNCTION's, none of them a variable's, a dimension's or a given name."""
    given = given or {}
    users = {n: v for n, v in given.items() if n in among}  # f too: s = sigmoid(f), as the result has s
    order = walk(f)
    chosen = set(to_name(f, STEPS, among=among)) | users.keys()
    nodes = [n for n in order if n in chosen and n is not f]
    role = {n: ARGUMENT for n in nodes if linear(n) and n not in users} | {f: FUNCTION}
    # The function first (it takes y before an activation could), then the arguments.
    ranked = sorted([f, *nodes], key=lambda n: (n is not f, n not in role))
    names = _names(ranked, (f,), given.values(), users, lambda n: role.get(n) or prefix(n))
    return {n: names[n] for n in [*nodes, f]}


def name(root: Expr, taken: Collection[str] = (), given: dict[Expr, str] | None = None) -> Named:
    """Choose what to name in root and name it; taken: names not to use (the variables
    and dimension names are added here); given: the input's own names (its where clause),
    kept for the nodes the result prints."""
    root = shared_transposes(root)
    order = walk(root)
    present = set(order)
    kept = {n: v for n, v in (given or {}).items() if n is not root and n in present}
    chosen = set(to_name(root)) | kept.keys()
    # Defined, and numbered, in the order the result is read (h1 the first met), each
    # after the names it uses: not the tree's order, whose denominators print last.
    nodes = [n for n in reading(root) if n in chosen]
    if not nodes:
        return Named(root, ())
    names = _names(nodes, (root,), taken, kept)
    placeholders = {n: Expr("var", (), n.shape, VarInfo(names[n])) for n in nodes}
    # A node's spelling with the names below it, shared by the body and every definition
    # (a definition is its node's op over those spellings).
    spelled = respelled(order, placeholders)
    body = placeholders.get(root, spelled[root])
    return Named(body, tuple((names[n], spelled[n]) for n in nodes), tuple(nodes))


@dataclass(frozen=True)
class Computed:
    """What generated code prints: the derivative and the value (--with-value) as it
    computes them, its locals (name, node; children first) and the inverses it needs as
    matrices (the others are solves)."""

    derivative: Expr
    value: Expr | None
    where: tuple[tuple[str, Expr], ...]
    explicit: frozenset[Expr]


def spelled_in(backend: str) -> dict[str, int]:
    """How many times a backend's spelling of each function writes its argument (its record's)."""
    return {name: op.spelled(backend).count("{0}") for name, op in OPS.items() if op.called}


def computed(derivative: Expr, value: Expr | None, backend: str, given: dict[Expr, str] | None = None,
             ) -> Computed:
    """What code for backend (numpy, torch, jax) computes once, and the names: given's (the
    result's names) for the nodes it names too, so that a local and the result's where
    clause agree; the others in the same style, none of given's. Code computes the stable
    forms (stable.py: log(1 + exp(u)) as softplus(u))."""
    derivative = matrix_vector(stable(derivative))
    value = None if value is None else matrix_vector(shared_with(stable(value), derivative))
    roots = (derivative,) if value is None else (value, derivative)
    nodes = to_name(roots, code(spelled_in(backend)))
    names = _names(nodes, roots, (given or {}).values(), {n: v for n, v in (given or {}).items() if n in nodes})
    return Computed(derivative, value, tuple((names[n], n) for n in nodes), explicit(roots))
