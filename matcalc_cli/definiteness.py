"""Positive semidefiniteness proven from a matrix's form, and the facts both provers record.

`Definiteness.psd` proves a symbolic Hessian positive semidefinite from its form (a sum of PSD
terms, M^T D M with D PSD, a nonnegative scalar times a PSD matrix, kron, diag(s) - s s^T of a
softmax, the inverse of an SPD variable). Each step it takes is a Fact: a node, what is claimed
of it, and the rule with its source; the tests check every claim at random points. Where no
rule applies, nothing is claimed. curvature.py's Prover adds the DCP rules on top.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.convex_rules import (
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
    SIGNS,
    CurvatureRule,
    both,
)
from matcalc_cli.expr import Expr
from matcalc_cli.signs import Interval, Signs


class Property(Enum):
    """What a fact says of its node; the value is how a certificate says it."""

    CONVEX = "is convex"
    CONCAVE = "is concave"
    AFFINE = "is affine"
    PSD = "is PSD"
    PD = "is PD"

    @property
    def text(self) -> str:
        return self.value


@dataclass(frozen=True)
class InRange:
    """Every entry of the node lies in the interval (at every point of the domain)."""

    interval: Interval

    @property
    def text(self) -> str:
        return f"in {self.interval.text()}"


@dataclass(frozen=True)
class HessianOf:
    """The node is the Hessian of f by the variable (convexity's second-order route)."""

    variable: str

    @property
    def text(self) -> str:
        return f"is the Hessian of f by {self.variable}"


@dataclass(frozen=True)
class PsdSo:
    """The node (the Hessian, or its negation) is PSD, so f is convex (concave)."""

    conclusion: Property

    @property
    def text(self) -> str:
        return "is PSD, so f " + self.conclusion.text


Statement = Property | InRange | HessianOf | PsdSo  # what a fact states of its node


@dataclass(frozen=True)
class Fact:
    node: Expr
    claim: Statement
    rule: CurvatureRule


class Facts:
    def __init__(self) -> None:
        self.items: list[Fact] = []
        self._seen: set[tuple[Expr, Statement]] = set()

    def add(self, node: Expr, claim: Statement, rule: CurvatureRule) -> None:
        if (node, claim) not in self._seen:
            self._seen.add((node, claim))
            self.items.append(Fact(node, claim, rule))


class Definiteness:
    """The PSD prover and its facts. positive, spd: the declared domains of any names."""

    def __init__(self, positive: Collection[str] = (), spd: Collection[str] = ()) -> None:
        self.spd = frozenset(spd)
        self.signs = Signs(positive)
        self.facts = Facts()
        self._psd: dict[Expr, Property | None] = {}

    # ---------------------------------------------------------------- signs
    def sign(self, e: Expr) -> Interval:
        return self.signs.of(e)

    def nonneg(self, e: Expr) -> bool:
        return self._signed(e, self.sign(e).nonneg)

    def nonpos(self, e: Expr) -> bool:
        return self._signed(e, self.sign(e).nonpos)

    def _signed(self, e: Expr, holds: bool) -> bool:
        if holds and e.op not in (K.CONST, K.SIZE):
            self.facts.add(e, InRange(self.sign(e)), SIGNS)
        return holds

    # ---------------------------------------------------------------- PSD
    def psd(self, e: Expr) -> Property | None:
        """Property.PD, Property.PSD or None (not proven), for a square matrix (or a scalar) at every point."""
        if e not in self._psd:
            self._psd[e] = self._prove_psd(e)
        return self._psd[e]

    def _prove_psd(self, e: Expr) -> Property | None:
        if e.shape[0] != e.shape[1]:  # kron(a, b^T) is square, its factors are not: no claim on them
            return None
        out = self._psd_rule(e)
        if out is None:
            return None
        kind, rule = out
        if kind:
            self.facts.add(e, kind, rule)
        return kind

    def _psd_rule(self, e: Expr) -> tuple[Property | None, CurvatureRule] | None:
        if e.is_scalar:
            s = self.sign(e)
            if s.nonneg:
                return (Property.PD if s.positive else Property.PSD), both(PSD_NONNEG, SIGNS)
            return self._congruence(e)
        op = e.op
        if op == K.EYE or (op == K.VAR and e.name in self.spd):
            return Property.PD, PSD_SPD
        if op == K.ZEROS:
            return Property.PSD, PSD_SCALE
        if op == K.ONES or (op == K.BCAST and self.sign(e.args[0]).nonneg):
            return Property.PSD, PSD_CONGRUENCE  # c 1 1^T
        if op == K.T:
            return self.psd(e.args[0]), PSD_CONGRUENCE
        if op == K.ADD:
            softmax = _softmax_pair(e)
            if softmax is not None:
                rest = [t for t in e.args if t not in softmax]
                kinds = [self.psd(t) for t in rest]
                if all(kinds):
                    return Property.PSD, both(PSD_SOFTMAX, PSD_SUM)
                return None
            kinds = [self.psd(t) for t in e.args]
            if all(kinds):
                return (Property.PD if Property.PD in kinds else Property.PSD), PSD_SUM
            return None
        if op == K.DIAG and e.args[0].shape[1] == 1:
            s = self.sign(e.args[0])
            if s.nonneg:
                self.facts.add(e.args[0], InRange(s), SIGNS)
                return (Property.PD if s.positive else Property.PSD), PSD_DIAG
            return None
        if op in (K.KRON, K.HAD):
            kinds = [self.psd(a) for a in e.args]
            if all(kinds):
                return (Property.PD if op == K.KRON and all(k is Property.PD for k in kinds) else Property.PSD), \
                    PSD_KRON if op == K.KRON else PSD_SCHUR
            return None
        if op == K.INV:
            return (Property.PD, PSD_INVERSE) if self.psd(e.args[0]) is Property.PD else None
        if op == K.MUL:
            return self._congruence(e)
        return None

    def _congruence(self, e: Expr) -> tuple[Property | None, CurvatureRule] | None:
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
            return Property.PSD, PSD_SCALE
        if k == 1:
            inner = self.psd(mats[0])
            return (inner if scale_pos else Property.PSD if inner else None), PSD_SCALE
        if any(mats[i] is not E.T(mats[k - 1 - i]) for i in range(k // 2)):
            return None
        if k % 2 and not self.psd(mats[k // 2]):
            return None
        return Property.PSD, PSD_CONGRUENCE

    def _quadratic_scalar(self, s: Expr) -> bool:
        proof = self._congruence(s) if s.op == K.MUL else None
        return proof is not None and bool(proof[0])


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
