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
A structured variable (--symmetric, --spd, --lower, ...) is moved along the same directions
of its tangent space as numeric.fd_within moves it (tangent.basis, tangent.step), so that
the estimate is the gradient within the structure, as the first differences are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcalc_cli import tangent
from matcalc_cli.drawing import Values
from matcalc_cli.expr import Dim, Expr
from matcalc_cli.numeric import arrange, evaluate, kind

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
    variable is differenced along its tangent space, as fd was (tangent.py).
    got: the derivative the errors are of; given, the first entry the new differences
    confirm off ends the search (the point is off: a wrong derivative costs one entry a point)."""
    errors = np.where(np.isfinite(errors), errors, np.inf)
    if errors.shape != fd.shape or not np.any(errors > tol):
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
        fine = next((fine for fine, coarse in (estimate(r, c, wide) for wide in (False, True))
                     if np.isfinite(fine) and abs(fine - coarse) <= tol / 10 * (abs(fine) + floor)), None)
        if fine is not None:
            at_k = np.unravel_index(k, out.shape)
            out[at_k] = fine
            if got is not None and abs(got[at_k] - fine) > tol * abs(got[at_k] - fd[at_k]) / flat[k]:
                break  # the error's own measure (|got - fd| / errors) says it is off still
    return out


class _Estimates:
    """Entry (r, c) of the Jacobian d vec(f) / d vec(x)^T, or of the Hessian d^2 f / d x_r
    d y_c, extrapolated from the steps t, t/2 and t/4 along the directions that move entry c
    (and r): Richardson's (4 D(t/2) - D(t)) / 3 and (4 D(t/4) - D(t/2)) / 3, the second
    (finer) and the first. A direction is a unit matrix, or for a structured variable the
    basis of its tangent space that numeric.fd_within differences along (tangent.py: E_ij +
    E_ji over sqrt 2 for a symmetric one, steps on the group for an orthogonal one), so that
    the estimate is the same projection J P as the first differences'. A direction's
    differences are computed once for every entry it serves.
    Steps are sized to the entries moved; where that estimate moves with its step (rounding:
    an entry at 4e-4 of the others steps by 4e-7, and a second difference divides by two
    steps), wide steps sized to the variable as well (numeric.steps) are tried: their series
    in t is longer, which the two extrapolations' agreement tells."""

    def __init__(self, f: Expr, wrt: list[Expr], values: Values, sizes: dict[Dim, int], second: bool) -> None:
        self.f, self.wrt, self.values, self.sizes, self.second = f, wrt, values, sizes, second
        self.bases: dict[str, list[np.ndarray] | None] = {}
        self.slopes: dict[tuple[int, float], np.ndarray] = {}  # (direction, step): its difference
        self.mixed: dict[tuple[int, int, float, bool], float] = {}  # (direction, direction, t, wide)

    def __call__(self, r: int, c: int, wide: bool = False) -> tuple[float, float]:
        ts = (1.0, 0.5, 0.25)
        if self.second:
            x, y = self.wrt
            h = [sum(ca * cb * self._hessian((ka, a), (kb, b), t, wide) for ka, a, ca in self._directions(x, r)
                     for kb, b, cb in self._directions(y, c)) for t in ts]
            return float(_richardson(h[1], h[2])), float(_richardson(h[0], h[1]))
        d = [self._column(c, t, wide) for t in ts]
        return float(_richardson(d[1], d[2])[r]), float(_richardson(d[0], d[1])[r])

    def _basis(self, x: Expr) -> list[np.ndarray] | None:
        """x's structure's tangent basis at the point, None for no structure (units), as
        numeric.fd_within chooses."""
        if x.name not in self.bases:
            x0, s = _as2d(self.values[x.name]), x.info.structure
            square = x0.shape[0] == x0.shape[1] and x0.shape != (1, 1)
            self.bases[x.name] = tangent.basis(s, x0) if s is not None and square else None
        return self.bases[x.name]

    def _directions(self, x: Expr, i: int) -> list[tuple[int, np.ndarray, float]]:
        """The directions that move entry i of vec(x), each with a key (its index in the basis,
        or -1 - i for the unit matrix of entry i) and its entry i (the derivative's entry i is
        the sum of the directional derivatives times these)."""
        basis = self._basis(x)
        if basis is None:
            rows, cols = _as2d(self.values[x.name]).shape
            unit = np.zeros((rows, cols))
            unit[i % rows, i // rows] = 1.0
            return [(-1 - i, unit, 1.0)]
        at = [float(b.reshape(-1, order="F")[i]) for b in basis]
        return [(k, b, w) for k, (b, w) in enumerate(zip(basis, at, strict=True)) if w != 0.0]

    def _step(self, x: Expr, b: np.ndarray, t: float, wide: bool) -> float:
        """Each entry the direction moves, moved by a fraction of itself at most (wide: of
        itself or of the variable's root mean square, the larger)."""
        a = np.abs(_as2d(self.values[x.name]))
        rms = float(np.sqrt(np.mean(a * a))) if a.size else 1.0
        moved = np.abs(b) > 1e-12 * float(np.max(np.abs(b), initial=0.0))
        least = rms if wide else FLOOR * rms
        size = float(np.min(np.maximum(a[moved], least) / np.abs(b[moved]), initial=np.inf))
        return t * STEP[self.second] * max(size if np.isfinite(size) else rms, 1e-300)

    def _at(self, moves: list[tuple[Expr, np.ndarray, float]]) -> np.ndarray:
        """vec(f) with each x moved by h along b (inside its structure)."""
        vals = dict(self.values)
        for x, b, h in moves:
            vals[x.name] = tangent.step(x.info.structure if self._basis(x) is not None else None,
                                        _as2d(vals[x.name]), b, h)
        with np.errstate(all="ignore"):
            return evaluate(self.f, vals, self.sizes).reshape(-1, order="F")

    def _column(self, c: int, t: float, wide: bool) -> np.ndarray:
        x = self.wrt[0]
        out: np.ndarray | float = 0.0
        for k, b, w in self._directions(x, c):
            h = self._step(x, b, t, wide)
            if (k, h) not in self.slopes:
                self.slopes[k, h] = (self._at([(x, b, h)]) - self._at([(x, b, -h)])) / (2 * h)
            out = out + w * self.slopes[k, h]
        if np.ndim(out):
            return np.asarray(out)
        return np.zeros(evaluate(self.f, self.values, self.sizes).size)  # no direction moves it: outside the structure

    def _hessian(self, ka_a: tuple[int, np.ndarray], kb_b: tuple[int, np.ndarray], t: float, wide: bool) -> float:
        """The second difference along directions a (of x) and b (of y), keyed as _directions
        keys them (E_12 + E_21 serves entries 12 and 21 of a symmetric variable)."""
        (ka, a), (kb, b) = ka_a, kb_b
        key = (ka, kb, t, wide)
        if key not in self.mixed:
            x, y = self.wrt
            ha, hb = self._step(x, a, t, wide), self._step(y, b, t, wide)
            corners = [sx * sy * self._at([(y, b, sy * hb), (x, a, sx * ha)])[0]
                       for sx in (1.0, -1.0) for sy in (1.0, -1.0)]
            self.mixed[key] = float(sum(corners) / (4 * ha * hb))
        return self.mixed[key]


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

