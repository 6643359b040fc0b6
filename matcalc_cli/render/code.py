"""Code export's expression printer: CodePrinter, the walk shared by the python, torch and
jax printers (render/python.py, render/torch.py, render/jax.py), which keep the spellings;
render/function.py puts what it prints into a function.

What every backend's expressions get from here:
  * each shared subexpression of the tree (a DAG after differentiation) read from its local
    (naming.computed names them: h1 = tanh(W1 x), s = sigmoid(X theta), u for anything else);
  * products read as chains: X^-1 B is a solve, diag(v) M and M diag(v) are
    broadcast products (v .* M), never a dense diagonal matrix; an inverse that the
    result needs as a matrix anyway is computed once and multiplied;
  * products of one matrix with several vectors spelled as one product, and a product the
    function computes twice computed once (render/batched.py);
  * dimensions by the names the function binds them to.
"""

from __future__ import annotations

from matcalc_cli import expr as E
from matcalc_cli import kinds as K
from matcalc_cli.expr import Dim, Expr
from matcalc_cli.naming import is_dense_diag
from matcalc_cli.ops.symmetry import is_symmetric, transposed
from matcalc_cli.render import batched, order
from matcalc_cli.render.printer import ATOM, NEG, PRODUCT, SUM, Printer, negate, negative_coefficient, spread_sum
from matcalc_cli.structure import Structure


def _kind(f: Expr, solvable: bool) -> str:
    return "diag" if is_dense_diag(f) else "solve" if solvable else "plain"


class CodePrinter(Printer):
    """The walk of a code backend: locals, chains, names and dimensions; a backend
    subclass supplies the module spellings (solve, inverse, diag, eye, functions)."""

    had, hdiv = " * ", " / "
    times_numbers = " * "
    module = "np"  # the names the backend's imports bind (reserved for them)
    batches: frozenset[str] = frozenset()  # the products of one matrix the backend batches (render/batched.py)
    linalg = "np.linalg"  # the backend's linear algebra namespace (multi_dot)
    reserved: tuple[str, ...] = ("np",)

    def __init__(self, names: dict[str, str], dims: dict[Dim, str], explicit: frozenset[Expr],
                 local_names: dict[Expr, str]):
        # explicit: the inverses computed as matrices (naming.explicit); the others are solves
        self.names, self.dims, self.explicit, self.locals = names, dims, explicit, local_names
        self.ref = ""
        # a variable's factors (a --spd one's Cholesky factor, LU factors of one solved with
        # more than once): their local name, and whether a solve used them
        self.factors: dict[str, str] = {}
        self.factored: dict[str, None] = {}
        self.shared_lu: frozenset[str] = frozenset()  # the variables whose solves share LU factors
        self.recorder: batched.Recorder | None = None  # set for the dry run that plans the batches
        self.batched: dict[batched.Key, str] = {}  # a batched product -> its column of the batch
        self.batch_names: dict[batched.Batch, str] = {}
        # the products some line computes (the first dry run's): a chain reads them at no cost
        self.available: frozenset[batched.Key] = frozenset()
        self.defining: Expr | None = None  # the local whose line is being printed (its product is its own)

    def batch(self, b: batched.Batch) -> str:
        """The products of b's matrix with its vectors in one array, as its columns (M [a, b])
        or its rows ([a^T; b^T] M, for M^T a and M^T b): one product, or where the matrix's
        size is known only at the call, that product if the matrix is large and the
        separate ones if not."""
        if len(b.keys) == 1:  # one product the function computes more than once
            right = list(b.keys[0][1])
            return self.matmul([b.matrix], right, self.at(b.matrix, NEG), self.chain(right))[0]
        module = self.linalg.split(".")[0]
        vectors = [self.chain(list(right)) for _, right in b.keys]
        if batched.orientation(b.matrix) == batched.ROWS:
            m = self.at(b.matrix.args[0], NEG)
            rows = [self.wrap(v, ATOM) + ".T" for v in vectors]
            together, apart = f"{module}.vstack([{', '.join(rows)}]) @ {m}", [f"{r} @ {m}" for r in rows]
            stack = "vstack"
        else:
            m = self.at(b.matrix, NEG)
            together = f"{m} @ {module}.hstack([{', '.join(v[0] for v in vectors)}])"
            apart, stack = [f"{m} @ {self.wrap(v, NEG)}" for v in vectors], "hstack"
        if batched.large(b.matrix.shape) is True:
            return together
        entries = " * ".join(self.dim(d) for d in b.matrix.shape)
        return f"{together} if {entries} >= {batched.LARGE} else {module}.{stack}([{', '.join(apart)}])"

    def cholesky_factor(self, a: Expr) -> str:
        """The local name of a --spd variable's factor, computed once for every solve with it."""
        self.factored[a.name] = None
        return self.factors[a.name]

    def cholesky(self, a: str) -> str:
        """The backend's Cholesky factorisation of the array named a (for its solves)."""
        raise NotImplementedError

    def lu_factors(self, a: Expr) -> tuple[str, bool] | None:
        """(the local name of the LU factors, whether a is transposed) where a is a variable in
        self.shared_lu or its transpose: one factorisation serves X^-1 b and X^-T b alike."""
        x, transposed = (a.args[0], True) if a.op == K.T else (a, False)
        if x.op != K.VAR or x.name not in self.shared_lu:
            return None
        self.factored[x.name] = None
        return self.factors[x.name], transposed

    def lu_factorisation(self, a: str) -> str:
        """The backend's LU factorisation of the array named a (for its solves)."""
        raise NotImplementedError

    # ---------------------------------------------------------- the walk
    def show(self, e: Expr) -> tuple[str, int]:
        name = self.locals.get(e)
        if name is not None and self.recorder is not None:
            self.recorder.local(e)
        return (name, ATOM) if name is not None else self.body(e)

    def body(self, e: Expr) -> tuple[str, int]:
        method = getattr(self, "op_" + e.op, None)
        if method is not None:
            return method(e)  # type: ignore[no-any-return]
        return self.function(e.op, [self.render(a) for a in e.args], e), ATOM

    def name(self, name: str) -> str:
        return self.names[name]

    def number(self, v):  # type: ignore[no-untyped-def]
        text, prec = super().number(v)
        return (f"({text})", ATOM) if "/" in text else (text, prec)

    def exponent(self, k):  # type: ignore[no-untyped-def]
        text, prec = self.number(k)
        return text if prec >= ATOM else f"({text})"

    def dim(self, d: object) -> str:
        if isinstance(d, int):
            return str(d)
        parts = [self.dims.get(p, p) for p in str(d).split("·")]
        return parts[0] if len(parts) == 1 else "(" + " * ".join(parts) + ")"

    def op_size(self, e: Expr) -> tuple[str, int]:
        text = self.dim(e.dim)
        return text, ATOM

    @staticmethod
    def axis(e: Expr) -> int:
        """The axis softmax and logsumexp act along: 0 for a column vector, else each row."""
        a = e.args[0].shape
        return 0 if a[1] == 1 and a[0] != 1 else 1

    def wrap(self, out: tuple[str, int], prec: int) -> str:
        return out[0] if out[1] >= prec else f"({out[0]})"

    # ---------------------------------------------------------- broadcasting
    def op_bcast(self, e: Expr) -> tuple[str, int]:
        # Spelled whole: a scalar filled into a shape is that shape wherever it stands alone.
        r, c = (self.dim(d) for d in e.shape)
        return f"{self.at(e.args[0], NEG)} * {self.filled_call(K.ONES, r, c)}", PRODUCT

    def operand(self, e: Expr, others: tuple[Expr, ...], prec: int) -> str:
        """An operand of an elementwise operator: a broadcast scalar beside an array of its
        shape is just the scalar (numpy-style broadcasting fills it in)."""
        if e.op == K.BCAST and any(o.shape == e.shape and o.op != K.BCAST for o in others):
            return self.at(e.args[0], prec)
        return self.at(e, prec)

    def op_add(self, e: Expr) -> tuple[str, int]:
        if spread_sum(e) is not None:
            return self.show(spread_sum(e))  # type: ignore[arg-type]
        parts = [self.operand(e.args[0], e.args, SUM)]
        for t in e.args[1:]:
            if negative_coefficient(t) and t not in self.locals:
                parts.append(" - " + self.operand(negate(t), e.args, PRODUCT))
            else:
                parts.append(" + " + self.operand(t, e.args, PRODUCT))
        return "".join(parts), SUM

    def op_had(self, e: Expr) -> tuple[str, int]:
        return " * ".join(self.operand(a, e.args, NEG) for a in e.args), PRODUCT

    def op_hdiv(self, e: Expr) -> tuple[str, int]:
        a, b = e.args
        return f"{self.operand(a, e.args, NEG)} / {self.operand(b, e.args, NEG)}", PRODUCT

    # ---------------------------------------------------------- products
    def op_mul(self, e: Expr) -> tuple[str, int]:
        # Scalars (numbers or 1x1 arrays) scale with *, matrices chain with @; a scalar to a
        # negative power divides.
        args = list(e.args)
        coef = args.pop(0).number if args and args[0].op == K.CONST else 1
        parts: list[tuple[str, int]] = [] if abs(coef) == 1 and args else [self.number(abs(coef))]
        divisors: list[str] = []
        for f in args:
            if not f.is_scalar:
                continue
            if f.op == K.POW and f.number < 0 and f not in self.locals:
                k, base = -f.number, self.at(f.args[0], ATOM)
                divisors.append(base if k == 1 else f"{base} ** {self.exponent(k)}")
            else:
                parts.append(self.show(f))
        mats = [f for f in args if not f.is_scalar]
        if mats:
            text, prec = self.chain(mats)
            # Python scales the first factor of a @ chain (2 * A @ v is (2 * A) @ v): where
            # the chain's result is no larger (sizes alike, as with named ones), it is scaled instead.
            scaled = parts or divisors or coef < 0
            if scaled and prec < ATOM and order.scale_result(e.shape, mats[0].shape):
                text, prec = f"({text})", ATOM
            parts.append((text, prec))
        if not parts:
            parts.append(("1", ATOM))
        if len(parts) == 1 and not divisors:
            text, prec = parts[0]
        else:
            text, prec = " * ".join(self.wrap(p, PRODUCT) for p in parts) + "".join(f" / {d}" for d in divisors), \
                PRODUCT
        if coef < 0:
            return "-" + self.wrap((text, prec), PRODUCT), NEG
        return text, prec

    def solvable(self, f: Expr) -> bool:
        return f.op == K.INV and not f.is_scalar and f not in self.explicit

    def chain(self, fs: list[Expr]) -> tuple[str, int]:
        """A product of matrices, with solves for inverses and broadcasts for diagonals,
        associated by cost (order.py); a plain chain whose best order depends on sizes
        only the call knows is the library's multi_dot, which chooses at run time."""
        if len(fs) == 1:
            return self.show(fs[0])
        kinds = [_kind(f, self.solvable(f)) for f in fs]
        k = order.split(kinds, [f.shape for f in fs], self.computed_spans(fs, kinds))
        if k is None:
            return f"{self.linalg}.multi_dot([{', '.join(self.render(f) for f in fs)}])", ATOM
        left, right = fs[:k], fs[k:]
        key, row = self.key(left, right, kinds)
        if key is not None and key in self.batched and (self.defining is None
                                                        or self.batched[key] != self.locals.get(self.defining)):
            ref = self.batched[key]
            return (ref if not row else ref[:-2] if ref.endswith(".T") else ref + ".T"), ATOM
        if key is not None and self.recorder is not None:
            self.recorder.enter()
            text, prec = self.split_product(left, right)
            self.recorder.leave(key)
            return self.recorder.mark(key, text), prec
        return self.split_product(left, right)

    def split_product(self, left: list[Expr], right: list[Expr]) -> tuple[str, int]:
        """The product of two sub-chains: a diagonal broadcast, an inverse solved."""
        if len(left) == 1 and is_dense_diag(left[0]):
            return f"{self.at(left[0].args[0], NEG)} * {self.wrap(self.chain(right), NEG)}", PRODUCT
        if len(left) == 1 and self.solvable(left[0]):
            return self.solve(left[0].args[0], self.chain(right)[0]), ATOM
        if len(right) == 1 and is_dense_diag(right[0]):
            return f"{self.wrap(self.chain(left), NEG)} * {self.at(right[0].args[0], ATOM)}.T", PRODUCT
        if len(right) == 1 and self.solvable(right[0]):
            return self.solve_right(left, right[0].args[0]), ATOM
        lhs = self.wrap(self.chain(left), PRODUCT) if len(left) > 1 else self.at(left[0], NEG)
        return self.matmul(left, right, lhs, self.chain(right))

    def key(self, left: list[Expr], right: list[Expr], kinds: list[str]) -> tuple[batched.Key | None, bool]:
        """The product left right as render/batched.py's key, and whether it is a row: a
        matrix times a column as it stands, a row times a matrix (r^T M) as the column it
        transposes (M^T r, and M r for a symmetric M: one product with M r where both occur)."""
        key = batched.candidate(left, right, kinds)
        if key is not None or len(right) != 1 or kinds[-1] != "plain" or left[0].shape[0] != 1:
            return key, False
        m = right[0]
        matrix = m if is_symmetric(m) else E.T(m)
        # a local stays a name (u^T, never the transpose taken into its definition)
        vector = [E.Expr(K.T, (f,), (f.shape[1], f.shape[0])) if f in self.locals else transposed(f)
                  for f in reversed(left)]
        key = batched.candidate([matrix], vector, ["plain", *(_kind(f, self.solvable(f)) for f in vector)])
        return key, key is not None

    def computed_spans(self, fs: list[Expr], kinds: list[str]) -> frozenset[tuple[int, int, int]]:
        """The sub-chains fs[i:j] that some line computes anyway (a matrix times a column, or
        a row times a matrix), each with where it splits: the chain is associated to read
        them (s^T B v as s^T (B v) where B v is computed)."""
        if len(fs) < 3 or not self.available:
            return frozenset()
        out = set()
        for i in range(len(fs) - 1):
            for j in range(i + 2, len(fs) + 1):
                for k in (1, j - i - 1):
                    if self.key(fs[i:i + k], fs[i + k:j], kinds[i:j])[0] in self.available:
                        out.add((i, j, k))
        return frozenset(out)

    def matmul(self, left: list[Expr], right: list[Expr], lhs: str, rhs: tuple[str, int]) -> tuple[str, int]:
        """The product of two spelled sub-chains (a backend may spell some better)."""
        return f"{lhs} @ {self.wrap(rhs, NEG)}", PRODUCT

    def solve(self, a: Expr, b: str) -> str:
        """a^-1 b, b already spelled."""
        raise NotImplementedError

    def solve_right(self, left: list[Expr], a: Expr) -> str:
        """b a^-1 for b the product of left, as (a^-T b^T)^T where the library solves from
        the left only; b^T spelled from its factors, so that x^T a^-1 solves for x, not x.T.T,
        and a^T as E.T spells it (a symmetric S for S^T)."""
        bt = [E.Expr(K.T, (f,), (f.shape[1], f.shape[0])) if f in self.locals else _transposed(f)
              for f in reversed(left)]
        return f"{self.solve(E.T(a), self.chain(bt)[0])}.T"

    @staticmethod
    def positive_definite(a: Expr) -> bool:
        """a is a variable declared --spd: its solves are Cholesky solves (half an LU's work)."""
        return a.op == K.VAR and a.info.structure is Structure.SPD

    def filled_call(self, name: str, r: str, c: str) -> str:
        raise NotImplementedError

    def filled(self, name: str, e: Expr) -> str:
        return self.filled_call(name, self.dim(e.shape[0]), self.dim(e.shape[1]))

    # ---------------------------------------------------------- the function around it
    def convert(self, arg: str) -> str:
        """arg as the backend's array (any array-like or number accepted)."""
        raise NotImplementedError

    def size(self, arg: str) -> str:
        return f"{arg}.size"

    def scalar_result(self, text: str) -> str:
        raise NotImplementedError

    def imports(self) -> list[str]:
        raise NotImplementedError


def _transposed(f: Expr) -> Expr:
    """f^T, an inverse's taken inside ((X^-T)^T is X^-1, solved for, not inv(X).T.T)."""
    return E.inv(E.T(f.args[0])) if f.op == K.INV else E.T(f)
