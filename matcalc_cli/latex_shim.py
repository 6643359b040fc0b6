"""A minimal reading of LaTeX derivation lines into the input language, for
`check --derivation` only: the align* body (&=, \\\\, the rule column after &&), the
differentials (\\mathrm{d}X, \\mathrm{d}\\left(...\\right)), the derivative claims
(\\frac{\\partial y}{\\partial X}, \\frac{dy}{dX}) and the simple constructs of matcalc's own
LaTeX (\\top, ^{-1}, \\left( \\right), \\operatorname{tr}, \\frac{a}{b}, \\lVert \\rVert,
\\odot, Greek letters, W_{1}, braces).

A stopgap until the expression parser reads LaTeX itself (issue 26): then the sides go to
it as they are, and only the derivation's own constructs are read here.
"""

from __future__ import annotations

import re

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
          "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
          "Psi Omega").split()


def _commands() -> dict[str, str]:
    """The LaTeX command of each call that matcalc's LaTeX spells \\cmd\\left(...\\right)
    (\\exp, \\tanh, \\Phi for normcdf, \\varphi for normpdf), from the registry."""
    from matcalc_cli.ops import CALLS, OPS

    out = {}
    for name in CALLS:
        m = re.fullmatch(r"\\([A-Za-z]+)\\left\(\{0\}\\right\)", OPS[name].spelled("latex"))
        if m:
            out[m.group(1)] = name
    return out


_BOLD = r"(?:mathbf|boldsymbol|bm|mathit|mathrm|operatorname|mathsf)"


def is_latex(line: str) -> bool:
    return bool(re.search(r"\\[A-Za-z\\,;!|{]|&", line))


def _braced(text: str, at: int) -> int | None:
    """The index of the brace closing the one at text[at]."""
    depth = 0
    for i in range(at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _fractions(text: str) -> str:
    """\\frac{a}{b} as ((a) / (b)), innermost last; a Leibniz quotient \\frac{dy}{dX} as dy/dX."""
    while (m := re.search(r"\\[dt]?frac\s*\{", text)) is not None:
        a_end = _braced(text, m.end() - 1)
        if a_end is None or a_end + 1 >= len(text) or text[a_end + 1] != "{":
            return text
        b_end = _braced(text, a_end + 1)
        if b_end is None:
            return text
        top, bottom = text[m.end():a_end].strip(), text[a_end + 2:b_end].strip()
        leibniz = re.fullmatch(r"d\s*([A-Za-z][A-Za-z0-9_]*)?", top) and re.fullmatch(r"d\s*[A-Za-z][A-Za-z0-9_]*",
                                                                                      bottom)
        if leibniz:
            new = f"{top.replace(' ', '')}/{bottom.replace(' ', '')}"
        else:
            new = f"(({top}) / ({bottom}))"
        text = text[:m.start()] + new + text[b_end + 1:]
    return text


def translate(line: str) -> str:
    t = line
    t = re.sub(r"&&.*$", "", t)  # the rule column of matcalc's steps
    t = re.sub(r"\\\\\s*$", "", t).replace("&", "")
    t = re.sub(r"(?:,\s*\\q?quad\s*)?\\text\{\s*where\s*\}", " where ", t)
    t = re.sub(r",\s*\\q?quad", ",", t)
    t = re.sub(r"\\(?:q?quad|[,;:!])", " ", t).replace("~", " ")
    t = re.sub(r"\\left\s*\|", " abs(", t).replace("\\right|", ")")
    t = re.sub(r"\\left\s*\\?([(\[|.])|\\right\s*\\?([)\]|.])", lambda m: (m.group(1) or m.group(2)), t)
    t = t.replace("\\left", "").replace("\\right", "")
    t = _constants(t)
    # differentials: \mathrm{d}X, \partial X, d\theta, d\mathbf{x}: one name dX
    t = re.sub(r"\\(?:mathrm|operatorname|text|mathit)\s*\{\s*d\s*\}\s*|\\partial\s*", "d", t)
    t = re.sub(r"(?<![A-Za-z\\])d\s*\\" + _BOLD + r"\s*\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}", r"d\1", t)
    t = re.sub(r"(?<![A-Za-z\\])d\s*\\(" + "|".join(_GREEK) + r")(?![A-Za-z])", r"d\1", t)
    t = re.sub(r"\\log\s*\\det", "logdet", t)
    t = re.sub(r"\\" + _BOLD + r"\s*\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}", r" \1 ", t)
    calls = _commands()
    # a call as matcalc prints it, \\varphi(x); without its parentheses a Greek name is a name
    t = re.sub(r"\\(" + "|".join(calls) + r")\s*(?=\()", lambda m: f" {calls[m.group(1)]}", t)
    t = re.sub(r"\\sqrt\s*\{", " sqrt{", t)
    t = re.sub(r"\\(" + "|".join(_GREEK) + r")(?![A-Za-z])", r" \1 ", t)
    t = re.sub(r"\^\s*\{\s*-\s*(?:\\top|\\intercal|T|\\mathsf\{T\})\s*\}", "^-T", t)
    t = re.sub(r"\^\s*(?:\{\s*(?:\\top|\\intercal|T|\\mathsf\{T\}|\\mathrm\{T\})\s*\}|\\top|\\intercal)", "^T", t)
    t = re.sub(r"\^\s*\{\s*\\circ\s*(-?[0-9.]+)\s*\}", r".^(\1)", t)
    t = re.sub(r"\\(?:odot|circ)", " .* ", t)
    t = re.sub(r"\\oslash", " ./ ", t)
    t = re.sub(r"\\otimes", " ⊗ ", t)
    t = re.sub(r"\\(?:cdot|times)", " * ", t)
    t = re.sub(r"\\[lr]Vert|\\\|", "‖", t)
    t = _fractions(t)
    t = re.sub(r"(?<![A-Za-z0-9_])d/d([A-Za-z][A-Za-z0-9_]*)\s*d([A-Za-z][A-Za-z0-9_]*)/d([A-Za-z][A-Za-z0-9_]*)",
               r"d(d\2/d\3)/d\1", t)
    t = re.sub(r"_\s*\{\s*([A-Za-z0-9]+)\s*\}", r"_\1", t)
    t = re.sub(r"\^\s*\{\s*(-?\s*[0-9.]+)\s*\}", r"^(\1)", t)
    t = _norms(t)
    return t.replace("{", "(").replace("}", ")")


def _dims(text: str) -> str:
    return "*".join(text.split())


def _constants(t: str) -> str:
    """The identity, ones, zeros, commutation and unvec as matcalc's LaTeX prints them."""
    t = re.sub(r"(?<![A-Za-z])(?:\\mathbf\{I\}|I)_\{([A-Za-z0-9 ]+)\}", lambda m: f" eye({_dims(m.group(1))})", t)
    t = re.sub(r"\\mathbf\{([01])\}_\{([A-Za-z0-9 ]+?)(?:\s*\\times\s*([A-Za-z0-9 ]+))?\}",
               lambda m: f" {'ones' if m.group(1) == '1' else 'zeros'}({_dims(m.group(2))}"
                         + (f", {_dims(m.group(3))})" if m.group(3) else ")"), t)
    t = re.sub(r"(?<![A-Za-z])K_\{([A-Za-z0-9 ]+),([A-Za-z0-9 ]+)\}",
               lambda m: f" commutation({_dims(m.group(1))}, {_dims(m.group(2))})", t)
    t = re.sub(r"\\operatorname\{unvec\}\s*_\{([A-Za-z0-9 ]+?)\s*\\times\s*([A-Za-z0-9 ]+)\}\s*"
               r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)",
               lambda m: f"unvec({m.group(3)}, {_dims(m.group(1))}, {_dims(m.group(2))})", t)
    return t


def _norms(t: str) -> str:
    """‖x‖ as norm(x): the marks alternate, opening and closing."""
    out, opened = [], False
    for ch in t:
        if ch == "‖":
            out.append(")" if opened else "norm(")
            opened = not opened
        else:
            out.append(ch)
    t = "".join(out)
    return re.sub(r"norm\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*_\s*2", r"norm(\1)", t)
