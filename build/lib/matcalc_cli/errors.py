"""Errors as values with a span: the CLI alone turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

Span = tuple[int, int]


@dataclass
class MatcalcError(Exception):
    """A problem with the user's input.

    kind is one of "syntax", "shape", "function", "unsupported", "option", "input";
    span is the (start, end) character range in the expression, when there is one.
    """

    kind: str
    message: str
    span: Span | None = None

    def __str__(self) -> str:
        return self.message


def caret_lines(source: str, span: Span | None) -> list[str]:
    """The source line and a caret line under span (for one-line display)."""
    if span is None or not source:
        return []
    start, end = span
    # Only the line that holds the start is shown; newlines in piped input become spaces.
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    line_end = len(source) if line_end < 0 else line_end
    line = source[line_start:line_end]
    width = max(1, min(end, line_end) - start)
    col = start - line_start
    # Very long inputs are windowed so the caret stays readable.
    if len(line) > 120:
        lo = max(0, col - 60)
        prefix = "..." if lo > 0 else ""
        line = prefix + line[lo:lo + 120] + ("..." if lo + 120 < len(line) else "")
        col = col - lo + len(prefix)
        width = min(width, 120)
    return ["  " + line, "  " + " " * col + "^" * width]
