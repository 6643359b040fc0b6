"""LaTeX output compiles: every derivation of the test corpus (tests/corpus.py), in both
layouts, with every document option (one line, --bold, --display, --display --bold), goes
through a real pdflatex, and --standalone gives exactly that document around it.

Each option set is one document holding every derivation (a document per derivation would
take minutes); --standalone's text is checked to be its preamble, the same body and the end,
and one standalone document per option set is compiled on its own as well. A run fails on
any error (-halt-on-error: an undefined control sequence is one) and on any undefined
control sequence or missing character the log mentions.

.ci/run installs pdflatex (Debian's texlive-latex-base) where apt-get is available; elsewhere
the test is skipped, and says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from corpus import CORPUS

from matcalc_cli.api import latex_text
from matcalc_cli.render import latexdoc
from matcalc_cli.report import differentiate

OPTIONS = [(False, False), (False, True), (True, False), (True, True)]  # (display, bold)
NEEDS_PDFLATEX = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed (apt-get install texlive-latex-base), "
                                           "so no LaTeX output was compiled")
_BAD_LOG = re.compile(r"^! |Undefined control sequence|Missing character|LaTeX Error", re.M)


def _reports():
    for source, wrt, shapes, symmetric in CORPUS:
        for layout in ("numerator", "denominator"):
            yield source, differentiate(source, list(wrt), list(shapes), list(symmetric), layout)


REPORTS = list(_reports())


def compile_document(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                           f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    bad = _BAD_LOG.search(log)
    assert proc.returncode == 0 and bad is None, \
        f"{name}.tex: {bad.group(0) if bad else 'pdflatex failed'}\n{proc.stdout[-3000:]}"
    assert (tmp_path / f"{name}.pdf").stat().st_size > 0


def body(source: str, report, display: bool, bold: bool) -> str:
    text = latex_text(report, display=display, bold=bold)
    if not display:
        assert "\n" not in text and not text.startswith("$"), f"{source}: --format latex is not one line"
        return rf"\[ {text} \]"
    assert text.startswith(r"\begin{align*}") and text.endswith(r"\end{align*}"), text
    return text


def test_standalone_is_the_document_around_the_body() -> None:
    for source, report in REPORTS:
        for display, bold in OPTIONS:
            whole = latex_text(report, display=display, bold=bold, standalone=True)
            inner = body(source, report, display, bold)
            assert whole == "\n".join([r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}",
                                       inner, r"\end{document}"]), source


def test_leibniz_notation() -> None:
    report = differentiate("x^T A x", ["x"])
    assert latex_text(report, display=True) == "\n".join([
        r"\begin{align*}", r"f &= x^\top A x \\",
        r"\frac{\partial f}{\partial x} &= x^\top \left(A + A^\top\right)", r"\end{align*}"])
    bold = latex_text(differentiate("norm(W2 tanh(W1 x) - y)^2", ["W1"]), display=True, bold=True)
    assert r"\frac{\partial f}{\partial \mathbf{W}_{1}} &= " in bold
    hessian = latex_text(differentiate("x^T A x", ["x", "x"]), display=True)
    assert r"\frac{\partial^2 f}{\partial x \, \partial x^\top} &= A + A^\top" in hessian
    kron = latex_text(differentiate("X^-1", ["X"]), display=True)
    assert r"\frac{\partial \operatorname{vec} F}{\partial \operatorname{vec} X} &= " in kron


def test_long_results_are_broken_over_lines() -> None:
    text = latex_text(differentiate("x^T A x / (x^T x)", ["x", "x"]), display=True)
    lines = text.splitlines()
    assert len(lines) >= 5 and all(line.startswith(r"&\quad ") for line in lines[3:-1]), text
    assert all(line.endswith(r" \\") for line in lines[1:-2]) and not lines[-2].endswith(r"\\"), text


@NEEDS_PDFLATEX
@pytest.mark.parametrize(("display", "bold"), OPTIONS, ids=["line", "bold", "display", "display-bold"])
def test_every_derivation_compiles(tmp_path: Path, display: bool, bold: bool) -> None:
    bodies = [body(source, report, display, bold) for source, report in REPORTS]
    compile_document(tmp_path, "all", latexdoc.document("\n".join(bodies)))
    source, report = REPORTS[0]
    compile_document(tmp_path, "one", latex_text(report, display=display, bold=bold, standalone=True))
