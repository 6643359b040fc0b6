"""bench/'s pure helpers (slopes, the series' points, targets, tables): arithmetic only,
no timing (bench/run.py measures; nothing here asserts a time)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load(name: str) -> ModuleType:
    """A bench/ module by its path (bench/ is scripts, not a package; nothing goes on sys.path)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).resolve().parents[1] / "bench" /
                                                  f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


jobs, tables = load("jobs"), load("tables")


@pytest.mark.parametrize("power", [0.5, 1.0, 1.3, 2.0])
def test_slope_of_a_power_law_is_its_exponent(power: float) -> None:
    points = [(k, 3.0 * k**power) for k in (1, 2, 4, 8, 16, 32, 64)]
    assert tables.slope(points) == pytest.approx(power)


def test_slope_ignores_small_k_and_non_positive_values() -> None:
    # Below k = 8 fixed costs dominate: a constant there does not bend the line fitted above.
    points = [(1, 50.0), (2, 50.0), (4, 50.0), (8, 8.0), (16, 16.0), (32, 0.0), (64, 64.0)]
    assert tables.slope(points) == pytest.approx(1.0)
    assert tables.slope([(8, 1.0)]) is None
    assert tables.slope([(1, 1.0), (2, 2.0), (4, 4.0)]) is None


def test_series_points_are_powers_of_two_and_the_end() -> None:
    assert jobs.series_ks(200) == [1, 2, 4, 8, 16, 32, 64, 128, 200]
    assert jobs.series_ks(64) == [1, 2, 4, 8, 16, 32, 64]
    assert jobs.series_ks(1000, cap=8) == [1, 2, 4, 8]
    assert jobs.series_ks(100, cap=500) == [1, 2, 4, 8, 16, 32, 64, 100]


def test_every_series_reaches_the_issues_range() -> None:
    assert {s.key: s.largest for s in jobs.SERIES} == {"network": 200, "hessian": 100, "chain": 500,
                                                      "quadratic": 1000, "nest": 500}
    assert jobs.network_source(2) == "norm(tanh(W2 tanh(W1 x)) - y)^2"
    assert jobs.network_hessian_job(3).wrt == ("x", "x")


def test_slope_target_needs_the_whole_range() -> None:
    assert tables.slope_target("t", 1.0, 1.3, reached=200, largest=200).met is True
    assert tables.slope_target("t", 1.4, 1.3, reached=200, largest=200).met is False
    stopped = tables.slope_target("t", 1.0, 1.3, reached=64, largest=200)
    assert stopped.met is False and "stopped at k = 64 of 200" in stopped.measured
    capped = tables.slope_target("t", 1.0, 1.3, reached=8, largest=200, cap=8)
    assert capped.met is None and tables.word(capped.met) == "n/a"


def test_half_peaks_compare_the_highest_samples_of_each_half() -> None:
    saw = {500: 105.0, 1000: 117.0, 1500: 129.0, 2000: 94.0, 2500: 106.0, 3000: 131.0, 3500: 90.0, 4000: 62.0}
    assert tables.half_peaks(saw, 4000) == (129.0, 131.0)
    assert tables.half_peaks({1000: 50.0}, 4000) == (50.0, None)
    assert tables.half_peaks({}, 10) == (None, None)


def test_at_most_and_the_targets_table() -> None:
    rows = [tables.at_most("plain / import sympy", 0.3, 0.35), tables.at_most("memory", 310.0, 300, "{:.0f}", " MB"),
            tables.at_most("missing", None, 5.0)]
    assert [r.met for r in rows] == [True, False, None]
    text = tables.format_targets(rows).splitlines()
    assert text[0].split() == ["target", "measured", "wanted", "verdict"]
    assert text[1].split()[-3:] == ["<=", "0.35", "met"]
    assert text[2].endswith("<= 300 MB  NOT MET") and "310 MB" in text[2]
    assert text[3].endswith("n/a") and "not measured" in text[3]


def test_series_table_shows_outcomes_and_ratios() -> None:
    points = [{"k": 1, "matcalc": {"status": "ok", "time": 0.002, "plain_length": 15, "peak_mb": 60.2},
               "sympy": {"status": "ok", "time": 0.02, "printed_length": 13}},
              {"k": 2, "matcalc": {"status": "ok", "time": 1.5, "plain_length": 23, "peak_mb": 61},
               "sympy": {"status": "error", "detail": "ValueError: index"}}]
    lines = tables.series_table(points).splitlines()
    assert lines[1].split() == ["1", "2.0", "ms", "15", "60", "20.0", "ms", "13", "10.0x"]
    assert lines[2].split()[:7] == ["2", "1.50", "s", "23", "61", "error", "-"]
    assert lines[2].endswith("ValueError: index")


def load_autodiff() -> ModuleType:
    """bench/autodiff.py, with the bench modules it imports by their bare names (as a script,
    bench/ is on its sys.path) registered under those names first."""
    for name in ("paired", "hlo"):
        if name not in sys.modules:
            sys.modules[name] = load(name)
    return load("autodiff")


def test_autodiff_bench_helpers() -> None:
    import numpy as np

    autodiff = load_autodiff()
    assert autodiff.geometric_mean([2.0, 8.0]) == pytest.approx(4.0)
    assert autodiff.geometric_mean([]) is None
    # jax.hessian's (r, c, r, c) by vec stacking columns: entry (i + j r, p + q r) is h[i, j, p, q].
    h = np.arange(3 * 2 * 3 * 2, dtype=float).reshape(3, 2, 3, 2)
    flat = autodiff.as_matrix_hessian(h, (3, 2))
    assert flat[1 + 1 * 3, 2 + 0 * 3] == h[1, 1, 2, 0]
    assert autodiff.equal(np.ones(3), np.ones(3) + 1e-9) and not autodiff.equal(np.ones(3), np.ones(2))
    rows = [autodiff.Row("p", "hvp", n, {"matcalc jax": 1.0, "autodiff jax": r}) for n, r in [(1, 2.0), (2, 0.5)]]
    assert autodiff.summary(rows, "jax") == [("p", "hvp", 0.5, pytest.approx(1.0), autodiff.NOT_MET)]
    # Below 1 at one size: a tie where fewer than three rounds in four were slower there,
    # not met where more were, or where the geometric mean is not ahead.
    def series(upper: float) -> list:
        return [autodiff.Row("p", "hvp", n, spread={"jax": [q, r, u, 9.0]})
                for n, (q, r, u) in [(1, (0.97, 0.99, upper)), (2, (1.1, 1.2, 1.3))]]
    assert autodiff.verdict(series(1.02), "jax") == autodiff.TIE
    assert autodiff.verdict(series(0.995), "jax") == autodiff.NOT_MET
    assert autodiff.verdict(series(1.02)[:1], "jax") == autodiff.NOT_MET
    assert autodiff.verdict(series(1.02)[1:], "jax") == autodiff.MET
    assert "| p | hvp | 2 |" in autodiff.table(rows, ["jax"])
    # A torch side past its memory limit has no time: its cell says so, and no ratio is made up.
    skipped = autodiff.Row("p", "hessian", 3, {"matcalc torch": 1.0}, skipped={"autodiff torch": "memory"})
    assert "| 1.00 s | skipped: memory | - |" in autodiff.table([skipped], ["torch"])
    assert skipped.ratio("torch") is None and autodiff.summary([skipped], "torch") == []
    # A vector's gradient in numerator layout (a row) is compared with JAX's column; a
    # matrix's gradient keeps its shape, so a transposed one is still told apart.
    row = autodiff._comparable("value and gradient", (2.0, np.arange(3.0).reshape(1, 3)), (3, 1), False)
    assert row[1].shape == (3, 1) and autodiff.equal(row[1], np.arange(3.0).reshape(3, 1))
    square = autodiff._comparable("value and gradient", (2.0, np.ones((2, 3))), (3, 2), False)
    assert not autodiff.equal(square[1], np.ones((3, 2)))


def test_paired_rounds_ratios_and_spread() -> None:
    paired = load("paired")
    assert paired.quartiles([4.0, 1.0, 3.0, 2.0, 5.0]) == (2.0, 3.0, 4.0)
    assert paired.quartiles([1.0, 2.0]) == (1.25, 1.5, 1.75)
    with pytest.raises(ValueError):
        paired.quartiles([])
    ours, theirs = paired.Timed(9.0, (1.0, 2.0, 4.0)), paired.Timed(5.0, (2.0, 2.0, 2.0))
    assert paired.round_ratios(ours, theirs) == [2.0, 1.0, 0.5] and ours.median == 2.0
    assert paired.Timed(9.0, ()).median == 9.0  # no round: the first call is all there is
    # the two sides of a comparison next to each other, each first every other round
    assert paired.round_orders(["a", "b", "c"], 3) == [["a", "b", "c"], ["c", "b", "a"], ["a", "b", "c"]]
    assert paired.batch_size(1e-5, 5e-3) == 500 and paired.batch_size(1.0, 5e-3) == 1 and paired.batch_size(0, 1) == 1
    env = paired.pinned_environment({"XLA_FLAGS": "--xla_dump_to=/x", "PATH": "/bin"})
    assert env["XLA_FLAGS"] == "--xla_dump_to=/x --xla_cpu_multi_thread_eigen=false"
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1" and env[paired.PINNED] == "1"
    assert env["PATH"] == "/bin"
    # Rounds: every side as many times, and no more rounds than asked (calls that do nothing).
    count = {"a": 0, "b": 0}

    def call(side: str):
        return lambda: count.__setitem__(side, count[side] + 1)

    timed = paired.in_rounds({"a": call("a"), "b": call("b")}, budget=10.0, floor=0.0, least=3, most=5,
                             target=0.0, first={"a": 0.5})
    assert [len(t.rounds) for t in timed.values()] == [3, 3] and timed["a"].first == 0.5
    assert count == {"a": 4, "b": 5}  # a's first call was the caller's: one for b, a sizing call each


def test_autodiff_rows_report_the_median_round_ratio_and_its_quartiles() -> None:
    autodiff = load_autodiff()
    row = autodiff.Row("p", "hvp", 100, {"matcalc jax": 1.0, "autodiff jax": 3.0},
                       spread={"jax": autodiff.spread_of([0.9, 1.0, 1.1, 1.2, 1.3])})
    assert row.ratio("jax") == pytest.approx(1.1)  # the rounds' median, not the medians' ratio 3
    assert row.ratio_cell("jax") == "1.10x (1.00-1.20)"
    few = autodiff.Row("p", "hvp", 100, spread={"jax": autodiff.spread_of([1.0, 2.0])})
    assert few.ratio_cell("jax") == "1.50x"  # two rounds make no spread
    row.program = "same"
    assert "| same program |" in autodiff.table([row], ["jax"])


HLO = """HloModule jit_f, entry_computation_layout={{(f64[3]{{0}})->f64[3]{{0}}}}

%fused_computation.{k} (param_0.{a}: f64[3], param_1.{b}: f64[3]) -> f64[3] {{
  %param_0.{a} = f64[3]{{0}} parameter(0)
  %param_1.{b} = f64[3]{{0}} parameter(1)
  ROOT %{op}.{c} = f64[3]{{0}} {op}(%param_0.{a}, %param_1.{b}), metadata={{op_name="{name}"}}
}}

ENTRY %main.{d} ({x}.1: f64[3]) -> f64[3] {{
  %{x}.1 = f64[3]{{0}} parameter(0), metadata={{op_name="{x}"}}
  %{dot}.2 = f64[3]{{0}} negate(%{x}.1)
  ROOT %fusion.{k} = f64[3]{{0}} fusion({operands}), kind=kLoop, calls=%fused_computation.{k}
}}
"""


def _hlo(**kw: str) -> str:
    values = {"k": "1", "a": "1", "b": "2", "c": "3", "d": "4", "x": "x", "dot": "neg", "op": "multiply",
              "name": "jit(f)/mul", "operands": "%x.1, %neg.2"}
    values.update(kw)
    if "operands" not in kw:
        values["operands"] = f"%{values['x']}.1, %{values['dot']}.2"
    return HLO.format(**values)


def test_hlo_programs_compare_with_their_names_set_aside() -> None:
    hlo = load("hlo")
    base = _hlo()
    assert hlo.same_program(base, base) == "same"
    # other names, numbers and metadata everywhere: the same program
    renamed = _hlo(k="7", a="9", b="8", c="5", d="2", x="args_0_", dot="negate_it", name="jit(g)/jvp(mul)")
    assert hlo.same_program(base, renamed) == "same"
    # the same graph, a fusion that multiplies instead of adding (its operands in another order)
    other_body = _hlo(op="add", operands="%neg.2, %x.1")
    assert hlo.same_program(base, other_body) == "fusions differ"
    # a different operation outside the fusions
    assert hlo.same_program(base, base.replace("negate(", "exponential(")) == "differs"
    # the same negate, the elementwise work split into two fusions instead of one
    calls = "kind=kLoop, calls=%fused_computation.1"
    split = base.replace(f"  ROOT %fusion.1 = f64[3]{{0}} fusion(%x.1, %neg.2), {calls}",
                         f"  %fusion.2 = f64[3]{{0}} fusion(%x.1), {calls}\n"
                         f"  ROOT %fusion.1 = f64[3]{{0}} fusion(%fusion.2, %neg.2), {calls}")
    assert split != base and hlo.same_program(base, split) == "same dots"
    with pytest.raises(ValueError):
        hlo.same_program("HloModule m", base)
