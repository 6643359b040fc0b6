#!/usr/bin/env python
"""How long `matcalc batch` takes for a thousand jobs, varied and repeated.

    python bench/batch.py [--jobs 1000] [--repeats 3] [--matcalc PATH]

Two job files go through `matcalc batch FILE` as a subprocess (start-up included),
and the first --single jobs of the varied one as a process each, for comparison:
  * varied: every job differs (templates from README's tables with their names
    renamed job by job: x becomes x17, A becomes A17), so no cache helps;
  * repeated: four jobs repeated, the file README used to quote (caches help a lot).
Prints the median wall time of each and the time a job; not a test, nothing asserts a
time, and the numbers move with the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATES = [
    'diff "x^T A x" --wrt x',
    'diff "a^T X b" --wrt X',
    'diff "log(det(A + t B))" --wrt t',
    'diff "(A + t B)^-1" --wrt t',
    'diff "x x^T" --wrt x',
    'diff "A X B" --wrt X',
    'diff "norm(X w - y)^2 + lambda norm(w)^2" --wrt w',
    'diff "log(sum(exp(W x))) - y^T W x" --wrt W',
    'diff "norm(W2 tanh(W1 x) - y)^2" --wrt W1',
    'diff "sum(log(1 + exp(X w)))" --wrt w',
    'diff --wrt theta -- "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"',
    'diff --wrt theta --wrt theta -- "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))"',
    'diff "logsumexp(x)" --wrt x --wrt x',
    'diff "a^T X^-1 b" --wrt X --layout denominator',
    'check "x^T A x" --wrt x --expect "x^T (A + A^T)"',
    'check "x^T A x" --wrt x --expect "2 x^T A"',
]
REPEATED = ['diff "x^T A x" --wrt x', 'diff "log(det(X))" --wrt X', 'check "A x" --wrt x --expect A',
            'diff "sigmoid(W x)" --wrt x --layout denominator']
NAMES = re.compile(r"\b(x|y|w|a|b|t|A|B|X|W|W1|W2|theta|lambda)\b")


def varied(n: int) -> str:
    jobs: list[str] = []
    for i in range(n):
        command, _, rest = TEMPLATES[i % len(TEMPLATES)].partition(" ")
        jobs.append(command + " " + NAMES.sub(rf"\g<1>{i}", rest))
    return "\n".join(jobs) + "\n"


def timed(matcalc: str, text: str, repeats: int) -> tuple[float, int]:
    """The median wall time, and how many jobs did not exit 0 (a bench of errors is no bench)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jobs", delete=False) as fh:
        fh.write(text)
    times, failed = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run([matcalc, "batch", fh.name], capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        failed = sum(json.loads(line)["exit"] == 2 for line in proc.stdout.splitlines())
    Path(fh.name).unlink()
    return statistics.median(times), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--single", type=int, default=32, help="jobs run as a process each")
    parser.add_argument("--matcalc", default=shutil.which("matcalc", path=str(Path(sys.executable).parent)))
    args = parser.parse_args()
    if not args.matcalc:
        sys.exit("no matcalc next to this Python: pip install -e . first, or pass --matcalc")
    for name, text in (("varied", varied(args.jobs)),
                       ("repeated", "\n".join(REPEATED * (args.jobs // len(REPEATED))) + "\n")):
        seconds, failed = timed(args.matcalc, text, args.repeats)
        print(f"{name:9} {args.jobs} jobs: {seconds:6.2f} s, {1000 * seconds / args.jobs:5.1f} ms a job"
              + (f" ({failed} jobs were bad input)" if failed else ""))
    jobs = [shlex.split(line) for line in varied(args.single).splitlines()]
    start = time.perf_counter()
    for words in jobs:
        subprocess.run([args.matcalc, words[0], "--format", "json", *words[1:]], capture_output=True, check=False)
    seconds = time.perf_counter() - start
    print(f"a process a job, {len(jobs)} varied jobs: {seconds:6.2f} s, {1000 * seconds / len(jobs):5.1f} ms a job")


if __name__ == "__main__":
    main()
