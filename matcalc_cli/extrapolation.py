"""A second opinion before a mismatch with central differences is declared (diff --verify,
the random differential test).

numeric.py's differences step every entry of a variable by a fraction of the variable's
size (its root mean square): cheap, and right almost everywhere, but far too wide for an
entry near a singularity of the expression. sqrt(A) with one entry of A at 1e-2 of the
others: a Hessian's step of 1e-4 of the whole matrix is 1e-2 of that entry, and its
difference is off by 1e-4 (tr((B s) sqrt(A)): -269.318 for -269.2484). So where a
derivative disagrees with those differences, the entries it disagrees at are differenced
again, each stepped by a fraction of itself, at three steps halving, Richardson
extrapolated twice; an estimate counts only where the two extrapolations agree (a wrong
derivative is off from both, and an estimate that moves with its step says nothing).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcalc_cli.expr import Dim, Expr
from matcalc_cli.numeric import Values, arrange, evaluate, kind

# Each entry's step as a fraction of itself: inside sampling's margins (an entry moved by
# 1e-3 of itself crosses no kink for a first derivative, 1e-2 for a second), large enough
# that rounding stays far below the tolerances (a second difference divides by two steps).
STEP = (5e-4, 1e-3)  # a first derivative's, a second's
FLOOR = 1e-6  # of the variable's root mean square: the step of an entry at about 0
MAX_ENTRIES = 400  # differenced again at one point, the farthest off first


def second_opinion(f: Expr, wrt: list[Expr], values: Values, sizes: dict[Dim, int], layout: str,
                   fd: np.ndarray, errors: np.ndarray, tol: float, floor: float = 0.0,
                   got: np.ndarray | None = None) -> np.ndarray:
    """fd (numeric.numeric_derivative's, in matcalc's layout) with the entries whose errors
    (the derivative's against fd, entry by entry) exceed tol, the farthest off first (at
    most MAX_ENTRIES), replaced by extrapolated differences with steps per entry, where the
    two extrapolations agree to tol / 10 of their size (plus floor: the size below which the
    caller's comparison counts no difference, an entry about 0 has one). A structured
    variable keeps fd: its differences go along its tangent space, not entry by entry.
    got: the derivative the errors are of; given, the first entry the new differences
    confirm off ends the search (the point is off: a wrong derivative costs one entry a point)."""
    errors = np.where(np.isfinite(errors), errors, np.inf)
    if any(x.info.structure is not None for x in wrt) or errors.shape != fd.shape or not np.any(errors > tol):
        return fd
    x0 = _as2d(values[wrt[0].name])
    f0 = evaluate(f, values, sizes)
    second = len(wrt) == 2
    y0 = _as2d(values[wrt[-1].name])
    rows, cols = (x0.size, y0.size) if second else (f0.size, x0.size)
    # where each printed entry comes from: (row, column) of the Jacobian (of the Hessian)
    index = _arranged(np.arange(rows * cols).reshape(rows, cols), f, wrt, f0, x0, y0, layout)
    if index.shape != fd.shape:
        return fd
    out = np.array(fd, dtype=float)
    flat = errors.reshape(-1)
    at = [k for k in np.argsort(-flat, kind="stable")[:MAX_ENTRIES] if flat[k] > tol]
    estimate = _Estimates(f, wrt, values, sizes, second)
    for k in at:
        r, c = divmod(int(index[np.unravel_index(k, index.shape)]), cols)
        fine, coarse = estimate(r, c)
        if np.isfinite(fine) and abs(fine - coarse) <= tol / 10 * (abs(fine) + floor):
            at_k = np.unravel_index(k, out.shape)
            out[at_k] = fine
            if got is not None and abs(got[at_k] - fine) > tol * abs(got[at_k] - fd[at_k]) / flat[k]:
                break  # the error's own measure (|got - fd| / errors) says it is off still
    return out


class _Estimates:
    """Entry (r, c) of the Jacobian d vec(f) / d vec(x)^T, or of the Hessian d^2 f / d x_r
    d y_c, extrapolated from the steps t, t/2 and t/4 of entry c (and r): Richardson's
    (4 D(t/2) - D(t)) / 3 and (4 D(t/4) - D(t/2)) / 3, the second (finer) and the first.
    A Jacobian's column is computed once for all its rows."""

    def __init__(self, f: Expr, wrt: list[Expr], values: Values, sizes: dict[Dim, int], second: bool) -> None:
        self.f, self.wrt, self.values, self.sizes, self.second = f, wrt, values, sizes, second
        self.columns: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, r: int, c: int) -> tuple[float, float]:
        if self.second:
            h = [self._hessian(r, c, t) for t in (1.0, 0.5, 0.25)]
            return _richardson(h[1], h[2]), _richardson(h[0], h[1])
        if c not in self.columns:
            d = [self._column(c, t) for t in (1.0, 0.5, 0.25)]
            self.columns[c] = (_richardson(d[1], d[2]), _richardson(d[0], d[1]))
        fine, coarse = self.columns[c]
        return float(fine[r]), float(coarse[r])

    def _step(self, x: Expr, i: int, t: float) -> float:
        a = np.abs(_as2d(self.values[x.name])).reshape(-1, order="F")
        rms = float(np.sqrt(np.mean(a * a))) if a.size else 1.0
        return t * STEP[self.second] * max(float(a[i]), FLOOR * rms, 1e-300)

    def _at(self, moves: list[tuple[Expr, int, float]]) -> np.ndarray:
        """vec(f) with entry i (of vec(x): columns stacked) of each x moved by h."""
        vals = dict(self.values)
        for x, i, h in moves:
            v = _as2d(vals[x.name]).copy()
            v[i % v.shape[0], i // v.shape[0]] += h
            vals[x.name] = v
        with np.errstate(all="ignore"):
            return evaluate(self.f, vals, self.sizes).reshape(-1, order="F")

    def _column(self, c: int, t: float) -> np.ndarray:
        x = self.wrt[0]
        h = self._step(x, c, t)
        return (self._at([(x, c, h)]) - self._at([(x, c, -h)])) / (2 * h)

    def _hessian(self, r: int, c: int, t: float) -> float:
        x, y = self.wrt
        hx, hy = self._step(x, r, t), self._step(y, c, t)
        corners = [sx * sy * self._at([(x, r, sx * hx), (y, c, sy * hy)])[0]
                   for sx in (1.0, -1.0) for sy in (1.0, -1.0)]
        return float(sum(corners) / (4 * hx * hy))


def _richardson(coarse: Any, fine: Any) -> Any:
    """The central differences' error is a series in t^2: halving t, (4 D(t/2) - D(t)) / 3
    cancels its first term."""
    return (4 * fine - coarse) / 3


def _arranged(index: np.ndarray, f: Expr, wrt: list[Expr], f0: np.ndarray, x0: np.ndarray, y0: np.ndarray,
              layout: str) -> np.ndarray:
    """The index array laid out as numeric.numeric_derivative lays out its differences."""
    xk = kind(wrt[0].shape, variable=True)
    if len(wrt) == 1:
        return arrange(index, f0.shape, x0.shape, layout, kind(f.shape), xk)  # type: ignore[arg-type]
    g_shape = arrange(np.zeros((1, x0.size)), f0.shape, x0.shape, "denominator", "scalar", xk).shape
    return arrange(index, g_shape, y0.shape, layout, xk, kind(wrt[1].shape, variable=True))  # type: ignore[arg-type]


def _as2d(v: object) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    return a.reshape(1, 1) if a.ndim == 0 else a

