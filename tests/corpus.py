"""The test corpus of derivations: every case the other tests name (tests/test_derive.py's
tables, tests/test_render.py's golden lines, tests/test_models.py's models) and a few of
their own, once each. The code export and LaTeX compile tests run all of them."""

from __future__ import annotations

import test_derive
import test_models
import test_render

Case = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # source, wrt, shapes, symmetric

EXTRA = [
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


def _corpus() -> list[Case]:
    cases: list[Case] = [(c.source, c.wrt, c.shapes, c.symmetric) for c in test_derive.ALL if not c.xfail_value]
    cases += [(s, tuple(w), tuple(sh), tuple(sy)) for s, w, sh, sy in EXTRA]
    cases += [(g[0], tuple(g[1]), (), tuple(g[2])) for g in test_render.GOLDEN]
    cases += [(m, (w,), tuple(sh), ()) for m, w, sh, _ in test_models.MODELS]
    cases += [
        ("x^T np + lambda x^T x + lambda_ sum(x) + h1", ("x",), ("x=n",), ()),  # names that collide
        ("sum(tanh(W x)) + norm(tanh(W x))^2", ("x",), (), ()),
        ("sum(softplus(A x)) + logsumexp(B x)", ("x",), (), ()),
        ("sum(sigmoid(A x) .* exp(-(A x)))", ("x", "x"), (), ()),
        ("sum(log(1 + exp(X w)))", ("w", "w"), (), ()),
        ("tr(A X^-1 B) + a^T X^-T b", ("X",), (), ()),
        ("x^T (A + t B)^-1 x", ("t",), (), ()),
        ("sqrt(t) x + t^2 a", ("t",), ("t=scalar",), ()),
        ("sum(relu(A x)) + mean(x .* x) + sum(step(x) .* x)", ("x",), (), ()),
        ("sum(logsumexp(W)) + tr(softmax(W)^T B)", ("W",), (), ()),
        ("logsumexp(x)", ("x",), (), ()),
        ("sigma sigmoid(x)^T x + alpha_1 norm(x)", ("x",), (), ()),
        ("sum(kron(A, B))", ("A",), (), ()),
        ("a^T vec(X)", ("X",), (), ()),
        ("tr(A unvec(v, n, n))", ("v",), (), ()),
    ]
    return list(dict.fromkeys(cases))


CORPUS = _corpus()
