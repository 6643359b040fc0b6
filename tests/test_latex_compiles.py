"""LaTeX output compiles: every derivative below goes through pdflatex (amsmath) in one document.

.ci/run installs pdflatex (Debian's texlive-latex-base) where apt-get is available; elsewhere
the test is skipped, and says so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from matcalc_cli.render import latex
from matcalc_cli.report import differentiate

CASES = [
    ("x^T A x", ["x"], [], []),
    ("a^T X^-1 b", ["X"], [], []),
    ("(x - A s)^T W (x - A s)", ["s"], [], ["W"]),
    ("-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))", ["theta"], [], []),
    ("-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))", ["theta", "theta"], [], []),
    ("norm(W2 tanh(W1 x) - y)^2", ["W1"], [], []),
    ("log(sum(exp(W x))) - y^T W x", ["W"], [], []),
    ("x^T A x / (x^T x)", ["x", "x"], [], []),
    ("X^-1", ["X"], [], []),
    ("X^T", ["X"], [], []),
    ("X^3", ["X"], [], []),
    ("sqrt(x)^T abs(x) + lambda norm(x)", ["x"], [], []),
    ("((x - mu)^T Sigma^-1 (x - mu) + log(det(Sigma))) / 2", ["Sigma"], [], ["Sigma"]),
    ("logsumexp(x)", ["x", "x"], [], []),
    ("tr(A X B) + det(X) + logdet(X)", ["X"], ["A=n,n", "B=n,n"], []),
    ("sum(x .^ 3) + softplus(t) + x^T diag(x) x", ["x"], ["t=scalar"], []),
    ("diag(x)", ["x"], [], []),
    ("W_2 x_1 + x1", ["x_1"], [], []),
]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
def test_latex_output_compiles(tmp_path: Path) -> None:
    lines = []
    for source, wrt, shapes, symmetric in CASES:
        d = differentiate(source, wrt, shapes, symmetric).derivative
        text = latex.render(d.expr)
        assert "\n" not in text and not text.startswith("$")
        lines.append(rf"\[ {text} \]")
    doc = "\n".join([r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}",
                     *lines, r"\end{document}"])
    (tmp_path / "d.tex").write_text(doc)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "d.pdf").stat().st_size > 0
