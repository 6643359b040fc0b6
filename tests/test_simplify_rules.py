"""One row per rule of the simplifier's table: the rule fires on its example, the
simplified tree keeps the example's value at random points of both signs, and it prints
as a textbook would. A rule without a row fails test_every_rule_has_a_row."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

from matcalc_cli import drawing, numeric
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.render import plain
from matcalc_cli.simplify import NAMES, RULES, NoFixpoint, simplify
from matcalc_cli.syntax import parse

N = "n"
A, X = E.var("A", (N, N)), E.var("X", (N, N))
x, t = E.var("x", (N, 1)), E.var("t", E.SCALAR)
SQ = {"A": (N, N), "B": (N, N), "C": (N, N), "X": (N, N)}  # square: inverses and determinants
S_T, S = "kron(ones(1, n), eye(n)) diag(vec(eye(n)))", "diag(vec(eye(n))) kron(ones(n), eye(n))"  # S v = vec(diag(v))

Source = str | Callable[[], E.Expr]

# sign(r) .* min(abs(r), 1): the Huber loss's gradient as its derivative reads it off
HUBER_GRADIENT = "sign(x) .* (abs(x) + step(abs(x) - 1) - abs(x) .* step(abs(x) - 1))"

# (rule, example: text, or a tree the builders make that no text spells, declared shapes, printed form)
ROWS: list[tuple[str, Source, dict, str]] = [
    ("fill-broadcast", lambda: E.mul(A, E.bcast(t, (N, 1))), {}, "t A ones(n)"),
    ("transpose", "(A B)^T", {}, "B^T A^T"),
    ("product", "X X^2 A", {"X": (N, N)}, "X^3 A"),
    ("inverse-pair", "X^-1 X A", {"X": (N, N)}, "A"),
    ("diagonal-product", "diag(u) diag(v) x", {}, "u .* v .* x"),
    ("negated-sum", "A (-B - C) A", {}, "-A (B + C) A"),
    ("sum", "x^T A + x^T A^T", {}, "x^T (A + A^T)"),
    ("hadamard", "x .* (2 y)", {}, "2 (x .* y)"),
    ("negation-into-sum", "-(x - 1)", {}, "1 - x"),
    ("diagonal-sum", "diag(a) + 2 diag(b) - diag(c) + A", SQ, "A + diag(a + 2 b - c)"),
    ("quotient-by-scalar", lambda: E.hdiv(x, E.bcast(t, (N, 1))), {}, "x / t"),
    ("logistic", "exp(u) ./ (1 + exp(u))", {}, "sigmoid(u)"),
    ("hyperbolic-tangent", "sinh(u) ./ cosh(u)", {}, "tanh(u)"),
    ("hyperbolic-tangent", "sinh(t) / cosh(t)", {"t": E.SCALAR}, "tanh(t)"),
    ("softmax", "exp(z) / sum(exp(z))", {}, "softmax(z)"),
    ("logistic-scalar", "exp(t) / (1 + exp(t))", {"t": E.SCALAR}, "sigmoid(t)"),
    ("diag-coefficient", "diag(-2 v)", {}, "-2 diag(v)"),
    ("diag-coefficient", "tril(3 A)", {}, "3 tril(A)"),
    ("diagonal-mask", "((A B) .* eye(n))^T", SQ, "(A B) .* eye(n)"),
    ("diagonal-mask", "(A B)^T .* eye(n)", SQ, "(A B) .* eye(n)"),
    ("inverse-transposed", "inv(B^T X^T A^T)", {"A": (N, N), "X": (N, N), "B": (N, N)}, "(A X B)^-T"),
    ("inverse-transposed-sum", "inv(A^T + x x^T)", {"A": (N, N)}, "(A + x x^T)^-T"),
    ("log-softmax", "log(softmax(z))", {}, "z - logsumexp(z) ones(n)"),
    ("kron-reduction", "tr(kron(A, B))", {"A": (N, N), "B": ("m", "m")}, "tr(A) tr(B)"),
    ("kron-reduction", "sum(kron(x, C))", {"x": (N, 1), "C": (N, "m")}, "sum(C) sum(x)"),
    ("kron-reduction", "norm(kron(A, x))", {"A": (N, "m"), "x": (N, 1)}, "norm(A) norm(x)"),
    ("transpose-invariant", "det(X^T)", {}, "det(X)"),
    ("ones-numerator", "ones(n) ./ y", {}, "1 ./ y"),
    ("quotient-coefficient", "(-2 a) ./ b", {}, "-2 (a ./ b)"),
    ("linear-coefficient", "sum(-y)", {}, "-sum(y)"),
    ("diag-outer", "diag(a b^T)", {}, "a .* b"),
    ("power-of-product", "(s t)^2", {"s": E.SCALAR, "t": E.SCALAR}, "s^2 t^2"),
    ("power-of-power", "(t^2)^0.5", {"t": E.SCALAR}, "abs(t)"),
    ("even-power-of-abs", "abs(t)^2 + abs(s)^-4", {"s": E.SCALAR, "t": E.SCALAR}, "s^-4 + t^2"),
    ("trace-of-scalar", lambda: E.Expr("tr", (t,), E.SCALAR), {}, "t"),
    ("cyclic-trace", "tr(B A)", SQ, "tr(A B)"),
    ("sum-of-hadamard", "sum(x .* y)", {}, "x^T y"),
    ("sign-times", "sign(u) .* u", {}, "abs(u)"),
    ("ones-product", "ones(3, 4) ones(4, 2)", {}, "4 ones(3, 2)"),
    ("det-inward", "det(X^3)", SQ, "det(X)^3"),
    ("det-of-product", "det(A X) / det(X)", SQ, "det(A)"),
    ("inverse-of-product", "A^T (A X B)^-T B^T", SQ, "X^-T"),
    ("inverse-of-scaled", "tr(B (t B)^-1)", {"t": E.SCALAR, **SQ}, "size(n) / t"),
    ("identity-insertion", "(A + B)^-1 C + (A + B)^-1", SQ, "(A + B)^-1 (C + eye(n))"),
    ("kron-to-hadamard", f"{S_T} kron(A, B) {S}", SQ, "A .* B"),
    ("sigmoid-negated", "1 - sigmoid(-u)", {}, "sigmoid(u)"),
    ("kron-outer", "kron(a^T, b)", {}, "b a^T"),
    ("kron-coefficient", "kron(2 A, -B)", SQ, "-2 kron(A, B)"),
    ("distribute-to-collect", "(a b^T - b a^T) / t^2 - 2 (t a - s b) b^T / t^3", {"s": E.SCALAR, "t": E.SCALAR},
     "2 s b b^T / t^3 - (a b^T + b a^T) / t^2"),
    ("scalars-out", "sum(t x / s)", {"t": E.SCALAR, "s": E.SCALAR}, "sum(x) t / s"),
    ("centred-sum", "sum(t (x - mean(x)))", {"t": E.SCALAR}, "0"),
    ("centred-sign", "(mean(x) - x) t^T", {}, "-(x - mean(x)) t^T"),
    ("mean", "sum(x) / size(n)", {"x": (N, 1)}, "mean(x)"),
    ("transpose-out", "A^T .* B^T", SQ, "(A .* B)^T"),
    ("diag-of-ones", "A diag(ones(n))", SQ, "A"),
    ("count", "t sum(ones(n, m)) + tr(eye(n)) + sum(C)", {"t": E.SCALAR, "C": (N, "m")},
     "size(n) + size(m*n) t + sum(C)"),
    ("ones-by-diag", "ones(1, n) diag(v) A", SQ, "v^T A"),
    ("ones-sum", "2 ones(1, n) (A x - y)", SQ, "2 sum(A x - y)"),
    ("softmax-sums-to-one", "sum(softmax(z)) t", {"t": E.SCALAR}, "t"),
    ("diag-of-zeros", lambda: E.add(A, E.Expr("diag", (E.zeros((N, 1)),), (N, N))), {}, "A"),
    ("ones-through-diag", "ones(1, n) (diag(v) - v v^T)", {}, "(1 - sum(v)) v^T"),
    ("piecewise-power", "step(u).^2 + sign(x).^3", {}, "sign(x) + step(u)"),
    ("piecewise-product", "relu(u) .* step(u) + abs(x) .* sign(x) .* y", {}, "relu(u) + x .* y"),
    ("trace-collect", "tr(A B + B A)", SQ, "2 tr(A B)"),
    ("kron-vec", "kron(x^T, eye(n)) (vec(A) y^T + 2 vec(B) z^T)", SQ, "A x y^T + 2 B x z^T"),
    ("kron-mixed-product", "kron(A, B) kron(C, D)", {"A": (N, N), "B": ("m", "m"), "C": (N, N), "D": ("m", "m")},
     "kron(A C, B D)"),
    ("row-vec-kron", "vec(C)^T kron(B, A)", {"A": (N, N), "B": ("m", "m"), "C": (N, "m")}, "vec(A^T C B)^T"),
    ("vec-scalars-out", "vec(t X) y^T", {"t": E.SCALAR, "X": (N, "m")}, "t vec(X) y^T"),
    ("row-of-ones-product", "ones(1, m) ones(m, k) + y^T C", {"y": ("m", 1), "C": ("m", "k")},
     "size(m) ones(1, k) + y^T C"),
    ("commutation-through-kron", "commutation(m, n) kron(A, y)", {"A": (N, "k"), "y": ("m", 1)}, "kron(y, A)"),
    ("collect-scalar-multiples", "A + B - t (A + B)", SQ | {"t": E.SCALAR}, "(1 - t) (A + B)"),
    ("step-complement", "1 - step(abs(x) - 1)", {}, "step(1 - abs(x))"),
    ("piecewise-linear", HUBER_GRADIENT, {}, "relu(-x - 1) + x - relu(x - 1)"),  # the clip to [-1, 1]
    ("piecewise-linear-scaled", "-(sign(x) .* (abs(x) .* step(abs(x) - 1) - abs(x) - step(abs(x) - 1)))^T A",
     {"A": (N, "m")}, "(relu(-x - 1) + x - relu(x - 1))^T A"),
    ("orthonormal-pair", "B eigvecs(A^T A) eigvecs(A^T A)^T", SQ, "B"),
    ("polar-factor", "t svd_u(C) svd_v(C)^T A", {"C": (4, 3), "t": E.SCALAR, "A": (3, 3)}, "t polar(C) A"),
    ("tril-half-of-upper", "tril_half(chol(A^T A)^-T)", SQ, "diag(1 ./ diag(chol(A^T A))) / 2"),
    ("cholesky-product", "B chol(A^T A) chol(A^T A)^T", SQ, "B A^T A"),
    ("diagonal-of-triangular", "diag(chol(A^T A) tril_half(B))", SQ, "diag(B) .* diag(chol(A^T A)) / 2"),
    ("reciprocal-weights", "(1 ./ x)^T (x .* y)", {}, "sum(y)"),
    ("diag-of-diagonal", "diag(diag(x)) + diag(eye(n))", {}, "x + 1"),
    ("trace-of-diagonal", "sum(diag(A B))", SQ, "tr(A B)"),
]

# Further examples of rules with guards: where the guard holds, and where it must not let the rule fire.
MORE: list[tuple[str, Source, dict, str]] = [
    ("power-of-power", "(t^4)^0.5", {"t": E.SCALAR}, "t^2"),
    ("power-of-power", "(t^0.5)^2", {"t": E.SCALAR}, "t"),
    ("power-of-power", "(t^2)^3", {"t": E.SCALAR}, "t^6"),
    ("transpose-invariant", "tr(A^T)", {}, "tr(A)"),
    ("linear-coefficient", "tr(3 A)", {}, "3 tr(A)"),
    ("transpose-invariant", "diag(A^T)", SQ, "diag(A)"),
    ("log-softmax", "log(softmax(Z))", {"Z": (N, "m")}, "Z - logsumexp(Z) ones(1, m)"),  # by rows
    ("cyclic-trace", "tr(x y^T)", {}, "x^T y"),
    ("cyclic-trace", "tr(B^T A)", SQ, "tr(A^T B)"),
    ("cyclic-trace", "tr(X^-1 A X)", SQ, "tr(A)"),
    ("sum-of-hadamard", "sum(x^T .* y^T)", {}, "x^T y"),
    ("sum-of-hadamard", "sum(x .* y .* z)", {}, "(y .* z)^T x"),
    ("sign-times", "sign(t) t", {"t": E.SCALAR}, "abs(t)"),
    ("sign-times", "abs(t) t^-2", {"t": E.SCALAR}, "abs(t)^-1"),
    ("ones-product", "(ones(n) ones(1, m)) .* C", {"C": (N, "m")}, "C"),
    ("sigmoid-negated", "sigmoid(u) + sigmoid(-u)", {}, "ones(n)"),
    ("kron-outer", "kron(b, a^T)", {}, "b a^T"),
    ("kron-outer", "tr(kron(x^T, x))", {}, "x^T x"),
    ("sigmoid-negated", "sigmoid(-2 t) - 1", {"t": E.SCALAR}, "-sigmoid(2 t)"),
    ("det-inward", "det(X^-1)", SQ, "det(X)^-1"),
    ("det-inward", "det(2 X)", {"X": (3, 3)}, "8 det(X)"),
    ("det-inward", "logdet(X^-1)", SQ, "-logdet(X)"),
    ("det-inward", "logdet(X^2)", SQ, "2 logdet(X)"),
    ("kron-to-hadamard", f"{S_T} (kron(A, B) - 2 kron(B, C)) {S}", SQ, "B .* (A - 2 C)"),
    ("centred-sum", "sum(X^T - mean(X))", {"X": (N, "m")}, "0"),
    ("mean", "x^T y / size(n) - t", {"x": (N, 1), "t": E.SCALAR}, "mean(x .* y) - t"),
    ("mean", "(sum(x) t - x^T y) / size(n)", {"x": (N, 1), "t": E.SCALAR}, "mean(x) t - mean(x .* y)"),
    ("mean", "sum(X) / 6", {"X": (2, 3)}, "mean(X)"),
    ("diagonal-product", "A diag(v) ones(n)", SQ, "A v"),
    ("ones-sum", "t (x + y)^T ones(n)", {"t": E.SCALAR}, "sum(x + y) t"),
    ("count", "t mean(ones(n)) + norm(ones(3)) + sum(x)", {"t": E.SCALAR, "x": (N, 1)}, "3^0.5 + sum(x) + t"),
    ("transpose-out", "x^T A^T + y^T", {}, "(A x + y)^T"),
    ("softmax-sums-to-one", "sum(softmax(Z))", {"Z": ("m", N)}, "size(m)"),  # by rows
    ("softmax-sums-to-one", "ones(1, n) (diag(softmax(x)) - softmax(x) softmax(x)^T)", {}, "zeros(1, n)"),
    ("diag-of-zeros", lambda: E.add(x, E.Expr("diag", (E.zeros((N, N)),), (N, 1))), {}, "x"),
    ("ones-through-diag", "(2 diag(v) + A) ones(n)", SQ, "A ones(n) + 2 v"),
    ("kron-mixed-product", "kron(x^T, eye(n)) (kron(A, B) + kron(B, A)) (kron(eye(n), y) + kron(y, eye(n)))", SQ,
     "A y x^T B + B y x^T A + (x^T A y) B + (x^T B y) A"),
    ("piecewise-power", "(step(u) - 1).^2 .* sign(x).^2", {}, "step(-u)"),
    ("piecewise-power", "(2 step(u) + 1).^3", {}, "26 step(u) + 1"),
    # each term turned to its cheapest rotation (B U^2 costs more: a power costs dear)
    ("trace-collect", "tr(U^2 B + U B U + B U^2)", SQ | {"U": (N, N)}, "3 tr(U B U)"),
    ("trace-collect", "tr(A B C - 2 C A B + D)", {"A": (N, "m"), "B": ("m", N), "C": (N, N), "D": (N, N)},
     "tr(D - A B C)"),
    ("kron-vec", "kron(x^T, eye(n)) vec(A) t", SQ | {"t": E.SCALAR}, "t A x"),
    ("row-vec-kron", "vec(eye(m))^T kron(eye(m), X^T)", {"X": (N, "m")}, "vec(X)^T"),
    ("row-of-ones-product", "y^T ones(m) ones(1, m) ones(m, m)", {"y": ("m", 1)}, "size(m) sum(y) ones(1, m)"),
    ("commutation-through-kron", "kron(A, y^T) commutation(k, m)", {"A": (N, "k"), "y": ("m", 1)}, "kron(y^T, A)"),
    ("commutation-through-kron", "commutation(m, n) (kron(A, y) - 2 kron(x, B))",
     {"A": (N, "k"), "B": ("m", "k"), "y": ("m", 1)}, "kron(y, A) - 2 kron(B, x)"),
    ("collect-scalar-multiples", "(A + B)^-1 - t (A + B)^-1 - x x^T", SQ | {"t": E.SCALAR},
     "(1 - t) (A + B)^-1 - x x^T"),
    ("collect-scalar-multiples", "2 A - 2 B - t (A - B) + C", SQ | {"t": E.SCALAR}, "(2 - t) (A - B) + C"),
    ("collect-scalar-multiples", "X - diag(step(abs(x) - 1)) X", {"X": (N, "m")}, "diag(step(1 - abs(x))) X"),
    ("collect-scalar-multiples", "A - A diag(v) + B", SQ, "A diag(1 - v) + B"),
    ("step-complement", "step(u) - 1 + y", {}, "y - step(-u)"),
    ("step-complement", "2 - 2 step(u)", {}, "2 step(-u)"),
    ("step-complement", "1 - step(x - 2) - step(-x - 2)", {}, "step(2 - abs(x))"),  # then piecewise-linear
    ("piecewise-linear", "step(x - 1) + step(-x - 1)", {}, "step(abs(x) - 1)"),  # an interval's indicator
    ("piecewise-linear", "step(x - 3) + step(-x - 1)", {}, "step(abs(x - 1) - 2)"),
    ("piecewise-linear", "step(2 - x) - step(-x - 2)", {}, "step(2 - abs(x))"),
    ("piecewise-linear", "step(x) .* x", {}, "relu(x)"),
    ("piecewise-linear", "abs(x) - x", {}, "2 relu(-x)"),
    ("piecewise-linear", "step(2 x + 1) - step(2 x - 1)", {}, "step(0.5 - abs(x))"),
    ("orthonormal-pair", "t svd_u(C)^T svd_u(C)", {"C": (4, 3), "t": E.SCALAR}, "t eye(3)"),
    ("orthonormal-pair", "svd_v(A) svd_v(A)^T B", SQ, "B"),
    ("tril-half-of-upper", "tril_half(2 chol(A^T A)^T diag(x))", SQ, "diag(diag(chol(A^T A)) .* x)"),
    ("cholesky-product", "chol(A^T A)^-T chol(A^T A)^-1", SQ, "(A^T A)^-1"),
]
NOT_FIRED: list[tuple[str, Source, dict]] = [
    ("power-of-product", "(s t)^0.5", {"s": E.SCALAR, "t": E.SCALAR}),  # not s^0.5 t^0.5 at s, t < 0
    ("sign-times", "sign(x) x^T", {}),  # an outer product, not abs
    ("identity-insertion", "A + A B", SQ),  # A (eye(n) + B) is longer
    ("inverse-of-product", "(A B)^-1 C", SQ),  # B^-1 A^-1 C is no shorter
    ("inverse-of-scaled", "(t^T t)^-1", {"t": (N, 1)}),  # t^T t is a scalar, no scalar times a matrix
    ("det-of-product", "det(A X)", SQ),  # nothing cancels
    ("diagonal-mask", "(A B)^T .* C", SQ),  # no identity mask: the transpose moves entries
    ("ones-product", "ones(n, m) ones(m) + C ones(m)", {"C": (N, "m")}),  # m is not a number
    ("ones-product", "(A .* B) ones(n) ones(1, n)", SQ),  # row sums, broadcast: M 1 1^T
    ("kron-reduction", "tr(kron(x^T, x))", {}),  # kron(x^T, x) is square, its factors are not
    ("sigmoid-negated", "sigmoid(-u) .* y", {}),  # (1 - sigmoid(u)) .* y is longer
    ("distribute-to-collect", "(A + B) C + D E", SQ | {"D": (N, N), "E": (N, N)}),  # nothing meets
    ("centred-sum", "sum(g .* (x - mean(x)))", {}),  # weighted: not zero
    ("centred-sum", "sum(x - mean(y))", {"x": (N, 1), "y": (N, 1)}),  # another vector's mean
    ("mean", "sum(x) / size(m) + sum(y)", {"x": (N, 1), "y": ("m", 1)}),  # m is not x's length
    ("transpose-out", "x^T A + b^T", {}),  # (A^T x + b)^T is longer
    ("softmax-sums-to-one", "sum(softmax(x) .* y)", {}),  # weighted: not one
    ("ones-through-diag", "ones(1, n) (A + B)", SQ),  # no diagonal to read off
    ("piecewise-power", "(step(u) + step(x)).^2", {}),  # two steps: 0, 1 or 2
    ("piecewise-power", "abs(u).^2", {}),
    ("piecewise-product", "relu(u) .* step(x)", {}),  # another argument
    ("trace-collect", "tr(A B + A^T B)", SQ),  # nothing to collect
    ("trace-collect", "tr(A B + B^T A^T)", {"A": (N, "m"), "B": ("m", N)}),  # B A is m x m, not in this sum
    ("kron-vec", "kron(x^T, eye(n)) vec(A)", {"A": ("m", N), "x": ("m", 1)}),  # A x is not defined
    ("kron-mixed-product", "kron(A, B) kron(C, D)", {"A": (N, "m"), "B": ("k", N), "C": (N, "p"), "D": ("m", "q")}),
    ("kron-mixed-product", "kron(A, B) kron(C, D)", {"A": (N, "k"), "B": ("m", N), "C": (N, "m"), "D": ("k", N)}),
    ("row-of-ones-product", "ones(n, m) ones(m) + C ones(m)", {"C": (N, "m")}),  # row sums, not a count
    ("commutation-through-kron", "commutation(n, m) kron(A, y)", {"A": (N, "k"), "y": ("m", 1)}),  # K's sizes swapped
    ("commutation-through-kron", "commutation(n, n) kron(A, B)", SQ),  # no vector: K kron(A, B) K = kron(B, A)
    ("collect-scalar-multiples", "A + B - t (A - B)", SQ | {"t": E.SCALAR}),  # A - B is not the sum beside it
    ("collect-scalar-multiples", "A - t A - x x^T", SQ | {"t": E.SCALAR}),  # (1 - t) A is no shorter
    ("step-complement", "1 - 2 step(u)", {}),  # 1 - 2 step(u) is 1 or -1
    ("piecewise-linear", "relu(x) .* step(x - 1)", {}),  # relu(x - 1) + step(x - 1) is longer
    ("piecewise-linear", "sign(x) .* abs(y)", {}),  # two arguments
    ("piecewise-linear", "x .* relu(x)", {}),  # not linear on a piece
    ("piecewise-linear", "step(relu(x)) + x", {}),  # relu(x) is 0 for x < 0: step there is step(0), a convention
    ("orthonormal-pair", "svd_u(C) svd_u(C)^T", {"C": (4, 3)}),  # a projection, not I: U is 4×3
    ("tril-half-of-upper", "tril_half(chol(A^T A) B)", SQ),  # not triangular
    ("cholesky-product", "chol(A^T A)^-1 chol(A^T A)^-T", SQ),  # (L^T L)^-1, not (L L^T)^-1
    ("diagonal-of-triangular", "diag(chol(A^T A) chol(A^T A)^T)", SQ),  # a lower and an upper factor
    ("reciprocal-weights", "(1 ./ x)^T (y .* z)", {}),  # nothing cancels
    ("trace-of-diagonal", "sum(diag(x))", {}),  # diag(x) is a matrix: its sum is sum(x)
]


def example(src: Source, declared: dict) -> E.Expr:
    if callable(src):
        return src()
    return infer(parse(src), dict(declared), frozenset()).expr


def points(e: E.Expr, count: int = 6):
    """Random points with entries of both signs (square matrices near +-I, so inverses exist)."""
    variables = {name: v.shape for name, v in E.free_vars(e).items()}
    for seed in range(count):
        rng = np.random.default_rng(seed)
        sizes = drawing.dim_sizes(variables, base=seed)
        values = drawing.sample(variables, frozenset(), rng, sizes, positive=False)
        for name, v in values.items():
            if isinstance(v, np.ndarray) and v.shape[0] == v.shape[1] > 1 and rng.random() < 0.5:
                values[name] = -v
        yield sizes, values


def assert_same_value(before: E.Expr, after: E.Expr) -> None:
    compared = 0
    for sizes, values in points(before):
        with np.errstate(all="ignore"):
            want = numeric.evaluate(before, values, sizes)
            got = numeric.evaluate(after, values, sizes)
        assert got.shape == want.shape
        if not np.all(np.isfinite(want)):
            continue  # outside the example's domain: nothing to compare
        compared += 1
        assert numeric.relative_error(got, want) < 1e-9, plain.render(after)
    assert compared >= 3, "the example's domain is too small to test it"


def run(src: Source, declared: dict) -> tuple[E.Expr, E.Expr, set[str]]:
    before = example(src, declared)
    steps: list = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoFixpoint)
        after = simplify(before, steps)
    return before, after, {name for name, _, _ in steps}


def test_every_rule_has_a_row():
    assert {r[0] for r in ROWS} == set(NAMES)
    assert len(NAMES) == len(set(NAMES))


def test_every_rule_says_what_it_does():
    for rule in RULES:
        assert rule.says and rule.group in ("identity", "normal", "presentation") and rule.ops


@pytest.mark.parametrize("rule, src, declared, printed", ROWS + MORE, ids=[r[0] for r in ROWS + MORE])
def test_rule(rule, src, declared, printed):
    before, after, fired = run(src, declared)
    assert rule in fired
    assert after.shape == before.shape
    assert_same_value(before, after)
    assert plain.render(after) == printed


@pytest.mark.parametrize("rule, src, declared", NOT_FIRED, ids=[r[0] for r in NOT_FIRED])
def test_guard_keeps_the_rule_from_firing(rule, src, declared):
    before, after, fired = run(src, declared)
    assert rule not in fired
    assert_same_value(before, after)
