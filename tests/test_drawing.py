"""drawing.py on its own: dimension sizes, and the domains and structures values are drawn in."""

from __future__ import annotations

import numpy as np
import pytest

from matcalc_cli import drawing
from matcalc_cli.structure import Structure


def test_dim_sizes_gives_distinct_names_distinct_sizes():
    sizes = drawing.dim_sizes({"A": ("n", "m"), "x": ("m", 1), "y": ("k", 1)})
    assert set(sizes) == {"n", "m", "k"}
    assert len(set(sizes.values())) == 3
    assert drawing.size_of("m·n", sizes) == sizes["m"] * sizes["n"]
    assert drawing.size_of(4, sizes) == 4


@pytest.mark.parametrize("seed", range(5))
def test_structures_are_drawn_inside_them(seed):
    rng = np.random.default_rng(seed)
    sizes = {"n": 5}
    spd = drawing.draw_in("positive", ("n", "n"), Structure.SPD, rng, sizes)
    assert np.allclose(spd, spd.T) and np.linalg.eigvalsh(spd).min() > 0
    q = drawing.draw_in("signed", ("n", "n"), Structure.ORTHOGONAL, rng, sizes)
    assert np.allclose(q.T @ q, np.eye(5))
    low = drawing.draw_in("signed", ("n", "n"), Structure.LOWER, rng, sizes)
    assert np.allclose(low, np.tril(low)) and not np.allclose(low, np.diag(np.diag(low)))
    d = drawing.draw_in("signed", ("n", "n"), Structure.DIAGONAL, rng, sizes)
    assert np.allclose(d, np.diag(np.diag(d)))


@pytest.mark.parametrize("seed", range(5))
def test_domains_keep_their_signs(seed):
    rng = np.random.default_rng(seed)
    pos = drawing.draw_in("positive", (6, 1), None, rng, {})
    assert (pos > 0).all()
    signed = drawing.draw_in("signed", (40, 1), None, rng, {})
    assert (signed > 0).any() and (signed < 0).any()
    one = drawing.draw_in("one-signed", (8, 1), None, rng, {})
    assert (one > 0).all() or (one < 0).all()
