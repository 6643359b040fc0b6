"""matcalc: matrix calculus on the command line."""

__version__ = "0.1.0"
