#!/usr/bin/env python
"""Benchmark matcalc against SymPy (and tensorgrad where installed), in one run, with the
targets of issue 14 each marked met or not met. A measurement, not a test: it asserts
nothing and exits 0 whatever the numbers.

    python bench/run.py                      # everything, about 10 minutes on 2 cores
    python bench/run.py --quick              # k up to 8, few repeats: a smoke run
    python bench/run.py --plot bench/scaling.png   # and draw the scaling curves (matplotlib)

Parts, in order:
  * single calls: `matcalc diff ... --format plain`, `diff` (pretty), `--version` as
    subprocesses, in alternating rounds with `python -c "import sympy"`; medians and the
    ratio to it;
  * the public evaluation sample (/work/shared/eval/cases.py, --cases, $MATCALC_EVAL_CASES):
    matcalc in process against SymPy's MatrixSymbol diff, case by case (summary printed);
  * five scaling series over the issue's ranges (powers of two and the end point): the
    network by W1 (k to 200), its Hessian by x (100), the chain of products (500), the
    sum of quadratic forms (1000), the nest of functions (500). Each point: matcalc's
    time (parse to printed plain text, caches emptied), printed length and the peak
    resident memory of the forked child it ran in; SymPy's time or outcome and its
    printed length; tensorgrad's on the network. Slopes of log time and log length
    against log k over k >= 8;
  * in-process targets: network k = 20, its Hessian, the k = 100 Hessian;
  * batch: varied jobs a second, and the memory of its processes after 1,000, 5,000 and
    10,000 jobs.
Every side runs in a child process with a timeout; after a timeout (or when a series has
used its --series-budget) a series stops growing on that side. Writes every number to
--out (bench/results.json, git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import measure
import tables
from batch import varied
from jobs import SERIES, Series, case_jobs, load_cases, network_hessian_job, network_job, series_ks
from tables import Target, at_most, slope, slope_target

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = Path(os.environ.get("MATCALC_EVAL_CASES", "/work/shared/eval/cases.py"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="runs per in-process point (median; a slow point once)")
    ap.add_argument("--rounds", type=int, default=9, help="alternating rounds of the single calls")
    ap.add_argument("--max-k", type=int, default=None, help="end every series here (default: the issue's ranges)")
    ap.add_argument("--matcalc-timeout", type=float, default=60.0, help="seconds per matcalc point")
    ap.add_argument("--sympy-timeout", type=float, default=10.0, help="seconds per SymPy point")
    ap.add_argument("--tensorgrad-timeout", type=float, default=None, help="seconds per tensorgrad point "
                    "(default: --sympy-timeout)")
    ap.add_argument("--series-budget", type=float, default=150.0,
                    help="seconds of matcalc time per series; past it the series stops growing")
    ap.add_argument("--batch-jobs", type=int, default=10_000, help="jobs of the batch memory run")
    ap.add_argument("--quick", action="store_true", help="k up to 8, 2 repeats and rounds, 500 batch jobs")
    ap.add_argument("--no-sympy", action="store_true", help="matcalc's side only")
    ap.add_argument("--no-tensorgrad", action="store_true", help="do not look for tensorgrad")
    ap.add_argument("--tensorgrad-python", help="an interpreter with tensorgrad installed "
                    "(default: $MATCALC_BENCH_TENSORGRAD_PYTHON, or this one)")
    ap.add_argument("--no-calls", action="store_true", help="skip the single calls")
    ap.add_argument("--no-cases", action="store_true", help="skip the evaluation sample")
    ap.add_argument("--no-series", action="store_true", help="skip the scaling series and in-process targets")
    ap.add_argument("--no-batch", action="store_true", help="skip the batch run")
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="the evaluation sample's cases.py")
    ap.add_argument("--out", type=Path, default=HERE / "results.json", help="where the JSON record goes")
    ap.add_argument("--plot", type=Path, default=None, help="draw the scaling curves to this PNG (matplotlib)")
    args = ap.parse_args(argv)
    if args.quick:
        args.max_k = min(args.max_k or 8, 8)
        args.repeats, args.rounds, args.batch_jobs = 2, 2, 500
    return args


def say(text: str = "") -> None:
    print(text, flush=True)


# ------------------------------------------------------------------ parts
def run_cases(args: argparse.Namespace, record: dict[str, Any]) -> None:
    cases = load_cases(args.cases)
    if cases is None:
        say(f"\nevaluation sample: {args.cases} not found, skipped")
        return
    recs: list[dict[str, Any]] = []
    for job in case_jobs(cases):
        m = measure.run_matcalc(job, args.repeats, args.matcalc_timeout)
        s = {"status": "skipped"} if args.no_sympy else measure.run_sympy(job, args.repeats, args.sympy_timeout)
        recs.append({"id": job.label, "expr": job.expr, "wrt": list(job.wrt), "matcalc": m, "sympy": s})
    mt = [r["matcalc"]["time"] for r in recs if r["matcalc"]["status"] == "ok"]
    both = [r["sympy"]["time"] / r["matcalc"]["time"] for r in recs
            if r["matcalc"]["status"] == "ok" and r["sympy"].get("status") == "ok"]
    statuses = [r["sympy"]["status"] for r in recs]
    outcomes = {k: statuses.count(k) for k in sorted(set(statuses))}
    record["cases"] = {"path": str(args.cases), "records": recs, "sympy_outcomes": outcomes,
                       "matcalc_ok": len(mt), "matcalc_median": statistics.median(mt) if mt else None,
                       "median_ratio": statistics.median(both) if both else None}
    say(f"\nevaluation sample ({len(recs)} cases): matcalc derives {len(mt)}, median "
        f"{tables.fmt_seconds(statistics.median(mt)) if mt else '-'}; SymPy: "
        + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items(), key=lambda kv: -kv[1]))
        + (f"; where both answer SymPy takes {statistics.median(both):.1f}x matcalc's time (median)" if both else ""))


def run_series(series: Series, args: argparse.Namespace, tg_python: str | None) -> dict[str, Any]:
    points: list[dict[str, Any]] = []
    sympy_on, tg_on = not args.no_sympy, tg_python is not None and series.key == "network"
    spent = 0.0
    tg_timeout = args.tensorgrad_timeout or args.sympy_timeout
    for k in series_ks(series.largest, args.max_k):
        job = series.make(k)
        m = measure.run_matcalc(job, args.repeats, args.matcalc_timeout)
        spent += m["wall"]
        point: dict[str, Any] = {"k": k, "expr_length": len(job.expr), "matcalc": m}
        if sympy_on:
            point["sympy"] = measure.run_sympy(job, args.repeats, args.sympy_timeout)
            sympy_on = point["sympy"]["status"] not in ("timeout", "crashed")
        else:
            point["sympy"] = {"status": "skipped"}
        if tg_on:
            point["tensorgrad"] = measure.run_tensorgrad(tg_python, k, tg_timeout)  # type: ignore[arg-type]
            tg_on = point["tensorgrad"]["status"] == "ok"
        elif tg_python is not None and series.key == "network":
            point["tensorgrad"] = {"status": "skipped"}
        points.append(point)
        if m["status"] != "ok":
            m["detail"] = f"{m['status']} {m.get('detail', '')}: larger k skipped"
            break
        if spent > args.series_budget:
            m["detail"] = f"series budget {args.series_budget:g} s used: larger k skipped"
            break
    ok = tables.ok_points(points, "matcalc", "time")
    res: dict[str, Any] = {"title": series.title, "largest": series.largest, "points": points,
           "reached": ok[-1][0] if ok else 0,
           "time_slope": slope(ok), "length_slope": slope(tables.ok_points(points, "matcalc", "plain_length")),
           "sympy_time_slope": slope(tables.ok_points(points, "sympy", "time")),
           "tensorgrad_time_slope": slope(tables.ok_points(points, "tensorgrad", "time"))}
    say(f"\nseries {series.key}: {series.title}")
    say(tables.series_table(points, tensorgrad="tensorgrad" in points[0]))
    say(f"  log-log slopes over k >= {tables.SLOPE_FROM}: matcalc time {tables.fmt_slope(res['time_slope'])}, "
        f"printed length {tables.fmt_slope(res['length_slope'])}; SymPy time "
        f"{tables.fmt_slope(res['sympy_time_slope'])}"
        + (f"; tensorgrad time {tables.fmt_slope(res['tensorgrad_time_slope'])}" if tg_python and
           series.key == "network" else ""))
    return res


def in_process_targets(args: argparse.Namespace, record: dict[str, Any]) -> list[Target]:
    net = measure.run_matcalc(network_job(20), args.repeats, args.matcalc_timeout)
    hess = measure.run_matcalc(network_hessian_job(20), args.repeats, args.matcalc_timeout)
    big = next((p["matcalc"] for p in record.get("series", {}).get("hessian", {}).get("points", [])
                if p["k"] == 100), None)
    # The memory target is a user's: a whole `matcalc diff` process, not a forked child.
    whole = measure.command_line_run(network_hessian_job(100), args.matcalc_timeout) if big else None
    record["in_process"] = {"network k=20": net, "hessian k=20": hess, "hessian k=100": big,
                            "hessian k=100, command line": whole}

    def secs(r: dict[str, Any] | None) -> float | None:
        return r["time"] if r and r.get("status") == "ok" else None

    say("\nin-process targets (wall; the process's CPU time beside it, less moved by the machine's load):")
    for name, r in (("network k=20 by W1", net), ("its Hessian k=20", hess), ("Hessian k=100", big)):
        if r and r.get("status") == "ok":
            say(f"  {name:20} {tables.fmt_seconds(r['time']):>9} wall, {tables.fmt_seconds(r['cpu']):>9} CPU, "
                f"peak {r['peak_mb']:.0f} MB (forked child)")
    if whole:
        say(f"  Hessian k=100 as a whole `matcalc diff ... --format plain` process: {whole['status']}, "
            f"{tables.fmt_time(whole)} wall, peak {whole.get('peak_mb', 0):.0f} MB resident")

    def failed(t: Target, r: dict[str, Any] | None) -> Target:
        """A point that ran and gave no answer (a timeout, an error) has not met its target."""
        if r is None or r.get("status") == "ok":
            return t
        return Target(t.what, f"{r.get('status')} {r.get('detail', '')}".strip(), t.target, False)

    missing = "not run (--max-k)"
    return [
        failed(at_most("network k=20 by W1, in process", secs(net), 0.050, "{:.3f}", " s"), net),
        failed(at_most("its Hessian k=20, in process", secs(hess), 0.5, "{:.2f}", " s"), hess),
        failed(at_most("Hessian k=100, in process", secs(big), 5.0, "{:.2f}", " s", why_missing=missing), big),
        failed(at_most("Hessian k=100, peak memory (whole process)", whole["peak_mb"] if whole and secs(whole)
                       else None, 300, "{:.0f}", " MB", why_missing=missing), whole),
    ]


def run_batch(args: argparse.Namespace, record: dict[str, Any]) -> list[Target]:
    small = min(1000, args.batch_jobs)
    rates = [measure.batch_run(varied(small)) for _ in range(3)]
    # Sampled every twentieth of the run: recycled workers make the memory a saw, so the
    # highest sample of each half says more than any one sample.
    step = max(1, args.batch_jobs // 20)
    marks = sorted({small, *range(step, args.batch_jobs + 1, step)})
    big = measure.batch_run(varied(args.batch_jobs), marks)
    record["batch"] = {"small": rates, "big": big, "marks": marks}
    rate_small = statistics.median(small / r["seconds"] for r in rates)
    rate_big = big["jobs"] / big["seconds"]
    rate_cpu = big["jobs"] / big["cpu"] if big["cpu"] else 0.0
    rss, pss, procs = big["rss_mb"], big["pss_mb"], big["processes"]
    say("\nbatch (`matcalc batch FILE`, varied jobs, every name renamed per job; start-up included):")
    say(f"  {small} jobs: {rate_small:.0f} a second (median of 3); {big['jobs']} jobs: {big['seconds']:.1f} s, "
        f"{rate_big:.0f} a second ({rate_cpu:.0f} a second of its CPU time)")
    say(f"  job exits {big['exits']} (1: a check job whose expectation is wrong, as some are meant to be)")
    say("  memory of its processes, PSS (a page shared by forked workers counted once; RSS summed beside it):")
    for n in (small, args.batch_jobs):
        if n in pss:
            say(f"    after {n} jobs {pss[n]:.0f} MB ({rss[n]:.0f} MB RSS, {procs[n]} processes)")
    first, second = tables.half_peaks(pss, args.batch_jobs)
    say(f"    highest sample (every {step} jobs) in the first half {tables.fmt_int(first)} MB, "
        f"in the second {tables.fmt_int(second)} MB; largest peak of one process {big['peak_mb']:.0f} MB")
    growth = None if not first or second is None else (second - first) / first
    return [
        Target(f"batch: varied jobs a second ({big['jobs']} jobs)", f"{rate_big:.0f}", ">= 500", rate_big >= 500),
        # Bounded: the second half of the run needs at most a tenth more (caches full, nothing kept per job).
        Target(f"batch memory: PSS at {small} / {args.batch_jobs} jobs; highest in each half",
               f"{pss.get(small, 0):.0f} / {pss.get(args.batch_jobs, 0):.0f} MB; "
               f"{tables.fmt_int(first)} / {tables.fmt_int(second)} MB"
               + ("" if growth is None else f" ({growth:+.0%})"),
               "<= +10%", None if growth is None else growth <= 0.10),
    ]


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    import sympy

    from matcalc_cli import __version__

    tg_python, tg_version = (None, "") if args.no_tensorgrad else measure.tensorgrad_python(args.tensorgrad_python)
    elsewhere = tg_python and Path(tg_python).absolute() != Path(sys.executable).absolute()
    if tg_python:
        tg_line = tg_version + (" (in its own interpreter)" if elsewhere else "")
    elif args.no_tensorgrad:
        tg_line = "tensorgrad: not run (--no-tensorgrad)"
    else:
        tg_line = f"tensorgrad: not installed ({tg_version})"
    mach = measure.machine()
    meta = {**mach, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "matcalc": __version__,
            "commit": measure.git_commit(), "sympy": sympy.__version__,
            "tensorgrad": tg_version if tg_python else None, "tensorgrad_python": tg_python, "args": vars(args)}
    record: dict[str, Any] = {"meta": meta}
    say(f"matcalc {__version__} ({meta['commit']}) against SymPy {sympy.__version__}; {tg_line}")
    say(f"{meta['date']}; {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB; {mach['system']}; "
        f"Python {mach['python']}; load average {' '.join(map(str, mach['load']))}")

    measure.warm_up()
    targets: list[Target] = []
    if not args.no_calls:
        cli = measure.single_calls(args.rounds)
        record["single_calls"] = cli
        say(f"\nsingle calls (median of {args.rounds} alternating rounds, ratio to python -c 'import sympy'):")
        say(tables.single_calls_table(cli))
        targets += [Target(f"single call: {name} / import sympy", f"{cli['ratio'][name]:.3f}", f"<= {limit:.2f}",
                           cli["ratio"][name] <= limit) for name, limit in tables.CALL_TARGETS.items()]
    if not args.no_cases:
        run_cases(args, record)
    if not args.no_series:
        record["series"] = {}
        say(f"\nscaling series: times in process, parse to printed plain text, caches emptied; peak MB is the "
            f"forked child's resident peak (the parent had {measure.peak_mb():.0f} MB)")
        for series in SERIES:
            res = run_series(series, args, tg_python)
            record["series"][series.key] = res
            targets.append(slope_target(f"{series.key} k<={series.largest}: time slope", res["time_slope"],
                                        tables.TIME_SLOPE, res["reached"], series.largest, args.max_k))
            targets.append(slope_target(f"{series.key} k<={series.largest}: printed length slope",
                                        res["length_slope"], tables.LENGTH_SLOPE, res["reached"], series.largest,
                                        args.max_k))
        targets += in_process_targets(args, record)
    if not args.no_batch:
        targets += run_batch(args, record)

    record["targets"] = [t.row() for t in targets]
    record["meta"]["seconds"] = time.perf_counter() - started
    record["meta"]["load_end"] = [round(x, 2) for x in measure.machine()["load"]]
    met = sum(t.met is True for t in targets)
    say(f"\ntargets of issue 14 ({met} of {len(targets)} met; load average at the end "
        f"{' '.join(map(str, record['meta']['load_end']))}; {record['meta']['seconds'] / 60:.1f} minutes):")
    if targets:
        say(tables.format_targets(targets))
    if tg_python is None:
        say(tg_line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1, default=str) + "\n")
    say(f"\nwrote {args.out}")
    if args.plot:
        import plot

        say(f"wrote {plot.plot(record, args.plot)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
