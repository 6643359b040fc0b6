"""The pipeline runs one way: no module imports a stage after its own, at module level, inside
a function or under TYPE_CHECKING (every import statement of the package's source counts),
and no two modules import each other, directly or through others."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import matcalc_cli

PACKAGE = Path(matcalc_cli.__file__).parent

# The stages in the order data flows through them; a module may import its own stage and the
# ones before it. expr, ops and their helpers are below all; the commands and the interfaces above.
STAGES: tuple[tuple[str, ...], ...] = (
    ("kinds", "node", "expr", "params", "written", "errors", "ops", "dims", "numeric", "drawing", "coercion", "lines",
     "rows", "structure", "tangent", "extrapolation"),
    # latexin: a front end that gives syntax its tokens (latexwords: the LaTeX commands it reads)
    ("syntax", "lexer", "where", "tokens", "latexin", "latexwords"),
    ("shapes", "shapecheck"),
    ("build",),
    ("derive",),
    ("simplify",),
    ("naming", "respell", "stable"),  # respell: the spellings that let one name serve two places; stable: code's
    ("render",),
    ("steps",),  # the derivation by hand, through the stages above
    ("report",),  # one derivation from text to result
    ("sampling", "checking", "verification", "convexity", "convex_rules", "curvature", "definiteness", "signs",
     "counterexamples", "columns", "derivation", "derivation_sides", "derivation_text", "diagnosis"),
    ("identities",),
    ("commands",),
    ("api", "batch", "pool"),
    # "": the package itself (its lazy API)
    ("cli", "cli_options", "cli_output", "helpformat", "start", "__main__", ""),
)


def _stage(module: str) -> int:
    """The stage of matcalc_cli.<module>: of its top-level name (render.latex is render)."""
    top = module.split(".")[0]
    for rank, names in enumerate(STAGES):
        if top in names:
            return rank
    raise AssertionError(f"matcalc_cli.{module} is in no stage of tests/test_imports.py: add it to STAGES")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")) if name else Path()
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def imports(path: Path) -> set[str]:
    """The package's modules path imports (relative to matcalc_cli: "" is the package), from every
    import statement in it: `from matcalc_cli.render import latex` imports render.latex."""
    here = _module_of(path)
    package = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(["matcalc_cli", *package[: len(package) - node.level + 1]])
                source = base + ("." + node.module if node.module else "")
            else:
                source = node.module or ""
            names = [source]
            if source == "matcalc_cli" or source.startswith("matcalc_cli."):
                inner = source.removeprefix("matcalc_cli").lstrip(".")
                subs = [s for s in (f"{inner}.{a.name}".lstrip(".") for a in node.names) if _is_module(s)]
                if subs:  # from a package import its modules: the modules, not the package
                    names = ["matcalc_cli." + s for s in subs] + (
                        [source] if len(subs) < len(node.names) else [])
        else:
            continue
        for name in names:
            if name == "matcalc_cli" or name.startswith("matcalc_cli."):
                target = name.removeprefix("matcalc_cli").lstrip(".")
                if target != here:
                    out.add(target)
    return out


GRAPH = {_module_of(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def upward_arrows() -> list[str]:
    return sorted(f"{m} -> {t}" for m, ts in GRAPH.items() for t in ts if _stage(t) > _stage(m))


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_the_graph_has_reach():
    assert "render.steps" in GRAPH and {"expr", "ops"} <= GRAPH["simplify.cost"] | {"expr"}
    assert len(GRAPH) >= 50 and sum(len(t) for t in GRAPH.values()) >= 150


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_every_module_has_a_stage(module):
    _stage(module)


def test_no_module_imports_a_later_stage():
    assert upward_arrows() == []


def test_no_import_cycles():
    assert cycles() == []


def test_imports_inside_functions_count():
    # report imports steps only when --steps asks for them, inside differentiate
    assert "steps" in GRAPH["report"]


def test_no_two_modules_or_classes_share_a_name_for_different_things():
    """A name says which thing it is: two modules share a name only where render/ prints what
    the stage of that name makes (render/steps.py prints steps.py's derivation), and two
    classes only where one is the Protocol a printer reads the other through."""
    by_name: dict[str, list[str]] = {}
    for module in GRAPH:
        if module:
            by_name.setdefault(module.split(".")[-1], []).append(module)
    shared = {n: ms for n, ms in by_name.items() if len(ms) > 1 and n not in ("__init__",)}
    assert all(sorted(ms) == sorted([n, f"render.{n}"]) for n, ms in shared.items()), shared
    classes: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                protocol = any(ast.unparse(b) in ("Protocol", "typing.Protocol") for b in node.bases)
                classes.setdefault(node.name, []).append((_module_of(path), protocol))
    twice = {n: places for n, places in classes.items() if len(places) > 1}
    assert all(sum(not p for _, p in places) <= 1 for places in twice.values()), twice


# Functions of one name in two modules that mean one thing, each with why. Any other name
# defined at module level in two modules fails the test below: rename one of them.
SAME_MEANING = {
    "jacobian": "derive/readoff's symbolic Jacobian of a linear form; tangent's, numeric, within a structure",
    "project": "derive/present's symbolic projection onto a structure's tangent space; tangent's, numeric",
    "projector": "the matrix of that projection, symbolic (derive/present) and numeric (tangent)",
    "tokenize": "the tokens syntax reads, of the input language (lexer) and of LaTeX (latexin)",
    "read": "a module's own text format read: a derivation file (derivation_text), a rule (simplify/patterns)",
    "run": "a module's work run: one identity's check (identities), a batch's jobs on workers (pool)",
}
# The front ends call a command by the name the user types (cli.diff, api.diff and the
# command's own module), and the printers in render/ share the verbs of printing (render,
# latex, show): a function in one of them may share its name with what it fronts or prints.
_FRONTS = frozenset({"cli", "api", "start"})


def _fronts_or_prints(modules: list[str]) -> bool:
    return any(m in _FRONTS for m in modules) or all(m.startswith("render.") for m in modules)


def functions_sharing_names() -> dict[str, list[str]]:
    """The public module-level functions defined in more than one module, by name."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                where.setdefault(node.name, []).append(_module_of(path))
    return {n: ms for n, ms in where.items() if len(ms) > 1}


def test_no_two_modules_define_a_function_of_one_name_for_different_things():
    """cost.size (a node's printed size) beside expr.size (the node size(n)), respell.transposed
    (a tree respelled) beside ops/symmetry.transposed (e^T pushed in), matching.negated (-e only
    where e's coefficient is negative) beside piecewise.negated (-u): a name meant two things."""
    shared = functions_sharing_names()
    assert {"render", "check", "diff", "tokenize"} <= shared.keys()  # the scan sees the kept ones
    unexplained = {n: ms for n, ms in shared.items() if n not in SAME_MEANING and not _fronts_or_prints(ms)}
    assert unexplained == {}
    assert SAME_MEANING.keys() <= shared.keys(), "a name of SAME_MEANING is no longer shared: drop it"
