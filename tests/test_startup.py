"""A single call imports what its request uses and nothing more (issue 14: instant single
calls). Each case runs the program's entry point in a fresh interpreter and looks at
sys.modules afterwards; these are assertions about imports, never about time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from matcalc_cli import __version__

HEAVY = ("sympy", "numpy", "pydantic", "rich")

# Runs the console entry point (pyproject's [project.scripts]) in-process with argv, then
# prints what it wrote, its exit status and the top-level and matcalc modules imported.
PROBE = """
import io, sys
sys.argv = ["matcalc", *sys.argv[1:]]
from matcalc_cli.start import main
out, real = io.StringIO(), sys.stdout
sys.stdout = out
status = 0
try:
    main()
except SystemExit as ex:
    status = ex.code
sys.stdout = real
modules = sorted(m for m in sys.modules if "." not in m or m.startswith("matcalc_cli."))
import json  # only now: the request's own imports are counted above
print(json.dumps({"stdout": out.getvalue(), "status": status, "modules": modules}))
"""


def probe(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def heavy(modules: list[str]) -> list[str]:
    return [m for m in HEAVY if m in modules]


def test_entry_point_is_start_main():
    # The fast --version lives in start.main: the console script must point there.
    from pathlib import Path

    text = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    scripts = text.split("[project.scripts]")[1].split("\n[")[0]
    assert [line for line in scripts.splitlines() if line.startswith("matcalc ")] == \
        ['matcalc = "matcalc_cli.start:main"']


def test_version_imports_no_typer_and_no_matcalc_stage():
    got = probe("--version")
    assert (got["stdout"], got["status"]) == (f"matcalc {__version__}\n", 0)
    assert "typer" not in got["modules"] and "click" not in got["modules"]
    assert [m for m in got["modules"] if m.startswith("matcalc_cli.")] == ["matcalc_cli.start"]
    assert heavy(got["modules"]) == []


def test_version_with_more_words_goes_through_typer_as_before():
    # `--version diff` is still click's eager option; only the bare request is short-cut.
    got = probe("--version", "diff")
    assert (got["stdout"], got["status"]) == (f"matcalc {__version__}\n", 0)
    assert "typer" in got["modules"]


def test_plain_diff_imports_no_sympy_numpy_pydantic_or_rich():
    got = probe("diff", "x^T A x", "--wrt", "x", "--format", "plain")
    assert (got["stdout"], got["status"]) == ("x^T (A + A^T)\n", 0)
    assert heavy(got["modules"]) == []
    # Nor the parts of matcalc the request does not use.
    unused = ("matcalc_cli.steps", "matcalc_cli.render.steps", "matcalc_cli.render.latex", "matcalc_cli.render.numpy",
              "matcalc_cli.render.pretty", "matcalc_cli.render.code", "matcalc_cli.render.function",
              "matcalc_cli.checking", "matcalc_cli.verification", "matcalc_cli.numeric", "matcalc_cli.drawing",
              "matcalc_cli.api", "matcalc_cli.batch", "matcalc_cli.identities")
    assert [m for m in unused if m in got["modules"]] == []
    assert "json" not in got["modules"]  # only --format json (and errors in it) writes JSON


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_one_line_formats_of_a_linear_result_import_no_sympy(fmt):
    got = probe("diff", "tr(A X B)", "--wrt", "X", "--format", fmt)
    assert got["status"] == 0
    assert heavy(got["modules"]) == []


def test_pretty_diff_imports_rich_but_not_sympy_numpy_or_pydantic():
    got = probe("diff", "x^T A x", "--wrt", "x")
    assert got["status"] == 0 and "x^T (A + A^T)" in got["stdout"].replace("ᵀ", "^T")
    assert heavy(got["modules"]) == ["rich"]


def test_bad_input_imports_nothing_heavy():
    got = probe("diff", "x^T A +", "--wrt", "x", "--format", "plain")
    assert got["status"] == 2
    assert heavy(got["modules"]) == []


def test_verify_imports_numpy_when_asked():
    # The other side: what is asked for is imported (so the lists above are not vacuous).
    got = probe("diff", "x^T A x", "--wrt", "x", "--format", "plain", "--verify")
    assert got["status"] == 0
    assert "numpy" in got["modules"]


# What help and shell completion (run on every Tab) need: the command line, not the pipeline.
CLI_ONLY = ["matcalc_cli.cli", "matcalc_cli.cli_options", "matcalc_cli.cli_output", "matcalc_cli.coercion",
            "matcalc_cli.commands", "matcalc_cli.errors", "matcalc_cli.helpformat", "matcalc_cli.start"]


def test_help_imports_the_command_line_only():
    for args in (("diff", "--help"), ("--help",)):
        got = probe(*args)
        assert got["status"] == 0 and "Usage: matcalc" in got["stdout"]
        assert heavy(got["modules"]) == []
        assert [m for m in got["modules"] if m.startswith("matcalc_cli.")] == CLI_ONLY


def test_completion_imports_the_command_line_only():
    got = probe(env={"_MATCALC_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "matcalc diff x --layout "})
    assert "denominator" in got["stdout"]
    assert heavy(got["modules"]) == []
    assert [m for m in got["modules"] if m.startswith("matcalc_cli.")] == CLI_ONLY


def test_batch_imports_no_pydantic():
    got = probe("batch", "-", stdin='diff "x^T x" --wrt x\ncheck "x^T x" --wrt x --expect "2 x^T"\n')
    assert got["status"] == 0 and got["stdout"].count("\n") == 2
    assert "pydantic" not in got["modules"]


def test_plain_coercion_gives_what_typers_own_gives():
    # coercion.py passes strings (and bools) through and hands anything else to typer's own
    # (pydantic) coercion: compare the two on every diff parameter, value by value.
    from typer._coercion import build_runtime_param
    from typer.main import get_command

    from matcalc_cli import coercion
    from matcalc_cli.cli import app

    cmd = get_command(app).commands["diff"]  # type: ignore[attr-defined]
    ctx = cmd.make_context("diff", ["--wrt", "x", "x"])
    values = {"expr": [("x^T", "A", "x"), [], ("",)], "wrt": [("x", "y"), ()], "shape": [("A=n,n",)],
              "layout": ["numerator", "", b"denominator", 7], "format": ["plain"], "verify": [True, False]}
    for p in cmd.params:
        ours = p._runtime_param
        assert isinstance(ours, coercion.PlainRuntimeParam), p.name
        theirs = build_runtime_param(p.type_descriptor)
        for v in values.get(p.name, []):
            assert ours.coerce(v, p, ctx) == theirs.coerce(v, p, ctx), (p.name, v)
    # A value typer refuses is refused with typer's own message.
    from typer import BadParameter

    verify = next(p for p in cmd.params if p.name == "verify")
    messages = []
    for coerce in (verify._runtime_param.coerce, build_runtime_param(verify.type_descriptor).coerce):
        with pytest.raises(BadParameter) as refused:
            coerce("maybe", verify, ctx)
        messages.append(refused.value.format_message())
    assert messages[0] == messages[1] and messages[0]


def test_the_command_runs_blas_on_one_thread_unless_told(monkeypatch, capsys):
    # numpy's BLAS threads spin while they wait: on a busy machine they cost many times the
    # work (--verify of logdet(X) at 600x600: 18 s of CPU for 1.2 s). A user's setting is kept.
    from matcalc_cli import start

    for name in start.BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.setattr(sys, "argv", ["matcalc", "--version"])
    start.main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert os.environ["OMP_NUM_THREADS"] == os.environ["MKL_NUM_THREADS"] == "1"
    assert capsys.readouterr().out.startswith("matcalc ")
