"""Matching a pattern's left side (patterns.py) against a tree: each variable bound once,
the same tree wherever it occurs, its guards checked as it is bound; numbers, broadcasts,
negated terms, sums and Hadamard products in either order, products cut anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Dim, Expr
from matcalc_cli.ops import OPS
from matcalc_cli.ops.symmetry import is_symmetric
from matcalc_cli.simplify.cost import key
from matcalc_cli.simplify.guards import DIMS, NUMBERS, SHAPES, TREES
from matcalc_cli.simplify.instantiate import Binding
from matcalc_cli.simplify.normal import hadamard, product, total
from matcalc_cli.syntax import Syntax

_COMMUTATIVE = {"+": K.ADD, ".*": K.HAD}
BINARY = {"+": K.ADD, "-": K.ADD, ".*": K.HAD, "./": K.HDIV, " ": K.MUL, "*": K.MUL, "@": K.MUL}
_ELEMENTWISE = ("+", "-", ".*", "./")
PRODUCT = (" ", "*", "@")
_FILLED = (K.ONES, K.ZEROS, K.EYE, K.COMMUTATION)  # calls whose dimension arguments a pattern binds


@dataclass(frozen=True)
class Guard:
    name: str
    var: str
    dims: tuple[str, ...] = ()  # shape(?X, ?m, ?n): the dimensions it binds (or numbers)


def scalar_pairs(e: Expr) -> list[tuple[int, int]]:
    """Two scalar factors of a product anywhere in it (scalars commute): det(A X) / det(X) in
    det(A X) t / det(X)."""
    scalars = [i for i, f in enumerate(e.args) if f.is_scalar]
    return [(i, j) for i, j in combinations(scalars, 2) if j > i + 1]


def _product(fs: tuple[Expr, ...]) -> Expr:
    """Factors of a product in its normal form, as they stand."""
    return fs[0] if len(fs) == 1 else Expr(K.MUL, fs, E.mul_shape(fs))


def _in_order(e: Expr) -> list[tuple[int, Expr]]:
    """A Hadamard product's factors as hadamard() orders them (sums last, then by key): the
    first that matches is the one the normal form puts first."""
    items = list(enumerate(e.args))
    return sorted(items, key=lambda t: (t[1].op == K.ADD, key(t[1]))) if e.op == K.HAD else items


def _number(e: Expr) -> Expr | None:
    """The constant e is, or broadcasts."""
    c = e.args[0] if e.op == K.BCAST else e
    return c if c.op == K.CONST else None


def _broadcast(e: Expr) -> Expr | None:
    """s for a scalar s broadcast: bcast(s), or s ones(m, n)."""
    if e.op == K.BCAST:
        return e.args[0]
    if e.op == K.MUL and e.args[-1].op == K.ONES and all(f.is_scalar for f in e.args[:-1]):
        return E.mul(*e.args[:-1])
    return None


def sign_dropped(e: Expr) -> Expr | None:
    """-e where e has a negative coefficient (-2 u is 2 u), else None."""
    if e.op == K.BCAST:
        inner = sign_dropped(e.args[0])
        return E.bcast(inner, e.shape) if inner is not None else None
    if e.op == K.CONST and isinstance(e.number, Fraction) and e.number < 0:
        return E.const(-e.number)
    if e.op == K.MUL and e.args[0].op == K.CONST and isinstance(e.args[0].number, Fraction) and e.args[0].number < 0:
        return product([E.const(-e.args[0].number), E.mul(*e.args[1:])])
    return None


class Matcher:
    """One pattern's matching: each variable's guards checked as it is bound."""

    def __init__(self, numbers: frozenset[str], guards: tuple[Guard, ...]) -> None:
        self.numbers = numbers
        self.guards: dict[str, list[Guard]] = {}
        for g in guards:
            self.guards.setdefault(g.var, []).append(g)

    def bind(self, b: Binding, var: str, value: Expr | Dim) -> Binding | None:
        if var in b:
            return b if b[var] == value else None
        out: Binding | None = {**b, var: value}
        for g in self.guards.get(var, ()):
            if out is None or not self.holds(g, value):
                return None
            for d, have in zip(g.dims, value.shape if g.dims and isinstance(value, Expr) else (), strict=True):
                out = _match_dim(Syntax("name", (0, 0), d) if d.startswith("?")
                                 else Syntax("num", (0, 0), d, (), Fraction(d)), have, out, self) \
                    if out is not None else None
        return out

    @staticmethod
    def holds(g: Guard, value: Expr | Dim) -> bool:
        if not isinstance(value, Expr):
            return g.name in DIMS and DIMS[g.name](value)
        if g.name in SHAPES:
            return SHAPES[g.name](value.shape)
        if g.name in TREES:
            return TREES[g.name](value)
        if g.name in NUMBERS:
            return NUMBERS[g.name](value.number)
        return g.name == "shape"

    def match(self, p: Syntax, e: Expr, b: Binding) -> Binding | None:
        k = p.kind
        if k == "name":
            if not p.text.startswith("?"):
                return None
            if p.text in self.numbers:
                c = _number(e)
                return self.bind(b, p.text, c) if c is not None else None
            return self.bind(b, p.text, e)
        if k == "num":
            c = _number(e)
            return b if c is not None and c.number == p.value else None
        if k == "neg":
            n = sign_dropped(e)
            if n is None and p.args[0].text in self.numbers:  # -?k: any number, ?k its negation
                c = _number(e)
                n = E.const(-c.number) if c is not None and isinstance(c.number, Fraction) else None
            return self.match(p.args[0], n, b) if n is not None else None
        if k == "call":
            return self._call(p, e, b)
        if k == "postfix":
            return self._postfix(p, e, b)
        if k == "binary":
            if p.text in ("^", ".^"):
                return self._power(p, e, b)
            if BINARY.get(p.text) != e.op:
                return None
            if len(e.args) == 2:
                return self.pair(p, *e.args, b)
            if e.op == K.MUL:  # ?s ?M: the scalar factors and the rest; ?c ?v: the first and the
                # rest; then any other cut (?B (?A ?B)^-1 binds ?B to the last factors)
                run = next((i for i, f in enumerate(e.args) if not f.is_scalar), len(e.args))
                for cut in dict.fromkeys(c for c in (run, *range(1, len(e.args))) if 0 < c < len(e.args)):
                    got = self.pair(p, _product(e.args[:cut]), _product(e.args[cut:]), b)
                    if got is not None:
                        return got
                return None
            rebuild = total if e.op == K.ADD else hadamard  # ?x .* ?y: one factor, and the rest
            last: tuple[int, Expr] | None = None
            for i, x in _in_order(e):
                # x next to its equal leaves the same rest: x .* x .* ... .* x is tried once
                again, last = last is not None and last[0] == i - 1 and last[1] == x, (i, x)
                if again or not any(self.could(p, x)):
                    continue
                got = self.pair(p, x, rebuild([*e.args[:i], *e.args[i + 1:]]), b)
                if got is not None:
                    return got
        return None

    def could(self, p: Syntax, x: Expr) -> tuple[bool, bool]:
        """Whether x can be the first operand of p (a binary pattern of a sum or a Hadamard
        product), whether its second, bound to nothing (a binding only narrows a match): what
        any pair with x needs, checked once per term, so that a long sum or product is not
        paired term by term (quadratic) where no pair can match."""
        pa, pb = p.args
        second = sign_dropped(x) if p.text == "-" else x
        return (self.operand(pa, x, {}, True) is not None,
                second is not None and self.operand(pb, second, {}, True) is not None)

    def pair(self, p: Syntax, x: Expr, y: Expr, b: Binding | None = None) -> Binding | None:
        """p, a binary pattern, against the two operands x and y (either order where it commutes)."""
        b = {} if b is None else b
        pa, pb = p.args
        if p.text == "-":
            for u, v in ((x, y), (y, x)):
                nv = sign_dropped(v)
                got = self.both(pa, u, pb, nv, b) if nv is not None else None
                if got is not None:
                    return got
            return None
        got = self.both(pa, x, pb, y, b, p.text in _ELEMENTWISE)
        if got is None and (p.text in _COMMUTATIVE or (p.text in PRODUCT and x.is_scalar and y.is_scalar)):
            got = self.both(pa, y, pb, x, b, p.text in _ELEMENTWISE)  # scalar factors commute
        return got

    def both(self, pa: Syntax, x: Expr, pb: Syntax, y: Expr, b: Binding, elementwise: bool = True,
             ) -> Binding | None:
        got = self.operand(pa, x, b, elementwise)
        return self.operand(pb, y, got, elementwise) if got is not None else None

    def operand(self, p: Syntax, e: Expr, b: Binding, elementwise: bool) -> Binding | None:
        """In a sum, Hadamard product or quotient a scalar broadcast (s, or s ones(m, n)) is
        the scalar s."""
        got = self.match(p, e, b)
        if got is None and elementwise:
            s = _broadcast(e)
            got = self.match(p, s, b) if s is not None else None
        return got

    def _call(self, p: Syntax, e: Expr, b: Binding) -> Binding | None:
        if e.op != p.text:
            return None
        op = OPS[p.text]
        args, dims = p.args[:op.arity], p.args[op.arity:]
        if len(args) != len(e.args):
            return None
        out: Binding | None = b
        if dims:
            if p.text not in _FILLED:
                return None
            have = (e.shape[0],) if p.text == K.EYE or (len(dims) == 1 and e.shape[1] == 1) else e.shape
            have = e.dims if p.text == K.COMMUTATION else have
            if len(have) != len(dims):
                return None
            for d, v in zip(dims, have, strict=True):
                out = _match_dim(d, v, out, self) if out is not None else None
        for pa, ea in zip(args, e.args, strict=True):
            if out is None:
                return None
            out = self.match(pa, ea, out)
        return out

    def _postfix(self, p: Syntax, e: Expr, b: Binding) -> Binding | None:
        x = p.args[0]
        if p.text == "T":
            if e.op == K.T:
                return self.match(x, e.args[0], b)
            # a symmetric matrix is its own transpose: (B W)^-T W = B^-T for a symmetric W
            return self.match(x, e, b) if not e.is_scalar and is_symmetric(e) else None
        if p.text == "invT":
            return self.match(x, e.args[0].args[0], b) if e.op == K.INV and e.args[0].op == K.T else None
        if p.text == "pow" and p.value == -1 and e.op == K.INV:
            return self.match(x, e.args[0], b)
        if p.text in ("pow", "epow"):  # the postfix's spelling, read as the node kind it builds
            kind = K.POW if p.text == "pow" else K.EPOW
            return self.match(x, e.args[0], b) if e.op == kind and e.number == p.value else None
        return None

    def _power(self, p: Syntax, e: Expr, b: Binding) -> Binding | None:
        """?X^?k: a power (a matrix's inverse is its power -1), ?u.^?k an elementwise power."""
        k: E.Number
        if p.text == "^" and e.op == K.INV:
            base, k = e.args[0], Fraction(-1)
        elif p.text == "^" and e.op == K.POW and e.args[0].op == K.INV:  # X^-2 is (X^-1)^2
            base, k = e.args[0].args[0], -e.number
        elif e.op == (K.POW if p.text == "^" else K.EPOW):
            base, k = e.args[0], e.number
        else:
            return None
        got = self.match(p.args[0], base, b)
        return self.match(p.args[1], E.const(k), got) if got is not None else None


def _match_dim(p: Syntax, d: Dim, b: Binding, m: Matcher) -> Binding | None:
    if p.kind == "name" and p.text.startswith("?"):
        return m.bind(b, p.text, d)
    if p.kind == "num":
        return b if p.value == d else None
    return None
