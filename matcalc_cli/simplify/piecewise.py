"""Helpers of the piecewise rules, identities that hold away from the kinks (where the
derivative's note already says the function is not differentiable): step(u) and sign(u) take
two values there, so a power of one is a linear function of it; and c - c step(u) =
c step(-u). (relu(u) .* step(u) = relu(u) and abs(u) .* sign(u) = u are patterns of rules.py.)"""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.normal import _coef, product, total


def _whole(k: object) -> int | None:
    return int(k) if isinstance(k, Fraction) and k.denominator == 1 and 2 <= k <= 16 else None


def _affine_step(b: Expr) -> tuple[Fraction, Fraction, Expr] | None:
    """b as c0 + c1 step(u) (c0 a number broadcast), or None."""
    terms = b.args if b.op == K.ADD else (b,)
    c0, c1, s = Fraction(0), Fraction(0), None
    for t in terms:
        if t.op == K.BCAST and t.args[0].op == K.CONST and isinstance(t.args[0].number, Fraction):
            c0 += t.args[0].number
            continue
        c, core = _coef(t)
        if core.op != K.STEP or (s is not None and core != s):
            return None
        c1, s = c1 + c, core
    return (c0, c1, s) if s is not None and c1 != 0 else None


def piecewise_power_applies(e: Expr) -> bool:
    base = e.args[0]
    return _whole(e.number) is not None and (base.op == K.SIGN or _affine_step(base) is not None)


def piecewise_power(e: Expr) -> Expr:
    """sign(u).^k = ones (k even) or sign(u) (k odd); (c0 + c1 step(u)).^k = f(0) + (f(1) - f(0))
    step(u) for f(s) = (c0 + c1 s)^k, as step(u) is 0 or 1: step(u).^2 = step(u)."""
    k = _whole(e.number)
    assert k is not None
    base = e.args[0]
    if base.op == K.SIGN:
        return E.ones(e.shape) if k % 2 == 0 else base
    found = _affine_step(base)
    assert found is not None
    c0, c1, s = found
    f0, f1 = c0 ** k, (c0 + c1) ** k
    return total([E.bcast(E.const(f0), e.shape), product([E.const(f1 - f0), s])])


_ABSORBS = {(K.RELU, K.STEP): K.RELU, (K.ABS, K.SIGN): None}  # relu .* step = relu; abs .* sign = u





# ------------------------------------------------------------------ c - c step(u) = c step(-u)
def _complement_at(e: Expr) -> tuple[int, int] | None:
    """The positions of a number c and of a term -c step(u) among a sum's terms."""
    for i, t in enumerate(e.args):
        if t.op != K.BCAST or t.args[0].op != K.CONST or not isinstance(t.args[0].number, Fraction):
            continue
        for j, u in enumerate(e.args):
            d, core = _coef(u)
            if core.op == K.STEP and d == -t.args[0].number:
                return i, j
    return None


def has_step_complement(e: Expr) -> bool:
    return _complement_at(e) is not None


def step_complement(e: Expr) -> Expr:
    """c - c step(u) = c step(-u) away from u = 0 (step(0) is 0): 1 - step(abs(r) - 1) is
    step(1 - abs(r)), and step(u) - 1 is -step(-u)."""
    found = _complement_at(e)
    assert found is not None
    i, j = found
    c = e.args[i].args[0].number
    assert isinstance(c, Fraction)
    u = _coef(e.args[j])[1].args[0]
    rest = [t for k, t in enumerate(e.args) if k not in (i, j)]
    return total([product([E.const(c), fn(K.STEP, negated(u))]), *rest])


def negated(u: Expr) -> Expr:
    """-u, a sum term by term, its numbers negated where they stand (not -1 times a broadcast)."""
    terms = u.args if u.op == K.ADD else (u,)
    return total([E.bcast(E.const(-t.args[0].number), t.shape)
                  if t.op == K.BCAST and t.args[0].op == K.CONST and isinstance(t.args[0].number, Fraction)
                  else product([E.const(-1), t]) for t in terms])
