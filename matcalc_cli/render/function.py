"""Code export's function: the def around CodePrinter's expressions (render/code.py), shared
by the python, torch and jax formats.

What every backend gets from here (with render/identifiers.py):
  * names that are valid and distinct: keywords and names the code itself uses (np,
    torch, the dimensions, the temporaries) are renamed, and a renamed `lambda` never
    meets a variable `lambda_`;
  * each shared subexpression computed once, into a local in the order it is needed
    (naming.computed hands them over; render/batched.py plans the batched products among them);
  * a docstring naming the arguments' shapes, shape checks on the arguments, and a result of
    exactly the derivative's shape: with the value first for --with-value, H v for --hvp.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcalc_cli import kinds as K
from matcalc_cli.expr import SCALAR, Dim, Expr, Shape, walk
from matcalc_cli.naming import Computed
from matcalc_cli.render import batched
from matcalc_cli.render.code import CodePrinter
from matcalc_cli.render.identifiers import Names


@dataclass(frozen=True)
class Signature:
    """What the function is about: its arguments (in order), their shapes and the derivative."""

    title: str  # the docstring's first line
    variables: dict[str, Shape]
    symmetric: frozenset[str]
    wrt: tuple[str, ...]
    note: str = ""
    value: Expr | None = None  # --with-value: the function itself, returned before the derivative
    direction: str = ""  # --hvp: the argument (the last of variables) the Hessian is applied to


def shape_text(shape: Shape) -> str:
    """(n, m), a scalar; a composite dimension as a product: (n*m, n*m)."""
    if shape == SCALAR:
        return "a scalar"
    r, c = (str(d).replace("·", "*") for d in shape)
    return f"({r}, {c})"


def _dimensions(e: Expr) -> list[str]:
    """The named dimensions e's nodes use, each name of a composite n·m on its own."""
    out: dict[str, None] = {}
    for node in walk(e):
        for d in (*node.shape, *([node.dim] if node.op == K.SIZE else [])):
            if isinstance(d, str):
                out.update(dict.fromkeys(d.split("·")))
    return list(out)


def _docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _solves(code: Computed) -> dict[str, int]:
    """How many products solve with each variable (X^-1 or X^-T a factor of a chain, not an
    inverse the code computes as a matrix), each computed node counted once."""
    out: dict[str, int] = {}
    roots = [r for r in (code.derivative, code.value) if r is not None]
    for node in dict.fromkeys(n for r in roots for n in walk(r)):
        if node.op != K.MUL:
            continue
        for f in node.args:
            if f.op == K.INV and not f.is_scalar and f not in code.explicit:
                x = f.args[0].args[0] if f.args[0].op == K.T else f.args[0]
                if x.op == K.VAR:
                    out[x.name] = out.get(x.name, 0) + 1
    return out


def _dry_run(code: Computed, printer: CodePrinter,
             ) -> tuple[batched.Recorder, list[batched.Frame], dict[batched.Key, int]]:
    """The products each line computes and the locals it reads, printed and thrown away, and
    how many times the lines compute each product."""
    recorder = printer.recorder = batched.Recorder()
    frames, texts = [], []
    for _, node in code.where:
        frames.append(recorder.line())
        texts.append(printer.body(node)[0])
    frames.append(recorder.line())
    for root in (code.derivative, code.value):
        if root is not None:
            texts.append(printer.show(root)[0])
    printer.recorder = None
    return recorder, frames, recorder.uses(texts)


def _lines(code: Computed, printer: CodePrinter, names: Names) -> list[batched.Line]:
    """The order of the function's lines (render/batched.py's plan: the index of a local in
    code.where, or a Batch; len(code.where) is the return), the batches named and their
    products registered with the printer, as are the products a local holds and another line
    computes too. A first dry run finds the products the function computes, so that the
    second associates every chain to reuse them (CodePrinter.available)."""
    printer.available = frozenset(_dry_run(code, printer)[0].operands)
    recorder, frames, uses = _dry_run(code, printer)
    nodes = [node for _, node in code.where]
    lines = batched.plan([*nodes, None], frames, recorder.operands, printer.batches, uses)
    for key, count in uses.items():
        held = batched.owner(key, nodes)
        if held is not None and count > 1:
            printer.batched[key] = printer.locals[held]
    batches = [b for b in lines if isinstance(b, batched.Batch)]
    printer.batch_names = {b: names.claim("P" if len(batches) == 1 else f"P{i + 1}") for i, b in enumerate(batches)}
    for b, name in printer.batch_names.items():
        rows = batched.orientation(b.matrix) == batched.ROWS
        for i, key in enumerate(b.keys):
            printer.batched[key] = (name if len(b.keys) == 1 else f"{name}[{i}:{i + 1}].T" if rows
                                    else f"{name}[:, {i}:{i + 1}]")
    return lines


def function(code: Computed, sig: Signature, backend: type[CodePrinter]) -> str:
    """The derivative as Python source, computed as code says (naming.computed): the
    backend's imports, then one def."""
    names = Names(set(backend.reserved) | {"float", "tuple", "ValueError"})
    # Names that are fine keep them before any renamed one is chosen: `lambda` must not take `lambda_`.
    kept = {v: names.claim(v) for v in sig.variables if names.ok(v)}
    args = {v: kept[v] if v in kept else names.claim(v) for v in sig.variables}
    wrt = "_".join("d" + args[w] for w in sig.wrt)
    if sig.direction:
        fname = names.claim(f"hvp_d{args[sig.wrt[0]]}")
    else:
        fname = names.claim(f"{'f_and_' if sig.value is not None else ''}d{len(sig.wrt) if len(sig.wrt) > 1 else ''}"
                            f"f_{wrt}")
    e, value = code.derivative, code.value
    dims: dict[Dim, str] = {}
    binds: list[str] = []
    for v, shape in sig.variables.items():
        for axis, d in enumerate(shape):
            if isinstance(d, str) and d not in dims and shape != SCALAR:
                dims[d] = names.claim(d)
                binds.append(f"{dims[d]} = {args[v]}.shape[{axis}]")
    # A dimension no argument's shape supplies (size(n) beside a scalar t) is asked for.
    unbound = [d for d in _dimensions(e) + (_dimensions(value) if value is not None else []) if d not in dims]
    for d in dict.fromkeys(unbound):
        dims[d] = names.claim(d)
    local_names = {node: names.claim(name) for name, node in code.where}
    printer = backend(args, dims, code.explicit, local_names)
    spd = {n.name for root in (e, value) if root is not None for n in walk(root) if CodePrinter.positive_definite(n)}
    printer.factors = {v: names.claim(f"{args[v]}_factor") for v in sig.variables if v in spd}
    solves = _solves(code)
    printer.shared_lu = frozenset(v for v, k in solves.items() if k > 1 and v not in spd)
    printer.factors.update({v: names.claim(f"{args[v]}_lu") for v in sorted(printer.shared_lu)})
    arrays = [args[v] for v, s in sig.variables.items() if s != SCALAR]
    printer.ref = (arrays or list(args.values()))[0]  # whose dtype and device constants take

    doc = [f'    """{_docstring(sig.title)}', ""]
    doc.append("    " + _docstring(", ".join(
        f"{args[v]}: {shape_text(s)}" + (" (symmetric)" if v in sig.symmetric else "")
        + (f" (the variable {v})" if args[v] != v else "") for v, s in sig.variables.items())) + ".")
    if unbound:
        doc.append("    " + "; ".join(f"{dims[d]}: an int, the size of dimension {d}" for d in unbound) + ".")
    doc.append("    Vectors are (n, 1) columns." + (f" {_docstring(sig.note[0].upper() + sig.note[1:])}."
                                                    if sig.note else ""))
    doc.append('    """')
    body = [f"    {a} = {printer.convert(a)}" for a in args.values()]
    matrices = [(v, args[v]) for v, s in sig.variables.items() if s != SCALAR]
    scalars = [args[v] for v, s in sig.variables.items() if s == SCALAR]
    expected = names.claim("expected")
    body.append(f'    {expected} = "' + ", ".join(f"{args[v]} {shape_text(s)}" for v, s in sig.variables.items()) + '"')
    got = ", ".join(args.values()) + ("," if len(args) == 1 else "")
    message = f'raise ValueError(f"expected {{{expected}}}; got {{[tuple(a.shape) for a in ({got})]}}")'
    first = [f"{a}.ndim != 2" for _, a in matrices] + [f"{printer.size(a)} != 1" for a in scalars]
    if first:
        body += [f"    if {' or '.join(first)}:", f"        {message}"]
    body += [f"    {b}" for b in binds]
    second = [f"{a}.shape != ({printer.dim(s[0])}, {printer.dim(s[1])})"
              for v, a in matrices for s in [sig.variables[v]]]
    if second:
        body += [f"    if {' or '.join(second)}:", f"        {message}"]
    body += [f"    {a} = {a}.reshape(())" for a in scalars]
    factored_at = len(body)
    for item in _lines(code, printer, names):
        if isinstance(item, batched.Batch):
            body.append(f"    {printer.batch_names[item]} = {printer.batch(item)}")
        elif item < len(code.where):
            node = printer.defining = code.where[item][1]
            body.append(f"    {local_names[node]} = {printer.body(node)[0]}")
            printer.defining = None
    result = printer.show(e)[0]
    if e.shape == SCALAR:
        result = printer.scalar_result(result)
    if value is not None:
        f = printer.show(value)[0]
        result = f"{printer.scalar_result(f) if value.shape == SCALAR else f}, {result}"
    body.append(f"    return {result}")
    # the factors the solves asked for, once each, before the first line that may use them
    factorise = {v: printer.cholesky if v in spd else printer.lu_factorisation for v in printer.factored}
    factors = [f"    {printer.factors[v]} = {factorise[v](args[v])}" for v in printer.factored]
    body[factored_at:factored_at] = factors
    params = ", ".join([*args.values(), *(["*", *(dims[d] for d in unbound)] if unbound else [])])
    return "\n".join([*printer.imports(), "", "", f"def {fname}({params}):", *doc, *body]) + "\n"
