"""Rules written as data: `lhs => rhs if guard, guard`, both sides in matcalc's input language
with pattern variables (?u, ?X), read by matcalc's own parser (syntax.parse_pattern: a ? is
read there and nowhere else), each guard a named predicate.

    exp(?u) ./ (1 + exp(?u)) => sigmoid(?u)
    tr(kron(?A, ?B)) => tr(?A) tr(?B) if square(?A), square(?B)
    diag(?c ?v) => ?c diag(?v) if number(?c)
    logdet(?X^?k) => ?k logdet(?X) if number(?k)
    log(softmax(?Z)) => ?Z - logsumexp(?Z) ones(1, ?m) if matrix(?Z), shape(?Z, ?n, ?m)

A variable matches any tree, the same tree wherever it occurs; a number that number, or
it broadcast. Guards: on a variable's shape (scalar, column, row, vector, square, matrix,
nonscalar), its tree (symmetric; orthonormal: eigvecs, svd_u, svd_v), its dimensions
(shape(?X, ?m, ?n) binds them; known, several, named), a number (number, integer,
negative: such a variable matches numbers only, and the exponent of ?X^?k, where X^-1 and
X^-2 are powers), and `shorter` (the engine keeps the result where it costs less).
?c ?v is a product's scalar factors (or, where ?c is a number, its first) and the rest; -?u a tree with a
negative coefficient; ?a - ?b a sum of two, one term negated. ones(?m, ?n), eye(?n) bind
dimensions. In a sum, Hadamard product or quotient, a scalar broadcast (or s ones(m, n))
matches as the scalar; a sum or Hadamard product of two matches in either order, inside a
longer one as one term and the rest. At the root a product of two matches two adjacent
factors of a longer product, a sum or Hadamard product of two any two terms, the rest kept;
?a / ?s any factor of a product and any scalar factor s^-1.
The right side is built through the builders (a transpose as the canonical form spells it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.simplify.guards import GUARDS, NUMBERS
from matcalc_cli.simplify.instantiate import Binding, instantiate
from matcalc_cli.simplify.matching import BINARY, PRODUCT, Guard, Matcher, scalar_pairs
from matcalc_cli.simplify.normal import hadamard, product, total
from matcalc_cli.simplify.termwise import through_sums
from matcalc_cli.syntax import Syntax, parse_pattern

_GUARD = re.compile(r"^\s*([a-z]+)\((\?[A-Za-z]\w*)((?:\s*,\s*(?:\?[A-Za-z]\w*|\d+))*)\)\s*$")


@dataclass(frozen=True)
class Pattern:
    text: str  # as written: lhs => rhs if guards
    lhs: Syntax
    rhs: Syntax
    guards: tuple[Guard, ...]
    shorter: bool = False  # if shorter: the engine keeps the right side only where it costs less
    termwise: bool = False  # a product of two: also through sums, term by term (termwise.py)
    chains: bool = False  # termwise chains: a term may go on beyond the factor met

    @property
    def head(self) -> str:
        """The op of the nodes the pattern can match."""
        return _head(self.lhs)

    @property
    def heads(self) -> tuple[str, ...]:
        """Every op the pattern can match at its root: ?X^-1 is a matrix's inverse or a scalar's power."""
        inverse = self.lhs.kind == "postfix" and self.lhs.text == "pow" and self.lhs.value == -1
        return (K.INV, K.POW) if inverse else (self.head,)

    @property
    def numbers(self) -> frozenset[str]:  # the variables that match numbers only
        return frozenset(g.var for g in self.guards if g.name in NUMBERS)

    def match(self, e: Expr) -> Binding | None:
        """The binding of the whole node e, or None (a longer product, sum or Hadamard product, a
        quotient: window's)."""
        if self.head == K.MUL and e.op == K.MUL and (len(e.args) > 2 or self.lhs.text == "/"):
            return None
        if self.head in (K.ADD, K.HAD) and e.op == self.head and len(e.args) > 2:  # window's: pairs of terms
            return None
        return Matcher(self.numbers, self.guards).match(self.lhs, e, {})

    def window(self, e: Expr) -> tuple[tuple[int, int], Binding] | None:
        """At the root, a product of two matches two adjacent factors of a longer product
        (ones(1, ?n) diag(?v) in ones(1, n) diag(v) A), a sum or a Hadamard product of two any
        two of its terms: the first such pair, by position."""
        if self.lhs.kind == "binary" and self.lhs.text == "/" and e.op == K.MUL:
            return self._quotient(e)
        op = BINARY.get(self.lhs.text) if self.lhs.kind == "binary" else None
        if op is None or e.op != op or len(e.args) <= 2 or op == K.HDIV:
            return None
        m = Matcher(self.numbers, self.guards)
        if op == K.MUL:
            pairs = [*((i, i + 1) for i in range(len(e.args) - 1)), *scalar_pairs(e)]
        else:  # pair() tries both orders; only terms that can stand on one side are paired
            roles = [m.could(self.lhs, a) for a in e.args]
            firsts, seconds = ([i for i, r in enumerate(roles) if r[side]] for side in (0, 1))
            pairs = sorted({(min(i, j), max(i, j)) for i in firsts for j in seconds if i != j})
        for i, j in pairs:
            b = m.pair(self.lhs, e.args[i], e.args[j])
            if b is not None:
                return (i, j), b
        return None

    def _quotient(self, e: Expr) -> tuple[tuple[int, int], Binding] | None:
        """?a / ?s in a product: any factor over any scalar factor s^-1 (scalars commute)."""
        m, pa, ps = Matcher(self.numbers, self.guards), *self.lhs.args
        for i, s in enumerate(e.args):
            if s.op == K.POW and s.is_scalar and s.number == -1:
                for j, f in enumerate(e.args):
                    b = m.both(pa, f, ps, s.args[0], {}, False) if j != i else None
                    if b is not None:
                        return (j, i), b
        return None

    def fires(self, e: Expr) -> bool:
        return self.match(e) is not None or self.window(e) is not None or self._through_sums(e) is not None

    def _through_sums(self, e: Expr) -> Expr | None:
        return through_sums(e, self.meet, self.chains) if self.termwise and e.op == K.MUL else None

    def meet(self, x: Expr, y: Expr) -> Expr | None:
        """The right side for the product x y of a product pattern of two, or None."""
        b = Matcher(self.numbers, self.guards).pair(self.lhs, x, y)
        return instantiate(self.rhs, b) if b is not None else None

    def apply(self, e: Expr) -> Expr | None:
        """The right side for e (for a pair of its terms or factors, put back among the
        others in their normal form), or None where the left side does not match."""
        b = self.match(e)
        if b is not None:
            return instantiate(self.rhs, b)
        at = self.window(e)
        if at is None:
            return self._through_sums(e)
        (i, j), b = at
        out = instantiate(self.rhs, b)
        if self.lhs.text == "/":  # the factor i over the scalar j
            return product([out if k == i else f for k, f in enumerate(e.args) if k != j])
        if e.op == K.MUL:  # out in the place of the first factor of the two
            return product([out if k == i else f for k, f in enumerate(e.args) if k != j])
        rest = [a for k, a in enumerate(e.args) if k not in (i, j)]
        return total([*rest, out]) if e.op == K.ADD else hadamard([*rest, out])


def read(text: str) -> Pattern:
    """A rule's text: lhs => rhs, then optionally if and guards separated by commas."""
    lhs_text, arrow, rest = text.partition("=>")
    if not arrow:
        raise ValueError(f"a rule reads lhs => rhs: {text!r}")
    rhs_text, _, guard_text = rest.partition(" if ")
    guards = []
    parts = [part.strip() for part in re.split(r",\s*(?=[a-z]+\b)", guard_text)]
    shorter, chains = "shorter" in parts, "termwise chains" in parts
    termwise = chains or "termwise" in parts
    for g in filter(None, (part for part in parts if part not in ("shorter", "termwise", "termwise chains"))):
        m = _GUARD.match(g)
        dims = tuple(d.strip() for d in m.group(3).split(",") if d.strip()) if m else ()
        if m is None or m.group(1) not in GUARDS or (m.group(1) == "shape") != (len(dims) == 2):
            raise ValueError(f"a guard is one of {sorted(GUARDS)} of a variable "
                             f"(shape(?X, ?m, ?n)), not {g!r} in {text!r}")
        guards.append(Guard(m.group(1), m.group(2), dims))
    lhs, rhs = parse_pattern(lhs_text.strip()), parse_pattern(rhs_text.strip())
    bound = _variables(lhs) | {d for g in guards for d in g.dims if d.startswith("?")}
    unbound = (_variables(rhs) | {g.var for g in guards}) - bound
    if unbound:
        raise ValueError(f"{sorted(unbound)} of {text!r} do not occur on the left side")
    if termwise and not (lhs.kind == "binary" and lhs.text in PRODUCT):
        raise ValueError(f"termwise is for a product of two: {text!r}")
    return Pattern(text, lhs, rhs, tuple(guards), shorter, termwise, chains)


def _variables(s: Syntax) -> set[str]:
    out = {s.text} if s.kind == "name" and s.text.startswith("?") else set()
    for a in s.args:
        out |= _variables(a)
    return out


def _head(s: Syntax) -> str:
    if s.kind == "call":
        return s.text
    if s.kind == "binary":
        return {"^": K.POW, ".^": K.EPOW}.get(s.text) or BINARY.get(s.text, K.MUL)
    if s.kind == "neg":  # -?x matches a product with a negative coefficient
        return K.MUL
    if s.kind == "postfix":
        return {"T": K.T, "invT": K.INV, "pow": K.POW, "epow": K.EPOW}[s.text]
    raise ValueError(f"a rule's left side is a call or an operator, not {s.kind}")
