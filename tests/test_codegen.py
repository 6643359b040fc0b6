"""Code export (render/code.py, function.py, python.py, torch.py, jax.py): every generated function runs on
random inputs and agrees with central finite differences of the original expression, for
every derivation of the test corpus, in both layouts; and its text keeps the promises of
CONTRACT.md (solves, broadcasts for diagonals, shared subexpressions once, stable
functions, no name collisions, shape checks)."""

from __future__ import annotations

import ast
import importlib.util
import warnings
from typing import Any

import numpy as np
import pytest
from corpus import CORPUS
from helpers import concrete, original, points, wrt_vars

from matcalc_cli import numeric
from matcalc_cli.api import function_text
from matcalc_cli.errors import MatcalcError
from matcalc_cli.ops import OPS
from matcalc_cli.render import jax as jax_code
from matcalc_cli.render import plain
from matcalc_cli.render import python as python_code
from matcalc_cli.render import torch as torch_code
from matcalc_cli.report import Report, differentiate

HAVE = {name: importlib.util.find_spec(name) is not None for name in ("torch", "jax")}
LAYOUTS = ("numerator", "denominator")




def _last_def(code: str) -> str:
    tree = ast.parse(code)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert defs and tree.body[-1] is defs[-1], "the function is not the last statement of the text"
    return defs[-1].name


def load(code: str) -> Any:
    """The generated function: the text run on its own (its imports are all it needs)."""
    scope: dict[str, Any] = {}
    exec(compile(code, "<generated>", "exec"), scope)  # noqa: S102 (the format's purpose)
    return scope[_last_def(code)]


def _inputs(backend: str, values: dict[str, Any], report: Report) -> list[Any]:
    args = [values[v] for v in report.variables]
    if backend == "torch":
        import torch

        return [torch.tensor(a, dtype=torch.float64) for a in args]
    if backend == "jax":
        import jax.numpy as jnp

        return [jnp.asarray(a, dtype=jnp.float64) for a in args]
    return args


def _as_numpy(backend: str, got: Any, scalar: bool) -> np.ndarray:
    if backend == "python":
        if scalar:
            assert isinstance(got, float), f"a scalar derivative gives {type(got).__name__}, not a float"
        else:
            assert isinstance(got, np.ndarray), f"gives {type(got).__name__}"
        return np.asarray(got, dtype=float).reshape(1, 1) if scalar else got
    out = np.asarray(got.detach().numpy() if backend == "torch" else got, dtype=float)
    if scalar:
        assert out.shape == (), f"a scalar derivative gives shape {out.shape}, not ()"
        return out.reshape(1, 1)
    return out


def run_against_differences(backend: str, source: str, wrt, shapes, symmetric, layout: str) -> int:
    report = differentiate(source, list(wrt), list(shapes), list(symmetric), layout)
    code = function_text(report, backend)
    fn = load(code)
    f = original(source, report, symmetric)
    xs = wrt_vars(report, list(wrt), symmetric)
    scalar = report.derivative.shape == (1, 1)
    for sizes, values in points(report, symmetric, (0, 1)):
        want = numeric.numeric_derivative(f, xs, values, sizes, layout)
        try:
            got = _as_numpy(backend, fn(*_inputs(backend, values, report)), scalar)
        except Exception as ex:
            raise AssertionError(f"{code}\nraised {type(ex).__name__}: {ex}") from ex
        assert got.shape == want.shape == concrete(report.derivative.shape, sizes), \
            f"{code}\nshape {got.shape}, finite differences {want.shape}"
        err = numeric.relative_error(got, want)
        assert err < 1e-5, f"{code}\nrelative error {err:.2e}"
    return 2


def _skip_without(backend: str) -> None:
    module = {"torch": "torch", "jax": "jax"}.get(backend)
    if module and not HAVE[module]:
        pytest.skip(f"{module} is not installed here, so its generated functions were not run "
                    f"(pip install {'torch' if module == 'torch' else 'jax jaxlib'})")
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_generated_functions_agree_with_finite_differences(backend: str, layout: str) -> None:
    _skip_without(backend)
    runs = sum(run_against_differences(backend, *case, layout) for case in CORPUS)
    assert runs == 2 * len(CORPUS)


def code_of(source: str, wrt, backend: str = "python", **options) -> str:
    report = differentiate(source, list(wrt), options.get("shapes", []), options.get("symmetric", []))
    return function_text(report, backend)


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_solves_instead_of_inverses(backend: str) -> None:
    code = code_of("a^T X^-1 b", ["X"], backend)
    assert "inv(" not in code and code.count("solve(") == 2
    assert "inv(" not in code_of("x^T (A + t B)^-1 x", ["t"], backend)
    # Where the result is the inverse itself, it is computed once and multiplied.
    shared = code_of("logdet(Sigma) + x^T Sigma^-1 x", ["Sigma"], backend, symmetric=["Sigma"])
    assert shared.count("inv(") == 1 and "solve(" not in shared


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_solve_from_the_right_spells_its_transposed_factors(backend: str) -> None:
    # x^T A^-1 solves for x, not for x.T.T (the transposed chain is spelled from its factors)
    for source, wrt in (("x^T A^-1 x", "x"), ("a^T X^-1 b", "X"), ("tr(B X^-1 C)", "X")):
        code = code_of(source, [wrt], backend)
        assert ".T.T" not in code and "inv(" not in code, code


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_variable_solved_with_more_than_once_is_factored_once(backend: str) -> None:
    # -X^-T a b^T X^-T solves with X and with X^T: one LU factorisation (O(n^3)) serves both
    # (O(n^2) each); the HVP solves five times; a single solve stays the library's solve.
    _skip_without(backend)
    rng = np.random.default_rng(8)
    values = {"X": rng.standard_normal((4, 4)) + 4 * np.eye(4), "a": rng.standard_normal((4, 1)),
              "b": rng.standard_normal((4, 1)), "v": rng.standard_normal((4, 4))}
    X, a, b, v = (values[k] for k in "Xabv")
    Xi = np.linalg.inv(X)
    for options, want in (({}, -Xi.T @ a @ b.T @ Xi.T),
                          ({"hvp": True}, Xi.T @ v.T @ Xi.T @ a @ b.T @ Xi.T + Xi.T @ a @ b.T @ Xi.T @ v.T @ Xi.T)):
        report = differentiate("a^T X^-1 b", ["X"] * (2 if options else 1))
        code = function_text(report, backend, **options)
        assert code.count("lu_factor(") == 1 and "linalg.solve(" not in code and "inv(" not in code, code
        args = _inputs(backend, values, report)
        if options:  # the direction v, as the backend's array (in X's place)
            args.append(_inputs(backend, {**values, "X": v}, report)[list(report.variables).index("X")])
        got = _as_numpy(backend, load(code)(*args), False)
        assert numeric.relative_error(got, want) < 1e-10, code
    once = function_text(differentiate("a^T X^-1 b", ["b"]), backend)
    assert "lu_factor(" not in once and "solve(" in once


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_positive_definite_variable_is_solved_by_cholesky(backend: str) -> None:
    # --spd S: every solve with S is a Cholesky solve, and the function gives what the
    # LU-solving function of --symmetric S gives (the same derivative) at an SPD point
    from matcalc_cli.structure import Structure, declare

    _skip_without(backend)
    rng = np.random.default_rng(5)
    g = rng.standard_normal((4, 4))
    values = {"S": g @ g.T + 4 * np.eye(4), "x": rng.standard_normal((4, 1)),
              "a": rng.standard_normal((4, 1)), "b": rng.standard_normal((4, 1))}
    for source, wrt in (("x^T S^-1 x", "x"), ("a^T S^-1 b", "S"), ("x^T S^-1 x + a^T S^-1 b", "x"),
                        ("x^T S^-1 x + a^T S^-1 b", "S")):
        spd = differentiate(source, [wrt], structures=declare([("S", Structure.SPD)]))
        symmetric = differentiate(source, [wrt], symmetric=["S"])
        code = function_text(spd, backend)
        assert "cho" in code and "linalg.solve(" not in code and "inv(" not in code, code
        assert code.count("cho_factor(") + code.count("linalg.cholesky(") == 1, "S is factored once"
        got, want = (_as_numpy(backend, load(function_text(r, backend))(*_inputs(backend, values, r)), False)
                     for r in (spd, symmetric))
        assert numeric.relative_error(got, want) < 1e-10, code


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_hadamard_products_instead_of_dense_diagonals(backend: str) -> None:
    logistic = "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"
    code = code_of(logistic, ["theta", "theta"], backend)
    assert "diag" not in code and "* X)" in code
    assert "diagflat" in code_of("sum(exp(x))", ["x", "x"], backend)  # the result is the diagonal matrix


def test_shared_subexpressions_computed_once() -> None:
    code = code_of("norm(W2 tanh(W1 x) - y)^2", ["W1"])
    assert "    h = np.tanh(W1 @ x)\n" in code and code.count("np.tanh") == 1
    assert code.strip().endswith("return 2 * ((W2.T @ (W2 @ h - y)) * (1 - h ** 2)) @ x.T")


def test_locals_have_the_names_the_result_gives() -> None:
    # the result's where clause and the code's locals: one choice of names (naming.py)
    net = "norm(W3 tanh(W2 tanh(W1 x)) - y)^2"
    assert plain.render_named(differentiate(net, ["W1"]).named()).endswith("where h1 = tanh(W1 x), h2 = tanh(W2 h1)")
    code = code_of(net, ["W1"])
    assert "    h1 = np.tanh(W1 @ x)\n    h2 = np.tanh(W2 @ h1)\n" in code
    # the input's own names too (u = B x); a local the result does not name takes none of
    # the result's names (e = x^T A x, where the result has u: not u1, which reads as u's sibling)
    code = code_of("sum(sigmoid(u)) + sum(exp(u .* u)) where u = B x", ["x"])
    assert "    u = B @ x\n    s = " in code and code.count("B @ x") == 1, code
    code = code_of("sum(sigmoid(u)) + log(x^T A x) + sqrt(x^T A x) where u = B x", ["x"])
    assert "\n    e = " in code and "u1" not in code, code


def test_names_that_collide_are_renamed() -> None:
    code = code_of("x^T np + lambda x^T x + lambda_ sum(x) + h1", ["x"], shapes=["x=n"])
    assert "def df_dx(x, np_, lambda__, lambda_, h1):" in code  # lambda_ keeps its name, lambda moves
    args = ast.parse(code).body[-1].args.args  # type: ignore[attr-defined]
    names = [a.arg for a in args]
    assert len(set(names)) == len(names) == 5 and "np" not in names and "lambda" not in names
    assert "(the variable lambda)" in code and "(the variable np)" in code


def test_stable_sigmoid_softplus_and_logsumexp() -> None:
    for source, wrt in [("sum(log(1 + exp(X w)))", ["w"]), ("sum(softplus(X w))", ["w"]),
                        ("logsumexp(X w)", ["w"])]:
        fn = load(code_of(source, wrt))
        X, w = np.full((3, 2), 400.0), np.array([[1.0], [-1.5]])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow in exp would warn
            got = fn(X, w)
        assert np.all(np.isfinite(got)), f"{source}: {got}"


def test_shapes_are_checked() -> None:
    fn = load(code_of("x^T A x", ["x"]))
    assert fn(np.ones((3, 1)), np.eye(3)).shape == (1, 3)
    for bad in [(np.ones(3), np.eye(3)), (np.ones((3, 1)), np.eye(2)), (np.ones((3, 1)), np.ones((3, 3, 1)))]:
        with pytest.raises(ValueError, match=r"expected x \(n, 1\), A \(n, n\)"):
            fn(*bad)
    scaled = load(code_of("t x^T x", ["x"], shapes=["t=scalar"]))
    assert scaled(2.0, np.ones((2, 1))).shape == (1, 2)
    with pytest.raises(ValueError, match="t a scalar"):
        scaled(np.ones(2), np.ones((2, 1)))


@pytest.mark.parametrize("backend", ["python", "jax"])
def test_a_dimension_no_argument_supplies_is_a_keyword(backend: str) -> None:
    # d/dt of t^2 + sum(t ones(n)) is 2 t + n: n is the caller's to give.
    _skip_without(backend)
    code = code_of("t^2 + sum(t ones(n))", ["t"], backend, shapes=["t=scalar"])
    assert "def df_dt(t, *, n):" in code and "n: an int, the size of dimension n." in code
    assert float(load(code)(1.5, n=4)) == 7.0


def test_jax_functions_compile_with_jit() -> None:
    _skip_without("jax")
    import jax
    import jax.numpy as jnp

    fn = jax.jit(load(code_of("norm(W2 tanh(W1 x) - y)^2", ["W1"], "jax")))
    out = fn(jnp.ones((2, 3)), jnp.ones((3, 4)) / 10, jnp.ones((4, 1)), jnp.zeros((2, 1)))
    assert out.shape == (3, 4)



def test_jax_keeps_a_transposed_left_matrix_a_copy() -> None:
    # XLA folds X.T into the dot, which then misses XLA:CPU's fast matmul: the logistic
    # Hessian X^T diag(s) X and the network's W1^T (...) W1 keep the transpose apart, under
    # jit and against numpy's function; a matrix-vector X^T u stays (u^T X)^T (no copy).
    _skip_without("jax")
    import jax

    logistic = "sum(log(1 + exp(-y .* (X w))))"
    code = code_of_with(logistic, ["w", "w"], "jax")
    assert "jax.lax.optimization_barrier(X.T) @ (" in code
    assert "optimization_barrier" not in code_of_with(logistic, ["w", "w"], "jax", hvp=True)
    net = code_of_with("norm(W2 tanh(W1 x) - y)^2", ["x", "x"], "jax")
    assert "jax.lax.optimization_barrier(W1.T) @" in net
    rng = np.random.default_rng(3)
    X, w, y = rng.standard_normal((6, 4)), rng.standard_normal((4, 1)), np.sign(rng.standard_normal((6, 1)))
    ours = np.asarray(jax.jit(load(code))(y, X, w))
    want = load(code_of_with(logistic, ["w", "w"], "python"))(y, X, w)
    assert np.allclose(ours, want, rtol=1e-5, atol=1e-6)  # float32 unless x64 is on

MATRIX_TIMES_VECTOR = [
    ("x^T A x", ["x"], {}),
    ("x^T A x", ["x"], {"with_value": True}),
    ("(A + t B) x", ["t"], {}),
    ("norm(A x - b)^2", ["x"], {"with_value": True}),
    ("sum(log(1 + exp(-y .* (X w))))", ["w"], {"with_value": True}),
    ("norm(W2 tanh(W1 x) - y)^2", ["x"], {"with_value": True}),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("source", "wrt", "options"), MATRIX_TIMES_VECTOR)
def test_jax_never_copies_a_matrix_to_multiply_a_vector(source: str, wrt, options, layout: str) -> None:
    # XLA:CPU copies A for the dot of A.T @ v or r @ A.T (ten times the time of A @ v at
    # n = 4,000): no transpose of a matrix in the optimised program, in either layout.
    _skip_without("jax")
    import re

    import jax
    import jax.numpy as jnp

    report = differentiate(source, wrt, [], [], layout)
    fn = load(function_text(report, "jax", **options))
    args = [jnp.ones(np.shape(values[v])) for v in report.variables
            for values in [next(iter(points(report, (), (0,))))[1]]]
    hlo = jax.jit(fn).lower(*args).compile().as_text()
    copied = [m for m in re.findall(r"f64\[(\d+),(\d+)\]\{[0-9,]+\} transpose\(", hlo) if "1" not in m]
    assert not copied, f"{function_text(report, 'jax', **options)}\ntransposes {copied}"


@pytest.mark.parametrize(("module", "cls"), [(python_code, python_code.PythonPrinter),
                                             (torch_code, torch_code.TorchPrinter), (jax_code, jax_code.JaxPrinter)],
                         ids=["python", "torch", "jax"])
def test_every_operation_has_a_spelling(module, cls) -> None:
    missing = [name for name in OPS if name not in ("var", "dvar", "const")
               and not hasattr(cls, "op_" + name) and not OPS[name].called]
    assert not missing, f"{module.__name__} cannot spell {missing}"


@pytest.mark.parametrize("fmt", ["python", "torch", "jax"])
def test_command_line_prints_the_function(fmt: str) -> None:
    from typer.testing import CliRunner

    from matcalc_cli.cli import app

    result = CliRunner().invoke(app, ["diff", "x^T A x", "--wrt", "x", "--format", fmt])
    assert result.exit_code == 0
    assert result.stdout == code_of("x^T A x", ["x"], fmt)
    assert _last_def(result.stdout) == "df_dx"


# ------------------------------------------------------------------ code for optimisers
def _hessian_cases() -> list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """The corpus's scalar functions of a vector or a matrix, each as its Hessian."""
    out = []
    for source, wrt, shapes, symmetric in CORPUS:
        if len(wrt) == 2 and wrt[0] != wrt[1]:
            continue
        try:
            report = differentiate(source, [wrt[0], wrt[0]], list(shapes), list(symmetric))
        except MatcalcError:
            continue  # a Hessian matcalc does not give (a matrix by a matrix's own Jacobian, ...)
        if report.derivative.kind == "hessian" and report.variables[wrt[0]] != (1, 1):
            out.append((source, (wrt[0], wrt[0]), shapes, symmetric))
    return list(dict.fromkeys(out))


HESSIANS = _hessian_cases()


def _value(backend: str, got: Any) -> float:
    if backend == "python":
        assert isinstance(got, float), f"the value is {type(got).__name__}, not a float"
        return got
    out = np.asarray(got.detach().numpy() if backend == "torch" else got, dtype=float)
    assert out.shape == (), f"the value has shape {out.shape}, not ()"
    return float(out)


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_with_value_gives_the_value_and_the_derivative(backend: str) -> None:
    _skip_without(backend)
    runs = 0
    for source, wrt, shapes, symmetric in CORPUS:
        report = differentiate(source, list(wrt), list(shapes), list(symmetric))
        code = function_text(report, backend, with_value=True)
        fn = load(code)
        f = original(source, report, symmetric)
        xs = wrt_vars(report, list(wrt), symmetric)
        scalar = report.derivative.shape == (1, 1)
        for sizes, values in points(report, symmetric, (0,)):
            value, got = fn(*_inputs(backend, values, report))
            want_value = numeric.evaluate(f, values, sizes)
            if f.shape == (1, 1):
                assert abs(_value(backend, value) - want_value.item()) <= 1e-8 * max(1.0, abs(want_value.item())), code
            else:
                assert numeric.relative_error(_as_numpy(backend, value, False), want_value) < 1e-8, code
            want = numeric.numeric_derivative(f, xs, values, sizes)
            err = numeric.relative_error(_as_numpy(backend, got, scalar), want)
            assert err < 1e-5, f"{code}\nrelative error {err:.2e}"
        runs += 1
    assert runs == len(CORPUS)


def test_with_value_shares_what_the_derivative_computes() -> None:
    code = code_of_with("norm(R - U V^T)^2", ["U"], with_value=True)
    assert code.count("U @ V.T") == 1 and "E = U @ V.T - R" in code  # a matrix: capital; U, R, V are variables
    assert "return float(np.squeeze(np.vdot(E, E))), 2 * (E @ V)" in code
    logistic = code_of_with("-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))", ["theta"],
                            with_value=True)
    assert logistic.count("X @ theta") == 1


SQUARED_NORM = {"python": "np.vdot(E, E)", "jax": "jnp.vdot(E, E)", "torch": "torch.sum(E * E)"}


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_squared_norm_is_a_sum_of_squares_and_a_scalar_scales_the_smaller_result(backend: str) -> None:
    # norm(h)^2 without the square root squared; 2 (E V) scales the n-by-k product, not the
    # n-by-m E, with symbolic shapes too. Values (jitted for jax) against numpy's sqrt-squared.
    _skip_without(backend)
    code = code_of_with("norm(R - U V^T)^2", ["U"], backend, with_value=True)
    assert SQUARED_NORM[backend] in code and "linalg.norm" not in code, code
    assert code.rstrip().endswith("2 * (E @ V)"), code
    vector = code_of_with("norm(x - y)^2 + norm(A x)", ["x"], backend, with_value=True)
    assert "square(x - y)" in vector and "linalg.norm(x - y)" not in vector, vector
    rng = np.random.default_rng(3)
    for shape in ((4, 3), (1, 5), (6, 1)):
        values = {"R": rng.standard_normal(shape), "U": rng.standard_normal((shape[0], 2)),
                  "V": rng.standard_normal((shape[1], 2))}
        report = differentiate("norm(R - U V^T)^2", ["U"], [], [])
        fn = load(code)
        if backend == "jax":
            import jax

            fn = jax.jit(fn)
        value, grad = fn(*_inputs(backend, values, report))
        residual = values["U"] @ values["V"].T - values["R"]
        assert abs(_value(backend, value) - np.linalg.norm(residual) ** 2) < 1e-10
        assert numeric.relative_error(_as_numpy(backend, grad, False), 2 * residual @ values["V"]) < 1e-12
    x, y, a = rng.standard_normal((5, 1)), rng.standard_normal((5, 1)), rng.standard_normal((3, 5))
    report = differentiate("norm(x - y)^2 + norm(A x)", ["x"], [], [])
    value, _ = load(vector)(*_inputs(backend, {"x": x, "y": y, "A": a}, report))
    assert abs(_value(backend, value) - float(np.sum((x - y) ** 2) + np.linalg.norm(a @ x))) < 1e-12


def test_the_numpy_line_spells_a_squared_norm_and_scales_the_smaller_result() -> None:
    from matcalc_cli.render import numpy as numpy_line

    report = differentiate("norm(R - U V^T)^2", ["U"], [], [])
    line = numpy_line.render(report.derivative.expr, report.variables)
    assert line == "2 * ((U @ V.T - R) @ V)"
    assert report.function is not None
    value = numpy_line.render(report.function, report.variables)
    assert value == "float(np.squeeze(np.sum(np.square(R - U @ V.T))))"
    rng = np.random.default_rng(4)
    env = {"np": np, "R": rng.standard_normal((4, 3)), "U": rng.standard_normal((4, 2)),
           "V": rng.standard_normal((3, 2))}
    residual = env["R"] - env["U"] @ env["V"].T
    assert abs(eval(value, env) - np.linalg.norm(residual) ** 2) < 1e-12  # noqa: S307 (the format's purpose)
    assert numeric.relative_error(eval(line, env), -2 * residual @ env["V"]) < 1e-12  # noqa: S307


def code_of_with(source: str, wrt, backend: str = "python", **options) -> str:
    report = differentiate(source, list(wrt), options.pop("shapes", []), options.pop("symmetric", []),
                           options.pop("layout", "numerator"))
    return function_text(report, backend, **options)


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_hvp_is_the_hessian_applied_to_a_direction(backend: str) -> None:
    _skip_without(backend)
    assert len(HESSIANS) >= 10
    for source, wrt, shapes, symmetric in HESSIANS:
        report = differentiate(source, list(wrt), list(shapes), list(symmetric))
        code = function_text(report, backend, hvp=True)
        fn = load(code)
        f = original(source, report, symmetric)
        xs = wrt_vars(report, list(wrt), symmetric)
        for sizes, values in points(report, symmetric, (0, 1)):
            x = values[wrt[0]]
            rng = np.random.default_rng(7)
            v = rng.standard_normal(x.shape)
            if wrt[0] in symmetric:
                v = (v + v.T) / 2
            direction = _inputs(backend, {**values, wrt[0]: v}, report)[list(report.variables).index(wrt[0])]
            got = _as_numpy(backend, fn(*_inputs(backend, values, report), direction), False)
            hessian = numeric.numeric_derivative(f, xs, values, sizes)  # finite differences, not matcalc's
            want = (hessian @ v.reshape(-1, 1, order="F")).reshape(x.shape, order="F")
            err = numeric.relative_error(got, want)
            assert got.shape == x.shape and err < 1e-4, f"{code}\nrelative error {err:.2e}"
            exact = numeric.evaluate(report.derivative.expr, values, sizes) @ v.reshape(-1, 1, order="F")
            err = numeric.relative_error(got, exact.reshape(x.shape, order="F"))
            assert err < 1e-9, f"{code}\nagainst the full Hessian: relative error {err:.2e}"


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_hvp_never_forms_the_hessian(backend: str) -> None:
    mf = code_of_with("norm(R - U V^T)^2", ["U", "U"], backend, hvp=True)
    assert "kron" not in mf and "eye" not in mf and "multi_dot([v, V.T, V])" in mf
    logistic = code_of_with("-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))",
                            ["theta", "theta"], backend, hvp=True)
    # X theta and X v, neither needing the other, are one product in jax and torch (render/batched.py)
    assert "diag" not in logistic and ("(X @ v)" if backend == "python" else "X @ ") in logistic
    assert backend == "python" or ".hstack([theta, v])" in logistic
    assert ("X.T @ (" if backend != "jax" else ".T @ X).T") in logistic  # jax: no copy of X for X^T u
    assert "kron" not in code_of_with("norm(W2 tanh(W1 x) - y)^2", ["W1", "W1"], backend, hvp=True)
    # (diag(s) - s s^T) (V x) x^T: the matrix's chain passes through a column, which is
    # applied through the sum, not an n-by-n matrix formed to multiply it
    softmax = code_of_with("log(sum(exp(W x))) - y^T W x", ["W", "W"], backend, hvp=True)
    assert "diag" not in softmax and "s @ s.T" not in softmax, softmax
    assert "s * (v @ x)" in softmax or "P = v @ x" in softmax and "s * P" in softmax, softmax  # V x computed once


def test_chains_are_associated_by_cost() -> None:
    # A B v as A (B v); a row on the left from the left; sizes that decide at run time: multi_dot.
    assert "A @ (B @ v)" in code_of_with("a^T A B v", ["a"], layout="denominator")
    assert "v.T @ B.T @ A.T" in code_of_with("a^T A B v", ["a"])
    assert "multi_dot" in code_of_with("sum(A B C)", ["B"], shapes=["A=n,m", "B=m,k", "C=k,n"])
    code = code_of_with("sum(A B C)", ["B"], shapes=["A=3,100", "B=100,100", "C=100,2"])
    assert "multi_dot" not in code


def test_optimiser_options_are_refused_where_they_do_not_apply() -> None:
    from typer.testing import CliRunner

    from matcalc_cli.cli import app

    for args, message in [(["--with-value"], "--with-value applies to --format python, torch or jax"),
                          (["--hvp", "--format", "python"], "--hvp applies to a Hessian"),
                          (["--hvp", "--with-value", "--format", "jax"], "give one")]:
        result = CliRunner().invoke(app, ["diff", "x^T A x", "--wrt", "x", *args])
        assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_readme_optimiser_example_runs_in_scipy(capsys) -> None:
    """README's scipy.optimize.minimize example, as a user pastes it: L-BFGS-B with
    --with-value, Newton-CG with --hvp, both reaching the least-squares answer."""
    import textwrap
    from pathlib import Path

    lines = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("      from scipy.optimize import minimize") - 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("      "):
            break
        block.append(line)
    exec(compile(textwrap.dedent("\n".join(block)), "README.md", "exec"), {})  # noqa: S102 (README's example)
    assert capsys.readouterr().out.split() == ["True", "True"]
