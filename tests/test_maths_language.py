"""The language of issue 25 as a user meets it: what parses and what is an error, the closed
forms printed (goldens), and the notes a derivative under a condition carries."""

from __future__ import annotations

import pytest

from matcalc_cli import expr as E
from matcalc_cli.errors import MatcalcError
from matcalc_cli.render import plain
from matcalc_cli.report import differentiate
from matcalc_cli.shapes import infer
from matcalc_cli.syntax import parse


def plain_of(source: str, wrt: str, *shapes: str, symmetric: tuple[str, ...] = ()) -> tuple[str, str]:
    """(the derivative as plain prints it, with its where clause; the note)."""
    r = differentiate(source, [wrt], list(shapes), list(symmetric))
    return plain.render_named(r.named()), r.derivative.note


def typed(source: str, *shapes: str) -> E.Expr:
    declared = {}
    for s in shapes:
        name, _, dims = s.partition("=")
        declared[name] = (1, 1) if dims == "scalar" else tuple(int(d) if d.isdigit() else d for d in dims.split(","))
    return infer(parse(source), declared, frozenset()).expr


# ------------------------------------------------------------------ variable exponents
@pytest.mark.parametrize("source, base, exponent", [
    ("x.^y", "x", "y"), ("x.^t", "x", "t"), ("a^t", "a", "t"), ("t^t", "t", "t"), ("x.^(t + 1)", "x", "t + 1"),
    ("x.^-t", "x", "-t"), ("2^t", "2", "t"), ("x.^tanh(y)", "x", "tanh(y)"),
])
def test_a_variable_exponent_parses_to_one_power(source, base, exponent):
    e = typed(source, "t=scalar", "a=scalar")
    assert e.op == "vpow"
    assert plain.render(e.args[0]) == base and plain.render(e.args[1]) == exponent
    assert plain.render(e) == source.replace("-t", "(-t)")  # it prints as it is read


@pytest.mark.parametrize("source, op", [("x.^2", "epow"), ("x^2", "pow"), ("X^-1", "inv"), ("x.^(-1)", "epow"),
                                        ("X^T", "T"), ("x.^(2)", "epow")])
def test_a_number_exponent_is_the_power_it_was(source, op):
    assert typed(source, "X=n,n").op == op


def test_a_matrix_to_a_variable_power_is_an_error():
    with pytest.raises(MatcalcError, match="variable power"):
        typed("X^t", "X=n,n", "t=scalar")


def test_the_derivative_by_a_variable_exponent_says_the_base_is_positive():
    form, note = plain_of("sum(x.^t)", "t", "t=scalar")
    assert form == "log(x)^T x.^t"
    assert "base is positive" in note
    assert plain_of("t^t", "t", "t=scalar")[0] == "log(t) t^t + t t^(t - 1)"
