"""Tokens and grammar of matcalc's input language; every node keeps its source span.

The parser is a precedence climber over a token list. Loose to tight:
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '@' | '.*' | './' | '/' | <juxtaposition>) unary)*
    unary   := '-' unary | postfix
    postfix := atom ('^T' | "'" | '^-1' | '^-T' | '^' int | '.^' number)*
    atom    := number | name | name '(' args ')' | '(' sum ')'
    input   := sum ('where' name '=' sum (',' name '=' sum)*)?

A where clause parses to a "where" node (the body, then one "define" node a name);
build.py substitutes the definitions.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from matcalc_cli.errors import MatcalcError, Span
from matcalc_cli.lexer import MAX_CHARS, tokenize
from matcalc_cli.ops import CALLS
from matcalc_cli.tokens import GREEK_NAMES, WHERE, Token, reject_leibniz, split_run
from matcalc_cli.written import Written

# Names that are read as calls when an opening parenthesis follows: the registry's calls.
# The typing pass knows what each one means; the parser only needs to know they are calls.
FUNCTIONS = CALLS


@dataclass(frozen=True)
class Syntax:
    """An untyped node: kind is num, name, call, binary, neg or postfix."""

    kind: str
    span: Span
    text: str = ""  # the name, the operator, or the postfix kind
    args: tuple[Syntax, ...] = ()
    value: Fraction | None = None  # number literal, or exponent of a power
    op_span: Span | None = None  # where a binary operator stands (for carets)


# The parser's bound on nesting (lexer.py bounds the characters and tokens).
MAX_CALL_DEPTH = 512  # a 500-layer nest inside sum() or norm() is read; its derivative takes about a second


def _describe(tok: Token) -> str:
    return "end of input" if tok.kind == "end" else repr(tok.text)


class _Parser:
    def __init__(self, src: str, toks: list[Token], glued: Collection[str] | None = None) -> None:
        self.src = src
        self.toks = toks
        self.names_glued = glued  # ASCII: the names that may follow a transpose unspaced (declared)
        self.i = 0
        self.depth = 0  # of calls being read

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, *texts: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in texts

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            raise MatcalcError("syntax", f"expected {what}, found {_describe(self.tok)}", self.tok.span)
        return self.take()

    def error(self, what: str) -> MatcalcError:
        return MatcalcError("syntax", f"expected {what}, found {_describe(self.tok)}", self.tok.span)

    # sum := product (('+' | '-') product)*
    def sum(self) -> Syntax:
        left = self.product()
        while self.at("+", "-"):
            tok = self.take()
            right = self.product()
            left = Syntax("binary", (left.span[0], right.span[1]), tok.text, (left, right), None, tok.span)
        return left

    def starts_operand(self) -> bool:
        t = self.tok
        return t.kind == "num" or (t.kind == "name" and t.text != WHERE) or (t.kind == "op" and t.text == "(")

    def product(self) -> Syntax:
        left = self.unary()
        while True:
            if self.at("⊗"):  # a ⊗ b is kron(a, b), at the level of products
                tok = self.take()
                right = self.unary()
                left = _kron(left, right, tok.span)
                continue
            if self.at("*", "@", ".*", "./", "/"):
                tok = self.take()
                op, op_span = tok.text, tok.span
            elif self.starts_operand():
                self.glued(left)
                op = " "  # juxtaposition: the caret goes under the gap
                op_span = (left.span[1], max(self.tok.span[0], left.span[1] + 1))
            else:
                return left
            right = self.unary()
            left = Syntax("binary", (left.span[0], right.span[1]), op, (left, right), None, op_span)

    def unary(self) -> Syntax:
        # Iterative so that a long run of minus signs cannot exhaust the stack.
        starts: list[int] = []
        while self.at("-"):
            starts.append(self.take().span[0])
        node = self.postfix()
        for start in reversed(starts):
            node = Syntax("neg", (start, node.span[1]), "-", (node,))
        return node

    def glued(self, left: Syntax) -> None:
        """x'Ax in ASCII: the name Ax, or A x as x'Ax would be typeset? Neither is guessed."""
        t = self.tok
        if (self.names_glued is None or left.kind != "postfix" or left.text not in ("T", "invT")
                or t.kind != "name" or t.spaced or len(t.text) < 2 or t.text in FUNCTIONS
                or t.text in self.names_glued or t.text in GREEK_NAMES):
            return
        pieces = [text for text, _ in split_run(t.text, 0)]
        if len(pieces) < 2:
            return
        before = self.src[left.span[0]:left.span[1]]
        raise MatcalcError("syntax", f"{before}{t.text}: the name {t.text}, or the product {' '.join(pieces)}? "
                           f"write {before} {' '.join(pieces)} for the product, {before} {t.text} for the name",
                           t.span)

    def number(self, what: str) -> tuple[Fraction, int]:
        """An optionally signed number after ^ or .^; returns it and its end."""
        sign = 1
        if self.at("-"):
            self.take()
            sign = -1
        if self.tok.kind != "num":
            raise self.error(what)
        t = self.take()
        return sign * Fraction(t.text), t.span[1]

    def exponent(self, what: str) -> Syntax | tuple[Fraction, int]:
        """What follows ^ or .^: a number (signed, or in brackets) and its end, or an operand
        (a name, a call, a bracketed expression, signed) for a variable exponent."""
        start = self.tok.span[0]
        minus = self.at("-")
        if minus:
            self.take()
        if not self.starts_operand():
            raise self.error(what)
        if self.at("(") and self.toks[self.i + 1].kind == "end":
            raise MatcalcError("syntax", "expected an exponent after '(', found end of input",
                               self.toks[self.i + 1].span)
        a = self.atom()
        inner = a.args[0] if a.kind == "neg" else a
        if inner.kind == "num" and inner.value is not None:
            value = -inner.value if (a.kind == "neg") != minus else inner.value
            return value, a.span[1]
        return Syntax("neg", (start, a.span[1]), "-", (a,)) if minus else a

    def postfix(self) -> Syntax:
        node = self.atom()
        while True:
            start = node.span[0]
            if self.at("'"):
                end = self.take().span[1]
                node = Syntax("postfix", (start, end), "T", (node,))
            elif self.at("^"):
                hat = self.take()
                t = self.tok
                if (t.kind == "name" and len(t.text) > 1 and t.text[0] == "T" and not t.spaced
                        and t.text not in (self.names_glued or ())):
                    # x^TAx: the transpose and then A x, or x to the power TAx? Neither is guessed.
                    rest = t.text[1:]
                    before = self.src[node.span[0]:hat.span[1]]
                    raise MatcalcError("syntax", f"{before}{t.text}: the transpose {before}T and then {rest}, or "
                                       f"the power {t.text}? write {before}T {rest} for the first, "
                                       f"{before}({t.text}) for the second", t.span)
                if self.tok.kind == "name" and self.tok.text == "T" and not self.tok.spaced:
                    end = self.take().span[1]
                    node = Syntax("postfix", (start, end), "T", (node,))
                elif self.at("-") and self.toks[self.i + 1].text == "T":
                    self.take()
                    end = self.take().span[1]
                    node = Syntax("postfix", (start, end), "invT", (node,))
                elif self.tok.kind == "num" or self.at("-", "(") or (self.tok.kind == "name" and self.tok.text != "T"):
                    exponent = self.exponent("an exponent")
                    if isinstance(exponent, Syntax):  # a^t: a variable exponent
                        node = Syntax("binary", (start, exponent.span[1]), "^", (node, exponent), None, hat.span)
                    else:
                        node = Syntax("postfix", (start, exponent[1]), "pow", (node,), exponent[0])
                else:
                    raise MatcalcError(
                        "syntax", f"expected T, -1, -T, a number or an operand after '^', found {_describe(self.tok)}",
                        (hat.span[0], self.tok.span[1]))
            elif self.at("**"):  # Python's power: of a scalar only (shapes.py says so otherwise)
                self.take()
                if self.at("("):
                    self.take()
                    k, _ = self.number("a number exponent")
                    end = self.expect(")", "')'").span[1]
                else:
                    k, end = self.number("a number after '**'")
                node = Syntax("postfix", (start, end), "spow", (node,), k)
            elif self.at(".^"):
                hat = self.take()
                exponent = self.exponent("a number or an operand after '.^'")
                if isinstance(exponent, Syntax):  # x.^y: a variable exponent
                    node = Syntax("binary", (start, exponent.span[1]), ".^", (node, exponent), None, hat.span)
                else:
                    node = Syntax("postfix", (start, exponent[1]), "epow", (node,), exponent[0])
            else:
                return node

    def suggested_argument(self) -> str:
        """The operand after a function name written without parentheses (log det(X)), or ..."""
        if not self.starts_operand():
            return "..."
        try:
            arg = self.product()
        except MatcalcError:
            return "..."
        return self.src[arg.span[0]:arg.span[1]]

    def atom(self) -> Syntax:
        t = self.tok
        if t.kind == "num":
            self.take()
            decimal = "." in t.text or "e" in t.text.lower()  # printed as written (written.Written)
            return Syntax("num", t.span, t.text, (), Written(t.text) if decimal else Fraction(t.text))
        if t.kind == "name":
            if t.text == WHERE:
                raise MatcalcError("syntax", "'where' names subexpressions after an expression: "
                                   "EXPR where NAME = EXPR", t.span)
            self.take()
            nxt = self.tok
            # name( is a call; for a name that is no function, A(x + y) is a product, but
            # sigmoi(x) is a misspelt function.
            looks_like_call = len(t.text) > 1 and t.text[0].islower()
            opens = nxt.kind == "op" and nxt.text == "("
            if t.text == "sigma" and opens:
                raise MatcalcError("syntax", "sigma(...) has two readings: the variable sigma times the bracket "
                                   "(write sigma * (...)), or the logistic function (write sigmoid(...))", t.span)
            if t.text in FUNCTIONS and not opens:
                raise MatcalcError("function", f"{t.text} is a function: write its argument in parentheses, "
                                   f"{t.text}({self.suggested_argument()})", t.span)
            if opens and t.text not in FUNCTIONS and t.text.lower() in FUNCTIONS:
                raise MatcalcError("function", f"unknown function '{t.text}': function names are lowercase, "
                                   f"did you mean {t.text.lower()}?", t.span)
            if opens and (t.text in FUNCTIONS or (not nxt.spaced and looks_like_call)):
                if t.text not in FUNCTIONS:
                    known = ", ".join(sorted(FUNCTIONS - {"commutation", "size", "unvec"}))
                    raise MatcalcError("function", f"unknown function '{t.text}' (known: {known})", t.span)
                self.take()
                self.depth += 1
                if self.depth > MAX_CALL_DEPTH:
                    raise MatcalcError("input", f"functions nested more than {MAX_CALL_DEPTH} deep "
                                       "(matcalc reads at most that many)", t.span)
                args = [self.sum()]
                while self.at(","):
                    self.take()
                    args.append(self.sum())
                end = self.expect(")", "',' or ')'").span[1]
                self.depth -= 1
                return Syntax("call", (t.span[0], end), t.text, tuple(args))
            return Syntax("name", t.span, t.text)
        if self.at("("):
            open_ = self.take()
            inner = self.sum()
            if not self.at(")"):
                raise MatcalcError("syntax", f"expected ')' to close the '(' at column {open_.span[0] + 1}, "
                                   f"found {_describe(self.tok)}", self.tok.span)
            end = self.take().span[1]
            return Syntax(inner.kind, (open_.span[0], end), inner.text, inner.args, inner.value, inner.op_span)
        raise self.error("a number, a name or '('")


def _kron(a: Syntax, b: Syntax, op_span: Span) -> Syntax:
    """a ⊗ b as kron(a, b); kron is bilinear, so the signs of -a ⊗ b come out in front
    (-A ⊗ B reads as the pretty printer writes -(A ⊗ B))."""
    signs = 0
    while a.kind == "neg":
        a, signs = a.args[0], signs + 1
    while b.kind == "neg":
        b, signs = b.args[0], signs + 1
    node = Syntax("call", (a.span[0], b.span[1]), "kron", (a, b), None, op_span)
    return Syntax("neg", node.span, "-", (node,)) if signs % 2 else node


def expression_from_words(words: list[str]) -> str:
    """The words of EXPR on a command line (everything after `--` among them) joined back;
    a word that looks like an option there is a slip, never part of the expression."""
    at = 0
    for word in words:
        if re.match(r"--[A-Za-z]", word):
            raise MatcalcError("option", f"{word} comes after --, where everything is the expression: "
                               "options go before --", (at, at + len(word)))
        at += len(word) + 1
    return " ".join(words)


def parse_pattern(src: str) -> Syntax:
    """One side of a simplifier rule (simplify/patterns.py): the input language, and ?u, ?X
    for pattern variables. Rules are matcalc's own text: an error here is a bug, raised."""
    p = _Parser(src, tokenize(src, patterns=True))
    node = p.sum()
    if p.tok.kind != "end":
        raise p.error("an operator or end of input")
    return node


def parse(src: str, declared: Collection[str] = (), latex: bool | None = None) -> Syntax:
    """Parse one expression, ASCII, unicode or LaTeX (latex None: LaTeX when the text holds a
    backslash command); raise MatcalcError(kind="syntax") with a span on failure. declared:
    the names given by option (--wrt, --shape), which a run of letters keeps whole."""
    if not src.strip():
        raise MatcalcError("syntax", "empty expression", (0, max(1, len(src))))
    from matcalc_cli import latexin  # a front end that gives this parser its tokens

    if latex is None:
        latex = latexin.is_latex(src)
    if latex and len(src) > MAX_CHARS:
        tokenize(src)  # the same bound, the same message
    toks = latexin.tokenize(src, declared) if latex else tokenize(src, declared)
    reject_leibniz(toks, src)
    p = _Parser(src, toks, None if latex or not src.isascii() else declared)
    node = p.sum()
    if p.tok.kind == "name" and p.tok.text == WHERE:
        node = _where(p, node)
    if p.tok.kind != "end":
        if p.at(")"):
            raise MatcalcError("syntax", "unmatched ')'", p.tok.span)
        if p.at("="):
            raise MatcalcError("syntax", "'=' belongs in a where clause: EXPR where NAME = EXPR", p.tok.span)
        raise p.error("an operator or end of input")
    return node


def _where(p: _Parser, body: Syntax) -> Syntax:
    """EXPR where NAME = EXPR, NAME = EXPR ...: a "where" node of the body and its definitions."""
    keyword = p.take()
    defs: list[Syntax] = []
    seen: dict[str, Span] = {}
    while True:
        t = p.tok
        if t.kind != "name" or t.text == WHERE:
            what = "a definition NAME = EXPR after 'where'" if not defs else "a definition NAME = EXPR after ','"
            raise p.error(what)
        if t.text in FUNCTIONS:
            raise MatcalcError("syntax", f"'{t.text}' is a function: a named subexpression needs another name",
                               t.span)
        if t.text in seen:
            raise MatcalcError("syntax", f"{t.text} is defined twice (first at column {seen[t.text][0] + 1})",
                               t.span)
        p.take()
        p.expect("=", f"'=' after {t.text}")
        value = p.sum()
        seen[t.text] = t.span
        defs.append(Syntax("define", (t.span[0], value.span[1]), t.text, (value,), None, t.span))
        if not p.at(","):
            break
        p.take()
    if p.tok.kind == "name" and p.tok.text == WHERE:
        raise MatcalcError("syntax", "one where clause: separate the definitions with ','", p.tok.span)
    return Syntax("where", (body.span[0], defs[-1].span[1]), WHERE, (body, *defs), None, keyword.span)
