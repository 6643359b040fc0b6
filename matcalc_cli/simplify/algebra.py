"""Elementwise and scalar algebra through sympy.

An elementwise region is a subtree of +, -, .*, ./, .^, scaling and scalar
powers. Its leaves (matrix products, function applications, variables) become
sympy symbols; sympy simplifies the rational expression in them; the shortest
result comes back as a tree. `y .* (1 - s) - (1 - y) .* s` becomes `y - s`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import rebuild
from matcalc_cli.simplify.cost import cheapest

Subs = Sequence[tuple[str, Callable[[Expr], Expr | None]]]  # (rule name, leaf -> its other spelling)

_REGION_OPS = (K.ADD, K.HAD, K.HDIV, K.EPOW, K.BCAST, K.CONST)
_WORTH = (K.HAD, K.HDIV, K.EPOW)


def _in_region(e: Expr) -> bool:
    if e.op in _REGION_OPS:
        return True
    if e.op == K.MUL:
        return sum(not f.is_scalar for f in e.args) <= 1 and not (e.is_scalar and any(
            not f.is_scalar for f in e.args))
    return e.op == K.POW and e.is_scalar


def _worth(e: Expr, subs: Subs) -> bool:
    """Does the region hold something sympy can cancel (a quotient, a Hadamard product, a
    leaf with another spelling to try)?"""
    stack = [e]
    while stack:
        n = stack.pop()
        if n.op in _WORTH or (n.op == K.POW and n.number < 0):
            return True
        if n.op == K.MUL and any(a.op == K.ADD for a in n.args):  # a product of sums may cancel
            return True
        if any(not _in_region(a) and _respelled(a, subs) for a in n.args):
            return True
        stack.extend(a for a in n.args if _in_region(a))
    return False


def _respelled(leaf: Expr, subs: Subs) -> list[tuple[str, Expr]]:
    out = []
    for name, sub in subs:
        r = sub(leaf)
        if r is not None:
            out.append((name, r))
    return out


def _small(e: Expr, limit: int = 400) -> bool:
    """Regions past a few hundred nodes are left as they are: sympy's cost is not linear."""
    seen, stack = 0, [e]
    while stack:
        n = stack.pop()
        seen += 1
        if seen > limit:
            return False
        stack.extend(a for a in n.args if _in_region(a))
    return True


def simplified_regions(root: Expr, subs: Subs = (), fired: list[str] | None = None) -> Expr:
    """root with each elementwise region simplified by sympy. subs are the rule table's
    identities for leaves (sigmoid(-u) = 1 - sigmoid(u)): the algebra tries the region with
    and without them and keeps the cheaper; the names of those kept go to fired."""
    # Keyed by the node itself: temporaries come and go, and a freed node's id is reused.
    memo: dict[Expr, Expr] = {}

    def visit(e: Expr) -> Expr:
        if e in memo:
            return memo[e]
        if _in_region(e) and e.op not in (K.CONST, K.BCAST) and _worth(e, subs) and _small(e):
            out = _simplify_region(e, visit, subs, fired if fired is not None else [])
        elif e.op == K.MUL and e.args[0].op == K.CONST and not e.is_scalar:
            out = _absorb_coefficient(e, visit)
        else:
            out = rebuild(e, [visit(a) for a in e.args]) if e.args else e
        memo[e] = out
        return out

    return visit(root)


def _absorb_coefficient(e: Expr, visit: Any) -> Expr:
    """-1 X^T (region) and -(region)^T X: the sign joins the region, where sympy can use it."""
    fs = list(e.args)

    def region(f: Expr) -> bool:
        return _in_region(f) and f.op != K.CONST and _worth(f, ())

    regions = [i for i, f in enumerate(fs) if region(f) or (f.op == K.T and region(f.args[0]))]
    if len(regions) == 1:
        i = regions[0]
        f = fs[i]
        fs[i] = E.mul(fs[0], f) if f.op != K.T else E.T(E.mul(fs[0], f.args[0]))
        fs[0] = E.ONE
        if fs[i] == e:  # c times a region too large for sympy: nothing to move, nothing to redo
            return rebuild(e, [visit(a) for a in e.args])
    return E.mul(*(visit(f) for f in fs))


def _simplify_region(e: Expr, visit: Any, subs: Subs, fired: list[str]) -> Expr:
    import sympy as sp

    leaves: dict[Expr, Any] = {}
    back: dict[Any, Expr] = {}

    def to_sympy(n: Expr) -> Any:
        if n.op == K.CONST:
            v = n.number
            if isinstance(v, E.Written):
                return _written_symbol(sp, v, leaves, back)
            return sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sp.Float(v)
        if n.op == K.BCAST:
            return to_sympy(n.args[0])
        if n.op == K.MUL and n.args[0].op == K.CONST:  # 2 W^T r: the 2 joins the algebra
            return to_sympy(n.args[0]) * to_sympy(E.mul(*n.args[1:]))
        if not _in_region(n):
            leaf = visit(n)
            if leaf not in leaves:
                sym = sp.Symbol(f"L{len(leaves)}")
                leaves[leaf] = sym
                back[sym] = leaf
            return leaves[leaf]
        a = [to_sympy(x) for x in n.args]
        if n.op == K.ADD:
            return sp.Add(*a)
        if n.op in (K.MUL, K.HAD):
            return sp.Mul(*a)
        if n.op == K.HDIV:
            return a[0] / a[1]
        k = n.number
        return a[0] ** (sp.Rational(k.numerator, k.denominator) if isinstance(k, Fraction) else k)

    s = to_sympy(e)
    forms: list[tuple[Any, list[str]]] = [(s, [])]
    swap: dict[Any, Any] = {}
    names: list[str] = []
    for leaf, sym in list(leaves.items()):
        for name, r in _respelled(leaf, subs):
            swap[sym] = to_sympy(r)
            names.append(name)
    if swap:
        forms.append((s.xreplace(swap), names))
    offered: dict[Expr, list[str]] = {}  # each tree sympy gives, and the rules its form used (the first's)
    for form, used in forms:
        for cand in _candidates(sp, form):
            try:
                out = _from_sympy(sp, cand, back, e.shape)
            except _Reject:
                continue
            if out.shape != e.shape:  # a ./ (t a) is 1/t everywhere: say so with ones(n)
                out = E.zeros(e.shape) if E.is_zero(out) else E.mul(out, E.ones(e.shape))
            offered.setdefault(out, used)
    best = cheapest(offered, None)
    if best is None:
        return rebuild(e, [visit(a) for a in e.args])
    fired.extend(offered[best])
    return best


def _expanded_terms(sp: Any, s: Any) -> int:
    """How many terms multiplying s out would give, without multiplying it out."""
    if s.is_Add:
        return sum(_expanded_terms(sp, a) for a in s.args)
    if s.is_Mul:
        n = 1
        for a in s.args:
            n *= _expanded_terms(sp, a)
        return n
    if s.is_Pow and s.exp.is_Integer and s.exp > 0:
        return int(_expanded_terms(sp, s.base) ** min(int(s.exp), 16))
    return 1


FACTORED_LEAVES = 24  # a region with more distinct leaves is not offered to sympy.factor

def _candidates(sp: Any, s: Any) -> list[Any]:
    return list(_candidate_forms(s))


@functools.lru_cache(maxsize=4096)
def _candidate_forms(s: Any) -> tuple[Any, ...]:
    """The forms sympy offers for s. Leaves are numbered in the order they are met, so the
    regions of every layer of a network are the same sympy expression: computed once."""
    import sympy as sp

    return tuple(_forms(sp, s))


def _forms(sp: Any, s: Any) -> list[Any]:
    cands = [s]
    if _expanded_terms(sp, s) > 64:  # a product of many sums: expanding it is exponential
        return cands
    # Factoring over many generators (Wang's algorithm) grows steeply: the derivative of a
    # product of 16 different factors, sin(x) .* sin(2 x) .* ..., spent 19 s there, 20 over 200 s.
    factor = sp.factor if len(s.free_symbols) <= FACTORED_LEAVES else sp.cancel
    for f in (sp.cancel, factor, lambda z: sp.factor_terms(sp.cancel(z)), sp.expand):
        try:
            cands.append(f(s))
        except Exception:  # noqa: BLE001 (sympy may refuse a form; the others remain)
            continue
    whole = [w for w in (_squares_whole(sp, c, s) for c in cands[1:]) if w is not None]
    return cands + whole


def _squares_whole(sp: Any, f: Any, s: Any) -> Any:
    """f with each pair of factors (u - v) (u + v) it holds multiplied back into u^2 - v^2,
    and a negative coefficient taken into one of them: sympy's factor splits the 1 - h^2 of
    tanh' into -(h - 1) (h + 1), a form no textbook prints. None if f has no such pair, or
    if the region as written (s) holds that pair itself: splitting is then what was written."""
    if not f.is_Mul:
        return None
    coeff, rest = f.as_coeff_Mul()
    factors = [a.as_base_exp() for a in sp.Mul.make_args(rest)]
    written = _written_pairs(sp, s)
    joined: list[tuple[Any, Any]] = []
    used: set[int] = set()
    for i, (p, k) in enumerate(factors):
        for j in range(i + 1, len(factors)):
            q, m = factors[j]
            if i in used or j in used or k != m or not (p.is_Add and q.is_Add):
                continue
            d = sp.expand(p * q)
            if not (d.is_Add and len(d.args) == 2 and len(p.args) == 2 and len(q.args) == 2):
                continue
            if frozenset((p, q)) in written:
                continue
            used |= {i, j}
            joined.append((d, k))
    if not joined:
        return None
    if coeff < 0 and joined[0][1] % 2:  # -(h^2 - 1) is 1 - h^2: the sign goes inside
        coeff = -coeff
        joined[0] = (sp.expand(-joined[0][0]), joined[0][1])
    kept = [b ** k for n, (b, k) in enumerate(factors) if n not in used]
    whole = [sp.Pow(d, k, evaluate=False) if k != 1 else d for d, k in joined]
    return sp.Mul(*([] if coeff == 1 else [coeff]), *kept, *whole, evaluate=False)


def _written_pairs(sp: Any, s: Any) -> set[frozenset[Any]]:
    """The pairs of sums multiplied together in s (as the region was written)."""
    out: set[frozenset[Any]] = set()
    for m in sp.preorder_traversal(s):
        if m.is_Mul:
            sums = [a.as_base_exp()[0] for a in m.args if a.as_base_exp()[0].is_Add]
            out |= {frozenset((a, b)) for n, a in enumerate(sums) for b in sums[n + 1:]}
    return out


class _Reject(Exception):
    """The sympy form cannot be spelled in matcalc's language (an irrational exponent)."""


def _written_symbol(sp: Any, v: E.Written, leaves: dict[Expr, Any], back: dict[Any, Expr]) -> Any:
    """A number as the input wrote it is a positive symbol of the algebra, never a rational:
    0.044715 is not 8943/200000, and 0.7978845608028654 (x + 0.044715 x.^3) is not multiplied
    out into a new decimal. Its value comes back only when the tree is evaluated."""
    out = sp.Integer(-1 if v < 0 else 1)
    for part in v.parts:  # 0.7978845608028654 0.044715 is two symbols, which sympy may factor apart
        leaf = E.const(E.Written(part))
        if leaf not in leaves:
            sym = sp.Symbol(f"N{len(leaves)}", positive=True)
            leaves[leaf] = sym
            back[sym] = leaf
        out = out * leaves[leaf]
    return out


def _from_sympy(sp: Any, s: Any, back: dict[Any, Expr], shape: E.Shape) -> Expr:
    """s as a tree."""
    if s in back:
        return back[s]
    if s.is_Number:
        if s.is_Rational:
            return E.const(Fraction(int(s.p), int(s.q)))
        return E.const(float(s))
    if s.is_Add:
        # A scalar beside vectors broadcasts (x - mean(x)), as the input language reads it.
        return E.add(*(_from_sympy(sp, a, back, shape) for a in s.args))
    if s.is_Mul or s.is_Pow:
        num: list[Expr] = []
        den: list[Expr] = []
        for f in (s.args if s.is_Mul else (s,)):
            base, k = f.as_base_exp() if f.is_Pow else (f, sp.Integer(1))
            if not k.is_Rational:
                raise _Reject
            b = _from_sympy(sp, base, back, shape)
            k = Fraction(int(k.p), int(k.q))
            (den if k < 0 else num).append(E.epow(b, -k if k < 0 else k))
        top = _product(num)
        if not den:
            return top
        bottom = _product(den)
        if bottom.is_scalar:
            return E.mul(top, E.power(bottom, -1))
        return E.hdiv(top, bottom)
    raise _Reject


def _product(fs: list[Expr]) -> Expr:
    scal = [f for f in fs if f.is_scalar]
    mats = [f for f in fs if not f.is_scalar]
    return E.mul(*scal, E.had(*mats)) if mats else E.mul(*scal)

