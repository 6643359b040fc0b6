"""The `matcalc` program's entry point: `matcalc --version` is answered here, before
typer (and the rest of matcalc) is imported; everything else goes to cli.main."""

from __future__ import annotations

import sys

from matcalc_cli import __version__


def main() -> None:
    # Only the exact request: anything else after --version (an unknown option, say)
    # must meet click's parsing and its messages, as before.
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"matcalc {__version__}\n")
        return
    from matcalc_cli.cli import main as cli_main

    cli_main()
