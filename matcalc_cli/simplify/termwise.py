"""A product pattern of two factors applied through sums, term by term (a rule's `termwise`):
F (c1 G1 + c2 G2) = c1 F' + c2 F'' where the rule rewrites F G1 to F' and F G2 to F'' (each
term by the first of its termwise patterns that takes it), and every term must match; so on
the left, and for a sum on both sides every pair of terms (at most four):
kron(A, B) (kron(C, D) + kron(E, F)) = kron(A C, B D) + kron(A E, B F). With `termwise chains`
a term may go on beyond the factor met, F (G1 H1 + G2 H2) = F' H1 + F'' H2:
kron(x^T, I) (vec(A) y^T + vec(B) z^T) = A x y^T + B x z^T."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.simplify.normal import _coef, product, total

Term = tuple[Fraction, list[Expr], Expr, list[Expr]]  # (coefficient, factors before, the one met, after)


def _terms(f: Expr, left: bool, chains: bool) -> list[Term] | None:
    """f's terms, each with the factor that meets the other side: its last matrix factor
    where f is on the left, its first on the right (scalar factors commute: they go before);
    other matrix factors only where chains allows them."""
    out: list[Term] = []
    for t in (f.args if f.op == K.ADD else (f,)):
        c, core = _coef(t)
        fs = core.args if core.op == K.MUL else (core,)
        scalars = [g for g in fs if g.is_scalar]
        chain = [g for g in fs if not g.is_scalar]
        if not chain or (len(chain) > 1 and not chains):
            return None
        out.append((c, scalars + chain[:-1], chain[-1], []) if left else (c, scalars, chain[0], chain[1:]))
    return out


def through_sums(e: Expr, meet: Callable[[Expr, Expr], Expr | None], chains: bool = False) -> Expr | None:
    """e, a product, with the first two adjacent factors (one of them a sum) whose terms all
    meet (meet(x, y): the rewrite of the product x y, or None) rewritten term by term; None
    where there are none."""
    fs = e.args
    for i in range(len(fs) - 1):
        a, b = fs[i], fs[i + 1]
        if K.ADD not in (a.op, b.op):
            continue
        lefts, rights = _terms(a, True, chains), _terms(b, False, chains)
        if lefts is None or rights is None or (len(lefts) > 1 and len(rights) > 1 and len(lefts) * len(rights) > 4):
            continue
        out: list[Expr] = []
        for c, before, x, _ in lefts:
            for d, scalars, y, after in rights:
                got = meet(x, y)
                if got is None:
                    break
                out.append(product([E.const(c * d), *scalars, *before, got, *after]))
            else:
                continue
            break
        else:
            return product([*fs[:i], total(out), *fs[i + 2:]])
    return None
