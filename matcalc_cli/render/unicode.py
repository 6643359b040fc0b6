"""Expressions in Unicode mathematical notation (the terminal view's), and the terminal itself."""

from __future__ import annotations

import errno
import os
import re
import sys
from typing import Any

from matcalc_cli.expr import Expr
from matcalc_cli.render.printer import ATOM, NEG, POSTFIX, PRODUCT, Printer

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class UnicodePrinter(Printer):
    times_numbers = " · "
    had, hdiv = " ⊙ ", " ⊘ "
    transposed, inverted, inverted_transposed = "ᵀ", "⁻¹", "⁻ᵀ"

    def op_pow(self, e: Expr) -> tuple[str, int]:
        k = self.exponent(e.number)
        # Integer exponents become superscripts; anything else keeps the caret.
        sup = k.translate(_SUPERSCRIPT) if k.lstrip("-").isdigit() else "^" + k
        return self.at(e.args[0], ATOM) + sup, POSTFIX

    def op_epow(self, e: Expr) -> tuple[str, int]:
        return self.at(e.args[0], ATOM) + "^∘" + self.exponent(e.number), POSTFIX

    def op_vpow(self, e: Expr) -> tuple[str, int]:
        u, v = e.args
        return f"{self.at(u, ATOM)}{'^' if e.is_scalar else '^∘'}{self.at(v, ATOM)}", POSTFIX

    def op_kron(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], NEG)} ⊗ {self.at(e.args[1], NEG)}", PRODUCT


def console() -> Any:
    """The one terminal console: with NO_COLOR set it writes no escape codes at all
    (not even bold), as when piped. Lines come to it already fitted to its width, so it
    never wraps them again (soft_wrap)."""
    from rich.console import Console

    class Terminal(Console):
        def on_broken_pipe(self) -> None:
            # rich's own ends the process with 1, a failed check's status: a reader that
            # closed the pipe is the command line's to end (cli_output.cannot_write).
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    plain = os.environ.get("NO_COLOR") is not None
    return Terminal(highlight=False, soft_wrap=True, color_system=None if plain else "auto")


def render_expr(e: Expr) -> str:
    return (Printer() if ascii_only() else UnicodePrinter()).render(e)


def ascii_only() -> bool:
    """A terminal whose encoding cannot show ᵀ or × (PYTHONIOENCODING=ascii, a latin-1
    locale) gets the view in ASCII, as plain output spells it."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "ᵀ⁻¹⊙⊘⊗×·²∘θ—≈".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_ASCII: list[tuple[re.Pattern[str], Any]] = [
    (re.compile("⁻ᵀ"), "^-T"), (re.compile("ᵀ"), "^T"), (re.compile("\\^∘"), ".^"),
    (re.compile("⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"), lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT)),
    (re.compile("⊙"), ".*"), (re.compile("⊘"), "./"), (re.compile("⊗"), "(x)"), (re.compile("×"), "x"),
    (re.compile("[·⋅]"), "*"), (re.compile("—|–"), "-"), (re.compile("≈"), "~"), (re.compile("…"), "...")]


def to_ascii(text: str) -> str:
    """Text for a terminal that shows ASCII only: x^T for xᵀ, n x m for n×m, and what has no
    spelling here through its compatibility form, or ?."""
    import unicodedata

    for pattern, repl in _ASCII:
        text = pattern.sub(repl, text)
    if not text.isascii():
        from matcalc_cli.tokens import GREEK

        text = "".join(GREEK.get(c, c) for c in text)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "replace").decode("ascii")
    return text


def width_of(out: Any) -> int:
    """The width to fit: the terminal's (rich reads COLUMNS too); 80 when not known."""
    return max(int(out.width), 20)
