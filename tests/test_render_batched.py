"""Products of one matrix with several vectors as one product (render/batched.py): which are
batched, in which form per backend, never one that needs another, and the functions still
agree with finite differences and with the same function unbatched; and no product of a
matrix computed twice (a chain reads one another line computes, a row times a symmetric
matrix is its column product)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator

import numpy as np
import pytest
from corpus import CORPUS
from test_codegen import HESSIANS, _inputs, _skip_without, code_of_with, load, run_against_differences

from matcalc_cli import expr as E
from matcalc_cli.api import function_text
from matcalc_cli.render import batched, order
from matcalc_cli.render.jax import JaxPrinter
from matcalc_cli.render.python import PythonPrinter
from matcalc_cli.render.torch import TorchPrinter
from matcalc_cli.report import Report, differentiate

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
    m = E.var("M", ("n", "n"))  # a size named: batched.large decides at the call
    a, b, c = (E.var(n, ("n", 1)) for n in "abc")
    p, q, r = (m, (a,)), (m, (b,)), (m, (c,))
    local = E.call("tanh", (E.var("t", ("n", 1)),), ("n", 1))  # a local whose line computes p
    line = batched.Frame(set(), [p])
    # q's vector reads the local that needs p: apart. r needs nothing: batched with p.
    operands = {p: batched.Frame(), q: batched.Frame({local}, []), r: batched.Frame()}
    ret = batched.Frame({local}, [q, r])
    order = batched.plan([local, None], [line, ret], operands)
    batches = [x for x in order if isinstance(x, batched.Batch)]
    assert len(batches) == 1 and set(batches[0].keys) == {p, r}
    assert order.index(batches[0]) < order.index(0) < order.index(1)


# ------------------------------------------------------------------ a product computed once
SOFTPLUS_LSE = "sum(softplus(A x)) + logsumexp(B x)"
RAYLEIGH = "x^T A x / (x^T x)"


def _matrix_products(code: str, matrices: set[str]) -> list[str]:
    """Every product in the function of a matrix argument (M or M.T) with anything but another,
    as spelled; of a conditional (a batch whose sizes are named), the branch that batches."""
    fn = [n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)][-1]

    def is_matrix(e: ast.expr) -> bool:
        e = e.value if isinstance(e, ast.Attribute) and e.attr == "T" else e
        return isinstance(e, ast.Name) and e.id in matrices

    def walk(node: ast.AST) -> Iterator[ast.AST]:
        yield node
        for child in [node.test, node.body] if isinstance(node, ast.IfExp) else ast.iter_child_nodes(node):
            yield from walk(child)

    return [ast.unparse(n) for n in walk(fn) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult)
            and is_matrix(n.left) != is_matrix(n.right)
            or isinstance(n, ast.Call) and ast.unparse(n.func).endswith("multi_dot")]


@functools.cache
def _corpus_functions() -> list[tuple[str, str, str, frozenset[str], str]]:
    """(source, backend, options, the matrices' names, the function) for every derivative,
    value-and-derivative and HVP of the corpus, in both layouts and the three code formats."""
    out = []
    for layout in ("numerator", "denominator"):
        for source, wrt, shapes, symmetric in CORPUS:
            report = differentiate(source, list(wrt), list(shapes), list(symmetric), layout)
            variants: list[tuple[Report, dict[str, bool]]] = [(report, {}), (report, {"with_value": True})]
            if (source, (wrt[0], wrt[0]), shapes, symmetric) in HESSIANS:
                variants.append((differentiate(source, [wrt[0]] * 2, list(shapes), list(symmetric), layout),
                                 {"hvp": True}))
            for r, options in variants:
                matrices = frozenset(v for v, s in r.variables.items() if 1 not in s)
                for backend in PRINTERS:
                    out.append((source, backend, str(options), matrices, function_text(r, backend, **options)))
    return out


def test_no_corpus_function_computes_a_product_of_a_matrix_twice() -> None:
    # a product of a matrix with a vector is spelled once (a chain that needs one another
    # line computes reads it: s^T B v as s^T (B v))
    twice = []
    for source, backend, options, matrices, code in _corpus_functions():
        spelled = _matrix_products(code, set(matrices))
        twice += [(source, backend, options, p) for p in set(spelled) if spelled.count(p) > 1]
    assert twice == []


def test_no_corpus_function_transposes_twice() -> None:
    # vec(M^T) is M.reshape(-1, 1), not M.T.T.reshape(...); (X^-T)^T b a solve with X
    found = [(source, backend, options) for source, backend, options, _, code in _corpus_functions() if ".T.T" in code]
    assert found == []


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_chain_reads_the_product_a_batch_has(backend: str) -> None:
    # s2^T B v in the HVP: B v is the batch's column (jax, torch) or a line of its own (python),
    # not multi_dot([s2.T, B, v]) reading B once more
    code = code_of_with(SOFTPLUS_LSE, ["x", "x"], backend, hvp=True)
    assert "multi_dot" not in code, code
    column = "P2[:, 1:2]" if backend != "python" else "P"
    assert f"s2.T @ {column} * s2" in code and f"s2 * {column}" in code, code


@pytest.mark.parametrize("backend", ["python", "torch", "jax"])
def test_a_row_times_a_symmetric_matrix_is_its_column_product(backend: str) -> None:
    # x^T U for U = A + A^T is (U x)^T: one product of U, not U @ x and x.T @ U
    code = code_of_with(RAYLEIGH, ["x", "x"], backend)
    products = _matrix_products(code, {"U"})
    assert products == ["U @ x"], code
    assert "P @ x.T" in code and "x @ P.T" in code


def _dots(source: str, wrt: list[str], shapes: dict[str, tuple[int, int]], **options: bool) -> list[str]:
    """The dot instructions of the jitted function's optimised HLO (bench/hlo.py reads it whole)."""
    import jax
    import jax.numpy as jnp

    report = differentiate(source, wrt, [], [])
    fn = load(function_text(report, "jax", **options))
    names = [*report.variables, *(["v"] if options.get("hvp") else [])]
    hlo = jax.jit(fn).lower(*(jnp.ones(shapes[n]) for n in names)).compile().as_text()
    return [line.strip() for line in hlo.splitlines() if " dot(" in line]


def test_jax_reads_each_matrix_once_per_product_it_needs() -> None:
    _skip_without("jax")
    # the HVP needs A x, A v, B x, B v, then A^T and B^T times a vector each: six dots, B in
    # three (small sizes: not batched); the old code read B once more for s2^T B v
    dots = _dots(SOFTPLUS_LSE, ["x", "x"], {"A": (9, 5), "x": (5, 1), "B": (7, 5), "v": (5, 1)}, hvp=True)
    assert len(dots) == 6 and sum("%B" in d for d in dots) == 3, dots
    # the Rayleigh quotient's Hessian needs x^T A (for x^T A x) and U x: two dots, not three
    assert len(_dots(RAYLEIGH, ["x", "x"], {"A": (6, 6), "x": (6, 1)})) == 2


def test_plan_computes_a_product_used_twice_once_unless_a_local_holds_it() -> None:
    m = E.var("M", (3, 3))
    a = E.var("a", (3, 1))
    p = (m, (a,))
    ret = batched.Frame(set(), [p, p])
    order = batched.plan([None], [ret], {p: batched.Frame()}, uses={p: 2})
    assert order == [batched.Batch(m, (p,)), 0]
    held = E.mul(m, a)  # u = M a: the local is the product, read from there
    line, ret = batched.Frame(set(), [p]), batched.Frame({held}, [p])
    assert batched.plan([held, None], [line, ret], {p: batched.Frame()}, uses={p: 2}) == [0, 1]


def test_a_chain_is_split_at_a_product_computed_anyway() -> None:
    shapes = [(1, "k"), ("k", "m"), ("m", 1)]  # s^T B v: which side first depends on k and m
    assert order.split(["plain"] * 3, shapes) is None
    assert order.split(["plain"] * 3, shapes, frozenset({(1, 3, 1)})) == 1  # B v computed: s^T (B v)
    assert order.split(["plain"] * 3, shapes, frozenset({(0, 2, 1)})) == 2  # s^T B computed: (s^T B) v
