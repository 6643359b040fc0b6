r"""LaTeX's vocabulary as matcalc reads it: the commands for spacing and delimiter sizes
(read as nothing), operators, functions, fonts, Greek letters, bars, and the patterns of a
command, a word and a numeric fraction. latexin.py reads LaTeX with them.
"""

from __future__ import annotations

import re

from matcalc_cli.tokens import GREEK_NAMES

COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")
# Spacing and style: read as a space.
SPACING = {r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad", r"\displaystyle", r"\textstyle",
           r"\limits", r"\nolimits"}
# Delimiter sizes: the delimiter after them is what counts.
SIZES = {r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\big", r"\Big", r"\bigg", r"\Bigg",
         r"\biggl", r"\biggr"}
OPERATORS = {r"\cdot": "*", r"\times": "*", r"\odot": ".*", r"\oslash": "./", r"\otimes": "⊗", r"\div": "/"}
# The functions LaTeX has a command for; every other one is \operatorname{name} or \mathrm{name}.
FUNCTIONS = {c: c[1:] for c in (r"\det", r"\log", r"\exp", r"\sin", r"\cos", r"\tan", r"\tanh", r"\sinh",
                                 r"\cosh", r"\arcsin", r"\arccos", r"\arctan", r"\max", r"\min", r"\tr",
                                 r"\ln")}
FUNCTIONS[r"\ln"] = "log"
FONTS = {r"\mathbf", r"\boldsymbol", r"\bm", r"\mathrm", r"\mathit", r"\mathsf", r"\operatorname", r"\text",
         r"\textrm", r"\textbf", r"\mathbfit", r"\vec"}
# \theta -> theta, \varphi -> phi
GREEK_COMMANDS = {"\\" + g: g for g in GREEK_NAMES} | {r"\varepsilon": "epsilon", r"\vartheta": "theta",
                                                       r"\varphi": "phi", r"\varrho": "rho", r"\varsigma": "sigma",
                                                       r"\varpi": "pi"}
# Greek letters that name a function when a bracket follows, as matcalc's LaTeX prints them:
# the standard normal's CDF and density.
CALLED = {r"\Phi": "normcdf", r"\varphi": "normpdf"}
OPEN_BARS = {r"\lVert": "norm", r"\lvert": "abs"}
CLOSE_BARS = {r"\rVert": "norm", r"\rvert": "abs"}
BARS = {r"\|": "norm", r"\Vert": "norm", "‖": "norm", "|": "abs", r"\vert": "abs"}
LEIBNIZ = re.compile(r"^\s*(?:d|\\partial|∂|\\mathrm\s*\{?\s*d\s*\}?)\s*(?:[A-Za-z].*)?$", re.DOTALL)
WORD = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|\\_|_(?=[A-Za-z0-9]))*")
FRACTION = re.compile(r"^(-?)\\[dt]?frac\{?(\d+)\}?\{?(\d+)\}?$")
