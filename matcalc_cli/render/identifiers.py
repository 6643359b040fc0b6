"""Python identifiers for generated code: the arguments, dimensions, locals and helpers of
the function render/function.py prints, valid, no keyword, none of them twice."""

from __future__ import annotations

import keyword


class Names:
    """Python identifiers for everything the function names, none of them twice."""

    def __init__(self, reserved: set[str]) -> None:
        self.taken = set(reserved)

    def ok(self, name: str) -> bool:
        return name.isidentifier() and not keyword.iskeyword(name) and name not in self.taken

    def claim(self, name: str) -> str:
        base = name if name.isidentifier() else "v"
        while not self.ok(base):
            base += "_"
        self.taken.add(base)
        return base
