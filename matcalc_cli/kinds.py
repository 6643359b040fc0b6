"""The node kinds of the algebra itself, by name: `e.op == K.ADD`, not `e.op == "add"`.

Code that takes a node apart by its kind (a sum's terms, a transpose's operand) compares
against these, so that a misspelt kind fails mypy and the import instead of silently never
matching. A fact about an operation (elementwise? smooth? its printed spelling?) is a field
of its record (ops.base.Op), not a list of these. tests/test_registry.py checks that each
names a registered operation.
"""

from __future__ import annotations

from typing import Final

# leaves
VAR: Final = "var"
DVAR: Final = "dvar"
CONST: Final = "const"
EYE: Final = "eye"
ONES: Final = "ones"
ZEROS: Final = "zeros"
COMMUTATION: Final = "commutation"
SIZE: Final = "size"
# sums and products
ADD: Final = "add"
MUL: Final = "mul"
HAD: Final = "had"
HDIV: Final = "hdiv"
KRON: Final = "kron"
BCAST: Final = "bcast"
# postfix marks
T: Final = "T"
INV: Final = "inv"
POW: Final = "pow"
EPOW: Final = "epow"
VPOW: Final = "vpow"
# linear maps that move entries, and the matrix functions of the algebra
VEC: Final = "vec"
UNVEC: Final = "unvec"
DIAG: Final = "diag"
TR: Final = "tr"
DET: Final = "det"
LOGDET: Final = "logdet"
# functions that a rule recognises by name in a composition (log(sigmoid(u)), norm(u)^2)
EXP: Final = "exp"
LOG: Final = "log"
SIGMOID: Final = "sigmoid"
NORM: Final = "norm"
SOFTMAX: Final = "softmax"
SUM: Final = "sum"
MEAN: Final = "mean"
# piecewise functions whose kinks a rule reasons about (relu(u) .* step(u) = relu(u))
ABS: Final = "abs"
SIGN: Final = "sign"
STEP: Final = "step"
RELU: Final = "relu"
# functions whose values an interval rule bounds by name (signs.py)
SQRT: Final = "sqrt"
# the Cholesky factor and the half-lower part its derivative is written with
CHOL: Final = "chol"
TRIL_HALF: Final = "tril_half"
# the triangular parts a gradient within --lower or --upper is projected on
TRIL: Final = "tril"
TRIU: Final = "triu"
# orthonormal factors a rule knows by name (U^T U = I)
EIGVECS: Final = "eigvecs"
SVD_U: Final = "svd_u"
SVD_V: Final = "svd_v"

ALL: Final = (VAR, DVAR, CONST, EYE, ONES, ZEROS, COMMUTATION, SIZE, ADD, MUL, HAD, HDIV, KRON, BCAST, T, INV,
              POW, EPOW, VPOW, VEC, UNVEC, DIAG, TR, DET, LOGDET, EXP, LOG, SIGMOID, NORM, SOFTMAX,
              SUM, MEAN, ABS, SIGN, STEP, RELU, SQRT, CHOL, TRIL_HALF, TRIL, TRIU, EIGVECS, SVD_U, SVD_V)
