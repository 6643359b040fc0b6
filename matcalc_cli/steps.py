"""A derivation as the course writes it by hand (--steps).

The function is named (y, or h when y is taken) and so are the subexpressions a reader
would name: a shared one (s = sigmoid(X theta)) and the linear argument of a function
(f = X theta), by naming.py's one choice of names, the result's and the code's. Each
named part gets one differential, in the differentials of the parts it is made of
(ds = s .* (1 - s) .* df), with the rules it took; an identity of the
course's table (inverse, determinant, ...) gets its own line (d(X^-1) = -X^-1 dX X^-1).
Then the chain rule substitutes the parts, the trace trick rearranges the form into
the canonical one (tr(G^T dX)), the derivative is read off, and simplified.

Every line is an equation between trees, so that the tests can evaluate both sides.
"""

from __future__ import annotations

from itertools import count

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli import naming
from matcalc_cli.derive import Convention, FinishedDerivative, at_differential, differential, dvar, gradient, jacobian
from matcalc_cli.derive.present import _var_class
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import ONE, Expr, is_row, is_vector
from matcalc_cli.lines import Derivation, Leibniz, Line, Said, StepRule
from matcalc_cli.naming import Named
from matcalc_cli.ops import OPS, Op, fn, replaced
from matcalc_cli.simplify import canon, simplify, total, transpose

READ_OFF = {
    "scalar": StepRule("read off", "dY = G dt gives dY/dt = G"),
    "vector": StepRule("read off", "dy = g^T dx gives the gradient g"),
    "matrix": StepRule("read off", "dy = tr(G^T dX) gives G"),
    "jacobian": StepRule("read off", "dy = J dx gives J"),
    "vec": StepRule("read off", "vec(dY) = J vec(dX) gives J"),
}


def derivation(f: Expr, x: Expr, result: FinishedDerivative, given: dict[Expr, str] | None = None,
               shown: Named | None = None) -> Derivation:
    """The steps to result, the derivative of f by x; given: names of subexpressions (the
    input's where clause), which the steps keep for those subexpressions and never choose
    for another; shown: the result as it is printed (naming.name's), whose names the steps
    keep likewise and which the last line is (in_own_names), its names defined among the
    steps'."""
    given = given or {}
    shown = shown or naming.name(result.expr, given.values(), given)
    given = {node: n for node, (n, _) in zip(shown.nodes, shown.where, strict=True)} | given
    try:
        return _derivation(f, x, result, given, shown)
    except MatcalcError:  # a form only the canonical input differentiates (diag(x x^T) is x .* x)
        return _derivation(canon(f), x, result, given, shown)  # the names kept wherever canon(f) has their nodes


def second(d: Derivation, v: Expr, result: FinishedDerivative, shown: Named | None = None) -> Derivation:
    """The steps of a first derivative, then the second derivative by v (CONTRACT.md's
    layout: d/dv of the gradient, as matcalc differentiates it), as it is printed (shown)."""
    first = next(line.lhs for line in d.lines if isinstance(line.lhs, Leibniz))
    shown = shown or naming.name(result.expr, [var.name for var, _ in d.names])
    in_x: dict[Expr, Expr] = {}  # each name's definition in the variables -> its var
    for var, body in d.names:
        in_x[replaced(body, {n: x for x, n in in_x.items()})] = var
    final = in_own_names(shown, in_x)
    line = Line(Leibniz(first.top, first.by, v), (final,),
                (StepRule("differentiated again", f"d/d{v.name} of the gradient, {result.layout} layout"),),
                where=lacking(final, (*d.names, *(w for ln in d.lines for w in ln.where)), shown))
    return Derivation((*d.lines, line), d.names, d.marks, d.wrt)


def in_own_names(shown: Named, names: dict[Expr, Expr]) -> Expr:
    """The result as it is printed (its names, its spellings: u^T for x^T - mean(x)), with
    the steps' own names for the parts it prints in full (y, f, s where the result has
    sigmoid(X theta)): the steps' last line."""
    printed = {node: E.var(n, node.shape) for node, (n, _) in zip(shown.nodes, shown.where, strict=True)}
    own = {replaced(node, printed, keep=node): var for node, var in names.items() if node not in printed}
    return replaced(shown.body, own, keep=shown.body) if own else shown.body


def lacking(final: Expr, names: tuple[tuple[Expr, Expr], ...], shown: Named) -> tuple[tuple[Expr, Expr], ...]:
    """The printed result's names that final uses and the steps lack (a name of the derivative
    alone, or of a part that does not depend on the variable), with their definitions: the
    last line's where clause, so that it reads in defined names."""
    have = {var.name for var, _ in names}
    lack = dict(shown.where)
    used: set[str] = set()
    todo = [final]
    while todo:  # the names final uses, and those their definitions use
        for n in E.walk(todo.pop()):
            if n.op == K.VAR and n.name in lack and n.name not in have and n.name not in used:
                used.add(n.name)
                todo.append(lack[n.name])
    return tuple((E.var(n, body.shape), body) for n, body in shown.where if n in used)


def _derivation(f: Expr, x: Expr, result: FinishedDerivative, given: dict[Expr, str], shown: Named) -> Derivation:
    dep = _dependent(f, x)
    # One choice of names (naming.py): the shared parts, the functions' linear arguments
    # (f = X theta) and the input's and the result's own names, then f itself (y).
    names = {n: E.var(name, n.shape) for n, name in naming.parts(f, dep, given).items()}  # node -> its var
    named = [n for n in names if n is not f]  # innermost first, as Derivation.names promises
    root = names[f]
    defs = {node: replaced(node, names, keep=node) for node in names}

    marks: dict[str, Expr] = {}
    marker: dict[Expr, Expr] = {v: dvar(v) for v in names.values()}
    expansion: dict[Expr, Expr] = {}  # an unnamed identity's marker -> its differential, in the names
    to_names = {defs[n]: v for n, v in names.items()}
    lines: list[Line] = []
    diffs: dict[Expr, Expr] = {}  # a name's var -> its differential in the names' differentials
    ident = count(1)
    for node in [*named, f]:
        body = defs[node]
        for sub in _identities(body, set(names.values()) | {x}):
            mark = dvar(E.var(f"#{next(ident)}", sub.shape))
            marks[mark.name] = sub
            d, rules = _link(sub, x, marker)
            d = simplify(replaced(_expand(d, expansion), to_names))
            expansion[mark] = d
            marker[sub] = mark
            lines.append(Line(mark, (d,), _rule_text(rules)))
        d, rules = _link(body, x, marker)
        middle = simplify(replaced(d, to_names))
        full = simplify(_expand(middle, expansion))
        var = names[node]
        lines.append(Line(dvar(var), (middle, full) if middle != full else (full,), _rule_text(rules)))
        by = _only_input(full, x)
        if node is not f or len(names) > 1:
            if var.is_scalar and by is not None and by.name != x.name and not by.is_scalar:
                full = _canonical(full, by, lines)  # dh = g^T ds: the coefficient is dh/ds
        diffs[var] = full

    form = diffs[root]
    if len(names) > 1:  # the chain rule: the parts' differentials substituted, outermost first
        for node in reversed(named):
            form = replaced(form, {dvar(names[node]): diffs[names[node]]})
        lines.append(Line(None, (form,), (StepRule("chain rule", "substitute " + ", ".join(
            "d" + names[n].name for n in reversed(named))),)))
    own = tuple((v, defs[n]) for n, v in names.items())
    lines.extend(_read_off(form, root, x, result, in_own_names(shown, names), own, shown))

    return Derivation(tuple(lines), own, marks, x)


def _only_input(d: Expr, x: Expr) -> Expr | None:
    """The one variable whose differential d is linear in, if there is one."""
    found = {n.name: n for n in E.walk(d) if n.op == K.DVAR}
    if len(found) != 1:
        return None
    (name, dv), = found.items()
    return E.var(name, dv.shape) if name != x.name else x


def _canonical(d: Expr, by: Expr, lines: list[Line]) -> Expr:
    """d rewritten as g^T du (tr(G^T dU) for a matrix), a line of its own."""
    moves: list[Said] = []
    g = tidy(gradient(d, ONE, by, moves))
    form = E.mul(E.T(g), dvar(by)) if by.shape[1] == 1 else fn(K.TR, E.mul(E.T(g), dvar(by)))
    if form != d:
        lines.append(Line(None, (form,), _moves_text(moves)))
    return form


def _front(g: Expr) -> Expr:
    """G^T with the transpose pushed in, each term as written (not yet collected)."""
    terms = g.args if g.op == K.ADD else (g,)
    return total([transpose(t) for t in terms])


def _moves_text(moves: list[Said]) -> Said:
    """One rearrangement with its identity; several by name."""
    if len(moves) == 1:
        return moves[0]
    return tuple(StepRule(r[0].name) for r in moves) or (StepRule("simplified"),)


def tidy(e: Expr) -> Expr:
    """Each term simplified on its own: the form a hand derivation writes before collecting."""
    terms = e.args if e.op == K.ADD else (e,)
    return total([simplify(t) for t in terms])


# ------------------------------------------------------------------ choosing the names
def _dependent(f: Expr, x: Expr) -> set[Expr]:
    dep: set[Expr] = set()
    for node in E.walk(f):
        if (node.op == K.VAR and node.name == x.name) or any(a in dep for a in node.args):
            dep.add(node)
    return dep


def _identities(body: Expr, dep_names: set[Expr]) -> list[Expr]:
    """The identities of the table inside one part (not below a named part), innermost first."""
    out: list[Expr] = []
    dep: set[Expr] = set()
    for node in E.walk(body):
        if node in dep_names or any(a in dep for a in node.args):
            dep.add(node)
            if OPS[node.op].identity and node is not body and node not in out:
                out.append(node)
    return out


# ------------------------------------------------------------------ differentials
def _link(body: Expr, x: Expr, given: dict[Expr, Expr]) -> tuple[Expr, list[tuple[StepRule, ...]]]:
    """d body by the one differentiator, with the given differentials for the nodes (and
    names) below it; the rules it applied."""
    applied: list[Op] = []
    got = differential(body, x, given=given, applied=applied)
    rules = [op.rule for op in applied if op.name != K.BCAST]
    return (E.zeros(body.shape) if got is None else got), rules


def _rule_text(rules: list[tuple[StepRule, ...]]) -> tuple[StepRule, ...]:
    unique = list(dict.fromkeys(rules))
    if len(unique) == 1:
        return unique[0]
    # Several rules: the basic ones by name, the identities in full.
    return tuple(s for r in unique for s in ((StepRule(r[0].name),) if r[0].basic else r)) \
        or (StepRule("constant"),)


def _expand(e: Expr, expansion: dict[Expr, Expr]) -> Expr:
    return replaced(e, expansion) if expansion else e


# ------------------------------------------------------------------ canonical form and read-off
def _read_off(form: Expr, root: Expr, x: Expr, result: FinishedDerivative, final: Expr,
              names: tuple[tuple[Expr, Expr], ...] = (), shown: Named | None = None) -> list[Line]:
    """The canonical form, the derivative read off, then final (the result as printed, in
    the steps' names: in_own_names) where it differs, with the printed names the steps lack."""
    where = lacking(final, names, shown) if shown is not None else ()
    lines: list[Line] = []
    dx = dvar(x)
    xc = _var_class(x.shape)
    top = Leibniz(root, x)
    if not any(n.op == K.DVAR for n in E.walk(form)):  # x - x: nothing to read off but zero
        return [Line(top, (final,), (StepRule("read off", "the differential is zero"),), form, where)]
    if xc == "scalar":
        g = at_differential(form, ONE)
        canonical, cell, raw = E.mul(g, dx), "scalar", g
        if is_row(root.shape):
            raw = E.T(raw)
        if (is_vector(root.shape) or is_row(root.shape)) and result.layout == "denominator":
            raw = E.T(raw)  # a vector by a scalar: a row in the denominator layout
    elif root.is_scalar:
        moves: list[Said] = []
        g = gradient(form, ONE, x, moves)
        m = _front(g)  # the row (or matrix) the trace trick leaves in front of dX
        if xc == "vector":
            canonical, cell = E.mul(m, dx), "vector"
            raw = m if result.layout == "numerator" else E.T(m)
        else:
            canonical, cell, raw = fn(K.TR, E.mul(m, dx)), "matrix", E.T(m)
        if canonical != form:
            lines.append(Line(None, (canonical,), _moves_text(moves)))
    else:
        j = jacobian(form if not is_row(root.shape) else E.T(form), x)
        if result.kind == "jacobian":
            canonical, cell = E.mul(j, dx), "jacobian"
        else:
            canonical, cell = E.mul(j, E.vec(dx)), "vec"
        raw = E.T(j) if result.layout == "denominator" else j
    if _inverses_transposed(final) == _inverses_transposed(raw):  # no step a reader would see
        raw = final
    lines.append(Line(top, (raw,), (READ_OFF[cell],), canonical))
    if final != raw:
        if Convention.SYMMETRIC in result.conventions:
            rule = Convention.SYMMETRIC.rule
        else:
            trace: list[tuple[str, Expr, Expr]] = []
            simplify(raw, trace)
            rule = (StepRule("simplified", ", ".join(dict.fromkeys(r for r, _, _ in trace))),)
        lines.append(Line(None, (final,), rule, where=where))
    return lines


def _inverses_transposed(e: Expr) -> Expr:
    """e with each (X^-1)^T held as (X^T)^-1: the two are one matrix, which the printers
    write X^-T either way, so a simplification between them is no step of a derivation."""
    if not e.args:
        return e
    args = tuple(_inverses_transposed(a) for a in e.args)
    if e.op == K.T and args[0].op == K.INV:
        x = args[0].args[0]
        return Expr(K.INV, (Expr(K.T, (x,), e.shape),), e.shape)
    return e if args == e.args else Expr(e.op, args, e.shape, e.param)
