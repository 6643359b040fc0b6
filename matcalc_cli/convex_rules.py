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
class Rule:
    name: str
    source: str


# ------------------------------------------------------------------ the rules
AFFINE = Rule("linear in the variables plus a constant", f"{BV} §3.1.5")
NONNEG_SUM = Rule("a sum of convex (concave) terms", f"{BV} §3.2.1")
NONNEG_MAP = Rule("nonnegative (nonpositive: flipped) coefficients keep curvature", f"{BV} §3.2.1")
ENTRIES = Rule("entries rearranged (transpose, vec, diag, broadcast)", f"{BV} §3.2.1")
COMPOSE = Rule("monotone composition", f"{BV} §3.2.4")
OF_AFFINE = Rule("of an affine argument", f"{BV} §3.2.2")
QUADRATIC = Rule("r^T P r, P PSD, r affine (tr(R^T P R) too)", f"{BV} §3.1.4, §3.2.2")
SQUARE = Rule("the square of an affine function", f"{BV} §3.1.5")
MATRIX_FRACTIONAL = Rule("matrix fractional r^T Y^-1 r, jointly on Y SPD", f"{BV} §3.1.7 ex. 3.4")
TRACE_INVERSE = Rule("tr(Y^-1) on Y SPD", f"{BV} ex. 3.18(a)")
LOGDET = Rule("logdet(Y) concave on Y SPD", f"{BV} §3.1.5")
SIGNS = Rule("ranges: sigmoid in (0, 1), exp > 0, ...", "interval arithmetic")

PSD_SUM = Rule("a sum of PSD terms", f"{BV} §2.2.5")
PSD_SCALE = Rule("a nonnegative scalar times PSD", f"{BV} §2.2.5")
PSD_CONGRUENCE = Rule("M^T D M with D PSD (M^T M: D = I)", f"{HJ} obs. 7.1.8")
PSD_DIAG = Rule("diag(d), d >= 0 (d > 0: PD)", f"{HJ} §7.1")
PSD_KRON = Rule("kron of PSD matrices", f"{HJ} thm. 4.2.12")
PSD_SCHUR = Rule("Schur product of PSD matrices", f"{HJ} thm. 7.5.3")
PSD_INVERSE = Rule("the inverse of a PD matrix", f"{HJ} §7.1")
PSD_SOFTMAX = Rule("diag(s) - s s^T, s = softmax(u)", f"{BV} §3.1.5 (Cauchy-Schwarz)")
PSD_SPD = Rule("declared SPD (or the identity)", "--spd")
PSD_NONNEG = Rule("a nonnegative 1×1", "definition")


@dataclass(frozen=True)
class Atom:
    """A function's curvature and monotonicity (given its argument's interval), as data.
    domain_ok: whether the argument's interval lies where the composition rules may use
    the atom (a convex atom extended by +inf outside its domain is not monotone there)."""

    op: str
    convex: bool  # else concave
    increasing: str  # "yes", "no" (nonincreasing), "if nonneg" (yes on u >= 0, no on u <= 0), ""
    rule: Rule
    domain_ok: str = ""  # "", "nonneg": the argument must be provably >= 0


ATOMS = {a.op: a for a in (
    Atom("exp", True, "yes", Rule("exp convex increasing", f"{BV} §3.1.5")),
    Atom("softplus", True, "yes", Rule("softplus convex increasing", f"{BV} §3.1.5")),
    Atom("relu", True, "yes", Rule("relu = max(u, 0) convex nondecreasing", f"{BV} §3.2.3")),
    Atom("abs", True, "if nonneg", Rule("abs convex, nondecreasing on u >= 0", f"{BV} §3.1.5")),
    Atom("norm", True, "if nonneg", Rule("norm convex, nondecreasing on u >= 0", f"{BV} §3.1.5")),
    Atom("logsumexp", True, "yes", Rule("logsumexp convex increasing", f"{BV} §3.1.5")),
    Atom("eigmax", True, "", Rule("eigmax(Y) convex: the largest of u^T Y u over unit u", f"{BV} §3.2.3 ex. 3.10")),
    Atom("eigmin", False, "", Rule("eigmin(Y) concave: the smallest of u^T Y u over unit u", f"{BV} §3.2.3")),
    Atom("log", False, "yes", Rule("log concave increasing", f"{BV} §3.1.5")),
    Atom("sqrt", False, "yes", Rule("sqrt concave increasing", f"{BV} §3.1.5")),
    Atom("logsigmoid", False, "yes", Rule("log(sigmoid(u)) = -softplus(-u) concave increasing",
                                          f"{BV} §3.1.5")),
    Atom("log1msigmoid", False, "no", Rule("log(1 - sigmoid(u)) = -softplus(u) concave decreasing",
                                           f"{BV} §3.1.5")),
)}
POWER_EVEN = Rule("u^p, p even: convex, nondecreasing on u >= 0", f"{BV} §3.1.5")
POWER_CONVEX = Rule("u^p, p >= 1: convex nondecreasing on u >= 0", f"{BV} §3.1.5")
POWER_CONCAVE = Rule("u^p, 0 < p < 1: concave nondecreasing", f"{BV} §3.1.5")
POWER_NEGATIVE = Rule("u^p, p < 0: convex decreasing on u > 0", f"{BV} §3.1.5")


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
