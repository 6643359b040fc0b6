"""The registry of operations is complete: every operation the parser can build has a shape
rule, an evaluator, a differential (or a reason it has none), the read-offs a linear form
needs, a spelling in every printer, a finite-difference example and a generator in the
property suite. Adding an operation without one of these fails here, naming what is missing."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import numpy as np
import pytest
from test_properties import STRATEGY_FUNCTIONS
from test_rules import EXAMPLES

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.build import infer
from matcalc_cli.derive import differential
from matcalc_cli.derive.differential import linear_nodes
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import CALLS, OPS
from matcalc_cli.ops.base import PRINTERS as SPELLINGS
from matcalc_cli.ops.base import Monotone, StepRule
from matcalc_cli.render import jax, latex, numpy, plain, pretty, python, torch
from matcalc_cli.report import differentiate
from matcalc_cli.signs import RULES
from matcalc_cli.simplify import canon
from matcalc_cli.syntax import FUNCTIONS, parse

# Each printer, and the library its default spellings name (plain and pretty print the input language).
PRINTERS = {"plain": (plain.PlainPrinter, ""), "pretty": (pretty.UnicodePrinter, ""),
            "latex": (latex.LatexPrinter, "latex"), "numpy": (numpy.NumpyPrinter, "line"),
            "python": (python.PythonPrinter, "numpy"), "torch": (torch.TorchPrinter, "torch"),
            "jax": (jax.JaxPrinter, "jax")}
LIBRARIES = {"np": "numpy", "jnp": "jax.numpy", "jax": "jax", "torch": "torch"}
LEAVES = {"var", "dvar", "const"}  # no call of the input language, no spelling of their own to check


def test_the_parser_reads_the_registry_calls():
    assert FUNCTIONS == CALLS


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_call_has_a_shape_rule_and_a_builder(name):
    op = OPS[name]
    assert op.check is not None and op.apply is not None


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_operation_has_a_differential_or_says_why_not(name):
    op = OPS[name]
    assert op.differential is not None or op.no_derivative or op.arity == 0, name
    assert op.rule, f"{name} has no rule name for --steps"
    # typed, as the record writes it: said(name, identity), never text split at run time
    assert isinstance(op.rule, tuple) and all(isinstance(r, StepRule) and r.name for r in op.rule), name
    assert all(": " not in r.name and "; " not in r.name + r.identity for r in op.rule + op.move), \
        f"{name}: a rule's name and identity are said apart (said(name, identity); several: said(...) + said(...))"


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.differential is not None))
def test_every_differential_has_a_finite_difference_example(name):
    assert EXAMPLES.get(name), f"{name}: add examples to tests/test_rules.py"


def _linear_ops() -> set[str]:
    """The operations that occur above dX in the differentials of the examples."""
    out: set[str] = set()
    for examples in EXAMPLES.values():
        for ex in examples:
            r = differentiate(ex.source, [ex.wrt], list(ex.shapes), list(ex.symmetric))
            f = infer(parse(ex.source), dict(r.variables), frozenset(ex.symmetric)).expr
            d = differential(canon(f), E.var(ex.wrt, r.variables[ex.wrt], ex.wrt in ex.symmetric))
            if d is not None:
                lin = linear_nodes(d)
                out |= {n.op for n in E.walk(d) if id(n) in lin and n.op != "dvar"}
    return out


def test_every_operation_in_a_linear_form_has_both_read_offs():
    linear = _linear_ops()
    assert {"add", "mul", "had", "T", "tr", "sum", "kron", "vec"} <= linear  # the check has reach
    missing = {n for n in linear if OPS[n].gradient is None or OPS[n].jacobian is None}
    assert not missing, f"no gradient or Jacobian read-off for {sorted(missing)}"
    for name, op in OPS.items():
        assert (op.gradient is None) == (op.jacobian is None), name


@pytest.mark.parametrize("printer", sorted(PRINTERS))
def test_every_printer_spells_every_operation(printer):
    cls, spelling = PRINTERS[printer]
    # A call without dimensions has a default spelling only where the printer's language is
    # the input language (plain and pretty print name(args)), or from its record (Op.spelled).
    missing = [name for name, op in OPS.items() if name not in LEAVES and not hasattr(cls, "op_" + name)
               and not (op.called and not op.dim_args)]
    assert not missing, f"{printer} cannot spell {missing}: give its printer an op_ method"
    if not spelling:
        return
    for name, op in OPS.items():
        if name in LEAVES or hasattr(cls, "op_" + name) or not op.called:
            continue
        text = op.spelled(spelling).format(*(f"a{i}" for i in range(op.arity)))
        for i in range(op.arity):
            assert f"a{i}" in text, f"{name}: spelling.{spelling} drops argument {i}"
        for module, path in re.findall(r"\b(np|jnp|jax|torch)\.([\w.]+)\(", text):
            lib = pytest.importorskip(LIBRARIES[module]) if module == "torch" else importlib.import_module(
                LIBRARIES[module])
            target = lib
            for part in path.split("."):
                assert hasattr(target, part), (
                    f"{name}: {module}.{path} is no function of {LIBRARIES[module]}: give the record "
                    f"spelling=Spelling({spelling}=...)")
                target = getattr(target, part)


def test_the_spellings_are_the_printers():
    assert set(SPELLINGS) == {s for _, s in PRINTERS.values() if s}


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if not op.called))
def test_every_operator_has_a_cost_weight(name):
    assert OPS[name].weight is not None, f"{name} has no weight (ops.base.Op.weight) for simplify/cost.py"


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_record_names_its_results_by_a_known_letter(name):
    assert OPS[name].letter in ("h", "s", "u"), f"{name}: letter must be h, s or u"


# Points across both signs, each a little off a grid of multiples of 0.01, so that a point
# falls just beside any kink in [-3, 3] (exactly on one, a central difference can agree),
# and in [97, 103], where only a kink that repeats (tan's poles) still has some.
_GRID = np.concatenate([np.linspace(-3.0, 3.0, 601), np.linspace(97.0, 103.0, 601)]) + 3e-7


def _off(d: float, period: float) -> float:
    """d, or for kinks repeating every period its distance to the nearest repetition."""
    return d - period * round(d / period) if period else d


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.elementwise is not None))
def test_every_kink_of_an_elementwise_function_is_declared(name):
    """Away from its declared kinks, f' agrees with central differences of f; at every point
    where they disagree, the record must list a kink (checking.py keeps points away from it)."""
    op = OPS[name]
    x = E.var("x", (1, 1))
    derivative = op.elementwise
    assert derivative is not None
    node = op.apply(x) if op.apply is not None else None
    assert node is not None
    fprime = derivative(x, node)
    h = 1e-6
    with np.errstate(all="ignore"):
        for t in _GRID:
            if any(abs(_off(t - k, op.period)) < 0.01 for k in op.kinks):
                continue
            f = [float(evaluate(node, {"x": np.full((1, 1), t + s)}, {}).item()) for s in (-h, h)]
            want = float(evaluate(fprime, {"x": np.full((1, 1), t)}, {}).item())
            if not all(np.isfinite(f)) or not np.isfinite(want):
                continue  # outside the domain (log, sqrt of a negative)
            got = (f[1] - f[0]) / (2 * h)
            assert abs(got - want) < 1e-4 * max(1.0, abs(want)), (
                f"{name} has a kink or jump near {t:.2f} (f' = {want}, differences give {got}): "
                f"declare it in its record's kinks")


@pytest.mark.parametrize("name", K.ALL)
def test_every_node_kind_is_a_record(name):
    assert name in OPS, f"kinds names {name!r}, which no record registers"


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.elementwise is not None and op.smooth))
def test_a_smooth_elementwise_function_says_where_it_is_defined(name):
    """A smooth function (convexity.py's Hessian route takes it) declares positive_argument,
    so that a certificate asks for a proof that its argument is positive, exactly where it is
    undefined for some negative argument; and it has no kinks."""
    op = OPS[name]
    x = E.var("x", (1, 1))
    assert op.apply is not None
    node = op.apply(x)
    with np.errstate(all="ignore"):
        values = [float(evaluate(node, {"x": np.full((1, 1), t)}, {}).item()) for t in (-3.0, -0.5, -1e-3)]
    undefined = not all(np.isfinite(values))
    assert op.positive_argument == undefined, (
        f"{name}: {'declare' if undefined else 'do not declare'} positive_argument in its record "
        f"(values at -3, -0.5, -0.001: {values})")
    assert not (op.smooth and op.kinks), f"{name} is declared smooth and has kinks"


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.elementwise is not None and op.smooth))
def test_a_smooth_elementwise_function_has_a_continuous_second_derivative(name):
    """Twice continuously differentiable where defined: differences of f' over two steps
    (h and h / 10) agree at every point of a grid, where a kink of f' (relu^2's) would make
    them disagree near it."""
    op = OPS[name]
    assert op.apply is not None and op.elementwise is not None
    x = E.var("x", ("n", 1))
    f = op.apply(x)
    fprime = op.elementwise(x, f)
    t, h = np.linspace(-6.0, 6.0, 1201) + 3e-7, 0.01

    def at(e: E.Expr, u: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(evaluate(e, {"x": u.reshape(-1, 1)}, {"n": len(u)}), dtype=float).ravel()

    coarse = (at(fprime, t + h) - at(fprime, t - h)) / (2 * h)
    fine = (at(fprime, t + h / 10) - at(fprime, t - h / 10)) / (h / 5)
    # where f is defined, half a unit inside its domain (near log's 0 the steps' own error is large)
    keep = np.isfinite(coarse) & np.isfinite(fine) & np.isfinite(at(f, t - 50 * h)) & np.isfinite(at(f, t + 50 * h))
    bad = keep & (np.abs(coarse - fine) > 1e-2 * (1 + np.abs(fine)))
    assert keep.sum() > 100 and not bad.any(), (
        f"{name} is declared smooth, but its second derivative jumps near {t[bad][:3]}")


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.elementwise is not None))
def test_an_elementwise_function_convex_or_concave_where_defined_declares_its_curvature(name):
    """A function convex (or concave) on all of its domain is an atom of convex's composition
    rules: its record says so (curvature), and says it rightly. Second differences on a grid of
    [-6, 6], over the points where it is defined, decide."""
    op = OPS[name]
    assert op.apply is not None
    t = np.linspace(-6.0, 6.0, 1201) + 3e-7
    with np.errstate(all="ignore"):
        y = np.asarray(evaluate(op.apply(E.var("x", ("n", 1))), {"x": t.reshape(-1, 1)}, {"n": len(t)}),
                       dtype=float).ravel()
    second = y[:-2] - 2 * y[1:-1] + y[2:]
    keep = np.isfinite(second)
    second, tol = second[keep], 1e-9 * (1 + np.abs(y[1:-1][keep]))
    convex, concave = bool(np.all(second >= -tol)), bool(np.all(second <= tol))
    c = op.curvature
    if c is None:
        assert not (convex or concave), (
            f"{name} is {'convex' if convex else 'concave'} where it is defined: declare curvature in its record")
    else:
        assert convex if c.convex else concave, f"{name}'s curvature says {'convex' if c.convex else 'concave'}"


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.increasing))
def test_an_increasing_function_increases_within_its_limits(name):
    """signs.py bounds an increasing function's entries by its values at the ends of its
    argument's interval and by its limits: both must hold where it is defined."""
    op = OPS[name]
    assert op.apply is not None and op.elementwise is not None, f"{name}: increasing is for elementwise functions"
    t = np.linspace(-40.0, 40.0, 4001)
    node = op.apply(E.var("x", ("n", 1)))
    with np.errstate(all="ignore"):
        y = np.asarray(evaluate(node, {"x": t.reshape(-1, 1)}, {"n": len(t)}), dtype=float).ravel()
    y = y[np.isfinite(y)]  # where it is defined
    lo, hi = op.limits
    assert len(y) > 100 and np.all(np.diff(y) >= 0) and y[-1] > y[0], f"{name} is declared increasing"
    assert np.all((lo <= y) & (y <= hi)), f"{name} leaves its limits {op.limits}"


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.bounds is not None))
def test_a_bounded_function_stays_within_its_bounds(name):
    """signs.py takes a record's bounds as the interval of its entries, whatever the argument:
    at random arguments of three scales (not so large that a float reaches an open end),
    every value lies within them."""
    op = OPS[name]
    b = op.bounds
    assert b is not None and op.apply is not None
    rng = np.random.default_rng(0)
    node = op.apply(E.var("X", ("n", "m")))
    for scale in (1e-3, 1.0, 10.0):
        with np.errstate(all="ignore"):
            y = np.asarray(evaluate(node, {"X": scale * rng.standard_normal((5, 4))}, {"n": 5, "m": 4}), dtype=float)
        assert np.all(np.isfinite(y)), name
        assert np.all(y > b.lo if b.lo_open else y >= b.lo) and np.all(y < b.hi if b.hi_open else y <= b.hi), (
            f"{name} leaves its bounds {b} at scale {scale}: {y.min()}, {y.max()}")


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.names_argument))
def test_steps_names_only_the_argument_of_a_function_of_one_argument(name):
    op = OPS[name]
    assert op.arity == 1 and (op.elementwise is not None or op.identity), name


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.nonnegative_map))
def test_a_nonnegative_map_is_linear_and_keeps_signs(name):
    """curvature.py composes convex functions through it: it must be linear with nonnegative
    coefficients, f(a U + b V) = a f(U) + b f(V) and f(U) >= 0 for U >= 0."""
    op = OPS[name]
    u, v = E.var("U", ("n", "m")), E.var("V", ("n", "m"))
    assert op.apply is not None
    rng = np.random.default_rng(0)
    U, V = rng.random((3, 4)), rng.standard_normal((3, 4))
    env = {"U": U, "V": V}

    def at(e: E.Expr) -> np.ndarray:
        return np.asarray(evaluate(e, env, {"n": 3, "m": 4}), dtype=float)

    assert np.all(at(op.apply(u)) >= 0), f"{name} of a nonnegative matrix is negative somewhere"
    mixed = at(op.apply(E.add(E.mul(E.const(2), u), E.mul(E.const(-3), v))))
    assert np.allclose(mixed, 2 * at(op.apply(u)) - 3 * at(op.apply(v))), f"{name} is not linear"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_property_suite_generates_every_call(name):
    assert name in STRATEGY_FUNCTIONS, f"tests/test_properties.py never builds {name}"


def _names_compared_with_op(tree: ast.Module) -> list[tuple[int, str]]:
    """Every string compared with a node's op (x.op == "T", x.op in ("add", "mul"), x.op in
    _CHEAP for a module-level set of names), with its line."""
    sets: dict[str, list[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = stmt.value.args[0] if isinstance(stmt.value, ast.Call) and stmt.value.args else stmt.value
            if isinstance(value, (ast.Tuple, ast.Set, ast.List)):
                sets[stmt.targets[0].id] = [e.value for e in value.elts
                                            if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "op":
            for right in node.comparators:
                if isinstance(right, ast.Constant) and isinstance(right.value, str):
                    out.append((node.lineno, right.value))
                elif isinstance(right, (ast.Tuple, ast.Set, ast.List)):
                    out += [(node.lineno, e.value) for e in right.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                elif isinstance(right, ast.Name):
                    out += [(node.lineno, name) for name in sets.get(right.id, [])]
    return out


def test_every_operation_name_the_code_compares_is_a_record():
    """A renamed or misspelt operation in x.op == "..." would never match, silently: every such
    name is a record of the registry."""
    unknown, seen = [], 0
    for path in sorted(Path(importlib.import_module("matcalc_cli").__file__).parent.rglob("*.py")):
        for line, name in _names_compared_with_op(ast.parse(path.read_text())):
            seen += 1
            if name not in OPS:
                unknown.append(f"{path.name}:{line}: {name!r}")
    # Outside ops/ node kinds are compared through kinds.py (test_outside_ops_no_operation_name_is_a_string);
    # ops/' own strings are enough to show the scan finds them.
    assert seen > 10 and not unknown, unknown


def test_outside_ops_no_operation_name_is_a_string():
    """Outside ops/ a node's kind is compared, and a table keyed, through kinds.py (K.ADD, not
    "add"): a misspelt K.ADDD fails at import, a misspelt "addd" never matches. ops/ and
    kinds.py spell the names themselves; the front ends (syntax, lexer, tokens, latexin,
    latexwords) compare the input language's words, not node kinds."""
    root = Path(importlib.import_module("matcalc_cli").__file__).parent
    front = {"syntax.py", "lexer.py", "tokens.py", "latexin.py", "latexwords.py", "kinds.py"}
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "ops" or rel.name in front:
            continue
        tree = ast.parse(path.read_text())
        found += [f"{rel}:{line}: {name!r} compared" for line, name in _names_compared_with_op(tree)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and len(node.keys) >= 2 and all(
                    isinstance(k, ast.Constant) and k.value in OPS for k in node.keys):
                found.append(f"{rel}:{node.lineno}: a table keyed by operation names as strings")
    assert found == [], found


def test_every_table_keyed_by_an_operation_names_a_record():
    """signs.RULES (intervals of entries) is looked up by a node's op: a renamed or misspelt key
    would never match, silently. (convex_rules.ATOMS is derived from the records' curvature.)"""
    assert not set(RULES) - set(OPS), sorted(set(RULES) - set(OPS))


def _curvature_argument(op_name: str, rng: np.random.Generator, scale: float) -> tuple[E.Expr, np.ndarray]:
    """The node op(U) and a random value of U inside the function's domain: a symmetric matrix
    for eigmax and eigmin, a positive column where the argument must be positive."""
    op = OPS[op_name]
    assert op.apply is not None
    if op.symmetric_argument:
        a = scale * rng.standard_normal((4, 4))
        return op.apply(E.var("U", ("n", "n"), symmetric=True)), (a + a.T) / 2
    a = scale * rng.standard_normal((6, 1))
    return op.apply(E.var("U", ("n", 1))), np.abs(a) + 1e-3 if op.positive_argument else a


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.curvature is not None))
def test_a_declared_curvature_holds_at_random_points(name):
    """curvature.py composes a record's curvature (B&V §3.2.4): at random pairs of points of
    three scales, f(t a + (1 - t) b) <= t f(a) + (1 - t) f(b) for a convex f (>= for a concave
    one), and f moves with its argument as its monotone says (ON_SIGN: nondecreasing on
    arguments >= 0, nonincreasing on arguments <= 0)."""
    c = OPS[name].curvature
    assert c is not None
    rng = np.random.default_rng(1)
    for scale in (0.1, 1.0, 5.0):
        for _ in range(20):
            node, a = _curvature_argument(name, rng, scale)
            _, b = _curvature_argument(name, rng, scale)
            n = a.shape[0]

            def f(u: np.ndarray, node: E.Expr = node, n: int = n) -> np.ndarray:
                return np.asarray(evaluate(node, {"U": u}, {"n": n}), dtype=float)

            t = rng.random()
            with np.errstate(invalid="ignore"):
                mid, chord = f(t * a + (1 - t) * b), t * f(a) + (1 - t) * f(b)
            tol = 1e-9 * (1 + np.abs(chord))
            inside = np.isfinite(chord)  # log1p's domain is u > -1
            assert np.all((mid <= chord + tol if c.convex else mid >= chord - tol) | ~inside), (
                f"{name}'s record declares it {'convex' if c.convex else 'concave'} (curvature): "
                f"at scale {scale} its values say otherwise")
            step = np.abs(b)
            pairs = {Monotone.INCREASING: [(a, a + step)], Monotone.DECREASING: [(a + step, a)],
                     Monotone.ON_SIGN: [(np.abs(a), np.abs(a) + step), (-np.abs(a), -np.abs(a) - step)],
                     Monotone.NEITHER: []}[c.monotone]
            for lo, hi in pairs:
                with np.errstate(invalid="ignore"):
                    before, after = f(lo), f(hi)
                assert np.all((after >= before - 1e-9 * (1 + np.abs(before))) | ~np.isfinite(before)), (
                    f"{name}'s record declares it {c.monotone.value} (curvature): at scale {scale} it is not")


def test_an_underscore_in_a_latex_operator_name_is_escaped():
    # \operatorname{expm_frechet} sets "frechet" as a subscript; \operatorname{expm\_frechet} is the name
    named = [op for op in OPS.values() if "_" in op.name and op.spelled("latex").startswith(r"\operatorname")]
    assert named, "no operation with an underscore in its name is spelled \\operatorname"
    for op in named:
        head = op.spelled("latex").split(r"\left", 1)[0]
        assert "_" not in head.replace(r"\_", ""), f"{op.name}: {head}"
