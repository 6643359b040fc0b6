"""matcalc's exported code against automatic differentiation, side by side in one run.

    .venv/bin/python bench/autodiff.py                  # sizes 100 to 2,000
    .venv/bin/python bench/autodiff.py --sizes 100,200  # a quick look
    .venv/bin/python bench/autodiff.py --sizes 100,500,1000,2000,4000

The three problems of Laue, Mitterreiter and Giesen, "Computing higher order derivatives
of matrix and tensor expressions" (NeurIPS 2018): logistic regression, matrix
factorisation norm(R - U V^T)^2 (by U, rank k = 5) and a quadratic form; and README's
two-layer network norm(W2 tanh(W1 x) - y)^2 (Hessian and HVP by x, value and gradient by
W1). For each, at each size n: the Hessian, the Hessian-vector product and the value with
the gradient, as matcalc exports them (--format python, run by numpy, and --format jax
under jax.jit; --format torch where torch is installed) against jax.hessian,
jax.jvp of jax.grad and jax.value_and_grad under jax.jit (and torch.func's hessian, jvp
and grad_and_value where torch is installed). Every result is checked equal to the autodiff
one before it is timed. Compilation (the first call) is timed apart and excluded. Then the
sides are called in rounds, next to each other in an order that reverses every round
(bench/paired.py): the ratio is the median over the rounds of the autodiff side's time
over matcalc's in the same round, on the same backend (above 1: matcalc ahead), with its
quartiles as its spread; each time shown is a side's median. numpy's column compares with
jitted JAX, for scale. By default every library runs on one thread (--threads 1): XLA's
pool, torch's, and numpy's BLAS. Where matcalc's jitted function and JAX's compile to the
same optimised HLO, the row says so (bench/hlo.py).

Each side stops on its own: past --budget seconds a call at one size, that side is not run
at the larger sizes of its series ("skipped: time"), the others go on; a series stops where
the Hessian would pass --max-hessian-mb: the sizes it skips are listed, never timed. The
torch sides of each point run in a child (bench/torch_side.py) whose address space is
limited to --torch-memory-gb: torch.func.hessian vmaps the loss's reverse pass over every
entry of the variable (23 GB for the factorisation at n = 500), so a side that passes the
limit is "skipped: memory" in its row, and one whose first call passes 5 budgets "skipped:
time", and the run goes on.
It asserts nothing and exits 0; tests/test_bench_helpers.py tests its pure helpers.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hlo  # bench/ is on sys.path: this file's directory
import numpy as np
import paired

RANK = 5  # matrix factorisation's k


@dataclass(frozen=True)
class Problem:
    name: str
    source: str
    shapes: Callable[[int], dict[str, str]]  # n -> --shape specs
    hessian_wrt: str
    gradient_wrt: str
    loss: Callable[..., Any]  # the same function written for jax.numpy (xp) by hand: xp, **variables

    def hessian_entries(self, n: int) -> int:
        spec = self.shapes(n)[self.hessian_wrt].split(",")
        return math.prod(int(d) for d in spec) ** 2


def _logistic(xp: Any, X: Any, w: Any, y: Any) -> Any:
    return xp.sum(xp.log(1 + xp.exp(-y * (X @ w))))


def _factorisation(xp: Any, R: Any, U: Any, V: Any) -> Any:
    return xp.sum((R - U @ V.T) ** 2)


def _quadratic(xp: Any, x: Any, A: Any) -> Any:
    return (x.T @ A @ x)[0, 0]


def _network(xp: Any, W2: Any, W1: Any, x: Any, y: Any) -> Any:
    return xp.sum((W2 @ xp.tanh(W1 @ x) - y) ** 2)


PROBLEMS = [
    Problem("logistic regression", "sum(log(1 + exp(-y .* (X w))))",
            lambda n: {"X": f"{n},{n}", "w": f"{n}", "y": f"{n}"}, "w", "w", _logistic),
    Problem("matrix factorisation", "norm(R - U V^T)^2",
            lambda n: {"R": f"{n},{n}", "U": f"{n},{RANK}", "V": f"{n},{RANK}"}, "U", "U", _factorisation),
    Problem("quadratic form", "x^T A x", lambda n: {"x": f"{n}", "A": f"{n},{n}"}, "x", "x", _quadratic),
    Problem("two-layer network", "norm(W2 tanh(W1 x) - y)^2",
            lambda n: {"W2": f"{n},{n}", "W1": f"{n},{n}", "x": f"{n}", "y": f"{n}"}, "x", "W1", _network),
]
MEASURES = ("hessian", "hvp", "value and gradient")


# ------------------------------------------------------------------ pure helpers (tested)
def geometric_mean(values: Sequence[float]) -> float | None:
    good = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(math.log(v) for v in good) / len(good)) if good else None


def as_matrix_hessian(h: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """jax.hessian's (r, c, r, c) array as matcalc's (rc, rc) one, vec stacking columns."""
    r, c = shape
    return np.asarray(h).reshape(r, c, r, c).transpose(1, 0, 3, 2).reshape(r * c, r * c)


def equal(a: Any, b: Any, tol: float = 1e-7) -> bool:
    """Equal within tol relative to b's largest entry (1 at least)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.max(np.abs(a - b)) <= tol * scale) if a.size else True


@dataclass
class Row:
    problem: str
    measure: str
    n: int
    times: dict[str, float] = field(default_factory=dict)  # side -> seconds (its median over the rounds)
    compile: dict[str, float] = field(default_factory=dict)  # side -> first call minus a steady one
    equal: bool = True
    skipped: dict[str, str] = field(default_factory=dict)  # side -> why it has no time ("memory")
    # backend ("jax", "torch"; "numpy": matcalc numpy against autodiff jax) -> the ratios of
    # the rounds: [lower quartile, median, upper quartile, rounds]
    spread: dict[str, list[float]] = field(default_factory=dict)
    program: str = ""  # matcalc jax against autodiff jax, optimised: same, fusions differ, differs

    def ratio(self, backend: str, matcalc_side: str | None = None) -> float | None:
        """The autodiff side's time over matcalc's, on backend: the median of the rounds'
        ratios (bench/paired.py), or of the two medians where the rounds were not kept."""
        key = "numpy" if matcalc_side == "matcalc numpy" else backend
        if key in self.spread:
            return self.spread[key][1]
        ours = self.times.get(matcalc_side or f"matcalc {backend}")
        theirs = self.times.get(f"autodiff {backend}")
        return theirs / ours if ours and theirs else None

    def ratio_cell(self, backend: str) -> str:
        """The ratio with its quartiles: 1.02x (0.97-1.06)."""
        x = self.ratio(backend, "matcalc numpy" if backend == "numpy" else None)
        q = self.spread.get(backend)
        if x is None or q is None or q[3] < 3:
            return ratio_text(x)
        return f"{ratio_text(x)} ({ratio_text(q[0]).rstrip('x')}-{ratio_text(q[2]).rstrip('x')})"


def spread_of(ratios: Sequence[float]) -> list[float]:
    """[lower quartile, median, upper quartile, how many] of the rounds' ratios."""
    q1, median, q3 = paired.quartiles(ratios)
    return [q1, median, q3, float(len(ratios))]


MET, TIE, NOT_MET = "met", "tie", "NOT MET"


def verdict(rows: Sequence[Row], backend: str) -> str:
    """The target, never slower at any size and ahead by the geometric mean: met; or a tie,
    where a median round ratio falls below 1 but at no size were three rounds in four slower
    (the upper quartile of the rounds' ratios is at least 1) and the geometric mean is ahead;
    otherwise not met."""
    ratios = [x for r in rows for x in [r.ratio(backend)] if x is not None]
    gm = geometric_mean(ratios)
    if not ratios or gm is None or gm <= 1:
        return NOT_MET
    if min(ratios) >= 1:
        return MET
    slower = [r for r in rows if r.ratio(backend) is not None and (r.spread.get(backend) or [0, 0, 0])[2] < 1]
    return TIE if not slower else NOT_MET


def summary(rows: Sequence[Row], backend: str) -> list[tuple[str, str, float | None, float | None, str]]:
    """Per problem and measure: (problem, measure, least ratio, geometric mean, verdict)."""
    out = []
    for key in dict.fromkeys((r.problem, r.measure) for r in rows):
        series = [r for r in rows if (r.problem, r.measure) == key]
        ratios = [x for r in series for x in [r.ratio(backend)] if x is not None]
        if not ratios:
            continue
        out.append((key[0], key[1], min(ratios), geometric_mean(ratios), verdict(series, backend)))
    return out


def seconds(t: float | None, skipped: str | None = None) -> str:
    if t is None:
        return f"skipped: {skipped}" if skipped else "-"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def ratio_text(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}x" if x >= 10 else f"{x:.2f}x"


def table(rows: Sequence[Row], backends: Sequence[str]) -> str:
    """A markdown table: one line per problem, measure and size."""
    head = ["problem", "measure", "n"]
    for b in backends:
        head += [f"matcalc {b}", f"autodiff {b}", f"ratio {b}"]
    head += ["optimised HLO (jax)", "matcalc numpy", "numpy vs autodiff jax", "compile (matcalc / autodiff jax)",
             "equal"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.problem, r.measure, f"{r.n:,}"]
        for b in backends:
            cells += [seconds(r.times.get(side), r.skipped.get(side)) for side in (f"matcalc {b}", f"autodiff {b}")]
            cells.append(r.ratio_cell(b))
        cells += [{"same": "same program", "": "-"}.get(r.program, r.program),
                  seconds(r.times.get("matcalc numpy"), r.skipped.get("matcalc numpy")), r.ratio_cell("numpy"),
                  f"{seconds(r.compile.get('matcalc jax'))} / {seconds(r.compile.get('autodiff jax'))}",
                  "yes" if r.equal else "NO"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_table(rows: Sequence[Row], backend: str) -> str:
    lines = [f"| problem | measure | least ratio ({backend}) | geometric mean | target |", "|---|---|---|---|---|"]
    for problem, measure, low, gm, said in summary(rows, backend):
        lines.append(f"| {problem} | {measure} | {ratio_text(low)} | {ratio_text(gm)} | {said} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ measuring
def available_gb() -> float:
    """MemAvailable in GB (16 where /proc/meminfo is not there)."""
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return 16.0
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return 16.0


@functools.lru_cache(maxsize=8)
def _derivative(problem: Problem, n: int, measure: str) -> Any:
    from matcalc_cli import diff

    shapes = problem.shapes(n)
    if measure == "value and gradient":
        return diff(problem.source, problem.gradient_wrt, shapes, with_value=True)  # the default layout
    return diff(problem.source, [problem.hessian_wrt] * 2, shapes, hvp=measure == "hvp")


def _matcalc_code(problem: Problem, n: int, measure: str, backend: str) -> Callable[..., Any]:
    code = _derivative(problem, n, measure).function(backend)
    scope: dict[str, Any] = {}
    exec(compile(code, f"<matcalc {backend}>", "exec"), scope)  # noqa: S102 (the code matcalc exported)
    return scope[[k for k in scope if not k.startswith("__") and callable(scope[k])][-1]]  # type: ignore[no-any-return]


def _data(problem: Problem, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for name, spec in problem.shapes(n).items():
        dims = [int(d) for d in spec.split(",")]
        shape = (dims[0], dims[1] if len(dims) > 1 else 1)
        out[name] = rng.standard_normal(shape) / math.sqrt(n)
    if "y" in out and problem.name == "logistic regression":
        out["y"] = np.where(rng.standard_normal(out["y"].shape) > 0, 1.0, -1.0)
    return out


def _jax_sides(problem: Problem, order: list[str], measure: str) -> Callable[..., Any]:
    import jax
    import jax.numpy as jnp

    def loss(*args: Any) -> Any:
        return problem.loss(jnp, **dict(zip(order, args, strict=True)))

    i = order.index(problem.hessian_wrt if measure != "value and gradient" else problem.gradient_wrt)
    if measure == "hessian":
        return jax.jit(jax.hessian(loss, argnums=i))  # type: ignore[no-any-return]
    if measure == "hvp":
        def hvp(*args: Any) -> Any:
            *xs, v = args
            grad = jax.grad(lambda u: loss(*xs[:i], u, *xs[i + 1:]))
            return jax.jvp(grad, (xs[i],), (v,))[1]
        return jax.jit(hvp)  # type: ignore[no-any-return]
    return jax.jit(jax.value_and_grad(loss, argnums=i))  # type: ignore[no-any-return]


def _comparable(measure: str, out: Any, shape: tuple[int, int], autodiff: bool) -> list[np.ndarray]:
    """A result as numpy arrays in matcalc's layout (the Hessian of a matrix by vec)."""
    def arr(a: Any) -> np.ndarray:
        return np.asarray(a.detach().numpy() if hasattr(a, "detach") else a, dtype=float)
    if measure == "hessian":
        h = arr(out)
        return [as_matrix_hessian(h, shape) if autodiff else h]
    if measure == "hvp":
        return [arr(out)]
    value, grad = out
    g = arr(grad)
    if 1 in shape and g.shape == shape[::-1]:  # a vector's gradient in numerator layout is a row
        g = g.T
    return [arr(value).reshape(()), g]


def _torch_point(problem: Problem, n: int, measure: str, args: list[np.ndarray], reference: list[np.ndarray],
                 budget: float, memory_gb: float, sides: Sequence[str], threads: int) -> dict[str, Any]:
    """The torch sides of one point (those of sides), run by bench/torch_side.py in a child
    whose address space is limited to memory_gb (torch.func.hessian's intermediates grow as
    the variable's entries times the loss's arrays): {"times", "compile", "equal", "skipped",
    "spread"}."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="matcalc-torch-") as tmp:
        spec = {"problem": problem.name, "n": n, "measure": measure, "budget": budget,
                "memory_bytes": int(memory_gb * 2**30), "sides": list(sides), "threads": threads,
                "args": f"{tmp}/args.npz", "reference": f"{tmp}/reference.npz", "out": f"{tmp}/out.json"}
        np.savez(spec["args"], **{f"a{i}": a for i, a in enumerate(args)})
        np.savez(spec["reference"], **{f"r{i}": a for i, a in enumerate(reference)})
        Path(f"{tmp}/spec.json").write_text(json.dumps(spec))
        both = dict.fromkeys(sides, "")
        try:
            done = subprocess.run([sys.executable, str(Path(__file__).with_name("torch_side.py")), f"{tmp}/spec.json"],
                                  capture_output=True, text=True,
                                  timeout=15 * budget + 120)
        except subprocess.TimeoutExpired:
            return {"skipped": dict.fromkeys(both, "time")}
        if done.returncode != 0 or not Path(spec["out"]).exists():
            why = "memory" if "MemoryError" in done.stderr or done.returncode == -9 else f"exit {done.returncode}"
            return {"skipped": dict.fromkeys(both, why)}
        return json.loads(Path(spec["out"]).read_text())  # type: ignore[no-any-return]


TORCH_SIDES = ("matcalc torch", "autodiff torch")


def measure_point(problem: Problem, n: int, measure: str, backends: Sequence[str], budget: float,
                  torch_memory_gb: float = 8.0, stopped: frozenset[str] = frozenset(), threads: int = 1) -> Row:
    """One problem, measure and size; the sides of stopped (too slow at a smaller size) are
    not run, and shown "skipped: time"."""
    import jax

    rng = np.random.default_rng(n)
    data = _data(problem, n, rng)
    order = list(_derivative(problem, n, measure).variables)  # the exported function's arguments
    wrt = problem.hessian_wrt if measure != "value and gradient" else problem.gradient_wrt
    shape = data[wrt].shape
    args = [data[k] for k in order] + ([rng.standard_normal(shape)] if measure == "hvp" else [])
    row = Row(problem.name, measure, n)
    row.skipped.update(dict.fromkeys(stopped, "time"))
    sides: dict[str, tuple[Callable[..., Any], list[Any], Callable[[Any], Any], bool]] = {}

    def jax_block(out: Any) -> Any:
        return jax.block_until_ready(out)

    # In this order the two JAX sides are next to each other in every round, either way round.
    if "jax" in backends:
        jargs = [jax.numpy.asarray(a) for a in args]
        sides["matcalc jax"] = (jax.jit(_matcalc_code(problem, n, measure, "jax")), jargs, jax_block, False)
        sides["autodiff jax"] = (_jax_sides(problem, order, measure), jargs, jax_block, True)
    sides["matcalc numpy"] = (_matcalc_code(problem, n, measure, "python"), args, lambda out: out, False)
    for side in stopped:
        sides.pop(side, None)
    # Checked equal first (a fast wrong answer is not timed); the first call compiles.
    results: dict[str, list[np.ndarray]] = {}
    first: dict[str, float] = {}
    for side, (fn, inputs, block, autodiff) in sides.items():
        t0 = time.perf_counter()
        out = block(fn(*inputs))
        first[side] = time.perf_counter() - t0
        results[side] = _comparable(measure, out, shape, autodiff)
    reference = results.get("autodiff jax") or results.get("matcalc numpy") or []
    if "matcalc jax" in sides and "autodiff jax" in sides and measure != "hessian":  # after the first calls,
        # which compile (and are timed as compiling): the optimised programs, to compare
        jitted = [sides[side][0].lower(*jargs).compile().as_text() for side in ("matcalc jax", "autodiff jax")]
        row.program = hlo.same_program(*jitted)
    row.equal = all(equal(a, b) for got in results.values() for a, b in zip(got, reference, strict=True))
    del results
    torch_sides = [side for side in TORCH_SIDES if side not in stopped]
    if "torch" in backends and torch_sides:
        torch_row = _torch_point(problem, n, measure, args, reference, budget, torch_memory_gb, torch_sides, threads)
        row.times.update(torch_row.get("times", {}))
        row.compile.update(torch_row.get("compile", {}))
        row.skipped.update(torch_row.get("skipped", {}))
        row.spread.update(torch_row.get("spread", {}))
        row.equal = row.equal and torch_row.get("equal", True)

    def caller(fn: Callable[..., Any], inputs: list[Any], block: Callable[[Any], Any]) -> Callable[[], Any]:
        return lambda: block(fn(*inputs))

    timed = paired.in_rounds({side: caller(fn, inputs, block) for side, (fn, inputs, block, _) in sides.items()},
                             budget, first=first)
    for side, t in timed.items():
        row.times[side] = t.median
        row.compile[side] = max(0.0, t.first - t.median)
    for key, ours in (("jax", "matcalc jax"), ("numpy", "matcalc numpy")):
        if ours in timed and "autodiff jax" in timed:
            row.spread[key] = spread_of(paired.round_ratios(timed[ours], timed["autodiff jax"]))
    return row


def _restart_on_one_thread(argv: Sequence[str]) -> None:
    """Run this script again with the libraries held to one thread (paired.ONE_THREAD: read
    when they load, so it must be set before numpy is imported)."""
    if os.environ.get(paired.PINNED) != "1":
        environment = paired.pinned_environment(dict(os.environ))
        os.execve(sys.executable, [sys.executable, str(Path(__file__)), *argv], environment)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,200,500,1000,2000", help="the sizes n, comma-separated")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds one call may take before the series stops (default 20)")
    parser.add_argument("--max-hessian-mb", type=float, default=100.0,
                        help="a Hessian larger than this many MB is not formed (default 100: jax.hessian's "
                             "intermediates are many times the Hessian)")
    parser.add_argument("--torch-memory-gb", type=float, default=None,
                        help="the address space each point's torch child may take (default: half the memory "
                             "available at the start); past it a side is 'skipped: memory'")
    parser.add_argument("--problems", default="", help="a comma-separated subset of the problems' first words")
    parser.add_argument("--measures", default="", help="a comma-separated subset of the measures' first words "
                                                        "(hessian, hvp, value)")
    parser.add_argument("--json", default=str(Path(__file__).with_name("autodiff.json")),
                        help="where every number goes (default bench/autodiff.json, git-ignored)")
    parser.add_argument("--threads", choices=("1", "all"), default="1",
                        help="1 (default): XLA, torch and numpy's BLAS on one thread each, on both sides; "
                             "all: the libraries' own defaults (every core)")
    args = parser.parse_args(argv)
    threads = 1 if args.threads == "1" else 0
    if threads == 1:
        _restart_on_one_thread(list(sys.argv[1:] if argv is None else argv))
        paired.jax_on_one_thread()
    import importlib.util

    import jax

    jax.config.update("jax_enable_x64", True)  # numpy's float64 on every side
    backends = ["jax"] + (["torch"] if importlib.util.find_spec("torch") else [])
    sizes = [int(s) for s in args.sizes.split(",")]
    torch_gb = args.torch_memory_gb or available_gb() / 2
    chosen = [p for p in PROBLEMS if not args.problems or p.name.split()[0] in args.problems.split(",")]
    print(f"# matcalc against autodiff: jax {jax.__version__}, numpy {np.__version__}, backends {backends}, "
          f"load {Path('/proc/loadavg').read_text().split()[:3] if Path('/proc/loadavg').exists() else '?'}, "
          f"threads {args.threads}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          + (f", torch's memory {torch_gb:.1f} GB a point" if "torch" in backends else ""))
    rows: list[Row] = []
    skipped: list[str] = []
    for problem in chosen:
        for measure in [m for m in MEASURES if not args.measures or m.split()[0] in args.measures.split(",")]:
            stopped: set[str] = set()  # the sides too slow at a smaller size of this series
            for n in sizes:
                if measure == "hessian" and problem.hessian_entries(n) * 8 / 1e6 > args.max_hessian_mb:
                    skipped.append(f"{problem.name}, {measure}, n = {n:,}: the Hessian would pass "
                                   f"{args.max_hessian_mb:g} MB")
                    break
                try:
                    row = measure_point(problem, n, measure, backends, args.budget, torch_gb, frozenset(stopped),
                                        threads)
                except Exception as ex:  # noqa: BLE001 (out of memory on one side: the series stops, the run goes on)
                    skipped.append(f"{problem.name}, {measure}, n = {n:,}: {type(ex).__name__}: {str(ex)[:80]}")
                    break
                rows.append(row)
                print(table([row], backends).splitlines()[-1], flush=True)
                slow = sorted(side for side, t in row.times.items() if t > args.budget and side not in stopped)
                slow += sorted(side for side, why in row.skipped.items() if why == "time" and side not in stopped)
                if slow:
                    skipped.append(f"{problem.name}, {measure}, after n = {n:,}: {', '.join(slow)} (a call past "
                                   f"the budget of {args.budget:g} s)")
                    stopped.update(slow)
                if {"matcalc numpy", "matcalc jax", "autodiff jax", *(TORCH_SIDES if "torch" in backends else ())} \
                        <= stopped:
                    break
    print()
    print(table(rows, backends))
    for b in backends:
        print()
        print(summary_table(rows, b))
    if skipped:
        print()
        print("Not measured: " + "; ".join(skipped) + ".")
    Path(args.json).write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
