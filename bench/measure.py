"""How bench/run.py measures: a derivation in a forked child (a timeout, its peak memory),
single calls as subprocesses, a batch's throughput and memory, and the machine it ran on.
Nothing here asserts a time."""

from __future__ import annotations

import gc
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jobs import Job, sympy_namespace

MB = 1024  # ru_maxrss and /proc's VmRSS are in kB on Linux


# ------------------------------------------------------------------ one derivation in a child
def clear_caches() -> None:
    """Empty matcalc's memo caches (functools caches), so each run starts cold."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("matcalc_cli"):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def repeat(work: Callable[[], Any], repeats: int, budget: float) -> tuple[list[float], list[float], Any]:
    """Cold runs (caches emptied, garbage collected first; the collector stays on, as in a
    real call) until `repeats` of them or `budget` seconds: a slow point is timed once.
    Wall times, and the process's CPU times beside them (less moved by a loaded machine)."""
    times: list[float] = []
    cpu: list[float] = []
    out: Any = None
    while len(times) < max(1, repeats) and (not times or sum(times) < budget):
        clear_caches()
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        out = work()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB


def in_child(target: Callable[..., None], args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
    """Run target(*args, conn) in a forked process: its first message, and a second one
    (a printed length) if it comes within the same timeout; or a timeout."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, child))
    t0 = time.perf_counter()
    proc.start()
    child.close()
    res: dict[str, Any] | None = None
    try:
        if parent.poll(timeout):
            res = parent.recv()
            if res.pop("more", False):
                left = timeout - (time.perf_counter() - t0)
                if left > 0 and parent.poll(left):
                    res.update(parent.recv())
    except EOFError:
        pass
    proc.join(1)
    if proc.is_alive():
        proc.kill()
        proc.join()
    wall = time.perf_counter() - t0
    if res is None:
        res = {"status": "timeout" if wall >= timeout else "crashed", "detail": f"> {timeout:g} s"}
    res["wall"] = wall
    return res


def _matcalc_child(job: Job, repeats: int, budget: float, conn: Any) -> None:
    from matcalc_cli.commands import in_big_stack
    from matcalc_cli.errors import MatcalcError
    from matcalc_cli.render import plain
    from matcalc_cli.report import differentiate

    shapes = [f"{k}={v}" for k, v in job.shapes.items()]
    before = peak_mb()

    def derive_and_print() -> str:
        report = differentiate(job.expr, list(job.wrt), shapes, list(job.symmetric))
        return plain.render_named(report.named())  # what --format plain prints

    try:
        times, cpu, text = repeat(lambda: in_big_stack(derive_and_print), repeats, budget)
    except MatcalcError as err:
        conn.send({"status": "error", "detail": f"{err.kind}: {err.message}"})
        return
    except RecursionError:
        conn.send({"status": "error", "detail": "RecursionError"})
        return
    conn.send({"status": "ok", "time": statistics.median(times), "times": times, "cpu": statistics.median(cpu),
               "plain_length": len(text),
               "peak_mb": peak_mb(), "base_mb": before, "result": text[:300]})


def run_matcalc(job: Job, repeats: int, timeout: float, budget: float = 3.0) -> dict[str, Any]:
    """matcalc in process (parse, derive, simplify, name, print plain), in a forked child so
    that a derivation that runs away is stopped after timeout seconds."""
    return in_child(_matcalc_child, (job, repeats, budget), timeout)


def _sympy_child(job: Job, repeats: int, budget: float, conn: Any) -> None:
    try:
        import sympy as sp

        def build() -> tuple[Any, Any]:
            sp.core.cache.clear_cache()
            return job.sympy(sympy_namespace(job.shapes))  # type: ignore[misc]

        times, d = [], None
        started = time.perf_counter()
        for _ in range(max(1, repeats)):
            expr, wrt = build()
            t0 = time.perf_counter()
            d = expr.diff(wrt)
            if len(job.wrt) == 2:
                d = d.diff(wrt)
            times.append(time.perf_counter() - t0)
            if time.perf_counter() - started > budget:  # building and clearing caches count too
                break
        assert d is not None
        status = "unevaluated" if d.has(sp.Derivative) else "ok"
        conn.send({"status": status, "time": statistics.median(times), "times": times,
                   "result_type": type(d).__name__, "more": True})
        # Printed after the time is sent: printing a large SymPy result can take longer than deriving it.
        conn.send({"printed_length": len(str(d))})
    except Exception as ex:  # noqa: BLE001 (SymPy refusing is an outcome, not a benchmark bug)
        conn.send({"status": "error", "detail": f"{type(ex).__name__}: {ex}".splitlines()[0][:200]})


def run_sympy(job: Job, repeats: int, timeout: float) -> dict[str, Any]:
    if job.sympy is None:
        return {"status": "n/a", "detail": "not expressible in SymPy"}
    return in_child(_sympy_child, (job, repeats, timeout / 3), timeout)


def warm_up() -> None:
    """Import what is imported lazily once, before forking, so that no child pays for it."""
    from matcalc_cli.report import differentiate

    differentiate("sum(log(sigmoid(X w))) + tr(A^-1) + x^T x / 2", ["w"])
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    x, a = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("A", n, n)
    (x.T * a.I * x).diff(x)
    (sp.OneMatrix(1, n) * x.applyfunc(sp.tanh)).diff(x)
    sp.core.cache.clear_cache()


# ------------------------------------------------------------------ single calls
def matcalc_command() -> list[str]:
    beside = Path(sys.executable).parent / "matcalc"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("matcalc")
    return [found] if found else [sys.executable, "-m", "matcalc_cli"]


def single_calls(rounds: int) -> dict[str, Any]:
    """Single calls as a shell runs them, in alternating rounds beside `python -c "import
    sympy"` (so that the machine's load is shared): the issue's targets are ratios to it."""
    base = matcalc_command()
    commands = {
        "import sympy": [sys.executable, "-c", "import sympy"],
        "python -c pass": [sys.executable, "-c", "pass"],
        "diff --format plain": [*base, "diff", "x^T A x", "--wrt", "x", "--format", "plain"],
        "diff --format pretty": [*base, "diff", "x^T A x", "--wrt", "x"],
        "--version": [*base, "--version"],
    }
    # Both sides with their bytecode cached, as an installed package has it (pip compiles
    # sympy's and ours even under PYTHONDONTWRITEBYTECODE; an editable checkout needs the first
    # run to write ours, which that variable, set in some shells and CI images, would forbid).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NO_COLOR": "1"}

    def run(cmd: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
        return time.perf_counter() - t0, proc

    first = {name: run(cmd)[1] for name, cmd in commands.items()}  # bytecode written, file cache warm
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            times[name].append(run(cmd)[0])
    med = {name: statistics.median(t) for name, t in times.items()}
    return {"commands": {n: " ".join(c) for n, c in commands.items()}, "median": med, "times": times,
            "exit": {n: p.returncode for n, p in first.items()},
            "output": first["diff --format plain"].stdout.strip()[:200],
            "ratio": {n: med[n] / med["import sympy"] for n in commands}}


def command_line_run(job: Job, timeout: float) -> dict[str, Any]:
    """The job as `matcalc diff ... --format plain`, a whole process (start-up, imports, the
    derivation, printing): its wall time and peak resident memory, as a user pays them."""
    argv = [*matcalc_command(), "diff", job.expr, *(a for w in job.wrt for a in ("--wrt", w)),
            *(a for name, spec in job.shapes.items() for a in ("--shape", f"{name}={spec}")), "--format", "plain"]
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
        while True:  # os.wait4, not Popen.wait: the child's own rusage, not a maximum over all children
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"status": "timeout", "detail": f"> {timeout:g} s"}
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        length = len(out.read().decode(errors="replace").strip())
    return {"status": "ok" if proc.returncode == 0 else "error", "time": wall, "exit": proc.returncode,
            "peak_mb": usage.ru_maxrss / MB, "plain_length": length}


# ------------------------------------------------------------------ batch
def _tree(pid: int) -> list[int]:
    """pid and its descendants (a batch forks workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(resident, proportional) set sizes of pid's process tree: RSS counts a page shared by
    forked workers once per process, PSS divides it among them (the memory truly used)."""
    rss = pss = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def batch_run(text: str, marks: Sequence[int] = ()) -> dict[str, Any]:
    """`matcalc batch FILE` as a subprocess: wall time (start-up included) and CPU time (its
    workers' too), how many jobs exited 0, 1 and 2, the memory of its process tree when the
    mark-th answer came out, and the largest peak of any one of its processes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jobs.txt"
        path.write_text(text)
        t0 = time.perf_counter()
        proc = subprocess.Popen([*matcalc_command(), "batch", str(path)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        lines, exits, rss, pss, procs = 0, dict[str, int](), dict[int, float](), dict[int, float](), dict[int, int]()
        for line in proc.stdout:
            lines += 1
            code = line.rpartition('"exit": ')[2].rstrip("}\n ")
            exits[code] = exits.get(code, 0) + 1
            if lines in marks:
                r, p = _memory_kb(proc.pid)
                rss[lines], pss[lines], procs[lines] = r / MB, p / MB, len(_tree(proc.pid))
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
    return {"jobs": lines, "seconds": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "exits": dict(sorted(exits.items())), "exit": proc.returncode,
            "rss_mb": rss, "pss_mb": pss, "processes": procs, "peak_mb": usage.ru_maxrss / MB}


# ------------------------------------------------------------------ tensorgrad, in its own interpreter
TENSORGRAD_SIDE = Path(__file__).resolve().parent / "tensorgrad_side.py"


def tensorgrad_python(explicit: str | None) -> tuple[str | None, str]:
    """The interpreter that has tensorgrad (--tensorgrad-python, $MATCALC_BENCH_TENSORGRAD_PYTHON,
    or this one), and its version; None and the reason when none has it."""
    python = explicit or os.environ.get("MATCALC_BENCH_TENSORGRAD_PYTHON") or sys.executable
    try:
        proc = subprocess.run([python, str(TENSORGRAD_SIDE), "--version"], capture_output=True, text=True,
                              timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as ex:
        return None, f"{python}: {ex}"
    if proc.returncode != 0:
        return None, (proc.stderr.strip().splitlines() or ["no tensorgrad"])[-1][:120]
    return python, proc.stdout.strip()


def run_tensorgrad(python: str, k: int, timeout: float) -> dict[str, Any]:
    """tensorgrad's gradient of the k-layer network by W1 (simplify() once), in a subprocess:
    the time covers building, differentiating and simplifying, not importing torch."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([python, str(TENSORGRAD_SIDE), str(k), "--budget", str(timeout / 3)],
                              capture_output=True, text=True, timeout=timeout + 30, check=False)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "detail": f"> {timeout:g} s", "wall": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    try:
        res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        err = proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"]
        return {"status": "error", "detail": err[-1][:200], "wall": wall}
    if res.get("status") == "ok" and res["time"] > timeout:
        res = {**res, "status": "timeout", "detail": f"{res['time']:.1f} s > {timeout:g} s"}
    res["wall"] = wall
    return res


# ------------------------------------------------------------------ the machine
def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gib = 0.0
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_gib, 1),
            "system": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "load": [round(x, 2) for x in os.getloadavg()]}


def git_commit() -> str:
    try:
        proc = subprocess.run(["git", "-C", str(Path(__file__).resolve().parent), "log", "-1", "--format=%h %cI"],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return proc.stdout.strip() or "?"
