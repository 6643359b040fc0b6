"""What bench/run.py derives: the evaluation sample's cases and the five scaling series,
each as matcalc's input beside the same expression built over SymPy's MatrixSymbols."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

DIMS = ("n", "m", "k", "p")


@dataclass(frozen=True)
class Job:
    """One derivation: matcalc's input, and how to say it in SymPy."""

    label: str
    expr: str
    wrt: tuple[str, ...]
    shapes: dict[str, str]
    symmetric: tuple[str, ...] = ()
    sympy: Callable[[Any], tuple[Any, Any]] | None = None  # S -> (expression, wrt symbol)


def sympy_namespace(shapes: dict[str, str]) -> SimpleNamespace:
    """MatrixSymbols with symbolic dimensions, Symbols for scalars (as the eval harness does)."""
    import sympy as sp

    dsym = {d: sp.Symbol(d, integer=True, positive=True) for d in DIMS}

    def dim(d: str) -> Any:
        d = d.strip()
        return int(d) if d.isdigit() else dsym.get(d) or sp.Symbol(d, integer=True, positive=True)

    ns: dict[str, Any] = {}
    for name, spec in shapes.items():
        parts = [p for p in spec.replace(" ", "").split(",") if p]
        if spec.strip() == "scalar":
            ns[name] = sp.Symbol(name, real=True)
        elif len(parts) == 1:
            ns[name] = sp.MatrixSymbol(name, dim(parts[0]), 1)
        else:
            ns[name] = sp.MatrixSymbol(name, dim(parts[0]), dim(parts[1]))
    return SimpleNamespace(**ns)


# ------------------------------------------------------------------ the evaluation sample
def load_cases(path: Path) -> ModuleType | None:
    if not path.exists():
        return None
    sys.path.insert(0, str(path.parent))  # cases.py may import its neighbours
    spec = importlib.util.spec_from_file_location("matcalc_eval_cases", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_jobs(cases: ModuleType) -> list[Job]:
    jobs = []
    for c in cases.CASES:
        wrt = tuple(c.wrt) if isinstance(c.wrt, tuple) else (c.wrt,)
        jobs.append(Job(c.id, c.expr, wrt, dict(c.shapes), tuple(c.symmetric), c.sympy))
    return jobs


# ------------------------------------------------------------------ the scaling series
def chain_job(k: int) -> Job:
    names = [f"A{i}" for i in range(1, k + 1)]

    def build(S: Any) -> tuple[Any, Any]:
        e = S.x.T
        for a in names:
            e = e * getattr(S, a)
        return e * S.x, S.x

    return Job(f"chain k={k}", "x^T " + " ".join(names) + " x", ("x",),
               {"x": "n", **{a: "n,n" for a in names}}, sympy=build)


def quadratic_sum_job(k: int) -> Job:
    names = [f"A{i}" for i in range(1, k + 1)]

    def build(S: Any) -> tuple[Any, Any]:
        terms = [S.x.T * getattr(S, a) * S.x for a in names]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total, S.x

    return Job(f"quadratic sum k={k}", " + ".join(f"x^T {a} x" for a in names), ("x",),
               {"x": "n", **{a: "n,n" for a in names}}, sympy=build)


def nest_job(k: int) -> Job:
    def build(S: Any) -> tuple[Any, Any]:
        import sympy as sp

        e = S.x
        for _ in range(k):
            e = e.applyfunc(sp.tanh)
        return sp.OneMatrix(1, S.x.shape[0]) * e, S.x

    return Job(f"elementwise nest k={k}", "sum(" + "tanh(" * k + "x" + ")" * k + ")", ("x",),
               {"x": "n"}, sympy=build)


def network_source(k: int) -> str:
    e = "x"
    for i in range(1, k + 1):
        e = f"tanh(W{i} {e})"
    return f"norm({e} - y)^2"


def _network_sympy(k: int, hessian: bool) -> Callable[[Any], tuple[Any, Any]]:
    def build(S: Any) -> tuple[Any, Any]:
        import sympy as sp

        e = S.x
        for i in range(1, k + 1):
            e = (getattr(S, f"W{i}") * e).applyfunc(sp.tanh)
        r = e - S.y
        return (r.T * r), (S.x if hessian else S.W1)

    return build


def _network_shapes(k: int) -> dict[str, str]:
    return {"x": "n", "y": "n", **{f"W{i}": "n,n" for i in range(1, k + 1)}}


def network_job(k: int) -> Job:
    return Job(f"network k={k}", network_source(k), ("W1",), _network_shapes(k), sympy=_network_sympy(k, False))


def network_hessian_job(k: int) -> Job:
    return Job(f"network Hessian k={k}", network_source(k), ("x", "x"), _network_shapes(k),
               sympy=_network_sympy(k, True))


@dataclass(frozen=True)
class Series:
    key: str  # short name: JSON keys, the plot's legend
    title: str
    make: Callable[[int], Job]
    largest: int  # the range ends here


SERIES = (
    Series("network", "network depth k: norm(tanh(Wk ... tanh(W1 x)) - y)^2 by W1", network_job, 200),
    Series("hessian", "its Hessian by x", network_hessian_job, 100),
    Series("chain", "chain x^T A1 ... Ak x by x", chain_job, 500),
    Series("quadratic", "sum of k quadratic forms x^T Ai x by x", quadratic_sum_job, 1000),
    Series("nest", "nest of k functions sum(tanh(... tanh(x))) by x", nest_job, 500),
)


def series_ks(largest: int, cap: int | None = None) -> list[int]:
    """Powers of two up to the series' end, and the end point itself (the issue's range),
    or up to cap (a shorter run), which is then the last point."""
    end = largest if cap is None else min(largest, cap)
    ks = [2 ** i for i in range(end.bit_length()) if 2 ** i <= end]
    return ks if ks[-1] == end else [*ks, end]
