r"""LaTeX input: LaTeX math turned into the tokens of the input language (syntax.py).

A front end of our own parser, not a second grammar: every construct becomes the tokens
its ASCII spelling would give (\mathbf{x}^\top is x ^ T, \frac{a}{b} is ( a ) / ( b ),
\|x\|_1 is norm ( x , 1 )), each token carrying the span of the LaTeX it came from, so
that the parser's errors put their caret under what the user wrote. A run of letters is
single-letter names, as LaTeX typesets it (xAx is x A x), unless it is a function, a Greek
name or a declared name; a font command's content (\mathrm{lam}, \mathbf{W}) is one name.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from matcalc_cli.errors import MatcalcError, Span
from matcalc_cli.latexwords import (
    BARS,
    CALLED,
    CLOSE_BARS,
    COMMAND,
    FONTS,
    FRACTION,
    FUNCTIONS,
    GREEK_COMMANDS,
    LEIBNIZ,
    OPEN_BARS,
    OPERATORS,
    SIZES,
    SPACING,
    WORD,
)
from matcalc_cli.tokens import GREEK as GREEK_CHARS
from matcalc_cli.tokens import NUMBER, UNICODE_MARKS, Token, split_run, unicode_tokens


def _exponent(text: str) -> str | None:
    """An exponent written as a fraction (\frac{3}{2}, -\frac12) as the number 3/2, -1/2."""
    m = FRACTION.match(text)
    return None if m is None else f"{m.group(1)}{m.group(2)}/{m.group(3)}"


def is_latex(src: str) -> bool:
    """Text that holds a backslash command (\\mathbf, \\top, \\|) is LaTeX."""
    return re.search(r"\\(?:[A-Za-z]+|[|,;!])|[{}]", src) is not None


def spelled(src: str, declared: Collection[str] = ()) -> str:
    """LaTeX in the input language, token by token (\\mathbf{x}^\\top A: x^T A), as check shows it."""
    out: list[str] = []
    for tok in tokenize(src, declared)[:-1]:
        spaced = tok.spaced and out and out[-1] != "(" and tok.text not in (")", ",")
        out.append((" " if spaced else "") + tok.text)
    return "".join(out)


def tokenize(src: str, declared: Collection[str] = ()) -> list[Token]:
    reader = _Reader(src, frozenset(declared))
    tokens = reader.scan(0, len(src))
    # A W_{1} read as a declared W1 stays W_1 where the text also spells W1 as it is.
    spelt = {t.text for t in tokens if t.kind == "name" and id(t) not in reader.renamed}
    tokens = [Token("name", reader.renamed[id(t)], t.span, t.spaced) if id(t) in reader.renamed and t.text in spelt
              else t for t in tokens]
    if reader.bars:
        kind, at = reader.bars[-1][:2]
        raise MatcalcError("syntax", f"this {'‖' if kind == 'norm' else '|'} is never closed", at)
    return [*tokens, Token("end", "", (len(src), len(src) + 1), False)]


class _Reader:
    def __init__(self, src: str, declared: frozenset[str]) -> None:
        self.src = src
        self.declared = declared
        self.renamed: dict[int, str] = {}  # id of a W1 token read from W_{1}: its W_1
        # the open norm and abs bars: kind, span, and where their opening token stands
        self.bars: list[tuple[str, Span, list[Token], int]] = []

    def fail(self, message: str, span: Span) -> MatcalcError:
        return MatcalcError("syntax", message, span)

    def group_end(self, start: int, hi: int) -> int:
        """The position after the } that closes the { at start."""
        depth, p = 0, start
        while p < hi:
            c = self.src[p]
            if c == "\\":
                p += 2
                continue
            depth += (c == "{") - (c == "}")
            p += 1
            if depth == 0:
                return p
        raise self.fail("this { is never closed", (start, start + 1))

    def argument(self, p: int, hi: int, what: str) -> tuple[int, int, int]:
        """A command's argument at p: a {group} or one character or command; (content start,
        content end, end)."""
        while p < hi and self.src[p].isspace():
            p += 1
        if p >= hi:
            raise self.fail(f"{what} needs an argument", (max(0, p - 1), p))
        if self.src[p] == "{":
            end = self.group_end(p, hi)
            return p + 1, end - 1, end
        m = COMMAND.match(self.src, p)
        end = m.end() if m else p + 1
        return p, end, end

    def scan(self, lo: int, hi: int) -> list[Token]:
        out: list[Token] = []
        p, spaced = lo, False
        src = self.src
        while p < hi:
            c = src[p]
            if c.isspace() or c == "~":  # ~: a space that does not break
                p, spaced = p + 1, True
                continue
            start = p
            if c == "\\":
                m = COMMAND.match(src, p)
                assert m is not None
                cmd, p = m.group(), m.end()
                if cmd in SPACING:
                    spaced = True
                    continue
                if cmd in SIZES:
                    while p < hi and src[p].isspace():
                        p += 1
                    if p < hi and src[p] == ".":  # \left. is no delimiter
                        p += 1
                    continue
                p = self.command(cmd, start, p, hi, out, spaced)
            elif c == "{":
                end = self.group_end(p, hi)
                out.append(Token("op", "(", (p, p + 1), spaced))
                out.extend(self.scan(p + 1, end - 1))
                out.append(Token("op", ")", (end - 1, end), False))
                p = end
            elif c == "}":
                raise self.fail("unmatched }", (p, p + 1))
            elif c == "^":
                p = self.superscript(p, hi, out)
            elif c == "_":
                p = self.subscript(p, hi, out)
            elif c in "|‖":
                p = self.bar(BARS[c], p, p + 1, hi, out, spaced, None)
            elif c in "[]":
                out.append(Token("op", "(" if c == "[" else ")", (p, p + 1), spaced))
                p += 1
            elif c == "&" or c == "#":
                raise self.fail(f"{c!r} has no meaning in one expression", (p, p + 1))
            elif c.isascii() and c.isalpha():
                m = WORD.match(src, p)
                assert m is not None
                for text, span in split_run(m.group(), p, self.declared):
                    out.append(Token("name", text.replace("\\_", "_"), span, spaced and span[0] == p))
                p = m.end()
            elif c in GREEK_CHARS:
                out.append(Token("name", GREEK_CHARS[c], (p, p + 1), spaced))
                p += 1
            elif c == "∂":
                out.append(Token("name", "∂", (p, p + 1), spaced))
                p += 1
            else:
                m = NUMBER.match(src, p)
                if m is not None and (c.isdigit() or c == "."):
                    out.append(Token("num", m.group(), (p, m.end()), spaced))
                    p = m.end()
                elif (u := UNICODE_MARKS.match(src, p)) is not None:
                    out.extend(unicode_tokens(u.group(), (p, u.end()), spaced))
                    p = u.end()
                elif c == "−":
                    out.append(Token("op", "-", (p, p + 1), spaced))
                    p += 1
                elif src.startswith((".*", "./", ".^"), p):
                    out.append(Token("op", src[p:p + 2], (p, p + 2), spaced))
                    p += 2
                elif c in "+-*/(),='@":
                    out.append(Token("op", c, (p, p + 1), spaced))
                    p += 1
                else:
                    raise self.fail(f"unexpected character {c!r}", (p, p + 1))
            spaced = False
        return out

    def command(self, cmd: str, start: int, p: int, hi: int, out: list[Token], spaced: bool) -> int:
        src = self.src
        span = (start, p)
        if cmd in OPERATORS:
            out.append(Token("op", OPERATORS[cmd], span, spaced))
        elif cmd in CALLED and re.compile(r"\s*(?:\\left\s*)?\(").match(src, p):
            out.append(Token("name", CALLED[cmd], span, spaced))  # \Phi(u): the normal CDF, as printed
        elif cmd in GREEK_COMMANDS:
            out.append(Token("name", GREEK_COMMANDS[cmd], span, spaced))
        elif cmd in FUNCTIONS:
            name = FUNCTIONS[cmd]
            if cmd == r"\log":
                m = re.compile(r"\s*\\det(?![A-Za-z])").match(src, p)
                if m is not None:
                    name, p = "logdet", m.end()
            out.append(Token("name", name, (start, p), spaced))
        elif cmd in OPEN_BARS or cmd in CLOSE_BARS or cmd in BARS:
            closing = True if cmd in CLOSE_BARS else False if cmd in OPEN_BARS else None
            kind = OPEN_BARS.get(cmd) or CLOSE_BARS.get(cmd) or BARS[cmd]
            return self.bar(kind, start, p, hi, out, spaced, closing)
        elif cmd in (r"\frac", r"\dfrac", r"\tfrac"):
            a0, a1, p = self.argument(p, hi, cmd)
            b0, b1, p = self.argument(p, hi, cmd)
            if LEIBNIZ.match(src[a0:a1]) and LEIBNIZ.match(src[b0:b1]):
                wrt = re.sub(r"^\s*(?:d|\\partial|∂|\\mathrm\s*\{?\s*d\s*\}?)\s*", "", src[b0:b1]).strip()
                raise MatcalcError("syntax", f"{src[start:p]} inside the expression: matcalc differentiates by "
                                   f"an option; write the expression alone and add --wrt {wrt or 'VAR'}", (start, p))
            # ((a) / (b)): a superscript after \frac{a}{b} is the whole fraction's, as typeset
            out.extend([Token("op", "(", span, spaced), Token("op", "(", span, False)])
            out.extend(self.scan(a0, a1))
            out.append(Token("op", ")", (a1, a1 + 1), False))
            out.append(Token("op", "/", span, False))
            out.append(Token("op", "(", (b0 - 1, b0), False))
            out.extend(self.scan(b0, b1))
            out.extend([Token("op", ")", (b1, p), False), Token("op", ")", (b1, p), False)])
        elif cmd == r"\sqrt":
            a0, a1, p = self.argument(p, hi, cmd)
            out.extend([Token("name", "sqrt", span, spaced), Token("op", "(", span, False)])
            out.extend(self.scan(a0, a1))
            out.append(Token("op", ")", (a1, p), False))
        elif cmd in FONTS:
            a0, a1, p = self.argument(p, hi, cmd)
            self.font(cmd, src[a0:a1], a0, a1, (start, p), out, spaced)
        elif cmd in (r"\{", r"\}"):
            out.append(Token("op", "(" if cmd == r"\{" else ")", span, spaced))
        elif cmd == r"\infty":
            out.append(Token("name", "inf", span, spaced))
        elif cmd in (r"\partial", r"\nabla"):
            raise MatcalcError("syntax", f"{cmd} inside the expression: matcalc differentiates by an option; "
                               "write the expression alone and add --wrt VAR", span)
        elif cmd in (r"\top", r"\intercal"):
            raise self.fail(f"{cmd} outside a superscript: write X^\\top for the transpose", span)
        elif cmd == r"\\":
            raise self.fail("one expression, one line: \\\\ breaks lines in align* (check --derivation reads "
                            "those)", span)
        else:
            raise self.fail(f"unknown LaTeX command {cmd}", span)
        return p

    def font(self, cmd: str, content: str, a0: int, a1: int, span: Span, out: list[Token], spaced: bool) -> None:
        text = content.strip()
        word = text.replace("\\_", "_")
        if cmd == r"\mathbf" and text in ("1", "0"):  # ones and zeros, sized by their subscript
            if not re.compile(r"\s*_").match(self.src, span[1]):
                raise self.fail(f"{self.src[span[0]:span[1]]} needs its size as a subscript: "
                                f"{self.src[span[0]:span[1]]}_{{n}} (or n \\times m)", span)
            out.append(Token("name", "ones" if text == "1" else "zeros", span, spaced))
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", word):
            out.append(Token("name", word, span, spaced))
        elif text in GREEK_COMMANDS:
            out.append(Token("name", GREEK_COMMANDS[text], span, spaced))
        elif len(text) == 1 and text in GREEK_CHARS:
            out.append(Token("name", GREEK_CHARS[text], span, spaced))
        else:  # \mathbf{A x}: its content, bracketed
            inner = self.scan(a0, a1)
            out.append(Token("op", "(", span, spaced))
            out.extend(inner)
            out.append(Token("op", ")", (a1, span[1]), False))

    def bar(self, kind: str, start: int, p: int, hi: int, out: list[Token], spaced: bool,
            closing: bool | None) -> int:
        """A norm or abs bar: it closes the bar of its kind that is open when an operand
        ends right before it, and opens one otherwise."""
        if closing is None:
            ends_operand = bool(out) and (out[-1].kind in ("name", "num") or out[-1].text in (")", "'"))
            closing = bool(self.bars) and self.bars[-1][0] == kind and ends_operand
        if not closing:
            self.bars.append((kind, (start, p), out, len(out)))
            out.extend([Token("name", kind, (start, p), spaced), Token("op", "(", (start, p), False)])
            return p
        if not self.bars or self.bars[-1][0] != kind:
            raise self.fail(f"this {'‖' if kind == 'norm' else '|'} closes nothing", (start, p))
        _, (start, _), opened, at = self.bars.pop()
        if kind == "norm":  # \|x\|_1, \|x\|_\infty, \|X\|_F, \|X\|_2, \|X\|_* (nuclear)
            m = re.compile(r"\s*_\s*(\{\s*([^{}]*?)\s*\}|\\infty|[A-Za-z0-9*])").match(self.src, p)
            if m is not None:
                sub = (m.group(2) if m.group(2) is not None else m.group(1)).replace(r"\infty", "inf")
                span = (start, m.end())
                if re.fullmatch(r"\d+(?:\.\d+)?", sub):  # a p-norm, p a number
                    out.extend([Token("op", ",", span, False), Token("num", sub, span, False)])
                elif sub == "inf":
                    out.extend([Token("op", ",", span, False), Token("name", "inf", span, False)])
                elif sub == "*":
                    opened[at] = Token("name", "nuclear", opened[at].span, opened[at].spaced)
                elif sub != "F":  # the Frobenius norm is norm(X)
                    raise self.fail(f"\\|...\\|_{sub}: matcalc reads the norms _1, _2, _p, _\\infty, _F and _*",
                                    span)
                out.append(Token("op", ")", span, False))
                return m.end()
        out.append(Token("op", ")", (start, p), False))
        return p

    def superscript(self, p: int, hi: int, out: list[Token]) -> int:
        hat = (p, p + 1)
        a0, a1, end = self.argument(p + 1, hi, "^")
        text = re.sub(r"\s+", "", self.src[a0:a1])
        span = (p, end)
        if text in ("T", r"\top", r"\intercal", "'"):
            out.extend([Token("op", "^", hat, False), Token("name", "T", span, False)])
        elif text in ("-T", r"-\top", r"-\intercal"):
            out.extend([Token("op", "^", hat, False), Token("op", "-", span, False), Token("name", "T", span, False)])
        elif text.startswith(r"\circ") and (number := _exponent(text[5:])) is not None:
            out.append(Token("op", ".^", hat, False))
            if number.startswith("-"):
                out.append(Token("op", "-", span, False))
            out.append(Token("num", number.lstrip("-"), span, False))
        elif text.startswith(r"\circ"):
            out.append(Token("op", ".^", span, False))
            out.append(Token("op", "(", span, False))
            out.extend(self.scan(a0 + self.src[a0:a1].index(r"\circ") + 5, a1))
            out.append(Token("op", ")", (a1, end), False))
        elif (number := _exponent(text)) is not None:  # ^{\frac{3}{2}}, ^{-\frac{1}{2}}
            out.append(Token("op", "^", hat, False))
            if number.startswith("-"):
                out.append(Token("op", "-", span, False))
            out.append(Token("num", number.lstrip("-"), span, False))
        else:
            out.append(Token("op", "^", hat, False))
            out.append(Token("op", "(", span, False))
            out.extend(self.scan(a0, a1))
            out.append(Token("op", ")", (a1, end), False))
        return end

    def dimensions(self, a0: int, a1: int) -> list[Token]:
        """m \times n or m,n as m , n; a product of dimensions (m n) as m * n."""
        out: list[Token] = []
        at = a0
        for i, part in enumerate(re.split(r"(\\times|,)", self.src[a0:a1])):
            if i % 2:
                out.append(Token("op", ",", (at, at + len(part)), False))
            else:
                for tok in self.scan(at, at + len(part)):
                    if out and out[-1].kind in ("name", "num") and tok.kind in ("name", "num"):
                        out.append(Token("op", "*", tok.span, False))
                    out.append(tok)
            at += len(part)
        return out

    def bracketed(self, p: int, hi: int, out: list[Token]) -> int:
        """The bracketed argument at p, (...) or \\left(...\right), its tokens without the
        brackets added to out; returns its end."""
        start = self.src.find("(", p, hi)
        if start < 0 or self.src[p:start].strip() not in ("", r"\left"):
            raise self.fail("expected a bracketed argument", (p, p + 1))
        depth = 0
        for q in range(start, hi):
            depth += (self.src[q] == "(") - (self.src[q] == ")")
            if depth == 0:
                close = q - len(r"\right") if self.src[:q].endswith(r"\right") else q
                out.extend(self.scan(start + 1, close))
                return q + 1
        raise self.fail("this ( is never closed", (start, start + 1))

    def subscript(self, p: int, hi: int, out: list[Token]) -> int:
        a0, a1, end = self.argument(p + 1, hi, "_")
        prev = out[-1] if out else None
        if prev is None or prev.kind != "name" or prev.span[1] != p:
            raise self.fail("a subscript belongs to a name right before it (W_{1})", (p, end))
        text = re.sub(r"\s+", "", self.src[a0:a1])
        sized = {"ones": "ones", "zeros": "zeros", "I": "eye", "K": "commutation", "unvec": "unvec"}
        if prev.text in sized and (prev.text != "K" or "," in text):
            # I_{n}, \mathbf{1}_{n}, \mathbf{0}_{m \times n}, K_{m,n}: eye, ones, zeros and the
            # commutation matrix of that size; \operatorname{unvec}_{m \times n}(v) is unvec(v, m, n)
            out[-1] = Token("name", sized[prev.text], prev.span, prev.spaced)
            out.append(Token("op", "(", (p, end), False))
            if prev.text == "unvec":
                end = self.bracketed(end, hi, out)
                out.append(Token("op", ",", (p, end), False))
            out.extend(self.dimensions(a0, a1))
            out.append(Token("op", ")", (p, end), False))
            return end
        if (prev.text in ("u", "v") and text == "1" and self.src.startswith(r"\mathbf", prev.span[0])
                and re.compile(r"\s*(?:\\left\s*)?\(").match(self.src, end)):
            # \mathbf{u}_1(X), \mathbf{v}_1(X): the leading singular vectors, as printed
            out[-1] = Token("name", "svec_left" if prev.text == "u" else "svec_right", (prev.span[0], end), prev.spaced)
            return end
        if not re.fullmatch(r"[A-Za-z0-9]+", text):
            raise self.fail(f"a subscript of a name is letters and digits (W_{{1}}), not {text!r}", (p, end))
        joined = prev.text + "_" + text
        if joined not in self.declared and prev.text + text in self.declared:
            # W_{1} for a --wrt W1 or --shape W1=..., unless the text spells W1 itself too
            # (\mathit{W1}, as LaTeX output spells W1 beside W_1): tokenize decides
            out[-1] = Token("name", prev.text + text, (prev.span[0], end), prev.spaced)
            self.renamed[id(out[-1])] = joined
            return end
        out[-1] = Token("name", joined, (prev.span[0], end), prev.spaced)
        return end


