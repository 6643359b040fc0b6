"""matcalc convex: the corpus gives no wrong verdict, every fact of every certificate holds
at random points of the domain, every rule is used, and every counterexample reproduces
from its printed numbers."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from convex_corpus import CORPUS, PSD_CASES
from convex_facts import check_fact, psd_facts

from matcalc_cli import convex as api_convex
from matcalc_cli import convex_rules
from matcalc_cli.convexity import Verdict, convex
from matcalc_cli.numeric import evaluate
from matcalc_cli.report import typed_input

MATCALC = [sys.executable, "-m", "matcalc_cli"]


def _decide(src: str, wrt: tuple[str, ...], opts: dict[str, Any]) -> Verdict:
    return convex(src, list(wrt), opts.get("shape"), opts.get("symmetric"), opts.get("positive"), opts.get("spd"))


@functools.cache
def verdict(i: int) -> Verdict:
    """The corpus's i-th verdict, computed once (on first use, not when the tests are collected)."""
    src, wrt, opts, _, _ = CORPUS[i]
    return _decide(src, wrt, opts)


class _Verdicts(Mapping[int, Verdict]):
    def __getitem__(self, i: int) -> Verdict:
        return verdict(i)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(CORPUS)))

    def __len__(self) -> int:
        return len(CORPUS)


VERDICTS = _Verdicts()
IDS = [f"{c[0]} by {','.join(c[1])}" for c in CORPUS]


@pytest.mark.parametrize("i", range(len(CORPUS)), ids=IDS)
def test_no_wrong_verdict_every_fact_holds_every_counterexample_reproduces(i):
    src, wrt, opts, convex_truth, concave_truth = CORPUS[i]
    v = VERDICTS[i]
    for q, a, truth in (("convex", v.convex, convex_truth), ("concave", v.concave, concave_truth)):
        assert a.answer in (truth, "unknown")
        if a.answer == "yes":
            assert a.certificate
            assert sum(check_fact(f, v.variables, wrt, opts) for f in a.certificate) > 0
        if a.answer == "no":
            _reproduces(i, q, a.counterexample)


def test_corpus_is_large_and_mostly_settled():
    answers = [a.answer for v in VERDICTS.values() for a in (v.convex, v.concave)]
    assert len(CORPUS) >= 60
    assert answers.count("unknown") <= len(answers) // 10


def test_every_rule_is_used_and_sourced():
    used = {f.rule.name for v in VERDICTS.values() for a in (v.convex, v.concave) for f in a.certificate}
    for src, opts in PSD_CASES:
        prover, e, _ = psd_facts(src, opts)
        prover.psd(e)
        used |= {f.rule.name for f in prover.facts.items}
    rules = [r for r in vars(convex_rules).values() if isinstance(r, convex_rules.CurvatureRule)]
    compositions = [a for a in vars(convex_rules).values() if isinstance(a, convex_rules.Atom)]
    atoms = [*convex_rules.ATOMS.values(), *compositions]
    rules += [a.rule for a in atoms]
    for rule in rules:
        assert rule.source
        assert any(rule.name in name for name in used), rule.name


def _reproduces(i: int, q: str, cx: Any) -> None:
    """The counterexample's second difference, from its printed (JSON) numbers alone."""
    data = json.loads(json.dumps(cx.to_json()))
    src, wrt, opts, _, _ = CORPUS[i]
    _, typed, _, _, _ = typed_input(src, list(wrt), opts.get("shape"),
                                    sorted(set(opts.get("symmetric", ())) | set(opts.get("spd", ()))))
    point = {k: np.asarray(x, dtype=float) for k, x in data["point"].items()}
    sizes = {}
    for name, shape in typed.variables.items():
        a = point[name].reshape(-1, 1) if point[name].ndim == 1 else point[name]
        for d, n in zip(shape, a.shape if a.ndim == 2 else (1, 1), strict=True):
            if isinstance(d, str):
                sizes[d] = n
    h = data["h"]
    f = [float(evaluate(typed.expr, {**point, **{w: point[w] + s * h * np.asarray(data["direction"][w])
                                                   for w in wrt}}, sizes).item()) for s in (-1.0, 0.0, 1.0)]
    d2 = f[0] + f[2] - 2 * f[1]
    assert (d2 < 0) if q == "convex" else (d2 > 0)
    assert abs(d2) > 1e-7 * max(1.0, *map(abs, f))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MATCALC, "convex", *args], capture_output=True, text=True, timeout=300)


def test_exit_status_and_json():
    settled = _cli("norm(A x - b)^2", "--wrt", "x", "--format", "json")
    assert settled.returncode == 0
    out = json.loads(settled.stdout)
    assert (out["schema"], out["convex"], out["concave"], out["verdict"]) == (1, "yes", "no", "convex")
    assert out["certificate"]["convex"] and out["counterexample"]["concave"]["second_difference"] > 0
    unknown = _cli("x^T x / t", "--wrt", "x", "--wrt", "t", "--positive", "t", "--format", "plain")
    assert unknown.returncode == 3
    assert unknown.stdout.splitlines()[0] == "verdict: not concave in x, t"
    bad = _cli("x^T (A x", "--wrt", "x")
    assert bad.returncode == 2 and "^" in bad.stderr and "Traceback" not in bad.stderr
    vector = _cli("A x", "--wrt", "x")
    assert vector.returncode == 2 and "scalar" in vector.stderr


def test_batch_and_api():
    jobs = 'convex "logsumexp(x)" --wrt x\nconvex "x^T A x" --wrt x --spd A\n'
    proc = subprocess.run([*MATCALC, "batch", "-"], input=jobs, capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(j["command"], j["verdict"], j["exit"]) for j in lines] == [("convex", "convex", 0)] * 2
    c = api_convex("-logdet(X)", "X", spd="X")
    assert (c.convex, c.concave, c.verdict) == ("yes", "no", "convex")
    assert c.certificate["convex"] and c.counterexample["concave"] is not None
    assert str(c).startswith("verdict: convex in X")


def test_readme_documents_convex_and_its_figures():
    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert "$ matcalc convex" in text
    answers = [(a.answer, truth) for i, v in VERDICTS.items()
               for a, truth in ((v.convex, CORPUS[i][3]), (v.concave, CORPUS[i][4]))]
    figures = (f"On {len(CORPUS)} functions of known convexity", f"certifies {answers.count(('yes', 'yes'))} answers",
               f"refutes {answers.count(('no', 'no'))}", f"leaves {sum(a == 'unknown' for a, _ in answers)} unknown",
               "gives 0 wrong ones")
    for figure in figures:
        assert figure in text


def test_rounding_in_a_saturated_sigmoid_is_no_counterexample():
    """A stress run (400 attempts a function) once refuted the convex logistic loss here:
    log(1 - sigmoid(u)) rounds in steps as large as the second difference. The long-double
    confirmation refuses it; an honest counterexample at the same place is kept."""
    from matcalc_cli.counterexamples import _try, _value

    _, typed, _, _, _ = typed_input("-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))",
                                    ["theta"])
    values = {"y": np.array([[1.08], [0.365], [0.431]]), "X": np.array([[0.54, -0.875], [-0.893, 0.415],
                                                                        [-0.356, 0.643]]),
              "theta": 1.38 * np.array([[55.8], [51.9]])}  # sigmoid by expit rounds less: the point moved out
    sizes = {"n": 3, "m": 2}
    f0 = _value(typed.expr, values, sizes)
    direction = {"theta": np.array([[52.3], [-101.0]])}
    none = frozenset()
    d2 = sum(_value(typed.expr, {**values, "theta": values["theta"] + s * 0.01 * direction["theta"]}, sizes)
             for s in (-1.0, 1.0)) - 2 * f0
    assert d2 < 0  # what double precision says
    assert _try(typed.expr, values, direction, 0.01, sizes, none, none, f0) is None
    _, quad, _, _, _ = typed_input("-x^T x", ["x"])
    x = {"x": np.array([[0.5], [-1.0]])}
    q0 = _value(quad.expr, x, {"n": 2})
    kept = _try(quad.expr, x, {"x": np.array([[1.0], [2.0]])}, 0.1, {"n": 2}, none, none, q0)
    assert kept is not None and kept.second_difference < 0
