"""Option values as typer gives them, without pydantic.

typer 0.29 coerces each parameter's value through a pydantic TypeAdapter that it builds
lazily per parameter; importing pydantic and building those adapters is most of a
single call's start-up. matcalc's parameters are strings, lists of strings and flags, and
click already hands them over as strings (and bools), for which the adapter's result is
the value itself. So each parameter gets a runtime coercion that returns such a value as
it is and hands anything else to typer's own (pydantic) coercion, whose messages it keeps.
helpformat's Command and Group install it (typer is pinned below 0.30 for this).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from typer import _click
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import _TyperParameter


# No @dataclass of its own: it adds no field, so RuntimeParam's frozen dataclass methods
# serve (and a dataclass costs half a millisecond to create at import).
class PlainRuntimeParam(RuntimeParam):
    """str, list[str] and bool parameters: a string (or bool) value is already what
    typer's adapter returns. (RuntimeParam.coerce answers None itself.)"""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: _click.Context) -> Any:
        if (self.annotation is str and type(value) is str) or (self.annotation is bool and type(value) is bool):
            return value
        if self.annotation == list[str] and isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
            return list(value)
        # Anything else (bytes, a default of another type): typer's own coercion and messages.
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)


def install(params: Iterable[_click.Parameter]) -> None:
    """Give each typer parameter of type str, list[str] or bool the coercion above (typer
    itself skips it for a flag's bool value, not for the None of --install-completion)."""
    for p in params:
        if not isinstance(p, _TyperParameter) or p._runtime_param is not None:
            continue
        d = p.type_descriptor
        if d.file_annotation is None and d.parameter_info.parser is None and d.annotation in (str, bool, list[str]):
            p._runtime_param = PlainRuntimeParam(parameter_info=d.parameter_info, annotation=d.annotation)
