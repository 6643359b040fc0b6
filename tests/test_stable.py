"""stable.py (the naming stage, before the printers): generated code computes log(1 + exp(u))
as the library's stable softplus and sigmoid in one stable call, so that the logistic loss's
value and gradient stay finite and right at margins of +-800 (where exp overflows), in every
code format; and a --with-value function computes the margin -y .* (X w) once for both."""

from __future__ import annotations

import ast
import importlib.util
import re
import warnings
from typing import Any

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.build import infer
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate, function_text, numpy_line
from matcalc_cli.stable import stable
from matcalc_cli.syntax import parse

BACKENDS = ("python", "torch", "jax")
LOGISTIC = "sum(log(1 + exp(-y .* (X w))))"
SOFTPLUS = {"python": "np.logaddexp(0, ", "torch": "torch.nn.functional.softplus(", "jax": "jax.nn.softplus("}
SIGMOID = {"python": "scipy.special.expit(", "torch": "torch.sigmoid(", "jax": "jax.nn.sigmoid("}


def _typed(source: str) -> E.Expr:
    return infer(parse(source), {}, frozenset()).expr


def _load(code: str) -> Any:
    scope: dict[str, Any] = {}
    exec(compile(code, "<generated>", "exec"), scope)  # noqa: S102 (the format's purpose)
    name = [n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)][-1].name
    return scope[name]


def _backend(backend: str) -> tuple[Any, Any]:
    """(to the backend's float64 array, back to numpy), or a skip where it is not installed."""
    if backend == "python":
        return np.asarray, np.asarray
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed here")
    if backend == "torch":
        import torch

        return (lambda a: torch.tensor(a, dtype=torch.float64)), (lambda t: t.detach().numpy())
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return (lambda a: jnp.asarray(a, dtype=jnp.float64)), np.asarray


def test_log_one_plus_exp_is_softplus_in_either_order_and_nowhere_else() -> None:
    assert plain.render(stable(_typed("sum(log(1 + exp(-y .* (X w))))"))) == "sum(softplus((-y) .* (X w)))"
    assert plain.render(stable(_typed("log(exp(x) + 1)"))) == "softplus(x)"
    assert plain.render(stable(_typed("log(1 + exp(log(1 + exp(x))))"))) == "softplus(softplus(x))"
    for kept in ("log(2 + exp(x))", "log(1 + exp(x) + x)", "log(1 + x)", "exp(log(1 + x))"):
        e = _typed(kept)
        assert stable(e) is e, kept


def test_the_text_formats_keep_the_expression_as_written() -> None:
    report = differentiate("log(1 + exp(x)) x", ["x"], ["x=scalar"], [])
    assert "softplus" not in plain.render(report.derivative.expr)
    assert "np.logaddexp(0, x)" in numpy_line(report.derivative.expr, report.variables)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_logistic_value_and_gradient_are_right_at_margins_of_800(backend: str) -> None:
    # z = -y .* (X w) = (800, -800): the value is softplus(800) + softplus(-800) = 800 (exp(-800)
    # is below the smallest double), the gradient -(sigmoid(z) .* y)^T X = -(1, 0) X.
    to, back = _backend(backend)
    code = function_text(differentiate(LOGISTIC, ["w"], [], []), backend, with_value=True)
    body = code.split('"""')[-1]
    assert SOFTPLUS[backend] in body and SIGMOID[backend] in body and not re.search(r"(?<![a-z])exp\(", body), code
    fn = _load(code)
    X, y, w = np.array([[-800.0, 0.0], [0.0, 800.0]]), np.ones((2, 1)), np.ones((2, 1))  # X w = (-800, 800)
    for sign in (1.0, -1.0):  # and y = -1: z = (-800, 800), value 800, gradient -(0, -1) X
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow in exp would warn (numpy)
            value, grad = fn(to(sign * y), to(X), to(w))
        value, grad = float(back(value)), back(grad)
        assert value == 800.0, code
        want = -X[0] if sign > 0 else X[1]
        assert np.array_equal(grad.ravel(), want), (code, grad)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigmoid_is_one_stable_call_exact_in_its_tails(backend: str) -> None:
    # d sum(softplus(x)) = sigmoid(x)^T: at -40 the value is 4.2e-18 (relative precision kept),
    # at -800 a subnormal-free 0 without an overflow, at 800 exactly 1.
    to, back = _backend(backend)
    code = function_text(differentiate("sum(softplus(x))", ["x"], [], []), backend)
    ret = code.strip().splitlines()[-1]
    assert ret.count(SIGMOID[backend]) == 1 and "logaddexp" not in code and "-" not in ret, code
    x = np.array([[-800.0], [-40.0], [0.0], [40.0], [800.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = back(_load(code)(to(x))).ravel()
    want = np.array([0.0, 4.248354255291589e-18, 0.5, 1.0, 1.0])
    assert np.allclose(got, want, rtol=1e-14, atol=0.0), got


def test_the_numpy_lines_sigmoid_is_exact_in_its_tails() -> None:
    # d sum(softplus(x)) = sigmoid(x)^T, the line's spelling (np alone): as the code's expit.
    report = differentiate("sum(softplus(x))", ["x"], [], [])
    line = numpy_line(report.derivative.expr, report.variables)
    assert "__import__" not in line, line
    x = np.array([[-800.0], [-40.0], [0.0], [40.0], [800.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = np.asarray(eval(line, {"np": np, "x": x})).ravel()  # noqa: S307 (the format's purpose)
    want = np.array([0.0, 4.248354255291589e-18, 0.5, 1.0, 1.0])
    assert np.allclose(got, want, rtol=1e-14, atol=0.0), (line, got)


def test_the_numpy_line_is_stable_too() -> None:
    report = differentiate(LOGISTIC, ["w"], [], [])
    assert report.function is not None
    value = numpy_line(report.function, report.variables)
    gradient = numpy_line(report.derivative.expr, report.variables)
    assert "np.logaddexp(0, " in value and "np.log(" not in value
    # sigmoid by its record's spelling for the line (np alone in scope): exp(-softplus(-u))
    assert "np.exp(-np.logaddexp(0, -(" in gradient and "__import__" not in gradient
    env = {"np": np, "X": np.array([[-800.0, 0.0], [0.0, 800.0]]), "w": np.ones((2, 1)), "y": np.ones((2, 1))}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert eval(value, env) == 800.0  # noqa: S307 (the format's purpose)
        assert np.array_equal(eval(gradient, env), [[800.0, 0.0]])  # noqa: S307


@pytest.mark.parametrize("backend", BACKENDS)
def test_with_value_computes_the_margin_once_for_value_and_gradient(backend: str) -> None:
    code = function_text(differentiate(LOGISTIC, ["w"], [], []), backend, with_value=True)
    body = code.split('"""')[-1]
    assert body.count("X @ w") == 1, code
    ret = body.strip().splitlines()[-1]
    z = re.search(re.escape(SOFTPLUS[backend]) + r"([A-Za-z]\w*)\)", ret)  # the local naming.py names (u)
    assert z is not None and f"{SIGMOID[backend]}{z.group(1)})" in ret, code
    assert len(re.findall(rf"\b{z.group(1)}\b", ret)) == 2, code
    assert body.count(f"{z.group(1)} = ") == 1 and " * y" in body.split(f"{z.group(1)} = ")[1].splitlines()[0]


def test_the_value_shares_a_hadamard_product_the_derivative_computes_up_to_sign_and_order() -> None:
    from matcalc_cli.respell import shared_with

    report = differentiate(LOGISTIC, ["w"], [], [])
    assert report.function is not None
    value = shared_with(stable(report.function), report.derivative.expr)
    margin = next(n for n in E.walk(value) if n.op == "softplus").args[0]  # -y .* (X w) as written
    assert margin.op != K.HAD and margin in set(E.walk(report.derivative.expr))  # -((X w) .* y)
