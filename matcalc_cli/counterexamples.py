"""Counterexamples to convexity and concavity: points and directions where the second
difference f(x + h v) + f(x - h v) - 2 f(x) has the wrong sign, found by search over the
domain (sizes 2 and more, several scales, both signs, inside --positive and --spd) and
kept only when the sign is beyond doubt (far above rounding, unmoved by a nudge of the
inputs, the same in long double). The numbers are rounded before use, so that the
printed point reproduces the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import tangent
from matcalc_cli.drawing import dim_sizes, draw, size_of
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import OPS
from matcalc_cli.structure import NONE, Structure, Structures


@dataclass(frozen=True)
class Counterexample:
    values: dict[str, Any]  # the point: every name
    direction: dict[str, Any]  # v: the variables asked about
    h: float
    f: tuple[float, float, float]  # f(x - h v), f(x), f(x + h v)

    @property
    def second_difference(self) -> float:
        return self.f[0] + self.f[2] - 2 * self.f[1]

    def lines(self) -> list[str]:
        d2 = self.second_difference
        return [f"at {_values_text(self.values)}",
                f"along v: {_values_text(self.direction)}, h = {self.h:g}",
                f"f(x - h v) = {_num(self.f[0])}, f(x) = {_num(self.f[1])}, f(x + h v) = {_num(self.f[2])}",
                f"f(x + h v) + f(x - h v) - 2 f(x) = {_num(d2)} {'<' if d2 < 0 else '>'} 0 "
                f"(second directional derivative about {_num(d2 / self.h ** 2)})"]

    def to_json(self) -> dict[str, Any]:
        return {"point": {k: _listed(v) for k, v in self.values.items()},
                "direction": {k: _listed(v) for k, v in self.direction.items()}, "h": self.h,
                "f_minus": self.f[0], "f": self.f[1], "f_plus": self.f[2],
                "second_difference": self.second_difference,
                "second_derivative": self.second_difference / self.h ** 2}


ATTEMPTS = 48
CHECK_ATTEMPTS = 12  # a certified question is searched too, briefly: a check on the rules
SCALES = (1.0, 0.1, 10.0, 0.01, 100.0, 0.3, 3.0)
STEPS = (0.5, 0.1, 0.01)
MARGIN = 1e-7  # of the largest magnitude met while evaluating: far above rounding


def _point(attempt: int, variables: dict[str, Shape], wrt: tuple[str, ...], sym: frozenset[str],
           pos: frozenset[str], spd: frozenset[str], unit: bool = False, structures: Structures = NONE,
           ) -> tuple[dict[str, Any], dict[Any, int], np.random.Generator]:
    """A random point of the declared domain, rounded: sizes 2 first, then varied; every
    other attempt all names positive (log(x) needs it); the variables at several scales.
    structures: the other matrix structures (diagonal, triangular, orthogonal: never scaled)."""
    rng = np.random.default_rng(attempt)
    sizes = {d: 2 for d in dim_sizes(variables)} if attempt < 8 else dim_sizes(variables, base=attempt)
    all_positive = attempt % 2 == 1
    names = list(variables)
    values = {}
    for n in names:
        other = structures.of(n) if structures.of(n) in _SUBSPACES + (Structure.ORTHOGONAL,) else None
        v = draw(variables[n], other or n in sym or n in spd, rng, sizes, n in pos or n in spd or all_positive)
        if n in pos:  # a square matrix is drawn near the identity: --positive wants every entry positive
            v = np.abs(v) + 0.05
        scale = 1.0 if unit or other is Structure.ORTHOGONAL else \
            SCALES[(attempt // 2 + names.index(n)) % len(SCALES)] if n in wrt else float(rng.choice((0.3, 1.0, 3.0)))
        # an orthogonal value rounded is not orthogonal: kept whole (printed rounded)
        values[n] = np.asarray(v, dtype=float) if other is Structure.ORTHOGONAL else \
            _round(np.asarray(v, dtype=float) * scale)
    return values, sizes, rng


def _direction(rng: np.random.Generator, values: dict[str, Any], variables: dict[str, Shape],
               wrt: tuple[str, ...], sizes: dict[Any, int], symmetric: frozenset[str],
               structures: Structures = NONE) -> dict[str, Any]:
    """A random direction of the wrt variables, inside their structures (a linear subspace:
    the whole line stays in it)."""
    out = {}
    for w in wrt:
        shape = tuple(size_of(d, sizes) for d in variables[w])
        d = rng.standard_normal(shape)
        s = structures.of(w)
        if s in _SUBSPACES and len(shape) == 2 and shape[0] == shape[1]:
            d = tangent.project(s, np.asarray(values[w], dtype=float), d)  # type: ignore[arg-type]
        elif w in symmetric:
            d = (d + d.T) / 2
        out[w] = _round(d * max(float(np.max(np.abs(values[w]))), 1e-3))
    return out


_SUBSPACES = (Structure.DIAGONAL, Structure.LOWER, Structure.UPPER)  # of the matrices: convex domains


def search(f: Expr, variables: dict[str, Shape], wrt: tuple[str, ...], sym: frozenset[str],
           pos: frozenset[str], spd: frozenset[str], certified: frozenset[str] = frozenset(),
           structures: Structures = NONE) -> dict[str, Counterexample]:
    """Points and directions where the second difference of f has the wrong sign for
    convexity (negative) or concavity (positive), over the domain at several scales and both
    signs; the numbers are rounded first so that the printed point reproduces the values.
    A certified question is searched too, for fewer attempts: a check on the rules."""
    found: dict[str, Counterexample] = {}
    for attempt in range(ATTEMPTS):
        open_questions = [q for q in ("convex", "concave") if q not in found
                          and (q not in certified or attempt < CHECK_ATTEMPTS)]
        if not open_questions:
            break
        values, sizes, rng = _point(attempt, variables, wrt, sym, pos, spd, structures=structures)
        f0 = _value(f, values, sizes)
        if f0 is None:
            continue
        for _ in range(3):
            direction = _direction(rng, values, variables, wrt, sizes, sym | spd, structures)
            for h in STEPS:
                cx = _try(f, values, direction, h, sizes, pos, spd, f0)
                if cx is not None:
                    found.setdefault("convex" if cx.second_difference < 0 else "concave", cx)
    return found


def _try(f: Expr, values: dict[str, Any], direction: dict[str, Any], h: float, sizes: dict[Any, int],
         pos: frozenset[str], spd: frozenset[str], f0: float) -> Counterexample | None:
    """A counterexample at values along direction with step h, if the second difference's
    sign is beyond doubt: far above the rounding of every value met on the way, and the
    same when every input moves by a relative 1e-9 (a value that cancellation amplifies,
    log(1 - sigmoid(30)), moves with it and is refused)."""
    ends = _ends(f, values, direction, h, sizes, pos, spd)
    if ends is None:
        return None
    d2 = ends[0] + ends[1] - 2 * f0
    scale = max(_magnitude(f, values, sizes), *(_magnitude(f, _moved(values, direction, s * h), sizes)
                                                 for s in (-1.0, 1.0)))
    if not abs(d2) > MARGIN * scale:
        return None
    rng = np.random.default_rng(0)
    nudged = {k: _nudge(v, rng) for k, v in values.items()}
    again = _ends(f, nudged, direction, h, sizes, pos, spd)
    g0 = _value(f, nudged, sizes)
    if again is None or g0 is None or abs(again[0] + again[1] - 2 * g0 - d2) > 1e-3 * abs(d2):
        return None
    # The same second difference in extended precision: rounding that a saturated sigmoid
    # turns into steps of the size of the difference itself (log(sigmoid(-37))) shows here.
    wide = [_wide_value(f, _moved(values, direction, t * h), sizes) for t in (-1.0, 0.0, 1.0)]
    if all(w is not None for w in wide) and WIDE:
        if abs(wide[0] + wide[2] - 2 * wide[1] - d2) > 1e-3 * abs(d2):  # type: ignore[operator]
            return None
    elif not abs(d2) > FALLBACK_MARGIN * scale:
        return None
    return Counterexample(values, direction, h, (ends[0], f0, ends[1]))


# Extended precision where the platform has it (x86: 64-bit mantissa, eps 1e-19).
WIDE = bool(np.finfo(np.longdouble).eps < 1e-18)
FALLBACK_MARGIN = 1e-4  # without it (linalg has no long double): a margin far from any rounding


def _wide_value(f: Expr, values: dict[str, Any], sizes: dict[Any, int]) -> Any:
    """f in long double, or None where an operation has no long double (linalg)."""
    from matcalc_cli.numeric import _Env

    class Wide(_Env):
        def value(self, name: str) -> np.ndarray:
            a = np.asarray(self.values[name], dtype=np.longdouble)
            return a.reshape(1, 1) if a.ndim == 0 else a

    env = Wide(values, sizes)
    memo: dict[int, Any] = {}
    with np.errstate(all="ignore"):
        try:
            for node in E.walk(f):
                a = np.asarray(OPS[node.op].evaluate(env, node, [memo[id(x)] for x in node.args]))
                if not node.args:  # numbers, eye, ones: exact in double
                    a = a.astype(np.longdouble)
                elif a.dtype != np.longdouble:
                    return None  # something on the way rounded to double
                memo[id(node)] = a.reshape(1, 1) if a.ndim == 0 else a
        except (TypeError, np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return None
    out = memo[id(f)]
    return out.reshape(-1)[0] if out.size == 1 and np.isfinite(out.reshape(-1)[0]) else None


def _moved(values: dict[str, Any], direction: dict[str, Any], step: float) -> dict[str, Any]:
    return {**values, **{w: values[w] + step * d for w, d in direction.items()}}


def _ends(f: Expr, values: dict[str, Any], direction: dict[str, Any], h: float, sizes: dict[Any, int],
          pos: frozenset[str], spd: frozenset[str]) -> tuple[float, float] | None:
    """f(x - h v) and f(x + h v), both inside the declared domain and defined."""
    out = []
    for sign in (-1.0, 1.0):
        p = _moved(values, direction, sign * h)
        if not all(_in_domain(p[w], w in pos, w in spd) for w in direction):
            return None
        fv = _value(f, p, sizes)
        if fv is None:
            return None
        out.append(fv)
    return out[0], out[1]


def _nudge(v: Any, rng: np.random.Generator) -> Any:
    """v with each entry moved by a relative 1e-9 (symmetric matrices stay symmetric)."""
    a = np.asarray(v, dtype=float)
    r = rng.standard_normal(a.shape)
    if a.ndim == 2 and a.shape[0] == a.shape[1] and np.array_equal(a, a.T):
        r = (r + r.T) / 2
    out = a * (1 + 1e-9 * r)
    return float(out.item()) if np.ndim(v) == 0 else out


def _in_domain(v: Any, positive: bool, spd: bool) -> bool:
    a = np.asarray(v, dtype=float)
    if positive and not np.all(a > 0):
        return False
    if spd:
        try:
            np.linalg.cholesky((a + a.T) / 2)
        except np.linalg.LinAlgError:
            return False
    return True


def _value(f: Expr, values: dict[str, Any], sizes: dict[Any, int]) -> float | None:
    with np.errstate(all="ignore"):
        try:
            v = evaluate(f, values, sizes)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return None
    x = float(v.item())
    return x if np.isfinite(x) and abs(x) < 1e100 else None


def _magnitude(f: Expr, values: dict[str, Any], sizes: dict[Any, int]) -> float:
    """The largest entry of any subexpression at the point: what rounding is relative to."""
    from matcalc_cli.numeric import _Env

    env = _Env(values, sizes)
    memo: dict[int, np.ndarray] = {}
    top = 1.0
    with np.errstate(all="ignore"):
        for node in E.walk(f):
            a = np.asarray(OPS[node.op].evaluate(env, node, [memo[id(x)] for x in node.args]), dtype=float)
            memo[id(node)] = a.reshape(1, 1) if a.ndim == 0 else a
            if a.size:
                top = max(top, float(np.nanmax(np.abs(a))) if np.any(np.isfinite(a)) else 0.0)
    return top


def _round(v: Any) -> Any:
    """Three significant digits: the printed numbers are the point itself."""
    if np.isscalar(v) or np.asarray(v).size == 1:
        x = float(np.asarray(v).item())
        return float(f"{x:.3g}")
    return np.vectorize(lambda x: float(f"{x:.3g}"))(np.asarray(v, dtype=float))


# ------------------------------------------------------------------ text
def _num(x: float) -> str:
    return f"{x:.6g}"


def _listed(v: Any) -> Any:
    a = np.asarray(v, dtype=float)
    return float(a.item()) if a.size == 1 else a.tolist()


def _array(v: Any) -> str:
    a = np.asarray(v, dtype=float)
    if a.size == 1:
        return f"{float(a.item()):g}"
    if a.ndim == 2 and a.shape[1] == 1:
        return "[" + ", ".join(f"{x:g}" for x in a[:, 0]) + "]"
    return "[" + "; ".join(", ".join(f"{x:g}" for x in row) for row in a) + "]"


def _values_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_array(v)}" for k, v in values.items())
