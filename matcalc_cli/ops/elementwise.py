"""Functions applied entry by entry: d f(U) = f'(U) .* dU.

Each entry is the function's numpy value and its derivative f'(u), written with the
function's own value f(u) where a textbook does (tanh' = 1 - tanh.^2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from matcalc_cli import expr as E
from matcalc_cli.expr import ONE, Expr
from matcalc_cli.ops.base import (
    BY_NAME,
    OPS,
    Bounds,
    Curvature,
    Diffs,
    Monotone,
    Op,
    Said,
    Spelling,
    fn,
    register,
    said,
)

ElementwiseDerivative = Callable[[Expr, Expr], Expr]  # (argument u, value f(u)) -> f'(u)


def _apply(name: str) -> Callable[[Expr], Expr]:
    def apply(u: Expr) -> Expr:
        if u.op == "bcast":  # f(c ones) = f(c) ones
            return E.bcast(fn(name, u.args[0]), u.shape)
        return E.call(name, (u,), u.shape)
    return apply


def _check(ctx: Any, node: Any, s: list[Any], dims: list[Any]) -> Any:
    return s[0]


def _differential(node: Expr, d: Diffs) -> Expr:
    du = d[0]
    assert du is not None
    derivative = OPS[node.op].elementwise
    assert derivative is not None
    return E.had(derivative(node.args[0], node), du)


def _sigmoid(np: Any, a: Any) -> Any:
    # expit keeps relative precision far into the tails (sigmoid(-40) is 4e-18, not 0), where
    # check and --verify draw points at scale 1e3; 0.5 (1 + tanh(a / 2)) rounded them to 0
    from scipy.special import expit  # imported when first evaluated: scipy costs startup time

    return expit(a)


def _erf(np: Any, a: Any) -> Any:
    from scipy.special import erf  # imported when first evaluated: scipy costs startup time

    return erf(a)


def _normcdf(np: Any, a: Any) -> Any:
    from scipy.special import ndtr

    return ndtr(a)


def _normpdf(np: Any, a: Any) -> Any:
    return np.exp(-0.5 * a * a) / np.sqrt(2.0 * np.pi)


def _unit_interval(np: Any, value: Any) -> Any:
    """arcsin and arccos on the open interval (-1, 1) only, where they are differentiable:
    NaN elsewhere, so that check and --verify draw other points."""
    def f(a: Any) -> Any:
        with np.errstate(invalid="ignore"):
            return np.where(np.abs(a) < 1.0, value(np.clip(a, -1.0, 1.0)), np.nan)
    return f


def _one_minus_square_root(u: Expr) -> Expr:
    return fn("sqrt", E.sub(ONE, E.epow(u, Fraction(2))))


_SQRT2 = E.power(E.const(2), Fraction(1, 2))


def _vpow_rule(node: Expr, d: Diffs) -> Expr:
    u, v = node.args
    du, dv = d
    terms = [] if du is None else [E.had(v, E.vpow(u, E.sub(v, ONE)), du)]
    if dv is not None:
        terms.append(E.had(node, fn("log", u), dv))
    return E.add(*terms)


def _vpow_value(np: Any, u: Any, v: Any) -> Any:
    """u.^v where u > 0; NaN elsewhere (u.^v is not a real function of v there), so that check
    and --verify draw positive bases."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(u > 0, np.abs(u) ** v, np.nan)


def elementwise(name: str, value: Callable[[Any, Any], Any], derivative: ElementwiseDerivative, rule: Said,
                note: str = "", letter: str = "h", kinks: tuple[float, ...] = (), period: float = 0.0,
                spelling: Spelling = BY_NAME, smooth: bool = False, positive_argument: bool = False,
                limits: tuple[float, float] | None = None, bounds: Bounds | None = None,
                curvature: Curvature | None = None) -> Op:
    """An activation: a result names it h (s for a squashing function), printers spell it by
    its name unless spelling says otherwise, and kinks lists where it has a kink, a jump or a
    pole (repeating every period, if that is not 0); smooth and positive_argument as Op's, and
    limits for a strictly increasing function, the values it tends to at the ends of its domain;
    bounds, where its values lie whatever its argument; curvature as Op's."""
    return Op(name, 1, lambda env, n, a: value(env.np, a[0]), check=_check, apply=_apply(name),
              differential=_differential, rule=rule, note=note, elementwise=derivative, letter=letter,
              kinks=kinks, period=period, spelling=spelling, smooth=smooth, positive_argument=positive_argument,
              names_argument=True, increasing=limits is not None, limits=limits or (-math.inf, math.inf),
              bounds=bounds, curvature=curvature)


_SIGNED_UNIT = Bounds(-1.0, 1.0)
# arctan's limits: math.pi / 2 is the float just below pi / 2, so the limits are the floats just outside
_HALF_PI = math.nextafter(math.pi / 2, math.inf)
_ZERO_A_E = "zero almost everywhere (away from 0, where it jumps)"
_AWAY_FROM_KINK = "is taken away from 0, where it has a kink"

register(
    Op("vpow", 2, lambda env, n, a: _vpow_value(env.np, a[0], a[1]), apply=E.vpow, differential=_vpow_rule,
       rule=said("power rule, variable exponent", "d(u.^v) = v .* u.^(v - 1) .* du + u.^v .* log(u) .* dv"),
       note="a power with a variable exponent is differentiated where its base is positive", weight=8),
    elementwise("exp", lambda np, a: np.exp(a), lambda u, fu: fu, said("chain rule", "d exp(u) = exp(u) .* du"),
                smooth=True, limits=(0.0, math.inf),
                curvature=Curvature(True, Monotone.INCREASING, "exp convex increasing", "B&V §3.1.5")),
    elementwise("log", lambda np, a: np.log(a), lambda u, fu: E.hdiv(ONE, u), said("chain rule", "d log(u) = du ./ u"),
                smooth=True, positive_argument=True, limits=(-math.inf, math.inf),
                curvature=Curvature(False, Monotone.INCREASING, "log concave increasing", "B&V §3.1.5")),
    elementwise("sqrt", lambda np, a: np.sqrt(a), lambda u, fu: E.hdiv(ONE, E.mul(E.const(2), fu)),
                said("chain rule", "d sqrt(u) = du ./ (2 sqrt(u))"), spelling=Spelling(latex=r"\sqrt{{{0}}}"),
                smooth=True, positive_argument=True,
                curvature=Curvature(False, Monotone.INCREASING, "sqrt concave increasing", "B&V §3.1.5")),
    elementwise("sin", lambda np, a: np.sin(a), lambda u, fu: fn("cos", u),
                said("chain rule", "d sin(u) = cos(u) .* du"),
                smooth=True, bounds=_SIGNED_UNIT),
    elementwise("cos", lambda np, a: np.cos(a), lambda u, fu: E.neg(fn("sin", u)),
                said("chain rule", "d cos(u) = -sin(u) .* du"), smooth=True, bounds=_SIGNED_UNIT),
    elementwise("tanh", lambda np, a: np.tanh(a), lambda u, fu: E.sub(ONE, E.epow(fu, Fraction(2))),
                said("chain rule", "d tanh(u) = (1 - tanh(u).^2) .* du"), smooth=True,
                limits=(-1.0, 1.0)),
    # LaTeX's \sigma would read as the variable sigma.
    elementwise("sigmoid", _sigmoid, lambda u, fu: E.had(fu, E.sub(ONE, fu)),
                said("chain rule", "d sigmoid(u) = sigmoid(u) .* (1 - sigmoid(u)) .* du"), letter="s", smooth=True,
                limits=(0.0, 1.0),
                # the line: exp(-softplus(-u)), as exact in the tails, no overflow (np alone in scope)
                spelling=Spelling(numpy="scipy.special.expit({0})", line="np.exp(-np.logaddexp(0, -({0})))",
                                  jax="jax.nn.sigmoid({0})")),
    elementwise("softplus", lambda np, a: np.logaddexp(0.0, a), lambda u, fu: fn("sigmoid", u),
                said("chain rule", "d softplus(u) = sigmoid(u) .* du"), smooth=True, limits=(0.0, math.inf),
                curvature=Curvature(True, Monotone.INCREASING, "softplus convex increasing", "B&V §3.1.5"),
                spelling=Spelling(numpy="np.logaddexp(0, {0})", torch="torch.nn.functional.softplus({0})",
                                  jax="jax.nn.softplus({0})")),
    elementwise("abs", lambda np, a: np.abs(a), lambda u, fu: fn("sign", u),
                said("chain rule", "d abs(u) = sign(u) .* du"),
                note="the derivative of abs " + _AWAY_FROM_KINK, kinks=(0.0,),
                curvature=Curvature(True, Monotone.ON_SIGN, "abs convex, nondecreasing on u >= 0", "B&V §3.1.5"),
                spelling=Spelling(latex=r"\left|{0}\right|")),
    elementwise("sign", lambda np, a: np.sign(a), lambda u, fu: E.ZERO, said("d sign(u) = 0 almost everywhere"),
                note="the derivative of sign is " + _ZERO_A_E, kinks=(0.0,),
                bounds=_SIGNED_UNIT),
    elementwise("relu", lambda np, a: np.maximum(a, 0.0), lambda u, fu: fn("step", u),
                said("chain rule", "d relu(u) = step(u) .* du"), note="the derivative of relu " + _AWAY_FROM_KINK,
                kinks=(0.0,),
                curvature=Curvature(True, Monotone.INCREASING, "relu = max(u, 0) convex nondecreasing", "B&V §3.2.3"),
                spelling=Spelling(numpy="np.maximum({0}, 0)", jax="jax.nn.relu({0})")),
    # torch spells step by a method of its printer (op_step): the comparison takes the argument's dtype.
    elementwise("step", lambda np, a: (a > 0).astype(float), lambda u, fu: E.ZERO,
                said("d step(u) = 0 almost everywhere"), note="the derivative of step is " + _ZERO_A_E, kinks=(0.0,),
                bounds=Bounds(0.0, 1.0),
                spelling=Spelling(numpy="(1.0 * ({0} > 0))", jax="jnp.where({0} > 0, 1.0, 0.0)")),
    elementwise("tan", lambda np, a: np.tan(a), lambda u, fu: E.add(ONE, E.epow(fu, Fraction(2))),
                said("chain rule", "d tan(u) = (1 + tan(u).^2) .* du"), kinks=(math.pi / 2,), period=math.pi),
    elementwise("sinh", lambda np, a: np.sinh(a), lambda u, fu: fn("cosh", u),
                said("chain rule", "d sinh(u) = cosh(u) .* du"), smooth=True, limits=(-math.inf, math.inf)),
    # convex and even: nondecreasing for u >= 0, nonincreasing for u <= 0, as abs is
    elementwise("cosh", lambda np, a: np.cosh(a), lambda u, fu: fn("sinh", u),
                said("chain rule", "d cosh(u) = sinh(u) .* du"), smooth=True, bounds=Bounds(1.0, math.inf, False, True),
                curvature=Curvature(True, Monotone.ON_SIGN, "cosh convex (cosh'' = cosh > 0), nondecreasing on u >= 0",
                                    "B&V §3.1.4")),
    elementwise("arcsin", lambda np, a: _unit_interval(np, np.arcsin)(a),
                lambda u, fu: E.hdiv(ONE, _one_minus_square_root(u)),
                said("chain rule", "d arcsin(u) = du ./ sqrt(1 - u.^2)")),
    elementwise("arccos", lambda np, a: _unit_interval(np, np.arccos)(a),
                lambda u, fu: E.neg(E.hdiv(ONE, _one_minus_square_root(u))),
                said("chain rule", "d arccos(u) = -du ./ sqrt(1 - u.^2)")),
    elementwise("arctan", lambda np, a: np.arctan(a), lambda u, fu: E.hdiv(ONE, E.add(ONE, E.epow(u, Fraction(2)))),
                said("chain rule", "d arctan(u) = du ./ (1 + u.^2)"), smooth=True, limits=(-_HALF_PI, _HALF_PI)),
    elementwise("log1p", lambda np, a: np.log1p(a), lambda u, fu: E.hdiv(ONE, E.add(ONE, u)),
                said("chain rule", "d log1p(u) = du ./ (1 + u)"),
                curvature=Curvature(False, Monotone.INCREASING, "log1p(u) = log(1 + u) concave increasing",
                                    "B&V §3.1.5")),
    elementwise("expm1", lambda np, a: np.expm1(a), lambda u, fu: fn("exp", u),
                said("chain rule", "d expm1(u) = exp(u) .* du"), smooth=True, limits=(-1.0, math.inf),
                curvature=Curvature(True, Monotone.INCREASING, "expm1(u) = exp(u) - 1 convex increasing",
                                    "B&V §3.1.5")),
    # erf(u) = 2 normcdf(2^0.5 u) - 1: its derivative through the normal density, which has no pi to spell
    elementwise("erf", _erf, lambda u, fu: E.mul(E.power(E.const(2), Fraction(3, 2)),
                                               fn("normpdf", E.mul(_SQRT2, u))),
                said("chain rule", "d erf(u) = 2^1.5 normpdf(2^0.5 u) .* du"), smooth=True, limits=(-1.0, 1.0),
                spelling=Spelling(numpy="scipy.special.erf({0})", torch="torch.special.erf({0})",
                                  jax="jax.scipy.special.erf({0})")),
    elementwise("normcdf", _normcdf, lambda u, fu: fn("normpdf", u),
                said("chain rule", "d normcdf(u) = normpdf(u) .* du"), smooth=True, limits=(0.0, 1.0),
                spelling=Spelling(latex=r"\Phi\left({0}\right)", numpy="scipy.special.ndtr({0})",
                                  torch="torch.special.ndtr({0})", jax="jax.scipy.special.ndtr({0})")),
    elementwise("normpdf", _normpdf, lambda u, fu: E.neg(E.had(u, fu)),
                said("chain rule", "d normpdf(u) = -u .* normpdf(u) .* du"), smooth=True,
                bounds=Bounds(0.0, 0.3989422804014328, False, False),
                spelling=Spelling(latex=r"\varphi\left({0}\right)",
                                  numpy="(np.exp(-0.5 * ({0}) ** 2) / np.sqrt(2 * np.pi))",
                                  torch="(torch.exp(-0.5 * ({0}) ** 2) * 0.3989422804014327)",
                                  jax="jax.scipy.stats.norm.pdf({0})")),
    elementwise("gelu", lambda np, a: a * _normcdf(np, a),
                lambda u, fu: E.add(fn("normcdf", u), E.had(u, fn("normpdf", u))),
                said("chain rule", "d gelu(u) = (normcdf(u) + u .* normpdf(u)) .* du"), smooth=True,
                spelling=Spelling(numpy="(lambda u: u * scipy.special.ndtr(u))({0})",
                                  torch="torch.nn.functional.gelu({0})", jax="jax.nn.gelu({0}, approximate=False)")),
    elementwise("silu", lambda np, a: a * _sigmoid(np, a),
                lambda u, fu: E.had(fn("sigmoid", u), E.add(ONE, E.had(u, E.sub(ONE, fn("sigmoid", u))))),
                said("chain rule", "d silu(u) = sigmoid(u) .* (1 + u .* (1 - sigmoid(u))) .* du"), smooth=True,
                spelling=Spelling(numpy="(lambda u: u / (1 + np.exp(-u)))({0})", torch="torch.nn.functional.silu({0})",
                                  jax="jax.nn.silu({0})")),
)
