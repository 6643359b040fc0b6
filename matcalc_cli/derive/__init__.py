"""The differentiator: differentials (differential.py), the derivative read off a canonical
form (readoff.py), and laid out as the course's table says (present.py), for the simplify
step to finish (simplify/finish.py)."""

from matcalc_cli.derive.differential import differential, dvar
from matcalc_cli.derive.present import (
           Convention,
           Draft,
           FinishedDerivative,
           derivative,
           scalar_function,
           second_derivative,
)
from matcalc_cli.derive.readoff import at_differential, gradient, jacobian

__all__ = ["Convention", "FinishedDerivative", "Draft", "derivative", "differential", "dvar", "gradient", "jacobian",
           "scalar_function", "second_derivative", "at_differential"]
