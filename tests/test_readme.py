"""README is tested documentation: every `$ matcalc ...` example in an indented block runs
as a user would run it (NO_COLOR=1, COLUMNS=80, TERM=dumb, in an empty directory), and
prints the lines README shows under it; an example with nothing under it exits 0. The
rules are those of /work/shared/tools/readme-examples.py, written out here so that CI
needs nothing outside the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent  # the venv's bin, where pip put the matcalc command
EXAMPLE = re.compile(r"^(\s+)\$ (matcalc .*|printf .*\| *matcalc .*)$")


def examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, the lines shown under it) for each example: the block goes on while lines
    keep the example's indentation, are not blank, and are not another `$ ` line."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        m = EXAMPLE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, command, shown = m.group(1), m.group(2), []
        i += 1
        while i < len(lines) and lines[i].startswith(indent) and lines[i].strip() \
                and not lines[i].strip().startswith("$ "):
            shown.append(lines[i][len(indent):].rstrip())
            i += 1
        out.append((command, shown))
    return out


EXAMPLES = examples(README.read_text(encoding="utf-8"))


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80", TERM="dumb", PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 8
    assert sum(bool(shown) for _, shown in EXAMPLES) >= 6  # most show what they print


@pytest.mark.skipif(shutil.which("matcalc", path=str(BIN)) is None, reason="the matcalc command is not installed")
@pytest.mark.parametrize("command, shown", EXAMPLES, ids=[c[:70] for c, _ in EXAMPLES])
def test_example_prints_what_readme_shows(command, shown, tmp_path):
    proc = run(command, tmp_path)
    got = [line.rstrip() for line in (proc.stdout + proc.stderr).splitlines()]
    assert "Traceback" not in proc.stderr
    if shown:
        assert [line for line in got if line.strip()] == [line for line in shown if line.strip()]
    else:
        assert proc.returncode == 0, proc.stderr


def test_extraction_follows_the_shared_rules():
    text = "\n".join(["    $ matcalc diff x --wrt x", "    one", "      two", "", "    not shown",
                      "  $ printf 'x' | matcalc batch -", "  $ matcalc --version", "  matcalc 1",
                      "$ matcalc unindented"])
    assert examples(text) == [("matcalc diff x --wrt x", ["one", "  two"]),
                              ("printf 'x' | matcalc batch -", []), ("matcalc --version", ["matcalc 1"])]


# The cells of README's table of derivative kinds, each as the command prints it. The matrix
# column declares X m×n (--shape X=m,n), as the table's header says.
KINDS = [
    ("log(det(A + t B))", ["t"], [], "tr((A + t B)^-1 B)"),
    ("x^T A x", ["x"], [], "x^T (A + A^T)"),
    ("a^T X b", ["X"], ["X=m,n"], "a b^T"),
    ("(A + t B) x", ["t"], [], "B x"),
    ("X a", ["a"], ["X=m,n"], "X"),
    ("X a", ["X"], ["X=m,n"], "kron(a^T, eye(m))"),
    ("(A + t B)^-1", ["t"], [], "-(A + t B)^-1 B (A + t B)^-1"),
    ("x x^T", ["x"], [], "kron(eye(n), x) + kron(x, eye(n))"),
    ("X^-1", ["X"], [], "-kron(X^-T, X^-1)"),
    ("A X B", ["X"], ["X=m,n"], "kron(B^T, A)"),
    ("X^T", ["X"], ["X=m,n"], "commutation(m, n)"),
]


@pytest.mark.parametrize("source, wrt, shapes, printed", KINDS, ids=[k[0] + " by " + k[1][0] for k in KINDS])
def test_kinds_table_shows_what_the_program_prints(source, wrt, shapes, printed):
    from matcalc_cli.render import plain
    from matcalc_cli.report import differentiate

    text = README.read_text(encoding="utf-8")
    table = text[text.index("| y \\ x |"):text.index("`--layout denominator` transposes")]
    assert f"`{source}`" in table and f"`{printed}`" in table
    assert plain.render(differentiate(source, wrt, [f"{s}" for s in shapes]).derivative.expr) == printed
