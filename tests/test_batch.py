"""matcalc batch: JSON Lines, line numbers, errors per job, exit status, the public sample."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import random
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from matcalc_cli.batch import run_batch
from matcalc_cli.cli import app, parse_job

runner = CliRunner()
EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "cases.py"

MIXED = """\
# a comment, then a blank line

diff "x^T A x" --wrt x
check "x^T A x" --wrt x --expect "x^T (A + A^T)"
check "x^T A x" --wrt x --expect "2 x^T A"   # a wrong claim
diff "x^T (A + " --wrt x
diff --wrt x -- -x^T x
frobnicate x
check "x^T A x" --wrt x --expect "x^T B"
diff "x^T x" --wrt x --verify --format plain
diff x --bogus
diff 'unclosed --wrt x
diff - --wrt x
diff x --wrt x --help
"""


def batch(text: str) -> tuple[int, list[dict[str, Any]], str]:
    result = runner.invoke(app, ["batch", "-"], input=text)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_mixed_file(tmp_path: Path) -> None:
    path = tmp_path / "jobs.txt"
    path.write_text(MIXED, encoding="utf-8")
    result = runner.invoke(app, ["batch", str(path)])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_line = {row["line"]: row for row in rows}
    assert sorted(by_line) == list(range(3, 15))  # comments and blank lines give no object
    assert all(row["schema"] == 1 for row in rows)

    assert by_line[3]["exit"] == 0 and by_line[3]["derivative"] == "x^T (A + A^T)"
    assert by_line[3]["command"] == "diff" and by_line[3]["variables"] == {"x": "n", "A": "n,n"}
    assert by_line[4]["exit"] == 0 and by_line[4]["check"]["verdict"] == "equal"
    assert by_line[5]["exit"] == 1 and by_line[5]["check"]["verdict"] == "different"
    assert by_line[6]["exit"] == 2
    assert by_line[6]["error"] == {"kind": "syntax", "message": by_line[6]["error"]["message"],
                                   "start": 9, "end": 10}
    assert by_line[7]["exit"] == 0 and by_line[7]["input"] == "-x^T x"  # `--` as on the command line
    assert by_line[7]["derivative"] == "-2 x^T"
    assert "diff, check or convex" in by_line[8]["error"]["message"]
    assert by_line[9]["error"]["in"] == "expect" and "B is not a variable" in by_line[9]["error"]["message"]
    assert by_line[10]["exit"] == 0 and by_line[10]["verify"]["ok"] is True
    assert by_line[11]["error"]["kind"] == "option" and "--bogus" in by_line[11]["error"]["message"]
    assert "cannot split the line" in by_line[12]["error"]["message"]
    assert "standard input" in by_line[13]["error"]["message"]
    assert "--help" in by_line[14]["error"]["message"]


def test_diff_job_is_the_same_object_as_diff_format_json() -> None:
    job = ["diff", "x^T W x", "--wrt", "x", "--symmetric", "W", "--layout", "denominator"]
    single = runner.invoke(app, [*job, "--format", "json"])
    assert single.exit_code == 0
    code, rows, _ = batch(shlex.join(job) + "\n")
    assert code == 0
    assert rows == [{**json.loads(single.stdout), "command": "diff", "line": 1, "exit": 0}]


def test_options_mean_what_they_mean_on_the_command_line() -> None:
    code, rows, _ = batch("diff x^T A x --wrt x --wrt x\n"  # words join, as on the command line
                          "diff --shape x=3 --wrt x -- x^T x\n"
                          "check --wrt x --expect=-2x^T -- -x^T x\n"
                          "diff x^T x\n")  # --wrt missing
    assert [r["exit"] for r in rows] == [0, 0, 0, 2]
    assert rows[0]["kind"] == "hessian" and rows[0]["derivative"] == "A + A^T"
    assert rows[1]["variables"] == {"x": "3"}
    assert rows[2]["check"]["equal"] is True
    assert rows[3]["error"]["message"] == "Missing option '--wrt'."


def test_all_good_exits_zero_and_empty_file() -> None:
    assert batch("diff x^T x --wrt x\n\n# done\n")[0] == 0
    code, rows, _ = batch("")
    assert code == 0 and rows == []


def test_unreadable_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert json.loads(result.stdout)["error"]["kind"] == "input"
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe diff" * 100)
    assert runner.invoke(app, ["batch", str(binary)]).exit_code == 2  # not text at all
    binary.write_bytes(b"\xff\xfe diff\ndiff x --wrt x\n")
    result = runner.invoke(app, ["batch", str(binary)])  # a bad byte fails its line only
    assert result.exit_code == 1 and [json.loads(r)["exit"] for r in result.stdout.splitlines()] == [2, 0]


def load_cases() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_cases", EVAL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_line(case: Any) -> str:
    wrt = list(case.wrt) if isinstance(case.wrt, tuple) else [case.wrt]
    words = ["diff", "--format", "json", "--verify"]
    words += [a for w in wrt for a in ("--wrt", w)]
    words += [a for name, spec in case.shapes.items() for a in ("--shape", f"{name}={spec}")]
    words += [a for name in case.symmetric for a in ("--symmetric", name)]
    return shlex.join([*words, "--", case.expr])


def test_public_sample_as_one_batch() -> None:
    if not EVAL.exists():  # CI lays ../shared beside the clone: its absence there is a failure
        if os.environ.get("CI"):
            pytest.fail(f"{EVAL} is absent: the public evaluation sample cannot run")
        pytest.skip("../shared/eval is absent")
    cases = load_cases().CASES
    text = "# the public evaluation sample\n" + "".join(case_line(c) + "\n" for c in cases)
    out = io.StringIO()
    assert run_batch(text, out, parse_job) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == len(cases)
    for row, case in zip(rows, cases, strict=True):
        assert row["exit"] == 0 and "error" not in row, (case.id, row)
        assert row["input"] == case.expr and row["kind"] == case.kind, case.id
        assert row["verify"]["ok"], (case.id, row["verify"])
        assert row["line"] == cases.index(case) + 2


def test_a_thousand_jobs_in_one_process() -> None:
    # How long they take is bench/batch.py's business (no timed tests).
    jobs = ['diff "x^T A x" --wrt x', 'diff "log(det(X))" --wrt X', 'check "A x" --wrt x --expect A',
            'diff "sigmoid(W x)" --wrt x --layout denominator']
    text = "\n".join(jobs * 250)
    out = io.StringIO()
    assert run_batch(text, out, parse_job) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["line"] for row in rows] == list(range(1, 1001))
    assert [row["command"] for row in rows[:4]] == ["diff", "diff", "check", "diff"]
    assert all(row["exit"] == 0 for row in rows)


def test_workers_give_the_same_lines_in_the_same_order(tmp_path) -> None:
    jobs = ['diff "x^T A x" --wrt x', 'diff "log(det(X))" --wrt X', 'check "A x" --wrt x --expect A',
            'diff "sigmoid(W x)" --wrt x --layout denominator', 'diff "x^T" --wrt y2', "# a comment", "",
            'diff "tanh(" --wrt x']
    text = "\n".join(jobs * 40)  # 320 lines: more than batch.PARALLEL_FROM, so the workers run
    outs = {}
    for workers in (1, 3):
        out = io.StringIO()
        outs[workers] = (run_batch(text, out, parse_job, workers), out.getvalue())
    assert outs[1] == outs[3] and outs[1][0] == 1  # the syntax error fails its job, and the batch
    rows = [json.loads(line) for line in outs[3][1].splitlines()]
    assert [row["line"] for row in rows] == [n for n in range(1, 321) if (n - 1) % 8 not in (5, 6)]
    path = tmp_path / "jobs.txt"
    path.write_text(text)
    result = runner.invoke(app, ["batch", "--workers", "2", str(path)])
    assert result.exit_code == 1 and result.stdout == outs[1][1]
    bad = runner.invoke(app, ["batch", "--workers", "none", str(path)])
    assert bad.exit_code == 2 and "--workers expects a number of processes" in bad.stdout


# Every command and many options, beside the differential test's random expressions: wrong
# and right claims, convexity, --verify, structures, code formats, steps.
VARIED = [
    'check "sum(relu(1 - y .* (X w)))" --wrt w --expect "-y^T X"',
    'check "sum(abs(x + 1))" --wrt x --expect "ones(n)^T"',
    'check "sum(log(x .* y))" --wrt x --expect "(1 ./ abs(x))^T"',
    'check "x^T x / 10000000" --wrt x --expect "x^T / 10000000"',
    'check "x^T A x" --wrt x --expect "x^T A + x^T A^T"',
    'check "norm(X w - y)^2" --wrt w --expect "2 (X w - y)^T X"',
    'check "logdet(C)" --wrt C --spd C --expect "2 C^-1 - C^-1 .* eye(n)"',
    'convex --wrt theta -- "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"',
    'convex "logsumexp(A x)" --wrt x',
    'convex "x^T A x" --wrt x --symmetric A',
    'diff "norm(W2 tanh(W1 x) - y)^2" --wrt W1 --verify',
    'diff "sum(relu(x - 1))" --wrt x --verify',
    'diff "tr(A X B)" --wrt X --diagonal X',
    'diff "x^T A x" --wrt A --lower A',
    'diff "tr(Q^T A Q)" --wrt Q --orthogonal Q',
    'diff "x^T A x" --wrt x --wrt x --format latex',
    'diff "sum(sigmoid(X w))" --wrt w --format python',
    'diff "(x - mu)^T Sigma^-1 (x - mu)" --wrt Sigma --symmetric Sigma --steps',
    'diff "x^T A x / (x^T x)" --wrt x --wrt x --expand',
    'diff "diag(log(ones(n) t))" --wrt t --shape t=scalar',
    'diff "eye(k) / t" --wrt t --shape t=scalar --format numpy',
    # a number as written (0.5) and the same number computed (sqrt's 1/2) print apart
    'diff "sum(x .^ 0.5)" --wrt x', 'diff "sum(sqrt(x))" --wrt x', 'diff "0.3 x^T x + sum(x) / 10" --wrt x',
]


def _varied_jobs(generated: int) -> list[str]:
    import test_differential as diff_test  # its generator: every derivative kind, both layouts

    r = random.Random(11)
    jobs = list(VARIED)
    for _ in range(generated):
        text, wrt, layout = diff_test.case(r)
        shapes = [s for s in diff_test.SHAPES if s.split("=")[0] in diff_test._names(text)]
        jobs.append(shlex.join(["diff", text, *(w for v in wrt for w in ("--wrt", v)),
                                *(w for s in shapes for w in ("--shape", s)), "--layout", layout]))
    return jobs


# Each job of a file alone: in a child forked from a process that has imported every module
# of matcalc and run no job, as a fresh `matcalc batch` of that one line would run it.
_EACH_ALONE = """
import importlib, io, os, pkgutil, sys
import matcalc_cli
for m in pkgutil.walk_packages(matcalc_cli.__path__, "matcalc_cli."):
    if not m.name.endswith("__main__"):
        importlib.import_module(m.name)
from matcalc_cli.batch import run_batch
from matcalc_cli.cli import parse_job
for job in open(sys.argv[1]).read().splitlines():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = io.StringIO()
        run_batch(job + "\\n", out, parse_job)
        os.write(w, out.getvalue().encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as got:
        sys.stdout.write(got.read().decode())
    os.waitpid(pid, 0)
"""


def test_a_jobs_result_does_not_depend_on_the_jobs_run_before_it(tmp_path: Path) -> None:
    """A batch worker runs hundreds of jobs in one process, through caches that outlive a job
    (hash-consed nodes, the rewrite memo, lru_caches, sympy's own): no answer may depend on
    which jobs came before it. The jobs in a random order in one process; the last of them
    (each after a hundred others or more) each alone: the same object. A job alone costs its
    cold caches (sympy's), so the sample is small; MATCALC_HISTORY_SOAK=N runs N times more."""
    soak = int(os.environ.get("MATCALC_HISTORY_SOAK", "") or 1)
    jobs = _varied_jobs(150 * soak)
    order = list(range(len(jobs)))
    random.Random(5 + soak).shuffle(order)
    last = order[-40 * soak:]
    (tmp_path / "shuffled").write_text("\n".join(jobs[i] for i in order) + "\n")
    (tmp_path / "last").write_text("\n".join(jobs[i] for i in last) + "\n")
    together = subprocess.Popen([sys.executable, "-m", "matcalc_cli", "batch", "--workers", "1",
                                 str(tmp_path / "shuffled")], stdout=subprocess.PIPE, text=True)
    alone = subprocess.Popen([sys.executable, "-c", _EACH_ALONE, str(tmp_path / "last")], stdout=subprocess.PIPE,
                             text=True)
    results = []
    for seq, proc in ((order, together), (last, alone)):
        out, _ = proc.communicate(timeout=600)
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == len(seq)
        results.append({i: {k: v for k, v in row.items() if k != "line"} for i, row in zip(seq, rows, strict=True)})
    after_others, first = results
    assert sum(r["exit"] == 0 for r in after_others.values()) > len(jobs) // 2  # mostly answers, not errors
    differ = [f"{jobs[i]}\n  alone: {first[i]}\n  after {order.index(i)} others: {after_others[i]}"
              for i in last if first[i] != after_others[i]]
    assert differ == [], "\n".join(differ[:5])
