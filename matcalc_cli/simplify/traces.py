"""Helper of the rule that collects the terms of a trace: tr(U^2 B + U B U + B U^2) =
3 tr(U^2 B), each term turned (tr(A B) = tr(B A)) to one rotation so like terms meet."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify.cost import cheapest
from matcalc_cli.simplify.normal import _coef, product, total


def _factors(core: Expr) -> list[Expr] | None:
    """The matrices of a chain, a whole positive power U^k spelled as k factors U."""
    fs = list(core.args) if core.op == K.MUL else [core]
    if any(f.is_scalar for f in fs):
        return None
    out: list[Expr] = []
    for f in fs:
        k = f.number if f.op == K.POW else None
        if isinstance(k, Fraction) and k.denominator == 1 and 1 < k <= 8:
            out.extend([f.args[0]] * int(k))
        else:
            out.append(f)
    return out


def _turned(t: Expr) -> Expr:
    """t with its chain turned to its cheapest rotation (any one rotation, the same for every
    rotation of the chain, lets like terms meet; the cheapest reads best)."""
    c, core = _coef(t)
    fs = _factors(core)
    if fs is None or len(fs) < 2:
        return t
    # a rotation of another size (B A for A B of m x m) has the trace but not a place in the sum
    rotations = [r for r in (product(fs[i:] + fs[:i]) for i in range(len(fs))) if r.shape == core.shape]
    return product([E.const(c), cheapest(rotations, core)])


def _collected(e: Expr) -> Expr | None:
    m = e.args[0]
    if m.op != K.ADD or m.shape[0] != m.shape[1]:
        return None
    summed = total([_turned(t) for t in m.args])
    terms = summed.args if summed.op == K.ADD else (summed,)
    return fn(K.TR, summed) if len(terms) < len(m.args) else None


def has_collectable_trace(e: Expr) -> bool:
    return _collected(e) is not None


def collect_trace(e: Expr) -> Expr:
    """tr(A B + B A) = 2 tr(A B): the terms turned cyclically, like terms collected."""
    out = _collected(e)
    assert out is not None
    return out
