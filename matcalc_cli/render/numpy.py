"""NumPy code: one Python expression over `np` and the variables, evaluating to
exactly the derivative's shape (vectors are (n, 1) columns, scalars floats)."""

from __future__ import annotations

import keyword
import re

from matcalc_cli import kinds as K
from matcalc_cli.expr import SCALAR, Dim, Expr, Shape
from matcalc_cli.ops import OPS
from matcalc_cli.render import order
from matcalc_cli.render.printer import ATOM, NEG, PRODUCT, SUM, Printer


def scipy_modules(spelling: str) -> set[str]:
    """The scipy modules a spelling calls (scipy.linalg.expm, scipy.special.erf)."""
    return {m for m in ("linalg", "special") if f"scipy.{m}." in spelling}


def inline_scipy(spelling: str) -> str:
    """A spelling for the one line, whose only name in scope is np: scipy imported in place
    (the python format imports it at the top instead)."""
    for m in sorted(scipy_modules(spelling)):
        spelling = spelling.replace(f"scipy.{m}.", f"__import__('scipy.{m}').{m}.")
    return spelling


# An argument a spelling parenthesises itself, -({0}) or ({0}) ** 2 (not a call's f({0})).
_WRAPPED = re.compile(r"(?<![\w.)\]])\(\{(\d)\}\)")


def spell(template: str, args: list[str], atoms: list[bool]) -> str:
    """template over args, an argument the template parenthesises left bare where it is an
    atom already: -x and x ** 2, not -(x) and (x) ** 2; -(A @ x) as before."""
    bare = _WRAPPED.sub(lambda m: "{" + m.group(1) + "}" if atoms[int(m.group(1))] else m.group(0), template)
    return bare.format(*args)


def py_name(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name


def dim_sources(variables: dict[str, Shape]) -> dict[Dim, str]:
    """Where each dimension can be read at run time: n -> x.shape[0]."""
    out: dict[Dim, str] = {}
    for name, shape in variables.items():
        for axis, d in enumerate(shape):
            if isinstance(d, str) and d not in out:
                out[d] = f"{py_name(name)}.shape[{axis}]"
    return out


class ArrayPrinter(Printer):
    """What every array library spells alike (numpy here, torch and jax in the code formats):
    transposes, inverses and powers, under the library's own linalg namespace."""

    linalg = "np.linalg"
    times_numbers = " * "

    def op_T(self, e: Expr) -> tuple[str, int]:
        return self.transposed_text(*self.show(e.args[0])), ATOM

    def transposed_text(self, text: str, prec: int) -> str:
        """The transpose of a spelled array: an atom already transposed (b^T a^-1, solved from
        the right, is solve(...).T) drops its .T rather than gaining a second."""
        if prec >= ATOM and text.endswith(".T"):
            return text[:-2]
        return (text if prec >= ATOM else self.paren(text)) + ".T"

    def op_inv(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.op == K.T:
            return f"{self.linalg}.inv({self.render(a.args[0])}).T", ATOM
        return f"{self.linalg}.inv({self.render(a)})", ATOM

    def op_pow(self, e: Expr) -> tuple[str, int]:
        if e.is_scalar and e.number == 2 and e.args[0].op == K.NORM and e.args[0] not in getattr(self, "locals", {}):
            return self.squared_norm(self.render(e.args[0].args[0])), ATOM
        if e.is_scalar:
            return f"{self.at(e.args[0], ATOM)} ** {self.exponent(e.number)}", NEG
        return f"{self.linalg}.matrix_power({self.render(e.args[0])}, {e.number})", ATOM

    def squared_norm(self, a: str) -> str:
        """norm(a)^2 (Frobenius or 2-norm) as the sum of squares, not a square root squared:
        vdot flattens a matrix; a name is read twice, any other text computed once."""
        module = self.linalg.split(".")[0]
        return f"{module}.vdot({a}, {a})" if a.isidentifier() else f"{module}.sum({module}.square({a}))"

    def op_epow(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], ATOM)} ** {self.exponent(e.number)}", NEG

    def op_vec(self, e: Expr) -> tuple[str, int]:
        # vec stacks columns: the transpose's rows, row-major (vec(M^T) is M.reshape(-1, 1))
        return f"{self.transposed_text(*self.show(e.args[0]))}.reshape(-1, 1)", ATOM

    def op_normspec(self, e: Expr) -> tuple[str, int]:
        return f"{self.linalg}.norm({self.render(e.args[0])}, 2)", ATOM

    def op_vpow(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], ATOM)} ** {self.at(e.args[1], ATOM)}", NEG

    def op_unvec(self, e: Expr) -> tuple[str, int]:
        m, n = (self.dim(d) for d in e.dims)  # columns stacked: the row-major n-by-m, transposed
        return f"{self.at(e.args[0], ATOM)}.reshape({n}, {m}).T", ATOM


class NumpyPrinter(ArrayPrinter):
    had, hdiv = " * ", " / "

    def __init__(self, variables: dict[str, Shape]) -> None:
        self.dims = dim_sources(variables)

    def name(self, name: str) -> str:
        return py_name(name)

    def number(self, v):  # type: ignore[no-untyped-def]
        text, prec = super().number(v)
        return (f"({text})", ATOM) if "/" in text else (text, prec)

    def dim(self, d: object) -> str:
        if isinstance(d, int):
            return str(d)
        parts = [self.dims.get(p, p) for p in str(d).split("·")]
        return " * ".join(parts) if len(parts) == 1 else "(" + " * ".join(parts) + ")"

    def factor(self, f: Expr, alone: bool, bare: bool = True) -> str:
        return self.at(f, NEG)

    def op_mul(self, e: Expr) -> tuple[str, int]:
        # Scalars (floats or 1x1 arrays) scale with *, matrices chain with @.
        coef, num, den = self.split(e)
        scal = [self.at(f, NEG) for f in num if f.is_scalar]
        mats = [self.at(f, NEG) for f in num if not f.is_scalar]
        minus = coef == -1 and bool(num)
        lead = [] if coef == 1 and num or minus else [self.number(coef)[0]]
        text = " * ".join(lead + scal)
        if mats:
            chain = " @ ".join(mats)
            # Python scales the first factor of a @ chain: where the result is no larger, it is scaled instead.
            first = next(f for f in num if not f.is_scalar)
            if text and len(mats) > 1 and order.scale_result(e.shape, first.shape):
                chain = f"({chain})"
            text = (text + " * " if text else "") + chain
        for d in den:
            text += " / " + self.at(d, NEG)
        return ("-" + text, SUM) if minus else (text, PRODUCT)

    def exponent(self, k):  # type: ignore[no-untyped-def]
        text, prec = self.number(k)
        return text if prec >= ATOM else f"({text})"

    def function(self, name: str, args: list[str], e: Expr) -> str:
        # diag, kron, vec...: methods below
        return spell(inline_scipy(OPS[name].spelled("line")), args, [self.show(a)[1] >= ATOM for a in e.args])

    def op_diag(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        arg = self.render(a)
        return (f"np.diagflat({arg})" if a.shape[1] == 1 else f"np.diag({arg}).reshape(-1, 1)"), ATOM

    def op_softmax(self, e: Expr) -> tuple[str, int]:
        axis = 0 if e.args[0].shape[1] == 1 else 1  # a vector, or each row of a matrix
        keep = f"axis={axis}, keepdims=True"
        return (f"(lambda z: (lambda w: w / w.sum({keep}))(np.exp(z - z.max({keep}))))({self.render(e.args[0])})",
                ATOM)

    def op_logsumexp(self, e: Expr) -> tuple[str, int]:
        axis = 0 if e.args[0].shape[1] == 1 else 1
        keep = f"axis={axis}, keepdims=True"
        return (f"(lambda z: (lambda c: c + np.log(np.exp(z - c).sum({keep})))(z.max({keep})))"
                f"({self.render(e.args[0])})", ATOM)

    def op_size(self, e: Expr) -> tuple[str, int]:
        return self.dim(e.dim), ATOM

    def op_unvec(self, e: Expr) -> tuple[str, int]:
        m, n = (self.dim(d) for d in e.dims)
        return f"{self.at(e.args[0], ATOM)}.reshape(({m}, {n}), order='F')", ATOM

    def op_kron(self, e: Expr) -> tuple[str, int]:
        return f"np.kron({self.render(e.args[0])}, {self.render(e.args[1])})", ATOM

    def op_vec(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], ATOM)}.reshape(-1, 1, order='F')", ATOM

    def op_eye(self, e: Expr) -> tuple[str, int]:
        return f"np.eye({self.dim(e.shape[0])})", ATOM

    def filled(self, name: str, e: Expr) -> str:
        return f"np.{name}(({self.dim(e.shape[0])}, {self.dim(e.shape[1])}))"

    def op_commutation(self, e: Expr) -> tuple[str, int]:
        # K vec(A) = vec(A^T) for an m-by-n A: row j + i n picks column i + j m.
        m, n = (self.dim(d) for d in e.dims)
        r = f"np.arange({m} * {n})"
        return f"np.eye({m} * {n})[{r} // {n} + {r} % {n} * {m}]", ATOM


def free_dims(e: Expr, variables: dict[str, Shape]) -> list[str]:
    """The dimensions the line reads that no variable carries (the k of eye(k) / t): names
    the caller gives a value, as the code formats take them as keyword arguments."""
    from matcalc_cli import expr as E

    known = dim_sources(variables)
    out: dict[str, None] = {}
    for node in E.walk(e):
        dims = [*node.shape, *(node.dims if node.op in (K.UNVEC, K.COMMUTATION) else ()),
                *((node.dim,) if node.op == K.SIZE else ())]
        for d in dims:
            for part in str(d).split("·"):
                if not part.isdigit() and part not in known:
                    out[part] = None
    return list(out)


def render(e: Expr, variables: dict[str, Shape]) -> str:
    """e as one numpy expression (its stable form is the caller's: report.numpy_line)."""
    printer = NumpyPrinter(variables)
    if e.shape == SCALAR:
        return f"float(np.squeeze({printer.render(e)}))"
    if e.op == K.BCAST or e.op == K.CONST:  # a filled matrix needs its shape spelled out
        return f"{printer.render(e.args[0] if e.op == K.BCAST else e)} * np.ones(({printer.dim(e.shape[0])}, " \
               f"{printer.dim(e.shape[1])}))"
    return printer.render(e)
