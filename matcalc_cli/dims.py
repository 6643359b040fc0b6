"""Dimensions: --shape specs, their spelling in messages and output, and unification.

A dimension is an int, a name ("n"), a product of them ("m·n", as dim_product spells it)
or, while typing runs, an unknown ("?1"). _Dims solves equations between them by
union-find; a product unifies factor by factor.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Dim, Shape

_DIM = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_]*|[1-9][0-9]*)$")
FRESH_NAMES = ("n", "m", "k", "p", "q", "r", "l", "d")


_TIMES = re.compile(r"^\s*([A-Za-z]|\d+)\s*[x*]\s*([A-Za-z]|\d+)\s*$|^\s*(\w+)\s*×\s*(\w+)\s*$")


def parse_dim(text: str) -> Dim:
    """A name, a positive integer, or a product as matcalc prints one (m·n, n²)."""
    text = text.strip()
    if text.endswith("²") and len(text) > 1:
        d = parse_dim(text[:-1])
        return E.dim_product(d, d)
    if "·" in text:
        return compose(parse_dim(part) for part in text.split("·"))
    if text.isdigit() and len(text) > 15:
        raise MatcalcError("option", f"dimension too large: {text[:20]}... ({len(text)} digits)")
    if not _DIM.match(text):
        raise MatcalcError("option", f"bad dimension {text!r}: use a name (n, d1) or a positive integer")
    return int(text) if text.isdigit() else text


def parse_spec(spec: str, name: str = "") -> Shape:
    """`scalar`, `n` (a column vector) or `n,m` (a matrix)."""
    try:
        return _parse_spec(spec.strip())
    except MatcalcError as err:
        shown = spec if len(spec) <= 40 else spec[:40] + "..."
        where = f"--shape {name}={shown}: " if name else ""
        raise MatcalcError("option", where + err.message) from None


def _parse_spec(spec: str) -> Shape:
    if spec == "scalar":
        return SCALAR
    times = _TIMES.match(spec)
    if times is not None:  # nxn, n×n, n*n: a matrix's dimensions are separated by a comma
        r, c = (g for g in times.groups() if g is not None)
        raise MatcalcError("option", f"bad shape {spec!r}: a matrix is rows,columns: write {r},{c}")
    parts = spec.split(",")
    if len(parts) == 1:
        return (parse_dim(parts[0]), 1)
    if len(parts) == 2:
        return (parse_dim(parts[0]), parse_dim(parts[1]))
    raise MatcalcError("option", f"bad shape {spec!r}: use scalar, n or n,m")


def message_names() -> Iterator[str]:
    return itertools.chain(FRESH_NAMES, (f"d{i}" for i in itertools.count(1)))


def format_dim(d: Dim) -> str:
    parts = str(d).split("·")
    if len(parts) == 2 and parts[0] == parts[1]:
        return f"{parts[0]}²"
    return str(d)


def format_shape(shape: Shape) -> str:
    return f"{format_dim(shape[0])}×{format_dim(shape[1])}"


def spec_of(shape: Shape) -> str:
    """The --shape spec that declares this shape (scalar, n or n,m)."""
    if shape == SCALAR:
        return "scalar"
    if shape[1] == 1:
        return format_dim(shape[0])
    return f"{format_dim(shape[0])},{format_dim(shape[1])}"


# ------------------------------------------------------------------ unification
def _composite(d: Dim) -> bool:
    return isinstance(d, str) and "·" in d


def _fresh(d: Dim) -> bool:
    return isinstance(d, str) and d.startswith("?") and "·" not in d


def _factor(p: str) -> Dim:
    return int(p) if p.isdigit() else p


def _factors(d: Dim) -> list[Dim]:
    return [_factor(p) for p in str(d).split("·")] if _composite(d) else [d]


def compose(parts: Iterator[Dim] | list[Dim]) -> Dim:
    """The product of dimensions, in dim_product's one spelling."""
    out: Dim = 1
    for p in parts:
        out = E.dim_product(out, p)
    return out


def rename(d: Dim, naming: Callable[[Dim], Dim]) -> Dim:
    """d with each unsolved factor (?1) renamed."""
    return compose(naming(_factor(p)) if _fresh(_factor(p)) else _factor(p) for p in str(d).split("·"))


@dataclass
class Dims:
    """Union-find over dimensions. Fresh dims are '?k'; they never become 1 by
    unification, because an undeclared vector or matrix is never 1-by-anything."""

    parent: dict[Dim, Dim] = field(default_factory=dict)
    count: int = 0

    def fresh(self) -> Dim:
        self.count += 1
        return f"?{self.count}"

    def find(self, d: Dim) -> Dim:
        if _composite(d):  # m·n: the product of what its factors are now
            return compose(self.find(_factor(p)) for p in str(d).split("·"))
        root = d
        while root in self.parent:
            root = self.parent[root]
        while d != root:  # path compression
            self.parent[d], d = root, self.parent[d]
        return root

    def unify(self, a: Dim, b: Dim) -> bool:
        a, b = self.find(a), self.find(b)
        if a == b:
            return True
        if _composite(a) or _composite(b):
            # m·k = n·k when m = n: cancel the common factors, then unify what is left
            # (a product that would have to be split between two unknowns stays unsolved).
            pa, pb = _factors(a), _factors(b)
            for f in list(pa):
                if f in pb:
                    pa.remove(f)
                    pb.remove(f)
            ra, rb = compose(pa), compose(pb)
            if (ra, rb) == (a, b) and _composite(a) and _composite(b):
                # n·n = ?1·?2 (vec(x x^T)^T vec(A)): unknown factors match one for one
                if len(pa) == len(pb) and (all(map(_fresh, pa)) or all(map(_fresh, pb))):
                    return all(self.unify(x, y) for x, y in zip(pa, pb, strict=True))
                return False
            if (ra, rb) != (a, b):
                return self.unify(ra, rb)
            # 6 = 2·?1 (kron(X, B) beside a 6×6 A, B 2×2): the unknown is the quotient.
            for whole, part in ((a, pb), (b, pa)):
                if isinstance(whole, int) and sum(map(_fresh, part)) == 1:
                    known = compose(f for f in part if not _fresh(f))
                    if isinstance(known, int) and whole % known == 0:
                        return self.unify(next(f for f in part if _fresh(f)), whole // known)
        fa, fb = _fresh(a), _fresh(b)
        if (fa and a in _factors(b)) or (fb and b in _factors(a)):
            return False  # ?1 = ?1·n: no dimension is its own multiple
        if fa and b != 1:
            self.parent[a] = b
            return True
        if fb and a != 1:
            self.parent[b] = a
            return True
        return False

    def shape(self, s: Shape) -> Shape:
        return (self.find(s[0]), self.find(s[1]))
