"""Helper of the rule that collects the terms of a sum by their matrix part, scalar
coefficients added: a M - s M = (a - s) M (eye(n) - (x^T U x) eye(n) = (1 - x^T U x) eye(n)),
and a sum S whose terms stand beside a multiple of S, S - s S = (1 - s) S (the Hessian of
logdet(A + x x^T), whose terms U1 + U2 - (x^T U1 x) (U1 + U2) are (1 - x^T U1 x) (U1 + U2)),
and a diagonal scaling beside the plain term, F - diag(v) F = diag(1 - v) F. The sum's
normal form (normal.total) collects numbers only; this offers the sum with scalar expressions
collected, each way that applies, and the rule keeps the cheapest where it is shorter."""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn
from matcalc_cli.simplify import hinge as HG
from matcalc_cli.simplify.cost import choose
from matcalc_cli.simplify.normal import _coef, product, total

Split = tuple[Expr, tuple[Expr, ...]]  # (the scalar coefficient, number included; the matrix chain)


def _split(t: Expr) -> Split:
    c, core = _coef(t)
    fs = core.args if core.op == K.MUL else (core,)
    scalars = [f for f in fs if f.is_scalar and f.op != K.CONST]
    chain = tuple(f for f in fs if not f.is_scalar)
    return product([E.const(c), *scalars]), chain


def _by_chain(items: list[Split]) -> list[Split]:
    """a M + b M = (a + b) M: terms with one matrix part, their coefficients summed."""
    out: dict[tuple[Expr, ...], list[Expr]] = {}
    for s, ch in items:
        out.setdefault(ch, []).append(s)
    return [(total(ss), ch) for ch, ss in out.items()]


def _inner_sum(items: list[Split]) -> list[Split] | None:
    """S + s S = (1 + s) S: a term s S whose sum S has its terms c_j T_j (numbers c_j), all
    multiplied by one number lam, among the other terms."""
    for i, (s, ch) in enumerate(items):
        if len(ch) != 1 or ch[0].op != K.ADD:
            continue
        split = [_split(t) for t in ch[0].args]
        parts = [(c, pch) for c, pch in ((_number(s), pch) for s, pch in split) if c is not None]
        if len(parts) < len(split):
            continue
        rest = [it for j, it in enumerate(items) if j != i]
        lam = _ratio(parts, rest)
        if lam is None:
            continue
        taken = [_at(rest, lam * c, pch) for c, pch in parts]
        kept = [it for j, it in enumerate(rest) if j not in taken]
        return [*kept, (total([E.const(lam), s]), ch)]
    return None


def _number(s: Expr) -> Fraction | None:
    return s.number if s.op == K.CONST and isinstance(s.number, Fraction) else None


def _at(items: list[Split], c: Fraction, chain: tuple[Expr, ...]) -> int:
    return next((j for j, (s, ch) in enumerate(items) if ch == chain and _number(s) == c), -1)


def _ratio(parts: list[tuple[Fraction, tuple[Expr, ...]]], rest: list[Split]) -> Fraction | None:
    """The number lam with lam c_j T_j among rest for every term c_j T_j of the sum, if any."""
    c0, ch0 = parts[0]
    for s, ch in rest:
        k = _number(s)
        if ch == ch0 and k and c0:
            lam = k / c0
            if all(_at(rest, lam * c, pch) >= 0 for c, pch in parts):
                return lam
    return None


def _rebuilt(items: list[Split]) -> Expr:
    return total([product([s, *ch]) for s, ch in items])


def _is_diagonal(f: Expr) -> bool:
    return f.op == K.DIAG and f.args[0].shape[1] == 1 and f.shape[0] != 1


def _diagonals(items: list[Split], left: bool) -> list[Split] | None:
    """F - diag(v) F = diag(1 - v) F (left) and F - F diag(v) = F diag(1 - v): a diagonal
    scaling beside the plain term collected into one diagonal."""
    end = 0 if left else -1
    groups: dict[tuple[Expr, ...], list[tuple[Expr, Expr]]] = {}
    for s, ch in items:
        if ch and _is_diagonal(ch[end]) and len(ch) >= 2:
            v, rest = ch[end].args[0], ch[1:] if left else ch[:-1]
        else:
            v, rest = E.ones((ch[end].shape[0] if left else ch[end].shape[1], 1)) if ch else E.ONE, ch
        groups.setdefault(rest, []).append((s, v))
    if all(len(g) < 2 or all(v.op == K.ONES for _, v in g) for g in groups.values()):
        return None
    out: list[Split] = []
    for rest, g in groups.items():
        if len(g) < 2 or not rest:
            out += [(s, rest) if v.op == K.ONES or not rest else
                    (s, ((fn(K.DIAG, v), *rest) if left else (*rest, fn(K.DIAG, v)))) for s, v in g]
            continue
        inner = total([product([s, v]) for s, v in g])
        d = fn(K.DIAG, choose(inner, HG.hinge_forms(inner)))  # diag(step(1 - abs(x))), not diag(1 - step(...))
        out.append((E.ONE, (d, *rest) if left else (*rest, d)))
    return out


def collections(e: Expr) -> list[Expr]:
    """The sum e with its terms collected by matrix part, each way that applies: like matrix
    parts (a M - s M), a sum beside its multiple (S - s S), a diagonal scaling beside the plain
    term, from the left and from the right. The rule keeps the cheapest where it is shorter."""
    if e.is_scalar or len(e.args) > 32:
        return []
    items = [_split(t) for t in e.args]
    grouped = _by_chain(items)
    out = [_rebuilt(grouped)] if len(grouped) < len(items) else []
    inner = _inner_sum(grouped)
    if inner is not None:
        out.append(_rebuilt(inner))
    for left in (True, False):
        diagonal = _diagonals(items, left)
        if diagonal is not None:
            out.append(_rebuilt(diagonal))
    return out
