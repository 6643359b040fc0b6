"""The right side of a rule written as a pattern (patterns.py), built from what its left side
matched: through the builders, as the input language builds it, except where the normal form
spells it otherwise (a transpose distributed, a product or a Hadamard product in its normal
form, z - s for a scalar s broadcast before it is negated, X^k a matrix power). A right side
in the canonicaliser's order is a rewrite only where it changes the value's spelling: built as
written, ?X^T .* eye(?n) => ?X .* eye(?n) on eye(m) .* S, S symmetric, gave S .* eye(m), which
the canonicaliser turned back, pass after pass."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.build import build_node
from matcalc_cli.expr import Dim, Expr
from matcalc_cli.ops import OPS
from matcalc_cli.simplify.normal import hadamard, product, transpose
from matcalc_cli.syntax import Syntax

Binding = dict[str, "Expr | Dim"]


def instantiate(s: Syntax, b: Binding) -> Expr:
    """The tree s spells, its variables replaced by what they matched."""
    if s.kind == "name":
        value = b[s.text]
        if isinstance(value, int):  # a known dimension as a number: c^?n
            return E.const(value)
        assert isinstance(value, Expr), f"{s.text} is a dimension"
        return value
    if s.kind == "call":
        op = OPS[s.text]
        assert op.apply is not None
        args = [instantiate(a, b) for a in s.args[:op.arity]]
        return op.apply(*args, *(_dim(d, b) for d in s.args[op.arity:]))
    args = [instantiate(a, b) for a in s.args]
    if s.kind == "binary" and s.text in ("^", ".^") and args[1].op == K.CONST:
        x, k = args[0], args[1].number
        if s.text == ".^":
            return E.epow(x, k)
        return E.power(E.inv(x), -k) if x.shape != E.SCALAR and k < 0 else E.power(x, k)
    if s.kind == "postfix" and s.text == "T":  # (A B)^T is B^T A^T, as the canonical form spells it
        return transpose(args[0])
    if s.kind == "binary" and s.text in (" ", "*", "@", "/"):  # a product in its normal form
        return product([args[0], E.power(args[1], -1) if s.text == "/" else args[1]])
    if s.kind == "binary" and s.text == ".*":  # its factors in the canonicaliser's order
        return hadamard(args)
    if s.kind == "binary" and s.text == "-" and args[1].is_scalar and not args[0].is_scalar:
        return E.add(args[0], E.neg(E.bcast(args[1], args[0].shape)))  # z - s: s broadcast, then negated
    return build_node(s, args, {}, frozenset())


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
