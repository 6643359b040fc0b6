"""`matcalc identities`: the course's table of rules, re-derived and checked when it runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcalc_cli import identities
from matcalc_cli.cli import app
from matcalc_cli.render import table as render


def test_every_rule_of_the_table_holds() -> None:
    rows = identities.table()
    assert [r.identity.plain for r in rows if not r.ok] == []
    assert len(rows) == 13 and sum(r.identity.group == "Key rules" for r in rows) == 3
    assert all(r.error < 1e-6 for r in rows)


def test_general_rules_are_checked_against_matcalcs_own_parts() -> None:
    """The right-hand side of the sum, product and chain rules is built from matcalc's
    derivatives of the parts, so a wrong part would break the row."""
    rows = {r.identity.name: r for r in identities.table()[:3]}
    assert rows["sum rule"].claim == "x^T (A + A^T) + exp(x)^T"
    assert rows["product rule"].claim == "a^T sum(sin(x)) + (a^T x) cos(x)^T"
    assert rows["chain rule"].claim == "exp(A x)^T A"
    assert rows["chain rule"].derivative == "exp(A x)^T A"


def test_a_wrong_rule_fails_its_row_and_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = replace(identities.TABLE[3], plain="d(x^T a)/dx = 2 a^T", claim="2 a^T")
    unknown = replace(identities.TABLE[4], source="a^T x +", claim="a^T")
    monkeypatch.setattr(identities, "TABLE", (identities.TABLE[0], wrong, unknown))
    rows = identities.table()
    assert [r.ok for r in rows] == [True, False, False]
    assert rows[1].problem.startswith("matcalc's derivative is not 2 a^T")
    assert rows[2].problem.startswith("matcalc could not derive it")
    out = CliRunner().invoke(app, ["identities", "--format", "plain"])
    assert out.exit_code == 1
    assert "FAIL 2. d(x^T a)/dx = 2 a^T" in out.stdout
    assert out.stdout.rstrip().endswith("1 of 3 rules hold.")


def test_plain_table() -> None:
    out = CliRunner().invoke(app, ["identities", "--format", "plain"])
    assert out.exit_code == 0
    text = re.sub(r"relative error \d\.\de-\d\d", "relative error E", out.stdout)
    lines = text.splitlines()
    assert lines[:7] == [
        "The course's rules, each re-derived by matcalc and checked numerically",
        "",
        "Key rules",
        "ok    1. sum rule: d(f + g)/dx = df/dx + dg/dx",
        "        matcalc: d(x^T A x + sum(exp(x)))/dx = ((A + A^T) x + exp(x))^T   (f = x^T A x, g = sum(exp(x)))",
        "        checked: equal to the rule's right-hand side x^T (A + A^T) + exp(x)^T (canonical form); finite "
        "differences agree (relative error E)",
        "ok    2. product rule: d(f g)/dx = df/dx g + f dg/dx",
    ]
    assert "Helpful calculation rules" in lines
    assert "ok   13. d(a^T X^-1 b)/dX = -(X^-1)^T a b^T (X^-1)^T" in lines
    assert "        matcalc: d(a^T X^-1 b)/dX = -X^-T a b^T X^-T" in lines
    assert lines[-1] == "13 of 13 rules hold."


def test_json_lists_every_row() -> None:
    out = CliRunner().invoke(app, ["identities", "--format", "json"])
    data = json.loads(out.stdout)
    assert data["ok"] is True and len(data["identities"]) == 13
    row = data["identities"][9]
    assert row["identity"] == "d/ds (x - A s)^T W (x - A s) = -2 (x - A s)^T W A"
    assert row["derivative"] == "-2 (x - A s)^T W A" and row["equal"] == "canonical form" and row["ok"]


def test_the_terminal_fits_its_width() -> None:
    out = CliRunner().invoke(app, ["identities"], env={"NO_COLOR": "1", "COLUMNS": "80"})
    assert out.exit_code == 0
    assert all(len(line) <= 80 for line in out.stdout.splitlines())


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
def test_latex_table_compiles(tmp_path: Path) -> None:
    table = render.latex(identities.table())
    assert table.startswith(r"\noindent\begin{tabular}") and table.endswith(r"\end{tabular}")
    doc = "\n".join([r"\documentclass{article}", r"\usepackage{amsmath}",
                     r"\begin{document}", table, r"\end{document}"])
    (tmp_path / "t.tex").write_text(doc)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "t.log").read_text(encoding="utf-8", errors="replace")
    assert "Overfull" not in log, "the table does not fit an article's page:\n" + log[-2000:]
