"""Numbers for trees: evaluation with numpy at a point (points.py draws them), and central
finite differences laid out exactly as derive.FinishedDerivative lays out its result.

Used by `matcalc check`, `--verify` and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import tangent
from matcalc_cli.drawing import Values, size_of
from matcalc_cli.expr import Dim, Expr
from matcalc_cli.ops import OPS


def _as2d(v: Any) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    return a.reshape(1, 1) if a.ndim == 0 else a


class _Env:
    """What an operation's evaluator sees (ops.base.Env)."""

    np = np

    def __init__(self, values: Values, sizes: dict[Dim, int]) -> None:
        self.values, self.sizes = values, sizes

    def size(self, d: Dim) -> int:
        return size_of(d, self.sizes)

    def value(self, name: str) -> np.ndarray:
        return _as2d(self.values[name])


def evaluate(root: Expr, values: Values, sizes: dict[Dim, int],
             memo: dict[Expr, np.ndarray] | None = None) -> np.ndarray:
    """The value of root as a 2-D array (scalars are 1x1), by each operation's evaluator.
    memo: values already known at this point (a claim and a derivative share their
    subexpressions: an inverse is computed once for both)."""
    env = _Env(values, sizes)
    memo = {} if memo is None else memo
    for node in E.walk(root):
        if node not in memo:
            memo[node] = _as2d(OPS[node.op].evaluate(env, node, [memo[a] for a in node.args]))
    return memo[root]


# ------------------------------------------------------------------ finite differences
def steps(flat: np.ndarray, h: float) -> np.ndarray:
    """Central-difference steps relative to the variable's size (its root mean square: a
    variable at 1e-3 and one at 1e3 each moved by the same fraction of itself), and to an
    entry larger than that; never below h * 1e-6."""
    a = np.abs(flat)
    rms = float(np.sqrt(np.mean(a * a))) if a.size else 1.0
    return h * np.maximum(np.maximum(a, rms), 1e-6)


def fd_jacobian(func: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d vec(func) / d vec(x)^T by central differences (vec stacks columns)."""
    x0 = _as2d(x0)
    return fd_columns(func, x0, range(x0.size), h)


def fd_columns(func: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, entries: Sequence[int],
               h: float = 1e-6) -> np.ndarray:
    """The columns of fd_jacobian for the given entries of vec(x) only: a sample of a large x."""
    x0 = _as2d(x0)
    flat = x0.reshape(-1, order="F")
    hs = steps(flat, h)
    cols = []
    for i in entries:
        step = np.zeros_like(flat)
        step[i] = hs[i]
        up, down = func((flat + step).reshape(x0.shape, order="F")), func((flat - step).reshape(x0.shape, order="F"))
        cols.append(((up - down) / (2 * hs[i])).reshape(-1, order="F"))
    return np.stack(cols, axis=1)


def unarrange(d: np.ndarray, f_shape: tuple[int, int], x_shape: tuple[int, int], layout: str,
              f_kind: str, x_kind: str) -> np.ndarray:
    """arrange's inverse: d vec(f)/d vec(x)^T from the derivative as matcalc prints it."""
    f_size, x_size = f_shape[0] * f_shape[1], x_shape[0] * x_shape[1]
    if x_kind == "scalar" or f_kind == "scalar":
        return d.reshape((f_size, x_size), order="F")
    return d if layout == "numerator" else d.T


def fd_within(func: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, x: Expr, h: float = 1e-6) -> np.ndarray:
    """fd_jacobian, within the structure of the variable x when it has one (tangent.jacobian:
    along an orthonormal basis of its tangent space, steps relative to x0's size as steps())."""
    s = x.info.structure
    if s is None or x0.shape[0] != x0.shape[1] or x0.shape == (1, 1):
        return fd_jacobian(func, x0, h)
    a = np.abs(x0)
    return tangent.jacobian(func, x0, s, h * max(float(np.sqrt(np.mean(a * a))), 1e-6))


def kind(shape: tuple[Any, Any], variable: bool = False) -> str:
    """scalar, vector or matrix, as CONTRACT.md's table reads a shape: a row counts as a
    vector when differentiated, but a variable is a vector only as a column."""
    r, c = shape
    if (r, c) == (1, 1):
        return "scalar"
    if c == 1 or (r == 1 and not variable):
        return "vector"
    return "matrix"


def arrange(jac: np.ndarray, f_shape: tuple[int, int], x_shape: tuple[int, int], layout: str,
            f_kind: str | None = None, x_kind: str | None = None) -> np.ndarray:
    """Lay out d vec(f)/d vec(x)^T as matcalc prints the derivative (CONTRACT.md's table).
    The kinds come from the symbolic shapes (a declared 1×n is a matrix); by default
    they are read from the sizes."""
    fk = f_kind or kind(f_shape)
    xk = x_kind or kind(x_shape, variable=True)
    if xk == "scalar":
        if fk != "vector":
            return jac.reshape(f_shape, order="F")
        col = jac.reshape(-1, 1)
        return col if layout == "numerator" else col.T
    if fk == "scalar":
        if xk == "matrix":
            return jac.reshape(x_shape, order="F")
        return jac.reshape(1, -1) if layout == "numerator" else jac.reshape(-1, 1)
    return jac if layout == "numerator" else jac.T


def numeric_derivative(f: Expr, wrt: list[Expr], values: Values, sizes: dict[Dim, int],
                       layout: str = "numerator", h: float = 1e-6) -> np.ndarray:
    """The derivative of f by central differences, in matcalc's layout. A second derivative
    by u then v is the derivative by v of g = df/du in gradient shape (CONTRACT.md)."""
    x = wrt[0]
    xk = kind(x.shape, variable=True)

    def f_at(v: np.ndarray, name: str = x.name) -> np.ndarray:
        return evaluate(f, {**values, name: v}, sizes)

    x0 = _as2d(values[x.name])
    f0 = evaluate(f, values, sizes)
    if len(wrt) == 1:
        return arrange(fd_within(f_at, x0, x, h), f0.shape, x0.shape, layout,  # type: ignore[arg-type]
                       kind(f.shape), xk)
    y = wrt[1]
    y0 = _as2d(values[y.name])
    hh = 1e-4

    def grad_at(v: np.ndarray) -> np.ndarray:
        vals = {**values, y.name: v}
        return arrange(fd_within(lambda u: evaluate(f, {**vals, x.name: u}, sizes), _as2d(vals[x.name]), x, hh),
                       f0.shape, x0.shape, "denominator", "scalar", xk)  # type: ignore[arg-type]

    g0 = grad_at(y0)
    return arrange(fd_within(grad_at, y0, y, hh), g0.shape, y0.shape, layout,  # type: ignore[arg-type]
                   xk, kind(y.shape, variable=True))


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    got, want = _as2d(got), _as2d(want)
    if got.shape != want.shape:
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    return float(np.max(np.abs(got - want))) / scale if got.size else 0.0
