"""Property-based correctness suite (issue 5, item 5).

A hypothesis strategy builds random, well-typed expression trees from every kind
of node and every call of the registry (ops.OPS), and three properties are checked:

(a) every derivative matcalc computes (all cells of the layout table, Jacobians,
    Kronecker cells, Hessians and mixed second derivatives, both layouts) agrees
    with central finite differences (numeric.numeric_derivative) at a random point;
(b) the simplifier never changes a value;
(c) `plain` output parses back (syntax.parse + shapes.infer with the same variable
    shapes) to the derivative's tree, as read or once simplified (the parser does
    only the builders' bookkeeping; the derivative is simplified); the input's own
    plain spelling reads back to the same value.

The trees are built with the same builders the parser uses, and only in forms
the input language can spell (constants are Fractions, a scalar broadcasts only
when it is a constant), so that (c) can ask for equal trees.

Values are kept moderate and well defined by construction: inv, det and logdet
only see near-identity matrices (a square variable, A + t B, A B, I + tanh(M)/10),
log and sqrt only positive subtrees (exp, sigmoid, softplus, x .* x + 1, sqrt,
variables, which drawing.sample draws in (0.1, 0.9)). Points where a value is not
finite, too large, or where finite differences disagree with themselves (a kink of
abs, cancellation) are skipped with hypothesis.assume.

The budget is fixed and derandomized for CI (about 20 s; split evenly over the
shapes of f, so that every cell of the table is drawn); a soak run raises it, and
MATCALC_SOAK_SEED draws another (reproducible) stream of examples than CI's:

    MATCALC_SOAK_EXAMPLES=8000 python -m pytest -q tests/test_properties.py
    MATCALC_SOAK_EXAMPLES=8000 MATCALC_SOAK_SEED=7 python -m pytest -q tests/test_properties.py

A failure found here is reduced by hand and kept in tests/test_regressions.py
(as a strict xfail while it is not fixed).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import hypothesis
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from matcalc_cli import drawing, numeric
from matcalc_cli import expr as E
from matcalc_cli.build import infer
from matcalc_cli.derive import FinishedDerivative
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Expr, Shape
from matcalc_cli.ops import OPS, fn, rebuild
from matcalc_cli.params import NumberParam
from matcalc_cli.render import numpy as numpy_render
from matcalc_cli.render import plain
from matcalc_cli.report import derivative_of
from matcalc_cli.simplify import simplify
from matcalc_cli.structure import Structure, declare
from matcalc_cli.syntax import parse

# ------------------------------------------------------------------ budget
# Examples per property in CI (derandomized, so every run checks the same trees).
_CI_EXAMPLES = {"derivative": 1400, "simplify": 1050, "plain": 1050, "pretty": 350}


def _budget(prop: str) -> int:
    soak = os.environ.get("MATCALC_SOAK_EXAMPLES", "").strip()
    return int(soak) if soak else _CI_EXAMPLES[prop]


def _settings(examples: int, derandomize: bool = True) -> settings:
    return settings(
        derandomize=derandomize,
        database=None,
        max_examples=examples,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# ------------------------------------------------------------------ the variables
N_, M_ = "n", "m"
S: Shape = SCALAR
VN: Shape = (N_, 1)
VM: Shape = (M_, 1)
RN: Shape = (1, N_)
RM: Shape = (1, M_)
NN: Shape = (N_, N_)
NM: Shape = (N_, M_)
MN: Shape = (M_, N_)
MM: Shape = (M_, M_)

VARIABLES: dict[str, Shape] = {
    "t": S, "s": S,            # scalars, sampled in (0.2, 0.8)
    "x": VN, "y": VN,          # n-vectors, entries in (0.1, 0.9)
    "u": VM,                   # an m-vector
    "A": NN, "B": NN,          # square: near the identity (invertible, det > 0)
    "W": NN,                   # symmetric positive definite
    "C": NM,                   # n-by-m, entries in (0.1, 0.9)
}
SYMMETRIC = frozenset({"W"})
SIZES = drawing.dim_sizes(VARIABLES)  # n = 3, m = 2: different, so shape mix-ups show

_BY_SHAPE: dict[Shape, list[str]] = {}
for _name, _shape in VARIABLES.items():
    _BY_SHAPE.setdefault(_shape, []).append(_name)

ELEMENTWISE_ANY = ("sin", "cos", "tanh", "sigmoid", "softplus", "abs", "exp", "relu", "step", "sign")
BOUNDED = ("tanh", "sin", "cos", "sigmoid")
# Defined everywhere, as ELEMENTWISE_ANY; a production of their own keeps the older ones as frequent.
SMOOTH_ANY = ("sinh", "cosh", "arctan", "expm1", "erf", "normcdf", "normpdf", "gelu", "silu")
# Defined on part of the line: drawn where they are (|u| < 1/2 for these, u > 0 for log1p).
ON_HALF = ("arcsin", "arccos", "tan")
# Numbers as a person writes them too (expr.Written), and two side by side as matcalc prints them.
CONSTANTS = (Fraction(2), Fraction(1, 2), Fraction(-1), Fraction(3), Fraction(1, 10), Fraction(-2),
             E.Written("0.3"), E.Written("0.7978845608"), E.Written("0.044715 0.7978845608"))


def v(name: str) -> Expr:
    return E.var(name, VARIABLES[name], name in SYMMETRIC)


def _transposed(sh: Shape) -> Shape:
    return (sh[1], sh[0])


def _is_square_matrix(sh: Shape) -> bool:
    return sh[0] == sh[1] and sh != S


NONSCALAR: tuple[Shape, ...] = (VN, VM, RN, NN, NM, MN, MM)

# ------------------------------------------------------------------ the strategy
Draw = Callable[[st.SearchStrategy[Any]], Any]
Production = Callable[[Draw, Shape, int], Expr]


def _sub(draw: Draw, d: int) -> int:
    """Depth for a child: mostly one less than the parent's, sometimes shallower, so
    trees are of mixed sizes (the productions themselves shrink towards a leaf)."""
    if d <= 1 or draw(st.integers(0, 3)) < 3:
        return max(0, d - 1)
    return int(draw(st.integers(0, d - 2)))


def leaf(draw: Draw, sh: Shape) -> Expr:
    names = _BY_SHAPE.get(sh, [])
    if sh == S:
        return draw(st.sampled_from([v("t"), v("s")] + [E.const(c) for c in CONSTANTS]))  # type: ignore[no-any-return]
    if names:
        extra = [E.eye(N_)] if sh == NN else [E.ones(sh)] if sh[1] == 1 else []
        return draw(st.sampled_from([v(n) for n in names] + extra))  # type: ignore[no-any-return]
    if sh == MN:
        return E.T(v("C"))
    if sh in (RN, RM):
        return E.T(leaf(draw, _transposed(sh)))
    assert sh == MM
    return draw(st.sampled_from([E.mul(E.T(v("C")), v("C")), E.mul(v("u"), E.T(v("u"))),
                                 E.eye(M_)]))  # type: ignore[no-any-return]


def gen(draw: Draw, sh: Shape, d: int) -> Expr:
    """A random expression of shape sh, at most d levels deep."""
    if d <= 0:
        return leaf(draw, sh)
    options = _productions(sh)
    names = [name for name in options for _ in range(_WEIGHTS.get(name, 1))]
    return options[draw(st.sampled_from(names))](draw, sh, d)


# The productions that only some shapes offer are drawn more often, so that inv,
# det, logdet and matrix powers are not rare.
_WEIGHTS = {"matrix_function": 4, "kron_form": 3, "factorisation": 3,
            "inverse": 3, "matrix_power": 3, "det": 4, "reduce": 2, "trace": 2, "softmax": 2, "diag": 2, "structure": 6,
            "extreme": 4}


def positive(draw: Draw, sh: Shape, d: int) -> Expr:
    """An expression whose every entry is positive (for log, sqrt, ./ and negative powers)."""
    if d <= 0 or draw(st.integers(0, 3)) == 0:
        if sh == S:
            return draw(st.sampled_from([v("t"), v("s"), E.const(2), E.const(Fraction(1, 2))]))  # type: ignore
        if _is_square_matrix(sh):
            return fn("sigmoid", leaf(draw, sh))
        return leaf(draw, sh)  # vectors, rows and C are sampled in (0.1, 0.9)
    c = _sub(draw, d)
    kind = draw(st.sampled_from(["exp", "sigmoid", "softplus", "square+1", "sqrt", "sum", "had", "div",
                                 "scale", "epow", "special"]))
    if kind == "exp":
        return fn("exp", fn(draw(st.sampled_from(BOUNDED)), gen(draw, sh, c)))
    if kind in ("sigmoid", "softplus"):
        return fn(kind, gen(draw, sh, c))
    if kind == "square+1":  # x .* x + 1
        e = gen(draw, sh, c)
        return E.add(E.had(e, e) if sh != S else E.mul(e, e), E.ONE)
    if kind == "sqrt":
        return fn("sqrt", positive(draw, sh, c))
    if kind == "sum":
        return E.add(positive(draw, sh, c), positive(draw, sh, c))
    if kind == "had":
        a, b = positive(draw, sh, c), positive(draw, sh, c)
        return E.mul(a, b) if sh == S else E.had(a, b)
    if kind == "div":
        return E.hdiv(positive(draw, sh, c), positive(draw, sh, c))
    if kind == "scale":
        return E.mul(E.const(draw(st.sampled_from([Fraction(2), Fraction(1, 2), Fraction(3)]))),
                     positive(draw, sh, c))
    if kind == "epow":
        return E.epow(positive(draw, sh, c), draw(st.sampled_from([Fraction(1, 2), Fraction(2), Fraction(-1)])))
    # special: functions whose value is positive whatever their argument
    if sh == S:
        other = draw(st.sampled_from(NONSCALAR))
        return E.add(E.ONE, fn("norm", gen(draw, other, c)))
    if sh[1] == 1:
        return fn("softmax", gen(draw, sh, c))
    return fn("exp", fn("sin", gen(draw, sh, c)))


def well_conditioned(draw: Draw, d: int) -> Expr:
    """An n-by-n matrix safely away from singular, with a positive determinant."""
    kind = draw(st.sampled_from(["var", "T", "A+tB", "I+M/10", "AB"]))
    square = draw(st.sampled_from(["A", "B", "W"]))
    if kind == "var" or d <= 0:
        return v(square)
    if kind == "T":
        return E.T(v(square))
    if kind == "A+tB":
        other = draw(st.sampled_from(["A", "B", "W"]))
        return E.add(v(square), E.mul(v(draw(st.sampled_from(["t", "s"]))), v(other)))
    if kind == "I+M/10":  # |entries of M| <= 1, so ||M / 10|| <= n / 10 < 1
        bounded = fn(draw(st.sampled_from(BOUNDED)), gen(draw, NN, _sub(draw, d)))
        return E.add(E.eye(N_), E.mul(E.const(Fraction(1, 10)), bounded))
    other = draw(st.sampled_from(["A", "B", "W"]))
    return E.mul(v(square), v(other))


# ---- productions: (draw, shape, depth) -> Expr
def p_leaf(draw: Draw, sh: Shape, d: int) -> Expr:
    return leaf(draw, sh)


def p_add(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.add(gen(draw, sh, _sub(draw, d)), gen(draw, sh, _sub(draw, d)))


def p_sub(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.sub(gen(draw, sh, _sub(draw, d)), gen(draw, sh, _sub(draw, d)))


def p_neg(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.neg(gen(draw, sh, _sub(draw, d)))


def p_scale(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.mul(gen(draw, S, _sub(draw, d)), gen(draw, sh, _sub(draw, d)))


def p_const_scale(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.mul(E.const(draw(st.sampled_from(CONSTANTS))), gen(draw, sh, _sub(draw, d)))


def p_matmul(draw: Draw, sh: Shape, d: int) -> Expr:
    r, c = sh
    inner: list[E.Dim] = [N_, M_]
    if r != 1 and c != 1:
        inner.append(1)  # an outer product x y^T
    k = draw(st.sampled_from(inner))
    return E.mul(gen(draw, (r, k), _sub(draw, d)), gen(draw, (k, c), _sub(draw, d)))


def p_had(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.had(gen(draw, sh, _sub(draw, d)), gen(draw, sh, _sub(draw, d)))


def p_hdiv(draw: Draw, sh: Shape, d: int) -> Expr:
    # For a scalar this is a / b (hdiv by a scalar is a product with b^-1).
    return E.hdiv(gen(draw, sh, _sub(draw, d)), positive(draw, sh, _sub(draw, d)))


def p_epow(draw: Draw, sh: Shape, d: int) -> Expr:
    if draw(st.booleans()):
        return E.epow(gen(draw, sh, _sub(draw, d)), draw(st.sampled_from([Fraction(2), Fraction(3)])))
    p = draw(st.sampled_from([Fraction(1, 2), Fraction(-1), Fraction(3, 2), Fraction(-2)]))
    return E.epow(positive(draw, sh, _sub(draw, d)), p)


def p_function(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn(draw(st.sampled_from(ELEMENTWISE_ANY)), gen(draw, sh, _sub(draw, d)))


def p_smooth(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn(draw(st.sampled_from(SMOOTH_ANY)), gen(draw, sh, _sub(draw, d)))


def p_on_part(draw: Draw, sh: Shape, d: int) -> Expr:
    """arcsin, arccos and tan of a bounded function halved; log1p of a positive one."""
    name = draw(st.sampled_from((*ON_HALF, "log1p")))
    if name == "log1p":
        return fn(name, positive(draw, sh, _sub(draw, d)))
    bounded = fn(draw(st.sampled_from(("tanh", "sin", "cos"))), gen(draw, sh, _sub(draw, d)))
    return fn(name, E.mul(E.const(Fraction(1, 2)), bounded))


def p_variable_power(draw: Draw, sh: Shape, d: int) -> Expr:
    """A positive base to a bounded variable exponent: x.^t, x.^tanh(y), t^s, t.^sin(x)."""
    c = _sub(draw, d)
    scalar_base = sh != S and draw(st.integers(0, 3)) == 0
    base = positive(draw, S if scalar_base else sh, c)
    if scalar_base or sh == S or draw(st.booleans()):
        exponent = fn(draw(st.sampled_from(BOUNDED)), gen(draw, sh, c)) if scalar_base else \
            draw(st.sampled_from([v("t"), v("s")]))
    else:
        exponent = fn(draw(st.sampled_from(BOUNDED)), gen(draw, sh, c))
    return E.vpow(base, exponent)


def p_extreme(draw: Draw, sh: Shape, d: int) -> Expr:
    """A scalar read off the entries, the singular values or the eigenvalues: max, min, norm(X, 2)
    with nuclear(X), products with the primitives their derivatives are written in (of C: constant
    unless by C), or the spectra (p_spectrum). Each draw of a kind reaches all of its functions."""
    c = _sub(draw, d)
    kind = draw(st.sampled_from(["max", "min", "norms", "vectors", "spectrum"]))
    if kind in ("max", "min"):  # beside a variable, so that no construction ties its entries (t 1 + 1)
        return fn(kind, E.add(gen(draw, VN, c), v(draw(st.sampled_from(["x", "y"])))))
    if kind == "norms":
        return E.add(fn("normspec", gen(draw, NM, c)), fn("nuclear", gen(draw, NM, c)))
    if kind == "vectors":
        return E.add(E.mul(E.T(fn("svec_left", v("C"))), gen(draw, NM, c), fn("svec_right", v("C"))),
                     fn("tr", E.mul(E.T(fn("polar", v("C"))), gen(draw, NM, c))))
    return p_spectrum(draw, sh, d)


def symmetric_matrix(draw: Draw, d: int) -> Expr:
    """A matrix symmetric by declaration (W) or by construction (G + G^T, G^T G)."""
    kind = draw(st.sampled_from(["W", "sum", "gram"]))
    if kind == "W":
        return v("W")
    g = gen(draw, NN if kind == "sum" else draw(st.sampled_from([NN, MN])), d)  # G^T G is n×n
    return E.add(g, E.T(g)) if kind == "sum" else E.mul(E.T(g), g)


def p_spectrum(draw: Draw, sh: Shape, d: int) -> Expr:
    """The spectra, all of them in one draw (a production drawn rarely still reaches each): eigmax,
    eigmin and a weighted sum of eigvals of a symmetric matrix, of svdvals of a square one; or
    the primitives their derivatives are written in (of W and A: constant unless by them)."""
    c = _sub(draw, d)
    if draw(st.booleans()):
        s = symmetric_matrix(draw, c)
        return E.add(fn("eigmax", s), E.neg(fn("eigmin", s)), E.mul(E.T(gen(draw, VN, c)), fn("eigvals", s)),
                     E.mul(E.T(gen(draw, VN, c)), fn("svdvals", gen(draw, NN, c))))
    g, w = gen(draw, NN, c), v("W")
    return E.add(fn("tr", E.mul(E.T(fn("eigvecs", w)), g, fn("eigvecs", w))),
                 E.mul(E.T(fn("eigvec_max", w)), g, fn("eigvec_min", w)),
                 fn("tr", E.mul(E.T(fn("svd_u", v("A"))), g, fn("svd_v", v("A")))))


def p_matrix_function(draw: Draw, sh: Shape, d: int) -> Expr:
    """expm of a bounded matrix, logm and sqrtm of one near the identity, and the primitives
    their derivatives are written in (applied to constants and a direction)."""
    kind = draw(st.sampled_from(["expm", "logm", "sqrtm", "expm_frechet", "logm_frechet", "sylvester"]))
    c = _sub(draw, d)
    if kind == "expm":
        return fn("expm", E.mul(E.const(Fraction(1, 2)), fn(draw(st.sampled_from(BOUNDED)), gen(draw, NN, c))))
    if kind in ("logm", "sqrtm"):
        return fn(kind, well_conditioned(draw, c))
    a = v(draw(st.sampled_from(["A", "B", "W"])))
    if kind == "sylvester":
        return fn("sylvester", a, v(draw(st.sampled_from(["A", "B", "W"]))), gen(draw, NN, c))
    return fn(kind, a, gen(draw, NN, c))


def p_kron_form(draw: Draw, sh: Shape, d: int) -> Expr:
    """A scalar read off the n²×n² Kronecker forms of expm's and logm's derivatives."""
    k = fn(draw(st.sampled_from(["expm_kron", "logm_kron"])), v(draw(st.sampled_from(["A", "B", "W"]))))
    return fn("sum", E.mul(k, E.vec(gen(draw, NN, _sub(draw, d)))))


def p_factorisation(draw: Draw, sh: Shape, d: int) -> Expr:
    """chol of a symmetric positive definite matrix (W, M^T M + I), pinv and adj of one away
    from singular, and tril_half, the primitive chol's derivative is written in."""
    kind = draw(st.sampled_from(["chol", "tril_half", "chol", "pinv", "adj", "tril_half"]))
    c = _sub(draw, d)
    if kind == "chol":
        if draw(st.booleans()):
            return fn("chol", v("W"))
        m = fn(draw(st.sampled_from(BOUNDED)), gen(draw, NN, c))
        return fn("chol", E.add(E.mul(E.T(m), m), E.eye(N_)))
    if kind == "tril_half":
        return fn("tril_half", gen(draw, NN, c))
    return fn(kind, well_conditioned(draw, c))


def p_pinv(draw: Draw, sh: Shape, d: int) -> Expr:
    """pinv of a full-rank n-by-m matrix (C, entries in (0.1, 0.9), moved by a tenth of a bounded one)."""
    bounded = fn(draw(st.sampled_from(BOUNDED)), gen(draw, NM, _sub(draw, d)))
    a = E.add(v("C"), E.mul(E.const(Fraction(1, 10)), bounded)) if draw(st.booleans()) else v("C")
    return fn("pinv", a)


def p_indicator(draw: Draw, sh: Shape, d: int) -> Expr:
    """ismax(u) .* v: where the largest (smallest) entry of u is."""
    c = _sub(draw, d)
    return E.had(fn(draw(st.sampled_from(["ismax", "ismin"])), gen(draw, sh, c)), gen(draw, sh, c))


def p_log_sqrt(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn(draw(st.sampled_from(["log", "sqrt"])), positive(draw, sh, _sub(draw, d)))


def p_broadcast(draw: Draw, sh: Shape, d: int) -> Expr:
    """A constant beside a vector or matrix in + or - (1 - y)."""
    c = E.const(draw(st.sampled_from(CONSTANTS)))
    e = gen(draw, sh, _sub(draw, d))
    return E.sub(c, e) if draw(st.booleans()) else E.add(e, c)


def p_transpose(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.T(gen(draw, _transposed(sh), _sub(draw, d)))


def p_trace(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn("tr", gen(draw, draw(st.sampled_from([NN, MM])), _sub(draw, d)))


def p_det(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn(draw(st.sampled_from(["det", "logdet"])), well_conditioned(draw, _sub(draw, d)))


def p_reduce(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn(draw(st.sampled_from(["sum", "norm", "mean"])), gen(draw, draw(st.sampled_from(NONSCALAR)),
                                                                  _sub(draw, d)))


def p_structure(draw: Draw, sh: Shape, d: int) -> Expr:
    """A scalar through kron, vec, unvec and the commutation matrix (their shapes are products
    of dimensions, which the other productions never make)."""
    c = _sub(draw, d)
    kind = draw(st.sampled_from(["sum kron", "vec vec", "vec K vec", "unvec", "size", "zeros"]))
    if kind == "sum kron":
        return fn("sum", E.kron(gen(draw, draw(st.sampled_from([NN, NM, VN])), c),
                                gen(draw, draw(st.sampled_from([MM, RM, VM])), c)))
    if kind == "vec vec":  # vec(X)^T vec(Y) = tr(X^T Y)
        return E.mul(E.T(fn("vec", gen(draw, NM, c))), fn("vec", gen(draw, NM, c)))
    if kind == "vec K vec":  # K vec(A) = vec(A^T)
        return E.mul(E.T(fn("vec", gen(draw, MN, c))), E.commutation(N_, M_), fn("vec", gen(draw, NM, c)))
    if kind == "unvec":
        col = E.kron(gen(draw, VM, c), gen(draw, VN, c))
        return fn("tr", E.mul(gen(draw, MN, c), E.unvec(col, NM)))
    if kind == "zeros":  # a zero matrix that no builder folds away: exp(zeros(n))^T x
        return E.mul(E.T(fn("exp", E.zeros(VN))), gen(draw, VN, c))
    return E.mul(E.size(N_), gen(draw, S, c))


def p_kron_outer(draw: Draw, sh: Shape, d: int) -> Expr:
    """kron of a column and a row is their outer product: a matrix of sh."""
    col, row = gen(draw, (sh[0], 1), _sub(draw, d)), gen(draw, (1, sh[1]), _sub(draw, d))
    return E.kron(col, row) if draw(st.booleans()) else E.kron(row, col)


def p_logsumexp_rows(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn("logsumexp", gen(draw, (sh[0], draw(st.sampled_from([N_, M_]))), _sub(draw, d)))


def p_logsumexp(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn("logsumexp", gen(draw, draw(st.sampled_from([VN, VM])), _sub(draw, d)))


def p_scalar_power(draw: Draw, sh: Shape, d: int) -> Expr:
    if draw(st.booleans()):
        return E.power(gen(draw, S, _sub(draw, d)), draw(st.sampled_from([Fraction(2), Fraction(3)])))
    k = draw(st.sampled_from([Fraction(-1), Fraction(1, 2), Fraction(-2), Fraction(3, 2)]))
    return E.power(positive(draw, S, _sub(draw, d)), k)


def p_softmax(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn("softmax", gen(draw, sh, _sub(draw, d)))


def p_diag_of_matrix(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn("diag", gen(draw, (sh[0], sh[0]), _sub(draw, d)))


def p_diag_of_vector(draw: Draw, sh: Shape, d: int) -> Expr:
    return fn("diag", gen(draw, (sh[0], 1), _sub(draw, d)))


def p_triangle(f: Expr, draw: Draw) -> Expr:
    """f, or a triangle of f (tril, triu): drawn by the structured property's strategy, which
    leaves the main strategy's derandomized stream (and the ops it reaches in CI) as it was."""
    if f.shape != NN or draw(st.integers(0, 2)) != 0:
        return f
    return fn(draw(st.sampled_from(["tril", "triu"])), f)


def p_inverse(draw: Draw, sh: Shape, d: int) -> Expr:
    return E.inv(well_conditioned(draw, _sub(draw, d)))


def p_matrix_power(draw: Draw, sh: Shape, d: int) -> Expr:
    k = draw(st.sampled_from([2, -2, 3, -1, -3]))
    base = well_conditioned(draw, _sub(draw, d))
    if k < -1 and draw(st.booleans()):
        return E.power(E.inv(base), -k)  # how the parser spells X^-2
    return E.power(base, k)  # pow with a negative exponent: the builders' spelling


def _productions(sh: Shape) -> dict[str, Production]:
    out: dict[str, Production] = {
        "leaf": p_leaf, "add": p_add, "sub": p_sub, "neg": p_neg, "scale": p_scale,
        "const_scale": p_const_scale, "hdiv": p_hdiv, "epow": p_epow, "function": p_function,
        "log_sqrt": p_log_sqrt, "smooth": p_smooth, "on_part": p_on_part,
        "variable_power": p_variable_power,
    }
    if sh != S:
        out.update({"matmul": p_matmul, "had": p_had, "broadcast": p_broadcast, "transpose": p_transpose,
                    "softmax": p_softmax, "indicator": p_indicator})
    else:
        out.update({"bilinear": p_matmul, "trace": p_trace, "det": p_det, "reduce": p_reduce,
                    "logsumexp": p_logsumexp, "power": p_scalar_power, "structure": p_structure,
                    "extreme": p_extreme, "kron_form": p_kron_form})
    if sh in (VN, VM):
        out.update({"diag": p_diag_of_matrix, "logsumexp_rows": p_logsumexp_rows})
    if sh[0] != 1 and sh[1] != 1:
        out["kron"] = p_kron_outer
    if sh in (NN, MM):
        out["diag"] = p_diag_of_vector
    if sh == NN:
        out.update({"inverse": p_inverse, "matrix_power": p_matrix_power, "matrix_function": p_matrix_function,
                    "factorisation": p_factorisation})
    if sh == MN:
        out["pinv"] = p_pinv
    return out


FUNCTION_SHAPES: tuple[Shape, ...] = (S, VN, VM, RN, NN, NM, MN)


@st.composite
def expressions(draw: Draw, shape: Shape | None = None) -> Expr:
    sh = shape if shape is not None else draw(st.sampled_from(FUNCTION_SHAPES))
    # Depth up to 5, mostly 4 or 5 (the leaves already make many trees small).
    return gen(draw, sh, draw(st.sampled_from([5, 4, 5, 3, 4, 5, 2, 1])))


def _class(sh: Shape) -> str:
    return "scalar" if sh == S else "vector" if 1 in sh else "matrix"


@st.composite
def derivative_cases(draw: Draw, shape: Shape | None = None) -> tuple[Expr, list[Expr], str]:
    """(f, wrt, layout): wrt one variable of f, or two for a second derivative of a
    scalar function of a scalar or vector (the Hessian when both are the same)."""
    f = draw(expressions(shape))
    names = sorted(E.free_vars(f))
    assume(names)
    # A class of variable first (scalar, vector, matrix), so that every cell of the
    # layout table is drawn about as often, whatever f is made of.
    classes = sorted({_class(VARIABLES[n]) for n in names})
    cls = draw(st.sampled_from(classes))
    x = v(draw(st.sampled_from([n for n in names if _class(VARIABLES[n]) == cls])))
    wrt = [x]
    if f.is_scalar and x.shape[1] == 1 and draw(st.integers(0, 3)) == 0:
        y_name = draw(st.sampled_from([x.name] + [n for n in names if n != x.name]))
        wrt.append(v(y_name))
    return f, wrt, draw(st.sampled_from(["numerator", "denominator"]))


# ------------------------------------------------------------------ helpers
def _point(seed: int) -> dict[str, Any]:
    return drawing.sample(VARIABLES, SYMMETRIC, np.random.default_rng(seed), SIZES)


def _value(e: Expr, values: dict[str, Any]) -> np.ndarray | None:
    """e at values, or None where it is not defined or not moderate."""
    try:
        with np.errstate(all="ignore"):
            out = numeric.evaluate(e, values, SIZES)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(out)) or (out.size and float(np.max(np.abs(out))) > 1e4):
        return None
    return out


def _skip_unless(condition: bool, why: str, stats: Counter[str]) -> None:
    if not condition:
        stats["skipped: " + why] += 1
    assume(condition)


def _evaluates(e: Expr, values: dict[str, Any]) -> np.ndarray | str:
    """e's value, or what went wrong (an ill-typed tree does not evaluate)."""
    try:
        with np.errstate(all="ignore"):
            return numeric.evaluate(e, values, SIZES)
    except (ValueError, np.linalg.LinAlgError) as err:
        return f"{plain.render(e)} does not evaluate: {err}"


def _numpy_problem(d: FinishedDerivative, values: dict[str, Any], got: np.ndarray) -> str | None:
    """The `--format numpy` line, evaluated with only np and the variables in scope (as
    ../shared/eval/harness.py does), must give the derivative's value: issue 13."""
    code = numpy_render.render(d.expr, VARIABLES)
    scope = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in values.items()}
    try:
        with np.errstate(all="ignore"):
            out = eval(code, {"np": np}, scope)  # noqa: S307 (the format's purpose)
    except Exception as err:  # noqa: BLE001 (any failure is the finding)
        return f"numpy output {code!r} does not evaluate: {type(err).__name__}: {err}"
    arr = np.asarray(out, dtype=float).reshape(np.shape(out) or (1, 1))
    if arr.shape != got.shape:
        return f"numpy output {code!r} has shape {arr.shape}, the derivative {got.shape}"
    if numeric.relative_error(arr, got) > EXACT_TOL:
        return f"numpy output {code!r} differs from the derivative"
    return None


def _shape_of(sh: Shape) -> tuple[int, int]:
    return drawing.size_of(sh[0], SIZES), drawing.size_of(sh[1], SIZES)


def _differentiate(f: Expr, wrt: list[Expr], layout: str) -> FinishedDerivative:
    return derivative_of(f, wrt, layout)


# An unsupported derivative is acceptable only in the cells that CONTRACT.md's table
# calls "(tensor)": a matrix by a vector or matrix, a vector by a matrix (matcalc
# writes many of them in vec/Kronecker form, but not all, e.g. not through diag()).
# In every other cell (anything by a scalar, a scalar by anything, the Jacobian of a
# vector by a vector, and so the Hessian) "unsupported" is a bug.
def _tensor_cell(f: Expr, wrt: list[Expr]) -> bool:
    if len(wrt) == 2:  # the second derivative is the first (a column or a scalar) by wrt[1]
        fc = numeric.kind(wrt[0].shape, variable=True)
    else:
        fc = _class(f.shape)
    xc = _class(wrt[-1].shape)
    return (fc == "matrix" and xc != "scalar") or (xc == "matrix" and fc != "scalar")


def _accepted_or_derivative(f: Expr, wrt: list[Expr], layout: str, stats: Counter[str]) -> FinishedDerivative | None:
    """The derivative, or None where matcalc refuses it acceptably (counted by _accepted)."""
    try:
        return _differentiate(f, wrt, layout)
    except MatcalcError as exc:
        if _accepted(exc, f, wrt, stats):
            return None
        raise


def _accepted(err: MatcalcError, f: Expr, wrt: list[Expr], stats: Counter[str]) -> bool:
    """Is this "unsupported" acceptable? Counted either way it is accepted."""
    if err.kind != "unsupported":
        return False
    if _tensor_cell(f, wrt):
        stats["unsupported (tensor cell): " + err.message] += 1
        event("unsupported (tensor cell)")
        return True
    if err.message in DOCUMENTED_LIMITS:
        stats["unsupported (documented): " + err.message] += 1
        event("unsupported (documented)")
        return True
    return False


# The derivatives of these primitives are not supported, and say so (README, Errors and limits):
# a second derivative of norm(X, 2) or nuclear(X), a derivative by the C inside svec_left(C).
DOCUMENTED_LIMITS = frozenset(OPS[name].no_derivative for name in ("svec_left", "svec_right", "polar", "expm_kron",
                                                                   "logm_kron", "eigvecs", "eigvec_max", "svd_u"))


def _second_fd(f: Expr, wrt: list[Expr], values: dict[str, Any], layout: str, hh: float) -> np.ndarray:
    """numeric_derivative's second differences with another step: a consistency check."""
    x, y = wrt
    f0 = numeric.evaluate(f, values, SIZES)
    x0 = np.asarray(values[x.name], dtype=float).reshape(_shape_of(x.shape))
    y0 = np.asarray(values[y.name], dtype=float).reshape(_shape_of(y.shape))
    xk, yk = numeric.kind(x.shape, variable=True), numeric.kind(y.shape, variable=True)

    def grad_at(val: np.ndarray) -> np.ndarray:
        vals = {**values, y.name: val}
        x_here = np.asarray(vals[x.name], dtype=float).reshape(x0.shape)
        jac = numeric.fd_jacobian(lambda w: numeric.evaluate(f, {**vals, x.name: w}, SIZES), x_here, hh)
        return numeric.arrange(jac, f0.shape, x0.shape, "denominator", "scalar", xk)  # type: ignore[arg-type]

    g0 = grad_at(y0)
    return numeric.arrange(numeric.fd_jacobian(grad_at, y0, hh), g0.shape, y0.shape, layout,  # type: ignore
                           xk, yk)


def _finite_differences(f: Expr, wrt: list[Expr], values: dict[str, Any], layout: str,
                        coarse: bool = False) -> np.ndarray:
    with np.errstate(all="ignore"):
        if len(wrt) == 2 and coarse:
            return _second_fd(f, wrt, values, layout, 1e-3)
        return numeric.numeric_derivative(f, wrt, values, SIZES, layout, h=1e-5 if coarse else 1e-6)


def _by_symmetric_matrix(f: Expr, wrt: list[Expr]) -> bool:
    """A derivative by a symmetric matrix W of anything but a scalar function (whose
    gradient within symmetric matrices numeric_derivative computes): a Jacobian by
    vec(W), or a second derivative. Such a J is not unique (J and J K, K the
    commutation matrix, agree on every symmetric dW), so finite differences of the
    entries of W one by one are no oracle for it."""
    y = wrt[-1]
    symmetric = y.info.symmetric and _class(y.shape) == "matrix"
    return symmetric and not (len(wrt) == 1 and f.is_scalar)


def _along_symmetric_directions(f: Expr, wrt: list[Expr], values: dict[str, Any], layout: str,
                                got: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(derivative applied to dW = S, central difference of the function along S),
    one column per symmetric basis matrix S = e_i e_j^T + e_j e_i^T."""
    y = wrt[-1]
    w0 = np.asarray(values[y.name], dtype=float)
    n = w0.shape[0]
    quantity_is_scalar = f.is_scalar and (len(wrt) == 1 or wrt[0].shape == S)

    def quantity(w: np.ndarray) -> np.ndarray:
        vals = {**values, y.name: w}
        if len(wrt) == 1:
            return numeric.evaluate(f, vals, SIZES).reshape(-1, order="F")
        x = wrt[0]
        x0 = np.asarray(vals[x.name], dtype=float).reshape(_shape_of(x.shape))
        f0 = numeric.evaluate(f, vals, SIZES)
        jac = numeric.fd_jacobian(lambda v: numeric.evaluate(f, {**vals, x.name: v}, SIZES), x0, 1e-5)
        first = numeric.arrange(jac, f0.shape, x0.shape, "denominator")  # type: ignore[arg-type]
        return first.reshape(-1, order="F")

    h = 1e-6 if len(wrt) == 1 else 1e-4
    applied, differences = [], []
    with np.errstate(all="ignore"):
        for i in range(n):
            for j in range(i, n):
                s_ij = np.zeros((n, n))
                s_ij[i, j] = s_ij[j, i] = 1.0
                if quantity_is_scalar:
                    applied.append(np.array([np.sum(got * s_ij)]))
                else:
                    jac = got if layout == "numerator" else got.T
                    applied.append(jac @ s_ij.reshape(-1, order="F"))
                differences.append((quantity(w0 + h * s_ij) - quantity(w0 - h * s_ij)) / (2 * h))
    return np.stack(applied, axis=1), np.stack(differences, axis=1)


def describe(f: Expr, wrt: list[Expr], layout: str) -> str:
    shapes = ", ".join(f"{n}: {s}" for n, s in VARIABLES.items())
    return (f"f = {plain.render(f)}\n  wrt {[w.name for w in wrt]}, {layout} layout; "
            f"shapes {shapes}; symmetric {sorted(SYMMETRIC)}")


FD_TOL = 1e-4      # finite differences vs the derivative (relative to max(1, |value|))
EXACT_TOL = 1e-8   # two spellings of one value (simplifier, plain round trip)


# ------------------------------------------------------------------ (a) derivatives
def check_derivative(case: tuple[Expr, list[Expr], str], seed: int, stats: Counter[str]) -> None:
    f, wrt, layout = case
    note(describe(f, wrt, layout))
    values = _point(seed)
    f0 = _value(f, values)
    _skip_unless(f0 is not None, "f not finite or too large", stats)
    d = _accepted_or_derivative(f, wrt, layout, stats)
    if d is None:
        return
    note(f"derivative ({d.kind}): {plain.render(d.expr)}")
    want = _finite_differences(f, wrt, values, layout)
    _skip_unless(bool(np.all(np.isfinite(want))) and float(np.max(np.abs(want), initial=0.0)) < 1e6,
                 "finite differences not finite or too large", stats)
    got = value = _evaluates(d.expr, values)
    problem = None
    if isinstance(got, str):
        problem = got
    elif _shape_of(d.shape) != got.shape:
        problem = f"the derivative says {d.shape} but evaluates to {got.shape}"
    elif got.shape != want.shape:
        problem = f"derivative is {got.shape}, finite differences {want.shape}"
    elif _by_symmetric_matrix(f, wrt):
        # Only its action on symmetric directions is defined: compare that.
        got, want = _along_symmetric_directions(f, wrt, values, layout, got)
        rel = numeric.relative_error(got, want)
        if rel > FD_TOL:
            problem = (f"along symmetric directions: relative error {rel:.3g}\n"
                       f" got  {got.tolist()}\n want {want.tolist()}")
    else:
        rel = numeric.relative_error(got, want)
        if rel > FD_TOL:
            # Is the point itself well conditioned? Two steps must agree with each other.
            other = _finite_differences(f, wrt, values, layout, coarse=True)
            _skip_unless(numeric.relative_error(other, want) < FD_TOL / 10, "finite differences unstable", stats)
            problem = f"relative error {rel:.3g}\n got  {got.tolist()}\n want {want.tolist()}"
    assert problem is None, problem
    assert isinstance(value, np.ndarray)
    problem = _numpy_problem(d, values, value)
    assert problem is None, problem
    stats["checked"] += 1
    stats["kind: " + d.kind + (" (2nd)" if len(wrt) == 2 else "")] += 1
    event(d.kind)


def _ops(e: Expr) -> set[str]:
    out = set()
    for n in E.walk(e):
        out.add(n.op)
        if n.op == "pow":
            out.add("pow(matrix)" if not n.is_scalar else "pow(scalar)")
            if not n.is_scalar and n.number < 0:
                out.add("pow(matrix, negative)")
        if n.op == "mul" and n.args[0].op == "const" and n.args[0].number == -1:
            out.add("neg")
    return out


# The calls of the registry the strategy builds (tests/test_registry.py checks that it builds them all).
STRATEGY_FUNCTIONS = ("tr", "det", "logdet", "sum", "norm", "diag", "softmax", "logsumexp", "exp", "log", "sqrt",
                      "sin", "cos", "tanh", "sigmoid", "softplus", "abs", "relu", "step", "sign", "mean", "kron",
                      "vec", "unvec", "commutation", "size", "inv", "eye", "ones", "zeros", *SMOOTH_ANY,
                      *ON_HALF, "log1p", "max", "min", "ismax", "ismin", "nuclear", "svec_left", "svec_right",
                      "polar", "expm", "logm", "sqrtm", "expm_frechet", "logm_frechet", "sylvester", "expm_kron",
                      "logm_kron", "eigvals", "eigmax", "eigmin", "svdvals", "eigvecs", "eigvec_max", "eigvec_min",
                      "svd_u", "svd_v", "chol", "tril_half", "pinv", "adj", "tril", "triu")

# Every kind of node the strategy must produce, and every function of the table
# that the input language offers (sign is internal: abs's derivative).
TRIANGLES = ("tril", "triu")  # built by the structured property (p_triangle), which requires them
REQUIRED_OPS = ({"var", "const", "eye", "ones", "add", "mul", "neg", "had", "hdiv", "T", "inv", "pow(scalar)",
                 "pow(matrix)", "pow(matrix, negative)", "epow", "bcast", "vpow", "normspec"}
                | set(STRATEGY_FUNCTIONS)) - set(TRIANGLES)


def _case_building(name: str) -> tuple[Expr, list[Expr], str]:
    """A case of the strategy whose tree has the production name: a derandomized search of its
    own, for a production the budget's stream happened not to reach (gelu once went unbuilt
    and was built on a rerun): the check is of the strategy's reach, not of one stream's luck."""
    search = settings(derandomize=True, database=None, max_examples=3000, deadline=None,
                      phases=[hypothesis.Phase.generate], suppress_health_check=list(HealthCheck))
    for shape in FUNCTION_SHAPES:
        try:
            return hypothesis.find(derivative_cases(shape), lambda c: name in _ops(c[0]), settings=search)
        except hypothesis.errors.NoSuchExample:
            continue
    raise AssertionError(f"the strategy never builds {name}")


def test_derivatives_match_finite_differences() -> None:
    stats: Counter[str] = Counter()
    ops: set[str] = set()

    def body(case: tuple[Expr, list[Expr], str], seed: int) -> None:
        ops.update(_ops(case[0]))
        check_derivative(case, seed, stats)

    for_each_shape("derivative", derivative_cases, body)
    print("\nproperty (a):", dict(sorted(stats.items())))
    unsupported = sum(c for k, c in stats.items() if "unsupported" in k)
    # Most examples must really be compared, not skipped or unsupported.
    assert stats["checked"] >= _budget("derivative") // 2, stats
    assert unsupported <= stats["checked"] // 4, stats
    if _budget("derivative") < _CI_EXAMPLES["derivative"]:
        return  # a quick run: too few examples to ask for everything below
    # The strategy's reach: every kind of node and function, every cell of the table.
    # (A call added to the registry lands here until the strategy learns it.)
    for name in sorted(REQUIRED_OPS - ops):  # built once on purpose, and its derivative checked
        case = _case_building(name)
        ops.update(_ops(case[0]))
        _settings(1)(given(st.just(case), st.just(0))(body))()
        print(f"property (a): {name} not in the stream, built by a search of its own")
    assert not REQUIRED_OPS - ops, f"the strategy never built {sorted(REQUIRED_OPS - ops)}"
    kinds = {k for k in stats if k.startswith("kind: ")}
    for kind in ("scalar-by-scalar", "scalar-by-vector", "scalar-by-matrix", "jacobian", "vector-by-scalar",
                 "matrix-by-scalar", "vector-by-matrix", "matrix-by-vector", "matrix-by-matrix"):
        assert "kind: " + kind in kinds, f"no {kind} derivative was checked: {sorted(kinds)}"
    assert any(k.endswith("(2nd)") for k in kinds), "no second derivative was checked"


# ------------------------------------------------------------------ (a') structured variables
# A random expression with one of its square variables (A or B) declared diagonal, lower,
# upper, symmetric, SPD or orthogonal at random (issue 20): its derivative by that variable,
# the gradient within the structure (a Jacobian J P, or a Hessian within it), against central
# differences along the structure's tangent space at points drawn from the structure.
MATRIX_STRUCTURES = tuple(s for s in Structure if s is not Structure.POSITIVE)


def _with_structure(e: Expr, name: str, structure: Structure) -> Expr:
    """e with the variable name declared structured, rebuilt through the builders (which use
    it: D^T = D, Q^-1 = Q^T)."""
    memo: dict[int, Expr] = {}
    for node in E.walk(e):
        if node.op == "var" and node.name == name:
            memo[id(node)] = E.var(name, node.shape, structure)
        else:
            memo[id(node)] = rebuild(node, [memo[id(a)] for a in node.args]) if node.args else node
    return memo[id(e)]


@st.composite
def structured_cases(draw: Draw) -> tuple[Expr, list[Expr], str]:
    structure = draw(st.sampled_from(MATRIX_STRUCTURES))
    f = p_triangle(draw(expressions(draw(st.sampled_from([S, S, VN, NN])))), draw)
    names = [n for n in ("A", "B") if n in E.free_vars(f)]
    assume(names)
    name = draw(st.sampled_from(names))
    f = _with_structure(f, name, structure)
    x = E.var(name, NN, structure)
    wrt = [x, x] if f.is_scalar and structure is not Structure.ORTHOGONAL and draw(st.integers(0, 4)) == 0 else [x]
    return f, wrt, draw(st.sampled_from(["numerator", "denominator"]))


def test_structured_derivatives_match_finite_differences() -> None:
    stats: Counter[str] = Counter()

    soak_seed = os.environ.get("MATCALC_SOAK_SEED", "").strip()

    @_settings(_STRUCTURED_EXAMPLES, derandomize=not soak_seed)
    @given(structured_cases(), st.integers(0, 2**16))
    def run(case: tuple[Expr, list[Expr], str], seed: int) -> None:
        f, wrt, layout = case
        x = wrt[0]
        stats.update(f"built {op}" for op in set(_ops(f)) & set(TRIANGLES))
        note(describe(f, wrt, layout) + f"; {x.name} {x.info.structure}")
        declared = declare([("W", Structure.SYMMETRIC), (x.name, x.info.structure)])
        values = drawing.sample(VARIABLES, declared, np.random.default_rng(seed), SIZES)
        _skip_unless(_value(f, values) is not None, "f not finite or too large", stats)
        d = _accepted_or_derivative(f, wrt, layout, stats)
        if d is None:
            return
        got = _evaluates(d.expr, values)
        assert not isinstance(got, str), got
        # the spectra's derivatives hold where the values are simple: an orthogonal matrix's
        # singular values are all 1, a structured point may repeat them (NaN, never a number)
        _skip_unless(bool(np.all(np.isfinite(got))) or not set(_ops(f)) & SPECTRA,
                     "a repeated singular value or eigenvalue at a point of the structure", stats)
        want = _finite_differences(f, wrt, values, layout)
        _skip_unless(bool(np.all(np.isfinite(want))) and float(np.max(np.abs(want), initial=0.0)) < 1e6,
                     "finite differences not finite or too large", stats)
        rel = numeric.relative_error(got, want)
        if rel > FD_TOL:
            other = numeric.numeric_derivative(f, wrt, values, SIZES, layout, h=1e-5 if len(wrt) == 1 else 1e-3)
            _skip_unless(numeric.relative_error(other, want) < FD_TOL / 10, "finite differences unstable", stats)
        assert rel <= FD_TOL, f"relative error {rel:.3g}\n got  {got.tolist()}\n want {want.tolist()}"
        stats["checked"] += 1
        stats[f"{x.info.structure.value}: {d.kind}" + (" (2nd)" if len(wrt) == 2 else "")] += 1

    if soak_seed:  # another stream than CI's, as for_each_shape's
        run = hypothesis.seed(int(soak_seed) * 100 + 99)(run)
    run()
    print("\nproperty (a'):", dict(sorted(stats.items())))
    assert stats["checked"] >= _STRUCTURED_EXAMPLES // 2, stats
    assert all(stats[f"built {op}"] for op in TRIANGLES), stats
    assert {k.split(":")[0] for k in stats if ":" in k and not k.startswith("skipped")} >= \
        {s.value for s in MATRIX_STRUCTURES}, stats


SPECTRA = {"svdvals", "eigvals", "eigmax", "eigmin", "normspec", "nuclear"}
_STRUCTURED_EXAMPLES = int(os.environ.get("MATCALC_SOAK_EXAMPLES", "").strip() or 150)


# ------------------------------------------------------------------ (b) the simplifier
def check_simplify(e: Expr, seed: int, stats: Counter[str]) -> None:
    note(f"e = {plain.render(e)}")
    values = _point(seed)
    before = _value(e, values)
    _skip_unless(before is not None, "e not finite or too large", stats)
    assert before is not None
    s = simplify(e)
    note(f"simplified: {plain.render(s)}")
    after = _evaluates(s, values)
    problem = None
    if isinstance(after, str):
        problem = after
    elif s.shape != e.shape or after.shape != before.shape:
        problem = f"shape {e.shape} became {s.shape} (evaluates to {after.shape})"
    else:
        err = numeric.relative_error(after, before)
        if err > EXACT_TOL:
            problem = f"relative error {err:.3g}\n before {before.tolist()}\n after  {after.tolist()}"
    assert problem is None, problem


def test_simplifier_never_changes_a_value() -> None:
    stats: Counter[str] = Counter()

    def body(e: Expr, seed: int) -> None:
        check_simplify(e, seed, stats)
        stats["checked"] += 1

    for_each_shape("simplify", expressions, body)
    print("\nproperty (b):", dict(sorted(stats.items())))
    assert stats["checked"] >= _budget("simplify") // 2, stats


# ------------------------------------------------------------------ (c) plain output
def read_back(text: str) -> Expr:
    """Plain text typed with the same variable shapes, as `matcalc diff --shape ...` would."""
    return infer(parse(text), dict(VARIABLES), SYMMETRIC).expr


def check_plain_round_trip(case: tuple[Expr, list[Expr], str], seed: int, stats: Counter[str],
                           render: Callable[[Expr], str] = plain.render) -> None:
    """render's spelling (plain, or pretty's Unicode) reads back to the same tree."""
    f, wrt, layout = case
    note(describe(f, wrt, layout))
    values = _point(seed)
    # The input itself is in the language: its plain spelling reads back to the same value.
    f0 = _value(f, values)
    _skip_unless(f0 is not None, "f not finite or too large", stats)
    assert f0 is not None
    f_again = _value(read_back(render(f)), values)
    assert f_again is not None and numeric.relative_error(f_again, f0) <= EXACT_TOL
    d = _accepted_or_derivative(f, wrt, layout, stats)
    if d is None:
        return
    text = render(d.expr)
    note(f"printed: {text}")
    assert "\n" not in text
    written = [n.number for n in E.walk(d.expr) if n.op in ("const", "pow", "epow") and isinstance(n.number, E.Written)]
    if written:  # counted: how often the numbers as written were tried
        stats["with a number as written" + (", two side by side" if any(len(w.parts) > 1 for w in written)
                                            else "")] += 1
    try:
        parsed = read_back(text)
    except MatcalcError as err:
        raise AssertionError(f"output {text!r} does not read back: {err}") from err
    if parsed == d.expr:
        stats["equal as parsed"] += 1
        return
    # The derivative is simplified, the parser only does the builders' bookkeeping
    # (folding constants, dropping zeros): simplified, the tree read back must be
    # the derivative's tree.
    again = simplify(parsed)
    if again == d.expr:
        stats["equal after simplify"] += 1
        return
    # Otherwise it must at least mean the same: same shape, same value.
    got, want = _evaluates(again, values), _evaluates(d.expr, values)
    problem = None
    if isinstance(got, str) or isinstance(want, str):
        problem = got if isinstance(got, str) else want
    elif parsed.shape != d.expr.shape or got.shape != want.shape:
        problem = f"reads back as {plain.render(again)}: {parsed.shape}, derivative is {d.expr.shape}"
    elif numeric.relative_error(got, want) > EXACT_TOL:
        problem = f"reads back as {plain.render(again)}, a different value"
    assert problem is None, problem
    # The same value but not the same tree. One good reason: the strategy also
    # builds X^-k as pow(X, -k), a spelling the parser never makes (it reads X^-2
    # as (X^-1)^2), and a derivative that keeps it reads back in the parser's
    # spelling. Not a defect of matcalc's (no input text leads there): counted apart.
    if simplify(_parser_spelling(d.expr)) == again or _parser_spelling(d.expr) == parsed:
        stats["equal up to the spelling of X^-k"] += 1
        return
    # Another: a number the derivative computed (3/2) prints as a decimal (1.5) and reads back
    # as a number written so, which is another node (it prints as written): the same tree
    # once every number is a plain Fraction.
    if numbers_as_fractions(_parser_spelling(d.expr)) in (numbers_as_fractions(parsed), numbers_as_fractions(again)):
        stats["equal up to the spelling of a number"] += 1
        return
    raise AssertionError(f"{text!r} reads back as {plain.render(again)!r}: the same value, another tree")


def numbers_as_fractions(e: Expr) -> Expr:
    """e with every number as written (expr.Written, 0.5) replaced by its plain Fraction (1/2)."""
    out: dict[int, Expr] = {}
    for n in E.walk(e):
        p = n.param
        param = NumberParam(Fraction(p.value)) if isinstance(p, NumberParam) and p.written is not None else p
        out[id(n)] = E.Expr(n.op, tuple(out[id(a)] for a in n.args), n.shape, param)
    return out[id(e)]


def _parser_spelling(e: Expr) -> Expr:
    """pow(X, -k) of a matrix spelled as the parser spells X^-k: (X^-1)^k."""
    out: dict[int, Expr] = {}
    for n in E.walk(e):
        args = [out[id(a)] for a in n.args]
        if n.op == "pow" and not n.is_scalar and isinstance(n.number, Fraction) and n.number < 0:
            out[id(n)] = E.power(E.inv(args[0]), -n.number)
        else:
            out[id(n)] = rebuild(n, args) if args else n
    return out[id(e)]


def test_plain_output_parses_back() -> None:
    stats: Counter[str] = Counter()

    for_each_shape("plain", derivative_cases, lambda case, seed: check_plain_round_trip(case, seed, stats))
    print("\nproperty (c):", dict(sorted(stats.items())))
    assert stats["equal as parsed"] + stats["equal after simplify"] >= _budget("plain") // 2, stats


def test_pretty_output_parses_back() -> None:
    """CONTRACT.md: whatever the pretty format prints (ᵀ ⁻¹ ⁻ᵀ ² ^∘ ⊙ ⊘ ⊗) parses back."""
    from matcalc_cli.render.pretty import render_expr

    stats: Counter[str] = Counter()
    for_each_shape("pretty", derivative_cases,
                   lambda case, seed: check_plain_round_trip(case, seed, stats, render_expr))
    print("\nproperty (c, pretty):", dict(sorted(stats.items())))
    assert stats["equal as parsed"] + stats["equal after simplify"] >= _budget("pretty") // 2, stats


def for_each_shape(prop: str, cases: Callable[[Shape], st.SearchStrategy[Any]],
                   body: Callable[[Any, int], None]) -> None:
    """Run body on the property's budget, split evenly over the shapes of f: the
    generator alone would draw some shapes (and so some derivative kinds) rarely."""
    examples = max(1, -(-_budget(prop) // len(FUNCTION_SHAPES)))
    soak_seed = os.environ.get("MATCALC_SOAK_SEED", "").strip()
    for i, shape in enumerate(FUNCTION_SHAPES):

        @_settings(examples, derandomize=not soak_seed)
        @given(cases(shape), st.integers(0, 2**16))
        def run(case: Any, seed: int) -> None:
            body(case, seed)

        if soak_seed:  # another stream of examples than CI's (still reproducible)
            run = hypothesis.seed(int(soak_seed) * 100 + i)(run)
        run()


@pytest.mark.parametrize("shape", FUNCTION_SHAPES)
def test_strategy_builds_well_typed_trees(shape: Shape) -> None:
    """The strategy's own contract: the requested shape, and only known variables."""

    @settings(derandomize=True, database=None, max_examples=10, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(expressions(shape))
    def run(e: Expr) -> None:
        assert e.shape == shape
        for name, node in E.free_vars(e).items():
            assert node.shape == VARIABLES[name]
        assert numeric.evaluate(e, _point(0), SIZES).shape == _shape_of(shape)

    run()
