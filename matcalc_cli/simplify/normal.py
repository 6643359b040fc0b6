"""Normal forms: transposes pushed through products (and through sums where that reads
shorter), products flattened with their numbers and scalar factors merged, like terms
collected, common factors pulled out. The identities of products (X^-1 X = I,
diag(u) diag(v) = diag(u .* v), a negated sum's sign, -(a - 1) = 1 - a) and of sums
(diag(a) + 2 diag(b) = diag(a + 2 b)) are named rules (rules.py)."""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.params import DimsParam
from matcalc_cli.simplify.cost import choose, key


def filled(e: Expr) -> Expr:
    """A broadcast scalar standing alone is spelled c ones(n), which says its shape."""
    return E.mul(e.args[0], E.ones(e.shape)) if e.op == K.BCAST else e


# ------------------------------------------------------------------ transposes
def transpose(x: Expr) -> Expr:
    """x^T for a canonical x, pushed down as far as it reads better."""
    op = x.op
    if x.is_scalar or op in (K.T, K.EYE, K.VAR, K.ZEROS, K.ONES) or (op == K.DIAG and x.shape[0] == x.shape[1]):
        return E.T(x)
    if op == K.MUL:
        return product([transpose(f) for f in reversed(x.args)], orient=False)
    if op == K.INV:
        inner = transpose(x.args[0])
        # (A X B)^-T, not (B^T X^T A^T)^-1
        return choose(E.inv(inner), [E.inv(E.T(x.args[0]))], by_cost=True)
    if op == K.POW:
        return E.power(transpose(x.args[0]), x.number)
    if op == K.BCAST:
        return E.Expr(K.BCAST, x.args, (x.shape[1], x.shape[0]))
    if op == K.COMMUTATION:
        m, n = x.dims
        return E.Expr(K.COMMUTATION, (), x.shape, DimsParam(n, m))
    if op == K.KRON:
        return E.Expr(K.KRON, (transpose(x.args[0]), transpose(x.args[1])), (x.shape[1], x.shape[0]))
    pushed: Expr | None = None
    if op == K.ADD:
        pushed = total([transpose(t) for t in x.args])
    elif op == K.HAD:
        pushed = hadamard([transpose(t) for t in x.args])
    elif op == K.HDIV:
        pushed = E.hdiv(transpose(x.args[0]), transpose(x.args[1]))
    # (A + A^T)^T is A + A^T, but (x - A s)^T stays: push only where it costs less.
    return choose(E.T(x), [pushed] if pushed is not None else [], by_cost=True)


# ------------------------------------------------------------------ products
def _split_power(f: Expr) -> tuple[Expr, Fraction]:
    if f.op == K.POW and f.is_scalar and isinstance(f.number, Fraction):
        return f.args[0], f.number
    return f, Fraction(1)


def product(factors: list[Expr], orient: bool = True) -> Expr:
    return _product(tuple(factors), orient)


# Pure functions of hash-consed nodes, met again and again while sums are factored and the
# engine runs to its fixpoint: memoised (bounded), so a model's cost stays linear.
@functools.lru_cache(maxsize=1 << 14)
def _product(factors: tuple[Expr, ...], orient: bool) -> Expr:
    flat = E.mul(*factors)
    if flat.op != K.MUL:
        return flat
    fs = list(flat.args)
    coef = fs.pop(0).number if fs[0].op == K.CONST else Fraction(1)
    scalars = [f for f in fs if f.is_scalar]
    chain = _powers(_identities_dropped([f for f in fs if not f.is_scalar]))
    if len(chain) == 1 and chain[0].op == K.BCAST:
        # numbers and scalars times a broadcast scalar s are one broadcast scalar, as a sum
        # spells its constant term: -1 times a broadcast -1 is the broadcast 1 (negating
        # y^T - 1 gave y^T - -1, which the sum's normal form spelled y^T + 1, and back)
        return E.bcast(product([E.const(coef), *scalars, chain[0].args[0]]), flat.shape)
    # Scalar factors: equal bases merge their exponents (norm(u) / norm(u) = 1).
    powers: dict[Expr, Fraction] = {}
    for f in scalars:
        base, k = _split_power(f)
        powers[base] = powers.get(base, Fraction(0)) + k
    merged = [E.power(b, k) for b, k in powers.items() if k != 0]
    merged.sort(key=lambda f: (_split_power(f)[1] < 0, _split_power(f)[0].op == K.ADD, key(f)))
    chain, more = _scalar_runs(chain)
    if more:
        return product([E.const(coef), *merged, *more, *chain], orient)
    out = E.mul(E.const(coef), *merged, *chain)  # type: ignore[arg-type]
    if orient and out.is_scalar and chain and not merged:
        # A scalar equals its transpose: keep whichever spelling ranks first.
        kept = E.mul(*chain)
        turned = choose(kept, [product([transpose(f) for f in reversed(chain)], orient=False)])
        if turned != kept:
            out = E.mul(E.const(coef), turned)  # type: ignore[arg-type]
    return out


def _scalar_runs(chain: list[Expr]) -> tuple[list[Expr], list[Expr]]:
    """Inside a longer chain, x^T y in x^T y z^T is a scalar: take it out as one factor,
    so that the chain has one spelling (and its print reads back as the same tree)."""
    if len(chain) < 3:
        return chain, []
    for i, f in enumerate(chain):
        if f.shape[0] != 1:
            continue
        for j in range(i + 1, len(chain)):
            if chain[j].shape[1] == 1:
                if (i, j) == (0, len(chain) - 1):
                    return chain, []
                run = Expr(K.MUL, tuple(chain[i:j + 1]), E.SCALAR)
                return chain[:i] + chain[j + 1:], [run]
    return chain, []


def _powers(chain: list[Expr]) -> list[Expr]:
    """X^T X^T is (X^T)^2 and X X^2 is X^3, so that like terms meet."""
    out: list[Expr] = []
    for f in chain:
        base, k = (f.args[0], f.number) if f.op == K.POW else (f, Fraction(1))
        if out and base.shape[0] == base.shape[1] and not _is_diagonal(base):  # diag(u) diag(u): a rule's
            prev = out[-1]
            pbase, pk = (prev.args[0], prev.number) if prev.op == K.POW else (prev, Fraction(1))
            if pbase == base:
                out[-1] = E.power(base, pk + k)
                continue
        out.append(f)
    return out


def _is_diagonal(f: Expr) -> bool:
    return f.op == K.DIAG and f.args[0].shape[1] == 1 and f.shape[0] != 1


def _identities_dropped(chain: list[Expr]) -> list[Expr]:
    """I A is A, and a chain of identities one identity (X X^-1 = I is a rule: pairs.py)."""
    if len(chain) > 1 and any(f.op != K.EYE for f in chain):
        chain = [f for f in chain if f.op != K.EYE]
    return chain[:1] if chain and all(f.op == K.EYE for f in chain) else chain


def hadamard(factors: list[Expr]) -> Expr:
    # Scalars come out of the factors: (-a) .* b is -(a .* b), (Y / m) .* S is (Y .* S) / m.
    coef: list[Expr] = []
    plain: list[Expr] = []
    for f in factors:
        if f.op == K.MUL and not f.is_scalar and any(g.is_scalar for g in f.args):
            coef.extend(g for g in f.args if g.is_scalar)
            f = E.mul(*(g for g in f.args if not g.is_scalar))
        plain.append(f)
    if coef:
        return product([*coef, hadamard(plain)])
    h = E.had(*factors)
    if h.op != K.HAD:
        return h
    # Sums last: (W^T r) .* (1 - t.^2) reads better than the other way round.
    return E.Expr(K.HAD, tuple(sorted(h.args, key=lambda f: (f.op == K.ADD, key(f)))), h.shape)


# ------------------------------------------------------------------ sums
def _coef(t: Expr) -> tuple[Fraction, Expr]:
    if t.op == K.CONST and isinstance(t.number, Fraction):
        return t.number, E.ONE
    if t.op == K.MUL and t.args[0].op == K.CONST and isinstance(t.args[0].number, Fraction):
        return t.args[0].number, E.mul(*t.args[1:])
    if t.op == K.BCAST and t.args[0].op == K.CONST and isinstance(t.args[0].number, Fraction):
        return t.args[0].number, E.bcast(E.ONE, t.shape)
    if t.op == K.BCAST:  # a broadcast c s is c times the broadcast s: x + t - t is x
        c, core = _coef(t.args[0])
        return c, E.bcast(core, t.shape)
    if t.op == K.ONES:
        return Fraction(1), E.bcast(E.ONE, t.shape)
    return Fraction(1), t


def total(terms: list[Expr]) -> Expr:
    return _total(tuple(terms))


@functools.lru_cache(maxsize=1 << 14)
def _total(terms: tuple[Expr, ...]) -> Expr:
    s = E.add(*terms)
    if s.op != K.ADD:
        return s
    collected: dict[Expr, Fraction] = {}
    for t in s.args:
        c, core = _coef(t)
        collected[core] = collected.get(core, Fraction(0)) + c
    items = [(c, core) for core, c in collected.items() if c != 0]
    if not items:  # everything cancelled: a zero of the sum's shape, not the number 0
        return E.zeros(s.shape)
    if len(items) > 1:
        factored = _factor(items)
        if factored is None and 2 < len(items) <= 64:  # the search is quadratic in the terms
            factored = _group(items)
        if factored is not None:
            return factored
    # Positive terms first, constants last: 2 t + 3, X w - y.
    items.sort(key=lambda it: (it[0] < 0, it[1].op in (K.CONST, K.BCAST), key(it[1])))
    return E.add(*(_term(c, core) for c, core in items))


def _term(c: Fraction, core: Expr) -> Expr:
    if core.op == K.BCAST and E.is_const(core.args[0], 1):  # the constant in 1 - y
        return E.bcast(E.const(c), core.shape)
    return product([E.const(c), core])


def _parts(core: Expr) -> tuple[list[Expr], list[Expr]]:
    """(scalar factors, matrix chain) of a term without its coefficient."""
    fs = list(core.args) if core.op == K.MUL else [core]
    return [f for f in fs if f.is_scalar and f.op != K.CONST], [f for f in fs if not f.is_scalar]


def _factor(items: list[tuple[Fraction, Expr]]) -> Expr | None:
    """Pull out what every term shares: a number, scalar factors, a left or a right factor."""
    coefs = [c for c, _ in items]
    # A number every coefficient is a whole multiple of: 2 a + 4 b = 2 (a + 2 b), and over one
    # denominator A / 2 + A^T / 2 = (A + A^T) / 2 (not 1/2 against 1/3: (3 a + 2 b) / 6 is no shorter).
    if len({c.denominator for c in coefs}) == 1:
        g = Fraction(math.gcd(*(c.numerator for c in coefs)), coefs[0].denominator)
        if any(isinstance(c, E.Written) for c in coefs):  # 0.5 a + 0.5 b is 0.5 (a + b), not (a + b) / 2
            g = coefs[0] if all(abs(c) == abs(coefs[0]) for c in coefs) else E.Written.decimal(g)
            g = abs(g)
        if all(c < 0 for c in coefs):
            g = -g
        if abs(g) != 1:
            return product([E.const(g), total([product([E.const(c / g), core]) for c, core in items])])
    parts = [_parts(core) for _, core in items]
    common = [f for f in parts[0][0] if all(f in p[0] for p in parts[1:])]
    if common:
        rest = []
        for (c, _core), (sc, ch) in zip(items, parts, strict=True):
            left = list(sc)
            for f in common:
                left.remove(f)
            rest.append(product([E.const(c), *left, *ch]))
        return product([*common, total(rest)])
    chains = [ch for _, ch in parts]
    if chains[0] and all(ch == chains[0] for ch in chains[1:]):  # s x - y x = (s - y) x
        return product([total([product([E.const(c), *sc]) for (c, _), (sc, _) in zip(items, parts, strict=True)]),
                        *chains[0]])
    if all(len(ch) >= 2 for ch in chains):
        # A common left (then right) factor comes out, and the rest is factored again. A run of
        # common factors (a deep model's W2 diag(u1) W1 in every term) comes out in one step:
        # peeled one at a time, each step would rebuild every term, quadratic in the run.
        short = min(len(ch) for ch in chains)
        run = _common_run(chains, short)
        if run:
            # Each rest keeps three factors or more: the last common ones come off one at a time,
            # since a short chain may have a spelling of its own (diag(u) v is u .* v).
            n = max(1, min(run, short - 3))
            rest = [product([E.const(c), *sc, *ch[n:]]) for (c, _), (sc, ch) in zip(items, parts, strict=True)]
            return _prefixed(list(chains[0][:n]), total(rest))
        run = _common_run([ch[::-1] for ch in chains], short)
        if run:
            n = max(1, min(run, short - 3))
            rest = [product([E.const(c), *sc, *ch[:-n]]) for (c, _), (sc, ch) in zip(items, parts, strict=True)]
            return _suffixed(total(rest), list(chains[0][-n:]))
    return None


def _common_run(chains: list[list[Expr]], short: int) -> int:
    """How many leading factors every chain shares (a chain keeps at least one of its own)."""
    n = 0
    while n < short - 1 and all(ch[n] == chains[0][n] for ch in chains):
        n += 1
    return n


def _prefixed(run: list[Expr], inner: Expr) -> Expr:
    """run[0] (run[1] (... inner)), as peeling the factors one at a time gives it: the factor
    next to inner joins it first (diag(u) (a + b) is u .* (a + b)), the others at once (a
    canonical run holds no two neighbours that merge, so joining them one by one changes nothing)."""
    inner = product([run[-1], inner])
    return product([*run[:-1], inner]) if len(run) > 1 else inner


def _suffixed(inner: Expr, run: list[Expr]) -> Expr:
    inner = product([inner, run[0]])
    return product([inner, *run[1:]]) if len(run) > 1 else inner


def _group(items: list[tuple[Fraction, Expr]]) -> Expr | None:
    """Factor the largest group of terms that shares a scalar factor, a left or a right
    factor: A^T x / q + A x / q - b becomes (A + A^T) x / q - b."""
    parts = [_parts(core) for _, core in items]
    candidates: list[tuple[str, Expr]] = []
    for sc, ch in parts:
        candidates += [("s", f) for f in sc]
        if len(ch) >= 2:
            candidates += [("l", ch[0]), ("r", ch[-1])]

    def shares(where: str, f: Expr, sc: list[Expr], ch: list[Expr]) -> bool:
        if where == "s":
            return f in sc
        return len(ch) >= 2 and (ch[0] if where == "l" else ch[-1]) == f

    best: list[int] = []
    for where, f in candidates:
        members = [i for i, (sc, ch) in enumerate(parts) if shares(where, f, sc, ch)]
        if len(members) > len(best):
            best = members
    if len(best) < 2 or len(best) == len(items):
        return None
    grouped = total([product([E.const(items[i][0]), items[i][1]]) for i in best])
    rest = [product([E.const(c), core]) for i, (c, core) in enumerate(items) if i not in best]
    return total([grouped, *rest]) if grouped.op != K.ADD else None


