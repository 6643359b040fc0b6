"""The tokenizer of ASCII and unicode input: text to tokens (tokens.py says what the marks
people paste mean), within the bounds on what is read. The parser is syntax.py's; LaTeX
has its own front end, latexin.py, which gives the parser the same tokens."""

from __future__ import annotations

import re
from collections.abc import Collection

from matcalc_cli.errors import MatcalcError, Span
from matcalc_cli.tokens import GREEK as _GREEK
from matcalc_cli.tokens import UNICODE_MARKS as _UNICODE
from matcalc_cli.tokens import Token, split_run, unicode_tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<dotT>\.T(?![A-Za-z0-9_]))
  | (?P<num>(?:\d+\.\d+|\d+\.(?![*/^T])|\d+|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z\u0391-\u03A9\u03B1-\u03C9][A-Za-z0-9_\u0391-\u03A9\u03B1-\u03C9]*)
  | (?P<op>\*\*|\.\*|\./|\.\^|[-+*@/^'(),=])
  | (?P<minus>−)
  | (?P<bar>‖)
  | (?P<partial>∂(?=\s*/\s*∂)|(?<=/)∂|(?<=/\s)∂)
""", re.VERBOSE)


def _too_large(text: str) -> bool:
    """Exact arithmetic on 1e999999 would take all the memory there is."""
    mantissa, _, exponent = text.lower().partition("e")
    return len(mantissa) > 300 or (exponent != "" and abs(int(exponent)) > 300)



# Bounds on what is read, so that every input is answered within seconds in bounded memory
# (README, "Errors and limits"): parentheses are free, everything else counts.
MAX_CHARS = 1_000_000
MAX_TOKENS = 50_000


_PATTERN_VARIABLE = re.compile(r"\?[A-Za-z]\w*")


def tokenize(src: str, declared: Collection[str] = (), patterns: bool = False) -> list[Token]:
    """The tokens of ASCII or unicode input. In unicode input (any character beyond ASCII) a
    run of letters is single-letter names (split_run); ASCII keeps its multi-letter names.
    With patterns (the simplifier's rules, never user input), ?u is a name."""
    if len(src) > MAX_CHARS:
        raise MatcalcError("input", f"expression too long: {len(src):,} characters (matcalc reads at most "
                           f"{MAX_CHARS:,})", (0, 1))
    tokens: list[Token] = []
    pos, spaced, counted = 0, False, 0
    runs = not src.isascii()
    bars: list[Span] = []  # the open ‖
    while pos < len(src):
        u = _UNICODE.match(src, pos)
        if u is not None:
            tokens.extend(unicode_tokens(u.group(), (pos, u.end()), spaced))
            spaced, pos = False, u.end()
            counted += 1
            continue
        m = _TOKEN.match(src, pos) if not (patterns and src[pos] == "?") else _PATTERN_VARIABLE.match(src, pos)
        if m is None:
            raise MatcalcError("syntax", f"unexpected character {src[pos]!r}", (pos, pos + 1))
        kind = m.lastgroup or ("name" if src[pos] == "?" else "op")
        if kind == "num" and _too_large(m.group()):
            raise MatcalcError("syntax", f"number out of range: {m.group()[:24]}", (pos, m.end()))
        if kind == "ws":
            spaced = True
        elif kind == "dotT":  # x.T, as NumPy writes the transpose
            tokens.extend([Token("op", "^", (pos, pos + 1), False), Token("name", "T", (pos, m.end()), False)])
            spaced = False
        elif kind == "minus":
            tokens.append(Token("op", "-", (pos, m.end()), spaced))
            spaced = False
        elif kind == "partial":
            tokens.append(Token("name", "∂", (pos, m.end()), spaced))
            spaced = False
        elif kind == "bar":  # ‖x‖: it closes an open one when an operand ends right before it
            last = tokens[-1] if tokens else None
            if bars and last is not None and (last.kind in ("name", "num") or last.text in (")", "'")):
                bars.pop()
                tokens.append(Token("op", ")", (pos, m.end()), False))
            else:
                bars.append((pos, m.end()))
                tokens.extend([Token("name", "norm", (pos, m.end()), spaced), Token("op", "(", (pos, m.end()), False)])
            spaced = False
        elif kind == "name" and runs:
            for text, span in split_run(m.group(), pos, declared):
                tokens.append(Token("name", text, span, spaced and span[0] == pos))
            spaced = False
        else:
            text = m.group() if kind != "name" else "".join(_GREEK.get(c, c) for c in m.group())
            tokens.append(Token(kind, text, (pos, m.end()), spaced))
            spaced = False
            counted += m.group() not in ("(", ")")
            if counted > MAX_TOKENS:
                raise MatcalcError("input", f"expression too long: more than {MAX_TOKENS:,} names, numbers and "
                                   "operators (matcalc reads at most that many)", (pos, m.end()))
        pos = m.end()
    if bars:
        raise MatcalcError("syntax", "this ‖ is never closed", bars[-1])
    tokens.append(Token("end", "", (len(src), len(src) + 1), spaced))
    return tokens
