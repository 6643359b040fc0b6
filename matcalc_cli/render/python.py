"""--format python: the derivative as a NumPy function (render/function.py builds the function).

The spellings are numpy.py's, but for what a function can do better than one
expression: solves for inverses, and scipy imported at the top.
"""

from __future__ import annotations

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr
from matcalc_cli.naming import Computed
from matcalc_cli.ops import OPS
from matcalc_cli.render import batched
from matcalc_cli.render.code import CodePrinter
from matcalc_cli.render.function import Signature, function
from matcalc_cli.render.numpy import NumpyPrinter, scipy_modules, spell


class PythonPrinter(CodePrinter, NumpyPrinter):
    reserved = ("np", "scipy")
    # OpenBLAS: [a^T; b^T] M 1.45 times as fast as M^T a and M^T b at n = 4,000, but M [a, b] slower than M a and M b
    batches = frozenset({batched.ROWS})
    scipy: frozenset[str] = frozenset()  # the scipy modules the function calls, imported at its top

    def function(self, name: str, args: list[str], e: Expr) -> str:
        # a name is an atom (judged on the tree: the printer spells each argument once)
        atoms = [a in self.locals or a.op == K.VAR for a in e.args]
        return self.from_scipy(spell(OPS[name].spelled("numpy"), args, atoms))

    def from_scipy(self, text: str) -> str:
        self.scipy = self.scipy | scipy_modules(text)
        return text

    def cholesky(self, a: str) -> str:
        return self.from_scipy(f"scipy.linalg.cho_factor({a})")

    def lu_factorisation(self, a: str) -> str:
        return self.from_scipy(f"scipy.linalg.lu_factor({a})")

    def solve(self, a: Expr, b: str) -> str:
        if self.positive_definite(a):
            return self.from_scipy(f"scipy.linalg.cho_solve({self.cholesky_factor(a)}, {b})")
        lu = self.lu_factors(a)
        if lu is not None:
            return self.from_scipy(f"scipy.linalg.lu_solve({lu[0]}, {b}{', trans=1' if lu[1] else ''})")
        return f"np.linalg.solve({self.render(a)}, {b})"

    def filled_call(self, name: str, r: str, c: str) -> str:
        return f"np.{name}(({r}, {c}))"

    def convert(self, arg: str) -> str:
        return f"np.asarray({arg}, dtype=float)"

    def scalar_result(self, text: str) -> str:
        return f"float(np.squeeze({text}))"

    def imports(self) -> list[str]:
        return ["import numpy as np", *(f"import scipy.{m}" for m in sorted(self.scipy))]


def render(code: Computed, sig: Signature) -> str:
    return function(code, sig, PythonPrinter)
