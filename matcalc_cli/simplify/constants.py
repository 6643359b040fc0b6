"""Helpers of the rule that reads the row (column) sums of a sum with a diagonal term at once:
ones(1, n) (diag(v) + R) = v^T + ones(1, n) R, so that a derivative that is zero prints as
zeros(...) or 0 (with sum(softmax(z)) = 1, a pattern of rules.py)."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.simplify.normal import _coef, product, total, transpose


def _row_ones(f: Expr) -> bool:
    return f.op == K.ONES and f.shape[0] == 1


def _column_ones(f: Expr) -> bool:
    return f.op == K.ONES and f.shape[1] == 1


def _is_diag_of_vector(t: Expr) -> bool:
    core = _coef(t)[1]
    return core.op == K.DIAG and core.args[0].shape[1] == 1


def _ones_sum_at(fs: tuple[Expr, ...]) -> int | None:
    """Where ones(1, n) (diag(v) + R) or (diag(v) + R) ones(n) is among a product's factors."""
    for i in range(len(fs) - 1):
        a, b = fs[i], fs[i + 1]
        if _row_ones(a) and b.op == K.ADD and any(_is_diag_of_vector(t) for t in b.args):
            return i
        if _column_ones(b) and a.op == K.ADD and any(_is_diag_of_vector(t) for t in a.args):
            return i
    return None


def has_ones_through_diag(e: Expr) -> bool:
    return _ones_sum_at(e.args) is not None


def _summed_term(ones: Expr, t: Expr, left: bool) -> Expr:
    c, core = _coef(t)
    if core.op == K.DIAG and core.args[0].shape[1] == 1:  # ones(1, n) diag(v) = v^T
        v = core.args[0]
        return product([E.const(c), transpose(v) if left else v])
    return product([ones, t]) if left else product([t, ones])


def ones_through_diag(e: Expr) -> Expr:
    """ones(1, n) (diag(v) + R) = v^T + ones(1, n) R, and on the right diag(v) ones(n) = v:
    the row (column) sums of a sum, the diagonal's read off at once."""
    fs = e.args
    i = _ones_sum_at(fs)
    assert i is not None
    left = _row_ones(fs[i]) and fs[i + 1].op == K.ADD
    ones, s = (fs[i], fs[i + 1]) if left else (fs[i + 1], fs[i])
    summed = total([_summed_term(ones, t, left) for t in s.args])
    return product([*fs[:i], summed, *fs[i + 2:]])


