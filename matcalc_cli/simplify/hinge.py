"""Helpers of the rule that writes a piecewise-linear elementwise function in hinge form,
away from its kinks (where the derivative's note already says the function is not
differentiable):

    sign(r) .* (abs(r) + step(abs(r) - 1) - abs(r) .* step(abs(r) - 1))  =  r - relu(r - 1) + relu(-r - 1)

An expression built from one argument r (any tree without abs, sign, step or relu in it),
numbers, sums, Hadamard products and whole powers, through abs, sign, step and relu, is a
piecewise-linear function of r wherever each product has a constant factor: exactly, with
rational breakpoints. It is then a + b r on one piece, plus, at each breakpoint t, a change of
slope (relu(r - t) to the right of that piece, relu(t - r) to its left) and a jump (step(r - t),
step(t - r)). Each piece as the base, and r or -r as the argument, is a candidate, which the
rule offers: the one choice (cost.choose) keeps the cheapest where it is cheaper than the
expression.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.cost import choose
from matcalc_cli.simplify.normal import _coef, product, total

CALLS = frozenset({K.ABS, K.SIGN, K.STEP, K.RELU})
_MAX_NODES = 80  # a region past this is left alone: the parse is cheap, its candidates are not
_MAX_BREAKS = 8

Piece = tuple[Fraction, Fraction]  # a r + b on an interval


@dataclass(frozen=True)
class Piecewise:
    """A piecewise-linear function of r: breakpoints ts, and len(ts) + 1 pieces between them."""
    ts: tuple[Fraction, ...]
    ps: tuple[Piece, ...]

    def at(self, x: Fraction) -> Piece:
        return self.ps[bisect_right(self.ts, x)]


def _inside(ts: tuple[Fraction, ...], i: int) -> Fraction:
    """A point inside the i-th interval of the breakpoints ts."""
    if not ts:
        return Fraction(0)
    if i == 0:
        return ts[0] - 1
    if i == len(ts):
        return ts[-1] + 1
    return (ts[i - 1] + ts[i]) / 2


def _on(ts: tuple[Fraction, ...], f: Piecewise) -> list[Piece]:
    return [f.at(_inside(ts, i)) for i in range(len(ts) + 1)]


def _tidy(ts: tuple[Fraction, ...], ps: list[Piece]) -> Piecewise | None:
    """Breakpoints where nothing changes dropped; None past _MAX_BREAKS."""
    keep_t: list[Fraction] = []
    keep_p = [ps[0]]
    for t, p in zip(ts, ps[1:], strict=True):
        if p == keep_p[-1]:
            continue
        keep_t.append(t)
        keep_p.append(p)
    return Piecewise(tuple(keep_t), tuple(keep_p)) if len(keep_t) <= _MAX_BREAKS else None


def _combine(f: Piecewise, g: Piecewise, op: Callable[[Piece, Piece], Piece | None]) -> Piecewise | None:
    ts = tuple(sorted(set(f.ts) | set(g.ts)))
    out = []
    for p, q in zip(_on(ts, f), _on(ts, g), strict=True):
        r = op(p, q)
        if r is None:
            return None
        out.append(r)
    return _tidy(ts, out)


def _add(p: Piece, q: Piece) -> Piece:
    return p[0] + q[0], p[1] + q[1]


def _times(p: Piece, q: Piece) -> Piece | None:
    """A product of pieces is linear where one of them is constant."""
    if p[0] == 0:
        return p[1] * q[0], p[1] * q[1]
    if q[0] == 0:
        return p[0] * q[1], p[1] * q[1]
    return None


def _through(name: str, f: Piecewise) -> Piecewise | None:
    """abs, sign, step or relu of f: each piece split where it crosses zero; None where a piece
    is zero on a whole interval (the function's value at its kink, not a function of r)."""
    cuts = set(f.ts)
    for i, (a, b) in enumerate(f.ps):
        if a != 0:
            z = -b / a
            lo = f.ts[i - 1] if i > 0 else None
            hi = f.ts[i] if i < len(f.ts) else None
            if (lo is None or z > lo) and (hi is None or z < hi):
                cuts.add(z)
    ts = tuple(sorted(cuts))
    out: list[Piece] = []
    for i, (a, b) in enumerate(_on(ts, f)):
        if a == 0 and b == 0:
            return None
        s = 1 if a * _inside(ts, i) + b > 0 else -1
        zero = (Fraction(0), Fraction(0))
        out.append({K.ABS: (s * a, s * b), K.RELU: (a, b) if s > 0 else zero,
                    K.STEP: (Fraction(0), Fraction(int(s > 0))), K.SIGN: (Fraction(0), Fraction(s))}[name])
    return _tidy(ts, out)


def _constant(c: Fraction) -> Piecewise:
    return Piecewise((), ((Fraction(0), c),))


# ------------------------------------------------------------------ reading a tree
@functools.lru_cache(maxsize=1 << 12)
def has_call(e: Expr) -> bool:
    return e.op in CALLS or any(has_call(a) for a in e.args)


def _number(t: Expr) -> Fraction | None:
    if t.op in (K.ZEROS, K.ONES):
        return Fraction(int(t.op == K.ONES))
    if t.op == K.MUL and len(t.args) == 2 and t.args[1].op == K.ONES:  # c ones(n), a number filled
        return _number(t.args[0])
    c = t.args[0] if t.op == K.BCAST else t
    return c.number if c.op == K.CONST and isinstance(c.number, Fraction) else None


def _terms(e: Expr) -> tuple[Expr, ...]:
    return e.args if e.op == K.ADD else (e,)


def _argument(e: Expr) -> Expr | None:
    """r: the argument of an innermost call, without its constant, its first coefficient 1."""
    for node in E.walk(e):
        if node.op in CALLS and not has_call(node.args[0]):
            rest = [t for t in _terms(node.args[0]) if _number(t) is None]
            if not rest or not E.free_vars(node.args[0]):  # a constant argument: its value is the kink's
                return None
            c = _coef(rest[0])[0]
            return total([product([E.const(1 / c), t]) for t in rest])
    return None


def _affine(s: Expr, r: Expr) -> Piecewise | None:
    """s as a r + b, s a tree without calls."""
    b = Fraction(0)
    rest = []
    for t in _terms(s):
        k = _number(t)
        if k is None:
            rest.append(t)
        else:
            b += k
    if not rest:
        return _constant(b)
    first = _coef(rest[0])
    for t in _terms(r):
        c, core = _coef(t)
        if core == first[1]:
            a = first[0] / c
            if total(rest) == total([product([E.const(a), u]) for u in _terms(r)]):
                return Piecewise((), ((a, b),))
    return None


def _read(e: Expr, r: Expr) -> Piecewise | None:
    if not has_call(e):
        return _affine(e, r)
    op = e.op
    if op in CALLS:
        inner = _read(e.args[0], r)
        return None if inner is None else _through(op, inner)
    if op == K.ADD:
        with_calls = [t for t in e.args if has_call(t)]
        plain = [t for t in e.args if not has_call(t)]
        parts = [_read(t, r) for t in with_calls] + ([_affine(total(plain), r)] if plain else [])
        return _fold(parts, _add)
    if op == K.HAD:
        return _fold([_read(f, r) for f in e.args], _times)
    if op == K.MUL and len(e.args) == 2 and _number(e.args[0]) is not None:
        inner = _read(e.args[1], r)
        k = _number(e.args[0])
        assert k is not None
        return None if inner is None else Piecewise(inner.ts, tuple((k * a, k * b) for a, b in inner.ps))
    if op == K.EPOW and isinstance(e.number, Fraction) and e.number.denominator == 1 and 1 <= e.number <= 8:
        base = _read(e.args[0], r)
        out = base
        for _ in range(int(e.number) - 1):
            out = None if out is None or base is None else _combine(out, base, _times)
        return out
    return None


def _fold(parts: list[Piecewise | None], op: Callable[[Piece, Piece], Piece | None]) -> Piecewise | None:
    out = parts[0] if parts else None
    for p in parts[1:]:
        if out is None or p is None:
            return None
        out = _combine(out, p, op)
    return out


# ------------------------------------------------------------------ writing the hinge form
def _negated(f: Piecewise) -> Piecewise:
    """g(s) = f(-s)."""
    return Piecewise(tuple(-t for t in reversed(f.ts)), tuple((-a, b) for a, b in reversed(f.ps)))


def _shifted(r: Expr, t: Fraction, sign: int) -> Expr:
    """r - t (sign 1) or t - r (sign -1), as a sum."""
    return total([*(product([E.const(sign), u]) for u in _terms(r)), E.bcast(E.const(-sign * t), r.shape)])


def _hinged(f: Piecewise, r: Expr, base: int) -> Expr:
    a0, b0 = f.ps[base]
    terms = [product([E.const(a0), r]), E.bcast(E.const(b0), r.shape)]
    for k, t in enumerate(f.ts, start=1):  # t lies between piece k - 1 and piece k
        (a1, b1), (a2, b2) = f.ps[k - 1], f.ps[k]
        jump = (a2 * t + b2) - (a1 * t + b1)
        side = 1 if k > base else -1
        arg = _shifted(r, t, side)
        terms += [product([E.const(a2 - a1), fn(K.RELU, arg)]), product([E.const(side * jump), fn(K.STEP, arg)])]
    return total([t for t in terms if not _zero(t)])


def _zero(t: Expr) -> bool:
    return _coef(t)[0] == 0 or _number(t) == 0


@functools.lru_cache(maxsize=1 << 12)
def hinge_forms(e: Expr) -> tuple[Expr, ...]:
    """e in hinge form, each piece as the base, with r and -r: () where e is not a
    piecewise-linear function of one argument (a pure function of a hash-consed node: cached)."""
    if not has_call(e) or len(E.walk(e)) > _MAX_NODES:
        return ()
    r = _argument(e)
    if r is None or r.shape != e.shape:
        return ()
    f = _read(e, r)
    if f is None:
        return ()
    neg = total([product([E.const(-1), u]) for u in _terms(r)])
    out = [_hinged(g, s, b) for g, s in ((f, r), (_negated(f), neg)) for b in _central(g)]
    return (*out, *_indicators(f, r))


def _central(f: Piecewise) -> list[int]:
    """The piece a textbook starts from: the one at r = 0 (both, where 0 is a breakpoint)."""
    i = bisect_right(f.ts, Fraction(0))
    return [i - 1, i] if i > 0 and f.ts[i - 1] == 0 else [i]


def _indicators(f: Piecewise, r: Expr) -> list[Expr]:
    """A function that is v on one interval (a, b) and 0 elsewhere, or the other way round, as
    v step(h - abs(r - m)) (v step(abs(r - m) - h)) for m, h the interval's middle and half-width,
    or v step(r - a), v step(b - r) for a half-line."""
    if any(a != 0 for a, _ in f.ps) or len(f.ps) not in (2, 3):
        return []
    values = [b for _, b in f.ps]
    if len(values) == 2:
        (lo, hi), t = values, f.ts[0]
        if 0 not in (lo, hi):
            return []
        v, side = (hi, 1) if lo == 0 else (lo, -1)
        return [product([E.const(v), fn(K.STEP, _shifted(r, t, side))])]
    (left, mid, right), (a, b) = values, f.ts
    if left != right or 0 not in (left, mid):
        return []
    m, h = (a + b) / 2, (b - a) / 2
    around = fn(K.ABS, _shifted(r, m, 1))
    if left == 0:
        return [product([E.const(mid), fn(K.STEP, total([E.bcast(E.const(h), r.shape),
                                                          product([E.const(-1), around])]))])]
    return [product([E.const(left), fn(K.STEP, total([around, E.bcast(E.const(-h), r.shape)]))])]


_WRAPS: dict[str, Callable[[Expr], Expr]] = {K.T: E.T, K.DIAG: lambda v: fn(K.DIAG, v)}


def scaled_forms(e: Expr, join: Callable[[Expr], Expr]) -> list[Expr]:
    """c F (region)^T G = F (hinge of c region)^T G, also through diag: the product's number
    taken into the function, each hinge form of each such factor a candidate (-(r - relu(r - 1))^T X
    is (relu(r - 1) - r)^T X; the rule keeps the cheapest where the whole is then cheaper).
    Only a form the factor's own rule (piecewise-linear) keeps, settled by join as that rule
    settles it: -X (2 - step(u)) offered X (step(u) - 2), whose factor that rule then wrote
    -step(-u) - 1, and the negated sum's sign went out again, pass after pass."""
    c = _number(e.args[0])
    if c is None or e.args[0].op != K.CONST:
        return []
    rest = list(e.args[1:])
    out: list[Expr] = []
    for i, g in enumerate(rest):
        wrap = _WRAPS.get(g.op) if g.op in _WRAPS and g.args[0].op in (K.ADD, K.HAD) else None
        inner = g.args[0] if wrap is not None else g
        if inner.op not in (K.ADD, K.HAD) or not has_call(inner) or (g.op == K.DIAG and inner.shape[1] != 1):
            continue
        forms = [join(f) for f in hinge_forms(product([E.const(c), inner]))]
        out += [product([*rest[:i], wrap(form) if wrap is not None else form, *rest[i + 1:]])
                for form in forms if _kept(form, join)]
    return out


def _kept(form: Expr, join: Callable[[Expr], Expr]) -> bool:
    """Whether piecewise-linear leaves form as it is (the engine's choice among its hinge forms)."""
    return choose(form, [join(g) for g in hinge_forms(form)]) == form
