"""The registry of operations is complete: every operation the parser can build has a shape
rule, an evaluator, a differential (or a reason it has none), the read-offs a linear form
needs, a spelling in every printer, a finite-difference example and a generator in the
property suite. Adding an operation without one of these fails here, naming what is missing."""

from __future__ import annotations

import pytest
from test_properties import STRATEGY_FUNCTIONS
from test_rules import EXAMPLES

from matcalc_cli import expr as E
from matcalc_cli.derive import differential
from matcalc_cli.derive.differential import linear_nodes
from matcalc_cli.ops import CALLS, OPS
from matcalc_cli.render import jax, latex, numpy, plain, pretty, python, torch
from matcalc_cli.report import differentiate
from matcalc_cli.shapes import infer
from matcalc_cli.simplify import canon
from matcalc_cli.syntax import FUNCTIONS, parse

PRINTERS = {"plain": (plain.PlainPrinter, frozenset()), "pretty": (pretty.UnicodePrinter, frozenset()),
            "latex": (latex.LatexPrinter, latex.SPELLED), "numpy": (numpy.NumpyPrinter, numpy.SPELLED),
            "python": (python.PythonPrinter, python.SPELLED), "torch": (torch.TorchPrinter, torch.SPELLED),
            "jax": (jax.JaxPrinter, jax.SPELLED)}
LEAVES = {"var", "dvar", "const"}  # no call of the input language, no spelling of their own to check


def test_the_parser_reads_the_registry_calls():
    assert FUNCTIONS == CALLS


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_call_has_a_shape_rule_and_a_builder(name):
    op = OPS[name]
    assert op.check is not None and op.apply is not None


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_operation_has_a_differential_or_says_why_not(name):
    op = OPS[name]
    assert op.differential is not None or op.no_derivative or op.arity == 0, name
    assert op.rule, f"{name} has no rule name for --steps"


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.differential is not None))
def test_every_differential_has_a_finite_difference_example(name):
    assert EXAMPLES.get(name), f"{name}: add examples to tests/test_rules.py"


def _linear_ops() -> set[str]:
    """The operations that occur above dX in the differentials of the examples."""
    out: set[str] = set()
    for examples in EXAMPLES.values():
        for ex in examples:
            r = differentiate(ex.source, [ex.wrt], list(ex.shapes), list(ex.symmetric))
            f = infer(parse(ex.source), dict(r.variables), frozenset(ex.symmetric)).expr
            d = differential(canon(f), E.var(ex.wrt, r.variables[ex.wrt], ex.wrt in ex.symmetric))
            if d is not None:
                lin = linear_nodes(d)
                out |= {n.op for n in E.walk(d) if id(n) in lin and n.op != "dvar"}
    return out


def test_every_operation_in_a_linear_form_has_both_read_offs():
    linear = _linear_ops()
    assert {"add", "mul", "had", "T", "tr", "sum", "kron", "vec"} <= linear  # the check has reach
    missing = {n for n in linear if OPS[n].gradient is None or OPS[n].jacobian is None}
    assert not missing, f"no gradient or Jacobian read-off for {sorted(missing)}"
    for name, op in OPS.items():
        assert (op.gradient is None) == (op.jacobian is None), name


@pytest.mark.parametrize("printer", sorted(PRINTERS))
def test_every_printer_spells_every_operation(printer):
    cls, spelled = PRINTERS[printer]
    # A call without dimensions has a default spelling only where the printer's language is
    # the input language (plain and pretty print name(args)).
    generic = printer in ("plain", "pretty")
    missing = [name for name, op in OPS.items() if name not in LEAVES and not hasattr(cls, "op_" + name)
               and name not in spelled and not (generic and op.called and not op.dim_args)]
    assert not missing, f"{printer} cannot spell {missing}"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_property_suite_generates_every_call(name):
    assert name in STRATEGY_FUNCTIONS, f"tests/test_properties.py never builds {name}"
