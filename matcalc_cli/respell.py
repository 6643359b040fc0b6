"""Spellings that let one name serve two places, chosen before the names (naming.py).

In a result, a sum printed beside its own transpose is spelled as that transpose (u and
u^T) and M^-T beside M^-1 as (M^-1)^T (shared_transposes). In code that returns a value with its
derivative (--with-value), the value is written the way the derivative computes the same
sums and chains, R - U V^T as -(U V^T - R), so that the two share a local (shared_with).
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, walk
from matcalc_cli.simplify.cost import key
from matcalc_cli.simplify.normal import transpose


def chain_of(e: Expr) -> list[Expr]:
    """The matrix factors of a product (its scalar factors and its coefficient aside)."""
    return [f for f in e.args if not f.is_scalar] if e.op == K.MUL else []


def _spelled_transposed(t: Expr, n: Expr) -> bool:
    """Of a sum t and its transpose n, t is the one to spell n^T: a row beside a column, else
    the later by key (one of the pair, whichever of them is met first)."""
    if 1 in t.shape:
        return t.shape[0] == 1
    return key(t) > key(n)


def shared_transposes(root: Expr) -> Expr:
    """A sum printed beside its own transpose, u = x - mean(x) and x^T - mean(x), is spelled
    u^T there, so that one name can serve both. (The simplifier pushes transposes into
    sums where that is shorter; only here is it known that the sum occurs untransposed.)"""
    order = walk(root)  # distinct nodes (they are hash-consed), children first
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
    return swap.get(root, respelled(order, swap)[root])


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


def respelled(order: list[Expr], swap: dict[Expr, Expr]) -> dict[Expr, Expr]:
    """Each node of order (children first) with every argument that is a key of swap
    replaced by its value, below as above: one pass, the spellings shared."""
    spelled: dict[Expr, Expr] = {}
    for n in order:
        args = tuple(swap.get(a, spelled[a]) for a in n.args)
        same = all(x is a for x, a in zip(args, n.args, strict=True))
        spelled[n] = n if same else Expr(n.op, args, n.shape, n.param)
    return spelled


def _negated(e: Expr) -> Expr | None:
    """u for -u (a product with the coefficient -1 and one other factor), else None."""
    if e.op == K.MUL and len(e.args) == 2 and e.args[0].op == K.CONST and e.args[0].number == -1:
        return e.args[1]
    return None


def shared_with(value: Expr, derivative: Expr) -> Expr:
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
