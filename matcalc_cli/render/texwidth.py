r"""How wide a line of LaTeX math sets, in points, at the article class's 10 pt, without TeX.

--display breaks a result into lines that fit a page (latexdoc.py); it needs the width each
piece will take once typeset. This is a model of Computer Modern's metrics good enough to
break lines by: glyph widths by class (italic letters, upright letters, bold, digits, Greek),
the math spacing TeX puts around binary operators and relations, scripts at 70 %, a fraction
as wide as its wider part. It errs on the wide side (tests/test_latex_compiles.py measures the
real widths under pdflatex and holds the model to them), so a line it accepts fits.
"""

from __future__ import annotations

import re

from matcalc_cli.ops.base import LATEX_OPERATORS

SCRIPT = 0.72  # \scriptstyle is 7 pt of 10; a little over for the italic corrections
BIN = 7.8 + 2 * 2.22  # a binary operator and its two medium spaces (4 mu each)
REL = 7.8 + 2 * 2.78  # a relation and its two thick spaces (5 mu each)
DELIM = 4.6  # ( ) [ ], \left( \right) around ordinary content
TALL = 7.6  # \left( \right) around a fraction, which grow with it
THIN, MEDIUM, THICK, QUAD = 1.67, 2.22, 2.78, 10.0

_ITALIC_WIDE = set("ABCDEFGHKMNOPQRSUWXYZ")  # capitals wider than the rest
_NARROW = set("ijlt")
_GREEK_UPPER = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_BINARY = {"odot", "otimes", "oslash", "times", "pm", "circ"}
_SPACES = {",": THIN, ":": MEDIUM, ">": MEDIUM, ";": THICK, "quad": QUAD, "qquad": 2 * QUAD, "!": -THIN,
           " ": THICK}
_ZERO = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "displaystyle", "textstyle",
         "limits", "nolimits"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\s+)|(.)", re.S)


def _group(text: str, i: int) -> tuple[str, int]:
    """The argument at text[i:]: a braced group (without its braces) or one token."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] != "{":
        m = _TOKEN.match(text, i)
        assert m is not None
        return m.group(0), m.end()
    depth, j = 0, i
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    return text[i + 1:], len(text)


def _enclosed(tex: str, i: int) -> str:
    """The text from i to the \\right that closes the \\left just before i."""
    depth, j = 1, i
    while j < len(tex):
        if tex.startswith(r"\left", j) and not tex[j + 5:j + 6].isalpha():
            depth += 1
        elif tex.startswith(r"\right", j) and not tex[j + 6:j + 7].isalpha():
            depth -= 1
            if depth == 0:
                return tex[i:j]
        j += 1
    return tex[i:]


def _letters(word: str, style: str) -> float:
    if style == "bf":
        return sum(9.0 if c.isupper() else 6.0 if c.isalpha() else 5.8 for c in word)
    if style == "rm":
        return sum(7.5 if c.isupper() else 2.9 if c in _NARROW else 5.2 if c.isalpha() else 5.0 for c in word)
    return sum(8.6 if c in _ITALIC_WIDE else 7.6 if c.isupper() else 3.8 if c in _NARROW else 5.8
               if c.isalpha() else 5.0 for c in word)


def width(tex: str, scale: float = 1.0) -> float:
    """The width in points of tex (math mode, display or text style) at 10 pt, times scale."""
    total, i, previous_binary = 0.0, 0, True  # a sign at the start is unary: no spaces around it
    tall: list[bool] = []  # for each \left open here: does it hold a fraction?
    while i < len(tex):
        m = _TOKEN.match(tex, i)
        assert m is not None
        i = m.end()
        command, blank, char = m.group(1), m.group(2), m.group(3)
        binary = False
        if blank:
            continue
        if command is not None:
            if command == "left":
                tall.append(r"\frac" in _enclosed(tex, i))
                total += ((TALL if tall[-1] else DELIM) - DELIM) * scale  # the delimiter itself follows
                continue
            if command == "right":
                total += ((TALL if tall and tall.pop() else DELIM) - DELIM) * scale
                continue
            if command in _ZERO:
                continue
            if command in _SPACES:
                total += _SPACES[command] * scale
            elif command in ("frac", "dfrac"):
                top, i = _group(tex, i)
                bottom, i = _group(tex, i)
                total += max(width(top, scale), width(bottom, scale)) + 2.4 * scale
            elif command == "sqrt":
                inner, i = _group(tex, i)
                total += width(inner, scale) + 8.4 * scale
            elif command in ("mathbf", "boldsymbol", "bm"):
                inner, i = _group(tex, i)
                total += (_letters(inner, "bf") if inner.isalnum() else width(inner, scale) * 1.12) * scale
            elif command in ("mathrm", "operatorname", "text", "mathit", "textbf"):
                inner, i = _group(tex, i)
                total += (_letters(inner.replace("\\_", "_"), "rm") + (THIN if command == "operatorname" else 0)) \
                    * scale
            elif command in LATEX_OPERATORS:  # \tanh, \det: upright
                total += (_letters(command, "rm") + THIN) * scale
            elif command in _GREEK_UPPER:
                total += 7.8 * scale
            elif command in _BINARY:
                total += (BIN if not previous_binary else 7.8) * scale
                binary = True
            elif command in ("lVert", "rVert", "|"):
                total += 5.0 * scale
            elif command == "top":
                total += 7.8 * scale
            elif command in ("cdot", "cdots", "ldots"):
                total += (BIN if command == "cdot" else 13.4) * scale
            elif command in ("{", "}", "_", "&", "%", "#"):
                total += (5.0 if command in "{}" else 0.0) * scale
            elif command in ("mathbf", "partial"):
                total += 5.8 * scale
            else:  # \theta, \lambda, \partial, ...: one glyph
                total += 6.2 * scale
        elif char in "^_":
            inner, i = _group(tex, i)
            total += width(inner, scale * (SCRIPT if scale == 1.0 else 0.72))
            binary = previous_binary
        elif char in "{}":
            binary = previous_binary
        elif char in "+-":
            total += (BIN if not previous_binary else 7.8) * scale
            binary = True
        elif char in "=<>":
            total += REL * scale
            binary = True
        elif char in "()[]|":
            total += DELIM * scale
            binary = char in "(["
        elif char == ",":
            total += (2.8 + THIN) * scale
            binary = True
        elif char == "&":
            binary = previous_binary
        elif char.isalpha():
            total += _letters(char, "it") * scale
        elif char.isdigit() or char == ".":
            total += (5.0 if char != "." else 2.8) * scale
        else:
            total += 5.0 * scale
        previous_binary = binary
    return total
