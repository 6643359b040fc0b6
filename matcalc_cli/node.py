"""The typed node: one small frozen, hash-consed type with an op, arguments and a shape,
the shape arithmetic every stage needs, and the walk over a tree.

Shapes are always two-dimensional: a scalar is (1, 1), a column vector (n, 1),
a matrix (m, n). Dimensions are ints or dimension names ("n"). Building nodes with the
bookkeeping that keeps trees small (flattening, constant folding) is expr.py's job.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Container

from matcalc_cli import kinds as K
from matcalc_cli.params import Dim, DimParam, DimsParam, Number, NumberParam, Param, VarInfo

Shape = tuple[Dim, Dim]
SCALAR: Shape = (1, 1)

# The live nodes by (op, args, shape, param); an entry goes when its node does.
_NODES: dict[tuple[object, ...], weakref.ref[Expr]] = {}


def _forget(key: tuple[object, ...]) -> None:
    ref = _NODES.get(key)
    if ref is not None and ref() is None:
        del _NODES[key]


class Expr:
    """A node. Nodes are hash-consed: building a node equal to a live one gives that one,
    so equality is identity and the hash is the identity's (object's own == and hash, run
    in C: constant time whatever the size below, with no Python call in a dict lookup).
    Frozen: set once, in __new__, except two memo slots that simplify/cost.py fills once (a
    node's cost and order key are pure functions of the node, needed again and again while
    the simplifier runs: kept with the node, they go when it goes)."""

    __slots__ = ("op", "args", "shape", "param", "_cost", "_key", "__weakref__")
    op: str
    args: tuple[Expr, ...]
    shape: Shape
    param: Param
    _cost: int | None
    _key: object

    def __new__(cls, op: str, args: tuple[Expr, ...], shape: Shape, param: Param = None) -> Expr:
        # The children are hash-consed already, so the key hashes and compares in O(arity).
        # A number as written (0.3) is a NumberParam apart from 3/10's (its text is a field).
        key = (op, args, shape, param)
        ref = _NODES.get(key)
        node = ref() if ref is not None else None
        if node is not None:
            return node
        node = object.__new__(cls)
        for name, value in (("op", op), ("args", args), ("shape", shape), ("param", param),
                            ("_cost", None), ("_key", None)):
            object.__setattr__(node, name, value)
        _NODES[key] = weakref.ref(node, lambda _, key=key: _forget(key))  # type: ignore[misc]
        return node

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Expr is frozen: cannot set {name}")

    def __reduce__(self) -> tuple[object, ...]:
        return (Expr, (self.op, self.args, self.shape, self.param))

    def __repr__(self) -> str:
        return f"Expr(op={self.op!r}, args={self.args!r}, shape={self.shape!r}, param={self.param!r})"

    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @property
    def info(self) -> VarInfo:
        """A variable's (var, dvar) name and structure."""
        p = self.param
        assert isinstance(p, VarInfo), f"{self.op} is no variable"
        return p

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def number(self) -> Number:
        """The value of a constant, or the exponent of a power (pow, epow)."""
        p = self.param
        assert isinstance(p, NumberParam), f"{self.op} has no number"
        return p.value

    @property
    def dims(self) -> tuple[Dim, Dim]:
        """The (m, n) of a commutation matrix K with K vec(A) = vec(A^T) for an m-by-n A,
        and of unvec's m-by-n result."""
        p = self.param
        assert isinstance(p, DimsParam), f"{self.op} has no dimensions"
        return p.m, p.n

    @property
    def dim(self) -> Dim:
        """The dimension that size(n) counts."""
        p = self.param
        assert isinstance(p, DimParam), f"{self.op} counts no dimension"
        return p.dim


def is_vector(shape: Shape) -> bool:
    return shape[1] == 1 and shape[0] != 1


def is_row(shape: Shape) -> bool:
    return shape[0] == 1 and shape[1] != 1


def dim_product(a: Dim, b: Dim) -> Dim:
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    # A composite dimension: its factors are the names between the dots, sorted so that
    # n·m and m·n are the same size; integer factors are multiplied out in front.
    parts = str(a).split("·") + str(b).split("·")
    number = 1
    for p in parts:
        number *= int(p) if p.isdigit() else 1
    names = sorted(p for p in parts if not p.isdigit())
    return "·".join(([str(number)] if number != 1 else []) + names)


def walk(root: Expr, known: Container[Expr] = ()) -> list[Expr]:
    """Every distinct node below root (root included), children before parents; not into a
    node of known but root (a differential already known below it)."""
    return _postorder(root, lambda node: node.args if node is root or node not in known else ())


def in_denominator(f: Expr) -> bool:
    """A factor of a product that the printers write under its fraction bar, after the
    others: a scalar to a negative power (u / n, \\frac{u}{n})."""
    return f.op == K.POW and f.is_scalar and f.number < 0


def reading(root: Expr) -> list[Expr]:
    """walk's nodes in the order a printed result shows them: children first, and a
    product's factors under its fraction bar after the others, as the printers put them."""
    return _postorder(root, _as_read)


def _as_read(node: Expr) -> tuple[Expr, ...]:
    if node.op != K.MUL:
        return node.args
    return tuple(a for a in node.args if not in_denominator(a)) + tuple(a for a in node.args if in_denominator(a))


def _postorder(root: Expr, children: Callable[[Expr], tuple[Expr, ...]]) -> list[Expr]:
    """Every distinct node reached from root through children, children before parents."""
    order: list[Expr] = []
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(children(node)))
    return order


def free_vars(root: Expr) -> dict[str, Expr]:
    return {n.name: n for n in walk(root) if n.op == K.VAR}
