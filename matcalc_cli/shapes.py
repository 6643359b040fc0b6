"""Shapes: the typing pass over the syntax tree, inference of what was not declared (the
coefficient rule, scalars where only they type-check), and the typed tree it builds.

Typing runs in two passes. The first (shapecheck.py) checks the syntax tree with dimensions
as unification variables and reports the first mismatch with the operator's span; this
module decides what was not declared, running the check again where a name must be a
scalar. The second (build.py) builds the typed tree (expr.py) from the solved shapes.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

from matcalc_cli.dims import FRESH_NAMES, format_shape, rename
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import SCALAR, Dim, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.shapecheck import ShapeChecker, all_nodes
from matcalc_cli.structure import Structure, Structures, as_structures
from matcalc_cli.syntax import Syntax
from matcalc_cli.where import post_order, split_call, substitute

# Names that conventionally stand for scalars are tried first when one must be a scalar.
_SCALAR_NAMES = frozenset({"t", "s", "c", "k", "lambda", "lam", "alpha", "beta", "gamma", "delta", "eta",
                           "rho", "tau", "epsilon", "eps", "sigma", "nu", "kappa", "omega", "mu"})


@dataclass(frozen=True)
class Shapes:
    """The shape of every variable of a tree (build.py builds the typed tree from them)."""

    root: Syntax  # the tree typed: the where clause's names replaced by their definitions
    variables: dict[str, Shape]
    inferred: frozenset[str]  # names whose shape was not declared


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
    checker = ShapeChecker(declared, frozenset(), symmetric)
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


def _with_coefficients(root: Syntax, checker: ShapeChecker, declared: dict[str, Shape],
                       symmetric: Structures) -> ShapeChecker:
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
    again = ShapeChecker(declared, coefficients, symmetric)
    try:
        again.check(root)
    except MatcalcError:
        return checker
    return again


def _retry_with_scalars(root: Syntax, declared: dict[str, Shape], candidates: list[str],
                        first: MatcalcError, symmetric: Structures) -> ShapeChecker:
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
            symmetric: Structures) -> ShapeChecker | None:
    checker = ShapeChecker(declared, scalars, symmetric)
    try:
        checker.check(root)
    except MatcalcError:
        return None
    return checker


def _dim_names(root: Syntax) -> set[str]:
    """The dimension names written in the expression (the n of ones(n), eye(n*m))."""
    out: set[str] = set()
    for node in all_nodes(root):
        if node.kind == "call" and node.text in OPS and not OPS[node.text].option:
            out.update(n.text for a in split_call(node)[1] for n in all_nodes(a) if n.kind == "name")
    return out


def _solve(checker: ShapeChecker, names: list[str], declared: dict[str, Shape],
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
    return {n.args[0].text for n in all_nodes(root)
            if n.kind == "postfix" and n.text in ("T", "invT") and n.args[0].kind == "name"}


def _misread_power(root: Syntax, transposed: set[str], source: str) -> MatcalcError | None:
    """x^T x ^ 2 reads as x^T (x^2), and x, written x^T, is no scalar: the error shows that
    reading and suggests the power of the product, (x^T x)^2."""
    nodes = all_nodes(root)
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
