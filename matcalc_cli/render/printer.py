"""What every printer shares: the walk over the tree and the precedence of operators.

A printer returns (text, precedence); a subclass supplies the spelling of each
operator. Precedence, loose to tight: SUM, PRODUCT (juxtaposition, .*, ./, /),
NEG (unary minus), POSTFIX (X^T, X^-1, x.^2: their operand must be an ATOM, so
that (X^T)^2 keeps its brackets), ATOM (names, numbers, calls, parenthesised).
"""

from __future__ import annotations

from fractions import Fraction

from matcalc_cli import kinds as K
from matcalc_cli.expr import Expr, add, const, in_denominator, mul, ones, power
from matcalc_cli.written import Written

SUM, PRODUCT, NEG, POSTFIX, ATOM = 1, 2, 3, 4, 5


def negative_coefficient(e: Expr) -> bool:
    if e.op == K.BCAST:
        e = e.args[0]
    if e.op == K.CONST:
        return e.number < 0
    return e.op == K.MUL and e.args[0].op == K.CONST and e.args[0].number < 0


def negate(e: Expr) -> Expr:
    if e.op == K.BCAST:
        e = e.args[0]
    if e.op == K.CONST:
        return const(-e.number)
    return mul(const(-e.args[0].number), *e.args[1:])


def spread_sum(e: Expr) -> Expr | None:
    """A sum of broadcast scalars only, (1 - s) ones(n): no term carries the sum's shape, so
    printed term by term (1 - s) it would read back as a scalar."""
    if e.op != K.ADD or e.is_scalar or not all(a.op == K.BCAST for a in e.args):
        return None
    return mul(add(*(a.args[0] for a in e.args)), ones(e.shape))


class Printer:
    plus, minus, neg = " + ", " - ", "-"
    jux = " "
    times_numbers = " "  # between the numbers of a written product (0.7978845608028654 0.044715)
    had, hdiv = " .* ", " ./ "
    transposed, inverted, inverted_transposed = "^T", "^-1", "^-T"
    where, where_sep, defined_as = " where ", ", ", " = "  # body where h1 = ..., h2 = ...

    def render(self, e: Expr) -> str:
        return self.show(e)[0]

    def render_where(self, body: Expr, where: tuple[tuple[str, Expr], ...]) -> str:
        """A result with named subexpressions (naming.Named): the body, then each definition."""
        text = self.render(body)
        if not where:
            return text
        defs = self.where_sep.join(f"{self.name(n)}{self.defined_as}{self.render(e)}" for n, e in where)
        return text + self.where + defs

    def paren(self, text: str) -> str:
        return f"({text})"

    def at(self, e: Expr, prec: int) -> str:
        """e's text, parenthesised unless it binds at least as tightly as prec."""
        text, p = self.show(e)
        return text if p >= prec else self.paren(text)

    def show(self, e: Expr) -> tuple[str, int]:
        # Shared subtrees are printed once per printer: trees are DAGs after differentiation.
        memo = self.__dict__.setdefault("_memo", {})
        hit = memo.get(e)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        method = getattr(self, "op_" + e.op, None)
        if method is not None:
            out = method(e)
        else:
            out = self.function(e.op, [self.render(a) for a in e.args], e), ATOM
        if len(memo) > 200_000:
            memo.clear()
        memo[e] = out
        return out  # type: ignore[no-any-return]

    # ---------------------------------------------------------- leaves
    def number(self, v: Fraction | float) -> tuple[str, int]:
        if isinstance(v, Written):  # as the input wrote it; a product of them, one by one
            text = ("-" if v < 0 else "") + self.times_numbers.join(v.parts)
            return text, NEG if v < 0 else (ATOM if len(v.parts) == 1 else PRODUCT)
        if isinstance(v, Fraction) and v.denominator != 1:
            d = v.denominator
            while d % 2 == 0:
                d //= 2
            while d % 5 == 0:
                d //= 5
            if d == 1:  # a terminating decimal reads best as one, every digit of it (9/512: 0.017578125)
                text = format(float(v), "g")
                return text if Fraction(text) == v else repr(float(v)), NEG if v < 0 else ATOM
            return f"{v.numerator}/{v.denominator}", PRODUCT
        text = str(int(v)) if isinstance(v, Fraction) or float(v).is_integer() else format(v, "g")
        return text, NEG if v < 0 else ATOM

    def op_const(self, e: Expr) -> tuple[str, int]:
        return self.number(e.number)

    def op_var(self, e: Expr) -> tuple[str, int]:
        return self.name(e.name), ATOM

    def op_dvar(self, e: Expr) -> tuple[str, int]:
        return "d" + self.name(e.name), ATOM

    def name(self, name: str) -> str:
        return name

    def op_bcast(self, e: Expr) -> tuple[str, int]:
        return self.show(e.args[0])

    # ---------------------------------------------------------- sums and products
    def op_add(self, e: Expr) -> tuple[str, int]:
        if spread_sum(e) is not None:
            return self.show(spread_sum(e))  # type: ignore[arg-type]
        parts = [self.at(e.args[0], SUM)]
        for t in e.args[1:]:
            if negative_coefficient(t):
                parts.append(self.minus + self.at(negate(t), PRODUCT))
            else:
                parts.append(self.plus + self.at(t, PRODUCT))
        return "".join(parts), SUM

    def split(self, e: Expr) -> tuple[Fraction | float, list[Expr], list[Expr]]:
        """(coefficient, numerator factors, denominator factors) of a product."""
        fs = list(e.args)
        coef = fs.pop(0).number if fs[0].op == K.CONST else Fraction(1)
        num: list[Expr] = []
        den: list[Expr] = []
        for f in fs:
            if in_denominator(f):
                den.append(power(f.args[0], -f.number))
            else:
                num.append(f)
        return coef, num, den

    def factor(self, f: Expr, alone: bool, bare: bool = True) -> str:
        # A Hadamard product beside anything else, a sign or a number included, is
        # bracketed: (a .* b) x^T, -(a .* b), 2 (a .* b).
        if not bare and f.op in (K.HAD, K.HDIV):
            return self.paren(self.render(f))
        return self.at(f, NEG if not alone else PRODUCT)

    def product(self, factors: list[str]) -> str:
        return self.jux.join(factors)

    def divide(self, num: str, den: str) -> str:
        return f"{num} / {den}"

    def op_mul(self, e: Expr) -> tuple[str, int]:
        coef, num, den = self.split(e)
        if isinstance(coef, Fraction) and not isinstance(coef, Written) and coef.denominator != 1 and (num or den):
            den.insert(0, const(coef.denominator))
            coef = Fraction(coef.numerator)
        texts = [self.factor(f, len(num) == 1, len(num) == 1 and coef == 1) for f in num]
        if coef not in (1, -1) or not texts:
            texts.insert(0, self.number(-coef if coef < 0 else coef)[0])
        text = self.product(texts)
        if den:
            bottom = [self.at(d, NEG) for d in den] if len(den) == 1 else [self.factor(d, False) for d in den]
            text = self.divide(text, bottom[0] if len(den) == 1 else self.paren(self.product(bottom)))
        if coef < 0:
            return self.neg + text, SUM
        if len(texts) == 1 and not den:
            return text, self.show(num[0])[1] if num else ATOM
        return text, PRODUCT

    def op_had(self, e: Expr) -> tuple[str, int]:
        return self.had.join(self.at(a, NEG) for a in e.args), PRODUCT

    def op_hdiv(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], NEG)}{self.hdiv}{self.at(e.args[1], NEG)}", PRODUCT

    # ---------------------------------------------------------- postfix
    def op_T(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.op == K.INV:  # (X^-1)^T is (X^T)^-1, and a textbook writes either X^-T
            x = a.args[0]
            return self.op_inv(Expr(K.INV, (Expr(K.T, (x,), (x.shape[1], x.shape[0])),), e.shape))
        return self.at(a, ATOM) + self.transposed, POSTFIX

    def op_inv(self, e: Expr) -> tuple[str, int]:
        a = e.args[0]
        if a.op == K.T:
            return self.at(a.args[0], ATOM) + self.inverted_transposed, POSTFIX
        return self.at(a, ATOM) + self.inverted, POSTFIX

    def exponent(self, k: Fraction | float) -> str:
        return self.number(k)[0] if self.number(k)[1] >= NEG else f"({self.number(k)[0]})"

    def op_pow(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], ATOM)}^{self.exponent(e.number)}", POSTFIX

    def op_epow(self, e: Expr) -> tuple[str, int]:
        return f"{self.at(e.args[0], ATOM)}.^{self.exponent(e.number)}", POSTFIX

    def op_vpow(self, e: Expr) -> tuple[str, int]:
        """u.^v, a^t: a variable exponent, an operand as the parser reads one after ^ or .^."""
        u, v = e.args
        return f"{self.at(u, ATOM)}{'^' if e.is_scalar else '.^'}{self.at(v, ATOM)}", POSTFIX

    def op_normspec(self, e: Expr) -> tuple[str, int]:
        return f"norm({self.render(e.args[0])}, 2)", ATOM

    # ---------------------------------------------------------- calls
    def function(self, name: str, args: list[str], e: Expr) -> str:
        return f"{name}({', '.join(args)})"

    def dim(self, d: object) -> str:
        return str(d).replace("·", "*")  # a composite dimension, as the parser reads it back

    def op_eye(self, e: Expr) -> tuple[str, int]:
        return f"eye({self.dim(e.shape[0])})", ATOM

    def op_ones(self, e: Expr) -> tuple[str, int]:
        return self.filled(K.ONES, e), ATOM

    def op_zeros(self, e: Expr) -> tuple[str, int]:
        return self.filled(K.ZEROS, e), ATOM

    def filled(self, name: str, e: Expr) -> str:
        r, c = e.shape
        return f"{name}({self.dim(r)})" if c == 1 else f"{name}({self.dim(r)}, {self.dim(c)})"

    def op_size(self, e: Expr) -> tuple[str, int]:
        return f"size({self.dim(e.dim)})", ATOM

    def op_unvec(self, e: Expr) -> tuple[str, int]:
        m, n = e.dims
        return f"unvec({self.render(e.args[0])}, {self.dim(m)}, {self.dim(n)})", ATOM

    def op_commutation(self, e: Expr) -> tuple[str, int]:
        m, n = e.dims
        return f"commutation({self.dim(m)}, {self.dim(n)})", ATOM
