"""--format torch: the derivative as a PyTorch function (render/function.py builds the function).

Constants (eye, zeros, ones) take the dtype and device of the first array argument,
so that the function runs on float32, float64 and any device alike.
"""

from __future__ import annotations

from matcalc_cli.expr import Expr
from matcalc_cli.naming import Computed
from matcalc_cli.ops import OPS
from matcalc_cli.render import batched
from matcalc_cli.render.code import CodePrinter
from matcalc_cli.render.function import Signature, function
from matcalc_cli.render.numpy import ArrayPrinter
from matcalc_cli.render.printer import ATOM, NEG


class TorchPrinter(CodePrinter, ArrayPrinter):
    linalg = "torch.linalg"
    reserved = ("torch",)
    # M [a, b] 1.3 times, [a^T; b^T] M 1.9 times as fast as two products at n = 4,000 on one thread
    batches = frozenset({batched.COLUMNS, batched.ROWS})

    @property
    def like(self) -> str:
        return f"dtype={self.ref}.dtype, device={self.ref}.device"

    def function(self, name: str, args: list[str], e: Expr) -> str:
        return OPS[name].spelled("torch").format(*args)

    def squared_norm(self, a: str) -> str:
        # torch.vdot takes 1-D tensors only
        return f"torch.sum({a} * {a})" if a.isidentifier() else f"torch.sum(torch.square({a}))"

    def cholesky(self, a: str) -> str:
        return f"torch.linalg.cholesky({a})"

    def lu_factorisation(self, a: str) -> str:
        return f"torch.linalg.lu_factor({a})"

    def solve(self, a: Expr, b: str) -> str:
        if self.positive_definite(a):
            return f"torch.cholesky_solve({b}, {self.cholesky_factor(a)})"
        lu = self.lu_factors(a)
        if lu is not None:
            return f"torch.linalg.lu_solve(*{lu[0]}, {b}{', adjoint=True' if lu[1] else ''})"
        return f"torch.linalg.solve({self.render(a)}, {b})"

    def solve_right(self, left: list[Expr], a: Expr) -> str:
        if self.positive_definite(a):
            return super().solve_right(left, a)
        lu = self.lu_factors(a)
        if lu is not None:
            return (f"torch.linalg.lu_solve(*{lu[0]}, {self.chain(left)[0]}, left=False"
                    f"{', adjoint=True' if lu[1] else ''})")
        return f"torch.linalg.solve({self.render(a)}, {self.chain(left)[0]}, left=False)"

    def op_diag(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.shape[1] == 1:
            return f"torch.diagflat({self.render(a)})", ATOM
        return f"torch.diagonal({self.render(a)}).reshape(-1, 1)", ATOM

    def op_kron(self, e: Expr) -> tuple[str, int]:
        # torch.kron refuses some non-contiguous views (a transpose among them).
        a, b = (self.at(x, ATOM) + ".contiguous()" for x in e.args)
        return f"torch.kron({a}, {b})", ATOM

    def op_softmax(self, e: Expr) -> tuple[str, int]:
        return f"torch.softmax({self.render(e.args[0])}, dim={self.axis(e)})", ATOM

    def op_logsumexp(self, e: Expr) -> tuple[str, int]:
        return f"torch.logsumexp({self.render(e.args[0])}, dim={self.axis(e)}, keepdim=True)", ATOM

    def op_step(self, e: Expr) -> tuple[str, int]:
        return f"({self.at(e.args[0], NEG)} > 0).to({self.ref}.dtype)", ATOM

    def op_eye(self, e: Expr) -> tuple[str, int]:
        return f"torch.eye({self.dim(e.shape[0])}, {self.like})", ATOM

    def filled_call(self, name: str, r: str, c: str) -> str:
        return f"torch.{name}(({r}, {c}), {self.like})"

    def op_commutation(self, e: Expr) -> tuple[str, int]:
        # K vec(A) = vec(A^T) for an m-by-n A: row j + i n picks column i + j m.
        m, n = (self.dim(d) for d in e.dims)
        r = f"torch.arange({m} * {n}, device={self.ref}.device)"
        return f"torch.eye({m} * {n}, {self.like})[{r} // {n} + {r} % {n} * {m}]", ATOM

    def convert(self, arg: str) -> str:
        return f"torch.as_tensor({arg})"

    def size(self, arg: str) -> str:
        return f"{arg}.numel()"

    def scalar_result(self, text: str) -> str:
        return f"torch.as_tensor({text}, {self.like}).reshape(())"

    def imports(self) -> list[str]:
        return ["import torch"]


def render(code: Computed, sig: Signature) -> str:
    return function(code, sig, TorchPrinter)
