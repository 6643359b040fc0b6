"""What a node carries besides its op, arguments and shape (expr.Expr.param): one small frozen
variant per kind, read through the node's typed accessors.

  VarInfo      var, dvar: the variable's name and matrix structure (e.info, e.name)
  NumberParam  const: its value; pow, epow: the exponent (e.number)
  DimsParam    commutation: K with K vec(A) = vec(A^T) for an m-by-n A; unvec: its m-by-n
               result (e.dims)
  DimParam     size: the dimension it counts (e.dim)
  None         every other node: its op, arguments and shape say everything

A variant is part of the node's hash-consing key, so equal variants are the same node: a
number as written (0.3) keeps its text in NumberParam, and is a node apart from 3/10.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from matcalc_cli.structure import Structure
from matcalc_cli.written import Written

Dim = int | str
Number = Fraction | float


@dataclass(frozen=True)
class VarInfo:
    """A variable (and its differential dX): its name and its matrix structure (--symmetric,
    --diagonal, ...)."""

    name: str
    structure: Structure | None = None

    @property
    def symmetric(self) -> bool:
        return self.structure is not None and self.structure.self_transpose

    @property
    def orthogonal(self) -> bool:
        return self.structure is Structure.ORTHOGONAL


@dataclass(frozen=True)
class NumberParam:
    """A constant's value or a power's exponent. written: the text of a number as the input
    wrote it (0.3), None for one computed; it takes part in equality, so that whether a node
    prints 0.3 or 3/10 never depends on which other nodes are alive."""

    value: Number
    written: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "written", self.value.text if isinstance(self.value, Written) else None)


@dataclass(frozen=True)
class DimsParam:
    """Two dimensions (m, n): a commutation matrix's (K vec(A) = vec(A^T) for an m-by-n A)
    and unvec's m-by-n result."""

    m: Dim
    n: Dim


@dataclass(frozen=True)
class DimParam:
    """The dimension that size(n) counts."""

    dim: Dim


Param = VarInfo | NumberParam | DimsParam | DimParam | None
