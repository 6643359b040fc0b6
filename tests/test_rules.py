"""The registry's differentials against finite differences: every operation of ops.OPS that
has a differential, several kinds of derivative each, both layouts.

EXAMPLES maps every such operation to expressions whose differentiation applies its rule
(checked by spying on the registry). An operation added without an example here makes
test_every_rule_has_an_example fail, so no rule escapes the finite-difference check.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import pytest
from helpers import check_numeric

from matcalc_cli import expr as E
from matcalc_cli.ops import OPS

RULES = sorted(name for name, op in OPS.items() if op.differential is not None)

LAYOUTS = ("numerator", "denominator")
T_SCALAR = ("t=scalar",)


class Ex(NamedTuple):
    source: str
    wrt: str
    shapes: tuple[str, ...] = ()
    symmetric: tuple[str, ...] = ()


# The argument of each elementwise function, chosen so that it is defined and smooth at
# drawing.sample's points (entries in (0.1, 0.9), square matrices near the identity).
ELEMENTWISE = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "abs", "tan", "sinh", "cosh",
               "arcsin", "arccos", "arctan", "log1p", "expm1", "erf", "normcdf", "normpdf", "gelu", "silu")
_ARG = {"vec": "A x", "mat": "X", "tvec": "t a", "t": "t"}
_ABS_ARG = {"vec": "A x - 1", "mat": "X - 0.5", "tvec": "t a - 0.5", "t": "t - 0.5"}  # both signs
# arcsin and arccos are differentiable on (-1, 1) only: arguments that stay inside it
_UNIT_ARG = {"vec": "tanh(A x) / 2", "mat": "X / 2", "tvec": "t a / 2", "t": "t / 2"}
_ARGS = {"abs": _ABS_ARG, "arcsin": _UNIT_ARG, "arccos": _UNIT_ARG, "erf": _ABS_ARG, "gelu": _ABS_ARG,
         "silu": _ABS_ARG, "normpdf": _ABS_ARG, "arctan": _ABS_ARG, "sinh": _ABS_ARG, "tan": _ABS_ARG}


def elementwise_examples(f: str) -> dict[str, Ex]:
    """One example per kind of derivative for an elementwise function."""
    u = _ARGS.get(f, _ARG)
    return {
        "scalar-by-vector": Ex(f"sum({f}({u['vec']}))", "x"),
        "jacobian": Ex(f"{f}({u['vec']})", "x"),
        "scalar-by-matrix": Ex(f"sum({f}({u['mat']}))", "X", ("X=n,m",)),
        "matrix-by-matrix": Ex(f"{f}({u['mat']})", "X", ("X=n,m",)),
        "vector-by-scalar": Ex(f"{f}({u['tvec']})", "t", T_SCALAR),
        "scalar-by-scalar": Ex(f"{f}({u['t']})", "t", T_SCALAR),
        "chain": Ex(f"y^T {f}(W {u['vec'].replace('A x', 'x')})", "W") if u is _ARG
        else Ex(f"y^T {f}(W x - 1)", "W") if u is _ABS_ARG else Ex(f"y^T {f}(tanh(W x) / 2)", "W"),
    }


# Bugs found by these examples: (function, kind) -> what goes wrong. They stay in the
# elementwise test below as strict xfails and out of EXAMPLES, which must pass.
KNOWN_BUGS: dict[tuple[str, str], str] = {}

EXAMPLES: dict[str, list[Ex]] = {
    "add": [
        Ex("a^T x + x^T B x", "x"),
        Ex("tr(A X) + sum(X)", "X"),
        Ex("A x + B x", "x"),
        Ex("t A + B", "t", T_SCALAR),
    ],
    "mul": [
        Ex("x^T A x", "x"),
        Ex("a^T X b", "X"),
        Ex("A B x", "x"),
        Ex("t^2 x", "t", T_SCALAR),
        Ex("A X B", "X"),
        Ex("(a^T x) (b^T x)", "x"),
    ],
    "had": [
        Ex("sum(x .* y .* x)", "x"),
        Ex("x .* y", "x"),
        Ex("sum(X .* A .* X)", "X"),
        Ex("(t a) .* b", "t", T_SCALAR),
        Ex("X .* A", "X"),
    ],
    "hdiv": [
        Ex("sum(x ./ y)", "y"),
        Ex("x ./ y", "x"),
        Ex("y ./ x", "x"),
        Ex("sum(A ./ X)", "X"),
        Ex("a ./ (t b)", "t", T_SCALAR),
    ],
    "T": [
        Ex("a^T x", "x"),
        Ex("tr(X^T A)", "X"),
        Ex("(A x)^T B", "x"),
        Ex("(t A)^T", "t", T_SCALAR),
        Ex("X^T", "X"),
    ],
    "inv": [
        Ex("a^T X^-1 b", "X"),
        Ex("inv(A + t B)", "t", T_SCALAR),
        Ex("a^T inv(A + diag(x)) b", "x"),
        Ex("inv(A + diag(x)) b", "x"),
        Ex("X^-1", "X"),
        Ex("a^T X^-T b", "X"),
    ],
    "pow": [
        Ex("tr(X^3)", "X"),
        Ex("(x^T x)^2", "x"),
        Ex("t^3", "t", T_SCALAR),
        Ex("(A + t B)^2", "t", T_SCALAR),
        Ex("a^T X^-2 b", "X"),
        Ex("X^2", "X"),
        Ex("norm(x)^-1", "x"),
        Ex("(a^T x)^2 b", "x"),
    ],
    "epow": [
        Ex("sum(x.^3)", "x"),
        Ex("x.^2", "x"),
        Ex("sum(X.^-1)", "X"),
        Ex("(t a).^2", "t", T_SCALAR),
        Ex("sum(x.^0.5)", "x"),
    ],
    "vpow": [
        Ex("sum(x.^t)", "t", T_SCALAR),
        Ex("sum(x.^t)", "x", T_SCALAR),
        Ex("sum(x.^y)", "y"),
        Ex("x.^y", "x"),
        Ex("a^t", "t", ("a=scalar", "t=scalar")),
        Ex("t^t", "t", T_SCALAR),
        Ex("X.^t", "X", T_SCALAR),
        Ex("t.^x", "x", T_SCALAR),
    ],
    "bcast": [
        Ex("1 - y", "y"),  # the broadcast constant itself has no differential ...
        Ex("sum(log(1 - y))", "y"),
        Ex("sum(t ./ x)", "t", T_SCALAR),  # ... a scalar beside ./ is broadcast and has one
        Ex("t ./ x", "t", T_SCALAR),
        Ex("(a^T x) ./ y", "x"),
        Ex("sum((a^T X b) ./ Y)", "X"),
    ],
    "tr": [
        Ex("tr(A X)", "X"),
        Ex("tr(X^T X)", "X"),
        Ex("tr(A + t B)", "t", T_SCALAR),
        Ex("tr(diag(x) A)", "x"),
        Ex("tr(X) a", "X"),
    ],
    "det": [
        Ex("det(X)", "X"),
        Ex("det(A + t B)", "t", T_SCALAR),
        Ex("det(A + x b^T)", "x"),
        Ex("det(X) b", "X"),
    ],
    "logdet": [
        Ex("logdet(X)", "X"),
        Ex("logdet(A + t B)", "t", T_SCALAR),
        Ex("logdet(X^T X)", "X", ("X=4,2",)),
        Ex("logdet(A + x x^T)", "x"),
        Ex("logdet(W)", "W", (), ("W",)),
    ],
    "sum": [
        Ex("sum(x)", "x"),
        Ex("sum(X)", "X"),
        Ex("sum(t a)", "t", T_SCALAR),
        Ex("sum(A x) b", "x"),
        Ex("sum(exp(X))", "X"),
        Ex("sum(X, 1) w", "w"),  # along a dimension: a product with ones
        Ex("sum(X, 2)", "X"),
        Ex("norm(A x - b, 1)", "x"),
    ],
    "norm": [
        Ex("norm(x)", "x"),
        Ex("norm(X)", "X"),
        Ex("norm(A x - b)", "x"),
        Ex("norm(t a)", "t", T_SCALAR),
        Ex("norm(x) x", "x"),
        Ex("norm(A X B)", "X"),
        Ex("norm(X w - y)^2", "w"),
    ],
    "tril": [
        Ex("tr(A tril(X))", "X"),
        Ex("tril(X) a", "X"),
        Ex("sum(tril(x x^T))", "x"),
    ],
    "triu": [
        Ex("tr(A triu(X B))", "X"),
        Ex("triu(t A)", "t", T_SCALAR),
    ],
    "diag": [
        Ex("a^T diag(x) b", "x"),
        Ex("diag(x) b", "x"),
        Ex("sum(diag(X))", "X"),
        Ex("diag(t a)", "t", T_SCALAR),
        Ex("a^T diag(X)", "X"),
    ],
    "softmax": [
        Ex("y^T softmax(x)", "x"),
        Ex("softmax(x)", "x"),
        Ex("y^T softmax(W x)", "W"),
        Ex("softmax(t a)", "t", T_SCALAR),
        Ex("sum(softmax(X, 1) .* Y)", "X"),  # down the columns
        Ex("softmax(X, 2) w", "X"),
        Ex("softmax(x, 1)", "x"),
    ],
    "logsumexp": [
        Ex("logsumexp(x)", "x"),
        Ex("logsumexp(W x)", "W"),
        Ex("logsumexp(t a)", "t", T_SCALAR),
        Ex("logsumexp(x) b", "x"),
        Ex("logsumexp(X, 1) w", "X"),
        Ex("logsumexp(X, 2)", "X"),
    ],
    "relu": [
        Ex("sum(relu(A x - 1))", "x"),
        Ex("relu(A x - 1)", "x"),
        Ex("y^T relu(W x - 1)", "W"),
        Ex("relu(t a - 0.5)", "t", T_SCALAR),
        Ex("norm(W2 relu(W1 x + b1) + b2 - y)^2", "b1"),
    ],
    "step": [
        Ex("sum(step(x - 0.5) .* x)", "x"),
        Ex("step(t - 0.5) t", "t", T_SCALAR),
        Ex("sum(step(X - 0.5) .* X)", "X"),
    ],
    "mean": [
        Ex("mean(x)", "x"),
        Ex("mean(X)", "X"),
        Ex("mean(t a)", "t", T_SCALAR),
        Ex("x - mean(x)", "x"),
        Ex("mean((x - mean(x)).^2)", "x"),
        Ex("mean(X, 1) w", "X"),
        Ex("mean(X, 2)", "X"),
    ],
    "kron": [
        Ex("kron(A, B)", "A"),
        Ex("sum(kron(A, B))", "B"),
        Ex("sum(kron(X, Y) .* kron(X, Y))", "X"),
        Ex("kron(a, b)", "a"),
        Ex("kron(t A, B)", "t", T_SCALAR),
        Ex("y^T kron(a, x)", "x"),
    ],
    "vec": [
        Ex("a^T vec(X)", "X"),
        Ex("vec(X)", "X"),
        Ex("vec(A X B)", "X"),
        Ex("vec(t A)", "t", T_SCALAR),
        Ex("norm(vec(X x^T))^2", "x", ("x=scalar",)),  # x^T never makes x a scalar by inference
    ],
    "unvec": [
        Ex("tr(A unvec(v, n, n))", "v"),
        Ex("unvec(kron(a, b), m, n)", "a", ("a=n", "b=m")),
        Ex("sum(unvec(t kron(a, b), m, n))", "t", ("a=n", "b=m", "t=scalar")),
    ],
    "max": [
        Ex("max(x)", "x"),
        Ex("max(A x - b)", "x"),
        Ex("max(X)", "X"),
        Ex("max(t a)", "t", T_SCALAR),
        Ex("norm(x - b, inf)", "x"),
    ],
    "min": [
        Ex("min(x)", "x"),
        Ex("min(X .* A)", "X"),
        Ex("min(t a)", "t", T_SCALAR),
    ],
    "ismax": [
        Ex("ismax(a)^T x", "x"),  # ismax of a constant: its value is read through
        Ex("sum(ismax(x) .* x)", "x"),
        Ex("sum(ismax(X) .* X)", "X"),
    ],
    "ismin": [
        Ex("ismin(a)^T x", "x"),
        Ex("sum(ismin(x) .* x)", "x"),
        Ex("sum(ismin(X) .* X)", "X"),
    ],
    "normspec": [
        Ex("norm(X, 2)", "X"),
        Ex("norm(A X B, 2)", "X"),
        Ex("norm(A + t B, 2)", "t", T_SCALAR),
        Ex("norm(X, 2) a", "X"),
    ],
    "nuclear": [
        Ex("nuclear(X)", "X", ("X=4,3",)),
        Ex("nuclear(A X)", "X", ("A=3,3", "X=3,2")),
        Ex("nuclear(A + t B)", "t", T_SCALAR),
    ],
    "eigvals": [
        Ex("w^T eigvals(X)", "X", (), ("X",)),
        Ex("w^T eigvals(X^T X)", "X"),  # symmetric by construction
        Ex("eigvals(X)", "X", ("X=3,3",), ("X",)),
        Ex("eigvals(A + t B)", "t", T_SCALAR, ("A", "B")),
    ],
    "eigmax": [
        Ex("eigmax(X)", "X", (), ("X",)),
        Ex("eigmax(X^T X)", "X"),
        Ex("eigmax(A + t B)", "t", T_SCALAR, ("A", "B")),
        Ex("eigmax(x x^T + A)", "x", (), ("A",)),
    ],
    "eigmin": [
        Ex("eigmin(X)", "X", (), ("X",)),
        Ex("eigmin(X + X^T)", "X"),
        Ex("eigmin(A + t B)", "t", T_SCALAR, ("A", "B")),
    ],
    "svdvals": [
        Ex("w^T svdvals(X)", "X", ("X=4,3",)),
        Ex("sum(svdvals(X))", "X", ("X=n,n",)),
        Ex("svdvals(X)", "X", ("X=2,3",)),
        Ex("svdvals(A + t B)", "t", ("t=scalar", "A=3,5", "B=3,5")),
    ],
    "expm": [
        Ex("tr(expm(X))", "X"),
        Ex("a^T expm(X) b", "X"),
        Ex("a^T expm(t A) b", "t", T_SCALAR),
        Ex("expm(X)", "X"),
        Ex("expm(A + t B)", "t", T_SCALAR),
    ],
    "logm": [
        Ex("tr(logm(X))", "X"),
        Ex("a^T logm(X) b", "X"),
        Ex("logm(A + t B)", "t", T_SCALAR),
        Ex("logm(X)", "X"),
    ],
    "sqrtm": [
        Ex("tr(sqrtm(X))", "X"),
        Ex("a^T sqrtm(X) b", "X"),
        Ex("sqrtm(A + t B)", "t", T_SCALAR),
        Ex("sqrtm(X)", "X"),
    ],
    "expm_frechet": [  # linear in its direction
        Ex("tr(expm_frechet(A, X) B)", "X"),
        Ex("expm_frechet(A, X)", "X"),
        Ex("expm_frechet(A, t B)", "t", T_SCALAR),
    ],
    "logm_frechet": [
        Ex("tr(logm_frechet(A, X) B)", "X"),
        Ex("logm_frechet(A, X)", "X"),
        Ex("logm_frechet(A, t B)", "t", T_SCALAR),
    ],
    "sylvester": [
        Ex("tr(sylvester(A, B, X) C)", "X"),
        Ex("sylvester(A, B, X)", "X"),
        Ex("sylvester(A, B, t C)", "t", T_SCALAR),
    ],
    "chol": [  # a symmetric argument, positive definite at the points drawn
        Ex("2 sum(log(diag(chol(X))))", "X", (), ("X",)),
        Ex("a^T chol(X) b", "X", (), ("X",)),
        Ex("chol(X)", "X", (), ("X",)),
        Ex("chol(A + t B)", "t", T_SCALAR, ("A", "B")),
        Ex("sum(chol(X^T X + eye(m)))", "X"),
    ],
    "tril_half": [  # linear, its own adjoint
        Ex("tr(tril_half(X) A)", "X"),
        Ex("tril_half(X)", "X"),
        Ex("tril_half(t A)", "t", T_SCALAR),
    ],
    "pinv": [  # full rank at the points drawn
        Ex("tr(pinv(X) A)", "X", ("X=n,m",)),
        Ex("pinv(X)", "X", ("X=n,m",)),
        Ex("x^T pinv(X) y", "X"),
        Ex("pinv(x) y", "x"),
        Ex("pinv(A + t B)", "t", T_SCALAR),
    ],
    "adj": [  # invertible at the points drawn
        Ex("sum(adj(X))", "X"),
        Ex("a^T adj(X) b", "X"),
        Ex("adj(X)", "X"),
        Ex("adj(A + t B)", "t", T_SCALAR),
    ],
    "sign": [
        Ex("sum(sign(x - 0.5) .* x)", "x"),
        Ex("sign(t - 0.5) t", "t", T_SCALAR),
        Ex("sum(sign(X - 0.5) .* X)", "X"),
    ],
    **{f: [ex for kind, ex in elementwise_examples(f).items() if (f, kind) not in KNOWN_BUGS]
       for f in ELEMENTWISE},
}

# Kinds of derivative the whole table must be checked in.
REQUIRED_KINDS = {"scalar-by-vector", "scalar-by-matrix", "jacobian", "vector-by-scalar",
                  "matrix-by-scalar", "scalar-by-scalar"}


def spy_on(monkeypatch, op: str) -> list:
    """Record every application of OPS[op].differential (derive looks rules up in OPS)."""
    calls: list = []
    original = OPS[op].differential

    def spy(node, d):
        calls.append(node)
        return original(node, d)

    monkeypatch.setitem(OPS, op, dataclasses.replace(OPS[op], differential=spy))
    return calls


@pytest.mark.parametrize("op", RULES)
def test_every_rule_has_an_example(op):
    assert op in EXAMPLES, f"OPS[{op!r}].differential has no example in tests/test_rules.py: add one"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", RULES)
def test_rule_against_finite_differences(op, layout, monkeypatch):
    assert op in EXAMPLES, f"no example for OPS[{op!r}]"
    calls = spy_on(monkeypatch, op)
    kinds = set()
    for ex in EXAMPLES[op]:
        report = check_numeric(ex.source, ex.wrt, ex.shapes, ex.symmetric, layout)
        kinds.add(report.derivative.kind)
    assert calls, f"no example of {op!r} applies its differential"
    assert len(kinds) >= 2, f"{op!r} is checked for one kind of derivative only: {kinds}"


def test_the_table_is_checked_in_every_kind_of_derivative():
    from matcalc_cli.report import differentiate

    kinds = {differentiate(ex.source, [ex.wrt], list(ex.shapes), list(ex.symmetric)).derivative.kind
             for examples in EXAMPLES.values() for ex in examples}
    assert REQUIRED_KINDS <= kinds, REQUIRED_KINDS - kinds


def _elementwise_params():
    for f in ELEMENTWISE:
        for kind in elementwise_examples(f):
            bug = KNOWN_BUGS.get((f, kind))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            yield pytest.param(f, kind, marks=marks, id=f"{f}-{kind}")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("f, kind", list(_elementwise_params()))
def test_elementwise_function_in_every_kind(f, kind, layout, monkeypatch):
    calls = spy_on(monkeypatch, f)
    ex = elementwise_examples(f)[kind]
    report = check_numeric(ex.source, ex.wrt, ex.shapes, ex.symmetric, layout)
    assert calls
    if kind != "chain":
        assert report.derivative.kind == kind


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("source, wrt, shapes", [
    # A rule applied twice: second derivatives run the table on derivatives.
    ("x^T A x", ["x", "x"], ()),
    ("sum(exp(A x))", ["x", "x"], ()),
    ("logsumexp(x)", ["x", "x"], ()),
    ("sum(softplus(X w))", ["w", "w"], ()),
    ("norm(x)", ["x", "x"], ()),
    ("sum(log(x))", ["x", "x"], ()),
    ("sum(sqrt(x) .* sin(x))", ["x", "x"], ()),
    ("sum(tanh(x) ./ (1 + x.^2))", ["x", "x"], ()),
    ("x^T A y", ["x", "y"], ()),
    ("t^2 x^T x", ["t", "t"], T_SCALAR),
    ("logdet(A + t B)", ["t", "t"], T_SCALAR),
])
def test_second_derivatives(source, wrt, shapes, layout):
    report = check_numeric(source, wrt, shapes, layout=layout, tol=1e-4)
    assert report.derivative.kind in ("hessian", "mixed second derivative")


@pytest.mark.parametrize("op, wrong, example", [
    ("exp", lambda node, d: d[0], Ex("sum(exp(x))", "x")),  # forgets the chain factor exp(x)
    ("inv", lambda node, d: E.mul(node, d[0], node), Ex("a^T X^-1 b", "X")),  # forgets the minus sign
    ("pow", lambda node, d: E.mul(E.const(2), d[0]), Ex("(x^T x)^2", "x")),  # forgets the base
])
def test_the_oracle_catches_a_wrong_rule(op, wrong, example, monkeypatch):
    """The finite-difference check has teeth: a deliberately wrong rule fails it."""
    monkeypatch.setitem(OPS, op, dataclasses.replace(OPS[op], differential=wrong))
    with pytest.raises(AssertionError, match="relative error"):
        check_numeric(example.source, example.wrt, example.shapes, example.symmetric)
