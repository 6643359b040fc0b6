"""Products of one matrix with several vectors, computed as one product (generated code).

A matrix-vector product is bound by reading the matrix from memory: W1 x and W1 v, where
neither needs the other, cost two reads of W1 as two products and one as W1 [x, v]
(measured on one thread at n = 4,000: 14 ms against 27 ms under XLA, 32 against 42 ms in
torch). The two-layer network's Hessian-vector product reads W1 and W2 seven times as
autodiff computes it; batched, five times. A backend says which of the two forms its library
runs faster than separate products (CodePrinter.batches): columns, M [a, b] for M a and
M b; rows, [a^T; b^T] M for M^T a and M^T b (read as rows of M, never a copy of M^T).

The same reading says a product is computed once: one the function would compute twice
(B x in t B x and in B x itself; U x and x^T U = (U x)^T for a symmetric U, as
CodePrinter.key keys a row times a matrix) is a line of its own, or read from the local that
holds it (u = W x), and a chain that contains a product the function computes anyway is
associated to read it (s^T B v as s^T (B v), render/order.py), never multi_dot reading B again.

The plan comes from a dry run of the printer (Recorder): for each line of the function,
the locals it reads and the products it computes, and for each product what its vector
reads and how many times the lines spell it. Two products of one matrix are batched when
neither is reachable from the other's vector (through the locals it reads), and the lines
are put in an order where every batch comes after what its vectors read and before its
first reader; a batch that would make that impossible is not made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr

# A product as the printer computes it: the matrix factor, and the factors of the vector
# it multiplies (a sub-chain of a product, which the tree holds as one node).
Key = tuple[Expr, tuple[Expr, ...]]
COLUMNS, ROWS = "columns", "rows"


# Batched only where the matrix has this many entries (4 MB of float64, past a core's cache):
# below, where it is read from cache, separate products ran faster (on one thread, two
# columns against two products: XLA 0.52x at n = 300, 0.70x at 500, 1.15x at 700, 1.19x at
# 1,000; torch 0.68x at 300, 1.12x at 500). A named size is compared at the call.
LARGE = 2**19


def large(shape: tuple[object, ...]) -> bool | None:
    """Whether a matrix of this shape has LARGE entries or more; None where a size is named."""
    sizes = [d for d in shape if isinstance(d, int)]
    return math.prod(sizes) >= LARGE if len(sizes) == len(shape) else None


def orientation(matrix: Expr) -> str:
    """rows for M^T a (read as a^T M), columns for M a."""
    return ROWS if matrix.op == K.T else COLUMNS


def candidate(left: list[Expr], right: list[Expr], kinds: list[str]) -> Key | None:
    """The product left right as a key, where it is a plain matrix (no solve, no diagonal)
    times a column; else None."""
    if len(left) != 1 or kinds[0] != "plain" or 1 in left[0].shape or right[-1].shape[1] != 1:
        return None
    return left[0], tuple(right)


@dataclass
class Frame:
    """What a stretch of printing read: locals, and the products it computed (in order)."""

    locals: set[Expr] = field(default_factory=set)
    products: list[Key] = field(default_factory=list)


class Recorder:
    """The printer's dry run: CodePrinter calls local() where it spells a local's name, and
    enter()/leave() around a candidate product's matrix and vector."""

    def __init__(self) -> None:
        self.stack: list[Frame] = [Frame()]
        self.operands: dict[Key, Frame] = {}
        self.marks: dict[Key, str] = {}

    def line(self) -> Frame:
        """A new line: the frame it records into."""
        self.stack = [Frame()]
        return self.stack[0]

    def local(self, node: Expr) -> None:
        self.stack[-1].locals.add(node)

    def enter(self) -> None:
        self.stack.append(Frame())

    def leave(self, key: Key) -> None:
        inner = self.stack.pop()
        self.operands.setdefault(key, inner)
        outer = self.stack[-1]
        outer.locals |= inner.locals
        outer.products += [*inner.products, key]

    def mark(self, key: Key, text: str) -> str:
        """text, the product key spelled, marked so that uses can count it in the lines printed
        (a printer may spell a product and throw the spelling away)."""
        return self.marks.setdefault(key, f"\0{len(self.marks)}\0") + text

    def uses(self, texts: list[str]) -> dict[Key, int]:
        """How many times the lines printed (texts) compute each product."""
        return {key: sum(t.count(m) for t in texts) for key, m in self.marks.items()}


@dataclass(frozen=True)
class Batch:
    """Products of one matrix computed on a line of their own: several, as one product; or
    one that the function computes more than once, computed once."""

    matrix: Expr  # the factor every product shares (M, or M^T for rows)
    keys: tuple[Key, ...]


Line = int | Batch  # a line of the function: a local (its index; the last is the return) or a batch


def _reach(frame: Frame, lines: dict[Expr, Frame]) -> set[object]:
    """The locals and products a frame needs, through the locals' own lines."""
    seen: set[object] = set()
    todo = [frame]
    while todo:
        f = todo.pop()
        seen.update(f.products)
        for node in f.locals - seen:
            seen.add(node)
            todo.append(lines[node])
    return seen


def _sorted(items: list[Line], deps: dict[Line, set[Line]], rank: dict[Line, float]) -> list[Line] | None:
    """items in an order where each comes after its deps, otherwise by rank; None on a cycle."""
    out: list[Line] = []
    done: set[Line] = set()
    waiting = sorted(items, key=lambda i: rank[i])
    while waiting:
        ready = next((i for i in waiting if deps[i] <= done), None)
        if ready is None:
            return None
        waiting.remove(ready)
        out.append(ready)
        done.add(ready)
    return out


def owner(key: Key, locals_: Iterable[Expr]) -> Expr | None:
    """The local whose value is the product key (W x where u = W x), if one is."""
    product = E.mul(key[0], *key[1])
    return next((n for n in locals_ if n == product), None)


def plan(nodes: list[Expr | None], frames: list[Frame], operands: dict[Key, Frame],
         allowed: frozenset[str] = frozenset({COLUMNS, ROWS}), uses: dict[Key, int] | None = None) -> list[Line]:
    """The function's lines in order: an int is the line of nodes (a local's node; None for
    the return), a Batch a product of one matrix with several vectors (in an orientation
    allowed), or one product computed more than once (uses) that no local holds (owner)."""
    lines = {n: f for n, f in zip(nodes, frames, strict=True) if n is not None}
    where = {n: i for i, n in enumerate(nodes) if n is not None}
    reach = {k: _reach(f, lines) for k, f in operands.items()}
    groups: dict[Expr, list[list[Key]]] = {}
    for frame in frames:
        for key in frame.products:
            batches = groups.setdefault(key[0], [])
            if any(key in b for b in batches):
                continue
            free = next((b for b in batches if all(key not in reach[o] and o not in reach[key] for o in b)), None)
            if free is None or orientation(key[0]) not in allowed or large(key[0].shape) is False:
                batches.append([key])
            else:
                free.append(key)
    chosen: list[Batch] = []
    order: list[Line] = _order(nodes, frames, operands, where, []) or list(range(len(nodes)))
    for matrix, batches in groups.items():
        for members in batches:
            if len(members) < 2 and ((uses or {}).get(members[0], 0) < 2 or owner(members[0], where)):
                continue
            trial = _order(nodes, frames, operands, where, [*chosen, Batch(matrix, tuple(members))])
            if trial is not None:
                chosen.append(Batch(matrix, tuple(members)))
                order = trial
    return order


def _order(nodes: list[Expr | None], frames: list[Frame], operands: dict[Key, Frame], where: dict[Expr, int],
           batches: list[Batch]) -> list[Line] | None:
    of: dict[Key, Line] = {k: b for b in batches for k in b.keys}
    for key in operands:  # a product a local holds is read from it
        held = owner(key, where)
        if held is not None and key not in of:
            of[key] = where[held]

    def needs(frame: Frame) -> set[Line]:
        return {where[n] for n in frame.locals} | {of[k] for k in frame.products if k in of}

    deps: dict[Line, set[Line]] = {i: needs(f) - {i} for i, f in enumerate(frames)}
    rank: dict[Line, float] = {i: float(i) for i in range(len(frames))}
    for b in batches:
        deps[b] = set().union(*(needs(operands[k]) for k in b.keys)) - {b}
        readers = [i for i, f in enumerate(frames) if b in deps[i]]
        rank[b] = min(readers, default=len(frames)) - 0.5
    return _sorted([*range(len(frames)), *batches], deps, rank)
