"""The `matcalc` program's entry point: `matcalc --version` is answered here, before
typer (and the rest of matcalc) is imported; everything else goes to cli.main."""

from __future__ import annotations

import os
import sys

from matcalc_cli import __version__

# numpy's BLAS starts a thread per core, and the threads spin while they wait for work: on a
# busy machine --verify of logdet(X) at 600x600 took 18 s of CPU (37 s wall) for 1.2 s of work
# on one thread. matcalc's matrices are small enough for one; a user's own setting is kept.
# Set before numpy is imported (the Python API leaves the caller's process alone).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main() -> None:
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    # Only the exact request: anything else after --version (an unknown option, say)
    # must meet click's parsing and its messages, as before.
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"matcalc {__version__}\n")
        return
    from matcalc_cli.cli import main as cli_main

    cli_main()
