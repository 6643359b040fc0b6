"""A random differential test of matcalc as a user drives it: random well-typed expression
*texts* over every operation, every derivative kind (first derivatives of every cell,
Hessians and mixed second derivatives, by matrices too) in both layouts, through
report.differentiate, against central finite differences of the expression evaluated at
random points of both signs (numeric.py: no derivative code involved).

CI runs a fixed budget; a soak run:

    MATCALC_DIFF_SOAK=10000 .venv/bin/python -m pytest -q tests/test_differential.py -s
"""

from __future__ import annotations

import os
import random
from collections import Counter
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli import numeric
from matcalc_cli.checking import Point, finite, points, smooth_at, value
from matcalc_cli.errors import MatcalcError
from matcalc_cli.extrapolation import second_opinion
from matcalc_cli.render import numpy
from matcalc_cli.report import differentiate, numpy_line
from matcalc_cli.sampling import LADDER, SECOND_LADDER, shapes_in
from matcalc_cli.structure import Structure, Structures, declare
from matcalc_cli.verification import VERIFY_SIZES, largest_inside, rounding

SHAPES = ["t=scalar", "s=scalar", "x=n", "y=n", "A=n,n", "B=n,n", "C=n,m", "u=m"]
LEAVES = {"s": ["t", "s", "2", "0.5"], "n": ["x", "y"], "N": ["A", "B"], "M": ["C"], "m": ["u"]}
VARS = {"t": "s", "s": "s", "x": "n", "y": "n", "A": "N", "B": "N", "C": "M", "u": "m"}
ELEMENTWISE = ["exp", "sin", "cos", "tanh", "sigmoid", "softplus", "abs", "relu", "log", "sqrt"]
BUDGET = int(os.environ.get("MATCALC_DIFF_SOAK", "") or 100)
TOL = 1e-4


def gen(r: random.Random, kind: str, depth: int) -> str:  # noqa: C901 (one table of productions)
    if depth <= 0 or r.random() < 0.25:
        return r.choice(LEAVES[kind])
    g = lambda k: gen(r, k, depth - 1)  # noqa: E731
    f = r.choice(ELEMENTWISE)
    options = {
        "s": [lambda: f"{g('n')}^T {g('n')}", lambda: f"tr({g('N')})", lambda: f"sum({g(r.choice('nNM'))})",
              lambda: f"norm({g('n')})", lambda: f"det({g('N')})", lambda: f"logdet({r.choice(LEAVES['N'])})",
              lambda: f"logsumexp({g('n')})", lambda: f"mean({g('n')})", lambda: f"{g('s')} {g('s')}",
              lambda: f"({g('s')} + {g('s')})", lambda: f"{g('s')}^2", lambda: f"{f}({g('s')})",
              lambda: f"{g('n')}^T {g('N')} {g('n')}", lambda: f"({g('s')} - {g('s')})",
              lambda: f"{g('s')} / (1 + {g('s')}^2)", lambda: f"{g('m')}^T {g('M')}^T {g('n')}",
              lambda: f"{g('s')} * {g('s')}", lambda: f"norm(ones(k)) {g('s')}", lambda: f"size(n) {g('s')}",
              lambda: f"{g('n')}^T ones(n) {g('s')}", lambda: f"sum({g('n')} * {g('s')})"],
        "n": [lambda: f"{g('N')} {g('n')}", lambda: f"({g('n')} + {g('n')})", lambda: f"{g('s')} {g('n')}",
              lambda: f"{f}({g('n')})", lambda: f"{g('n')} .* {g('n')}", lambda: f"softmax({g('n')})",
              lambda: f"{g('M')} {g('m')}", lambda: f"diag({g('N')})", lambda: f"{g('n')}.^2",
              lambda: f"({g('n')} - {g('s')})", lambda: f"{g('n')} ./ (2 + {g('n')}.^2)",
              lambda: f"{r.choice(LEAVES['N'])}^-1 {g('n')}", lambda: f"{g('n')} {g('s')}",
              lambda: f"{g('n')} * {g('s')}", lambda: f"{g('n')} * 2", lambda: f"ones(n) {g('s')}",
              lambda: f"{g('N')} {g('n')} {g('s')}", lambda: f"(ones(k)^T ones(k)) {g('n')}"],
        "N": [lambda: f"{g('N')} {g('N')}", lambda: f"{g('N')}^T", lambda: f"{r.choice(LEAVES['N'])}^-1",
              lambda: f"diag({g('n')})", lambda: f"{g('n')} {g('n')}^T", lambda: f"{g('s')} {g('N')}",
              lambda: f"({g('N')} + {g('N')})", lambda: f"{f}({g('N')})", lambda: f"{g('M')} {g('M')}^T",
              lambda: f"{g('N')} .* {g('N')}", lambda: f"{r.choice(LEAVES['N'])}^2", lambda: f"{g('N')} {g('s')}",
              lambda: f"{g('s')} eye(n)", lambda: f"{g('N')} * {g('s')}"],
        "M": [lambda: f"{g('N')} {g('M')}", lambda: f"{g('M')} .* {g('M')}", lambda: f"{f}({g('M')})",
              lambda: f"{g('s')} {g('M')}", lambda: f"{g('n')} {g('m')}^T", lambda: f"({g('M')} - {g('M')})",
              lambda: f"{g('M')} {g('s')}", lambda: f"ones(n) {g('m')}^T"],
        "m": [lambda: f"{g('M')}^T {g('n')}", lambda: f"{f}({g('m')})", lambda: f"{g('s')} {g('m')}"],
    }
    return "(" + options[kind][r.randrange(len(options[kind]))]() + ")"  # the grammar's precedence aside


def case(r: random.Random) -> tuple[str, list[str], str]:
    """An expression, the variables to differentiate by, the layout."""
    layout = r.choice(["numerator", "denominator"])
    if r.random() < 0.3:  # a second derivative of a scalar function
        text = gen(r, "s", 3)
        names = [v for v in VARS if v in _names(text)] or ["x"]
        return text, [r.choice(names), r.choice(names)], layout
    kind = r.choice("snNMm")
    text = gen(r, kind, 3)
    names = [v for v in VARS if v in _names(text)] or ["x"]
    if r.random() < 0.05:  # by a variable that does not occur: a zero derivative of the right shape
        names = [v for v in VARS if v not in _names(text)] or names
    return text, [r.choice(names)], layout


def _names(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z]+", text))


def _tensor_cell(report_kind: str) -> bool:
    return report_kind in ("matrix-by-vector", "vector-by-matrix", "matrix-by-matrix")


def check_case(text: str, wrt: list[str], layout: str, stats: Counter[str],
               structures: Structures | None = None) -> str | None:
    """None if matcalc is right (or the case says nothing), else what is wrong. structures:
    declared (--diagonal A ...): points from them, differences along them."""
    try:
        r = differentiate(text, wrt, SHAPES, [], layout, structures=structures)
    except MatcalcError as err:
        stats[f"refused ({err.kind})"] += 1
        if err.kind == "unsupported":
            return None  # the tensor cells without a vec/Kronecker form are allowed to say so
        return f"{text!r} by {wrt}: {err.kind}: {err.message}"
    f = r.function
    assert f is not None
    xs = [E.var(w, r.variables[w], r.structures.of(w)) for w in wrt]
    d = r.derivative

    def defined(p: Point) -> bool:
        fv = value(f, p)
        return finite(fv) and float(np.max(np.abs(fv))) < 1e6 and finite(value(d.expr, p)) and smooth_at(f, p)

    try:
        pts = points(r.variables, r.symmetric, shapes_in(f, d.expr), defined, count=2, pool=VERIFY_SIZES, together=True,
                     ladder=SECOND_LADDER if len(wrt) == 2 else LADDER)
    except MatcalcError:
        stats["no defined point"] += 1
        return None
    for p in pts:
        got = value(d.expr, p)
        with np.errstate(all="ignore"):
            want = numeric.numeric_derivative(f, xs, p.values, p.sizes, layout)
            other = numeric.numeric_derivative(f, xs, p.values, p.sizes, layout, h=1e-5)
        if not finite(want) or numeric.relative_error(want, other) > TOL / 10:
            stats["finite differences unstable"] += 1
            continue
        if got.shape != want.shape:
            return f"{text!r} by {wrt} ({layout}): shape {got.shape}, finite differences {want.shape}"
        noise = max(float(np.max(np.abs(want - other))) if want.size else 0.0, rounding(largest_inside(f, p), xs, p))
        err = _relative(got, want, noise)
        if err > TOL:  # differenced again, entry by entry, before a mismatch is declared
            scale = float(np.max(np.abs(want))) + 10 * noise / TOL if want.size else 0.0
            with np.errstate(all="ignore"):
                want = second_opinion(f, xs, p.values, p.sizes, layout, want,
                                      np.abs(got - want) / max(scale, 1e-300), TOL, scale, got)
            err = _relative(got, want, noise)
        if err > TOL:
            return f"{text!r} by {wrt} ({layout}): relative error {err:.2g} at {p.values}"
        problem = _numpy_line(r, p, got)
        if problem:
            return f"{text!r} by {wrt} ({layout}): the numpy line {problem}"
    stats["checked: " + d.kind + (" (2nd)" if len(wrt) == 2 else "")] += 1
    return None


def _numpy_line(r: Any, p: Point, want: np.ndarray) -> str | None:
    """The numpy line runs given the variables (and the sizes of the dimensions it says no
    variable carries) and gives exactly the derivative's shape and value."""
    d = r.derivative.expr
    line = numpy_line(d, r.variables)  # as the user is given it: from its stable form
    env: dict[str, Any] = {"np": np, **{numpy.py_name(n): v for n, v in p.values.items()}}
    env.update({k: p.sizes.get(k, 5) for k in numpy.free_dims(d, r.variables)})
    try:
        got = eval(line, env)  # noqa: S307 (matcalc's own output, in a test)
    except Exception as ex:  # noqa: BLE001
        return f"{line!r} fails: {type(ex).__name__}: {ex}"
    if d.shape == (1, 1):
        if not isinstance(got, float):
            return f"{line!r} gives {type(got).__name__}, not a float"
        got = np.full((1, 1), got)
    if np.shape(got) != want.shape:
        return f"{line!r} has shape {np.shape(got)}, the derivative {want.shape}"
    # the line and the evaluator compute in different orders: rounding, times the condition
    # number of what is inverted (det(cos(A B)) by B twice at cond(cos(A B)) = 3e6: 9e-9)
    rtol = max(1e-9, 1e3 * float(np.finfo(float).eps) * _conditioning(d, p))
    if not np.allclose(got, want, rtol=rtol, atol=rtol * 1e-3 * float(np.max(np.abs(want), initial=1.0))):
        return f"{line!r} differs from the derivative"
    return None


def _conditioning(d: E.Expr, p: Point) -> float:
    """The largest condition number of a matrix that d inverts, at p."""
    out = 1.0
    for node in E.walk(d):
        if node.op == K.INV and not node.is_scalar:
            a = value(node.args[0], p)
            if finite(a):
                out = max(out, float(np.linalg.cond(a)))
    return out


def _relative(got: np.ndarray, want: np.ndarray, noise: float) -> float:
    """The largest difference relative to the derivative's largest entry, whatever its scale
    (points are drawn at sizes from 1e-3 to 1e3: an absolute floor would pass anything small),
    allowing ten times the finite differences' own noise (their change with the step, or what
    rounding alone makes of them)."""
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return float(np.max(np.abs(got - want))) / max(scale + 10 * noise / TOL, 1e-300) if got.size else 0.0


def test_random_expressions_against_finite_differences() -> None:
    r = random.Random(int(os.environ.get("MATCALC_DIFF_SEED", "") or 13))
    stats: Counter[str] = Counter()
    wrong = []
    for _ in range(BUDGET):
        text, wrt, layout = case(r)
        problem = check_case(text, wrt, layout, stats)
        if problem:
            wrong.append(problem)
    print("\ndifferential:", dict(sorted(stats.items())), f"wrong: {len(wrong)}")
    assert wrong == [], "\n".join(wrong[:20])
    checked = sum(v for k, v in stats.items() if k.startswith("checked"))
    assert checked >= BUDGET // 2, stats


def test_random_expressions_by_structured_variables() -> None:
    """The same texts with A declared diagonal, lower, upper, symmetric, SPD or orthogonal at
    random (issue 20), as the command line declares it: the gradient within the structure
    (a Jacobian J P, a Hessian within it; by an orthogonal A only first derivatives) against
    central differences along its tangent space, at points checking.points draws from it."""
    r = random.Random(int(os.environ.get("MATCALC_DIFF_SEED", "") or 13) + 1)
    stats: Counter[str] = Counter()
    wrong = []
    structures = [s for s in Structure if s is not Structure.POSITIVE]
    tried = 0
    while tried < BUDGET:
        text, wrt, layout = case(r)
        if "A" not in wrt:
            continue
        s = r.choice(structures)
        if s is Structure.ORTHOGONAL and len(wrt) == 2:
            continue
        tried += 1
        stats[s.value] += 1
        problem = check_case(text, wrt, layout, stats, declare([("A", s)]))
        if problem:
            wrong.append(f"--{s.value} A: {problem}")
    print("\ndifferential, structured:", dict(sorted(stats.items())), f"wrong: {len(wrong)}")
    assert wrong == [], "\n".join(wrong[:20])
    checked = sum(v for k, v in stats.items() if k.startswith("checked"))
    assert checked >= BUDGET // 2, stats


def test_a_right_hessian_near_sqrts_singularity_is_no_false_alarm() -> None:
    """The soak's one wrong job of 9,966 (seed 11): the Hessian by A of tr((B * s) sqrt(A)) at a
    point where an entry of A is 1/200 of the others, right, off from differences whose steps
    are sized to the whole matrix; differenced again entry by entry (extrapolation.py), it
    agrees (a wrong one does not: tests/test_extrapolation.py)."""
    stats: Counter[str] = Counter()
    for layout in ("numerator", "denominator"):
        assert check_case("(tr(((B * s) (sqrt(A)))))", ["A", "A"], layout, stats) is None
    assert stats["checked: hessian (2nd)"] == 2, stats


def test_the_numpy_line_is_allowed_the_rounding_of_an_ill_conditioned_inverse() -> None:
    """The soak's seed 29: det(cos(A B)) by B twice, at a point where cos(A B) has condition
    number 3e6, the numpy line and matcalc's evaluation differ by 9e-9 of the largest entry:
    rounding, not a wrong line (at a well-conditioned point they agree to 7e-15)."""
    assert check_case("(det((cos((A B)))))", ["B", "B"], "numerator", Counter()) is None


def test_a_right_hessian_by_a_symmetric_variable_near_sqrts_singularity_is_no_false_alarm() -> None:
    """The structured soak's one wrong job of 9,859 (seed 11): sum(sin(sqrt(A))) by a
    --symmetric A twice, where A's off-diagonal pair is 0.0029; differenced again along the
    symmetric directions E_12 + E_21 (extrapolation.py), it agrees."""
    stats: Counter[str] = Counter()
    for layout in ("numerator", "denominator"):
        assert check_case("(sum((sin((sqrt(A))))))", ["A", "A"], layout, stats,
                          declare([("A", Structure.SYMMETRIC)])) is None
    assert stats["checked: hessian (2nd)"] == 2, stats


def test_a_scalar_times_a_matrix_is_no_product_of_two_squares() -> None:
    """The structured soak (seed 11, at main f29d177): det(det(A) A) by a --lower A twice was
    wrong by 0.62, as were its first derivative by a plain A and tr(B (t B)^-1), det(t A)
    det(A) by t: det-of-product and inverse-of-product took the scalar det(A) (or t) for a
    square factor (1×1), det(t A) for det(t) det(A) and B (t B)^-1 for the scalar t^-1."""
    stats: Counter[str] = Counter()
    for text, wrt, structures in [("(det(((det(A)) A)))", ["A"], None),
                                  ("(det(((det(A)) A)))", ["A", "A"], declare([("A", Structure.LOWER)])),
                                  ("(tr((B ((t B)^-1))))", ["t"], None), ("((det((t A))) (det(A)))", ["t"], None)]:
        assert check_case(text, wrt, "numerator", stats, structures) is None, text
    assert sum(v for k, v in stats.items() if k.startswith("checked")) == 4, stats
