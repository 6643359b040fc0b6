"""The lines of check's report as typed rows: what each line is (a verdict, a line as
written, the caret under a wrong one, a labelled row, a note), so that a printer styles a
line by its kind, never by its wording. The text is the line as plain output prints it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LABEL = 12  # the column of a labelled row's value, after its two spaces of indentation


class RowKind(Enum):
    VERDICT = "verdict"  # correct / wrong, every line holds / line N is wrong
    WRITTEN = "written"  # a line of the derivation as written, with its verdict
    WRONG = "wrong"  # the first line as written that does not hold
    CARET = "caret"  # the marks under the place of a wrong line
    LABELLED = "labelled"  # `  label       value`
    NOTE = "note"  # an indented line of evidence without a label


@dataclass(frozen=True)
class CheckRow:
    kind: RowKind
    text: str
    label: str = ""  # a labelled row's
    value: str = ""


def verdict(text: str) -> CheckRow:
    return CheckRow(RowKind.VERDICT, text)


def as_written(text: str, wrong: bool = False) -> CheckRow:
    return CheckRow(RowKind.WRONG if wrong else RowKind.WRITTEN, text)


def caret(text: str) -> CheckRow:
    return CheckRow(RowKind.CARET, text)


def labelled(label: str, value: str) -> CheckRow:
    return CheckRow(RowKind.LABELLED, f"  {label:<{LABEL}}{value}", label, value)


def note(text: str) -> CheckRow:
    return CheckRow(RowKind.NOTE, f"  {text}")


def texts(rows: list[CheckRow]) -> list[str]:
    return [r.text for r in rows]
