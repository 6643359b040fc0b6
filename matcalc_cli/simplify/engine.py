"""The engine: the rules of rules.py applied bottom-up, then the elementwise algebra,
to a true fixpoint, then the final rules once. A rewrite that never settles stops at a
generous bound, loudly."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from contextvars import ContextVar

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import rebuild
from matcalc_cli.simplify.algebra import simplified_regions
from matcalc_cli.simplify.cost import cheapest, choose, forget
from matcalc_cli.simplify.normal import filled
from matcalc_cli.simplify.rules import FINAL, PAIR_RULES, REGION, Rule, rules_for

BOUND = 64  # passes; textbook derivatives settle in two or three

Step = tuple[str, Expr, Expr]  # (rule name, before, after)
_trace: ContextVar[list[Step] | None] = ContextVar("simplify_trace", default=None)


class ShapeChanged(AssertionError):
    """A rule rewrote a node as one of another shape (ones-numerator once turned the n×n
    diag(ones(n) ./ t) into the 1×1 t^-1): an internal error, never a derivative."""


class NoFixpoint(RuntimeWarning):
    """The rules did not settle within BOUND passes: a pair of rules undo each other."""


def simplify(e: Expr, steps: list[Step] | None = None) -> Expr:
    """Textbook form; simplifying the result again changes nothing. With a list for steps,
    each rewrite that fired is appended to it as (rule name, before, after)."""
    token = _trace.set(steps) if steps is not None else None
    try:
        e = _settle(e)
        for _ in range(BOUND):
            again = _settle(_elementwise(e))
            if again == e:
                return filled(_presented(e))
            e = again
        warnings.warn(f"the simplifier stopped after {BOUND} rounds", NoFixpoint, stacklevel=2)
        return filled(_presented(e))
    finally:
        forget()
        if token is not None:
            _trace.reset(token)


def _elementwise(e: Expr) -> Expr:
    fired: list[str] = []
    out = simplified_regions(e, REGION, fired)
    trace = _trace.get()
    if trace is not None and out != e:
        trace.extend((name, e, out) for name in [*fired, "elementwise-algebra"])
    return out


def _settle(e: Expr) -> Expr:
    """canon() to its fixpoint. Two spellings of equal cost that rules turn into each other
    (tr(P^-1 W P^-1 W) and tr(P^-T W P^-T W) for a symmetric W) are a cycle: its cheapest
    member, by cost and then key, is the result, whichever member the walk started from."""
    seen: dict[Expr, int] = {e: 0}
    order = [e]
    for _ in range(BOUND):
        again = canon(e)
        if again == e:
            return e
        if again in seen:
            return cheapest(order[seen[again]:], again)
        seen[again] = len(order)
        order.append(again)
        e = again
    warnings.warn(f"the rewrite rules did not settle in {BOUND} passes", NoFixpoint, stacklevel=3)
    return e


def canon(root: Expr) -> Expr:
    """One bottom-up pass: each node, its arguments rewritten, gets its first rule that applies.
    A rule that weighs spellings by cost (a choice, or one guarded `shorter`) waits for a pass in
    which the node's arguments are settled (came through the pass before unchanged): weighed
    against a half-rewritten argument it would choose by the path taken, and equal inputs would
    reach different fixpoints (the printed derivative of sqrt(sqrt(exp(tanh(t))))^t by t twice
    read back as another tree: (16 b^2 c^2)^-1 not yet 1/(16 b^2 c^2) made distribute-to-collect
    look shorter)."""
    memo: dict[int, tuple[Expr, bool]] = {}
    for node in E.walk(root):
        if not node.args:
            memo[id(node)] = (node, True)
            continue
        done = [memo[id(a)] for a in node.args]
        if node.op == K.INV and node.args[0].op == K.T:
            done = [_inverse_transposed(done[0], memo[id(node.args[0].args[0])])]
        settled = all(s for _, s in done)
        out = rewrite(rebuild(node, [a for a, _ in done]), weigh=settled)
        memo[id(node)] = (out, settled and out == node)
    return memo[id(root)][0]


def _inverse_transposed(pushed: tuple[Expr, bool], inner: tuple[Expr, bool]) -> tuple[Expr, bool]:
    """The argument of an X^-T, inv(X^T): X^-T is one mark (cost.measure), so its transpose is
    pushed into a sum X (the transpose rule, which cannot see the inverse above it)
    only where the inverse of the result is the cheaper. Else inverse-transposed-sum would take
    it back out in the next pass, and the two spellings would alternate for ever: (A + x x^T)^-T
    and (A^T + x x^T)^-1 did (#18), and a rule that weighs costs above them never fired."""
    held = E.T(inner[0])
    if pushed[0] == held or inner[0].op != K.ADD:
        return pushed
    best = choose(E.inv(pushed[0]), [E.inv(held)])
    return (held, inner[1]) if best.args[0] == held else pushed


def _presented(root: Expr) -> Expr:
    """The final rules applied bottom-up, once, to the settled tree: inverse-transposed's
    (A X)^-T for (X^T A^T)^-1, where shorter. In the loop the transpose rule, which cannot see
    the inverse above it, pushed the ^T back into the product, and the two spellings alternated
    (det(A X) by X). Held in the loop as for a sum, the ^T hid pairs from the loop's rules
    (A^T (W A^T)^-1 is W^-1): ((A W)^-T)^3 by W cost 148, not 133. Simplified again, a result
    is pushed and presented the same way."""
    memo: dict[int, Expr] = {}
    for node in E.walk(root):
        out = rebuild(node, [memo[id(a)] for a in node.args]) if node.args else node
        memo[id(node)] = _rewrite(out, rules=FINAL.get(out.op, ()))
    return memo[id(root)]


# rewrite is a pure function of a node (nodes are hash-consed): a node met again, in the
# pass that confirms a fixpoint, in the next pass, or in the next job of a batch, is looked
# up. Bounded; bypassed while steps are recorded (they need each rule that fires).
_REWRITTEN: dict[tuple[Expr, bool], Expr] = {}
_REWRITTEN_MAX = 1 << 15


def rewrite(node: Expr, weigh: bool = True) -> Expr:
    """The first rule of node's kind whose guard holds and whose result is a different tree
    (and, for a rule guarded `shorter`, cheaper by the one structural cost); without weigh, the
    rules that weigh spellings by cost are passed over."""
    if _trace.get() is not None:
        return _rewrite(node, weigh)
    out = _REWRITTEN.get((node, weigh))
    if out is None:
        if len(_REWRITTEN) >= _REWRITTEN_MAX:
            _REWRITTEN.clear()
        out = _REWRITTEN[node, weigh] = _rewrite(node, weigh)
    return out


def _rewrite(node: Expr, weigh: bool = True, rules: tuple[Rule, ...] | None = None) -> Expr:
    for rule in rules_for(node.op) if rules is None else rules:
        if not weigh and (rule.shorter or rule.choices is not None):
            continue
        if rule.guard(node):
            out = rule.result(node) if rule.choices is None else choose_settled(node, rule.choices(node, joined))
            if out.shape != node.shape:  # a rule's defect: stop rather than answer wrong
                raise ShapeChanged(f"rule {rule.name} rewrote a {node.shape} node as {out.shape}")
            if rule.shorter:
                out = choose(node, [out], by_cost=True)
            if out != node:
                trace = _trace.get()
                if trace is not None:
                    trace.append((rule.name, node, out))
                return out
    return node


def choose_settled(node: Expr, candidates: Iterable[Expr]) -> Expr:
    """A rule's choice: its candidates, each as the pair rules leave it (tr(X A X^-1) turned
    to tr(X^-1 X A) is tr(A)), offered to the one choice (cost.choose): the cheapest where it
    is cheaper than node; else node: a choice never lengthens."""
    return choose(node, (joined(c) for c in candidates))


def joined(root: Expr) -> Expr:
    """root with the pair rules (and the normal form of what they change) applied bottom-up,
    as often as they meet: the engine's own rules, a subset of them."""
    memo: dict[int, Expr] = {}
    for node in E.walk(root):
        out = rebuild(node, [memo[id(a)] for a in node.args]) if node.args else node
        for _ in range(BOUND):
            again = next((r for rule in PAIR_RULES.get(out.op, ())
                          if rule.guard(out) and (r := rule.result(out)) != out), out)
            if again == out:
                break
            out = again
        memo[id(node)] = out
    return memo[id(root)]
