"""U^T U = I for the orthonormal columns of eigvecs(X), svd_u(X) and svd_v(X), and U U^T = I where
U is square (the eigenvectors of any X, the SVD's factors of a square one): the gradient of
sum(eigvals(X)) is U U^T = I, of tr(X). And svd_u(X) svd_v(X)^T = polar(X)."""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli.expr import Expr
from matcalc_cli.ops import fn

_COLUMNS = frozenset({"eigvecs", "svd_u", "svd_v"})


def _identity(a: Expr, b: Expr) -> bool:
    """a b = I: a = Q^T, b = Q, or a = Q, b = Q^T with Q square."""
    if a.op == "T" and a.args[0] is b and b.op in _COLUMNS:
        return True
    return b.op == "T" and b.args[0] is a and a.op in _COLUMNS and a.shape[0] == a.shape[1]


def _pair(e: Expr) -> int | None:
    """The position in e.args of the first factor of an adjacent pair whose product is I."""
    mats = [i for i, f in enumerate(e.args) if not f.is_scalar]
    return next((i for i, j in zip(mats, mats[1:], strict=False) if _identity(e.args[i], e.args[j])), None)


def has_orthonormal_pair(e: Expr) -> bool:
    return _pair(e) is not None


def cancel_pair(e: Expr) -> Expr:
    i = _pair(e)
    assert i is not None
    mats = [k for k, f in enumerate(e.args) if not f.is_scalar]
    j = mats[mats.index(i) + 1]
    rest = [f for k, f in enumerate(e.args) if k not in (i, j)]
    if all(f.is_scalar for f in rest):
        rest.append(E.eye(e.args[j].shape[1]))
    return E.mul(*rest)


def _polar_at(e: Expr) -> int | None:
    """The position of svd_u(X) followed by svd_v(X)^T among e's factors."""
    mats = [i for i, f in enumerate(e.args) if not f.is_scalar]
    return next((i for i, j in zip(mats, mats[1:], strict=False) if e.args[i].op == "svd_u"
                 and e.args[j].op == "T" and e.args[j].args[0].op == "svd_v"
                 and e.args[j].args[0].args[0] is e.args[i].args[0]), None)


def has_polar_pair(e: Expr) -> bool:
    return _polar_at(e) is not None


def to_polar(e: Expr) -> Expr:
    """svd_u(X) svd_v(X)^T = polar(X), the U V^T of the thin SVD (the nuclear norm's gradient)."""
    i = _polar_at(e)
    assert i is not None
    mats = [k for k, f in enumerate(e.args) if not f.is_scalar]
    j = mats[mats.index(i) + 1]
    polar = fn("polar", e.args[i].args[0])
    return E.mul(*(polar if k == i else f for k, f in enumerate(e.args) if k != j))
