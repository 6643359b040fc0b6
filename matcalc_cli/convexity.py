"""`matcalc convex`: is a scalar expression convex, concave, both or neither in the
variables named, jointly, on its domain, for every value of the other names?

Each question gets `yes` with a certificate (curvature.py's facts: the expression's
composition rules, or its symbolic Hessian proved PSD), `no` with a counterexample (a
point and a direction where f(x + h v) + f(x - h v) - 2 f(x) has the wrong sign, found by
search over the domain and reproducible from the printed, rounded numbers), or `unknown`.
A counterexample outranks a certificate: a `yes` is never printed beside a refutation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcalc_cli import expr as E
from matcalc_cli.curvature import AFFINE, SOURCES, Fact, Prover, Rule
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.numeric import dim_sizes, draw, evaluate, size_of
from matcalc_cli.ops import OPS
from matcalc_cli.report import SCHEMA, typed_input

SECOND_ORDER = Rule("second-order condition: smooth, defined on all of an open convex domain, Hessian PSD",
                    "B&V §3.1.4")
HESSIAN = Rule("matcalc's Hessian, v^T H v checked against central differences", "matcalc diff --wrt x --wrt x")
# Operations that are twice continuously differentiable wherever they are defined: the
# Hessian route is open only to trees made of these.
SMOOTH = frozenset({"var", "const", "eye", "ones", "zeros", "size", "commutation", "add", "mul", "had", "hdiv",
                    "bcast", "T", "inv", "pow", "epow", "tr", "det", "logdet", "diag", "kron", "vec", "unvec",
                    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "sum", "mean", "softmax",
                    "logsumexp"})


@dataclass(frozen=True)
class Counterexample:
    values: dict[str, Any]  # the point: every name
    direction: dict[str, Any]  # v: the variables asked about
    h: float
    f: tuple[float, float, float]  # f(x - h v), f(x), f(x + h v)

    @property
    def second_difference(self) -> float:
        return self.f[0] + self.f[2] - 2 * self.f[1]

    def lines(self) -> list[str]:
        d2 = self.second_difference
        return [f"at {_values_text(self.values)}",
                f"along v: {_values_text(self.direction)}, h = {self.h:g}",
                f"f(x - h v) = {_num(self.f[0])}, f(x) = {_num(self.f[1])}, f(x + h v) = {_num(self.f[2])}",
                f"f(x + h v) + f(x - h v) - 2 f(x) = {_num(d2)} {'<' if d2 < 0 else '>'} 0 "
                f"(second directional derivative about {_num(d2 / self.h ** 2)})"]

    def to_json(self) -> dict[str, Any]:
        return {"point": {k: _listed(v) for k, v in self.values.items()},
                "direction": {k: _listed(v) for k, v in self.direction.items()}, "h": self.h,
                "f_minus": self.f[0], "f": self.f[1], "f_plus": self.f[2],
                "second_difference": self.second_difference,
                "second_derivative": self.second_difference / self.h ** 2}


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
    claim = {"psd": "is PSD", "pd": "is PD", "convex": "is convex", "concave": "is concave",
             "affine": "is affine"}.get(f.claim.lower(), f.claim)
    return f"{render(f.node)} {claim}"


def fact_text(f: Fact, render: Any) -> str:
    return f"{claim_text(f, render)}   [{f.rule.name}: {f.rule.source}]"


# ------------------------------------------------------------------ the command
def convex(source: str, wrt: list[str], shapes: list[str] | None = None, symmetric: list[str] | None = None,
           positive: list[str] | None = None, spd: list[str] | None = None) -> Verdict:
    """Both questions for source in the variables wrt; MatcalcError on bad input."""
    if not wrt:
        raise MatcalcError("option", "--wrt is required: the variables the question is about")
    pos, definite = frozenset(positive or ()), frozenset(spd or ())
    _, typed, _, sym, notes = typed_input(source, list(dict.fromkeys(wrt)), shapes,
                                          sorted(set(symmetric or ()) | definite))
    f = typed.expr
    if not f.is_scalar:
        raise MatcalcError("unsupported", "convex needs a scalar expression; this one is "
                           f"{f.shape[0]}×{f.shape[1]} (take a sum or a norm)")
    notes = tuple(n for n in notes if not any(n.startswith(f"--symmetric {d}:") for d in definite))
    absent = sorted(n for n in pos | definite if n not in typed.variables)
    notes += tuple(f"{'--spd' if n in definite else '--positive'} {n}: {n} does not occur in the expression"
                   for n in absent)
    pos, definite = pos - set(absent), definite - set(absent)
    for name in definite:
        s = typed.variables[name]
        if s[0] != s[1] or s == E.SCALAR:
            raise MatcalcError("option", f"--spd {name}: {name} is not a square matrix")
    wrt_t = tuple(dict.fromkeys(wrt))
    prover = Prover(wrt_t, pos, definite)
    curv = prover.curvature(f)
    certificates: dict[str, tuple[Fact, ...]] = {}
    if curv.affine:  # the composition facts stop at affine subexpressions: the whole is one
        prover.facts.add(f, "affine", AFFINE)
    if curv.convex:
        certificates["convex"] = tuple(prover.facts.items)
    if curv.concave:
        certificates["concave"] = tuple(prover.facts.items)
    if len(certificates) < 2 and len(wrt_t) == 1:
        certificates = {**_hessian_route(source, f, wrt_t[0], typed.variables, shapes, sym, pos, definite),
                        **certificates}
    found = search(f, typed.variables, wrt_t, sym, pos, definite, frozenset(certificates))
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
    domain = {n: "SPD" if n in definite else "positive" if n in pos else "symmetric"
              for n in typed.variables if n in definite | pos | sym}
    return Verdict(source, wrt_t, typed.variables, answers["convex"], answers["concave"], notes, domain)


def _hessian_route(source: str, f: Expr, x: str, variables: dict[str, Shape], shapes: list[str] | None,
                   sym: frozenset[str], pos: frozenset[str], spd: frozenset[str]) -> dict[str, tuple[Fact, ...]]:
    """Certificates from the symbolic Hessian, where f is smooth and defined on all of the
    declared domain (an open convex set): H PSD everywhere proves convexity, -H concavity."""
    prover = Prover((x,), pos, spd)
    if not _smooth_and_total(f, prover):
        return {}
    from matcalc_cli.report import differentiate

    try:
        report = differentiate(source, [x, x], shapes, sorted(sym))
    except MatcalcError:
        return {}
    if not _hessian_agrees(f, report.derivative.expr, x, variables, sym, pos, spd):
        return {}
    h = report.derivative.expr
    out = {}
    for q, m in (("convex", h), ("concave", E.neg(h))):
        prover = Prover((x,), pos, spd)
        if prover.psd(m):
            hess = Fact(h, f"is the Hessian of f by {x}", HESSIAN)
            out[q] = (hess, *prover.facts.items, Fact(m, "is PSD, so f is " + q, SECOND_ORDER))
    return out


def _names(hessian: Expr, variables: dict[str, Shape]) -> tuple[tuple[Expr, str], ...]:
    """What the Hessian's text names (where s = sigmoid(X theta)), as diff prints it."""
    from matcalc_cli import naming

    named = naming.name(hessian, variables)
    return tuple((node, name) for node, (name, _) in zip(named.nodes, named.where, strict=True))


def _abbreviate(e: Expr, subst: dict[Expr, Expr]) -> Expr:
    from matcalc_cli.ops import rebuild

    memo: dict[Expr, Expr] = {}
    for n in E.walk(e):
        memo[n] = subst[n] if n in subst else rebuild(n, [memo[a] for a in n.args]) if n.args else n
    return memo[e]


def _smooth_and_total(f: Expr, prover: Prover) -> bool:
    """Every operation twice differentiable where defined, and defined at every point of the
    declared domain (each restricted argument provably inside its function's domain)."""
    parents: dict[Expr, set[str]] = {}
    for node in E.walk(f):
        for a in node.args:
            parents.setdefault(a, set()).add(f"{node.op}:{node.param}" if node.op == "pow" else node.op)
    for node in E.walk(f):
        if not prover.depends(node):
            continue
        if node.op == "norm":  # smooth only squared
            if parents.get(node, set()) != {"pow:2"}:
                return False
            continue
        if node.op not in SMOOTH:
            return False
        arg = node.args[0] if node.args else None
        if node.op in ("log", "sqrt") or (node.op in ("pow", "epow") and node.number != int(node.number)):
            if arg is None or not prover.sign(arg).positive:
                return False
        if node.op in ("pow", "epow") and node.number < 0 and node.is_scalar == (node.op == "pow"):
            if arg is None or not (prover.sign(arg).positive or prover.sign(arg).negative):
                return False
        if node.op == "hdiv" and prover.depends(node.args[1]):
            s = prover.sign(node.args[1])
            if not (s.positive or s.negative):
                return False
        matrix_inverse = node.op in ("inv", "logdet") or (node.op == "pow" and not node.is_scalar
                                                          and node.number < 0)
        if matrix_inverse and arg is not None and not node.is_scalar and prover.psd(arg) != "pd":
            return False
        if node.op == "logdet" and arg is not None and prover.psd(arg) != "pd":
            return False
    return True


# ------------------------------------------------------------------ counterexamples
ATTEMPTS = 48
SCALES = (1.0, 0.1, 10.0, 0.01, 100.0, 0.3, 3.0)
STEPS = (0.5, 0.1, 0.01)
MARGIN = 1e-7  # of the largest magnitude met while evaluating: far above rounding


def _point(attempt: int, variables: dict[str, Shape], wrt: tuple[str, ...], sym: frozenset[str],
           pos: frozenset[str], spd: frozenset[str], unit: bool = False
           ) -> tuple[dict[str, Any], dict[Any, int], np.random.Generator]:
    """A random point of the declared domain, rounded: sizes 2 first, then varied; every
    other attempt all names positive (log(x) needs it); the variables at several scales."""
    rng = np.random.default_rng(attempt)
    sizes = {d: 2 for d in dim_sizes(variables)} if attempt < 8 else dim_sizes(variables, base=attempt)
    all_positive = attempt % 2 == 1
    names = list(variables)
    values = {}
    for n in names:
        v = draw(variables[n], n in sym or n in spd, rng, sizes, n in pos or n in spd or all_positive)
        if n in pos:  # a square matrix is drawn near the identity: --positive wants every entry positive
            v = np.abs(v) + 0.05
        scale = 1.0 if unit else SCALES[(attempt // 2 + names.index(n)) % len(SCALES)] if n in wrt else \
            float(rng.choice((0.3, 1.0, 3.0)))
        values[n] = _round(np.asarray(v, dtype=float) * scale)
    return values, sizes, rng


def _direction(rng: np.random.Generator, values: dict[str, Any], variables: dict[str, Shape],
               wrt: tuple[str, ...], sizes: dict[Any, int], symmetric: frozenset[str]) -> dict[str, Any]:
    out = {}
    for w in wrt:
        shape = tuple(size_of(d, sizes) for d in variables[w])
        d = rng.standard_normal(shape)
        if w in symmetric:
            d = (d + d.T) / 2
        out[w] = _round(d * max(float(np.max(np.abs(values[w]))), 1e-3))
    return out


def search(f: Expr, variables: dict[str, Shape], wrt: tuple[str, ...], sym: frozenset[str],
           pos: frozenset[str], spd: frozenset[str], certified: frozenset[str] = frozenset()
           ) -> dict[str, Counterexample]:
    """Points and directions where the second difference of f has the wrong sign for
    convexity (negative) or concavity (positive), over the domain at several scales and both
    signs; the numbers are rounded first so that the printed point reproduces the values.
    A certified question is searched too, for fewer attempts: a check on the rules."""
    found: dict[str, Counterexample] = {}
    for attempt in range(ATTEMPTS):
        open_questions = [q for q in ("convex", "concave") if q not in found
                          and (q not in certified or attempt < CHECK_ATTEMPTS)]
        if not open_questions:
            break
        values, sizes, rng = _point(attempt, variables, wrt, sym, pos, spd)
        f0 = _value(f, values, sizes)
        if f0 is None:
            continue
        for _ in range(3):
            direction = _direction(rng, values, variables, wrt, sizes, sym | spd)
            for h in STEPS:
                cx = _try(f, values, direction, h, sizes, pos, spd, f0)
                if cx is not None:
                    found.setdefault("convex" if cx.second_difference < 0 else "concave", cx)
    return found


def _hessian_agrees(f: Expr, hessian: Expr, x: str, variables: dict[str, Shape], sym: frozenset[str],
                    pos: frozenset[str], spd: frozenset[str]) -> bool:
    """v^T H v against the second difference of f along v, at a few points of the domain:
    the certificate rests on matcalc's Hessian, so the Hessian is checked first."""
    checked = 0
    for attempt in range(6 * HESSIAN_POINTS):
        values, sizes, rng = _point(attempt, variables, (x,), sym, pos, spd, unit=True)
        f0 = _value(f, values, sizes)
        if f0 is None:
            continue
        v = _direction(rng, values, variables, (x,), sizes, sym | spd)
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
CHECK_ATTEMPTS = 12


def _try(f: Expr, values: dict[str, Any], direction: dict[str, Any], h: float, sizes: dict[Any, int],
         pos: frozenset[str], spd: frozenset[str], f0: float) -> Counterexample | None:
    """A counterexample at values along direction with step h, if the second difference's
    sign is beyond doubt: far above the rounding of every value met on the way, and the
    same when every input moves by a relative 1e-9 (a value that cancellation amplifies,
    log(1 - sigmoid(30)), moves with it and is refused)."""
    ends = _ends(f, values, direction, h, sizes, pos, spd)
    if ends is None:
        return None
    d2 = ends[0] + ends[1] - 2 * f0
    scale = max(_magnitude(f, values, sizes), *(_magnitude(f, _moved(values, direction, s * h), sizes)
                                                 for s in (-1.0, 1.0)))
    if not abs(d2) > MARGIN * scale:
        return None
    rng = np.random.default_rng(0)
    nudged = {k: _nudge(v, rng) for k, v in values.items()}
    again = _ends(f, nudged, direction, h, sizes, pos, spd)
    g0 = _value(f, nudged, sizes)
    if again is None or g0 is None or abs(again[0] + again[1] - 2 * g0 - d2) > 1e-3 * abs(d2):
        return None
    # The same second difference in extended precision: rounding that a saturated sigmoid
    # turns into steps of the size of the difference itself (log(sigmoid(-37))) shows here.
    wide = [_wide_value(f, _moved(values, direction, t * h), sizes) for t in (-1.0, 0.0, 1.0)]
    if all(w is not None for w in wide) and WIDE:
        if abs(wide[0] + wide[2] - 2 * wide[1] - d2) > 1e-3 * abs(d2):  # type: ignore[operator]
            return None
    elif not abs(d2) > FALLBACK_MARGIN * scale:
        return None
    return Counterexample(values, direction, h, (ends[0], f0, ends[1]))


# Extended precision where the platform has it (x86: 64-bit mantissa, eps 1e-19).
WIDE = bool(np.finfo(np.longdouble).eps < 1e-18)
FALLBACK_MARGIN = 1e-4  # without it (linalg has no long double): a margin far from any rounding


def _wide_value(f: Expr, values: dict[str, Any], sizes: dict[Any, int]) -> Any:
    """f in long double, or None where an operation has no long double (linalg)."""
    from matcalc_cli.numeric import _Env

    class Wide(_Env):
        def value(self, name: str) -> np.ndarray:
            a = np.asarray(self.values[name], dtype=np.longdouble)
            return a.reshape(1, 1) if a.ndim == 0 else a

    env = Wide(values, sizes)
    memo: dict[int, Any] = {}
    with np.errstate(all="ignore"):
        try:
            for node in E.walk(f):
                a = np.asarray(OPS[node.op].evaluate(env, node, [memo[id(x)] for x in node.args]))
                if not node.args:  # numbers, eye, ones: exact in double
                    a = a.astype(np.longdouble)
                elif a.dtype != np.longdouble:
                    return None  # something on the way rounded to double
                memo[id(node)] = a.reshape(1, 1) if a.ndim == 0 else a
        except (TypeError, np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return None
    out = memo[id(f)]
    return out.reshape(-1)[0] if out.size == 1 and np.isfinite(out.reshape(-1)[0]) else None


def _moved(values: dict[str, Any], direction: dict[str, Any], step: float) -> dict[str, Any]:
    return {**values, **{w: values[w] + step * d for w, d in direction.items()}}


def _ends(f: Expr, values: dict[str, Any], direction: dict[str, Any], h: float, sizes: dict[Any, int],
          pos: frozenset[str], spd: frozenset[str]) -> tuple[float, float] | None:
    """f(x - h v) and f(x + h v), both inside the declared domain and defined."""
    out = []
    for sign in (-1.0, 1.0):
        p = _moved(values, direction, sign * h)
        if not all(_in_domain(p[w], w in pos, w in spd) for w in direction):
            return None
        fv = _value(f, p, sizes)
        if fv is None:
            return None
        out.append(fv)
    return out[0], out[1]


def _nudge(v: Any, rng: np.random.Generator) -> Any:
    """v with each entry moved by a relative 1e-9 (symmetric matrices stay symmetric)."""
    a = np.asarray(v, dtype=float)
    r = rng.standard_normal(a.shape)
    if a.ndim == 2 and a.shape[0] == a.shape[1] and np.array_equal(a, a.T):
        r = (r + r.T) / 2
    out = a * (1 + 1e-9 * r)
    return float(out.item()) if np.ndim(v) == 0 else out


def _in_domain(v: Any, positive: bool, spd: bool) -> bool:
    a = np.asarray(v, dtype=float)
    if positive and not np.all(a > 0):
        return False
    if spd:
        try:
            np.linalg.cholesky((a + a.T) / 2)
        except np.linalg.LinAlgError:
            return False
    return True


def _value(f: Expr, values: dict[str, Any], sizes: dict[Any, int]) -> float | None:
    with np.errstate(all="ignore"):
        try:
            v = evaluate(f, values, sizes)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return None
    x = float(v.item())
    return x if np.isfinite(x) and abs(x) < 1e100 else None


def _magnitude(f: Expr, values: dict[str, Any], sizes: dict[Any, int]) -> float:
    """The largest entry of any subexpression at the point: what rounding is relative to."""
    from matcalc_cli.numeric import _Env

    env = _Env(values, sizes)
    memo: dict[int, np.ndarray] = {}
    top = 1.0
    with np.errstate(all="ignore"):
        for node in E.walk(f):
            a = np.asarray(OPS[node.op].evaluate(env, node, [memo[id(x)] for x in node.args]), dtype=float)
            memo[id(node)] = a.reshape(1, 1) if a.ndim == 0 else a
            if a.size:
                top = max(top, float(np.nanmax(np.abs(a))) if np.any(np.isfinite(a)) else 0.0)
    return top


def _round(v: Any) -> Any:
    """Three significant digits: the printed numbers are the point itself."""
    if np.isscalar(v) or np.asarray(v).size == 1:
        x = float(np.asarray(v).item())
        return float(f"{x:.3g}")
    return np.vectorize(lambda x: float(f"{x:.3g}"))(np.asarray(v, dtype=float))


# ------------------------------------------------------------------ text
def _num(x: float) -> str:
    return f"{x:.6g}"


def _listed(v: Any) -> Any:
    a = np.asarray(v, dtype=float)
    return float(a.item()) if a.size == 1 else a.tolist()


def _array(v: Any) -> str:
    a = np.asarray(v, dtype=float)
    if a.size == 1:
        return f"{float(a.item()):g}"
    if a.ndim == 2 and a.shape[1] == 1:
        return "[" + ", ".join(f"{x:g}" for x in a[:, 0]) + "]"
    return "[" + "; ".join(", ".join(f"{x:g}" for x in row) for row in a) + "]"


def _values_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_array(v)}" for k, v in values.items())


def _spec(s: Shape) -> str:
    from matcalc_cli.dims import spec_of

    return spec_of(s)
