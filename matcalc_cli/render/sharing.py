"""What generated code computes once, and under which names: the plan (naming.choose's
locals and the inverses needed as matrices), a value written the way its derivative
computes the same sums and chains so that the two share them (signed_shares), and Python
identifiers, none of them twice (Names). render/code.py prints the function from these."""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, walk
from matcalc_cli.naming import chain_of


@dataclass(frozen=True)
class Plan:
    """Which nodes become locals (children first) and which inverses are needed as matrices."""

    shared: tuple[Expr, ...]
    explicit: frozenset[Expr]


class Names:
    """Python identifiers for everything the function names, none of them twice."""

    def __init__(self, reserved: set[str]) -> None:
        self.taken = set(reserved)

    def ok(self, name: str) -> bool:
        return name.isidentifier() and not keyword.iskeyword(name) and name not in self.taken

    def claim(self, name: str) -> str:
        base = name if name.isidentifier() else "v"
        while not self.ok(base):
            base += "_"
        self.taken.add(base)
        return base

    def fresh(self, prefix: str) -> str:
        i = 1
        while not self.ok(f"{prefix}{i}"):
            i += 1
        return self.claim(f"{prefix}{i}")


def _negated(e: Expr) -> Expr | None:
    """u for -u (a product with the coefficient -1 and one other factor), else None."""
    if e.op == K.MUL and len(e.args) == 2 and e.args[0].op == K.CONST and e.args[0].number == -1:
        return e.args[1]
    return None


def signed_shares(value: Expr, derivative: Expr) -> Expr:
    """value with each sum whose negation the derivative computes (R - U V^T beside
    U V^T - R) written as that negation, and each Hadamard product that it computes up to
    signs and order (-y .* (X w) beside -((X w) .* y)) written as that product, so that the
    two share it; under a norm the sign goes (norm(-u) = norm(u))."""
    sums: dict[tuple[int, ...], Expr] = {}
    products: dict[tuple[int, ...], Expr] = {}
    for node in walk(derivative):
        if node.op in (K.ADD, K.HAD):
            (sums if node.op == K.ADD else products).setdefault(tuple(sorted(id(t) for t in node.args)), node)
    computed = set(sums.values())
    chains = {n.args: n for n in walk(derivative) if len(chain_of(n)) >= 2 and len(chain_of(n)) == len(n.args)}
    done: dict[Expr, Expr] = {}
    for node in walk(value):
        args = tuple(done.get(a, a) for a in node.args)
        inner = _negated(args[0]) if node.op == K.NORM and args else None
        if inner is not None:  # norm(-u) = norm(u)
            args = (inner, *args[1:])
        if node.op == K.MUL and len(chain_of(node)) >= 3 and len(args) == len(chain_of(node)):
            args = _regrouped(args, chains)
        new = node if args == node.args else Expr(node.op, args, node.shape, node.param)
        if new.op == K.ADD and new not in computed:
            negated = [E.neg(t) for t in new.args]  # alive while their ids are compared
            other = sums.get(tuple(sorted(id(t) for t in negated)))
            if other is not None:
                new = E.neg(other)
        if new.op == K.HAD:
            new = _as_computed(new, products)
        done[node] = new
    return done[value]


def _as_computed(e: Expr, products: dict[tuple[int, ...], Expr]) -> Expr:
    """The Hadamard product e as the derivative computes it, its factors' signs outside."""
    unsigned = [_negated(f) or f for f in e.args]
    other = products.get(tuple(sorted(id(f) for f in unsigned)))
    if other is None or other is e:
        return e
    negations = sum(f is not u for f, u in zip(e.args, unsigned, strict=True))
    return E.neg(other) if negations % 2 else other


def _regrouped(fs: tuple[Expr, ...], chains: dict[tuple[Expr, ...], Expr]) -> tuple[Expr, ...]:
    """A chain with its longest end that the derivative computes as one product made one
    factor (x^T A x beside A x: x^T (A x)), so that the two share it."""
    for length in range(len(fs) - 1, 1, -1):
        if fs[-length:] in chains:
            return (*fs[:-length], chains[fs[-length:]])
        if fs[:length] in chains:
            return (chains[fs[:length]], *fs[length:])
    return fs
