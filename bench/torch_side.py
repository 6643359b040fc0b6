"""bench/autodiff.py's torch columns, one point in a child process with a memory limit.

    python bench/torch_side.py SPEC.json    # run by autodiff.py, not by hand

torch.func.hessian is jacfwd of jacrev: it vmaps the whole reverse pass over every entry of
the variable, so its intermediates are that many times the loss's (the factorisation's by U
at n = 500 held 23 GB and was killed), far past the Hessian that --max-hessian-mb bounds.
So the torch sides run here, under an address-space limit (RLIMIT_AS, the spec's
memory_bytes, set before torch is imported; the parent, which runs JAX's threads, starts
this interpreter without a fork hook): an allocation past it fails in torch's allocator, and the
point is reported "skipped: memory" instead of taking the machine down. The spec names the
problem, the measure, the size, the sides to run, the threads (1: torch on one thread), the
arguments (an .npz the parent wrote), the reference (JAX's autodiff results, to check equal
against) and the budget. The sides are timed in rounds, as the parent's (bench/paired.py).
A first call that passes five budgets is stopped (an alarm between torch's operations) and
its side is "skipped: time", the other still timed. The answer is one JSON object, {"times",
"compile", "equal", "skipped", "spread"} (skipped: side -> "memory" or "time"; spread: "torch"
-> the rounds' ratios' quartiles), written to the spec's "out".
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import autodiff  # bench/ is on sys.path: this file's directory
import numpy as np
import paired


def torch_sides(problem: autodiff.Problem, order: list[str], measure: str) -> Callable[..., Any]:
    import torch
    import torch.func

    def loss(*args: Any) -> Any:
        return problem.loss(torch, **dict(zip(order, args, strict=True)))

    i = order.index(problem.hessian_wrt if measure != "value and gradient" else problem.gradient_wrt)
    if measure == "hessian":
        return torch.func.hessian(loss, argnums=i)  # type: ignore[no-any-return]
    if measure == "hvp":
        def hvp(*args: Any) -> Any:
            *xs, v = args
            grad = torch.func.grad(lambda u: loss(*xs[:i], u, *xs[i + 1:]))
            return torch.func.jvp(grad, (xs[i],), (v,))[1]
        return hvp

    def value_and_grad(*args: Any) -> Any:
        g, value = torch.func.grad_and_value(loss, argnums=i)(*args)
        return value, g
    return value_and_grad


def _caller(fn: Callable[..., Any], args: list[Any]) -> Callable[[], Any]:
    return lambda: fn(*args)


class _TooLong(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _TooLong


def run(spec: dict[str, Any]) -> dict[str, Any]:
    import torch

    if int(spec.get("threads", 0)) == 1:
        torch.set_num_threads(1)

    problem = next(p for p in autodiff.PROBLEMS if p.name == spec["problem"])
    n, measure = int(spec["n"]), spec["measure"]
    with np.load(spec["args"]) as saved:
        args = [saved[f"a{i}"] for i in range(len(saved.files))]
    with np.load(spec["reference"]) as saved:
        reference = [saved[f"r{i}"] for i in range(len(saved.files))]
    order = list(autodiff._derivative(problem, n, measure).variables)
    wrt = problem.hessian_wrt if measure != "value and gradient" else problem.gradient_wrt
    shape = args[order.index(wrt)].shape
    targs = [torch.as_tensor(a) for a in args]
    sides = {"matcalc torch": (autodiff._matcalc_code(problem, n, measure, "torch"), False),
             "autodiff torch": (torch_sides(problem, order, measure), True)}
    sides = {side: sides[side] for side in spec.get("sides", sides)}
    budget = float(spec["budget"])
    skipped: dict[str, str] = {}
    equal = True
    first: dict[str, float] = {}
    signal.signal(signal.SIGALRM, _alarm)
    for side, (fn, is_autodiff) in list(sides.items()):
        signal.setitimer(signal.ITIMER_REAL, 5 * budget)
        t0 = time.perf_counter()
        try:
            out = fn(*targs)
            first[side] = time.perf_counter() - t0
        except (MemoryError, RuntimeError) as ex:
            # torch's allocator past the limit: "DefaultCPUAllocator: can't allocate memory".
            if not isinstance(ex, MemoryError) and "allocate memory" not in str(ex):
                raise
            skipped[side] = "memory"
            del sides[side]
            continue
        except _TooLong:
            skipped[side] = "time"
            del sides[side]
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        got = autodiff._comparable(measure, out, shape, is_autodiff)
        del out
        equal = equal and all(autodiff.equal(a, b) for a, b in zip(got, reference, strict=True))
    calls = {side: _caller(fn, targs) for side, (fn, _) in sides.items()}
    timed = paired.in_rounds(calls, budget, first=first)
    spread = {}
    if len(timed) == 2:
        spread["torch"] = autodiff.spread_of(paired.round_ratios(timed["matcalc torch"], timed["autodiff torch"]))
    return {"times": {side: t.median for side, t in timed.items()},
            "compile": {side: max(0.0, t.first - t.median) for side, t in timed.items()},
            "equal": equal, "skipped": skipped, "spread": spread}


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    resource.setrlimit(resource.RLIMIT_AS, (spec["memory_bytes"], spec["memory_bytes"]))
    Path(spec["out"]).write_text(json.dumps(run(spec)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
