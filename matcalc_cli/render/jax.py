"""--format jax: the derivative as a JAX function (render/function.py builds the function).

The shape checks read only static shapes, so the function can be jax.jit-compiled.
"""

from __future__ import annotations

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.naming import Computed
from matcalc_cli.ops import OPS
from matcalc_cli.render import batched
from matcalc_cli.render.code import CodePrinter
from matcalc_cli.render.function import Signature, function
from matcalc_cli.render.numpy import ArrayPrinter
from matcalc_cli.render.printer import ATOM, NEG, PRODUCT


class JaxPrinter(CodePrinter, ArrayPrinter):
    linalg = "jnp.linalg"
    reserved = ("jax", "jnp")
    # both forms run on XLA:CPU's fast matmul: M [a, b] 1.9 times, [a^T; b^T] M 1.35 times as fast
    # as two products at n = 4,000
    batches = frozenset({batched.COLUMNS, batched.ROWS})

    def function(self, name: str, args: list[str], e: Expr) -> str:
        return OPS[name].spelled("jax").format(*args)

    def cholesky(self, a: str) -> str:
        return f"jax.scipy.linalg.cho_factor({a})"

    def lu_factorisation(self, a: str) -> str:
        return f"jax.scipy.linalg.lu_factor({a})"

    def solve(self, a: Expr, b: str) -> str:
        if self.positive_definite(a):
            return f"jax.scipy.linalg.cho_solve({self.cholesky_factor(a)}, {b})"
        lu = self.lu_factors(a)
        if lu is not None:
            return f"jax.scipy.linalg.lu_solve({lu[0]}, {b}{', trans=1' if lu[1] else ''})"
        return f"jnp.linalg.solve({self.render(a)}, {b})"


    def matmul(self, left: list[Expr], right: list[Expr], lhs: str, rhs: tuple[str, int]) -> tuple[str, int]:
        # XLA on a CPU copies A for A.T @ v and for r @ A.T (ten times the time of A @ v at
        # n = 4,000); (v.T @ A).T and (A @ r.T).T are the same products without the copy.
        if len(left) == 1 and left[0].op == K.T and right[-1].shape[1] == 1 and left[0].shape[0] != 1:
            return f"({self.transposed_text(*rhs)} @ {self.at(left[0].args[0], NEG)}).T", ATOM
        if len(right) == 1 and right[0].op == K.T and left[0].shape[0] == 1 and right[0].shape[1] != 1:
            row = self.transposed_text(*self.show(left[0])) if len(left) == 1 else self.transposed_text(lhs, PRODUCT)
            return f"({self.at(right[0].args[0], NEG)} @ {row}).T", ATOM
        # A.T @ B for matrices: XLA folds the transpose into the dot, and a dot contracting
        # its left operand's first axis misses XLA:CPU's fast matmul (2 to 3 times the time of
        # A @ B at n = 100 to 2,000; X^T diag(s) X is the logistic Hessian). The barrier keeps
        # A.T a copy, O(n^2) against the product's O(n^3).
        if len(left) == 1 and left[0].op == K.T and 1 not in left[0].shape and right[-1].shape[1] != 1:
            return f"jax.lax.optimization_barrier({lhs}) @ {self.wrap(rhs, NEG)}", PRODUCT
        return super().matmul(left, right, lhs, rhs)

    def op_diag(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.shape[1] == 1:
            return f"jnp.diagflat({self.render(a)})", ATOM
        return f"jnp.diag({self.render(a)}).reshape(-1, 1)", ATOM

    def op_softmax(self, e: Expr) -> tuple[str, int]:
        return f"jax.nn.softmax({self.render(e.args[0])}, axis={self.axis(e)})", ATOM

    def op_logsumexp(self, e: Expr) -> tuple[str, int]:
        return f"jax.nn.logsumexp({self.render(e.args[0])}, axis={self.axis(e)}, keepdims=True)", ATOM

    def op_eye(self, e: Expr) -> tuple[str, int]:
        return f"jnp.eye({self.dim(e.shape[0])})", ATOM

    def filled_call(self, name: str, r: str, c: str) -> str:
        return f"jnp.{name}(({r}, {c}))"

    def op_commutation(self, e: Expr) -> tuple[str, int]:
        # K vec(A) = vec(A^T) for an m-by-n A: row j + i n picks column i + j m.
        m, n = (self.dim(d) for d in e.dims)
        r = f"jnp.arange({m} * {n})"
        return f"jnp.eye({m} * {n})[{r} // {n} + {r} % {n} * {m}]", ATOM

    def convert(self, arg: str) -> str:
        return f"jnp.asarray({arg})"

    def scalar_result(self, text: str) -> str:
        return f"jnp.reshape({text}, ())"

    def imports(self) -> list[str]:
        return ["import jax", "import jax.numpy as jnp"]


def render(code: Computed, sig: Signature) -> str:
    return function(code, sig, JaxPrinter)
