"""matcalc batch: JSON Lines, line numbers, errors per job, exit status, the public sample."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shlex
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
