"""Lines of mathematics within a width, broken as a textbook breaks them.

A line may break only at a space, so never inside a name or a number. Where it breaks is
ranked: a gap of several spaces (a column: the rule of a step, the shape of a claim)
first, then `; `, `, ` and `: ` (prose and lists), then `=`, then `+` and `-` of the
outermost sum, then the outermost products, then the same inside the first parentheses, and so on. A piece that
fits is never broken; one that does not starts a line of its own, and is broken there at
its best-ranked places only, its parts packed onto lines greedily. A break before an operator moves the operator
to the next line (`+ b`); continued lines take a hanging indent. No line ends in a space.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

OPEN, CLOSE = "([{", ")]}"
_RANK = {"=": 4, "+": 5, "-": 5, "/": 6, "*": 6, "@": 6, "⊙": 6, "⊘": 6, "⊗": 6, ".*": 6, "./": 6}
_GAP, _PRODUCT = 0, 6
_AFTER = {";": 1, ",": 2, ":": 3}  # a break after these: items of a list, then a label's colon
# A line whose text is no longer than this (or a sixth of the width) before a piece that
# does not fit keeps the piece's first part beside it rather than alone (`2 ((a`, not `2`).
_STUB = 4


@dataclass(frozen=True)
class Break:
    start: int  # the run of spaces text[start:end] disappears when the line breaks here
    end: int
    rank: tuple[int, int]  # (parenthesis depth, kind): lower breaks first


def breaks(text: str) -> list[Break]:
    """Every place text may break, with its rank."""
    out: list[Break] = []
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif ch == " ":
            j = i
            while j < len(text) and text[j] == " ":
                j += 1
            if 0 < i and j < len(text):
                kind = _kind(text, i, j)
                if kind is not None:
                    out.append(Break(i, j, (depth, kind)))
            i = j
            continue
        i += 1
    return out


def _kind(text: str, start: int, end: int) -> int | None:
    if end - start >= 2:
        return _GAP
    before = text[:start].rsplit(" ", 1)[-1]
    if before in _RANK:  # the space after an operator: the operator stays with its operand
        return None
    after = text[end:].split(" ", 1)[0]
    if after in _RANK and " " in text[end:]:
        return _RANK[after]
    return _AFTER.get(before[-1:], _PRODUCT)


def wrap(text: str, width: int, indent: str = "", hang: str | None = None) -> list[str]:
    """text on lines of at most width characters where it can be (an unbreakable piece
    longer than a line is left whole); the first line starts with indent, the others with
    hang (indent and four spaces by default), two more for each part of a part broken again."""
    hang = indent + "    " if hang is None else hang
    text = text.strip()
    if len(indent) + len(text) <= width:
        return [indent + text]
    places = breaks(text)
    among = _Ranks(places)
    lines: list[str] = []
    line = indent

    def place(lo: int, hi: int, sep: str, hang: str, top: bool = False) -> None:
        nonlocal line
        # The piece is sliced only where it is placed: held by every level of a deep
        # nesting, the slices would take memory quadratic in the text.
        size = hi - lo
        if len(line) + len(sep) + size <= width:
            line += sep + text[lo:hi]
            return
        i, j = among.within(lo, hi)
        inner = i < j
        stub = len(line.strip()) <= max(_STUB, width // 6)
        if line.strip() and (not stub or not inner):  # the piece starts a line
            lines.append(line)
            line, sep = hang, ""
            if len(line) + size <= width or not inner:
                line += text[lo:hi]
                return
        if not inner:  # nothing to break at: the piece overflows
            line += sep + text[lo:hi]
            return
        best = among.lowest(i, j)
        cuts = among.of_rank(best, i, j)
        # A part of a part reads as such, indented further; the columns of a line do not.
        deeper = hang if top or len(hang) + 2 > width // 2 else hang + "  "
        columns = top and best[1] == _GAP
        place(lo, cuts[0].start, sep, deeper, columns)
        for cut, nxt in zip(cuts, [*cuts[1:], None], strict=True):
            place(cut.end, nxt.start if nxt else hi, text[cut.start:cut.end], deeper, columns)

    place(0, len(text), "", hang, True)
    return [*lines, line] if line.strip() else lines


class _Ranks:
    """The breaks of a text, sorted, with the queries place needs in logarithmic time (deep
    nesting puts every break inside every enclosing piece: scanning them would be quadratic)."""

    def __init__(self, places: list[Break]) -> None:
        self.places = places
        self.starts = [b.start for b in places]
        self.ends = [b.end for b in places]
        # table[k][i]: the lowest rank of places[i : i + 2**k] (a sparse table)
        self.table = [[b.rank for b in places]]
        while 2 ** len(self.table) <= len(places):
            prev, half = self.table[-1], 2 ** (len(self.table) - 1)
            self.table.append([min(prev[i], prev[i + half]) for i in range(len(prev) - half)])
        self.at: dict[tuple[int, int], list[int]] = {}
        for i, b in enumerate(places):
            self.at.setdefault(b.rank, []).append(i)

    def within(self, lo: int, hi: int) -> tuple[int, int]:
        """The index range of the breaks strictly inside text[lo:hi]."""
        i = bisect_right(self.starts, lo)
        return i, max(i, bisect_left(self.ends, hi))

    def lowest(self, i: int, j: int) -> tuple[int, int]:
        k = (j - i).bit_length() - 1
        return min(self.table[k][i], self.table[k][j - 2 ** k])

    def of_rank(self, rank: tuple[int, int], i: int, j: int) -> list[Break]:
        at = self.at[rank]
        return [self.places[n] for n in at[bisect_left(at, i):bisect_left(at, j)]]


def row(label: str, value: str, width: int, column: int, indent: str = "") -> list[str]:
    """A label, then its value from column on, the value's continued lines aligned under
    its start (the layout of a two-column table, without the padding of one)."""
    head = (indent + label).ljust(column)
    if len(head) > column:  # a label too long for its column: the value on the next line
        return [indent + label, *wrap(value, width, " " * column, " " * column)]
    lines = wrap(value, width, " " * column, " " * column)
    return [head + lines[0][column:], *lines[1:]]
