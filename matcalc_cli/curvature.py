"""Certificates of convexity: the two provers over the rules of convex_rules.py.

`Prover.curvature` reads the expression as CVXPY's DCP rules read it (B&V §3.2:
nonnegative sums, composition with an affine map, composition with a monotone convex or
concave function) over the table of atoms. `Prover.psd` proves a symbolic Hessian positive semidefinite
from its form (a sum of PSD terms, M^T D M with D PSD, a nonnegative scalar times a PSD
matrix, kron, diag(s) - s s^T of a softmax, the inverse of an SPD variable). Each step
they take is a Fact: a node, what is claimed of it, and the rule with its source; the
tests check every claim at random points. Where no rule applies, nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.convex_rules import (
    AFFINE,
    ATOMS,
    COMPOSE,
    ENTRIES,
    LOG1MSIGMOID,
    LOGDET,
    LOGSIGMOID,
    MATRIX_FRACTIONAL,
    NONNEG_MAP,
    NONNEG_SUM,
    OF_AFFINE,
    PSD_CONGRUENCE,
    PSD_DIAG,
    PSD_INVERSE,
    PSD_KRON,
    PSD_NONNEG,
    PSD_SCALE,
    PSD_SCHUR,
    PSD_SOFTMAX,
    PSD_SPD,
    PSD_SUM,
    QUADRATIC,
    SIGNS,
    SQUARE,
    TRACE_INVERSE,
    Atom,
    CurvatureRule,
    power_atom,
)
from matcalc_cli.expr import Expr
from matcalc_cli.ops import OPS
from matcalc_cli.ops.base import Monotone
from matcalc_cli.signs import Interval, Signs


@dataclass(frozen=True)
class Fact:
    node: Expr
    claim: str  # convex, concave, affine, psd, pd, nonneg, positive
    rule: CurvatureRule


@dataclass(frozen=True)
class Curv:
    convex: bool
    concave: bool
    const: bool = False

    @property
    def affine(self) -> bool:
        return self.convex and self.concave

    def flipped(self) -> Curv:
        return Curv(self.concave, self.convex, self.const)


UNKNOWN = Curv(False, False)
CONST = Curv(True, True, True)
AFFINE_CURV = Curv(True, True)
_REARRANGE = {K.T, K.VEC, K.UNVEC, K.BCAST, K.DIAG}


class Facts:
    def __init__(self) -> None:
        self.items: list[Fact] = []
        self._seen: set[tuple[Expr, str]] = set()

    def add(self, node: Expr, claim: str, rule: CurvatureRule) -> None:
        if (node, claim) not in self._seen:
            self._seen.add((node, claim))
            self.items.append(Fact(node, claim, rule))


class Prover:
    """Both provers over one set of facts. wrt: the variables; positive, spd: the declared
    domains of any names."""

    def __init__(self, wrt: Collection[str], positive: Collection[str] = (), spd: Collection[str] = ()) -> None:
        self.wrt, self.spd = frozenset(wrt), frozenset(spd)
        self.signs = Signs(positive)
        self.facts = Facts()
        self._curv: dict[Expr, Curv] = {}
        self._psd: dict[Expr, str] = {}
        self._depends: dict[Expr, bool] = {}

    # ---------------------------------------------------------------- helpers
    def depends(self, e: Expr) -> bool:
        got = self._depends.get(e)
        if got is None:
            got = self._depends[e] = (e.op == K.VAR and e.name in self.wrt) or any(self.depends(a) for a in e.args)
        return got

    def sign(self, e: Expr) -> Interval:
        return self.signs.of(e)

    def nonneg(self, e: Expr) -> bool:
        return self._signed(e, self.sign(e).nonneg)

    def nonpos(self, e: Expr) -> bool:
        return self._signed(e, self.sign(e).nonpos)

    def _signed(self, e: Expr, holds: bool) -> bool:
        if holds and e.op not in (K.CONST, K.SIZE):
            self.facts.add(e, f"in {self.sign(e).text()}", SIGNS)
        return holds

    # ---------------------------------------------------------------- DCP
    def curvature(self, e: Expr) -> Curv:
        got = self._curv.get(e)
        if got is None:
            got = self._curv[e] = self._curvature(e)
        return got

    def _curvature(self, e: Expr) -> Curv:
        if not self.depends(e):
            return CONST
        if e.op == K.VAR:
            return AFFINE_CURV
        out = self._shaped(e)
        if out is None:
            return UNKNOWN
        curv, rule = out
        if not curv.affine and (curv.convex or curv.concave):
            self.facts.add(e, "convex" if curv.convex else "concave", rule)
        return curv

    def _shaped(self, e: Expr) -> tuple[Curv, CurvatureRule] | None:
        op = e.op
        if op == K.ADD:
            cs = [self.curvature(a) for a in e.args]
            return Curv(all(c.convex for c in cs), all(c.concave for c in cs)), NONNEG_SUM
        if op in _REARRANGE:
            return self.curvature(e.args[0]), ENTRIES
        if OPS[op].nonnegative_map:
            return self.curvature(e.args[0]), NONNEG_MAP
        if op == K.TR:
            return self._trace(e)
        if op in (K.MUL, K.HAD, K.KRON):
            return self._product(e)
        if op == K.HDIV:
            if self.depends(e.args[1]):
                return None
            return self._scaled(e.args[0], [e.args[1]], reciprocal=True)
        if op in (K.POW, K.EPOW):
            if op == K.POW and not e.is_scalar:
                return None
            atom = power_atom(float(e.number))
            return self._compose(atom, e.args[0]) if atom else None
        if op == K.LOGDET:
            return self._spd_function(e.args[0], Curv(False, True), LOGDET)
        if op == K.LOG and e.args[0].op == K.SIGMOID:
            return self._compose(LOGSIGMOID, e.args[0].args[0])
        if op == K.LOG and (u := _one_minus_sigmoid(e.args[0])) is not None:
            return self._compose(LOG1MSIGMOID, u)
        atom = ATOMS.get(op)
        if atom is not None:
            return self._compose(atom, e.args[0])
        return None

    def _compose(self, atom: Atom, u: Expr) -> tuple[Curv, CurvatureRule] | None:
        c = self.curvature(u)
        sign = self.sign(u)
        if atom.nonneg_domain and not self.nonneg(u):
            return None
        shape = Curv(atom.convex, not atom.convex)
        if c.affine:
            self.facts.add(u, "affine", AFFINE)
            return shape, _both(atom.rule, OF_AFFINE)
        move = atom.monotone
        if move is Monotone.ON_SIGN:
            move = Monotone.INCREASING if sign.nonneg else Monotone.DECREASING if sign.nonpos else Monotone.NEITHER
            if move is not Monotone.NEITHER:
                self.nonneg(u) if move is Monotone.INCREASING else self.nonpos(u)
        want_convex_arg = (move is Monotone.INCREASING) == atom.convex
        if move is Monotone.NEITHER or (want_convex_arg and not c.convex) or (not want_convex_arg and not c.concave):
            return None
        return shape, _both(atom.rule, COMPOSE)

    def _trace(self, e: Expr) -> tuple[Curv, CurvatureRule] | None:
        a = e.args[0]
        if a.op == K.INV:
            return self._spd_function(a.args[0], Curv(True, False), TRACE_INVERSE)
        quad = self._quadratic(a, need_scalar=False)
        if quad is not None:
            return quad
        return self.curvature(a), NONNEG_MAP

    def _spd_function(self, y: Expr, curv: Curv, rule: CurvatureRule) -> tuple[Curv, CurvatureRule] | None:
        if self.psd(y) == "pd" and self.curvature(y).affine:
            return curv, rule
        return None

    def _product(self, e: Expr) -> tuple[Curv, CurvatureRule] | None:
        deps = [a for a in e.args if self.depends(a)]
        if e.op == K.MUL:
            quad = self._quadratic(e, need_scalar=True)
            if quad is not None:
                return quad
        if e.op == K.HAD and len(e.args) == 2 and e.args[0] is e.args[1] and self.curvature(e.args[0]).affine:
            return Curv(True, False), SQUARE
        if len(deps) != 1:
            return None
        return self._scaled(deps[0], [a for a in e.args if a is not deps[0]])

    def _scaled(self, u: Expr, coefficients: list[Expr], reciprocal: bool = False) -> tuple[Curv, CurvatureRule] | None:
        """u times (or divided by) factors that do not depend on the variables."""
        c = self.curvature(u)
        if c.affine:
            return AFFINE_CURV, AFFINE
        flips = 0
        for k in coefficients:
            s = self.sign(k)
            if reciprocal and not (s.positive or s.negative):
                return None
            if self.nonneg(k):
                continue
            if self.nonpos(k):
                flips += 1
                continue
            return None
        return (c.flipped() if flips % 2 else c), NONNEG_MAP

    def _quadratic(self, e: Expr, need_scalar: bool) -> tuple[Curv, CurvatureRule] | None:
        """coefficient r^T P r (or R^T P R under tr) with r affine and P constant PSD, or
        P = Y^-1 with Y SPD (matrix fractional)."""
        if e.op != K.MUL or (need_scalar and not e.is_scalar):
            return None
        scalars = [a for a in e.args if a.is_scalar]
        mats = [a for a in e.args if not a.is_scalar]
        k = len(mats)
        if k < 2 or any(mats[i] is not E.T(mats[k - 1 - i]) for i in range(k // 2)):
            return None
        right = E.mul(*mats[(k + 1) // 2:])
        if not self.curvature(right).affine or any(self.depends(s) for s in scalars):
            return None
        rule = QUADRATIC
        if k % 2:
            middle = mats[k // 2]
            if middle.op == K.INV and self.depends(middle):
                if not (self.psd(middle.args[0]) == "pd" and self.curvature(middle.args[0]).affine):
                    return None
                rule = MATRIX_FRACTIONAL
            elif self.depends(middle) or not self.psd(middle):
                return None
        flips = 0
        for s in scalars:
            if self.nonneg(s):
                continue
            if self.nonpos(s):
                flips += 1
                continue
            return None
        return (Curv(False, True) if flips % 2 else Curv(True, False)), rule

    # ---------------------------------------------------------------- PSD
    def psd(self, e: Expr) -> str:
        """'pd', 'psd' or '' (not proven), for a square matrix (or a scalar) at every point."""
        got = self._psd.get(e)
        if got is None:
            got = self._psd[e] = self._prove_psd(e)
        return got

    def _prove_psd(self, e: Expr) -> str:
        if e.shape[0] != e.shape[1]:  # kron(a, b^T) is square, its factors are not: no claim on them
            return ""
        out = self._psd_rule(e)
        if out is None:
            return ""
        kind, rule = out
        if kind:
            self.facts.add(e, kind.upper(), rule)
        return kind

    def _psd_rule(self, e: Expr) -> tuple[str, CurvatureRule] | None:
        if e.is_scalar:
            s = self.sign(e)
            if s.nonneg:
                return ("pd" if s.positive else "psd"), _both(PSD_NONNEG, SIGNS)
            return self._congruence(e)
        op = e.op
        if op == K.EYE or (op == K.VAR and e.name in self.spd):
            return "pd", PSD_SPD
        if op == K.ZEROS:
            return "psd", PSD_SCALE
        if op == K.ONES or (op == K.BCAST and self.sign(e.args[0]).nonneg):
            return "psd", PSD_CONGRUENCE  # c 1 1^T
        if op == K.T:
            return self.psd(e.args[0]), PSD_CONGRUENCE
        if op == K.ADD:
            softmax = _softmax_pair(e)
            if softmax is not None:
                rest = [t for t in e.args if t not in softmax]
                kinds = [self.psd(t) for t in rest]
                if all(kinds):
                    return "psd", _both(PSD_SOFTMAX, PSD_SUM)
                return None
            kinds = [self.psd(t) for t in e.args]
            if all(kinds):
                return ("pd" if "pd" in kinds else "psd"), PSD_SUM
            return None
        if op == K.DIAG and e.args[0].shape[1] == 1:
            s = self.sign(e.args[0])
            if s.nonneg:
                self.facts.add(e.args[0], f"in {s.text()}", SIGNS)
                return ("pd" if s.positive else "psd"), PSD_DIAG
            return None
        if op in (K.KRON, K.HAD):
            kinds = [self.psd(a) for a in e.args]
            if all(kinds):
                return ("pd" if op == K.KRON and all(k == "pd" for k in kinds) else "psd"), \
                    PSD_KRON if op == K.KRON else PSD_SCHUR
            return None
        if op == K.INV:
            return ("pd", PSD_INVERSE) if self.psd(e.args[0]) == "pd" else None
        if op == K.MUL:
            return self._congruence(e)
        return None

    def _congruence(self, e: Expr) -> tuple[str, CurvatureRule] | None:
        if e.op != K.MUL:
            return None
        scalars = [a for a in e.args if a.is_scalar]
        mats = [a for a in e.args if not a.is_scalar]
        scale_pos = True
        for s in scalars:
            sign = self.sign(s)
            if not sign.nonneg:
                if not self._quadratic_scalar(s):
                    return None
                scale_pos = False
            else:
                self.nonneg(s)
                scale_pos = scale_pos and sign.positive
        k = len(mats)
        if k == 0:
            return "psd", PSD_SCALE
        if k == 1:
            inner = self.psd(mats[0])
            return (inner if scale_pos else "psd" if inner else ""), PSD_SCALE
        if any(mats[i] is not E.T(mats[k - 1 - i]) for i in range(k // 2)):
            return None
        if k % 2 and not self.psd(mats[k // 2]):
            return None
        return "psd", PSD_CONGRUENCE

    def _quadratic_scalar(self, s: Expr) -> bool:
        proof = self._congruence(s) if s.op == K.MUL else None
        return proof is not None and bool(proof[0])


def _both(a: CurvatureRule, b: CurvatureRule) -> CurvatureRule:
    return CurvatureRule(f"{a.name}, {b.name}", a.source if a.source == b.source else f"{a.source}, {b.source}")


def _is_one(e: Expr) -> bool:
    return E.is_const(e, 1) or e.op == K.ONES or (e.op == K.BCAST and E.is_const(e.args[0], 1))


def _one_minus_sigmoid(e: Expr) -> Expr | None:
    """u where e is 1 - sigmoid(u)."""
    if e.op != K.ADD or len(e.args) != 2:
        return None
    one, other = (e.args if _is_one(e.args[0]) else e.args[::-1])
    if not _is_one(one) or other.op != K.MUL or len(other.args) != 2 or not E.is_const(other.args[0], -1):
        return None
    s = other.args[1]
    return s.args[0] if s.op == K.SIGMOID else None


def _softmax_pair(e: Expr) -> tuple[Expr, Expr] | None:
    """The two terms diag(s) and -(s s^T) of a sum, s = softmax(u) of a vector."""
    for t in e.args:
        # softmax of a column, over its one dimension: no parameters, no second argument
        if t.op == K.DIAG and t.args[0].op == K.SOFTMAX and t.args[0].shape[1] == 1 \
                and len(t.args[0].args) == 1 and t.args[0].param is None:
            s = t.args[0]
            outer = E.mul(E.const(-1), s, E.T(s))
            if outer in e.args:
                return t, outer
    return None
