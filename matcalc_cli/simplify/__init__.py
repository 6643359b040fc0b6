"""The simplifier: brings derivatives to the form a textbook prints.

engine.py applies the rewrites bottom-up to a fixpoint; normal.py holds the normal
forms of sums, products and transposes; elementwise.py hands elementwise regions to
sympy; cost.py decides between equal forms by structure alone (no printer).
"""

from matcalc_cli.simplify.cost import cost, key
from matcalc_cli.simplify.engine import canon, simplify
from matcalc_cli.simplify.normal import total, transpose

__all__ = ["canon", "cost", "key", "simplify", "total", "transpose"]
