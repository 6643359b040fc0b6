"""Numbers as the input wrote them (0.3, 0.7978845608): exact Fractions for the algebra that
print as written, and the finite decimal of a Fraction where it has one."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


class Written(Fraction):
    """A number as the input wrote it (0.3, 0.7978845608): exact for the algebra, printed as
    written (CONTRACT.md: numbers print as they were written). Arithmetic between written
    numbers and integers keeps a decimal that terminates a decimal (2 * 0.3 prints 0.6);
    anything else is a plain Fraction again."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> Written:
        self = super().__new__(cls, text)
        self.text = text
        return self

    @classmethod
    def decimal(cls, value: Fraction) -> Fraction:
        """value as a written decimal where it has a finite one, else value."""
        text = decimal_text(value)
        return value if text is None else cls(text)

    def _keep(self, result: Any, other: Any) -> Any:
        if isinstance(other, Written) or isinstance(other, int) or (
                isinstance(other, Fraction) and other.denominator == 1):
            return Written.decimal(result)
        return result

    def __mul__(self, other: Any) -> Any:
        return self._keep(Fraction.__mul__(self, other), other)

    def __rmul__(self, other: Any) -> Any:
        return self._keep(Fraction.__rmul__(self, other), other)

    def __add__(self, other: Any) -> Any:
        return self._keep(Fraction.__add__(self, other), other)

    def __radd__(self, other: Any) -> Any:
        return self._keep(Fraction.__radd__(self, other), other)

    def __sub__(self, other: Any) -> Any:
        return self._keep(Fraction.__sub__(self, other), other)

    def __rsub__(self, other: Any) -> Any:
        return self._keep(Fraction.__rsub__(self, other), other)

    def __neg__(self) -> Fraction:
        return Written(self.text[1:] if self.text.startswith("-") else "-" + self.text)

    def __pos__(self) -> Fraction:
        return self

    def __abs__(self) -> Fraction:
        return -self if self < 0 else self

    def __reduce__(self) -> tuple[type, tuple[str]]:  # batch workers pickle results
        return (Written, (self.text,))


def decimal_text(value: Fraction) -> str | None:
    """The finite decimal of value (3/5 -> 0.6), or None when it has none."""
    den, k2, k5 = value.denominator, 0, 0
    while den % 2 == 0:
        den, k2 = den // 2, k2 + 1
    while den % 5 == 0:
        den, k5 = den // 5, k5 + 1
    if den != 1:
        return None
    k = max(k2, k5)
    digits = str(abs(value.numerator) * 10 ** k // value.denominator).rjust(k + 1, "0")
    text = digits if k == 0 else f"{digits[:-k]}.{digits[-k:]}".rstrip("0").rstrip(".")
    return ("-" if value < 0 else "") + text
