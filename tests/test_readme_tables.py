"""README's tables of results are tested documentation, like its `$ matcalc` examples
(test_readme.py): each row below is a cell of a table as matcalc prints it, and every row of
those tables must be one of them, so that a table cannot drift from the program nor gain a row
that nothing checks. The table of derivative kinds has its own test in test_readme.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matcalc_cli import diff

README = Path(__file__).resolve().parents[1] / "README.md"

LOGISTIC = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"
GAUSSIAN = "((x - mu)^T Sigma^-1 (x - mu) + log(det(Sigma))) / 2"
ATTENTION = "sum((softmax(Q K^T / sqrt(d)) V) .* G)"
RELU_NET = "norm(W2 relu(W1 x + b1) + b2 - y)^2"
LAYER_NORM = "y^T (g .* (x - mean(x)) / sqrt(mean((x - mean(x)).^2) + eps) + b)"
D_SCALAR = {"d": "scalar"}
HUBER = "sum(0.5 (abs(X w - y) - relu(abs(X w - y) - 1)).^2 + relu(abs(X w - y) - 1))"

# (README heading, expression, wrt, shapes, symmetric, layout, what the table shows)
ROWS = [
    ("The course's identity table", "x^T a", ["x"], {}, [], "numerator", "a^T"),
    ("The course's identity table", "a^T x", ["x"], {}, [], "numerator", "a^T"),
    ("The course's identity table", "X a", ["a"], {}, [], "numerator", "X"),
    ("The course's identity table", "a^T X", ["a"], {}, [], "numerator", "X^T"),
    ("The course's identity table", "a^T X b", ["X"], {}, [], "numerator", "a b^T"),
    ("The course's identity table", "x^T A x", ["x"], {}, [], "numerator", "x^T (A + A^T)"),
    ("The course's identity table", "(x - A s)^T W (x - A s)", ["s"], {}, ["W"], "numerator",
     "-2 (x - A s)^T W A"),
    ("The course's identity table", "(A + t B)^-1", ["t"], {}, [], "numerator", "-(A + t B)^-1 B (A + t B)^-1"),
    ("The course's identity table", "a^T X^-1 b", ["X"], {}, [], "numerator", "-X^-T a b^T X^-T"),
    ("The course's identity table", LOGISTIC, ["theta"], {}, [], "numerator", "(sigmoid(X theta) - y)^T X"),
    ("Machine-learning gradients", LOGISTIC, ["theta"], {}, [], "numerator", "(sigmoid(X theta) - y)^T X"),
    ("Machine-learning gradients", LOGISTIC, ["theta"], {}, [], "denominator", "X^T (sigmoid(X theta) - y)"),
    ("Machine-learning gradients", "-(y log(sigmoid(theta^T x)) + (1 - y) log(1 - sigmoid(theta^T x)))",
     ["theta"], {"y": "scalar"}, [], "numerator", "(sigmoid(theta^T x) - y) x^T"),
    ("Machine-learning gradients", "norm(X w - y)^2", ["w"], {}, [], "numerator", "2 (X w - y)^T X"),
    ("Machine-learning gradients", "norm(X w - y)^2 + lambda norm(w)^2", ["w"], {}, [], "numerator",
     "2 ((X w - y)^T X + lambda w^T)"),
    ("Machine-learning gradients", "log(sum(exp(W x))) - y^T W x", ["W"], {}, [], "numerator",
     "(softmax(W x) - y) x^T"),
    ("Machine-learning gradients", "norm(W2 tanh(W1 x) - y)^2", ["W1"], {}, [], "numerator",
     "2 ((W2^T (W2 tanh(W1 x) - y)) .* (1 - tanh(W1 x).^2)) x^T"),
    ("Machine-learning gradients", "norm(W2 tanh(W1 x) - y)^2", ["W2"], {}, [], "numerator",
     "2 (W2 tanh(W1 x) - y) tanh(W1 x)^T"),
    ("Machine-learning gradients", "sum(log(1 + exp(X w)))", ["w"], {}, [], "numerator", "sigmoid(X w)^T X"),
    ("Machine-learning gradients", GAUSSIAN, ["mu"], {}, ["Sigma"], "numerator", "-(x - mu)^T Sigma^-1"),
    ("Machine-learning gradients", GAUSSIAN, ["Sigma"], {}, ["Sigma"], "numerator",
     "(Sigma^-1 - Sigma^-1 (x - mu) (x - mu)^T Sigma^-1) / 2"),
    ("Gradients of today's models", ATTENTION, ["Q"], D_SCALAR, [], "numerator",
     "(S .* (G V^T - ((G V^T) .* S) ones(k) ones(1, k))) K / sqrt(d) where S = softmax(Q K^T / sqrt(d))"),
    ("Gradients of today's models", ATTENTION, ["K"], D_SCALAR, [], "numerator",
     "(S .* (G V^T - ((G V^T) .* S) ones(k) ones(1, k)))^T Q / sqrt(d) where S = softmax(Q K^T / sqrt(d))"),
    ("Gradients of today's models", "sum((softmax(X Wq (X Wk)^T / sqrt(d)) X Wv) .* G)", ["Wv"], D_SCALAR, [],
     "numerator", "X^T softmax(X Wq Wk^T X^T / sqrt(d))^T G"),
    ("Gradients of today's models", RELU_NET, ["b1"], {}, [], "numerator",
     "2 (((W2 relu(W1 x + b1) + b2 - y)^T W2) .* step(W1 x + b1)^T)"),
    ("Gradients of today's models", RELU_NET, ["W2"], {}, [], "numerator",
     "2 (W2 relu(W1 x + b1) + b2 - y) relu(W1 x + b1)^T"),
    ("Gradients of today's models", RELU_NET, ["x", "x"], {}, [], "numerator",
     "2 W1^T U W2^T W2 U W1 where U = diag(step(W1 x + b1))"),
    ("Gradients of today's models", LAYER_NORM, ["x"], {"eps": "scalar"}, [], "numerator",
     "(g .* y - mean(g .* y) ones(n))^T / h - mean(g .* y .* u) u^T / h^3 where u = x - mean(x), "
     "h = sqrt(eps + mean(u.^2))"),
    ("Gradients of today's models", LAYER_NORM, ["g"], {"eps": "scalar"}, [], "numerator",
     "(y .* u)^T / sqrt(eps + mean(u.^2)) where u = x - mean(x)"),
    ("Gradients of today's models", LAYER_NORM, ["b"], {"eps": "scalar"}, [], "numerator", "y^T"),
    ("Gradients of today's models", HUBER, ["w"], {}, [], "numerator",
     "(X w + relu(y - X w - 1) - relu(X w - y - 1) - y)^T X"),
    ("Gradients of today's models", HUBER, ["w", "w"], {}, [], "numerator", "X^T diag(step(1 - abs(X w - y))) X"),
    ("Gradients of today's models", "-sum(Y .* log(softmax(X W))) / m", ["W"], {"m": "scalar"}, [], "numerator",
     "X^T ((Y ones(k) ones(1, k)) .* softmax(X W) - Y) / m"),
    ("Hessians and second derivatives", "x^T A x", ["x", "x"], {}, [], "numerator", "A + A^T"),
    ("Hessians and second derivatives", "x^T A x", ["x", "x"], {}, ["A"], "numerator", "2 A"),
    ("Hessians and second derivatives", "norm(A x - b)^2", ["x", "x"], {}, [], "numerator", "2 A^T A"),
    ("Hessians and second derivatives", LOGISTIC, ["theta", "theta"], {}, [], "numerator",
     "X^T diag(s .* (1 - s)) X where s = sigmoid(X theta)"),
    ("Hessians and second derivatives", "sum(exp(x))", ["x", "x"], {}, [], "numerator", "diag(exp(x))"),
    ("Hessians and second derivatives", "logsumexp(x)", ["x", "x"], {}, [], "numerator",
     "diag(s) - s s^T where s = softmax(x)"),
    ("Hessians and second derivatives", "x^T A y", ["x", "y"], {}, [], "numerator", "A"),
    ("Hessians and second derivatives", "t x^T A x", ["t", "x"], {}, [], "numerator", "x^T (A + A^T)"),
    ("Hessians and second derivatives", "logdet(A + x x^T)", ["x", "x"], {}, ["A"], "numerator",
     "2 ((1 - x^T U x) U - U x x^T U) where U = (A + x x^T)^-1"),
]
HEADINGS = sorted({row[0] for row in ROWS})


def section(heading: str) -> str:
    """The text of README's section whose `## ` heading starts with heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## " + heading)
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def result_cells(heading: str) -> list[str]:
    """The first code span of the last column of each row of the section's tables; a row whose
    last column holds no code span (a remark, such as "(a rule: ...)") has none."""
    cells, lines = [], section(heading).splitlines()
    for i, line in enumerate(lines):
        header = i + 1 < len(lines) and lines[i + 1].startswith("|---")
        if not line.startswith("|") or line.startswith("|---") or header:
            continue
        last = line.rstrip().rstrip("|").split(" | ")[-1].strip()
        if last.startswith("("):
            continue
        found = re.match(r"`([^`]+)`", last)
        if found:
            cells.append(found.group(1))
    return cells


@pytest.mark.parametrize("heading, source, wrt, shapes, symmetric, layout, shown", ROWS,
                         ids=[f"{r[1][:40]} by {' '.join(r[2])} ({r[5]})" for r in ROWS])
def test_row_prints_what_readme_shows(heading, source, wrt, shapes, symmetric, layout, shown):
    assert f"`{shown}`" in section(heading), f"README's section {heading!r} does not show `{shown}`"
    assert diff(source, wrt=wrt, shapes=shapes, symmetric=symmetric, layout=layout).plain == shown


@pytest.mark.parametrize("heading", HEADINGS)
def test_every_row_of_the_table_is_tested(heading):
    cells = result_cells(heading)
    assert cells, f"no table rows found under {heading!r}"
    tested = {row[6] for row in ROWS if row[0] == heading}
    untested = [cell for cell in cells if cell not in tested]
    assert not untested, f"rows of {heading!r} that no test runs: {untested}"
