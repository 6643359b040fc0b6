"""How bench/autodiff.py times two programs on a shared, loaded machine: in rounds.

Each round calls every side once (a batch of calls where one call is short, so that a
round of each side lasts a few milliseconds), in an order that reverses every round
(A B C, C B A, ...), so the two sides of a comparison always run next to each other and
neither is always first. The load of the moment falls on both sides of a round alike,
so the ratio of their times in that round is what the load leaves of the difference
between the programs; the median of the rounds' ratios is the figure reported, their
quartiles its spread. (The least time of each side, measured at different moments, was
a coin flip for two programs of the same speed under a load of 8 on 2 cores.)

Also here: pinning the libraries to one thread (autodiff.py's --threads 1, the default),
so that two programs compete for the cores with the machine's other work, not each with
its own thread pool.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# The environment that keeps numpy's BLAS, OpenMP and torch to one thread: read when the
# libraries load, so bench/autodiff.py starts itself again with it (PINNED marks that).
PINNED = "MATCALC_BENCH_PINNED"
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false", PINNED: "1"}


def pinned_environment(environ: dict[str, str]) -> dict[str, str]:
    """environ with ONE_THREAD added (XLA_FLAGS appended to, not replaced)."""
    out = {**environ, **ONE_THREAD}
    if environ.get("XLA_FLAGS"):
        out["XLA_FLAGS"] = f"{environ['XLA_FLAGS']} {ONE_THREAD['XLA_FLAGS']}"
    return out


def jax_on_one_thread() -> None:
    """Start JAX's CPU client with a pool of one thread: XLA sizes its pool by the CPUs
    the process may run on when the client starts (XLA_FLAGS alone left 4 threads busy
    in a matrix product), so the process is held to one CPU while it starts, then set free
    to run on whichever CPU is idle."""
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cpus)})
    try:
        import jax

        jax.devices()
    finally:
        os.sched_setaffinity(0, cpus)


@dataclass(frozen=True)
class Timed:
    """One side: its first call (compiling, for jitted code) and its time a call in each round."""

    first: float
    rounds: tuple[float, ...]

    @property
    def median(self) -> float:
        return quartiles(self.rounds)[1] if self.rounds else self.first


def quartiles(xs: Sequence[float]) -> tuple[float, float, float]:
    """(lower quartile, median, upper quartile), interpolated between order statistics."""
    s = sorted(xs)
    if not s:
        raise ValueError("no values")

    def at(q: float) -> float:
        k = q * (len(s) - 1)
        lo = math.floor(k)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (k - lo)

    return at(0.25), at(0.5), at(0.75)


def round_ratios(ours: Timed, theirs: Timed) -> list[float]:
    """theirs over ours, round by round (above 1: ours is faster)."""
    return [t / o for o, t in zip(ours.rounds, theirs.rounds, strict=True) if o > 0]


def round_orders(sides: Sequence[str], rounds: int) -> list[list[str]]:
    """The order of the sides in each round: forward, backward, forward, ..."""
    return [list(sides) if r % 2 == 0 else list(reversed(sides)) for r in range(rounds)]


def batch_size(seconds: float, target: float) -> int:
    """How many calls make a batch of about target seconds."""
    return max(1, math.ceil(target / seconds)) if seconds > 0 else 1


def in_rounds(calls: dict[str, Callable[[], Any]], budget: float, floor: float = 1.0, least: int = 7,
              most: int = 100, target: float = 5e-3, first: dict[str, float] | None = None) -> dict[str, Timed]:
    """Every side called in rounds (module docstring) until each has had least rounds and
    floor seconds, or most rounds, and none starts a round past the budget (its first call
    and its rounds so far: a call longer than the budget gets one round). first: the sides'
    first calls where the caller made them already (checking the results)."""
    first = dict(first or {})
    batch: dict[str, int] = {}
    for side, call in calls.items():
        if side not in first:
            t0 = time.perf_counter()
            call()
            first[side] = time.perf_counter() - t0
        batch[side] = 1
        if first[side] < 10.0:  # a second call, without the compilation, sizes the batch
            t0 = time.perf_counter()
            call()
            batch[side] = batch_size(time.perf_counter() - t0, target)
    times: dict[str, list[float]] = {side: [] for side in calls}
    order = list(calls)
    r = 0
    while r < most:
        spent = {side: sum(ts) * batch[side] for side, ts in times.items()}
        if r >= least and all(s >= floor for s in spent.values()):
            break
        if r >= 1 and any(spent[side] + first[side] > budget for side in calls):
            break
        for side in (order if r % 2 == 0 else order[::-1]):
            call, k = calls[side], batch[side]
            t0 = time.perf_counter()
            for _ in range(k):
                call()
            times[side].append((time.perf_counter() - t0) / k)
        r += 1
    return {side: Timed(first[side], tuple(ts)) for side, ts in times.items()}
