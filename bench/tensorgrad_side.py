#!/usr/bin/env python
"""tensorgrad's side of bench/run.py's network series, run by whichever interpreter has
tensorgrad installed (it needs torch, so it often lives in a venv of its own):

    python bench/tensorgrad_side.py K [--budget SECONDS]   # one JSON line
    python bench/tensorgrad_side.py --version

The gradient of norm(tanh(Wk ... tanh(W1 x)) - y)^2 by W1, as tensorgrad's README writes
it: edges named i (input) and o (output) of one size n, each layer renamed back to i,
`loss.grad(W1).simplify()` (one simplify, not full_simplify). The time covers building
the expression, the derivative and simplify, not importing torch; the printed length
is len(str(result)), tensorgrad's own constructor-style repr. Imports nothing of matcalc.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from typing import Any


def network_gradient(k: int) -> Any:
    import sympy as sp
    import tensorgrad as tg
    import tensorgrad.functions as F

    n = sp.Symbol("n")
    x, y = tg.Variable("x", i=n), tg.Variable("y", i=n)
    weights = [tg.Variable(f"W{j}", i=n, o=n) for j in range(1, k + 1)]
    h = x
    for w in weights:
        h = F.tanh((w @ h).rename(o="i"))
    r = h - y
    return (r @ r).grad(weights[0]).simplify()


def in_big_stack(work: Any) -> Any:
    """tensorgrad recurses once per layer and more: give it the deep stack matcalc has too."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as ex:  # noqa: BLE001 (reported as this side's outcome)
            box["error"] = ex

    sys.setrecursionlimit(200_000)
    threading.stack_size(1 << 29)
    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("k", type=int, nargs="?", default=1)
    ap.add_argument("--budget", type=float, default=5.0, help="stop repeating after this many seconds")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--version", action="store_true")
    args = ap.parse_args()
    import tensorgrad  # noqa: F401 (fails here, with its reason, where tensorgrad is not installed)

    if args.version:
        from importlib.metadata import version

        print(f"tensorgrad {version('tensorgrad')}")
        return 0
    in_big_stack(lambda: network_gradient(1))  # imports and first-call costs outside the timing
    times: list[float] = []
    result = None
    try:
        while len(times) < args.repeats and (not times or sum(times) < args.budget):
            t0 = time.perf_counter()
            result = in_big_stack(lambda: network_gradient(args.k))
            times.append(time.perf_counter() - t0)
    except Exception as ex:  # noqa: BLE001 (tensorgrad refusing is an outcome)
        print(json.dumps({"status": "error", "detail": f"{type(ex).__name__}: {ex}".splitlines()[0][:200]}))
        return 0
    printed = str(result)
    # simplify() resolves the lazy Derivative by the chain rule; one left over is no answer.
    status = "unevaluated" if "Derivative(" in printed else "ok"
    print(json.dumps({"status": status, "time": statistics.median(times), "times": times,
                      "printed_length": len(printed)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
