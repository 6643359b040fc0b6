"""bench/run.py's arithmetic and tables: log-log slopes, the targets of issue 14 with a
met / not met word each, and the printed tables. Pure functions of the measurements."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SLOPE_FROM = 8  # below, fixed costs (start of the pipeline, caches) dominate a series
TIME_SLOPE, LENGTH_SLOPE = 1.3, 1.15
CALL_TARGETS = {"diff --format plain": 0.35, "diff --format pretty": 0.45, "--version": 0.15}


def slope(points: Iterable[tuple[int, float]], k_from: int = SLOPE_FROM) -> float | None:
    """Least-squares slope of log(y) against log(k) over k >= k_from: 1 is linear growth,
    2 quadratic. None with fewer than two points."""
    pts = [(math.log(k), math.log(y)) for k, y in points if k >= k_from and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def ok_points(points: Sequence[dict[str, Any]], side: str, field: str) -> list[tuple[int, float]]:
    """(k, value) where that side answered (status ok) and measured the field."""
    return [(p["k"], p[side][field]) for p in points
            if p.get(side, {}).get("status") == "ok" and p[side].get(field) is not None]


def half_peaks(samples: dict[int, float], total: int) -> tuple[float | None, float | None]:
    """The highest sample taken in the first half of a run of `total` jobs, and in the second."""
    first = [v for n, v in samples.items() if n <= total // 2]
    second = [v for n, v in samples.items() if n > total // 2]
    return (max(first) if first else None), (max(second) if second else None)


def word(met: bool | None) -> str:
    return "n/a" if met is None else "met" if met else "NOT MET"


@dataclass(frozen=True)
class Target:
    what: str
    measured: str
    target: str
    met: bool | None  # None: not measured

    def row(self) -> dict[str, Any]:
        return {"what": self.what, "measured": self.measured, "target": self.target, "met": self.met}


def at_most(what: str, value: float | None, limit: float, fmt: str = "{:.2f}", unit: str = "",
            why_missing: str = "not measured") -> Target:
    if value is None:
        return Target(what, why_missing, f"<= {fmt.format(limit)}{unit}", None)
    return Target(what, fmt.format(value) + unit, f"<= {fmt.format(limit)}{unit}", value <= limit)


def slope_target(what: str, value: float | None, limit: float, reached: int, largest: int,
                 cap: int | None = None) -> Target:
    """A series' slope target holds only over the issue's whole range: a series that stopped
    short (a timeout, its budget) has not met it, whatever its slope so far; one that a
    shorter run (--max-k, --quick) ended early was not measured."""
    t = at_most(what, value, limit)
    if cap is not None and cap < largest and reached >= cap:
        return Target(what, f"{t.measured} (k <= {cap}: --max-k)", t.target, None)
    if reached < largest:
        return Target(what, f"{t.measured} (stopped at k = {reached} of {largest})", t.target, False)
    return t


def format_targets(targets: Sequence[Target]) -> str:
    width = max(len(t.what) for t in targets)
    mw = max(len(t.measured) for t in targets)
    lines = [f"{'target':{width}}  {'measured':>{mw}}  {'wanted':>9}  verdict"]
    lines += [f"{t.what:{width}}  {t.measured:>{mw}}  {t.target:>9}  {word(t.met)}" for t in targets]
    return "\n".join(lines)


# ------------------------------------------------------------------ cells
def fmt_seconds(t: float) -> str:
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def fmt_time(r: dict[str, Any]) -> str:
    """A side's time, or its outcome when it did not answer (error, timeout, skipped, ...)."""
    if r.get("status") == "ok":
        return fmt_seconds(float(r["time"]))
    return str(r.get("status", "?"))


def fmt_ratio(m: dict[str, Any], other: dict[str, Any]) -> str:
    if m.get("status") == "ok" and other.get("status") == "ok" and m["time"] > 0:
        return f"{other['time'] / m['time']:.1f}x"
    return "-"


def fmt_int(value: Any) -> str:
    return "-" if value is None else f"{int(value)}"


def fmt_slope(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Columns padded to their widest cell; the first `left` columns flush left, the rest right."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def series_table(points: Sequence[dict[str, Any]], tensorgrad: bool = False) -> str:
    header = ["k", "matcalc", "printed", "peak MB", "sympy", "printed", "sympy/matcalc"]
    if tensorgrad:
        header += ["tensorgrad", "tg/matcalc"]
    header.append("note")
    rows = []
    for p in points:
        m, s = p["matcalc"], p["sympy"]
        row = [str(p["k"]), fmt_time(m), fmt_int(m.get("plain_length")),
               fmt_int(m.get("peak_mb")) if m.get("status") == "ok" else "-",
               fmt_time(s), fmt_int(s.get("printed_length")), fmt_ratio(m, s)]
        note = m.get("detail") or s.get("detail") or ""
        if tensorgrad:
            t = p.get("tensorgrad", {"status": "-"})
            row += [fmt_time(t), fmt_ratio(m, t)]
            note = note or t.get("detail") or ""
        row.append(note[:56])
        rows.append(row)
    return grid(header, rows)


def single_calls_table(cli: dict[str, Any]) -> str:
    rows = []
    for name, t in cli["median"].items():
        r = cli["ratio"][name]
        limit = CALL_TARGETS.get(name)
        rows.append([name, f"{t * 1e3:.0f} ms", f"{r:.3f}", "" if limit is None else f"<= {limit:.2f}",
                     "" if limit is None else word(r <= limit), str(cli["exit"][name])])
    return grid(["call", "median", "/ import sympy", "target", "", "exit"], rows)
