"""Is matcalc's jitted function the same program as JAX's autodiff? Optimised HLO compared
with its names set aside (bench/autodiff.py's "optimised HLO" column).

XLA prints an optimised module as computations, the called ones (fusion bodies) before
their callers and the ENTRY last, each instruction `%name = type op(%operands), attrs,
metadata={...}`. Two programs are the same here when their ENTRY computations read alike
once every instruction and parameter is renamed by its place, metadata is dropped, and
each called computation is replaced by its own normalised text (so that two fusions that
compute the same thing under different names match): `same`. Where only the bodies of
fusions differ (the same dots and the same fusion boundaries, different elementwise work
inside), `fusions differ`; where the products (every instruction but the elementwise loop
fusions, parameters, constants and the result's tuple, their operands set aside) are the
same in the same order and only the elementwise work is split into other fusions, `same
dots`; otherwise `differs`.
"""

from __future__ import annotations

import hashlib
import re

_HEAD = re.compile(r"^(ENTRY )?%([\w.\-]+) \((.*)\) -> .* \{$")
_METADATA = re.compile(r",? ?(metadata|frontend_attributes|backend_config)=\{[^{}]*\}")
_DEFINED = re.compile(r"^\s*(?:ROOT )?%([\w.\-]+) = ")
_REFERENCE = re.compile(r"%([\w.\-]+)")
_PARAMETER = re.compile(r"([\w.\-]+): ")
_FUSION = re.compile(r"\bfusion\(([^()]*)\)")


def computations(text: str) -> list[tuple[str, bool, list[str]]]:
    """(name, is the entry, lines: the head's parameter list first) of each computation."""
    out: list[tuple[str, bool, list[str]]] = []
    current: tuple[str, bool, list[str]] | None = None
    for line in text.splitlines():
        head = _HEAD.match(line)
        if head is not None:
            current = (head.group(2), bool(head.group(1)), [head.group(3)])
            continue
        if current is not None and line.strip() == "}":
            out.append(current)
            current = None
        elif current is not None and line.strip():
            current[2].append(line.strip())
    return out


def _normalised(lines: list[str], called: dict[str, str], erase_calls: bool) -> str:
    """lines with local names by their place (p0, p1 for parameters, i0, i1 for
    instructions), calls by the called computation's digest (or * where erased), no metadata."""
    names: dict[str, str] = {}
    for p in _PARAMETER.findall(lines[0]):
        names.setdefault(p, f"p{len(names)}")
    body = [_METADATA.sub("", line) for line in lines[1:]]
    for line in body:
        m = _DEFINED.match(line)
        if m is not None and m.group(1) not in names:
            names[m.group(1)] = f"i{len(names)}"

    def rename(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in called:
            return "*" if erase_calls else called[name]
        return names.get(name, name)

    head = _PARAMETER.sub(lambda m: names.get(m.group(1), m.group(1)) + ": ", lines[0])
    out = [_REFERENCE.sub(rename, line) for line in body]
    if erase_calls:  # a fusion's operands in the order its body reads them: set aside with it
        out = [_FUSION.sub(lambda m: "fusion(" + ", ".join(sorted(m.group(1).split(", "))) + ")", line)
               for line in out]
    return "\n".join([head, *out])


_ELEMENTWISE = re.compile(r" (parameter|constant|tuple|get-tuple-element|bitcast)\(|kind=kLoop")
_OPERANDS = re.compile(r"^(?:ROOT )?\S+ = (\S+ [\w-]+)\([^()]*\)")


def products(entry: str) -> list[str]:
    """The instructions of a normalised ENTRY that are not elementwise work or plumbing,
    each as its type, operation and attributes (its operands and name set aside)."""
    return [_OPERANDS.sub(r"\1(_)", line) for line in entry.splitlines()[1:] if not _ELEMENTWISE.search(line)]


def entry_forms(text: str) -> tuple[str, str]:
    """The ENTRY computation normalised: whole, and with the fusions' bodies set aside."""
    called: dict[str, str] = {}
    entry: list[str] = []
    for name, is_entry, lines in computations(text):
        if is_entry:
            entry = lines
            continue
        called[name] = "c" + hashlib.sha1(_normalised(lines, called, False).encode()).hexdigest()[:12]
    if not entry:
        raise ValueError("no ENTRY computation in the HLO text")
    return _normalised(entry, called, False), _normalised(entry, called, True)


def same_program(ours: str, theirs: str) -> str:
    """'same', 'fusions differ', 'same dots' or 'differs' (the module docstring says which)."""
    a, b = entry_forms(ours), entry_forms(theirs)
    if a[0] == b[0]:
        return "same"
    if a[1] == b[1]:
        return "fusions differ"
    return "same dots" if products(a[0]) == products(b[0]) else "differs"
