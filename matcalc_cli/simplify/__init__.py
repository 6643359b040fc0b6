"""The simplifier: brings derivatives to the form a textbook prints.

rules.py is the table of named rewrites (identities, normal form, presentation);
engine.py applies them bottom-up to a fixpoint; normal.py holds the normal
forms of sums, products and transposes; elementwise.py hands elementwise regions to
sympy; cost.py decides between equal forms by structure alone (no printer); finish.py is
the simplify step of a derivative (derive.Draft to derive.FinishedDerivative).
"""

from matcalc_cli.simplify.cost import cost, key
from matcalc_cli.simplify.engine import NoFixpoint, Step, canon, simplify
from matcalc_cli.simplify.finish import finish
from matcalc_cli.simplify.normal import total, transpose
from matcalc_cli.simplify.rules import NAMES, RULES, Rule

__all__ = ["NAMES", "RULES", "NoFixpoint", "Rule", "Step", "canon", "cost", "finish", "key", "simplify", "total",
           "transpose"]
