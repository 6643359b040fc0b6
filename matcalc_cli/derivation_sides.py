"""The sides of a derivation (check --derivation) as typed trees: its names (the function
y = EXPR, where clauses), its differentials (dX, dh, d(EXPR)) and one set of shapes for
all its lines.

A differential of a --wrt variable is a leaf of its own (dvar, drawn at random); of any
other variable 0; of a defined name or d(EXPR), the differential of what it stands for,
by matcalc's rules (derive.differential), summed over the --wrt variables.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcalc_cli import expr as E
from matcalc_cli.build import build, infer
from matcalc_cli.derivation_text import LineError, Side, WrittenEquation, read
from matcalc_cli.derive.differential import differential
from matcalc_cli.dims import parse_spec
from matcalc_cli.errors import MatcalcError
from matcalc_cli.expr import Expr, Shape
from matcalc_cli.ops import OPS, replaced
from matcalc_cli.structure import NONE, Structure, Structures, declare
from matcalc_cli.syntax import Syntax, parse
from matcalc_cli.tokens import GREEK as _GREEK
from matcalc_cli.where import defined, post_order, split_call, substitute

_GREEK_NAMES = frozenset(_GREEK.values())


@dataclass
class Parsed:
    eq: WrittenEquation
    lhs: Syntax | None
    parts: list[Syntax]
    marks: dict[str, Syntax]  # a d(EXPR)'s placeholder name -> EXPR


def line_error(eq: WrittenEquation, err: MatcalcError) -> LineError:
    """err, raised on eq's text, located in the file: its message names the line and its span
    moves by the line's offset. A LineError is located already (its type says so, never its
    wording: a variable may be called line), and comes back as it is."""
    if isinstance(err, LineError):
        return err
    if err.span is None:
        return LineError(err.kind, f"line {eq.number}: {err.message}")
    start, end = eq.located(err.span)
    return LineError(err.kind, f"line {eq.number}: {err.message}", (eq.start + start, eq.start + end))


def _parse_line(eq: WrittenEquation, declared: frozenset[str]) -> Parsed:
    """The line's sides parsed; declared: the names (and their differentials) a LaTeX side
    keeps whole where it reads a run of letters as single-letter names."""
    def side(s: Side, marks: dict[str, Syntax]) -> Syntax:
        names = declared | s.names
        for m in s.marks:
            marks[m.name] = parse(m.inner, names, latex=s.latex)
        return parse(s.text, names, latex=s.latex)

    try:
        marks: dict[str, Syntax] = {}
        lhs = side(eq.lhs, marks) if isinstance(eq.lhs, Side) else None
        return Parsed(eq, lhs, [side(p, marks) for p in eq.parts], marks)
    except MatcalcError as err:
        raise line_error(eq, err) from None


class WrittenDerivation:
    def __init__(self, text: str, wrt: list[str], shapes: list[str], symmetric: list[str], layout: str,
                 structures: Structures = NONE) -> None:
        self.text, self.wrt, self.layout = text, wrt, layout
        # every structure declared (--symmetric's names and the others): one declaration
        self.symmetric = declare([*((n, Structure.SYMMETRIC) for n in symmetric), *structures.pairs()])
        self.declared: dict[str, Shape] = {}
        for item in shapes:
            name, sep, spec = item.partition("=")
            if not sep:
                raise MatcalcError("option", f"--shape expects NAME=SPEC (x=n, A=n,m, t=scalar), got {item!r}")
            self.declared[name.strip()] = parse_spec(spec, name.strip())
        given = {*wrt, *self.declared}
        kept = frozenset(given | {"d" + n for n in given})
        self.lines = [_parse_line(eq, kept) for eq in read(text)]
        _latex_sizes(self.lines, self.declared)
        self.defs: dict[str, Syntax] = {}  # a defined name -> its definition, expanded
        self.function: tuple[str, Syntax] | None = None  # what y of dy/dX names
        self.defining: set[int] = set()  # the lines NAME = EXPR that define NAME
        self.names = {n.text for p in self.lines for s in self._sides(p) for n in post_order(s)
                      if n.kind in ("name", "define")}
        self._definitions()
        self._no_quiet_names()

    @staticmethod
    def _sides(p: Parsed) -> list[Syntax]:
        return [*([p.lhs] if p.lhs is not None else []), *p.parts, *p.marks.values()]

    # -------------------------------------------------------------- names
    def _definitions(self) -> None:
        """y = EXPR on the first line (and NAME = EXPR of a name not seen before), and every
        where clause, define names for the lines after them."""
        seen: set[str] = set()
        for i, p in enumerate(self.lines):
            try:
                for k, part in enumerate(p.parts):
                    if part.kind == "where":
                        part = p.parts[k] = _in_order(part)
                        for name, body in defined(part).items():
                            self._define(name, body, p.eq)
                        p.parts[k] = substitute(part)
                if (p.lhs is not None and p.lhs.kind == "name" and p.lhs.text not in self.wrt
                        and p.lhs.text not in seen and p.lhs.text not in self.defs and not p.marks
                        and not self._d_name(p.lhs.text)):
                    self._define(p.lhs.text, p.parts[0], p.eq)
                    self.defining.add(p.eq.number)
                    if self.function is None:
                        self.function = (p.lhs.text, self.defs[p.lhs.text])
                elif i == 0 and p.lhs is not None:
                    self.function = ("", self._argument_of(p))
            except MatcalcError as err:
                raise line_error(p.eq, err) from None
            seen |= {n.text for s in self._sides(p) for n in post_order(s) if n.kind == "name"}

    def _argument_of(self, p: Parsed) -> Syntax:
        """The first line d(EXPR) = ...: EXPR is the function."""
        lhs = p.lhs
        assert lhs is not None
        if lhs.kind == "name" and lhs.text in p.marks:
            return p.marks[lhs.text]
        return lhs

    def _define(self, name: str, body: Syntax, eq: WrittenEquation) -> None:
        if name in self.defs:
            raise MatcalcError("input", f"{name} is defined twice")
        if name in self.wrt:
            raise MatcalcError("input", f"{name} is a --wrt variable, not a name for a subexpression")
        self.defs[name] = self._expand(body, keep_differentials=False)

    def _no_quiet_names(self) -> None:
        """dq where q is nothing of the derivation is a slip (dy before y = ..., a typo), never
        a constant named dq: a name of its own that begins with d is declared with --shape."""
        for p in self.lines:
            for side in self._sides(p):
                for n in post_order(side):
                    if (n.kind == "name" and self._d_name(n.text) and n.text not in self.defs
                            and self._differential_name(n.text, self.names) is None):
                        q = n.text[1:]
                        raise line_error(p.eq, MatcalcError(
                            "input", f"{n.text}: {q} is not a variable or a defined name of the derivation "
                            f"(define it first, {q} = EXPR; a name of its own that begins with d takes "
                            f"--shape {n.text}=...)", n.span))

    def _d_name(self, text: str) -> bool:
        """A name that reads as a differential, dq: never a definition or a constant."""
        return len(text) > 1 and text[0] == "d" and text not in self.declared and text not in _GREEK_NAMES

    def _differential_name(self, text: str, names: set[str]) -> str | None:
        """N when text is dN, the differential of a --wrt variable, a defined name or a
        name used elsewhere in the derivation."""
        if len(text) < 2 or text[0] != "d" or text in self.declared:
            return None
        n = text[1:]
        return n if n in self.wrt or n in self.defs or n in names else None

    def _expand(self, node: Syntax, keep_differentials: bool, marks: dict[str, Syntax] | None = None) -> Syntax:
        """node with defined names replaced by their definitions; a differential replaced by
        what it differentiates (for typing: it has that shape), unless kept."""
        names = self.names
        new: dict[int, Syntax] = {}
        for n in post_order(node):
            out = n
            if n.kind == "name":
                d = self._differential_name(n.text, names)
                if marks is not None and n.text in marks:
                    out = n if keep_differentials else self._expand(marks[n.text], False)
                elif d is not None:
                    out = n if keep_differentials else (self.defs[d] if d in self.defs else Syntax("name", n.span, d))
                elif n.text in self.defs:
                    out = self.defs[n.text]
            elif n.args and any(new[id(a)] is not a for a in n.args if id(a) in new):
                out = Syntax(n.kind, n.span, n.text, tuple(new.get(id(a), a) for a in n.args), n.value, n.op_span)
            new[id(n)] = out
        return new[id(node)]

    # -------------------------------------------------------------- typing
    def infer(self) -> dict[str, Shape]:
        """One set of shapes for the whole derivation (every side, typed together); the
        first line that does not type-check is named."""
        try:
            return self._infer(self.lines)
        except MatcalcError:
            pass
        for k in range(1, len(self.lines) + 1):
            try:
                self._infer(self.lines[:k])
            except MatcalcError as err:
                raise line_error(self.lines[k - 1].eq, err) from None
        raise MatcalcError("internal", "the derivation types line by line but not as a whole")

    def _infer(self, lines: list[Parsed]) -> dict[str, Shape]:
        sides = [self._expand(s, False, p.marks) for p in lines for s in [*([p.lhs] if p.lhs else []), *p.parts]]
        root = sides[0]
        for s in sides[1:]:  # kron types each side and shares the variables' shapes
            root = Syntax("call", root.span, "kron", (root, s))
        # a structure on a vector or a non-square matrix is infer's error
        return infer(root, self.declared, self.symmetric, extra=[w for w in self.wrt if w not in self.defs]).variables

    # -------------------------------------------------------------- building
    def build(self, node: Syntax, p: Parsed, variables: dict[str, Shape]) -> Expr:
        """A side (or a term of one) as a typed tree, its differentials built in."""
        kept = self._expand(node, True, p.marks)
        holders: dict[str, Expr] = {}
        for n in post_order(kept):
            if n.kind != "name" or n.text in holders:
                continue
            if n.text in p.marks:
                arg = self._expand(p.marks[n.text], False)
            elif (d := self._differential_name(n.text, self.names)) is not None:
                arg = self.defs.get(d, Syntax("name", n.span, d))
            else:
                continue
            holders[n.text] = self._d(build(arg, variables, self.symmetric), variables)
        shapes = {**variables, **{k: v.shape for k, v in holders.items()}}
        e = build(kept, shapes, self.symmetric)
        if not holders:
            return e
        table = {E.var(k, v.shape, self.symmetric.of(k)): v for k, v in holders.items()}
        return replaced(e, table)

    def _d(self, f: Expr, variables: dict[str, Shape]) -> Expr:
        """d f: the sum of its differentials along every --wrt variable."""
        terms = []
        for w in self.wrt:
            if w in variables:
                d = differential(f, E.var(w, variables[w], self.symmetric.of(w)))
                if d is not None:
                    terms.append(d)
        return E.add(*terms) if terms else E.zeros(f.shape)


def _latex_sizes(lines: list[Parsed], declared: dict[str, Shape]) -> None:
    """matcalc's LaTeX prints size(n) as n: in a LaTeX line, a name that is a dimension the
    derivation writes (ones(n), eye(m n)) or declares is that dimension as a number."""
    dims = {str(d) for shape in declared.values() for d in shape if isinstance(d, str)}
    for p in lines:
        for side in [*([p.lhs] if p.lhs else []), *p.parts, *p.marks.values()]:
            for n in post_order(side):
                if n.kind == "call" and n.text in OPS:
                    dims |= {a.text for d in split_call(n)[1] for a in post_order(d) if a.kind == "name"}
    if not dims:
        return
    for p in lines:
        if p.eq.latex:
            p.lhs = _sized(p.lhs, dims) if p.lhs is not None else None
            p.parts = [_sized(s, dims) for s in p.parts]
            p.marks = {k: _sized(v, dims) for k, v in p.marks.items()}


def _sized(node: Syntax, dims: set[str]) -> Syntax:
    new: dict[int, Syntax] = {}
    for n in post_order(node):
        out = n
        if n.kind == "name" and n.text in dims:
            out = Syntax("call", n.span, "size", (n,))
        elif n.args and any(new[id(a)] is not a for a in n.args if id(a) in new):
            out = Syntax(n.kind, n.span, n.text, tuple(new.get(id(a), a) for a in n.args), n.value, n.op_span)
        new[id(n)] = out
    return new[id(node)]


def _in_order(where: Syntax) -> Syntax:
    """A where clause with each definition after the ones it uses: matcalc's steps list the
    names outermost first (h = ... where s = sigmoid(f), f = X theta)."""
    body, defs = where.args[0], list(where.args[1:])
    names = {d.text for d in defs}
    placed: list[Syntax] = []
    while defs:
        done = {d.text for d in placed}
        ready = [d for d in defs if {n.text for n in post_order(d.args[0]) if n.kind == "name"} & names <= done]
        if not ready:
            return where  # a cycle: the parser's own message names it
        placed.append(ready[0])
        defs.remove(ready[0])
    return Syntax(where.kind, where.span, where.text, (body, *placed), where.value, where.op_span)


# The sides derivation.py checks; here, so that diagnosis.py reads them without importing derivation.
@dataclass
class _Side:
    """One side as checked: its tree, its text as written, its syntax (for its terms)."""

    expr: Expr
    text: str
    syntax: Syntax | None
    parsed: Parsed | None
    line: int  # 0: matcalc's derivative
    claim: tuple[Expr, list[Expr]] | None = None  # for matcalc's derivative: the function and the variables
