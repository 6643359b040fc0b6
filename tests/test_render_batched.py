"""Products of one matrix with several vectors as one product (render/batched.py): which are
batched, in which form per backend, never one that needs another, and the functions still
agree with finite differences and with the same function unbatched."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_codegen import _inputs, _skip_without, code_of_with, load, run_against_differences

from matcalc_cli import expr as E
from matcalc_cli.api import function_text
from matcalc_cli.render import batched
from matcalc_cli.render.jax import JaxPrinter
from matcalc_cli.render.python import PythonPrinter
from matcalc_cli.render.torch import TorchPrinter
from matcalc_cli.report import differentiate

NETWORK = "norm(W2 tanh(W1 x) - y)^2"
LARGE = ["W1=1000,1000", "W2=1000,1000"]  # past batched.LARGE entries: batched without a test of the size
PRINTERS = {"jax": JaxPrinter, "torch": TorchPrinter, "python": PythonPrinter}


def _reads(code: str, matrix: str) -> int:
    """How many products in code read the matrix (as M @ ... or ... @ M, M.T or not)."""
    return len(re.findall(rf"\b{matrix}(\.T)? @|@ {matrix}\b", code))


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_the_network_hvp_reads_each_weight_matrix_twice(backend: str) -> None:
    # autodiff's jvp of grad reads W1 three times and W2 four: W1 x, W1 v; W2 h, W2 (u .* W1 v);
    # W2^T times two vectors; W1^T once.
    code = code_of_with(NETWORK, ["x", "x"], backend, hvp=True, shapes=LARGE)
    module = "jnp" if backend == "jax" else "torch"
    assert f"W1 @ {module}.hstack([x, v])" in code
    assert re.search(rf"{module}\.vstack\(\[.*\]\) @ W2", code), code
    assert _reads(code, "W1") == 2 and _reads(code, "W2") == 2, code


def test_numpy_batches_rows_only() -> None:
    # OpenBLAS runs [a^T; b^T] M faster than two products, M [a, b] slower (render/python.py).
    code = code_of_with(NETWORK, ["x", "x"], "python", hvp=True, shapes=LARGE)
    assert "np.hstack" not in code and re.search(r"np\.vstack\(\[.*\]\) @ W2", code), code
    assert _reads(code, "W1") == 3 and _reads(code, "W2") == 3, code


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_product_that_needs_another_is_not_batched_with_it(backend: str) -> None:
    # A x is inside A tanh(A x): one must be computed before the other.
    code = code_of_with("sum(tanh(A tanh(A x)))", ["x"], backend, layout="denominator")
    assert "stack(" not in code, code


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
@pytest.mark.parametrize("source", [NETWORK, "sum(tanh(A x) .* (A y))", "x^T A x / (x^T x)",
                                    "norm(W2 relu(W1 x + b1) + b2 - y)^2"])
def test_batched_functions_agree_with_finite_differences(backend: str, source: str) -> None:
    _skip_without(backend)
    assert run_against_differences(backend, source, ["x"], [], [], "denominator") == 2


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_matrix_known_to_be_small_is_not_batched(backend: str) -> None:
    # read from cache, separate products ran faster (batched.LARGE)
    code = code_of_with(NETWORK, ["x", "x"], backend, hvp=True, shapes=["W1=500,500", "W2=500,500"])
    assert "stack(" not in code, code


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_named_size_is_compared_at_the_call_and_both_branches_agree(backend: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _skip_without(backend)
    report = differentiate(NETWORK, ["x", "x"], [], [])
    ours = function_text(report, backend, hvp=True)
    assert f">= {batched.LARGE} else" in ours, ours
    monkeypatch.setattr(PRINTERS[backend], "batches", frozenset())
    plain = function_text(report, backend, hvp=True)
    assert "stack(" not in plain
    rng = np.random.default_rng(3)
    for n, m, k in [(3, 5, 4), (800, 700, 750)]:  # W1 (m, k) and W2 (n, m): small, then past LARGE
        values = {"W1": rng.standard_normal((m, k)), "W2": rng.standard_normal((n, m)),
                  "x": rng.standard_normal((k, 1)), "y": rng.standard_normal((n, 1))}
        args = _inputs(backend, values, report)
        v = _inputs(backend, {**values, "x": rng.standard_normal((k, 1))}, report)[list(report.variables).index("x")]
        want = np.asarray(load(plain)(*args, v), dtype=float)
        assert np.allclose(np.asarray(load(ours)(*args, v), dtype=float), want, rtol=1e-10, atol=1e-10)


def test_plan_leaves_dependent_products_apart_and_orders_a_batch_before_its_readers() -> None:
    m = E.var("M", (3, 3))
    a, b, c = (E.var(n, (3, 1)) for n in "abc")
    p, q, r = (m, (a,)), (m, (b,)), (m, (c,))
    local = E.call("tanh", (E.var("t", (3, 1)),), (3, 1))  # a local whose line computes p
    line = batched.Frame(set(), [p])
    # q's vector reads the local that needs p: apart. r needs nothing: batched with p.
    operands = {p: batched.Frame(), q: batched.Frame({local}, []), r: batched.Frame()}
    ret = batched.Frame({local}, [q, r])
    order = batched.plan([local, None], [line, ret], operands)
    batches = [x for x in order if isinstance(x, batched.Batch)]
    assert len(batches) == 1 and set(batches[0].keys) == {p, r}
    assert order.index(batches[0]) < order.index(0) < order.index(1)
