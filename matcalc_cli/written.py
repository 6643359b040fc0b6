"""Numbers as the input wrote them (0.3, 0.7978845608, and two side by side, 0.044715
0.7978845608): exact Fractions for the algebra that print as written, and the finite decimal
of a Fraction where it has one."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


class Written(Fraction):
    """A number as the input wrote it (0.3, 0.7978845608028654): exact for the algebra, printed as
    written (CONTRACT.md: numbers print as they were written).

    Its text is its spelling: one decimal, or a product of decimals ("0.7978845608028654
    0.044715", parts sorted so that one value has one spelling per parts), with a leading "-".
    Arithmetic keeps what a reader checks at a glance: a written number times a whole number
    is the decimal of the product (2 0.01 is 0.02, 3 0.044715 is 0.134145); two written numbers
    multiply into one decimal only when it has at most one significant digit more than the
    longer of them (0.3 0.3 is 0.09, 0.5 0.5 is 0.25), and otherwise stay a product of the
    two, never a decimal nobody wrote (0.7978845608028654 0.044715, not 0.0356774081363001...).
    A sum, or a quotient that terminates, is the decimal of its value; anything else is a
    plain Fraction again."""

    __slots__ = ("text", "parts")
    text: str
    parts: tuple[str, ...]  # the decimals multiplied, without sign, sorted

    def __new__(cls, text: str) -> Written:
        sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
        parts = tuple(sorted(body.split(" ")))
        value = Fraction(1)
        for p in parts:
            value *= Fraction(p)
        self = super().__new__(cls, -value if sign else value)
        self.parts = parts
        self.text = sign + " ".join(parts)
        return self

    @classmethod
    def decimal(cls, value: Fraction) -> Fraction:
        """value as a written decimal where it has a finite one, else value."""
        text = decimal_text(value)
        return value if text is None else cls(text)

    @classmethod
    def _of(cls, negative: bool, parts: list[str]) -> Written:
        return cls(("-" if negative else "") + " ".join(parts))

    def _times(self, other: Any) -> Any:
        if isinstance(other, Written):
            if len(self.parts) == len(other.parts) == 1:
                folded = decimal_text(Fraction(self) * Fraction(other))
                if folded is not None and _significant(folded) <= max(
                        _significant(self.text), _significant(other.text)) + 1:
                    return Written(folded)
            return Written._of((self < 0) != (other < 0), [*self.parts, *other.parts])
        if not isinstance(other, (int, Fraction)):
            return Fraction.__mul__(self, other)
        k = Fraction(other)
        if abs(k) == 1 or k == 0:
            return self if k == 1 else (-self if k == -1 else Fraction(0))
        if len(self.parts) == 1:
            return Written.decimal(Fraction(self) * k) if k.denominator == 1 or decimal_text(
                Fraction(self) * k) is not None else Fraction(self) * k
        # A product: the number joins the part it makes shortest (3 joins 0.044715, not 0.797...).
        best: list[str] | None = None
        for i, p in enumerate(self.parts):
            joined = decimal_text(Fraction(p) * abs(k))
            if joined is not None:
                parts = [*self.parts[:i], joined, *self.parts[i + 1:]]
                if best is None or len(" ".join(parts)) < len(" ".join(best)):
                    best = parts
        return Fraction(self) * k if best is None else Written._of((self < 0) != (k < 0), best)

    def _keep(self, result: Any, other: Any) -> Any:
        if not isinstance(other, Written) and other == 0:  # 0 + 0.797 0.0447 keeps its spelling
            return self if result == self else -self
        if isinstance(other, Written) or isinstance(other, int) or (
                isinstance(other, Fraction) and other.denominator == 1):
            return Written.decimal(result)
        return result

    def __mul__(self, other: Any) -> Any:
        return self._times(other)

    def __rmul__(self, other: Any) -> Any:
        return self._times(other)

    def __pow__(self, k: Any) -> Any:  # type: ignore[override]
        if isinstance(k, (int, Fraction)) and k == int(k) and k > 0:
            out: Any = self
            for _ in range(int(k) - 1):
                out = out * self
            return out
        return Fraction.__pow__(Fraction(self), k)

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


def _significant(text: str) -> int:
    """How many significant digits a decimal's spelling has (0.044715: 5)."""
    digits = "".join(c for c in text.lower().split("e")[0] if c.isdigit()).lstrip("0")
    return len(digits.rstrip("0")) if "." not in text else len(digits)


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
