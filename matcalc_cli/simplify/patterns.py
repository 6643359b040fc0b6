"""Rules written as data: `lhs => rhs if guard, guard`, both sides in matcalc's input language
with pattern variables (?u, ?X), read by matcalc's own parser (syntax.parse_pattern: a ? is
read there and nowhere else), each guard a named predicate on the shape of a variable.

    exp(?u) ./ (1 + exp(?u)) => sigmoid(?u)
    tr(kron(?A, ?B)) => tr(?A) tr(?B) if square(?A), square(?B)

A variable matches any tree, the same tree wherever it occurs; a number matches that number
(or that number broadcast: the 1 in 1 + exp(u)); ones(?n), ones(?m, ?n) and eye(?n) bind
dimensions; a sum or Hadamard product of two matches its terms in either order, a product
of two any two adjacent factors of a longer product. The right side is built through the
builders, as the input language builds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from matcalc_cli import expr as E
from matcalc_cli.build import build_node
from matcalc_cli.expr import Dim, Expr, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.simplify.normal import product
from matcalc_cli.syntax import Syntax, parse_pattern

Binding = dict[str, "Expr | Dim"]

# The guards a rule may name, each a predicate on the shape of one variable.
GUARDS: dict[str, Callable[[Shape], bool]] = {
    "scalar": lambda s: s == E.SCALAR,
    "square": lambda s: s[0] == s[1],  # scalars too: a 1×1 is square
    "column": lambda s: s[1] == 1 and s[0] != 1,
    "row": lambda s: s[0] == 1 and s[1] != 1,
    "vector": E.is_vector,
    "matrix": lambda s: s[0] != 1 and s[1] != 1,
}
# The shape each guard asks of an example (the rule's generated test row): n×n, a scalar, ...
EXAMPLE_SHAPES: dict[str, str] = {"scalar": "scalar", "square": "n,n", "column": "n", "row": "1,n",
                                  "vector": "n", "matrix": "n,m"}
_GUARD = re.compile(r"^\s*([a-z]+)\((\?[A-Za-z]\w*)\)\s*$")
_COMMUTATIVE = {"+": "add", ".*": "had"}
_BINARY = {"+": "add", ".*": "had", "./": "hdiv", " ": "mul", "*": "mul", "@": "mul"}
_FILLED = ("ones", "zeros", "eye")  # calls whose dimension arguments a pattern binds


@dataclass(frozen=True)
class Pattern:
    text: str  # as written: lhs => rhs if guards
    lhs: Syntax
    rhs: Syntax
    guards: tuple[tuple[str, str], ...]  # (predicate, variable)

    @property
    def head(self) -> str:
        """The op of the nodes the pattern can match."""
        return _head(self.lhs)

    def match(self, e: Expr) -> Binding | None:
        """The binding of the whole node e, or None."""
        return self._guarded(_match(self.lhs, e, {}))

    def _guarded(self, b: Binding | None) -> Binding | None:
        if b is None:
            return None
        for pred, var in self.guards:
            x = b[var]
            if not isinstance(x, Expr) or not GUARDS[pred](x.shape):
                return None
        return b

    def window(self, e: Expr) -> tuple[int, Binding] | None:
        """A product of two on the left side matches two adjacent factors of a longer
        product too (ones(1, ?n) diag(?v) in ones(1, n) diag(v) A): the first such pair."""
        if not (self.lhs.kind == "binary" and _BINARY.get(self.lhs.text) == "mul" and e.op == "mul"
                and len(e.args) > 2):
            return None
        for i in range(len(e.args) - 1):
            b = self._guarded(_match_all(self.lhs.args, e.args[i:i + 2], {}))
            if b is not None:
                return i, b
        return None

    def fires(self, e: Expr) -> bool:
        return self.match(e) is not None or self.window(e) is not None

    def apply(self, e: Expr) -> Expr | None:
        """The right side for e (for a pair of its factors, spliced into the product, which
        is put back in its normal form), or None where the left side does not match."""
        b = self.match(e)
        if b is not None:
            return instantiate(self.rhs, b)
        at = self.window(e)
        if at is None:
            return None
        i, b = at
        return product([*e.args[:i], instantiate(self.rhs, b), *e.args[i + 2:]])


def read(text: str) -> Pattern:
    """A rule's text: lhs => rhs, then optionally if and guards separated by commas."""
    lhs_text, arrow, rest = text.partition("=>")
    if not arrow:
        raise ValueError(f"a rule reads lhs => rhs: {text!r}")
    rhs_text, _, guard_text = rest.partition(" if ")
    guards = []
    for g in filter(None, (part.strip() for part in guard_text.split(","))):
        m = _GUARD.match(g)
        if m is None or m.group(1) not in GUARDS:
            raise ValueError(f"a guard is one of {sorted(GUARDS)} of a variable, not {g!r} in {text!r}")
        guards.append((m.group(1), m.group(2)))
    lhs, rhs = parse_pattern(lhs_text.strip()), parse_pattern(rhs_text.strip())
    bound = _variables(lhs)
    unbound = (_variables(rhs) | {v for _, v in guards}) - bound
    if unbound:
        raise ValueError(f"{sorted(unbound)} of {text!r} do not occur on the left side")
    return Pattern(text, lhs, rhs, tuple(guards))


def _variables(s: Syntax) -> set[str]:
    out = {s.text} if s.kind == "name" and s.text.startswith("?") else set()
    for a in s.args:
        out |= _variables(a)
    return out


def _head(s: Syntax) -> str:
    if s.kind == "call":
        return s.text
    if s.kind == "binary":
        return _BINARY.get(s.text, "mul")
    if s.kind == "postfix":
        return {"T": "T", "invT": "inv", "pow": "pow", "epow": "epow"}[s.text]
    raise ValueError(f"a rule's left side is a call or an operator, not {s.kind}")


def _bind(b: Binding, var: str, value: Expr | Dim) -> Binding | None:
    if var in b:
        return b if b[var] == value else None
    return {**b, var: value}


def _match(p: Syntax, e: Expr, b: Binding) -> Binding | None:
    k = p.kind
    if k == "name":
        return _bind(b, p.text, e) if p.text.startswith("?") else None
    if k == "num":
        c = e.args[0] if e.op == "bcast" else e
        return b if c.op == "const" and c.param == p.value else None
    if k == "call":
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
            have = (e.shape[0],) if p.text == "eye" or (len(dims) == 1 and e.shape[1] == 1) else e.shape
            if len(have) != len(dims):
                return None
            for d, v in zip(dims, have, strict=True):
                out = _match_dim(d, v, out) if out is not None else None
        return _match_all(args, e.args, out)
    if k == "postfix":
        if p.text == "T":
            return _match(p.args[0], e.args[0], b) if e.op == "T" else None
        if p.text == "invT":
            return _match(p.args[0], e.args[0].args[0], b) if e.op == "inv" and e.args[0].op == "T" else None
        if p.text in ("pow", "epow"):
            return _match(p.args[0], e.args[0], b) if e.op == p.text and e.number == p.value else None
        return None
    if k == "binary":
        head = _BINARY.get(p.text)
        if head is None or e.op != head or len(e.args) != 2:
            return None
        pa = list(p.args)
        got = _match_all(pa, e.args, b)
        if got is None and p.text in _COMMUTATIVE:
            got = _match_all(pa[::-1], e.args, b)
        return got
    return None


def _match_all(ps: tuple[Syntax, ...] | list[Syntax], es: tuple[Expr, ...], b: Binding | None) -> Binding | None:
    for p, e in zip(ps, es, strict=True):
        if b is None:
            return None
        b = _match(p, e, b)
    return b


def _match_dim(p: Syntax, d: Dim, b: Binding) -> Binding | None:
    if p.kind == "name" and p.text.startswith("?"):
        return _bind(b, p.text, d)
    if p.kind == "num":
        return b if p.value == d else None
    return None


def instantiate(s: Syntax, b: Binding) -> Expr:
    """The tree s spells, its variables replaced by what they matched."""
    if s.kind == "name":
        value = b[s.text]
        assert isinstance(value, Expr), f"{s.text} is a dimension"
        return value
    if s.kind == "call":
        op = OPS[s.text]
        assert op.apply is not None
        args = [instantiate(a, b) for a in s.args[:op.arity]]
        return op.apply(*args, *(_dim(d, b) for d in s.args[op.arity:]))
    return build_node(s, [instantiate(a, b) for a in s.args], {}, frozenset())


def _dim(s: Syntax, b: Binding) -> Dim:
    if s.kind == "name":
        d = b[s.text]
        assert not isinstance(d, Expr), f"{s.text} is a tree, not a dimension"
        return d
    if s.kind == "num" and s.value is not None:
        return int(s.value)
    if s.kind == "binary" and s.text in ("*", " "):
        return E.dim_product(_dim(s.args[0], b), _dim(s.args[1], b))
    raise ValueError(f"not a dimension: {s}")


def example_source(p: Pattern) -> tuple[str, list[str]]:
    """The left side as input text (?X read as X) and the --shape declarations its guards ask."""
    def plain(text: str) -> str:
        return re.sub(r"\?([A-Za-z]\w*)", r"\1", text)

    first: dict[str, str] = {}
    for g, v in p.guards:  # a variable's first guard gives its shape: square, matrix is n×n
        first.setdefault(v, g)
    shapes = [f"{v[1:]}={EXAMPLE_SHAPES[g]}" for v, g in first.items()]
    return plain(p.text.partition("=>")[0].strip()), shapes


def written_rhs(p: Pattern) -> str:
    return re.sub(r"\?([A-Za-z]\w*)", r"\1", p.text.partition("=>")[2].partition(" if ")[0].strip())

