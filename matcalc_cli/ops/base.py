"""The record of one operation, and the table they all go in.

An Op says everything matcalc knows about one operation, in one place:
  name, arity     the node's op and, for calls, its name in the input language; the number
                  of arguments (and of dimensions after them: ones(n, m), unvec(v, m, n))
  check           the shape rule, for the typing pass (dimensions are unification variables)
  apply           the smart constructor for a call (shortcuts that keep trees small)
  differential    d(node) from the differentials of its arguments (None: not depending on x)
  gradient        the adjoint read-off: the seed each argument gets from <seed, node(dX)>
  jacobian        the vec read-off: J of node from the J of its one linear argument
  evaluate        numeric value, given numpy and the arguments' values
  rule            what `--steps` says it applied, typed: said("inverse", "d(X^-1) = -X^-1 dX X^-1"),
                  several joined by +; note, what a result through it must say
  no_derivative   where there is no differential, why (an error message)
  weight          its own share of the structural cost (simplify/cost.py); None: a call, whose
                  name and brackets cost 3 and each further argument 2
  letter          the letter of a name a result gives it: h for an activation, s for a
                  squashing function, u for anything else (naming.py)
  kinks           the values of its argument where it has a kink, a jump or a pole (sampling.py
                  keeps random points away from them and probes both sides of each)
  period          kinks that repeat: each value of kinks plus every multiple of period (tan's
                  poles, pi/2 + k pi); 0 where they do not
  identity        --steps gives it a line of its own, as an identity of the course's table
  move            how --steps names the trace-trick rearrangement through it (derive/readoff.py),
                  typed as rule is
  symmetric_argument
                  its argument must be symmetric, by declaration (--symmetric) or by
                  construction (X^T X, A + A^T): eigvals, eigmax, eigmin (build.py checks)
  always_named    a result names it wherever it is printed twice, as a textbook does
                  (u u^T where u = eigvec_max(X))
  smooth          twice continuously differentiable wherever it is defined (convexity.py's
                  Hessian route is open only to trees of such operations); False unless known
  positive_argument
                  defined and differentiable only where its argument is positive (log, sqrt):
                  convexity.py asks for a proof of that before it certifies
  nonnegative_map a linear map with nonnegative coefficients (sum, mean): it keeps convexity
                  (curvature.py)
  increasing      strictly increasing, entry by entry (exp, log, tanh); limits, the values it
                  tends to at the ends of its domain and never reaches (sigmoid's 0 and 1):
                  signs.py bounds its entries by them and by its own values
  bounds          where its values lie whatever its argument (sin's [-1, 1], softmax's
                  (0, 1)): signs.py's interval of its entries
  curvature       its curvature and monotonicity as an atom of convex's composition rules
                  (B&V §3.2.4), with the text a certificate cites and its source; None: no
                  atom (curvature.py reads these through convex_rules.ATOMS)
  names_argument  --steps names its argument, where that is linear in x (f = X theta), as it
                  does for every function applied entry by entry
  spelling        its spelling in the printers that do not print the input language; where
                  a field is None, the default from its name (np.tanh, torch.tanh, jnp.tanh,
                  \\tanh or \\operatorname{name})
A printer may also spell an op by a method of its own (op_diag); the registry test checks
that every printer spells every op, and that a default names a function the library has.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from matcalc_cli.expr import Dim, Expr, Shape

Diffs = list[Expr | None]
Differential = Callable[[Expr, Diffs], Expr]


@dataclass(frozen=True)
class StepRule:
    """A rule as --steps names it: its name and, for an identity, the identity in the input
    language (product rule; inverse: d(X^-1) = -X^-1 dX X^-1)."""

    name: str
    identity: str = ""
    basic: bool = False  # the course's basic rules (sum, product, ...): among several, named without the identity

    def text(self) -> str:
        return f"{self.name}: {self.identity}" if self.identity else self.name


Said = tuple[StepRule, ...]  # what a record says --steps applied, in order


def said(name: str, identity: str = "", basic: bool = False) -> Said:
    """One rule as a record writes it (rule=said("inverse", "d(X^-1) = -X^-1 dX X^-1")); a
    record that applies several adds them (said(...) + said(...))."""
    return (StepRule(name, identity, basic),)


class Linear:
    """Which nodes of a linear form contain dX (by identity: a DAG shares its nodes)."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids

    def __contains__(self, node: Expr) -> bool:
        return id(node) in self.ids

    def index(self, args: tuple[Expr, ...]) -> int:
        """The position of the one argument that contains dX (products are linear in one)."""
        return next(i for i, a in enumerate(args) if id(a) in self.ids)


class Env(Protocol):
    """What an evaluator may ask: numpy, the size of a dimension, a variable's value."""

    @property
    def np(self) -> Any: ...

    def size(self, d: Dim) -> int: ...
    def value(self, name: str) -> Any: ...


# (node, seed) -> [(argument, its seed)] for the arguments that contain dX
Gradient = Callable[[Expr, Expr, Linear], list[tuple[Expr, Expr]]]
# (node, J of a child, linear nodes) -> J of the node
Jacobian = Callable[[Expr, Callable[[Expr], Expr], Linear], Expr]
Evaluate = Callable[[Env, Expr, list[Any]], Any]


class Checker(Protocol):
    """What a shape rule may ask of the typing pass (shapecheck.ShapeChecker)."""

    def is_scalar(self, s: Shape) -> bool: ...
    def resolve(self, s: Shape) -> Shape: ...
    def same(self, a: Shape, b: Shape) -> bool: ...
    def square(self, s: Shape, node: Any, what: str) -> None: ...
    def show(self, s: Shape) -> str: ...
    def fail(self, message: str, node: Any, kind: str = "shape") -> Exception: ...


# (checker, syntax node, shapes of the arguments, dimension arguments) -> the call's shape
ShapeRule = Callable[[Checker, Any, list[Shape], list[Dim]], Shape]


# The names LaTeX's kernel sets as upright operators (\\tanh, \\det): a default spelling.
LATEX_OPERATORS = frozenset({
    "arccos", "arcsin", "arctan", "arg", "cos", "cosh", "cot", "coth", "csc", "det", "exp", "lg", "ln", "log",
    "max", "min", "sec", "sin", "sinh", "tan", "tanh",
})
PRINTERS = ("latex", "numpy", "line", "torch", "jax")
_MODULE = {"numpy": "np", "torch": "torch", "jax": "jnp"}


@dataclass(frozen=True)
class Spelling:
    """A call's spelling in each printer, a format string over its arguments' text ({0}, {1});
    None: the default from its name."""

    latex: str | None = None
    numpy: str | None = None  # numpy and python
    # the numpy line, whose only module in scope is np: None is numpy's (a scipy call is
    # imported in place there); given where numpy alone computes it as well (sigmoid)
    line: str | None = None
    torch: str | None = None
    jax: str | None = None


BY_NAME = Spelling()  # every printer's default


@dataclass(frozen=True)
class Bounds:
    """lo <= value <= hi; an open end is not reached (lo_open: value > lo)."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False


class Monotone(Enum):
    """How an atom's value moves as its argument grows, entry by entry."""

    INCREASING = "nondecreasing"
    DECREASING = "nonincreasing"
    ON_SIGN = "nondecreasing on u >= 0, nonincreasing on u <= 0"  # abs, norm, cosh
    NEITHER = "neither"


@dataclass(frozen=True)
class Curvature:
    """An operation as an atom of the composition rules: convex (else concave) on its domain,
    how it moves with its argument, and what a certificate cites (says, source)."""

    convex: bool
    monotone: Monotone
    says: str
    source: str


@dataclass(frozen=True)
class Op:
    name: str
    arity: int
    evaluate: Evaluate
    check: ShapeRule | None = None  # None: not a call of the input language
    apply: Callable[..., Expr] | None = None
    differential: Differential | None = None
    gradient: Gradient | None = None
    jacobian: Jacobian | None = None
    rule: Said = ()
    no_derivative: str = ""
    dim_args: tuple[int, ...] = ()  # how many dimensions may follow the arguments: ones(n, m), unvec(v, m, n)
    elementwise: Callable[[Expr, Expr], Expr] | None = None  # (u, f(u)) -> f'(u), for elementwise f
    note: str = ""  # what a derivative through it must say (step's derivative is zero almost everywhere)
    weight: int | None = None
    letter: str = "u"
    kinks: tuple[float, ...] = ()
    period: float = 0.0
    identity: bool = False
    move: Said = ()
    spelling: Spelling = BY_NAME
    symmetric_argument: bool = False
    always_named: bool = False
    smooth: bool = False
    positive_argument: bool = False
    nonnegative_map: bool = False
    names_argument: bool = False
    increasing: bool = False
    bounds: Bounds | None = None
    limits: tuple[float, float] = (-math.inf, math.inf)
    curvature: Curvature | None = None
    # reads an optional last argument from its syntax node (sum's dimension 1 or 2, norm's p),
    # raising an error that names the problem; the shape rule gets it among the dimensions,
    # apply after the arguments
    option: Callable[[Any], Any] | None = None

    @property
    def called(self) -> bool:
        return self.check is not None

    def spelled(self, printer: str) -> str:
        """The format string printer spells a call of this op with (printer in PRINTERS)."""
        own: str | None = getattr(self.spelling, printer)
        if own is not None:
            return own
        if printer == "line":
            return self.spelled("numpy")
        args = ", ".join(f"{{{i}}}" for i in range(self.arity))
        if printer == "latex":
            if self.name in LATEX_OPERATORS:
                return rf"\{self.name}\left({args}\right)"
            # an underscore in an operator's name is a character, not a subscript: expm\_frechet
            escaped = self.name.replace("_", r"\_")
            return rf"\operatorname{{{{{escaped}}}}}\left({args}\right)"
        return f"{_MODULE[printer]}.{self.name}({args})"


OPS: dict[str, Op] = {}


def register(*ops: Op) -> None:
    for op in ops:
        assert op.name not in OPS, f"operation {op.name} registered twice"
        OPS[op.name] = op


def fn(name: str, *args: Expr) -> Expr:
    """Apply a call of the table through its smart constructor."""
    make = OPS[name].apply
    assert make is not None, f"{name} is not a call"
    return make(*args)


def shape_of(env: Env, node: Expr) -> tuple[int, int]:
    return (env.size(node.shape[0]), env.size(node.shape[1]))
