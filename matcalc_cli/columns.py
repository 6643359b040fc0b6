"""A few columns of a large value, for `matcalc check` of a large derivative: e[:, J] computed
as e V for V the columns J of the identity, with the products, transposes and inverses
pushed onto V (an inverse is a solve with the matrix's one factorisation at the point), so
that the cost is linear in the derivative's size, not cubic: X^-T of a 1000×1000 X was
three inverses a point (9.5 s of CPU for a check), is one LU and solves for 40 columns.
What has no such form (elementwise functions of a matrix, ...) is evaluated whole, as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.drawing import size_of
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.numeric import _Env
from matcalc_cli.ops.linear import factored
from matcalc_cli.sampling import Point, value

COLUMNS = 40  # sampled at each point, at random (a different sample at each point)
LARGE = 100_000  # entries of a derivative above which it is compared on sampled columns


class Samples:
    """Columns of a shape sampled at a point where values of it are large and the trees
    compared (roots) invert a matrix (where evaluating them whole costs more than their size:
    else they are compared whole, every entry), drawn at random with seeds in turn: every
    sample its own columns, reproducibly."""

    def __init__(self, roots: list[Expr]) -> None:
        self.drawn = 0
        self.solves = any(n.op == K.INV and not n.is_scalar for root in roots for n in E.walk(root))

    def __call__(self, p: Point, shape: Shape) -> Columns | None:
        columns = size_of(shape[1], p.sizes)
        if not self.solves or size_of(shape[0], p.sizes) * columns <= LARGE:
            return None
        rng = np.random.default_rng(self.drawn)
        self.drawn += 1
        return Columns(p, np.sort(rng.choice(columns, size=min(COLUMNS, columns), replace=False)))


class Columns:
    """The columns J of values at one point; memo: the point's whole values (shared with the
    rest of the comparison), factors: an LU of each matrix inverted, once."""

    def __init__(self, p: Point, columns: np.ndarray) -> None:
        self.p, self.columns = p, columns
        self.memo: dict[Expr, np.ndarray] = {}
        self.factors: dict[Expr, Any] = {}
        self.known: dict[Expr, np.ndarray] = {}

    def of(self, e: Expr) -> np.ndarray:
        """e's columns J (every row); a scalar's value."""
        if e.is_scalar:
            return value(e, self.p, self.memo)
        if e not in self.known:
            eye = np.zeros((size_of(e.shape[1], self.p.sizes), self.columns.size))
            eye[self.columns, np.arange(self.columns.size)] = 1.0
            with np.errstate(all="ignore"):
                self.known[e] = self.times(e, eye)
        return self.known[e]

    def times(self, e: Expr, v: np.ndarray) -> np.ndarray:
        """value(e) @ v without forming value(e) where e is a product, a sum, a transpose or
        an inverse."""
        if e.op == K.MUL:
            out = v
            for a in reversed(e.args):
                out = out * value(a, self.p, self.memo) if a.is_scalar else self.times(a, out)
            return out
        if e.op == K.ADD:
            return sum((self._term(t, e, v) for t in e.args), np.zeros((self._rows(e), v.shape[1])))
        if e.op == K.INV:
            return self._solve(e.args[0], v)
        if e.op == K.T:
            return self._transposed(e.args[0], v)
        return value(e, self.p, self.memo) @ v

    def _term(self, t: Expr, e: Expr, v: np.ndarray) -> np.ndarray:
        if t.is_scalar and not e.is_scalar:  # a scalar added to every entry
            return value(t, self.p, self.memo) * np.ones((self._rows(e), 1)) @ v.sum(axis=0, keepdims=True)
        return self.times(t, v)

    def _transposed(self, a: Expr, v: np.ndarray) -> np.ndarray:
        """value(a)^T @ v."""
        if a.op == K.INV:
            return self._solve(a.args[0], v, transposed=True)
        if a.op == K.MUL:
            out = v
            for f in a.args:
                out = out * value(f, self.p, self.memo) if f.is_scalar else self._transposed(f, out)
            return out
        if a.op == K.ADD:
            return sum((self._term(E.T(t), E.T(a), v) for t in a.args), np.zeros((self._rows(E.T(a)), v.shape[1])))
        if a.op == K.T:
            return self.times(a.args[0], v)
        return value(a, self.p, self.memo).T @ v

    def _solve(self, a: Expr, v: np.ndarray, transposed: bool = False) -> np.ndarray:
        """inv(a) @ v (inv(a)^T @ v), from a's one LU factorisation at this point (of b for
        a = b^T); NaN where a is singular or ill-conditioned, as the inverse's evaluation."""
        from scipy.linalg import lu_solve

        if a.op == K.T:
            a, transposed = a.args[0], not transposed
        if a not in self.factors:
            self.factors[a] = factored(_Env(self.p.values, self.p.sizes), value(a, self.p, self.memo))
        lu = self.factors[a]
        if lu is None:
            return np.full((self._rows(a), v.shape[1]), np.nan)
        return lu_solve(lu, v, trans=1 if transposed else 0, check_finite=False)

    def _rows(self, e: Expr) -> int:
        return size_of(e.shape[0], self.p.sizes)
