"""`matcalc convex`: is a scalar expression convex, concave, both or neither in the
variables named, jointly, on its domain, for every value of the other names?

Each question gets `yes` with a certificate (the expression's composition rules by
curvature.py, or its symbolic Hessian proved PSD by definiteness.py), `no` with a counterexample (counterexamples.py: a
point and a direction where f(x + h v) + f(x - h v) - 2 f(x) has the wrong sign, found by
search over the domain and reproducible from the printed, rounded numbers), or `unknown`.
A counterexample outranks a certificate: a `yes` is never printed beside a refutation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.convex_rules import AFFINE, SOURCES, CurvatureRule
from matcalc_cli.counterexamples import _SUBSPACES, Counterexample, _direction, _moved, _point, _value, search
from matcalc_cli.curvature import Prover
from matcalc_cli.definiteness import Fact, HessianOf, Property, PsdSo
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.numeric import evaluate
from matcalc_cli.ops import OPS
from matcalc_cli.report import SCHEMA, structured_input
from matcalc_cli.structure import NONE, Structure, Structures, declare
from matcalc_cli.tokens import greek_names

SECOND_ORDER = CurvatureRule("second-order condition: smooth, defined on all of an open convex domain, Hessian PSD",
                             "B&V §3.1.4")
HESSIAN = CurvatureRule("matcalc's Hessian, v^T H v checked against central differences",
                        "matcalc diff --wrt x --wrt x")


@dataclass(frozen=True)
class Answer:
    answer: str  # yes, no, unknown
    certificate: tuple[Fact, ...] = ()
    counterexample: Counterexample | None = None
    names: tuple[tuple[Expr, str], ...] = ()  # subexpressions the certificate's text abbreviates

    def fact_lines(self, render: Any) -> list[str]:
        subst = {node: E.var(name, node.shape) for node, name in self.names}

        def short(e: Expr) -> str:
            return render(_abbreviate(e, subst))

        out = [f"{i}. {fact_text(f, short)}" for i, f in enumerate(self.certificate, 1)]
        if self.names:
            defs = [(name, _abbreviate(node, {k: v for k, v in subst.items() if k is not node}))
                    for node, name in self.names]
            out.append("where " + ", ".join(f"{name} = {render(e)}" for name, e in defs))
        return out


@dataclass(frozen=True)
class Verdict:
    source: str
    wrt: tuple[str, ...]
    variables: dict[str, Shape]
    convex: Answer
    concave: Answer
    notes: tuple[str, ...] = ()
    domain: dict[str, str] = field(default_factory=dict)  # name -> positive / spd / symmetric

    @property
    def verdict(self) -> str:
        a, b = self.convex.answer, self.concave.answer
        table = {("yes", "yes"): "affine", ("yes", "no"): "convex", ("no", "yes"): "concave",
                 ("no", "no"): "neither", ("yes", "unknown"): "convex", ("unknown", "yes"): "concave",
                 ("no", "unknown"): "not convex", ("unknown", "no"): "not concave"}
        return table.get((a, b), "unknown")

    @property
    def status(self) -> int:
        return 0 if "unknown" not in (self.convex.answer, self.concave.answer) else 3

    def lines(self, render: Any) -> list[str]:
        out = [f"verdict: {self.verdict} in {', '.join(self.wrt)}"]
        for q, a in (("convex", self.convex), ("concave", self.concave)):
            out.append(f"{q}: {a.answer}")
            if a.answer == "yes":
                out += [f"  {line}" for line in a.fact_lines(render)]
            elif a.counterexample is not None:
                out += [f"  {line}" for line in a.counterexample.lines()]
        shapes = "; ".join(f"{n}: {_spec(s)}{', ' + self.domain[n] if n in self.domain else ''}"
                           for n, s in self.variables.items())
        cited = any(a.answer == "yes" for a in (self.convex, self.concave))
        return [*out, f"shapes: {shapes}", *([f"sources: {SOURCES}"] if cited else [])]

    def to_json(self) -> dict[str, Any]:
        from matcalc_cli.render import plain

        def cert(a: Answer) -> list[dict[str, str]] | None:
            return [{"fact": claim_text(f, plain.render), "rule": f.rule.name, "source": f.rule.source}
                    for f in a.certificate] if a.answer == "yes" else None

        return {"schema": SCHEMA, "input": self.source, "wrt": list(self.wrt),
                "convex": self.convex.answer, "concave": self.concave.answer, "verdict": self.verdict,
                "certificate": {"convex": cert(self.convex), "concave": cert(self.concave)},
                "counterexample": {q: a.counterexample.to_json() if a.counterexample else None
                                   for q, a in (("convex", self.convex), ("concave", self.concave))},
                "variables": {n: _spec(s) for n, s in self.variables.items()}, "domain": self.domain,
                **({"notes": list(self.notes)} if self.notes else {})}


def claim_text(f: Fact, render: Any) -> str:
    return f"{render(f.node)} {f.claim.text}"


def fact_text(f: Fact, render: Any) -> str:
    return f"{claim_text(f, render)}   [{f.rule.name}: {f.rule.source}]"


# ------------------------------------------------------------------ the command
def convex(source: str, wrt: list[str], shapes: list[str] | None = None, symmetric: list[str] | None = None,
           positive: list[str] | None = None, spd: list[str] | None = None, latex: bool | None = None,
           structures: Structures = NONE) -> Verdict:
    """Both questions for source in the variables wrt; MatcalcError on bad input. latex: True
    reads source as LaTeX (--from latex); None, as LaTeX where it holds a backslash command.
    positive, spd and structures (--diagonal ...) declare structures as diff's options do, one
    meaning: each narrows the domain (an orthogonal variable of the question is refused: not a
    convex set)."""
    if not wrt:
        raise MatcalcError("option", "--wrt is required: the variables the question is about")
    # A Greek letter in an option is its name, as in the expression (--wrt θ is --wrt theta).
    wrt, shapes = [greek_names(w) for w in wrt], [greek_names(s) for s in shapes or []]
    given = [*((n, Structure.POSITIVE) for n in positive or ()), *((n, Structure.SPD) for n in spd or ()),
             *structures.pairs()]
    _, typed, _, declared, notes = structured_input(source, list(dict.fromkeys(wrt)), shapes,
                                                    [greek_names(n) for n in symmetric or ()],
                                                    declare((greek_names(n), st) for n, st in given), latex)
    f = typed.expr
    if not f.is_scalar:
        raise MatcalcError("unsupported", "convex needs a scalar expression; this one is "
                           f"{f.shape[0]}×{f.shape[1]} (take a sum or a norm)")
    for w in wrt:
        if declared.of(w) is Structure.ORTHOGONAL:
            raise MatcalcError("option", f"--orthogonal {w} with --wrt {w}: the orthogonal matrices are not a convex "
                               "set, so convexity in an orthogonal variable is not defined (an orthogonal "
                               "constant is: drop --wrt " + w + ")")
    declared = declared.restricted(typed.variables)
    pos = declared.positive
    definite = frozenset(n for n, st in declared.items() if st is Structure.SPD)
    sym = frozenset(n for n, st in declared.items() if st in (Structure.SYMMETRIC, Structure.SPD))
    wrt_t = tuple(dict.fromkeys(wrt))
    prover = Prover(wrt_t, pos, definite)
    curv = prover.curvature(f)
    certificates: dict[str, tuple[Fact, ...]] = {}
    if curv.affine:  # the composition facts stop at affine subexpressions: the whole is one
        prover.facts.add(f, Property.AFFINE, AFFINE)
    if curv.convex:
        certificates["convex"] = tuple(prover.facts.items)
    if curv.concave:
        certificates["concave"] = tuple(prover.facts.items)
    if len(certificates) < 2 and len(wrt_t) == 1:
        certificates = {**_hessian_route(source, f, wrt_t[0], typed.variables, shapes, sym, pos, definite,
                                         latex, declared), **certificates}
    found = search(f, typed.variables, wrt_t, sym, pos, definite, frozenset(certificates), declared)
    answers = {}
    for q in ("convex", "concave"):
        cx = found.get(q)
        if cx is not None:
            answers[q] = Answer("no", (), cx)
        elif q in certificates:
            facts = certificates[q]
            answers[q] = Answer("yes", facts, names=_names(facts[0].node, typed.variables)
                                if facts[0].rule is HESSIAN else ())
        else:
            answers[q] = Answer("unknown")
    domain = {n: "SPD" if n in definite else "positive" if n in pos else declared[n].words
              for n in typed.variables if n in declared.names}
    return Verdict(source, wrt_t, typed.variables, answers["convex"], answers["concave"], notes, domain)


def _hessian_route(source: str, f: Expr, x: str, variables: dict[str, Shape], shapes: list[str] | None,
                   sym: frozenset[str], pos: frozenset[str], spd: frozenset[str],
                   latex: bool | None = None, structures: Structures = NONE) -> dict[str, tuple[Fact, ...]]:
    """Certificates from the symbolic Hessian, where f is smooth and defined on all of the
    declared domain (an open convex set): H PSD everywhere proves convexity, -H concavity.
    The Hessian is the unconstrained one (by symmetric X, within them): PSD on all matrices,
    it is PSD on the diagonal or triangular ones, a subspace."""
    prover = Prover((x,), pos, spd)
    if not _smooth_and_total(f, prover):
        return {}
    from matcalc_cli.dims import spec_of
    from matcalc_cli.report import differentiate

    # every shape as typed, and every structure but a subspace of x (the Hessian on all matrices)
    fixed = [f"{n}={spec_of(s)}" for n, s in variables.items()]
    kept = declare((n, s) for n, s in structures.pairs() if not (n == x and s in _SUBSPACES))
    try:
        report = differentiate(source, [x, x], fixed, sorted(sym), latex=latex, structures=kept)
    except MatcalcError:
        return {}
    if not _hessian_agrees(f, report.derivative.expr, x, variables, sym, pos, spd, structures):
        return {}
    h = report.derivative.expr
    out = {}
    for q, m in (("convex", h), ("concave", E.neg(h))):
        prover = Prover((x,), pos, spd)
        if prover.psd(m):
            hess = Fact(h, HessianOf(x), HESSIAN)
            out[q] = (hess, *prover.facts.items, Fact(m, PsdSo(Property.CONVEX if q == "convex" else Property.CONCAVE),
                                                      SECOND_ORDER))
    return out


def _names(hessian: Expr, variables: dict[str, Shape]) -> tuple[tuple[Expr, str], ...]:
    """What the Hessian's text names (where s = sigmoid(X theta)), as diff prints it."""
    from matcalc_cli import naming

    named = naming.name(hessian, variables)
    return tuple((node, name) for node, (name, _) in zip(named.nodes, named.where, strict=True))


def _abbreviate(e: Expr, subst: dict[Expr, Expr]) -> Expr:
    from matcalc_cli.ops import replaced

    return replaced(e, subst)


def _smooth_and_total(f: Expr, prover: Prover) -> bool:
    """Every operation twice differentiable where defined, and defined at every point of the
    declared domain (each restricted argument provably inside its function's domain)."""
    parents: dict[Expr, set[str]] = {}
    for node in E.walk(f):
        for a in node.args:
            parents.setdefault(a, set()).add(f"{node.op}:{node.number}" if node.op == K.POW else node.op)
    for node in E.walk(f):
        if not prover.depends(node):
            continue
        if node.op == K.NORM:  # smooth only squared
            if parents.get(node, set()) != {"pow:2"}:
                return False
            continue
        if not OPS[node.op].smooth:  # the Hessian route is open only to smooth operations
            return False
        arg = node.args[0] if node.args else None
        if OPS[node.op].positive_argument or (node.op in (K.POW, K.EPOW) and node.number != int(node.number)):
            if arg is None or not prover.sign(arg).positive:
                return False
        if node.op in (K.POW, K.EPOW) and node.number < 0 and node.is_scalar == (node.op == K.POW):
            if arg is None or not (prover.sign(arg).positive or prover.sign(arg).negative):
                return False
        if node.op == K.HDIV and prover.depends(node.args[1]):
            s = prover.sign(node.args[1])
            if not (s.positive or s.negative):
                return False
        matrix_inverse = node.op in (K.INV, K.LOGDET) or (node.op == K.POW and not node.is_scalar
                                                          and node.number < 0)
        if matrix_inverse and arg is not None and not node.is_scalar and prover.psd(arg) is not Property.PD:
            return False
        if node.op == K.LOGDET and arg is not None and prover.psd(arg) is not Property.PD:
            return False
    return True


# ------------------------------------------------------------------ counterexamples
def _hessian_agrees(f: Expr, hessian: Expr, x: str, variables: dict[str, Shape], sym: frozenset[str],
                    pos: frozenset[str], spd: frozenset[str], structures: Structures = NONE) -> bool:
    """v^T H v against the second difference of f along v, at a few points of the domain:
    the certificate rests on matcalc's Hessian, so the Hessian is checked first."""
    checked = 0
    for attempt in range(6 * HESSIAN_POINTS):
        values, sizes, rng = _point(attempt, variables, (x,), sym, pos, spd, unit=True, structures=structures)
        f0 = _value(f, values, sizes)
        if f0 is None:
            continue
        v = _direction(rng, values, variables, (x,), sizes, sym | spd, structures)
        step = 1e-3 / max(1.0, float(np.max(np.abs(v[x]))))  # a step of 1e-3 at most: truncation O(1e-6)
        with np.errstate(all="ignore"):
            try:
                hm = evaluate(hessian, values, sizes)
            except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
                continue
        quotients = []
        for h in (step, step / 2, step / 4):
            fs = [_value(f, _moved(values, v, s * h), sizes) for s in (-1.0, 1.0)]
            if fs[0] is None or fs[1] is None:
                break
            quotients.append((fs[0] + fs[1] - 2 * f0) / h ** 2)
        if len(quotients) < 3 or not np.all(np.isfinite(hm)):
            continue
        col = np.asarray(v[x], dtype=float).reshape(-1, 1, order="F")
        want = float((col.T @ hm @ col).item())
        if max(quotients) - min(quotients) > 1e-4 * max(map(abs, quotients)) + 1e-9:
            continue  # rounding or cancellation in f at this point: no verdict on the Hessian here
        if abs(quotients[-1] - want) > 1e-3 * max(abs(want), abs(quotients[-1])) + 1e-6:
            return False
        checked += 1
        if checked == HESSIAN_POINTS:
            return True
    return False


HESSIAN_POINTS = 4


def _spec(s: Shape) -> str:
    from matcalc_cli.dims import spec_of

    return spec_of(s)
