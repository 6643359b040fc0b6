"""Certificates of convexity by the DCP rules over the rules of convex_rules.py.

`Prover.curvature` reads the expression as CVXPY's DCP rules read it (B&V §3.2:
nonnegative sums, composition with an affine map, composition with a monotone convex or
concave function) over the table of atoms; a quadratic form's middle factor, and the
argument of logdet or tr(inv(.)), is proven PSD by definiteness.py, whose facts it shares.
Each step is a Fact (definiteness.Fact); where no rule applies, nothing is claimed.
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
    QUADRATIC,
    SQUARE,
    TRACE_INVERSE,
    Atom,
    CurvatureRule,
    both,
    power_atom,
)
from matcalc_cli.definiteness import Definiteness, Property
from matcalc_cli.expr import Expr
from matcalc_cli.ops import OPS
from matcalc_cli.ops.base import Monotone


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


class Prover(Definiteness):
    """Both provers over one set of facts. wrt: the variables; positive, spd: the declared
    domains of any names."""

    def __init__(self, wrt: Collection[str], positive: Collection[str] = (), spd: Collection[str] = ()) -> None:
        super().__init__(positive, spd)
        self.wrt = frozenset(wrt)
        self._curv: dict[Expr, Curv] = {}
        self._depends: dict[Expr, bool] = {}

    # ---------------------------------------------------------------- helpers
    def depends(self, e: Expr) -> bool:
        got = self._depends.get(e)
        if got is None:
            got = self._depends[e] = (e.op == K.VAR and e.name in self.wrt) or any(self.depends(a) for a in e.args)
        return got

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
            self.facts.add(e, Property.CONVEX if curv.convex else Property.CONCAVE, rule)
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
            self.facts.add(u, Property.AFFINE, AFFINE)
            return shape, both(atom.rule, OF_AFFINE)
        move = atom.monotone
        if move is Monotone.ON_SIGN:
            move = Monotone.INCREASING if sign.nonneg else Monotone.DECREASING if sign.nonpos else Monotone.NEITHER
            if move is not Monotone.NEITHER:
                self.nonneg(u) if move is Monotone.INCREASING else self.nonpos(u)
        want_convex_arg = (move is Monotone.INCREASING) == atom.convex
        if move is Monotone.NEITHER or (want_convex_arg and not c.convex) or (not want_convex_arg and not c.concave):
            return None
        return shape, both(atom.rule, COMPOSE)

    def _trace(self, e: Expr) -> tuple[Curv, CurvatureRule] | None:
        a = e.args[0]
        if a.op == K.INV:
            return self._spd_function(a.args[0], Curv(True, False), TRACE_INVERSE)
        quad = self._quadratic(a, need_scalar=False)
        if quad is not None:
            return quad
        return self.curvature(a), NONNEG_MAP

    def _spd_function(self, y: Expr, curv: Curv, rule: CurvatureRule) -> tuple[Curv, CurvatureRule] | None:
        if self.psd(y) is Property.PD and self.curvature(y).affine:
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
                if not (self.psd(middle.args[0]) is Property.PD and self.curvature(middle.args[0]).affine):
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


