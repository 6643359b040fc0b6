"""Is a matrix symmetric, by declaration or by construction? The one test of it (eigvals,
eigmax, eigmin and eigvecs need a symmetric argument: build.py asks here).

By declaration: a variable whose VarInfo says so (--symmetric, and every structure that is
its own transpose). By construction: X^T X, X X^T, B^T W B, A + A^T, sums, multiples,
Hadamard products and elementwise functions of symmetric matrices, their inverses, powers
and matrix functions, diag(v), kron of symmetric matrices. Anything else is not known to
be symmetric (a false "no" asks the user to declare it; a false "yes" would be wrong).
"""

from __future__ import annotations

from collections import Counter

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops.base import OPS

# f(S) is symmetric when S is: powers, inverses (pseudo-inverses, adjugates) and primary matrix functions.
_OF_SYMMETRIC = frozenset({"T", "inv", "pow", "epow", "expm", "logm", "sqrtm", "pinv", "adj"})
_SYMMETRIC_LEAVES = frozenset({"eye", "zeros", "ones", "const", "bcast"})


def transposed(e: Expr) -> Expr:
    """e^T with the transpose taken through sums, products, inverses and Kronecker products,
    so that (A B)^T and B^T A^T compare equal (here), and so that derive/hvp's apply sees the
    structure under a transpose."""
    if e.op == "mul":
        return E.mul(*(transposed(f) for f in reversed(e.args)))
    if e.op == "add":
        return E.add(*(transposed(t) for t in e.args))
    if e.op == "inv":  # (X^-1)^T = (X^T)^-1, as the normal form spells it: X^-T
        return E.inv(transposed(e.args[0]))
    if e.op == "kron":
        return E.kron(transposed(e.args[0]), transposed(e.args[1]))
    if e.op == "commutation":  # K(m, n)^T = K(n, m)
        m, n = e.dims
        return E.commutation(n, m)
    return E.T(e)


def _terms(e: Expr) -> list[Expr]:
    """The terms of a sum, a transposed sum's taken through: A + A + (A + A)^T has four."""
    out: list[Expr] = []
    for t in e.args:
        if t.op == "T" and t.args[0].op == "add":
            out.extend(transposed(u) for u in t.args[0].args)
        else:
            out.append(t)
    return out


def is_symmetric(e: Expr) -> bool:
    if e.is_scalar:
        return True
    if e.shape[0] != e.shape[1]:
        return False
    if e.op == "var":
        return e.info.symmetric
    if e.op in _SYMMETRIC_LEAVES:
        return True
    if e.op == "diag":
        return e.args[0].shape[1] == 1
    if e.op in _OF_SYMMETRIC or (e.op in OPS and OPS[e.op].elementwise is not None):
        return is_symmetric(e.args[0])
    if e.op in ("had", "kron"):
        return all(is_symmetric(a) for a in e.args)
    if e.op == "add":
        if all(is_symmetric(t) for t in e.args):
            return True
        terms = _terms(e)  # A + A^T; each term spelled as transposed spells it: (A^-1)^T as A^-T
        return Counter(transposed(transposed(t)) for t in terms) == Counter(transposed(t) for t in terms)
    if e.op == "mul":
        factors = [f for f in e.args if not f.is_scalar]
        half, odd = divmod(len(factors), 2)
        if any(factors[i] != transposed(factors[-1 - i]) for i in range(half)):
            return False
        return not odd or is_symmetric(factors[half])
    return False
