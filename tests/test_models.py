"""The layers of today's models (issue 9), each by every parameter: right at random points
(central differences of the model itself) and printed in the form the paper that defines the
layer prints, both layouts."""

from __future__ import annotations

import pytest
from helpers import check_numeric

from matcalc_cli.ops import OPS
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate

LAYOUTS = ("numerator", "denominator")
D = ("d=scalar",)
ATTENTION = "sum((softmax(Q K^T / sqrt(d)) V) .* G)"  # a scalar loss whose gradient at the head's output is G
PROJECTED = "sum((softmax(X Wq (X Wk)^T / sqrt(d)) X Wv) .* G)"
RELU_NET = "norm(W2 relu(W1 x + b1) + b2 - y)^2"
LAYER_NORM = "y^T (g .* (x - mean(x)) / sqrt(mean((x - mean(x)).^2) + eps) + b)"
BATCH_CE = "-sum(Y .* log(softmax(X W + ones(m) c^T))) / m"

# (model, wrt, shapes, numerator-layout form)
MODELS = [
    (ATTENTION, "Q", D, "(softmax(Q K^T / sqrt(d)) .* (G V^T - ((G V^T) .* softmax(Q K^T / sqrt(d))) ones(k) "
                        "ones(1, k))) K / sqrt(d)"),
    (ATTENTION, "K", D, None),
    (ATTENTION, "V", D, "softmax(Q K^T / sqrt(d))^T G"),
    (PROJECTED, "Wq", D, "X^T (softmax(X Wq Wk^T X^T / sqrt(d)) .* (G Wv^T X^T - ((G Wv^T X^T) .* "
                         "softmax(X Wq Wk^T X^T / sqrt(d))) ones(n) ones(1, n))) X Wk / sqrt(d)"),
    (PROJECTED, "Wk", D, None),
    (PROJECTED, "Wv", D, "X^T softmax(X Wq Wk^T X^T / sqrt(d))^T G"),
    (RELU_NET, "W1", (), "2 ((W2^T (W2 relu(W1 x + b1) + b2 - y)) .* step(W1 x + b1)) x^T"),
    (RELU_NET, "b1", (), "2 (((W2 relu(W1 x + b1) + b2 - y)^T W2) .* step(W1 x + b1)^T)"),
    (RELU_NET, "W2", (), "2 (W2 relu(W1 x + b1) + b2 - y) relu(W1 x + b1)^T"),
    (RELU_NET, "b2", (), "2 (W2 relu(W1 x + b1) + b2 - y)^T"),
    (RELU_NET, "x", (), "2 (((W2 relu(W1 x + b1) + b2 - y)^T W2) .* step(W1 x + b1)^T) W1"),
    (LAYER_NORM, "x", ("eps=scalar",), None),
    (LAYER_NORM, "g", ("eps=scalar",), "(y .* (x - mean(x)))^T / sqrt(eps + mean((x - mean(x)).^2))"),
    (LAYER_NORM, "b", ("eps=scalar",), "y^T"),
    (BATCH_CE, "W", ("m=scalar",), None),
    (BATCH_CE, "c", ("m=scalar",), None),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("model, wrt, shapes, form", MODELS, ids=[f"{m[:12]}-{w}" for m, w, _, _ in MODELS])
def test_model_gradients_are_right(model, wrt, shapes, form, layout):
    report = check_numeric(model, wrt, shapes, layout=layout)
    text = plain.render(report.derivative.expr)
    assert "kron" not in text and "commutation" not in text  # matrix form, never a Kronecker soup
    if form is not None and layout == "numerator":
        assert text == form


def test_attention_backward_pass_is_the_row_wise_softmax_form():
    # S .* (G V^T - (G V^T .* S) 1 1^T): each row of the softmax's backward pass on its own.
    text = plain.render(differentiate(ATTENTION, ["Q"], list(D)).derivative.expr)
    assert "softmax(Q K^T / sqrt(d)) .* (G V^T - ((G V^T) .* softmax(Q K^T / sqrt(d))) ones(k) ones(1, k))" in text


# What matcalc prints, with its names: the paper's form of each layer's backward pass.
PAPER_FORMS = [
    # S .* (G' - (G' .* S) 1 1^T) with G' = G V^T, and its transpose for K.
    (ATTENTION, "Q", D, "numerator",
     "(S .* (G V^T - ((G V^T) .* S) ones(k) ones(1, k))) K / sqrt(d) where S = softmax(Q K^T / sqrt(d))"),
    (ATTENTION, "K", D, "numerator",
     "(S .* (G V^T - ((G V^T) .* S) ones(k) ones(1, k)))^T Q / sqrt(d) where S = softmax(Q K^T / sqrt(d))"),
    (PROJECTED, "Wk", D, "numerator",
     "X^T (S^T .* (X Wv G^T - ones(n) ones(1, n) ((X Wv G^T) .* S^T))) X Wq / sqrt(d) "
     "where S = softmax(X Wq Wk^T X^T / sqrt(d))"),
    # (1 / sigma) (g_hat - mean(g_hat) - x_hat mean(g_hat .* x_hat)) with g_hat = g .* y, x_hat = u / sigma.
    (LAYER_NORM, "x", ("eps=scalar",), "denominator",
     "(g .* y - mean(g .* y) ones(n)) / h - mean(g .* y .* u) u / h^3 "
     "where u = x - mean(x), h = sqrt(eps + mean(u.^2))"),
    (LAYER_NORM, "x", ("eps=scalar",), "numerator",
     "(g .* y - mean(g .* y) ones(n))^T / h - mean(g .* y .* u) u^T / h^3 "
     "where u = x - mean(x), h = sqrt(eps + mean(u.^2))"),
    (LAYER_NORM, "g", ("eps=scalar",), "numerator", "(y .* u)^T / sqrt(eps + mean(u.^2)) where u = x - mean(x)"),
    ("y^T ((x - mean(x)) / norm(x - mean(x)))", "x", (), "numerator",
     "(y^T - mean(y) ones(1, n)) / norm(u) - (u^T y) u^T / norm(u)^3 where u = x - mean(x)"),
]


@pytest.mark.parametrize("model, wrt, shapes, layout, form", PAPER_FORMS,
                         ids=[f"{m[:12]}-{w}-{lay[:3]}" for m, w, _, lay, _ in PAPER_FORMS])
def test_named_results_read_like_the_paper(model, wrt, shapes, layout, form):
    report = check_numeric(model, wrt, shapes, layout=layout)
    assert plain.render_named(report.named()) == form


def test_batched_cross_entropy_is_x_transposed_times_softmax_minus_targets():
    # With one-hot rows of Y (Y 1 1^T = 1 1^T) this is the textbook X^T (softmax(X W) - Y) / m;
    # matcalc keeps the row sums, since nothing says Y's rows sum to one.
    text = plain.render(differentiate(BATCH_CE, ["W"], ["m=scalar"]).derivative.expr)
    assert text == "X^T ((Y ones(n) ones(1, n)) .* softmax(X W + ones(m) c^T) - Y) / m"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("model, wrt, shapes, form", [
    (RELU_NET, ["x", "x"], (), "2 W1^T diag(step(W1 x + b1)) W2^T W2 diag(step(W1 x + b1)) W1"),
    (RELU_NET, ["b2", "b2"], (), "2 eye(n)"),
    (RELU_NET, ["b1", "b1"], (), None),
    (LAYER_NORM, ["b", "b"], ("eps=scalar",), None),
    (LAYER_NORM, ["g", "g"], ("eps=scalar",), None),
    (LAYER_NORM, ["x", "x"], ("eps=scalar",), None),
    ("-y^T log(softmax(W x))", ["x", "x"], (), "sum(y) W^T (diag(softmax(W x)) - softmax(W x) softmax(W x)^T) W"),
    ("y^T softmax(W x)", ["x", "x"], (), None),
])
def test_model_hessians(model, wrt, shapes, form, layout):
    report = check_numeric(model, wrt, shapes, layout=layout, tol=1e-4)
    assert "kron" not in plain.render(report.derivative.expr)  # through softmax too: P diag(q) ds
    if form is not None:
        assert plain.render(report.derivative.expr) == form


def test_a_hessian_through_step_says_its_derivative_is_zero_almost_everywhere():
    notes = differentiate(RELU_NET, ["x", "x"]).derivative.notes
    assert OPS["step"].note in notes


@pytest.mark.parametrize("source, wrt, shapes", [
    ("X W + ones(m) b^T", "b", ()),  # a bias row beside a batch
    ("sum(exp(X w + c))", "w", ("c=scalar",)),  # a scalar bias
    ("sum(softmax(Q K^T + M) .* G)", "Q", ()),  # a mask as an additive matrix
    ("x - mean(x)", "x", ()),
])
def test_shapes_read_as_users_mean_them(source, wrt, shapes):
    check_numeric(source, wrt, shapes)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source, wrt", [
    ("vec(A X)^T vec(X)", ["X"]),
    ("sum(unvec(v, n, m) .* X)", ["v"]),
    ("vec(x x^T)^T vec(A)", ["x", "x"]),
    ("norm(kron(x, x))^2", ["x", "x"]),
])
def test_vec_and_kron_in_gradients_jacobians_and_hessians(source, wrt, layout):
    check_numeric(source, wrt, layout=layout, tol=1e-4)
