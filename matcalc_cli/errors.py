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


def as_error(ex: Exception) -> MatcalcError:
    """Any failure as a MatcalcError: never a traceback, always a named problem."""
    if isinstance(ex, MatcalcError):
        return ex
    if isinstance(ex, RecursionError):
        return MatcalcError("input", "expression too deeply nested")
    if isinstance(ex, MemoryError):
        return MatcalcError("input", "expression too large")
    # Nothing else should ever be raised: a bug, reported as one (exit 123), never as bad input.
    return MatcalcError("internal", f"internal error, please report it with this input "
                        f"({type(ex).__name__}: {str(ex)[:200]})")


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
