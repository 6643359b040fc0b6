#!/usr/bin/env python
"""Benchmark matcalc against SymPy's matrix calculus, in one run.

    python bench/run.py [--repeats 5] [--sympy-timeout 10] [--max-k 64] [--quick]
                        [--no-sympy] [--no-cases] [--no-series] [--out bench/results.json]

Measures, each as the median of --repeats runs:
  * cold start: `matcalc diff "x^T A x" --wrt x --format plain` as a subprocess
    (next to `python -c pass`, the interpreter's own start);
  * the public evaluation sample (/work/shared/eval/cases.py, or $MATCALC_EVAL_CASES):
    matcalc in process (report.differentiate: parse, shapes, derivative, simplify,
    with its caches emptied before each run) against SymPy's MatrixSymbol diff of
    the same expression (the case's `sympy` builder, SymPy's cache cleared); each
    side runs in a forked child with a timeout (--matcalc-timeout, --sympy-timeout);
  * size-scaling series for k = 1, 2, 4, ... --max-k: a chain x^T A1 A2 ... Ak x,
    a sum of k quadratic forms x^T Ai x, a nest of k elementwise functions
    sum(tanh(tanh(... x))), matcalc and SymPy side by side, with the slope of
    log(time) against log(k) (1 is linear growth) and the time ratio per doubling
    of k (2 is linear; ratios that keep growing mean faster than any power).

Prints tables and writes a JSON record (git-ignored). Not a test: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = Path(os.environ.get("MATCALC_EVAL_CASES", "/work/shared/eval/cases.py"))
DIMS = ("n", "m", "k", "p")
SLOW = 2.0  # seconds: a matcalc run this slow is measured once


# ------------------------------------------------------------------ timing helpers
def clear_caches() -> None:
    """Empty matcalc's memo caches (functools caches), so each run starts cold."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("matcalc_cli"):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    """One cold run: caches emptied, garbage collected before and not during (as timeit)."""
    clear_caches()
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = work()
        return time.perf_counter() - t0, out
    finally:
        gc.enable()


def median_time(work: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    times = [timed(work)[0] for _ in range(repeats)]
    return statistics.median(times), times


# ------------------------------------------------------------------ matcalc in process
@dataclass(frozen=True)
class Job:
    """One derivation: matcalc's input, and how to say it in SymPy."""

    label: str
    expr: str
    wrt: tuple[str, ...]
    shapes: dict[str, str]
    symmetric: tuple[str, ...] = ()
    sympy: Callable[[Any], tuple[Any, Any]] | None = None  # S -> (expression, wrt symbol)


def _matcalc_child(job: Job, repeats: int, conn: Any) -> None:
    from matcalc_cli.commands import in_big_stack
    from matcalc_cli.errors import MatcalcError
    from matcalc_cli.render import plain
    from matcalc_cli.report import differentiate

    shapes = [f"{k}={v}" for k, v in job.shapes.items()]

    def derive_and_print() -> Any:
        report = differentiate(job.expr, list(job.wrt), shapes, list(job.symmetric))
        return report, plain.render_named(report.named())  # what --format plain prints

    def work() -> Any:
        return in_big_stack(derive_and_print)

    try:
        first, (report, text) = timed(work)
    except MatcalcError as err:
        conn.send({"status": "error", "detail": f"{err.kind}: {err.message}"})
        return
    except RecursionError:
        conn.send({"status": "error", "detail": "RecursionError"})
        return
    if first > SLOW:  # one slow run says enough
        med, times = first, [first]
    else:
        med, times = median_time(work, repeats)
    conn.send({"status": "ok", "time": med, "times": times, "plain_length": len(text), "result": text[:300]})


def run_matcalc(job: Job, repeats: int, timeout: float) -> dict[str, Any]:
    """matcalc in process (report.differentiate), in a forked child so that a
    derivation that runs away can be stopped after timeout seconds."""
    return in_child(_matcalc_child, (job, repeats), timeout)


def in_child(target: Callable[..., None], args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
    """Run target(*args, conn) in a forked process; its message, or a timeout."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, child))
    t0 = time.perf_counter()
    proc.start()
    child.close()
    res: dict[str, Any] | None = None
    if parent.poll(timeout):
        try:
            res = parent.recv()
        except EOFError:
            res = None
    proc.join(1)
    if proc.is_alive():
        proc.kill()
        proc.join()
    wall = time.perf_counter() - t0
    if res is None:
        res = {"status": "timeout" if wall >= timeout else "crashed", "detail": f"> {timeout:g} s"}
    res["wall"] = wall
    return res


def warm_up() -> None:
    """Import everything lazily imported once, before forking, so no child pays for it."""
    from matcalc_cli.report import differentiate

    differentiate("sum(log(sigmoid(X w))) + tr(A^-1) + x^T x / 2", ["w"])
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x, a = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("A", n, n)
    (x.T * a.I * x).diff(x)
    (sp.OneMatrix(1, n) * x.applyfunc(sp.tanh)).diff(x)
    sp.core.cache.clear_cache()


# ------------------------------------------------------------------ SymPy in a child process
def sympy_namespace(shapes: dict[str, str]) -> SimpleNamespace:
    """MatrixSymbols with symbolic dimensions, Symbols for scalars (as harness.py does)."""
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


def _sympy_child(job: Job, repeats: int, budget: float, conn: Any) -> None:
    try:
        import sympy as sp

        started = time.perf_counter()
        times = []
        for i in range(repeats):
            sp.core.cache.clear_cache()
            expr, wrt = job.sympy(sympy_namespace(job.shapes))  # type: ignore[misc]
            t0 = time.perf_counter()
            d = expr.diff(wrt)
            if len(job.wrt) == 2:
                d = d.diff(wrt)
            times.append(time.perf_counter() - t0)
            if i == 0 and d.has(sp.Derivative):
                conn.send({"status": "unevaluated", "time": times[0]})
                return
            if time.perf_counter() - started > budget / 2:  # clearing caches and building count too
                break
        # No str(d): printing a large SymPy result can take longer than deriving it.
        conn.send({"status": "ok", "time": statistics.median(times), "times": times,
                   "result_type": type(d).__name__})
    except Exception as ex:  # noqa: BLE001 (SymPy refusing is an outcome, not a benchmark bug)
        conn.send({"status": "error", "detail": f"{type(ex).__name__}: {ex}".splitlines()[0][:200]})


def run_sympy(job: Job, repeats: int, timeout: float) -> dict[str, Any]:
    if job.sympy is None:
        return {"status": "n/a", "detail": "not expressible in SymPy"}
    return in_child(_sympy_child, (job, repeats, timeout), timeout)


# ------------------------------------------------------------------ cold start
def matcalc_command() -> list[str]:
    beside = Path(sys.executable).parent / "matcalc"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("matcalc")
    return [found] if found else [sys.executable, "-m", "matcalc_cli"]


def cold_start(repeats: int) -> dict[str, Any]:
    """Single calls as a shell runs them, each against `python -c "import sympy"` in the same
    run (alternating, so that the machine's load is shared): the issue's targets are ratios."""
    base = matcalc_command()
    commands = {
        "import sympy": [sys.executable, "-c", "import sympy"],
        "python -c pass": [sys.executable, "-c", "pass"],
        "diff --format plain": base + ["diff", "x^T A x", "--wrt", "x", "--format", "plain"],
        "diff --format pretty": base + ["diff", "x^T A x", "--wrt", "x"],
        "--version": base + ["--version"],
    }

    def run(cmd: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
        return time.perf_counter() - t0, proc

    first = {name: run(cmd)[1] for name, cmd in commands.items()}  # bytecode compiled, caches warm
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, cmd in commands.items():
            times[name].append(run(cmd)[0])
    med = {name: statistics.median(t) for name, t in times.items()}
    return {"commands": {n: " ".join(c) for n, c in commands.items()}, "median": med, "times": times,
            "exit": {n: p.returncode for n, p in first.items()},
            "output": first["diff --format plain"].stdout.strip()[:200],
            "ratio_to_import_sympy": {n: med[n] / med["import sympy"] for n in commands}}


def print_cold_start(cli: dict[str, Any], repeats: int) -> None:
    print(f"single calls (median of {repeats}, alternating; ratio to python -c 'import sympy'):")
    targets = {"diff --format plain": 0.35, "diff --format pretty": 0.45, "--version": 0.15}
    for name, t in cli["median"].items():
        r = cli["ratio_to_import_sympy"][name]
        target = f"  (target <= {targets[name]:.2f})" if name in targets else ""
        print(f"  {name:24} {t * 1e3:7.0f} ms  {r:5.2f}{target}  exit {cli['exit'][name]}")


# ------------------------------------------------------------------ the jobs
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


# Each series, its job, and the largest k the issue asks for (the run stops at --max-k).
SERIES: dict[str, tuple[Callable[[int], Job], int]] = {
    "network depth k: norm(tanh(Wk ... tanh(W1 x)) - y)^2 by W1": (network_job, 200),
    "its Hessian by x": (network_hessian_job, 100),
    "chain x^T A1 ... Ak x": (chain_job, 500),
    "sum of k quadratic forms": (quadratic_sum_job, 1000),
    "nest of k elementwise functions": (nest_job, 500),
}


def slope(points: list[tuple[int, float | int]]) -> float | None:
    """Least-squares slope of log(time) against log(k), over k >= 4 (below, fixed
    costs dominate): 1 is linear growth, 2 quadratic."""
    pts = [(math.log(k), math.log(t)) for k, t in points if k >= 4 and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def doublings(results: list[dict[str, Any]]) -> list[float]:
    """t(2k) / t(k) along the series, while both answered."""
    times = [r["time"] if r.get("status") == "ok" else None for r in results]
    return [b / a for a, b in zip(times, times[1:], strict=False) if a and b]


def growth_words(s: float | None) -> str:
    if s is None:
        return "not enough points"
    if s < 1.25:
        return "roughly linear"
    if s < 1.75:
        return "between linear and quadratic"
    return "quadratic or worse"


# ------------------------------------------------------------------ printing
def fmt_time(r: dict[str, Any]) -> str:
    if r.get("status") == "ok":
        t = float(r["time"])
        return f"{t * 1e3:9.1f} ms" if t < 10 else f"{t:9.1f} s "
    return f"{r.get('status', '?'):>12}"


def ratio(m: dict[str, Any], s: dict[str, Any]) -> str:
    if m.get("status") == "ok" and s.get("status") == "ok" and m["time"] > 0:
        return f"{s['time'] / m['time']:8.1f}x"
    return f"{'-':>9}"


Row = tuple[str, dict[str, Any], dict[str, Any]]  # label, matcalc's result, SymPy's


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    print(f"{'':28} {'matcalc':>12} {'printed':>9} {'sympy':>12} {'sympy/matcalc':>13}  note")
    for label, m, s in rows:
        note = m.get("detail") or s.get("detail") or ""
        length = f"{m['plain_length']:9d}" if m.get("status") == "ok" else f"{'-':>9}"
        print(f"{label[:28]:28} {fmt_time(m)} {length} {fmt_time(s)} {ratio(m, s):>13}  {note[:60]}")


# ------------------------------------------------------------------ main
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="runs per measurement (the median is reported)")
    ap.add_argument("--sympy-timeout", type=float, default=10.0, help="seconds per SymPy derivation")
    ap.add_argument("--max-k", type=int, default=64,
                    help="largest k of the scaling series (powers of 2; each series also stops at the k "
                         "the issue asks for: 200 for the network, 100 for its Hessian, ...)")
    ap.add_argument("--matcalc-timeout", type=float, default=30.0,
                    help="seconds per matcalc derivation (a series stops growing k after a timeout)")
    ap.add_argument("--quick", action="store_true", help="k up to 8, 2 repeats: a smoke run")
    ap.add_argument("--no-sympy", action="store_true", help="matcalc only")
    ap.add_argument("--no-cases", action="store_true", help="skip the evaluation sample")
    ap.add_argument("--no-series", action="store_true", help="skip the scaling series")
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="path of the evaluation sample cases.py")
    ap.add_argument("--out", type=Path, default=HERE / "results.json", help="where to write the JSON record")
    args = ap.parse_args(argv)
    if args.quick:
        args.max_k, args.repeats = min(args.max_k, 8), 2
    ks = [2 ** i for i in range(int(math.log2(max(1, args.max_k))) + 1)]

    import sympy

    from matcalc_cli import __version__

    record: dict[str, Any] = {
        "meta": {"python": platform.python_version(), "platform": platform.platform(),
                 "matcalc": __version__, "sympy": sympy.__version__, "repeats": args.repeats,
                 "sympy_timeout": args.sympy_timeout, "started": time.strftime("%Y-%m-%dT%H:%M:%S")},
    }

    def sympy_side(job: Job) -> dict[str, Any]:
        if args.no_sympy:
            return {"status": "skipped"}
        return run_sympy(job, args.repeats, args.sympy_timeout)

    warm_up()
    cli = cold_start(args.repeats)
    record["cold_start"] = cli
    print_cold_start(cli, args.repeats)

    if not args.no_cases:
        cases = load_cases(args.cases)
        if cases is None:
            print(f"\nevaluation sample: {args.cases} not found, skipped")
            record["cases"] = None
        else:
            rows: list[Row] = []
            recs: list[dict[str, Any]] = []
            for job in case_jobs(cases):
                m, sy = run_matcalc(job, args.repeats, args.matcalc_timeout), sympy_side(job)
                rows.append((job.label, m, sy))
                recs.append({"id": job.label, "expr": job.expr, "wrt": list(job.wrt), "matcalc": m, "sympy": sy})
            print_table(f"evaluation sample ({len(recs)} cases from {args.cases})", rows)
            mt = [r["matcalc"]["time"] for r in recs if r["matcalc"]["status"] == "ok"]
            st = [r["sympy"]["time"] for r in recs if r["sympy"].get("status") == "ok"]
            summary: dict[str, Any] = {"matcalc_ok": len(mt), "sympy_ok": len(st), "cases": len(recs),
                       "matcalc_median": statistics.median(mt) if mt else None,
                       "sympy_median": statistics.median(st) if st else None,
                       "sympy_status": {k: sum(r["sympy"].get("status") == k for r in recs)
                                        for k in sorted({r["sympy"].get("status") for r in recs})}}
            record["cases"] = {"path": str(args.cases), "summary": summary, "records": recs}
            print(f"  matcalc: {len(mt)}/{len(recs)} derived, median "
                  f"{(summary['matcalc_median'] or 0) * 1e3:.1f} ms; SymPy: {summary['sympy_status']}, "
                  f"median {(summary['sympy_median'] or 0) * 1e3:.1f} ms where it answered")

    if not args.no_series:
        record["series"] = {}
        for name, (make, largest) in SERIES.items():
            rows, recs = [], []
            sympy_gave_up = args.no_sympy
            for k in [k for k in ks if k <= largest]:
                job = make(k)
                m = run_matcalc(job, args.repeats, args.matcalc_timeout)
                if sympy_gave_up:
                    sy = {"status": "skipped"}
                else:
                    sy = run_sympy(job, args.repeats, args.sympy_timeout)
                    if sy["status"] in ("timeout", "crashed"):
                        sympy_gave_up = True  # larger k would only time out again
                rows.append((f"k={k}", m, sy))
                recs.append({"k": k, "expr_length": len(job.expr), "matcalc": m, "sympy": sy})
                if m["status"] == "timeout":
                    m["detail"] = f"timeout {args.matcalc_timeout:g} s: larger k skipped"
                    break
            m_slope = slope([(r["k"], r["matcalc"]["time"]) for r in recs if r["matcalc"]["status"] == "ok"])
            len_slope = slope([(r["k"], r["matcalc"]["plain_length"]) for r in recs
                               if r["matcalc"]["status"] == "ok"])
            s_slope = slope([(r["k"], r["sympy"]["time"]) for r in recs if r["sympy"].get("status") == "ok"])
            print_table(f"series: {name}", rows)
            m_steps = doublings([r["matcalc"] for r in recs])
            print(f"  growth with k (slope of log time vs log k, k >= 4): matcalc "
                  f"{'-' if m_slope is None else f'{m_slope:.2f}'} ({growth_words(m_slope)}); SymPy "
                  f"{'-' if s_slope is None else f'{s_slope:.2f}'} ({growth_words(s_slope)})")
            print(f"  printed length (--format plain) slope: {'-' if len_slope is None else f'{len_slope:.2f}'}")
            print(f"  matcalc time ratio per doubling of k: {', '.join(f'{x:.1f}' for x in m_steps) or '-'}")
            record["series"][name] = {"points": recs, "matcalc_slope": m_slope, "sympy_slope": s_slope,
                                      "length_slope": len_slope,
                                      "matcalc_growth": growth_words(m_slope), "matcalc_doubling": m_steps}

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1, default=str) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
