"""Shapes: the typing pass over the syntax tree, inference of what was not declared (the
coefficient rule, scalars where only they type-check), and the typed tree it builds.

Typing runs in two passes. The first checks the syntax tree with dimensions as
unification variables and reports the first mismatch with the operator's span.
The second builds the typed tree (expr.py) from the solved shapes of the variables.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

from matcalc_cli.dims import FRESH_NAMES, Dims, format_shape, message_names, rename
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Dim, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.structure import Structure, Structures, as_structures
from matcalc_cli.syntax import Syntax
from matcalc_cli.where import dim_arg, post_order, split_call, substitute

MAX_MATRIX_POWER = 64
# Names that conventionally stand for scalars are tried first when one must be a scalar.
_SCALAR_NAMES = frozenset({"t", "s", "c", "k", "lambda", "lam", "alpha", "beta", "gamma", "delta", "eta",
                           "rho", "tau", "epsilon", "eps", "sigma", "nu", "kappa", "omega", "mu"})


@dataclass(frozen=True)
class Shapes:
    """The shape of every variable of a tree (build.py builds the typed tree from them)."""

    root: Syntax  # the tree typed: the where clause's names replaced by their definitions
    variables: dict[str, Shape]
    inferred: frozenset[str]  # names whose shape was not declared


def _is_const(node: Syntax) -> bool:
    """A numeric constant (no names, no calls): the only scalar that broadcasts in + and -."""
    return not any(n.kind in ("name", "call") for n in _nodes(node))


def _nodes(root: Syntax) -> list[Syntax]:
    out, stack, seen = [], [root], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:  # a where clause's definitions are shared nodes
            continue
        seen.add(id(n))
        out.append(n)
        stack.extend(n.args)
    return out


class _Checker:
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
        return _is_const(operand) or not any(n.kind == "name" and n.text in self.scalars for n in _nodes(operand))

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


def variable_names(root: Syntax) -> list[tuple[str, int]]:
    """Variable names in source order with the position of their first occurrence
    (the dimensions inside eye(n), ones(n, m) are not variables)."""
    seen: dict[str, int] = {}
    for n in post_order(root):
        if n.kind == "name":
            seen[n.text] = min(seen.get(n.text, n.span[0]), n.span[0])
    return sorted(seen.items(), key=lambda kv: kv[1])


def infer_shapes(root: Syntax, declared: dict[str, Shape], symmetric: Structures | Collection[str],
                 extra: list[str] | None = None, source: str = "") -> Shapes:
    """Type the tree; extra names (a --wrt absent from the expression) get shapes too.
    source: the text the tree was read from, quoted in messages that show a reading.
    symmetric: the structures declared (or the names of symmetric matrices)."""
    symmetric = as_structures(symmetric)
    root = substitute(root)
    names = variable_names(root)
    transposed = _transposed(root)  # a name written x^T is never inferred to be a scalar
    candidates = [n for n, _ in names if n not in declared and not n[0].isupper() and n not in transposed]
    names += [(n, -1) for n in extra or [] if n not in dict(names)]
    checker = _Checker(declared, frozenset(), symmetric)
    try:
        checker.check(root)
        checker = _with_coefficients(root, checker, declared, symmetric)
    except MatcalcError as first:
        try:
            checker = _retry_with_scalars(root, declared, candidates, first, symmetric)
        except MatcalcError:
            misread = _misread_power(root, transposed, source)
            if misread is not None:
                raise misread from None
            raise
    variables = _solve(checker, [n for n, _ in names], declared, _dim_names(root))
    for name, structure in symmetric.items():
        _structured(name, structure, variables.get(name, declared.get(name)), dict(names).get(name, -1))
    return Shapes(root, variables, frozenset(n for n in variables if n not in declared))


def _structured(name: str, structure: Structure, shape: Shape | None, at: int) -> None:
    """A matrix structure needs a square matrix (a vector or a scalar cannot have one); the
    error points at the name's first place in the expression (at, -1: none)."""
    if shape is None or (shape[0] == shape[1] and shape != SCALAR):
        return
    what = "a scalar" if shape == SCALAR else f"a vector ({format_shape(shape)})" if shape[1] == 1 else \
        f"{format_shape(shape)}, not square"
    hint = f"; a matrix is named with a capital letter, or declared: --shape {name}=n,n" \
        if shape[1] == 1 and shape != SCALAR else f"; drop {structure.option} {name}, or declare --shape {name}=n,n"
    article = "an" if structure.words[0] in "aeiou" else "a"
    raise MatcalcError("shape", f"{structure.option} {name}: {name} is {what}, and {article} {structure.words} "
                       f"matrix is square{hint}", (at, at + len(name)) if at >= 0 else None)


_PRODUCTS = (" ", "*", "@")


def _chains(root: Syntax) -> list[list[Syntax]]:
    """The factors of every maximal product chain (a b c is ((a b) c): the left spine)."""
    out: list[list[Syntax]] = []
    inner: set[int] = set()
    for node in reversed(post_order(root)):  # parents first
        if node.kind != "binary" or node.text not in _PRODUCTS or id(node) in inner:
            continue
        factors: list[Syntax] = []
        n = node
        while n.kind == "binary" and n.text in _PRODUCTS:
            inner.add(id(n))
            factors.append(n.args[1])
            n = n.args[0]
        out.append([n, *reversed(factors)])
    return out


def _unsigned(node: Syntax) -> Syntax:
    while node.kind == "neg":
        node = node.args[0]
    return node


def _after_numbers(factors: list[Syntax]) -> list[Syntax]:
    """The factors from the first that is not a number (2 t x^T x: t x^T x)."""
    i = 0
    while i < len(factors) and _unsigned(factors[i]).kind == "num":
        i += 1
    return factors[i:]


def _with_coefficients(root: Syntax, checker: _Checker, declared: dict[str, Shape],
                       symmetric: Structures) -> _Checker:
    """The coefficient rule: an undeclared name that textbooks use for a scalar (_SCALAR_NAMES)
    standing first in a product whose rest is scalar-valued (lambda w^T w, c x^T x,
    t log(det(X))) is a scalar, where it occurs only so; x^T x, x * 2, x^T A x and a b^T keep
    their vectors."""
    uses: dict[str, int] = {}
    transposed = _transposed(root)
    for n in post_order(root):
        if n.kind == "name":
            uses[n.text] = uses.get(n.text, 0) + 1
    leading: dict[str, int] = {}
    for chain in _chains(root):
        factors = _after_numbers(chain)
        if len(factors) < 2:
            continue
        head = _unsigned(factors[0])
        if head.kind != "name" or head.text in declared or head.text not in _SCALAR_NAMES or head.text in transposed:
            continue  # the rule is for the names textbooks use for scalars (x * 2 keeps its vector)
        rows = checker.dims.find(checker.node_shapes[id(factors[1])][0])
        cols = checker.dims.find(checker.node_shapes[id(factors[-1])][1])
        if rows == 1 and cols == 1 and not checker.is_scalar(checker.node_shapes[id(head)]):
            leading[head.text] = leading.get(head.text, 0) + 1
    coefficients = frozenset(n for n, k in leading.items() if k == uses[n])
    if not coefficients:
        return checker
    again = _Checker(declared, coefficients, symmetric)
    try:
        again.check(root)
    except MatcalcError:
        return checker
    return again


def _retry_with_scalars(root: Syntax, declared: dict[str, Shape], candidates: list[str],
                        first: MatcalcError, symmetric: Structures) -> _Checker:
    """Lowercase names are vectors unless only a scalar type-checks, and then only the names
    textbooks use for scalars (t in (A + t B)^-1): try the fewest of them, nearest the first
    mismatch first. Any other name is never guessed: if reading one as a scalar would
    type-check, the error says to declare it (--shape a=scalar)."""
    where = first.span[0] if first.span else 0
    pos = dict(variable_names(root))
    textbook = sorted((n for n in candidates if n in _SCALAR_NAMES), key=lambda n: abs(pos[n] - where))[:12]
    tries = 0
    for size in (1, 2, 3):
        for subset in itertools.combinations(textbook, size):
            tries += 1
            if tries > 300:
                raise first
            checker = _checks(root, declared, frozenset(subset), symmetric)
            if checker is not None:
                return checker
    others = sorted((n for n in candidates if n not in _SCALAR_NAMES), key=lambda n: abs(pos[n] - where))[:12]
    for name in others:
        if _checks(root, declared, frozenset({name, *textbook}), symmetric) is not None or \
                _checks(root, declared, frozenset({name}), symmetric) is not None:
            raise MatcalcError(first.kind, f"{first.message}; {name} is read as a vector (a lowercase name); "
                               f"if {name} is a scalar, declare it: --shape {name}=scalar", first.span)
    raise first


def _checks(root: Syntax, declared: dict[str, Shape], scalars: frozenset[str],
            symmetric: Structures) -> _Checker | None:
    checker = _Checker(declared, scalars, symmetric)
    try:
        checker.check(root)
    except MatcalcError:
        return None
    return checker


def _dim_names(root: Syntax) -> set[str]:
    """The dimension names written in the expression (the n of ones(n), eye(n*m))."""
    out: set[str] = set()
    for node in _nodes(root):
        if node.kind == "call" and node.text in OPS and not OPS[node.text].option:
            out.update(n.text for a in split_call(node)[1] for n in _nodes(a) if n.kind == "name")
    return out


def _solve(checker: _Checker, names: list[str], declared: dict[str, Shape],
           written: set[str]) -> dict[str, Shape]:
    """Give every unsolved dimension a name (n, m, k, ...) in order of first appearance;
    never one the expression writes (ones(n)) or declares, which would equate them."""
    taken = {d for s in declared.values() for d in s if isinstance(d, str)} | set(names) | written
    pool = (n for n in itertools.chain(FRESH_NAMES, (f"d{i}" for i in itertools.count(1))) if n not in taken)
    naming: dict[Dim, Dim] = {}
    out: dict[str, Shape] = {}
    for name in names:
        def fresh_name(d: Dim) -> Dim:
            if d not in naming:
                naming[d] = next(pool)
            return naming[d]

        r, c = (rename(d, fresh_name) for d in checker.dims.shape(checker.name_shape(name)))
        out[name] = (r, c)
    return out


def _transposed(root: Syntax) -> set[str]:
    return {n.args[0].text for n in _nodes(root)
            if n.kind == "postfix" and n.text in ("T", "invT") and n.args[0].kind == "name"}


def _misread_power(root: Syntax, transposed: set[str], source: str) -> MatcalcError | None:
    """x^T x ^ 2 reads as x^T (x^2), and x, written x^T, is no scalar: the error shows that
    reading and suggests the power of the product, (x^T x)^2."""
    nodes = _nodes(root)
    for node in sorted(nodes, key=lambda n: n.span):
        if not (node.kind == "postfix" and node.text in ("pow", "spow") and node.args[0].kind == "name"
                and node.args[0].text in transposed):
            continue
        name = node.args[0].text
        power = source[node.args[0].span[1]:node.span[1]].replace(" ", "") if source else f"^{node.value}"
        parent = next((p for p in nodes if p.kind == "binary" and p.text in _PRODUCTS and p.args[1] is node), None)
        if parent is None or not source:
            return MatcalcError("shape", f"{name}{power}: {name} is not a scalar (it is written {name}^T); write "
                                f"{name}.{power} for the power of each entry", node.span)
        left = source[parent.span[0]:parent.args[0].span[1]]
        whole = source[parent.span[0]:node.span[1]]
        return MatcalcError("shape", f"{whole} reads as {left} ({name}{power}), since ^ binds tighter than a "
                            f"product, and {name} is not a scalar (it is written {name}^T): for the power of the "
                            f"product write ({left} {name}){power}", node.span)
    return None
