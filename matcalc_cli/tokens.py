"""Tokens, and what the marks people paste mean: unicode superscripts and operators, Greek
letters, runs of letters as mathematics typesets them, Leibniz notation refused.

Shared by the ASCII and unicode tokenizer (lexer.py) and the LaTeX front end (latexin.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from matcalc_cli.errors import MatcalcError, Span
from matcalc_cli.ops import CALLS

WHERE = "where"  # the keyword of named subexpressions: never a variable
NUMBER = re.compile(r"(?:\d+\.\d+|\d+\.(?![*/^T])|\d+|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    span: Span
    spaced: bool  # whitespace came right before it



# Unicode as people paste it (CONTRACT.md, "Input the user already has"): each mark is read
# as the tokens of its ASCII spelling, with the mark's span.
_UNICODE = re.compile("⁻ᵀ|ᵀ|⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\\^∘|[⊙⊘·⋅⊗]")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_MARKS = {"ᵀ": ["^", "T"], "⁻ᵀ": ["^", "-", "T"], "^∘": [".^"], "⊙": [".*"], "⊘": ["./"], "·": ["*"],
          "⋅": ["*"], "⊗": ["⊗"]}


def _greek_name(c: str) -> str:
    """θ -> theta, Σ -> Sigma (Unicode spells lambda LAMDA)."""
    word = unicodedata.name(c).split()[-1].lower().replace("lamda", "lambda")
    return word.capitalize() if c.isupper() else word


_GREEK = {chr(c): _greek_name(chr(c)) for c in [*range(0x391, 0x3AA), *range(0x3B1, 0x3CA)]
          if unicodedata.name(chr(c), "")}


GREEK_NAMES = frozenset(_GREEK.values())
GREEK = _GREEK
UNICODE_MARKS = _UNICODE
_RUN_PIECE = re.compile(r"[A-Za-z\u0391-\u03A9\u03B1-\u03C9](?:\d+|_\d+|_[A-Za-z]+)?")


def split_run(run: str, start: int, declared: Collection[str] = ()) -> list[tuple[str, Span]]:
    """A run of letters as mathematics typesets it (CONTRACT.md, "Input as people bring it"):
    single-letter names, each keeping the digits or the subscript after it (W1x is W1 x),
    unless the run is a function, a Greek name, 'where' or declared; a declared name inside
    the run is taken whole."""
    whole = "".join(_GREEK.get(c, c) for c in run)
    if whole in CALLS or whole in GREEK_NAMES or whole in declared or whole in (WHERE, "inf"):
        return [(whole, (start, start + len(run)))]
    out: list[tuple[str, Span]] = []
    i = 0
    while i < len(run):
        longest = max((n for n in declared if len(n) > 1 and run.startswith(n, i)), key=len, default="")
        piece = longest or (m.group() if (m := _RUN_PIECE.match(run, i)) else run[i])
        out.append(("".join(_GREEK.get(c, c) for c in piece), (start + i, start + i + len(piece))))
        i += len(piece)
    return out


def greek_names(text: str) -> str:
    """θ -> theta in an option's value (--wrt θ, --shape Σ=n,n)."""
    return "".join(_GREEK.get(c, c) for c in text)


def unicode_tokens(text: str, span: Span, spaced: bool) -> list[Token]:
    if text in _MARKS:
        words = _MARKS[text]
    else:  # superscript digits: a power
        digits = text.lstrip("⁻").translate(_SUPERSCRIPTS)
        words = ["^", *(["-"] if text.startswith("⁻") else []), digits]
    kinds = ["num" if w.isdigit() else "name" if w == "T" else "op" for w in words]
    return [Token(k, w, span, spaced and i == 0) for i, (k, w) in enumerate(zip(kinds, words, strict=True))]


def reject_leibniz(toks: list[Token], src: str) -> None:
    """d/dx or ∂/∂x inside EXPR: the variable is an option (--wrt), never a quotient of names."""
    for i in range(len(toks) - 2):
        a, slash, b = toks[i], toks[i + 1], toks[i + 2]
        if a.kind != "name" or a.text not in ("d", "∂") or slash.text != "/" or b.kind != "name":
            continue
        if b.text in ("d", "∂") and toks[i + 3].kind == "name" and not toks[i + 3].spaced:
            var, end = toks[i + 3].text, toks[i + 3].span[1]
        elif a.text == "d" and b.text.startswith("d") and len(b.text) > 1:
            var, end = b.text[1:], b.span[1]
        else:
            continue
        raise MatcalcError("syntax", f"{src[a.span[0]:end]} inside the expression: matcalc differentiates by "
                           f"an option; write the expression alone and add --wrt {var}", (a.span[0], end))
