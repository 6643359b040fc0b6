"""The typing pass's check: one walk of the syntax tree with dimensions as unification
variables (dims.Dims), each operation's shape rule from its record, the first mismatch
reported with its operator's span. shapes.py decides which names are scalars and runs it."""

from __future__ import annotations

from collections.abc import Collection

from matcalc_cli.dims import Dims, format_shape, message_names, rename
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Dim, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.structure import as_structures
from matcalc_cli.syntax import Syntax
from matcalc_cli.where import dim_arg, post_order, split_call

MAX_MATRIX_POWER = 64


def _is_const(node: Syntax) -> bool:
    """A numeric constant (no names, no calls): the only scalar that broadcasts in + and -."""
    return not any(n.kind in ("name", "call") for n in all_nodes(node))


def all_nodes(root: Syntax) -> list[Syntax]:
    """Every node of the tree once (a where clause's definitions are shared nodes)."""
    out, stack, seen = [], [root], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:  # a where clause's definitions are shared nodes
            continue
        seen.add(id(n))
        out.append(n)
        stack.extend(n.args)
    return out


class ShapeChecker:
    """One check of a tree: the shape of every node, declared names fixed, scalars the names
    given as scalars; dims holds what the unification learnt."""

    def __init__(self, declared: dict[str, Shape], scalars: frozenset[str], symmetric: Collection[str]) -> None:
        self.dims = Dims()
        self.declared = declared
        self.scalars = scalars
        self.symmetric = as_structures(symmetric)  # the square ones: every matrix structure
        self.shown_names: dict[Dim, Dim] = {}
        self.var_shapes: dict[str, Shape] = {}
        self.node_shapes: dict[int, Shape] = {}

    def fail(self, message: str, node: Syntax, kind: str = "shape") -> MatcalcError:
        return MatcalcError(kind, message, node.op_span or node.span)

    def show(self, s: Shape) -> str:
        """A shape for a message: unsolved dimensions get names (n, m, ...), not ?1."""
        def name(d: Dim) -> Dim:
            taken = set(self.shown_names.values()) | {x for v in self.declared.values() for x in v}
            return self.shown_names.setdefault(d, next(n for n in message_names() if n not in taken))

        r, c = (rename(d, name) for d in self.dims.shape(s))
        return format_shape((r, c))

    def is_scalar(self, s: Shape) -> bool:
        return self.dims.shape(s) == SCALAR

    def name_shape(self, name: str) -> Shape:
        if name not in self.var_shapes:
            if name in self.declared:
                shape = self.declared[name]
            elif name in self.scalars:
                shape = SCALAR
            elif name[0].isupper():
                shape = (self.dims.fresh(), self.dims.fresh())
            else:
                shape = (self.dims.fresh(), 1)
            if name in self.symmetric and shape[1] != 1:  # a vector stays one: infer says it cannot be
                self.dims.unify(shape[0], shape[1])
            self.var_shapes[name] = shape
        return self.var_shapes[name]

    def same(self, a: Shape, b: Shape) -> bool:
        return self.dims.unify(a[0], b[0]) and self.dims.unify(a[1], b[1])

    def square(self, s: Shape, node: Syntax, what: str) -> None:
        if not self.dims.unify(s[0], s[1]):
            raise self.fail(f"{what} needs a square matrix, got {self.show(s)}", node)

    def check(self, root: Syntax) -> None:
        shapes = self.node_shapes = {}
        for node in post_order(root):
            args = split_call(node)[0] if node.kind == "call" else node.args
            shapes[id(node)] = self.shape_of(node, [shapes[id(a)] for a in args])

    def shape_of(self, node: Syntax, args: list[Shape]) -> Shape:
        k = node.kind
        if k == "num":
            return SCALAR
        if k == "name":
            return self.name_shape(node.text)
        if k == "neg":
            return args[0]
        if k == "postfix":
            return self.postfix(node, args[0])
        if k == "binary":
            return self.binary(node, args[0], args[1])
        return self.call(node, args)

    def postfix(self, node: Syntax, a: Shape) -> Shape:
        if node.text == "spow" and not self.is_scalar(a):
            p = node.value
            raise self.fail(f"** is the power of a scalar, and this is {self.show(a)}: write ^{p} for the matrix "
                            f"power or .^{p} for the elementwise one", node)
        if node.text == "T":
            return (a[1], a[0])
        if node.text == "epow" or self.is_scalar(a):
            return a
        if node.text == "invT":
            self.square(a, node, "the inverse")
            return a
        k = node.value
        assert k is not None
        if k.denominator != 1:
            raise self.fail(f"a matrix power needs an integer exponent, got {k}", node)
        if abs(k) > MAX_MATRIX_POWER:  # its differential has |k| terms X^i dX X^(k-1-i)
            raise self.fail(f"a matrix power of at most {MAX_MATRIX_POWER} (its derivative has one term "
                            f"for each factor), got {k}", node)
        self.square(a, node, "the inverse" if k < 0 else "a matrix power")
        return a

    def broadcasts(self, operand: Syntax) -> bool:
        """A scalar beside a vector or matrix in + or - is filled into its shape (x - mean(x),
        X w + b for a declared scalar b), unless it is scalar only because inference chose to
        read one of its names as a scalar: that reading must not also make a sum type-check."""
        return _is_const(operand) or not any(n.kind == "name" and n.text in self.scalars for n in all_nodes(operand))

    def binary(self, node: Syntax, a: Shape, b: Shape) -> Shape:
        op = node.text
        sa, sb = self.is_scalar(a), self.is_scalar(b)
        if op in ("+", "-"):
            if sa and sb:
                return SCALAR
            if (sa and self.broadcasts(node.args[0])) or (sb and self.broadcasts(node.args[1])):
                return b if sa else a
            if not self.same(a, b):
                verb = "add" if op == "+" else "subtract"
                raise self.fail(f"cannot {verb} {self.show(a)} and {self.show(b)}", node)
            return a
        if op == "/":
            if not sb:
                raise self.fail(f"cannot divide by a {self.show(b)} value: '/' divides by a scalar "
                                "(use ./ to divide elementwise)", node)
            return a
        if op in ("^", ".^"):  # a variable exponent (the base positive): elementwise, scalars broadcast
            if op == "^" and not sa:
                raise self.fail(f"a {self.show(a)} matrix to a variable power: the exponent of a matrix power is an "
                                "integer; for the entries' powers write .^", node)
            if sa or sb:
                return b if sa else a
            if not self.same(a, b):
                raise self.fail(f"cannot raise {self.show(a)} elementwise to a {self.show(b)} power", node)
            return a
        if op in (".*", "./"):
            if sa or sb:
                return b if sa else a
            if not self.same(a, b):
                what = "multiply" if op == ".*" else "divide"
                raise self.fail(f"cannot {what} elementwise {self.show(a)} by {self.show(b)}", node)
            return a
        if sa or sb:  # scaling
            return b if sa else a
        if not self.dims.unify(a[1], b[0]):
            raise self.fail(f"cannot multiply {self.show(a)} by {self.show(b)}", node)
        return (a[0], b[1])

    def resolve(self, s: Shape) -> Shape:
        return self.dims.shape(s)

    def call(self, node: Syntax, args: list[Shape]) -> Shape:
        """The shape rule of the operation's record, after its arity is checked."""
        op = OPS[node.text]
        assert op.check is not None
        _, dim_nodes = split_call(node)
        allowed = op.dim_args or ((0, 1) if op.option else (0,))
        if len(args) != op.arity or len(dim_nodes) not in allowed:
            what = _arity_text(op.arity, op.dim_args) + (" (and an optional one)" if op.option else "")
            raise self.fail(f"{node.text} takes {what}, got {len(node.args)}", node, "function")
        return op.check(self, node, args, [(op.option or dim_arg)(d) for d in dim_nodes])


def _arity_text(arity: int, dims: tuple[int, ...]) -> str:
    parts = [f"{arity} argument{'s' if arity != 1 else ''}"] if arity else []
    if dims:
        count = " or ".join(str(d) for d in dims)
        parts.append(f"{count} dimension{'s' if dims[-1] != 1 else ''}")
    return " and ".join(parts)
