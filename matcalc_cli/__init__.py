"""matcalc: matrix calculus on the command line, and from Python.

    >>> from matcalc_cli import diff
    >>> d = diff("x^T A x", wrt="x", shapes={"A": "n,n"})

The API (matcalc_cli.api) is imported on first use, so that `matcalc --version`
does not pay for sympy and numpy (and imports nothing but this module: start.py).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing for --version

__version__ = "0.1.0"
__all__ = ["__version__", "diff", "check", "convex", "Derivative", "CheckResult", "Convexity", "MatcalcError"]

if TYPE_CHECKING:
    from typing import Any

    from matcalc_cli.api import CheckResult, Convexity, Derivative, check, convex, diff
    from matcalc_cli.errors import MatcalcError


def __getattr__(name: str) -> Any:
    if name in ("diff", "check", "convex", "Derivative", "CheckResult", "Convexity"):
        from matcalc_cli import api

        return getattr(api, name)
    if name == "MatcalcError":
        from matcalc_cli.errors import MatcalcError

        return MatcalcError
    raise AttributeError(f"module 'matcalc_cli' has no attribute {name!r}")
