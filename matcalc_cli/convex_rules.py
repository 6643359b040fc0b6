"""The rules of the convexity certificates, as data: each with the name a certificate
prints and the source of its proof (section numbers of Boyd & Vandenberghe and of Horn &
Johnson), and the atoms: the operations whose records declare a curvature, and the
compositions and powers the prover recognises by their shape. curvature.py and definiteness.py apply them; the
tests check every one at random points (tests/test_convexity.py), and each record's curvature
against its function's values (tests/test_registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from matcalc_cli.ops import OPS
from matcalc_cli.ops.base import Curvature, Monotone

BV = "B&V"  # Boyd & Vandenberghe, Convex Optimization (2004): SOURCES
HJ = "H&J"  # Horn & Johnson, Matrix Analysis (2nd ed., 2013)
SOURCES = ("B&V: Boyd & Vandenberghe, Convex Optimization (2004); "
           "H&J: Horn & Johnson, Matrix Analysis (2nd ed., 2013)")


@dataclass(frozen=True)
class CurvatureRule:
    """A rule a convexity certificate cites (not a simplifier rule: simplify.rules.Rule)."""

    name: str
    source: str


def both(a: CurvatureRule, b: CurvatureRule) -> CurvatureRule:
    return CurvatureRule(f"{a.name}, {b.name}", a.source if a.source == b.source else f"{a.source}, {b.source}")


# ------------------------------------------------------------------ the rules
AFFINE = CurvatureRule("linear in the variables plus a constant", f"{BV} §3.1.5")
NONNEG_SUM = CurvatureRule("a sum of convex (concave) terms", f"{BV} §3.2.1")
NONNEG_MAP = CurvatureRule("nonnegative (nonpositive: flipped) coefficients keep curvature", f"{BV} §3.2.1")
ENTRIES = CurvatureRule("entries rearranged (transpose, vec, diag, broadcast)", f"{BV} §3.2.1")
COMPOSE = CurvatureRule("monotone composition", f"{BV} §3.2.4")
OF_AFFINE = CurvatureRule("of an affine argument", f"{BV} §3.2.2")
QUADRATIC = CurvatureRule("r^T P r, P PSD, r affine (tr(R^T P R) too)", f"{BV} §3.1.4, §3.2.2")
SQUARE = CurvatureRule("the square of an affine function", f"{BV} §3.1.5")
MATRIX_FRACTIONAL = CurvatureRule("matrix fractional r^T Y^-1 r, jointly on Y SPD", f"{BV} §3.1.7 ex. 3.4")
TRACE_INVERSE = CurvatureRule("tr(Y^-1) on Y SPD", f"{BV} ex. 3.18(a)")
LOGDET = CurvatureRule("logdet(Y) concave on Y SPD", f"{BV} §3.1.5")
SIGNS = CurvatureRule("ranges: sigmoid in (0, 1), exp > 0, ...", "interval arithmetic")

PSD_SUM = CurvatureRule("a sum of PSD terms", f"{BV} §2.2.5")
PSD_SCALE = CurvatureRule("a nonnegative scalar times PSD", f"{BV} §2.2.5")
PSD_CONGRUENCE = CurvatureRule("M^T D M with D PSD (M^T M: D = I)", f"{HJ} obs. 7.1.8")
PSD_DIAG = CurvatureRule("diag(d), d >= 0 (d > 0: PD)", f"{HJ} §7.1")
PSD_KRON = CurvatureRule("kron of PSD matrices", f"{HJ} thm. 4.2.12")
PSD_SCHUR = CurvatureRule("Schur product of PSD matrices", f"{HJ} thm. 7.5.3")
PSD_INVERSE = CurvatureRule("the inverse of a PD matrix", f"{HJ} §7.1")
PSD_SOFTMAX = CurvatureRule("diag(s) - s s^T, s = softmax(u)", f"{BV} §3.1.5 (Cauchy-Schwarz)")
PSD_SPD = CurvatureRule("declared SPD (or the identity)", "--spd")
PSD_NONNEG = CurvatureRule("a nonnegative 1×1", "definition")


@dataclass(frozen=True)
class Atom:
    """A function's curvature and monotonicity (given its argument's interval), as the
    composition rules read it. nonneg_domain: the argument must be provably >= 0 before the
    rules may use the atom (a convex atom extended by +inf outside its domain is not monotone
    there)."""

    convex: bool  # else concave
    monotone: Monotone
    rule: CurvatureRule
    nonneg_domain: bool = False


def _atom(c: Curvature) -> Atom:
    return Atom(c.convex, c.monotone, CurvatureRule(c.says, c.source))


# The operations that are atoms, from their records' curvature (ops/).
ATOMS = {name: _atom(op.curvature) for name, op in OPS.items() if op.curvature is not None}
# Two compositions curvature.py recognises by their shape, log(sigmoid(u)) and log(1 - sigmoid(u)).
LOGSIGMOID = Atom(False, Monotone.INCREASING,
                  CurvatureRule("log(sigmoid(u)) = -softplus(-u) concave increasing", f"{BV} §3.1.5"))
LOG1MSIGMOID = Atom(False, Monotone.DECREASING,
                    CurvatureRule("log(1 - sigmoid(u)) = -softplus(u) concave decreasing", f"{BV} §3.1.5"))
POWER_EVEN = CurvatureRule("u^p, p even: convex, nondecreasing on u >= 0", f"{BV} §3.1.5")
POWER_CONVEX = CurvatureRule("u^p, p >= 1: convex nondecreasing on u >= 0", f"{BV} §3.1.5")
POWER_CONCAVE = CurvatureRule("u^p, 0 < p < 1: concave nondecreasing", f"{BV} §3.1.5")
POWER_NEGATIVE = CurvatureRule("u^p, p < 0: convex decreasing on u > 0", f"{BV} §3.1.5")


def power_atom(p: float) -> Atom | None:
    if p == int(p) and int(p) % 2 == 0 and p > 0:
        return Atom(True, Monotone.ON_SIGN, POWER_EVEN)
    if p >= 1:
        return Atom(True, Monotone.INCREASING, POWER_CONVEX, nonneg_domain=True)
    if 0 < p < 1:
        return Atom(False, Monotone.INCREASING, POWER_CONCAVE)
    if p < 0:
        return Atom(True, Monotone.DECREASING, POWER_NEGATIVE, nonneg_domain=True)
    return None
