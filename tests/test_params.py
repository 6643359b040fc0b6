"""params.py: one typed variant per kind of node parameter, read through the node's accessors,
and part of the hash-consing key (a number as written is a node apart from its Fraction)."""

from __future__ import annotations

import pickle
from fractions import Fraction

import pytest

from matcalc_cli import expr as E
from matcalc_cli.params import DimParam, DimsParam, NumberParam, VarInfo
from matcalc_cli.structure import Structure
from matcalc_cli.written import Written


def test_each_constructor_builds_its_variant():
    x = E.var("X", ("n", "n"), Structure.DIAGONAL)
    assert x.param == VarInfo("X", Structure.DIAGONAL) and x.info.structure is Structure.DIAGONAL
    assert E.const(3).param == NumberParam(Fraction(3)) and E.const(3).number == 3
    assert E.power(E.var("t", E.SCALAR), Fraction(1, 2)).number == Fraction(1, 2)
    assert E.epow(E.var("v", ("n", 1)), Fraction(3)).param == NumberParam(Fraction(3))
    assert E.commutation("m", "n").param == DimsParam("m", "n") and E.commutation("m", "n").dims == ("m", "n")
    assert E.unvec(E.var("v", ("m·n", 1)), ("m", "n")).dims == ("m", "n")
    assert E.size("n").param == DimParam("n") and E.size("n").dim == "n"
    assert E.add(x, x).param is None


def test_an_accessor_of_another_kind_fails_loudly():
    with pytest.raises(AssertionError, match="no number"):
        _ = E.var("x", ("n", 1)).number
    with pytest.raises(AssertionError, match="no variable"):
        _ = E.const(2).info
    with pytest.raises(AssertionError, match="no dimensions"):
        _ = E.size("n").dims
    with pytest.raises(AssertionError, match="counts no dimension"):
        _ = E.commutation("m", "n").dim


def test_a_written_number_is_a_node_apart_from_its_fraction():
    written, computed = E.const(Written("0.3")), E.const(Fraction(3, 10))
    assert written is not computed and written.number == computed.number
    assert written.param == NumberParam(Written("0.3")) and written.param.written == "0.3"
    assert computed.param.written is None  # type: ignore[union-attr]
    assert E.const(Written("0.3")) is written  # the same text: the same node
    assert E.const(Written("0.30")) is not written  # another spelling prints otherwise


def test_nodes_survive_pickling_as_the_same_nodes():
    for node in (E.const(Written("0.25")), E.power(E.var("t", E.SCALAR), -1), E.commutation("m", "n"),
                 E.size("k"), E.var("S", ("n", "n"), True)):
        assert pickle.loads(pickle.dumps(node)) is node
