"""render/function.py: the def around code's expressions, built here from trees and signatures
of our own (tests/test_codegen.py runs every corpus derivation through it): its name, its
arguments and their checks, its docstring, its locals in order and its return."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pytest

from matcalc_cli import expr as E
from matcalc_cli.expr import SCALAR
from matcalc_cli.naming import Computed, computed
from matcalc_cli.render.function import Signature, function, shape_text
from matcalc_cli.render.python import PythonPrinter

x = E.var("x", ("n", 1))
A = E.var("A", ("m", "n"))
t = E.var("t", SCALAR)


def load(code: str) -> Any:
    scope: dict[str, Any] = {}
    exec(compile(code, "<generated>", "exec"), scope)  # noqa: S102 (the format's purpose)
    return scope[[n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)][-1].name]


def test_shapes_read_as_the_docstring_writes_them() -> None:
    assert shape_text(SCALAR) == "a scalar"
    assert shape_text(("n", 1)) == "(n, 1)"
    assert shape_text(("n·m", "n·m")) == "(n*m, n*m)"


@pytest.mark.parametrize(("sig", "name"), [
    (Signature("t", {"x": ("n", 1)}, frozenset(), ("x",)), "df_dx"),
    (Signature("t", {"x": ("n", 1), "A": ("m", "n")}, frozenset(), ("x", "A")), "d2f_dx_dA"),
    (Signature("t", {"x": ("n", 1)}, frozenset(), ("x",), value=E.var("x", ("n", 1))), "f_and_df_dx"),
    (Signature("t", {"x": ("n", 1), "v": ("n", 1)}, frozenset(), ("x", "x"), direction="v"), "hvp_dx"),
])
def test_the_function_is_named_for_what_it_returns(sig: Signature, name: str) -> None:
    code = function(Computed(x, None, (), frozenset()), sig, PythonPrinter)
    assert f"def {name}(" in code


def test_the_docstring_is_the_title_whatever_it_holds() -> None:
    title = 'd/dx of "a" \\top """ and \\n'
    code = function(Computed(x, None, (), frozenset()), Signature(title, {"x": ("n", 1)}, frozenset(), ("x",)),
                    PythonPrinter)
    doc = ast.get_docstring(ast.parse(code).body[-1])  # type: ignore[arg-type]
    assert doc is not None and doc.splitlines()[0] == title


def test_arguments_are_checked_once_and_dimensions_bound_from_them() -> None:
    e = E.mul(A, x)
    code = function(computed(e, None, "numpy"), Signature("t", {"A": ("m", "n"), "x": ("n", 1)}, frozenset(), ("x",)),
                    PythonPrinter)
    assert code.count("raise ValueError") == 2  # the ranks, then the sizes once m and n are read
    assert "    m = A.shape[0]\n    n = A.shape[1]\n" in code
    fn = load(code)
    assert fn(np.ones((2, 3)), np.ones((3, 1))).tolist() == [[3.0], [3.0]]
    with pytest.raises(ValueError, match=r"expected A \(m, n\), x \(n, 1\); got \[\(2, 3\), \(2, 1\)\]"):
        fn(np.ones((2, 3)), np.ones((2, 1)))


def test_a_scalar_argument_is_reshaped_and_a_scalar_result_is_a_float() -> None:
    e = E.mul(t, E.T(x), x)
    code = function(computed(e, None, "numpy"), Signature("t", {"t": SCALAR, "x": ("n", 1)}, frozenset(), ("t",)),
                    PythonPrinter)
    assert "    t = t.reshape(())\n" in code
    got = load(code)(np.array([2.0]), np.ones((3, 1)))
    assert isinstance(got, float) and got == 6.0


def test_locals_come_before_the_return_and_the_value_before_the_derivative() -> None:
    h = E.call("tanh", (E.mul(A, x),), ("m", 1))
    value = E.mul(E.T(h), h)
    derivative = E.mul(E.const(2), E.T(E.had(h, E.sub(E.ones(("m", 1)), E.had(h, h)))), A)
    code = function(computed(derivative, value, "numpy"),
                    Signature("t", {"A": ("m", "n"), "x": ("n", 1)}, frozenset(), ("x",), value=value), PythonPrinter)
    body = code[code.index("def "):]
    assert body.count("np.tanh(") == 1 and body.index("np.tanh(") < body.index("    return ")
    a, x0 = np.arange(6.0).reshape(2, 3) / 10, np.ones((3, 1))
    f, g = load(code)(a, x0)
    hx = np.tanh(a @ x0)
    assert isinstance(f, float) and np.isclose(f, (hx.T @ hx).item())
    assert np.allclose(g, 2 * (hx * (1 - hx * hx)).T @ a)
