"""Structured variables: what --symmetric, --diagonal, --lower, --upper, --spd, --orthogonal
and --positive declare, one typed declaration per name.

A matrix structure (every one but POSITIVE) narrows a square matrix to a subset of the
matrices: the derivative by it is the gradient within that subset (derive/present.py), its
points are drawn from it (drawing.py). POSITIVE narrows the domain only (every entry > 0).
Below expr.py: the typed tree's variables carry their structure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum


class Structure(Enum):
    SYMMETRIC = "symmetric"
    DIAGONAL = "diagonal"
    LOWER = "lower"
    UPPER = "upper"
    SPD = "spd"
    ORTHOGONAL = "orthogonal"
    POSITIVE = "positive"

    @property
    def option(self) -> str:
        return "--" + self.value

    @property
    def square(self) -> bool:
        """Only a square matrix can have it."""
        return self is not Structure.POSITIVE

    @property
    def self_transpose(self) -> bool:
        """X^T = X."""
        return self in (Structure.SYMMETRIC, Structure.SPD, Structure.DIAGONAL)

    @property
    def words(self) -> str:
        """How the shapes line and the layout line call it."""
        return _WORDS[self]


_WORDS = {
    Structure.SYMMETRIC: "symmetric", Structure.DIAGONAL: "diagonal", Structure.LOWER: "lower triangular",
    Structure.UPPER: "upper triangular", Structure.SPD: "symmetric positive definite",
    Structure.ORTHOGONAL: "orthogonal", Structure.POSITIVE: "positive entries",
}

# A declaration that another one implies: the stronger one is kept, the weaker is redundant.
_IMPLIES = {
    Structure.SPD: {Structure.SYMMETRIC},
    Structure.DIAGONAL: {Structure.SYMMETRIC, Structure.LOWER, Structure.UPPER},
}
# POSITIVE (every entry > 0) goes with SYMMETRIC and SPD only: the others have zero entries,
# or (orthogonal, n > 1) entries of both signs in every pair of columns.
_WITH_POSITIVE = {Structure.SYMMETRIC, Structure.SPD}


class ClaimConvention(Enum):
    """Conventions a claim about the derivative by a structured matrix may follow, which check
    recognises (not the result's own conventions: derive.Convention)."""

    MATRIX_COOKBOOK_SYMMETRIC = "matrix-cookbook-symmetric"  # 2 G - G .* I (The Matrix Cookbook, section 2.8.2)


@dataclass(frozen=True)
class Structures(Mapping[str, Structure]):
    """The declared structures, name -> its matrix structure (positive kept apart, since it
    goes with symmetric and spd). Frozen and hashable; built by declare()."""

    matrix: tuple[tuple[str, Structure], ...] = ()  # sorted by name
    positive: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> Structure:
        for n, s in self.matrix:
            if n == name:
                return s
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(n for n, _ in self.matrix)

    def __len__(self) -> int:
        return len(self.matrix)

    def __bool__(self) -> bool:
        return bool(self.matrix or self.positive)

    def of(self, name: str) -> Structure | None:
        return self.get(name)

    @property
    def symmetric(self) -> frozenset[str]:
        """The names with X^T = X."""
        return frozenset(n for n, s in self.matrix if s.self_transpose)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self) | self.positive

    def pairs(self) -> Iterator[tuple[str, Structure]]:
        """Every declaration, as declare() takes them."""
        yield from self.matrix
        yield from ((n, Structure.POSITIVE) for n in sorted(self.positive))

    def options(self, name: str) -> list[str]:
        """The options that declare name, as written on the command line."""
        return [s.option for s in self._all(name)]

    def describe(self, name: str) -> str:
        """', diagonal', ', symmetric positive definite, positive entries' or ''."""
        return "".join(f", {s.words}" for s in self._all(name))

    def _all(self, name: str) -> list[Structure]:
        s = self.of(name)
        return ([] if s is None else [s]) + [Structure.POSITIVE] * (name in self.positive)

    def restricted(self, names: Collection[str]) -> Structures:
        return Structures(tuple((n, s) for n, s in self.matrix if n in names), self.positive & frozenset(names))

    def to_json(self) -> dict[str, list[str]]:
        return {n: [s.value for s in self._all(n)] for n in sorted(self.names)}


def declare(pairs: Iterable[tuple[str, Structure]]) -> Structures:
    """The declarations as one value; two that cannot hold together are an error (exit 2)."""
    from matcalc_cli.errors import MatcalcError

    by_name: dict[str, set[Structure]] = {}
    for name, s in pairs:
        by_name.setdefault(name, set()).add(s)
    matrix, positive = [], set()
    for name, given in sorted(by_name.items()):
        if Structure.POSITIVE in given:
            positive.add(name)
        kinds = given - {Structure.POSITIVE}
        kinds -= {weaker for s in kinds for weaker in _IMPLIES.get(s, set()) if weaker in kinds and s != weaker}
        if {Structure.LOWER, Structure.UPPER} <= kinds:
            raise MatcalcError("option", f"--lower {name} and --upper {name}: a matrix both lower and upper "
                               f"triangular is diagonal; declare --diagonal {name}")
        if len(kinds) > 1:
            a, b = sorted(kinds, key=lambda s: s.value)[:2]
            raise MatcalcError("option", f"{a.option} {name} and {b.option} {name}: a matrix cannot be both "
                               f"{a.words} and {b.words}; declare one")
        if kinds and name in positive and not kinds <= _WITH_POSITIVE:
            (s,) = kinds
            why = "has entries of both signs" if s is Structure.ORTHOGONAL else "has zero entries"
            raise MatcalcError("option", f"{s.option} {name} and --positive {name}: {_a(s.words)} matrix {why}, "
                               "so not every entry is positive; declare one")
        matrix += [(name, s) for s in kinds]
    return Structures(tuple(matrix), frozenset(positive))


def _a(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def as_structures(given: Structures | Collection[str] | None) -> Structures:
    """A Structures, or the names of symmetric matrices as callers wrote them before there were others."""
    if isinstance(given, Structures):
        return given
    return declare((n, Structure.SYMMETRIC) for n in given or ())


NONE = Structures()
