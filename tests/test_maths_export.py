"""The operations of issue 25 (elementwise tan ... silu, variable exponents, reductions along a
dimension, norms, matrix functions, factorisations and spectra) exported as python, torch and
jax functions: each runs on random inputs and agrees with central finite differences of the
original expression, in both layouts."""

from __future__ import annotations

import pytest
from test_codegen import _skip_without, run_against_differences

from matcalc_cli.report import differentiate

# (source, wrt, shapes, symmetric)
CASES: list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    ("sum(tan(x / 2) + sinh(x) + cosh(x) + arctan(x))", ("x",), (), ()),
    ("sum(arcsin(tanh(W x) / 2) .* arccos(tanh(W x) / 2))", ("W",), (), ()),
    ("sum(log1p(x) + expm1(x))", ("x",), (), ()),
    ("sum(gelu(W x))", ("W",), (), ()),
    ("y^T silu(W x - 1)", ("W",), (), ()),
    ("sum(erf(x - 0.5) + normcdf(x) .* normpdf(x))", ("x",), (), ()),
    ("sum(x.^t) + t^t", ("t",), ("t=scalar",), ()),
    ("sum(X, 1) w + sum(log(mean(exp(X), 2)))", ("X",), (), ()),
    ("sum(softmax(X, 1) .* Y) + sum(logsumexp(X, 1))", ("X",), (), ()),
    ("max(A x) - min(x)", ("x",), (), ()),
    ("norm(A x - b, 1) + norm(x, inf) + norm(x, 3)", ("x",), (), ()),
    ("norm(X, 2) + nuclear(X)", ("X",), ("X=4,3",), ()),
    ("tr(expm(X)) + a^T expm(X) b + a^T logm(X) b + a^T sqrtm(X) b", ("X",), (), ()),
    ("a^T expm(t A) b + tr(logm(A + t B) + sqrtm(A + t B))", ("t",), ("t=scalar",), ()),
    ("expm(X) + logm(X) + sqrtm(X)", ("X",), (), ()),
    ("eigmax(X) - eigmin(X) + w^T eigvals(X)", ("X",), (), ("X",)),
    ("eigmax(A + t B) + w^T eigvals(A + t B)", ("t",), ("t=scalar",), ("A", "B")),
    ("eigvals(X^T X)", ("X",), ("X=4,3",), ()),
    ("w^T svdvals(X) + sum(svdvals(X))", ("X",), ("X=4,3",), ()),
    ("svdvals(X)", ("X",), ("X=2,3",), ()),
    ("2 sum(log(diag(chol(X)))) + a^T chol(X) b", ("X",), (), ("X",)),
    ("chol(X)", ("X",), (), ("X",)),
    ("chol(A + t B) + pinv(A + t B) + adj(A + t B)", ("t",), ("t=scalar",), ("A", "B")),
    ("tr(pinv(X) A) + a^T pinv(X) b", ("X",), (), ()),
    ("sum(adj(X)) + x^T pinv(X) y", ("X",), (), ()),
    ("pinv(X) + adj(X)", ("X",), (), ()),
]

# every operation the cases above must reach (none of them escapes an export test)
OPERATIONS = {"tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "log1p", "expm1", "erf", "normcdf",
              "normpdf", "gelu", "silu", "vpow", "max", "min", "ismax", "ismin", "normspec", "nuclear", "svec_left",
              "svec_right", "polar", "expm", "logm", "sqrtm", "expm_frechet", "logm_frechet", "sylvester",
              "expm_kron", "logm_kron", "eigvals", "eigmax", "eigmin", "svdvals", "eigvecs", "eigvec_max",
              "eigvec_min", "svd_u", "svd_v", "chol", "tril_half", "pinv", "adj"}


def test_the_cases_reach_every_operation() -> None:
    from matcalc_cli import expr as E

    seen: set[str] = set()
    for source, wrt, shapes, symmetric in CASES:
        r = differentiate(source, list(wrt), list(shapes), list(symmetric))
        assert r.function is not None
        seen |= {n.op for n in E.walk(r.derivative.expr)} | {n.op for n in E.walk(r.function)}
    assert OPERATIONS <= seen, sorted(OPERATIONS - seen)


@pytest.mark.parametrize("layout", ("numerator", "denominator"))
@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_exported_functions_agree_with_finite_differences(case, backend: str, layout: str) -> None:
    _skip_without(backend)
    assert run_against_differences(backend, *case, layout) == 2
