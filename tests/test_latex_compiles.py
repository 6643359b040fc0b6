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


def typeset_widths(tmp_path: Path, pieces: list[str]) -> list[float]:
    """The width in points pdflatex gives each piece of display math, at the article's 10 pt."""
    lines = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}"]
    lines += [rf"\setbox0\hbox{{$\displaystyle {p}$}}\typeout{{WIDTH{i}=\the\wd0}}" for i, p in enumerate(pieces)]
    (tmp_path / "widths.tex").write_text("\n".join([*lines, r"\end{document}"]), encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "widths.tex"], cwd=tmp_path, capture_output=True,
                   text=True, timeout=300)
    log = (tmp_path / "widths.log").read_text(encoding="utf-8", errors="replace")
    found = {int(i): float(w) for i, w in re.findall(r"WIDTH(\d+)=([\d.]+)pt", log)}
    assert len(found) == len(pieces), "pdflatex did not measure every piece"
    return [found[i] for i in range(len(pieces))]


def display_widths(tmp_path: Path, texts: list[str]) -> list[float]:
    """The width each align* of texts takes on the page: its widest left side and its widest
    right side, as align* sets them side by side (\\intertext lines are text, not measured)."""
    sides: list[tuple[int, int, str]] = []  # (text, 0 left / 1 right, math)
    for k, text in enumerate(texts):
        body = text.split("\n", 1)[1].rsplit("\n", 1)[0]
        for row in re.split(r" \\\\\n", body):
            row = "\n".join(line for line in row.splitlines() if not line.startswith("%"))
            left, right = row.replace(r"\intertext{where} ", "").split("&", 1)
            sides += [(k, 0, left), (k, 1, "{}" + right)]
    measured = typeset_widths(tmp_path, [math for _, _, math in sides])
    widest = [[0.0, 0.0] for _ in texts]
    for (k, side, _), w in zip(sides, measured, strict=True):
        widest[k][side] = max(widest[k][side], w)
    return [left + right for left, right in widest]


LONG = [  # results wider than a page in one line, each in a where form and written out
    ("sum((softmax(X Wq (X Wk)^T / sqrt(d)) X Wv) .* G)", ["Wq"], ["d=scalar"]),
    ("sum((softmax(Q K^T / sqrt(d)) V) .* G)", ["Q"], ["d=scalar"]),
    ("y^T (g .* (x - mean(x)) / sqrt(mean((x - mean(x)).^2) + eps) + b)", ["x"], ["eps=scalar"]),
    ("norm(W3 tanh(W2 tanh(W1 x)) - y)^2", ["W1"], []),
    ("x^T A x / (x^T x)", ["x", "x"], []),
    ("norm(X w - y)^2 + lambda norm(w)^2 + sum(exp(A w)) + c^T sigmoid(C w)", ["w"], []),
]


@NEEDS_PDFLATEX
def test_display_fits_the_page(tmp_path: Path) -> None:
    reports = [(s, differentiate(s, list(w), list(sh))) for s, w, sh in LONG] + REPORTS
    texts, names = [], []
    for source, report in reports:
        for bold in (False, True):
            for expand in (False, True):
                texts.append(latex_text(report, display=True, bold=bold, expand=expand))
                names.append(f"{source} (bold={bold}, expand={expand})")
    widths = display_widths(tmp_path, texts)
    over = [(n, round(w)) for n, w in zip(names, widths, strict=True) if w > latexdoc.TEXT_WIDTH]
    assert not over, f"wider than the article's {latexdoc.TEXT_WIDTH} pt: {over}"
    narrower = latex_text(reports[0][1], display=True, page=270)  # f's own line is about 255 pt
    assert narrower != texts[0] and display_widths(tmp_path, [narrower])[0] <= 270, narrower
