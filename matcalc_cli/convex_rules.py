"""The rules of the convexity certificates, as data: each with the name a certificate
prints and the source of its proof (section numbers of Boyd & Vandenberghe and of Horn &
Johnson), and the atoms' curvature and monotonicity. curvature.py applies them; the tests
check every one at random points (tests/test_convexity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

BV = "B&V"  # Boyd & Vandenberghe, Convex Optimization (2004): SOURCES
HJ = "H&J"  # Horn & Johnson, Matrix Analysis (2nd ed., 2013)
SOURCES = ("B&V: Boyd & Vandenberghe, Convex Optimization (2004); "
           "H&J: Horn & Johnson, Matrix Analysis (2nd ed., 2013)")


@dataclass(frozen=True)
class CurvatureRule:
    """A rule a convexity certificate cites (not a simplifier rule: simplify.rules.Rule)."""

    name: str
    source: str


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
    """A function's curvature and monotonicity (given its argument's interval), as data.
    domain_ok: whether the argument's interval lies where the composition rules may use
    the atom (a convex atom extended by +inf outside its domain is not monotone there)."""

    op: str
    convex: bool  # else concave
    increasing: str  # "yes", "no" (nonincreasing), "if nonneg" (yes on u >= 0, no on u <= 0), ""
    rule: CurvatureRule
    domain_ok: str = ""  # "", "nonneg": the argument must be provably >= 0


ATOMS = {a.op: a for a in (
    Atom("exp", True, "yes", CurvatureRule("exp convex increasing", f"{BV} §3.1.5")),
    Atom("softplus", True, "yes", CurvatureRule("softplus convex increasing", f"{BV} §3.1.5")),
    Atom("relu", True, "yes", CurvatureRule("relu = max(u, 0) convex nondecreasing", f"{BV} §3.2.3")),
    Atom("abs", True, "if nonneg", CurvatureRule("abs convex, nondecreasing on u >= 0", f"{BV} §3.1.5")),
    Atom("norm", True, "if nonneg", CurvatureRule("norm convex, nondecreasing on u >= 0", f"{BV} §3.1.5")),
    Atom("logsumexp", True, "yes", CurvatureRule("logsumexp convex increasing", f"{BV} §3.1.5")),
    Atom("eigmax", True, "", CurvatureRule("eigmax(Y) convex: the largest of u^T Y u over unit u",
                                           f"{BV} §3.2.3 ex. 3.10")),
    Atom("eigmin", False, "", CurvatureRule("eigmin(Y) concave: the smallest of u^T Y u over unit u", f"{BV} §3.2.3")),
    Atom("log", False, "yes", CurvatureRule("log concave increasing", f"{BV} §3.1.5")),
    Atom("sqrt", False, "yes", CurvatureRule("sqrt concave increasing", f"{BV} §3.1.5")),
    Atom("logsigmoid", False, "yes", CurvatureRule("log(sigmoid(u)) = -softplus(-u) concave increasing",
                                          f"{BV} §3.1.5")),
    Atom("log1msigmoid", False, "no", CurvatureRule("log(1 - sigmoid(u)) = -softplus(u) concave decreasing",
                                           f"{BV} §3.1.5")),
)}
POWER_EVEN = CurvatureRule("u^p, p even: convex, nondecreasing on u >= 0", f"{BV} §3.1.5")
POWER_CONVEX = CurvatureRule("u^p, p >= 1: convex nondecreasing on u >= 0", f"{BV} §3.1.5")
POWER_CONCAVE = CurvatureRule("u^p, 0 < p < 1: concave nondecreasing", f"{BV} §3.1.5")
POWER_NEGATIVE = CurvatureRule("u^p, p < 0: convex decreasing on u > 0", f"{BV} §3.1.5")


def power_atom(p: float) -> Atom | None:
    if p == int(p) and int(p) % 2 == 0 and p > 0:
        return Atom("pow", True, "if nonneg", POWER_EVEN)
    if p >= 1:
        return Atom("pow", True, "yes", POWER_CONVEX, "nonneg")
    if 0 < p < 1:
        return Atom("pow", False, "yes", POWER_CONCAVE)
    if p < 0:
        return Atom("pow", True, "no", POWER_NEGATIVE, "nonneg")
    return None
