"""Random well-conditioned points: a size for each dimension, and a value for each variable
drawn from its domain (signed, one-signed, positive, positive entries) and its structure
(symmetric, diagonal, triangular, SPD, orthogonal).

Used by `matcalc check`, `--verify`, `convex` and the tests; numeric.py evaluates trees at the
points drawn here, sampling.py chooses their domains, scales and sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcalc_cli.expr import SCALAR, Dim, Shape
from matcalc_cli.structure import Structure, Structures, as_structures

Values = dict[str, Any]
_SIZES = (3, 2, 4, 5, 6, 7)


def dim_sizes(variables: dict[str, Shape], base: int = 0, pool: tuple[int, ...] = _SIZES) -> dict[Dim, int]:
    """A size for each named dimension: different names get different sizes (while there
    are no more names than sizes in the pool)."""
    sizes: dict[Dim, int] = {}
    for shape in variables.values():
        for d in shape:
            for part in str(d).split("·"):  # m·n: a size for m and for n
                if not part.isdigit() and part not in sizes:
                    sizes[part] = pool[(len(sizes) + base) % len(pool)]
    return sizes


def size_of(d: Dim, sizes: dict[Dim, int]) -> int:
    if isinstance(d, int):
        return d
    out = 1
    for part in str(d).split("·"):
        out *= int(part) if part.isdigit() else sizes[part]
    return out


@dataclass(frozen=True)
class Scale:
    """How large a variable's entries are at a point: magnitudes size * (0.1, 0.9), or, spread,
    size * 10^(-3..3) entry by entry (vectors and non-square matrices only: a square matrix
    keeps its condition number, scaled as a whole)."""

    size: float = 1.0
    spread: bool = False


UNIT = Scale()

# The domains a variable is drawn from, one function each: (shape, rows, cols, symmetric, rng,
# scale) -> value. "signed": entries of both signs; "one-signed": entries of one sign, that
# sign drawn at random (log(x .* y) is defined with x and y both negative); "positive";
# "entries": every entry positive (--positive declares that domain: a positive square matrix
# is not drawn near the identity, whose zeros are no positive entries).
Drawer = Callable[[Shape, int, int, bool, np.random.Generator, Scale], Any]
DOMAINS: dict[str, Drawer] = {}
ENTRIES = "entries"
# The matrix structures besides symmetric (--diagonal, --lower, --upper, --spd, --orthogonal),
# one function each: (size, domain, rng, scale) -> a value of that structure in that domain.
StructureDrawer = Callable[[int, str, np.random.Generator, Scale], Any]
STRUCTURES: dict[Structure, StructureDrawer] = {}


def domain(name: str) -> Callable[[Drawer], Drawer]:
    def register(f: Drawer) -> Drawer:
        DOMAINS[name] = f
        return f
    return register


def structured(s: Structure) -> Callable[[StructureDrawer], StructureDrawer]:
    def register(f: StructureDrawer) -> StructureDrawer:
        STRUCTURES[s] = f
        return f
    return register


def sample(variables: dict[str, Shape], symmetric: Structures | Collection[str], rng: np.random.Generator,
           sizes: dict[Dim, int], positive: bool | frozenset[str] = True) -> Values:
    """A random point at unit scale. positive is True (every variable), False (none) or the
    names drawn positive: entries in (0.1, 0.9) (scalars (0.2, 0.8)), so that log, sqrt and
    log(1 - y) are defined, square matrices near the identity (det > 0), symmetric ones positive
    definite. The others have entries of either sign with magnitudes in (0.1, 0.9), square
    matrices any sign of the determinant but condition number at most 3, symmetric ones indefinite.
    symmetric: the structures declared (or the names of symmetric matrices): a structured
    matrix is drawn from its structure, a --positive name with positive entries."""
    structures = as_structures(symmetric)
    out: Values = {}
    for name, shape in variables.items():
        pos = positive if isinstance(positive, bool) else name in positive
        kind_ = ENTRIES if name in structures.positive else "positive" if pos else "signed"
        out[name] = draw_in(kind_, shape, structures.of(name), rng, sizes)
    return out


def draw(shape: Shape, symmetric: bool | Structure | None, rng: np.random.Generator, sizes: dict[Dim, int],
         positive: bool, scale: Scale = UNIT) -> Any:
    """One variable's value at a random point (see sample)."""
    return draw_in("positive" if positive else "signed", shape, symmetric, rng, sizes, scale)


def draw_in(kind_: str, shape: Shape, symmetric: bool | Structure | None, rng: np.random.Generator,
            sizes: dict[Dim, int], scale: Scale = UNIT) -> Any:
    """One variable in a domain; symmetric: its structure (True: symmetric), drawn by its
    function in STRUCTURES where it has one and the variable is a square matrix."""
    r, c = (size_of(d, sizes) for d in shape)
    s = Structure.SYMMETRIC if symmetric is True else symmetric or None
    if s is not None and s in STRUCTURES and _square(shape, r, c):
        return STRUCTURES[s](r, kind_, rng, scale)
    return DOMAINS[kind_](shape, r, c, s is not None and s.self_transpose, rng, scale)


def _magnitudes(rng: np.random.Generator, shape: tuple[int, ...], scale: Scale, low: float = 0.1,
                high: float = 0.9) -> Any:
    base = rng.uniform(low, high, shape)
    if scale.spread:
        base = base * 10.0 ** rng.uniform(-3, 3, shape)
    return base * scale.size


def _square(shape: Shape, r: int, c: int) -> bool:
    return r == c and shape[0] == shape[1] and c > 1


@domain("positive")
def _positive(shape: Shape, r: int, c: int, symmetric: bool, rng: np.random.Generator, scale: Scale) -> Any:
    if shape == SCALAR:
        return float(_magnitudes(rng, (), scale, 0.2, 0.8))
    if _square(shape, r, c):
        a = rng.standard_normal((r, r)) / np.sqrt(r)
        return scale.size * (np.eye(r) + 0.3 * (a @ a.T if symmetric else a))
    return _magnitudes(rng, (r, c), scale)


@domain("signed")
def _signed(shape: Shape, r: int, c: int, symmetric: bool, rng: np.random.Generator, scale: Scale) -> Any:
    if shape == SCALAR:
        v = float(_magnitudes(rng, (), scale, 0.2, 0.8))
        return v if rng.random() < 0.5 else -v
    if _square(shape, r, c):
        if r > _DENSE_QR:
            return scale.size * _reflected(rng, r, symmetric)
        q, _ = np.linalg.qr(rng.standard_normal((r, r)))
        s = rng.uniform(0.5, 1.5, r) * rng.choice([-1.0, 1.0], r)
        if symmetric:
            return scale.size * (q @ np.diag(s) @ q.T)
        w, _ = np.linalg.qr(rng.standard_normal((r, r)))
        return scale.size * (q @ np.diag(s) @ w.T)
    entries = _magnitudes(rng, (r, c), scale)
    return entries * rng.choice([-1.0, 1.0], (r, c))


@domain("one-signed")
def _one_signed(shape: Shape, r: int, c: int, symmetric: bool, rng: np.random.Generator, scale: Scale) -> Any:
    sign = 1.0 if rng.random() < 0.5 else -1.0
    return sign * _positive(shape, r, c, symmetric, rng, scale)


@domain(ENTRIES)
def _entries(shape: Shape, r: int, c: int, symmetric: bool, rng: np.random.Generator, scale: Scale) -> Any:
    if shape == SCALAR:
        return float(_magnitudes(rng, (), scale, 0.2, 0.8))
    b = _magnitudes(rng, (r, c), scale)
    return (b + b.T) / 2 if symmetric and r == c else b


def _diagonal_of(r: int, kind_: str, rng: np.random.Generator) -> np.ndarray:
    """Magnitudes in (0.5, 1.5) (away from 0: the matrix is invertible), with the domain's signs."""
    d = rng.uniform(0.5, 1.5, r)
    if kind_ == "signed":
        return d * rng.choice([-1.0, 1.0], r)
    return -d if kind_ == "one-signed" and rng.random() < 0.5 else d


@structured(Structure.DIAGONAL)
def _diagonal(r: int, kind_: str, rng: np.random.Generator, scale: Scale) -> Any:
    return scale.size * np.diag(_diagonal_of(r, kind_, rng))


def _triangle(r: int, kind_: str, rng: np.random.Generator, scale: Scale) -> np.ndarray:
    """A diagonal as _diagonal's, entries of both signs beside it (condition number moderate)."""
    off = 0.3 * rng.standard_normal((r, r)) / np.sqrt(r)
    if kind_ == ENTRIES:
        off = np.abs(off)
    return scale.size * (np.diag(_diagonal_of(r, kind_, rng)) + off - np.diag(np.diag(off)))


@structured(Structure.LOWER)
def _lower(r: int, kind_: str, rng: np.random.Generator, scale: Scale) -> Any:
    return np.tril(_triangle(r, kind_, rng, scale))


@structured(Structure.UPPER)
def _upper(r: int, kind_: str, rng: np.random.Generator, scale: Scale) -> Any:
    return np.triu(_triangle(r, kind_, rng, scale))


@structured(Structure.SPD)
def _spd(r: int, kind_: str, rng: np.random.Generator, scale: Scale) -> Any:
    """Eigenvalues in (0.5, 1.5) in every domain (the declaration is the domain); with positive
    entries (--positive too), B B^T / r + I / 2 for B of positive entries."""
    if kind_ == ENTRIES:
        b = rng.uniform(0.1, 0.9, (r, r))
        return scale.size * (b @ b.T / r + 0.5 * np.eye(r))
    q = _orthogonal_matrix(rng, r)
    return scale.size * ((q * rng.uniform(0.5, 1.5, r)) @ q.T)


@structured(Structure.ORTHOGONAL)
def _orthogonal(r: int, kind_: str, rng: np.random.Generator, scale: Scale) -> Any:
    """Q of a Gaussian's QR (Haar distributed), never scaled; in the positive domain a
    rotation (det Q = 1), in the others either sign of the determinant."""
    q = _orthogonal_matrix(rng, r)
    if kind_ != "signed" and np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _orthogonal_matrix(rng: np.random.Generator, r: int) -> np.ndarray:
    if r > _DENSE_QR:  # a product of two reflections is orthogonal, in O(r^2)
        u, v = (w / np.linalg.norm(w) for w in (rng.standard_normal(r), rng.standard_normal(r)))
        h = np.eye(r) - 2 * np.outer(u, u)
        return h - 2 * np.outer(h @ v, v)
    q, t = np.linalg.qr(rng.standard_normal((r, r)))
    return q * np.sign(np.diag(t))  # signs fixed: Haar distributed (Mezzadri 2007)


_DENSE_QR = 100  # above this size a QR (cubic) costs seconds: reflections instead


def _reflected(rng: np.random.Generator, r: int, symmetric: bool) -> np.ndarray:
    """H1 diag(s) H2 with Householder reflections H = I - 2 u u^T: the same singular values
    |s| in (0.5, 1.5) (condition at most 3, either sign of the determinant) as the QR draw,
    in O(r^2); symmetric: H1 diag(s) H1."""
    s = rng.uniform(0.5, 1.5, r) * rng.choice([-1.0, 1.0], r)
    u, v = (w / np.linalg.norm(w) for w in (rng.standard_normal(r), rng.standard_normal(r)))
    if symmetric:
        v = u
    m = np.diag(s) - 2 * np.outer(u, s * u)  # H1 diag(s)
    return m - 2 * np.outer(m @ v, v)  # ... H2
