#!/usr/bin/env python
"""The scaling curves of a bench/run.py record as a picture: time and printed length
against k, log-log, and matcalc's peak memory (linear); one colour a series, matcalc
solid, SymPy dashed, tensorgrad dotted.

    python bench/plot.py [bench/results.json] [bench/scaling.png]

Needs matplotlib (`pip install -e '.[bench]'`); bench/run.py --plot PATH calls this after
its run, and imports matplotlib only then.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SIDES = (("matcalc", "-", "o"), ("sympy", "--", "x"), ("tensorgrad", ":", "^"))


def curve(points: list[dict[str, Any]], side: str, field: str) -> tuple[list[int], list[float]]:
    pts = [(p["k"], p[side][field]) for p in points
           if side in p and p[side].get("status") == "ok" and p[side].get(field)]
    return [k for k, _ in pts], [v for _, v in pts]


def plot(record: dict[str, Any], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_l, ax_m) = plt.subplots(1, 3, figsize=(13, 4.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (key, series) in enumerate(record.get("series", {}).items()):
        colour = colours[i % len(colours)]
        for side, style, marker in SIDES:
            label = f"{key} ({side})" if side != "matcalc" else key
            ks, ts = curve(series["points"], side, "time")
            if ks:
                ax_t.plot(ks, ts, style, marker=marker, ms=3, color=colour, label=label)
            ks, ls = curve(series["points"], side, "plain_length" if side == "matcalc" else "printed_length")
            if ks and side != "tensorgrad":  # its length is a constructor-style repr: not comparable
                ax_l.plot(ks, ls, style, marker=marker, ms=3, color=colour, label=label)
            ks, ms = curve(series["points"], side, "peak_mb")
            if ks:
                ax_m.plot(ks, ms, style, marker=marker, ms=3, color=colour, label=label)
    meta = record.get("meta", {})
    ax_t.set_title("time (s)")
    ax_l.set_title("printed length (characters)")
    ax_m.set_title("matcalc's peak resident memory (MB)")
    for ax in (ax_t, ax_l, ax_m):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log" if ax is not ax_m else "linear")
        ax.set_xlabel("k")
        ax.grid(True, which="major", alpha=0.3)
    ax_m.set_ylim(bottom=0)  # linear from 0: the interpreter and its imports are most of it
    handles, labels = ax_t.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8, frameon=False)
    fig.suptitle(f"matcalc {meta.get('matcalc', '?')} (solid) against SymPy {meta.get('sympy', '?')} (dashed)"
                 + (", tensorgrad (dotted)" if meta.get("tensorgrad") else "")
                 + f"; {meta.get('date', '')}", fontsize=9)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=72)
    plt.close(fig)
    return out


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else HERE / "results.json"
    out = Path(argv[1]) if len(argv) > 1 else HERE / "scaling.png"
    print(f"wrote {plot(json.loads(src.read_text()), out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
