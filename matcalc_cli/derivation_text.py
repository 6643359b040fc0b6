"""The file format of `matcalc check --derivation`: a derivation as a person writes it, one
equation a line (CONTRACT.md, "Checking a derivation, line by line").

This module only reads text: it splits a file into numbered equations, each side a piece
of text for the expression parser, and finds what the parser does not read itself: the
differentials d(EXPR) (each replaced in its side by a placeholder name of the same length,
so that the parser's spans still point into the line) and the derivative claims dy/dX on
a left side. A differential of a name, dX, stays a name: derivation.py decides what it is.

Also read, so that matcalc's own output checks as it is printed: the `matcalc: step: `
prefix, a step's number (`3. `) and its rule (`    [product rule: ...]`), and a LaTeX
align* body (`&=`, `\\\\`, `&& \\text{rule}`, `\\begin{align*}`).

A LaTeX line is LaTeX to the end: the parser reads its sides through latexin.py, the one
LaTeX reader. Here only the derivation's own constructs are read, each rewritten in place
to text of the same width (so that every span is a column of the line as written): the
align* marks, the differentials (\\mathrm{d}X, d\\mathbf{x}, \\partial X, \\mathrm{d}\\left(...\\right))
and the claims (\\frac{\\partial y}{\\partial X}, \\frac{d}{dZ} \\frac{dy}{dX}).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matcalc_cli import latexin
from matcalc_cli.errors import MatcalcError, Span
from matcalc_cli.ops import CALLS

MAX_LINES = 2_000  # a derivation is read whole, and every line typed with all the others
MAX_CHARS = 1_000_000


class LineError(MatcalcError):
    """Bad input in one line of the derivation: the message names the line, the span is an
    offset into the whole file (derivation_sides.line_error locates a side's error once)."""


@dataclass(frozen=True)
class Mark:
    """d(EXPR) in a side: the placeholder name that stands for it, and EXPR (padded with
    spaces to its column, so that spans into it are columns of the line)."""

    name: str
    inner: str
    span: Span


@dataclass(frozen=True)
class Side:
    text: str  # padded to its column in the line; each d(EXPR) replaced by its mark's name
    marks: tuple[Mark, ...]
    span: Span  # in the line
    source: str  # padded to its column, d(EXPR) as written
    latex: bool
    names: frozenset[str]  # the names a LaTeX side keeps whole: its differentials and marks

    @property
    def written(self) -> str:
        """The side in the input language (a LaTeX side as latexin reads it)."""
        return latexin.spelled(self.source, self.names) if self.latex else self.source.strip()


@dataclass(frozen=True)
class Claim:
    """dy/dX (or d(dy/dX)/dZ, a second derivative) on a left side."""

    top: str
    by: str
    again: str | None
    span: Span


@dataclass(frozen=True)
class WrittenEquation:
    number: int  # the line in the file, from 1
    text: str  # the line as written
    start: int  # offset of the line in the file
    lhs: Side | Claim | None  # None: a continuation (= RHS) of the equation before
    parts: tuple[Side, ...]
    latex: bool  # the sides are LaTeX, read by latexin (spans are columns of the line either way)
    read: str  # the line as the parser reads it (comments, rules and the derivation's marks blanked)
    names: frozenset[str] = frozenset()  # the names a LaTeX line keeps whole: dX, d(EXPR)'s marks
    wide: tuple[Span, ...] = ()  # a LaTeX differential's columns, read as the name dX at their right end

    def located(self, span: Span) -> Span:
        """span (columns of the line) widened to the whole of each LaTeX differential it
        touches: a slip in dq is shown under all of \\mathrm{d}q, not under its last two columns."""
        start, end = span
        for a, b in self.wide:
            if a < end and start < b:
                start, end = min(start, a), max(end, b)
        return start, end

    def shown(self, span: Span) -> str:
        """The text at span in the input language (LaTeX as latexin reads it)."""
        text = self.read[span[0]:span[1]]
        return latexin.spelled(text, self.names) if self.latex else text.strip()


_STEP_PREFIX = re.compile(r"^\s*matcalc: step: ")
_STEP_NUMBER = re.compile(r"^(\s*)(\d+)\.(\s+)(?=.*=)")
_RULE = re.compile(r"\s+\[.*$")
_WHERE = re.compile(r"(?<![A-Za-z0-9_])where(?![A-Za-z0-9_])")
_CLAIM = re.compile(r"^\s*d\s*([A-Za-z][A-Za-z0-9_]*)\s*/\s*d\s*([A-Za-z][A-Za-z0-9_]*)\s*$")
_SECOND = re.compile(r"^\s*d\s*\(\s*d\s*([A-Za-z][A-Za-z0-9_]*)\s*/\s*d\s*([A-Za-z][A-Za-z0-9_]*)\s*\)"
                     r"\s*/\s*d\s*([A-Za-z][A-Za-z0-9_]*)\s*$")
_OPEN = re.compile(r"(?<![A-Za-z0-9_])d\(")
_ENVIRONMENT = re.compile(r"^\s*\\(begin|end)\{(align|aligned|equation|gather|split)\*?\}\s*$")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _comment_free(line: str) -> str:
    """A line without its # or % comment (\\% is a percent sign in LaTeX)."""
    m = re.search(r"#|(?<!\\)%", line)
    return line if m is None else line[:m.start()]


def read(text: str) -> list[WrittenEquation]:
    """The equations of a derivation, in order; MatcalcError (with a span into text) on a
    line that is not an equation."""
    if len(text) > MAX_CHARS:
        raise MatcalcError("input", f"derivation too long: {len(text):,} characters (at most {MAX_CHARS:,})")
    out: list[WrittenEquation] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line_start, start = start, start + len(raw) + 1
        raw = raw.rstrip("\r")
        if not raw.strip() or _ENVIRONMENT.match(raw):
            continue
        eq = _equation(number, raw, line_start, bool(out))
        if eq is not None:
            out.append(eq)
            if len(out) > MAX_LINES:
                raise MatcalcError("input", f"derivation too long: more than {MAX_LINES:,} equations")
    if not out:
        raise MatcalcError("input", "the derivation has no equations (one equation a line: LHS = RHS)")
    return out


def _equation(number: int, raw: str, line_start: int, has_before: bool) -> WrittenEquation | None:
    line = raw
    m = _STEP_PREFIX.match(line)
    if m:
        line = _blank(line, 0, m.end())
    line = _comment_free(line)
    if not line.strip():
        return None
    latex = "&" in line or latexin.is_latex(line)
    wide: tuple[Span, ...] = ()
    if latex:
        line, wide = _aligned(line)
    else:
        m = _STEP_NUMBER.match(line)
        if m:
            line = _blank(line, m.start(2), m.end(2) + 1)
        line = _RULE.sub("", line)
    if not line.strip():
        return None

    def fail(message: str, span: Span | None) -> LineError:
        where = None if span is None else (line_start + span[0], line_start + span[1])
        return LineError("input", f"line {number}: {message}", where)

    names = frozenset(n for n in _D_WORD.findall(line) if n not in CALLS) if latex else frozenset()
    cut = _WHERE.search(line)
    head_end = cut.start() if cut else len(line)
    pieces = _split(line, head_end)
    if len(pieces) < 2:
        raise fail("expected an equation, LHS = RHS (or = RHS continuing the line before)",
                   (len(line) - len(line.lstrip()), max(len(line.rstrip()), 1)))
    first, *rest = pieces
    sides = [_side(line, a, b, fail, names if latex else None) for a, b in rest]
    for (a, b), side in zip(rest, sides, strict=True):
        if not side.written:
            raise fail("an empty side of an equation", (a - 1, b))
    lhs: Side | Claim | None
    left = line[first[0]:first[1]]
    second, claim = (_TEX_SECOND, _TEX_CLAIM) if latex else (_SECOND, _CLAIM)
    if not left.strip():
        if not has_before:
            raise fail("the first equation has no left side (= RHS continues the line before)", first)
        lhs = None
    elif (c := second.match(left)) is not None:
        lhs = Claim(_named(c.group(2)), _named(c.group(3)), _named(c.group(1)), first) if latex else \
            Claim(c.group(1), c.group(2), c.group(3), first)
    elif (c := claim.match(left)) is not None:
        lhs = Claim(_named(c.group(1)), _named(c.group(2)), None, first)
    elif latex and _TEX_LEIBNIZ.match(left):
        raise fail(r"a derivative claim reads \frac{\partial y}{\partial X} = ... (y the first line's left "
                   r"side, X a --wrt variable), or \frac{d}{dZ} \frac{dy}{dX} = ... for a second derivative",
                   (first[0] + len(left) - len(left.lstrip()), first[0] + len(left.rstrip())))
    else:
        lhs = _side(line, first[0], first[1], fail, names if latex else None)
    every = frozenset().union(*(s.names for s in [*sides, *([lhs] if isinstance(lhs, Side) else [])]))
    return WrittenEquation(number, raw, line_start, lhs, tuple(sides), latex, line, every, wide)


# ------------------------------------------------------------------ a LaTeX line
# The derivation's own constructs, each rewritten to text of its width (spans stay columns).
_NAME = r"[A-Za-z][A-Za-z0-9]*(?:_\{?[A-Za-z0-9]+\}?)?"
_TEX_CLAIM = re.compile(rf"^\s*\\[dt]?frac\s*\{{\s*d\s*({_NAME})\s*\}}\s*\{{\s*d\s*({_NAME})\s*\}}\s*$")
_TEX_SECOND = re.compile(rf"^\s*\\[dt]?frac\s*\{{\s*d\s*\}}\s*\{{\s*d\s*({_NAME})\s*\}}"
                         rf"\s*\\[dt]?frac\s*\{{\s*d\s*({_NAME})\s*\}}\s*\{{\s*d\s*({_NAME})\s*\}}\s*$")
_TEX_LEIBNIZ = re.compile(r"^\s*\\[dt]?frac\s*\{\s*d[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\s*\{\s*d")  # dy/dX-like, no claim
_ALIGN = re.compile(r"&&.*$|\\\\\s*$|\\(?:nonumber|notag)(?![A-Za-z])|&"
                    r"|,(?=\s*(?:\\q?quad\s*)?\\text\s*\{\s*where\s*\})")
# d of something: \mathrm{d}, \partial, or a plain d before a command (d\mathbf{x}, d\theta, d\left()
_D = re.compile(r"\\(?:mathrm|operatorname|text|mathit)\s*\{\s*d\s*\}|\\partial(?![A-Za-z])"
                r"|(?<![A-Za-z0-9_\\])d(?=\s*\\)")
_D_OF = re.compile(r"\s*(?:(\\(?:left|bigl|Bigl|biggl|Biggl|big|Big|bigg|Bigg)\s*)?\(|"
                   r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm|mathsf|operatorname)\s*\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}|"
                   r"\\([A-Za-z]+)|([A-Za-z][A-Za-z0-9]*))")
_D_WORD = re.compile(r"(?<![A-Za-z0-9_\\])d[A-Za-z][A-Za-z0-9]*")


def _aligned(line: str) -> tuple[str, tuple[Span, ...]]:
    """A LaTeX line with the derivation's constructs in the input language's spelling, each
    in its own columns: the align* marks blanked (&, &&-rule, \\\\, the comma before
    \\text{where}), each differential one name dX (or d( before its bracket); and the columns
    of each differential written wider than its name."""
    line = _ALIGN.sub(lambda m: " " * len(m.group()), line)
    out, pos = [], 0
    wide: list[Span] = []
    for m in _D.finditer(line):
        if m.start() < pos:
            continue
        after = _D_OF.match(line, m.end())
        word = None
        if after is not None:
            greek = latexin.GREEK_COMMANDS.get("\\" + after.group(3)) if after.group(3) else None
            plain = after.group(4) if m.group() != "d" else None  # d x is d times x; \mathrm{d} x is dx
            if after.group(3) is None or greek:
                word = "d(" if after.group().rstrip().endswith("(") else "d" + (after.group(2) or greek or plain or "")
        if word is None or word == "d":
            word, end = "d", m.end()
        else:
            end = after.end() if after is not None else m.end()
        if word == "d(":  # from where the construct starts (a mark's span is all of it), apart from a name
            word = (" " if m.start() and (line[m.start() - 1].isalnum() or line[m.start() - 1] == "_") else "") + word
            out.append(line[pos:m.start()] + word.ljust(end - m.start()))
        else:  # a name ends where the construct does: what follows stays adjacent (dW_{1})
            out.append(line[pos:m.start()] + word.rjust(end - m.start()))
            if end - m.start() > len(word):
                wide.append((m.start(), end))
        pos = end
    return "".join(out) + line[pos:], tuple(wide)


def _named(name: str) -> str:
    """W_{1} in a claim as W_1."""
    return name.replace("{", "").replace("}", "")


def _split(line: str, end: int) -> list[Span]:
    """The spans between the top-level '=' signs of line[:end]; the last runs to the end of
    the line (a where clause's '=' stay in it)."""
    spans: list[Span] = []
    depth, begin = 0, 0
    for i, ch in enumerate(line[:end]):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0:
            spans.append((begin, i))
            begin = i + 1
    spans.append((begin, len(line)))
    return spans


def _side(line: str, start: int, end: int, fail, names: frozenset[str] | None) -> Side:  # type: ignore[no-untyped-def]
    """line[start:end] as a side: padded to its column, each d(EXPR) a mark. names: the
    line's differentials, for a LaTeX line (None for the input language)."""
    source = text = " " * start + line[start:end]
    marks: list[Mark] = []
    taken = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", line))
    pos = start
    while (m := _OPEN.search(text, pos)) is not None:
        close = _matching(text, m.end() - 1)
        if close is None:
            raise fail("'d(' is not closed", (m.start(), m.end()))
        inner = " " * (m.end()) + text[m.end():close]
        if not inner.strip():
            raise fail("d() of nothing", (m.start(), close + 1))
        if _OPEN.search(inner):
            raise fail("a differential inside d(...): write d of one expression", (m.start(), close + 1))
        # LaTeX reads letters as names (no _ without a subscript): pad a placeholder with Q there
        name = _placeholder(len(marks), close + 1 - m.start(), taken, "_" if names is None else "Q")
        marks.append(Mark(name, inner, (m.start(), close + 1)))
        text = text[:m.start()] + name + text[close + 1:]
        pos = m.start() + len(name)
    own = frozenset() if names is None else names | {mark.name for mark in marks}
    return Side(text, tuple(marks), (start, end), source, names is not None, own)


def _matching(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _placeholder(index: int, width: int, taken: set[str], pad: str) -> str:
    """A name of exactly width characters (at least 4: d(X)) that the line does not use."""
    for letter in "ZQJKVU":
        name = f"{letter}{index}".ljust(width, pad)
        if len(name) == width and name not in taken:
            return name
    raise MatcalcError("input", "too many differentials d(...) in one line")
