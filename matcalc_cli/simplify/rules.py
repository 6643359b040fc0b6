"""The simplifier's rules: one table, each identity a named Rule with its guard.

A rule is written as data where one pattern (or a few alternatives) says it (patterns.py):
`lhs => rhs if guard`, both sides in the input language with pattern variables, guards named
predicates (column(?x), integer(?k), orthonormal(?U), shorter, termwise, ...). The others
are code, where a rewrite needs more than a pattern can say:
  a choice among spellings      cyclic-trace (every rotation), transpose-out, distribute-to-
                                collect, identity-insertion, collect-scalar-multiples (terms
                                grouped by matrix part, three ways), piecewise-linear and
                                piecewise-linear-scaled (every hinge form): each offers
                                candidates (chosen()), and the engine keeps the cheapest
                                (cost.choose, the one choice) once the node's arguments are settled
  a search or a family          trace-collect (each term turned to its cheapest rotation), mean
                                (the count read off the summand's shape, spread over a sum's
                                terms), the piecewise rules (any affine function of a step
                                raised to a power), kron-to-hadamard (a window of five factors
                                around a sum of Kronecker products)
  one spelling, any kind        fill-broadcast (a broadcast scalar among any node's arguments)
  tried and kept as code        negated-sum (-?S for a sum of negative terms, as three patterns,
                                and identity-insertion (as four patterns with shorter) changed
                                the layer norm's derivative under --steps: mean(x) - x^T where
                                -(x^T - mean(x)) keeps u's name)

The normal group's transpose, product, sum and hadamard are not rules of this kind but the
canonicaliser (normal.py): flattening sums and products, collecting like terms and numeric
coefficients, one placement of transposes. They sit in the table so that the engine runs one
loop, and are not counted among its identities.

A rule is tried on a node whose arguments are already simplified; the engine
applies the first rule of the node's kind whose guard holds and whose result
differs (for a rule guarded `shorter`, costs less: the engine decides, with the one
structural cost), bottom-up, to a fixpoint. Three groups:
  identity      equal values, a different tree (det(X^T) = det(X), (a^2)^0.5 = abs(a))
  normal        one spelling of sums, products and transposes (normal.py)
  presentation  the textbook's choice between equal spellings (numbers out of calls,
                X^-T, the cheaper transpose placement)
The order in the table is the order rules are tried on a node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.ops import rebuild
from matcalc_cli.simplify import collect as C
from matcalc_cli.simplify import hinge as HG
from matcalc_cli.simplify import means as M
from matcalc_cli.simplify import pairs as PAIRS
from matcalc_cli.simplify import piecewise as P
from matcalc_cli.simplify import rewrites as RW
from matcalc_cli.simplify import traces as TR
from matcalc_cli.simplify.normal import (
    filled,
    hadamard,
    product,
    total,
    transpose,
)
from matcalc_cli.simplify.patterns import Pattern, read
from matcalc_cli.simplify.termwise import through_sums

IDENTITY, NORMAL, PRESENTATION = "identity", "normal", "presentation"
ANY = "*"  # a rule tried on every node kind


@dataclass(frozen=True)
class Rule:
    name: str
    group: str
    ops: tuple[str, ...]  # the pattern's head: the node kinds the rule is tried on
    guard: Callable[[Expr], bool]
    result: Callable[[Expr], Expr]
    says: str  # the identity, as a textbook writes it
    region: bool = False  # offered to the elementwise algebra for its leaves, kept where cheaper
    patterns: tuple[Pattern, ...] = ()  # the rule as written (lhs => rhs if guard), where it is
    shorter: bool = False  # the engine keeps a result only where it costs less than the node
    # A choice among spellings: the candidates, of which the engine keeps the cheapest (each
    # settled by the pair rules first) where it is cheaper than the node; result is unused.
    choices: Callable[[Expr, Callable[[Expr], Expr]], Iterable[Expr]] | None = None
    pair: bool = False  # a pair rule: the engine settles a choice's candidates by these
    # the canonicaliser's (normal.py) normal form of its node kind, in the table so that the
    # engine runs one loop; settles: a choice's candidates are settled by it, as by a pair rule
    canonical: bool = False
    settles: bool = False
    # presentation once the rules have settled, never in their loop (a rewrite a rule of the
    # loop would undo: inverse-transposed's (A X)^-T, whose ^T the transpose rule pushes)
    final: bool = False


def chosen(name: str, group: str, ops: tuple[str, ...], guard: Callable[[Expr], bool],
           candidates: Callable[[Expr, Callable[[Expr], Expr]], Iterable[Expr]], says: str) -> Rule:
    """A rule that offers candidate spellings; the engine chooses, with the one structural cost."""
    return Rule(name, group, ops, guard, lambda e: e, says, choices=candidates)


def written(name: str, group: str, *texts: str, region: bool = False, pair: bool = False, final: bool = False) -> Rule:
    """A rule written as patterns, tried in order: the first that matches rewrites the node."""
    patterns = tuple(read(t) for t in texts)
    if len({p.shorter for p in patterns}) > 1:
        raise ValueError(f"{name}: where shorter is a guard of all its patterns or of none")

    termwise = [p for p in patterns if p.termwise]

    def meet(x: Expr, y: Expr) -> Expr | None:  # each term of a sum by the first pattern that takes it
        return next((r for p in termwise if (r := p.meet(x, y)) is not None), None)

    def through(e: Expr) -> Expr | None:
        return through_sums(e, meet, termwise[0].chains) if termwise and e.op == K.MUL else None

    def result(e: Expr) -> Expr:
        for p in patterns:
            out = p.apply(e)
            if out is not None:
                return out
        return through(e) or e

    return Rule(name, group, tuple(dict.fromkeys(h for p in patterns for h in p.heads)),
                lambda e: any(p.fires(e) for p in patterns) or through(e) is not None, result, "; ".join(texts),
                region=region, patterns=patterns, shorter=patterns[0].shorter, pair=pair, final=final)


def _always(e: Expr) -> bool:
    return True









def _has_bcast_arg(e: Expr) -> bool:
    return e.op not in (K.ADD, K.HDIV, K.BCAST) and any(a.op == K.BCAST for a in e.args)


RULES: tuple[Rule, ...] = (
    Rule("fill-broadcast", NORMAL, (ANY,), _has_bcast_arg,
         lambda e: rebuild(e, [filled(a) for a in e.args]), "a scalar c in a product is c ones(n)"),
    Rule("transpose", NORMAL, (K.T,), _always, lambda e: transpose(e.args[0]),
         "(A B)^T = B^T A^T, pushed through sums where that is cheaper", canonical=True),
    # Before the product's normal form, which may turn exp(u)^T y / sum(exp(u)) around.
    written("softmax", IDENTITY, "exp(?z) / sum(exp(?z)) => softmax(?z) if column(?z)",
            "exp(?z)^T / sum(exp(?z)) => softmax(?z)^T if column(?z)"),
    written("logistic-scalar", IDENTITY, "exp(?t) / (1 + exp(?t)) => sigmoid(?t) if scalar(?t)"),
    # Before the product's normal form, which merges what they would meet (diag(u) diag(u) is not diag(u)^2).
    written("inverse-pair", IDENTITY, *PAIRS.INVERSE_PAIR, pair=True),
    written("diagonal-product", IDENTITY, *PAIRS.DIAGONAL_PRODUCT, pair=True),
    Rule("negated-sum", IDENTITY, (K.MUL,), PAIRS.has_negated_sum, PAIRS.negated_sum_out,
         "A (-B - C) D = -A (B + C) D: a sum of negative terms gives its sign to the product", pair=True),
    Rule("product", NORMAL, (K.MUL,), _always, lambda e: product(list(e.args)),
         "flattened; numbers and scalar powers merged", canonical=True, settles=True),
    Rule("sum", NORMAL, (K.ADD,), _always, lambda e: total(list(e.args)),
         "like terms collected, common factors out, positive terms first", canonical=True, settles=True),
    # After the product's and the sum's normal forms, which leave a negated sum (a scalar's is
    # one factor) and diagonals apart.
    written("negation-into-sum", IDENTITY, "-(?a + ?b) => -?a - ?b if nonscalar(?a)"),
    written("diagonal-sum", IDENTITY, "diag(?u) + diag(?v) => diag(?u + ?v) if column(?u), column(?v)",
            "diag(?u) + ?c diag(?v) => diag(?u + ?c ?v) if column(?u), column(?v), number(?c)",
            "?c diag(?u) + ?d diag(?v) => diag(?c ?u + ?d ?v) if column(?u), column(?v), number(?c), number(?d)"),
    Rule("hadamard", NORMAL, (K.HAD,), _always, lambda e: hadamard(list(e.args)),
         "numbers out of .*, sums last", canonical=True, settles=True),
    written("quotient-by-scalar", NORMAL, "?a ./ ?s => ?a / ?s if scalar(?s)"),
    written("logistic", IDENTITY, "exp(?u) ./ (1 + exp(?u)) => sigmoid(?u)",
            "(exp(?u) .* ?y) ./ (1 + exp(?u)) => sigmoid(?u) .* ?y"),
    # log(cosh(u))' as a textbook writes it, and as code computes it past |u| = 710, where
    # cosh overflows and sinh ./ cosh is inf ./ inf
    written("hyperbolic-tangent", IDENTITY, "sinh(?u) ./ cosh(?u) => tanh(?u)",
            "sinh(?t) / cosh(?t) => tanh(?t) if scalar(?t)"),
    written("diag-coefficient", PRESENTATION, "diag(?c ?v) => ?c diag(?v) if number(?c)",
            "tril(?c ?X) => ?c tril(?X) if number(?c)", "triu(?c ?X) => ?c triu(?X) if number(?c)"),
    written("diagonal-mask", IDENTITY, "(?X .* eye(?n))^T => ?X .* eye(?n)", "?X^T .* eye(?n) => ?X .* eye(?n)"),
    # final: in the loop the transpose rule took (A X)^-T's ^T back into the product, and the two
    # spellings alternated; the loop keeps (X^T A^T)^-1, whose pairs its rules see (engine.simplify)
    written("inverse-transposed", PRESENTATION, "inv(?A ?B) => ((?A ?B)^T)^-T if shorter", final=True),
    # a sum's X^-T is weighed in the loop, where the engine holds it (engine._inverse_transposed)
    written("inverse-transposed-sum", PRESENTATION, "inv(?A + ?B) => ((?A + ?B)^T)^-T if shorter"),
    written("log-softmax", IDENTITY, "log(softmax(?z)) => ?z - logsumexp(?z) if column(?z)",
            "log(softmax(?z)) => ?z - logsumexp(?z) if row(?z)",
            "log(softmax(?Z)) => ?Z - logsumexp(?Z) ones(1, ?m) if shape(?Z, ?n, ?m)"),
    written("kron-outer", IDENTITY, "kron(?a, ?b) => ?b ?a if row(?a), column(?b)",
            "kron(?a, ?b) => ?a ?b if column(?a), row(?b)"),
    # kron(x^T, I) vec(M) = vec(M x) = M x
    written("kron-vec", IDENTITY,
            "kron(?r, eye(?n)) vec(?M) => ?M ?r^T if shape(?r, 1, ?k), shape(?M, ?n, ?k), termwise chains"),
    written("row-vec-kron", IDENTITY, "vec(?C)^T kron(?B, ?A) => vec(?A^T ?C ?B)^T "
            "if shape(?C, ?p, ?q), shape(?B, ?q, ?s), shape(?A, ?p, ?r)"),
    written("vec-scalars-out", PRESENTATION, "vec(?s ?M) => ?s vec(?M) if scalar(?s), nonscalar(?M)"),
    written("kron-mixed-product", IDENTITY, "kron(?A, ?B) kron(?C, ?D) => kron(?A ?C, ?B ?D) "
            "if shape(?A, ?m, ?n), shape(?C, ?n, ?p), shape(?B, ?q, ?r), shape(?D, ?r, ?s), termwise"),
    # Magnus and Neudecker's K (A ⊗ B) K = B ⊗ A, where one K is 1: B, or A, a vector
    written("commutation-through-kron", IDENTITY,
            "commutation(?p, ?m) kron(?A, ?b) => kron(?b, ?A) if shape(?A, ?m, ?k), shape(?b, ?p, 1), termwise",
            "commutation(?p, ?m) kron(?a, ?B) => kron(?B, ?a) if shape(?a, ?m, 1), shape(?B, ?p, ?k), termwise",
            "kron(?C, ?d) commutation(?n, ?q) => kron(?d, ?C) if shape(?C, ?k, ?n), shape(?d, 1, ?q), termwise",
            "kron(?c, ?D) commutation(?n, ?q) => kron(?D, ?c) if shape(?c, 1, ?n), shape(?D, ?k, ?q), termwise"),
    written("kron-coefficient", PRESENTATION, "kron(?c ?A, ?B) => ?c kron(?A, ?B) if number(?c)",
            "kron(?A, ?c ?B) => ?c kron(?A, ?B) if number(?c)"),
    written("kron-reduction", IDENTITY, "tr(kron(?A, ?B)) => tr(?A) tr(?B) if square(?A), square(?B)",
            "sum(kron(?A, ?B)) => sum(?A) sum(?B)", "norm(kron(?A, ?B)) => norm(?A) norm(?B)"),
    written("transpose-invariant", IDENTITY, "det(?X^T) => det(?X)", "logdet(?X^T) => logdet(?X)",
            "tr(?X^T) => tr(?X) if square(?X), matrix(?X)",
            "diag(?X^T) => diag(?X) if square(?X), matrix(?X)",
            "sum(?M^T) => sum(?M)", "mean(?M^T) => mean(?M)"),
    written("ones-numerator", PRESENTATION, "ones(?m, ?n) ./ ?y => 1 ./ ?y"),
    written("quotient-coefficient", PRESENTATION, "(?c ?a) ./ ?b => ?c (?a ./ ?b) if number(?c)",
            "?c ./ ?b => ?c (1 ./ ?b) if number(?c)"),
    written("linear-coefficient", PRESENTATION, "tr(?c ?M) => ?c tr(?M) if number(?c)",
            "sum(?c ?u) => ?c sum(?u) if number(?c)"),
    written("scalars-out", PRESENTATION, "sum(?s ?M) => ?s sum(?M) if scalar(?s), nonscalar(?M)",
            "tr(?s ?M) => ?s tr(?M) if scalar(?s), nonscalar(?M)",
            "diag(?s ?M) => ?s diag(?M) if scalar(?s), matrix(?M)"),
    written("centred-sum", IDENTITY, "sum(?x - mean(?x)) => 0", "mean(?x - mean(?x)) => 0",
            "sum(?x^T - mean(?x)) => 0", "mean(?x^T - mean(?x)) => 0"),
    # The centred vector keeps its spelling (and its name): ?x + -mean(?x) is x - mean(x) as the
    # input language builds it (mean(x) negated, then broadcast).
    written("centred-sign", PRESENTATION, "(mean(?x) - ?x) ?B => -(?x + -mean(?x)) ?B if nonscalar(?x)",
            "?A (mean(?x) - ?x) => -?A (?x + -mean(?x)) if nonscalar(?x)",
            "(mean(?x) - ?x^T) ?B => -(?x^T + -mean(?x)) ?B if nonscalar(?x)",
            "?A (mean(?x) - ?x^T) => -?A (?x^T + -mean(?x)) if nonscalar(?x)"),
    Rule("mean", PRESENTATION, (K.MUL,), M.has_mean, M.as_mean,
         "sum(v) / n = mean(v), a^T b / n = mean(a .* b) for vectors of length n"),
    written("count", IDENTITY, "sum(ones(?m, ?n)) => size(?m*?n)", "mean(ones(?m, ?n)) => 1",
            "norm(ones(?m, ?n)) => size(?m*?n)^0.5", "tr(eye(?n)) => size(?n)", "tr(ones(?n, ?n)) => size(?n)"),
    written("diag-of-ones", IDENTITY, "diag(ones(?n)) => eye(?n)"),
    written("orthonormal-pair", IDENTITY, *PAIRS.ORTHONORMAL_PAIR, pair=True),
    written("polar-factor", IDENTITY, "svd_u(?X) svd_v(?X)^T => polar(?X)"),
    written("softmax-sums-to-one", IDENTITY, "sum(softmax(?z)) => 1 if column(?z)",
            "sum(softmax(?z)) => 1 if shape(?z, 1, ?n)",
            "sum(softmax(?Z)) => size(?m) if shape(?Z, ?m, ?n)"),
    written("diag-of-zeros", IDENTITY, "diag(zeros(?n)) => zeros(?n, ?n)", "diag(zeros(?n, ?n)) => zeros(?n)"),
    # the row (column) sums of a sum, the diagonal's read off at once (ones(1, n) diag(v) = v^T)
    written("ones-through-diag", IDENTITY, "ones(1, ?n) (diag(?v) + ?R) => ?v^T + ones(1, ?n) ?R if column(?v)",
            "ones(1, ?n) (?c diag(?v) + ?R) => ?c ?v^T + ones(1, ?n) ?R if column(?v), number(?c)",
            "(diag(?v) + ?R) ones(?n) => ?v + ?R ones(?n) if column(?v)",
            "(?c diag(?v) + ?R) ones(?n) => ?c ?v + ?R ones(?n) if column(?v), number(?c)"),
    written("row-of-ones-product", IDENTITY, "ones(1, ?m) ones(?m, ?k) => size(?m) ones(1, ?k) if named(?m)"),
    written("ones-sum", PRESENTATION, "ones(1, ?n) ?v => sum(?v) if column(?v)", "?v ones(?n) => sum(?v^T) if row(?v)"),
    # diag(v) ones(n) is v .* ones(n): diagonal-product's.
    written("ones-by-diag", IDENTITY, "ones(1, ?n) diag(?v) => ?v^T if column(?v)"),
    written("diag-outer", IDENTITY, "diag(?a ?b) => ?a .* ?b^T if column(?a), row(?b)"),
    written("power-of-product", IDENTITY,
            # not (a b)^0.5 = a^0.5 b^0.5: both sides are defined at a, b < 0, but differ
            "(?a ?b)^?k => ?a^?k ?b^?k if scalar(?a), scalar(?b), integer(?k)"),
    # (a^p)^q = a^(p q) wherever the left side is defined, except for an even p under a fractional q:
    # (a^2)^0.5 is abs(a). (A fractional p, or an odd p under a fractional q, asks a >= 0 of the left side.)
    written("power-of-power", IDENTITY,
            "(?a^?p)^?q => ?a^(?p ?q) if scalar(?a), number(?p), integer(?q)",
            "(?a^?p)^?q => ?a^(?p ?q) if scalar(?a), fraction(?p), number(?q)",
            "(?a^?p)^?q => ?a^(?p ?q) if scalar(?a), odd(?p), number(?q)",
            "(?a^?p)^?q => abs(?a)^(?p ?q) if scalar(?a), even(?p), number(?q)"),
    written("even-power-of-abs", IDENTITY, "abs(?a)^?k => ?a^?k if scalar(?a), even(?k)"),
    written("trace-of-scalar", IDENTITY, "tr(?s) => ?s if scalar(?s)"),
    Rule("piecewise-power", IDENTITY, (K.EPOW,), P.piecewise_power_applies, P.piecewise_power,
         "away from kinks: step(u).^2 = step(u), (1 - step(u)).^2 = 1 - step(u), sign(u).^2 = 1"),
    written("piecewise-product", IDENTITY, "relu(?u) .* step(?u) => relu(?u)", "abs(?u) .* sign(?u) => ?u"),
    Rule("step-complement", IDENTITY, (K.ADD,), P.has_step_complement, P.step_complement,
         "away from the kink: c - c step(u) = c step(-u); 1 - step(abs(r) - 1) = step(1 - abs(r))"),
    chosen("piecewise-linear", IDENTITY, (K.ADD, K.HAD), _always, lambda e, _: HG.hinge_forms(e),
         "away from kinks, a piecewise-linear function of r in hinge form: "
         "sign(r) .* min(abs(r), 1) = r - relu(r - 1) + relu(-r - 1)"),
    chosen("piecewise-linear-scaled", PRESENTATION, (K.MUL,), _always, HG.scaled_forms,
           "-(r - relu(r - 1))^T X = (relu(r - 1) - r)^T X, where shorter"),
    Rule("trace-collect", IDENTITY, (K.TR,), TR.has_collectable_trace, TR.collect_trace,
         "tr(A B + B A) = 2 tr(A B): each term of a trace turned cyclically, like terms collected"),
    chosen("cyclic-trace", PRESENTATION, (K.TR,), lambda e: RW.is_chain(e.args[0]), RW.cyclic_trace,
         "tr(A B) = tr(B A) = tr(B^T A^T), the cheapest; tr(x y^T) = y^T x"),
    written("sum-of-hadamard", IDENTITY, "sum(?x .* ?y) => ?x^T ?y if column(?x)",
            "sum(?x .* ?y) => ?x ?y^T if row(?x)"),
    written("sign-times", IDENTITY, "sign(?u) .* ?u => abs(?u)",
            "sign(?t) ?t => abs(?t) if scalar(?t)", "sign(?t) / ?t => 1 / abs(?t) if scalar(?t)",
            # sign(t^0.5) beside t^-0.5, as a derivative builds it (t^-0.5 is no power of t^0.5 in the tree)
            "sign(?b^?p) ?b^(-?p) => 1 / abs(?b^?p) if scalar(?b), number(?p)",
            # so that abs(t) / t^2 = 1 / abs(t)
            "abs(?t) ?t^?k => abs(?t) abs(?t)^?k if scalar(?t), even(?k)",
            "abs(?t)^?m ?t^?k => abs(?t)^?m abs(?t)^?k if scalar(?t), number(?m), even(?k)"),
    written("ones-product", IDENTITY, "ones(?m, ?k) ones(?k, ?n) => ?k ones(?m, ?n) if several(?k)",
            "(ones(?m) ones(1, ?n)) .* ?M => ?M"),
    written("det-inward", IDENTITY, "det(?X^?k) => det(?X)^?k if number(?k)",
            "logdet(?X^?k) => ?k logdet(?X) if number(?k)",
            "det(?s ?X) => det(?X) ?s^?n if scalar(?s), shape(?X, ?n, ?n), known(?n)"),
    # Only where a factor then cancels or merges: det(A X) alone is shorter than det(A) det(X).
    written("det-of-product", IDENTITY,
            "det(?A ?B) det(?B) => det(?A) det(?B)^2 if shape(?A, ?n, ?n), shape(?B, ?n, ?n)",
            "det(?A ?B) det(?A) => det(?A)^2 det(?B) if shape(?A, ?n, ?n), shape(?B, ?n, ?n)",
            "det(?A ?B) det(?B)^?k => det(?A) det(?B) det(?B)^?k if shape(?A, ?n, ?n), shape(?B, ?n, ?n), number(?k)",
            "det(?A ?B) det(?A)^?k => det(?A) det(?A)^?k det(?B) if shape(?A, ?n, ?n), shape(?B, ?n, ?n), number(?k)"),
    # (square factors of one size: a scalar times a matrix is no such product, det(t A) is not
    # det(t) det(A), and B (t B)^-1 is t^-1 eye(n), not the scalar t^-1)
    # (A B)^-1 = B^-1 A^-1 where a factor then cancels: A^T (A X B)^-T B^T = X^-T.
    written("inverse-of-product", IDENTITY,
            "(?A ?B)^-1 ?A => ?B^-1 if shape(?A, ?n, ?n), shape(?B, ?n, ?n)",
            "?B (?A ?B)^-1 => ?A^-1 if shape(?A, ?n, ?n), shape(?B, ?n, ?n)",
            "?A^T (?A ?B)^-T => ?B^-T if shape(?A, ?n, ?n), shape(?B, ?n, ?n)",
            "(?A ?B)^-T ?B^T => ?A^-T if shape(?A, ?n, ?n), shape(?B, ?n, ?n)"),
    # (t A)^-1 = t^-1 A^-1: both sides are defined exactly where t != 0 and A is invertible
    written("inverse-of-scaled", IDENTITY, "(?s ?A)^-1 => ?s^-1 ?A^-1 if scalar(?s), shape(?A, ?n, ?n), nonscalar(?A)"),
    chosen("distribute-to-collect", PRESENTATION, (K.ADD,), RW.has_distributable, RW.distribute_to_collect,
         "(u + v) M + w M' multiplied out where like terms meet and the sum is shorter"),
    chosen("collect-scalar-multiples", PRESENTATION, (K.ADD,), _always, lambda e, _: C.collections(e),
         "a M - s M = (a - s) M; S - s S = (1 - s) S for a sum S, where shorter"),
    chosen("transpose-out", PRESENTATION, (K.ADD, K.HAD), RW.has_transposed_term, RW.transpose_out,
         "A^T + B^T = (A + B)^T, A^T .* B^T = (A .* B)^T, where shorter"),
    chosen("identity-insertion", PRESENTATION, (K.ADD,), lambda e: len(e.args) >= 2, RW.identity_insertion,
         "F + F B = F (eye(n) + B), where shorter"),
    written("sigmoid-negated", IDENTITY, "sigmoid(-?u) => 1 - sigmoid(?u)", region=True),
    Rule("kron-to-hadamard", IDENTITY, (K.MUL,), lambda e: RW.kron_window(e) is not None, RW.kron_to_hadamard,
         "S^T kron(B, C) S = B .* C for S v = vec(diag(v)): Hessians through diag"),
    # (tril_half of an upper triangular U keeps its diagonal, halved), so that logdet written
    # through chol, 2 sum(log(diag(chol(X)))), has logdet's gradient X^-1
    written("tril-half-of-upper", IDENTITY, "tril_half(?U) => diag(diag(?U)) / 2 if upper(?U)"),
    written("cholesky-product", IDENTITY, "chol(?A) chol(?A)^T => ?A", "chol(?A)^-T chol(?A)^-1 => ?A^-1",
            "(chol(?A)^-1)^T chol(?A)^-1 => ?A^-1"),
    written("diagonal-of-triangular", IDENTITY,
            "diag(?A ?B) => diag(?A) .* diag(?B) if lower(?A), lower(?B), matrix(?A), matrix(?B)",
            "diag(?A ?B) => diag(?A) .* diag(?B) if upper(?A), upper(?B), matrix(?A), matrix(?B)",
            "diag(?L^-1) => 1 ./ diag(?L) if lower(?L), matrix(?L)",
            "diag(?U^-1) => 1 ./ diag(?U) if upper(?U), matrix(?U)",
            "diag(tril_half(?M)) => diag(?M) / 2"),
    written("diag-of-diagonal", IDENTITY, "diag(diag(?v)) => ?v if column(?v)", "diag(eye(?n)) => ones(?n)"),
    written("reciprocal-weights", IDENTITY, "(1 ./ ?d)^T (?d .* ?m) => sum(?m)", "(1 ./ ?d^T) (?d .* ?m) => sum(?m)"),
    written("trace-of-diagonal", IDENTITY, "sum(diag(?M)) => tr(?M) if square(?M), matrix(?M)"),
)

BY_OP: dict[str, tuple[Rule, ...]] = {}
FINAL: dict[str, tuple[Rule, ...]] = {}
for _r in RULES:
    if _r.region:
        continue
    for _op in _r.ops:
        table = FINAL if _r.final else BY_OP
        table[_op] = table.get(_op, ()) + (_r,)
ANYWHERE = BY_OP.pop(ANY, ())
NAMES = tuple(r.name for r in RULES)
CANONICAL = tuple(r.name for r in RULES if r.canonical)  # the canonicaliser's entries: no identities


def rules_for(op: str) -> tuple[Rule, ...]:
    return ANYWHERE + BY_OP.get(op, ())


# The rules by which a choice's candidates are settled before they are weighed: the pair
# rules, and the normal form of the products and sums they change.
PAIR_RULES: dict[str, tuple[Rule, ...]] = {}
for _r in RULES:
    if _r.pair or _r.settles:
        for _op in _r.ops:
            PAIR_RULES[_op] = PAIR_RULES.get(_op, ()) + (_r,)


def _offer(rule: Rule) -> Callable[[Expr], Expr | None]:
    return lambda leaf: rule.result(leaf) if leaf.op in rule.ops and rule.guard(leaf) else None


REGION: tuple[tuple[str, Callable[[Expr], Expr | None]], ...] = tuple(
    (r.name, _offer(r)) for r in RULES if r.region)
