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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matcalc_cli import latex_shim
from matcalc_cli.errors import MatcalcError, Span

MAX_LINES = 2_000  # a derivation is read whole, and every line typed with all the others
MAX_CHARS = 1_000_000


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

    @property
    def written(self) -> str:
        return self.text.strip()


@dataclass(frozen=True)
class Claim:
    """dy/dX (or d(dy/dX)/dZ, a second derivative) on a left side."""

    top: str
    by: str
    again: str | None
    span: Span


@dataclass(frozen=True)
class Equation:
    number: int  # the line in the file, from 1
    text: str  # the line as written
    start: int  # offset of the line in the file
    lhs: Side | Claim | None  # None: a continuation (= RHS) of the equation before
    parts: tuple[Side, ...]
    latex: bool  # spans are columns of the line only when False (LaTeX is translated first)
    read: str  # the line as the parser reads it (LaTeX translated, comments and rules dropped)


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


def read(text: str) -> list[Equation]:
    """The equations of a derivation, in order; MatcalcError (with a span into text) on a
    line that is not an equation."""
    if len(text) > MAX_CHARS:
        raise MatcalcError("input", f"derivation too long: {len(text):,} characters (at most {MAX_CHARS:,})")
    out: list[Equation] = []
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


def _equation(number: int, raw: str, line_start: int, has_before: bool) -> Equation | None:
    line = raw
    m = _STEP_PREFIX.match(line)
    if m:
        line = _blank(line, 0, m.end())
    line = _comment_free(line)
    if not line.strip():
        return None
    latex = latex_shim.is_latex(line)
    if latex:
        line = latex_shim.translate(line)
    m = _STEP_NUMBER.match(line)
    if m:
        line = _blank(line, m.start(2), m.end(2) + 1)
    line = _RULE.sub("", line)
    if not line.strip():
        return None

    def fail(message: str, span: Span | None) -> MatcalcError:
        where = None if span is None or latex else (line_start + span[0], line_start + span[1])
        return MatcalcError("input", f"line {number}: {message}", where)

    cut = _WHERE.search(line)
    head_end = cut.start() if cut else len(line)
    pieces = _split(line, head_end)
    if len(pieces) < 2:
        raise fail("expected an equation, LHS = RHS (or = RHS continuing the line before)",
                   (len(line) - len(line.lstrip()), max(len(line.rstrip()), 1)))
    first, *rest = pieces
    sides = [_side(line, a, b, fail) for a, b in rest]
    for (a, b), side in zip(rest, sides, strict=True):
        if not side.written:
            raise fail("an empty side of an equation", (a - 1, b))
    lhs: Side | Claim | None
    left = line[first[0]:first[1]]
    if not left.strip():
        if not has_before:
            raise fail("the first equation has no left side (= RHS continues the line before)", first)
        lhs = None
    elif (c := _SECOND.match(left)) is not None:
        lhs = Claim(c.group(1), c.group(2), c.group(3), first)
    elif (c := _CLAIM.match(left)) is not None:
        lhs = Claim(c.group(1), c.group(2), None, first)
    else:
        lhs = _side(line, first[0], first[1], fail)
    return Equation(number, raw, line_start, lhs, tuple(sides), latex, line)


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


def _side(line: str, start: int, end: int, fail) -> Side:  # type: ignore[no-untyped-def]
    """line[start:end] as a side: padded to its column, each d(EXPR) a mark."""
    text = " " * start + line[start:end]
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
        name = _placeholder(len(marks), close + 1 - m.start(), taken)
        marks.append(Mark(name, inner, (m.start(), close + 1)))
        text = text[:m.start()] + name + text[close + 1:]
        pos = m.start() + len(name)
    return Side(text, tuple(marks), (start, end))


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


def _placeholder(index: int, width: int, taken: set[str]) -> str:
    """A name of exactly width characters (at least 4: d(X)) that the line does not use."""
    for letter in "ZQJKVU":
        name = f"{letter}{index}".ljust(width, "_")
        if len(name) == width and name not in taken:
            return name
    raise MatcalcError("input", "too many differentials d(...) in one line")
