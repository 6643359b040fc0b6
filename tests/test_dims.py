"""dims.py: --shape specs, the spelling of dimensions, and unification (products too)."""

from __future__ import annotations

import pytest

from matcalc_cli.dims import Dims, format_shape, parse_spec, spec_of
from matcalc_cli.errors import MatcalcError


@pytest.mark.parametrize(("spec", "shape"), [("scalar", (1, 1)), ("n", ("n", 1)), ("n,m", ("n", "m")),
                                             (" 3 , k ", (3, "k"))])
def test_a_spec_reads_as_its_shape_and_back(spec, shape):
    assert parse_spec(spec) == shape
    assert parse_spec(spec_of(shape)) == shape


@pytest.mark.parametrize("spec", ["n,m,k", "", "0x", "n;m", "9" * 20])
def test_a_bad_spec_is_an_option_error_naming_the_option(spec):
    with pytest.raises(MatcalcError) as err:
        parse_spec(spec, "A")
    assert err.value.kind == "option" and "--shape A=" in err.value.message


def test_a_square_of_a_name_prints_as_a_square():
    assert format_shape(("n·n", "m")) == "n²×m"


def test_unification_joins_names_and_a_fresh_dim_takes_a_name():
    d = Dims()
    a, b = d.fresh(), d.fresh()
    assert d.unify(a, b) and d.unify(b, "n")
    assert d.find(a) == "n"
    assert not d.unify("n", "m")


def test_products_unify_factor_by_factor():
    d = Dims()
    k = d.fresh()
    assert d.unify(f"n·{k}" if k < "n" else f"{k}·n", "m·n")
    assert d.find(k) == "m"
