"""The command line (CONTRACT.md) through typer's CliRunner: exit codes, one message on
stderr with a caret under the problem, hostile input, stdin, `--`, --version and JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from unittest import mock

import pytest
from typer.testing import CliRunner

from matcalc_cli import __version__
from matcalc_cli.cli import app
from matcalc_cli.commands import CHECK_FORMATS, FORMATS
from matcalc_cli.helpformat import help_width

# This typer/click separates the streams by itself: result.stdout, result.stderr, and
# result.output (both, as a user would see them). CliRunner takes no mix_stderr.
runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, prog_name="matcalc")


def diff(expr: str, *options: str, input: str | None = None):
    return run("diff", *options, "--", expr, input=input)


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def one_error(result, source: str | None = None, at: tuple[int, int] | None = None) -> str:
    """Exit 2, nothing on stdout (outside JSON), one `matcalc: error:` message, and when the
    problem is in the expression: the expression and a caret line under `at` (start, end)."""
    no_traceback(result)
    assert result.exit_code == 2, result.output
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("matcalc: error: "), result.stderr
    assert sum("error" in line.lower() for line in lines) == 1, result.stderr
    if source is not None:
        assert len(lines) == 3, result.stderr
        assert lines[1] == "  " + source
        caret = lines[2][2:]
        start = len(caret) - len(caret.lstrip(" "))
        assert set(caret.strip()) == {"^"}
        assert (start, start + len(caret.strip())) == at, f"caret at {start}, want {at}:\n{result.stderr}"
    return lines[0][len("matcalc: error: "):]


# ---------------------------------------------------------------- success
def test_success_plain():
    result = diff("x^T A x", "--wrt", "x", "--format", "plain")
    no_traceback(result)
    assert result.exit_code == 0
    assert result.stdout == "x^T (A + A^T)\n"
    assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["pretty", "plain", "latex", "numpy", "json"])
def test_every_format_succeeds(fmt):
    result = diff("(x - A s)^T W (x - A s)", "--wrt", "s", "--symmetric", "W", "--format", fmt)
    no_traceback(result)
    assert result.exit_code == 0 and result.stdout.strip()
    if fmt != "pretty":
        assert result.stdout.count("\n") == 1  # one line


def test_options_before_the_expression_and_repeated():
    result = run("diff", "a^T X b", "--wrt", "X", "--shape", "a=3", "--shape", "b=2", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["variables"] == {"a": "3", "X": "3,2", "b": "2"}
    assert data["shape"] == ["3", "2"]


def test_layout_option():
    num = diff("x^T A x", "--wrt", "x", "--format", "plain")
    den = diff("x^T A x", "--wrt", "x", "--format", "plain", "--layout", "denominator")
    assert (num.stdout, den.stdout) == ("x^T (A + A^T)\n", "(A + A^T) x\n")


def test_hessian_with_wrt_twice():
    result = diff("x^T A x", "--wrt", "x", "--wrt", "x", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == "A + A^T\n"


def test_words_of_the_expression_are_joined():
    result = run("diff", "x^T", "A", "x", "--wrt", "x", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == "x^T (A + A^T)\n"


# ---------------------------------------------------------------- stdin and --
def test_dash_reads_stdin():
    result = run("diff", "-", "--wrt", "x", "--format", "plain", input="x^T x\n")
    assert result.exit_code == 0 and result.stdout == "2 x^T\n"


def test_dash_reads_a_multi_line_stdin():
    result = run("diff", "-", "--wrt", "x", "--format", "plain", input="x^T A\n  x\n")
    assert result.exit_code == 0 and result.stdout == "x^T (A + A^T)\n"


def test_double_dash_before_an_expression_that_begins_with_minus():
    result = run("diff", "--wrt", "x", "--format", "plain", "--", "-(x^T x)")
    no_traceback(result)
    assert result.exit_code == 0 and result.stdout == "-2 x^T\n"


def test_double_dash_logistic_loss():
    result = run("diff", "--wrt", "theta", "--format", "plain", "--",
                 "-(y^T log(sigmoid(X theta)) + (1 - y)^T log(1 - sigmoid(X theta)))")
    assert result.exit_code == 0 and result.stdout == "(sigmoid(X theta) - y)^T X\n"


def test_empty_stdin():
    one_error(run("diff", "-", "--wrt", "x", input=""))


# ---------------------------------------------------------------- --version and --help
def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"matcalc {__version__}"


def test_help():
    result = run("--help")
    assert result.exit_code == 0 and "diff" in result.stdout
    result = run("diff", "--help")
    assert result.exit_code == 0
    for option in ("--wrt", "--shape", "--symmetric", "--layout", "--format"):
        assert option in result.stdout


def help_text(*args: str, width: int = 80) -> str:
    """The help as main() prints it in a terminal `width` columns wide."""
    with mock.patch.dict(os.environ, {"COLUMNS": str(width)}):
        result = runner.invoke(app, [*args, "--help"], terminal_width=help_width(), prog_name="matcalc")
    assert result.exit_code == 0 and result.stderr == "", result.output
    return result.stdout


@pytest.mark.parametrize("command", [(), ("diff",), ("check",), ("identities",), ("batch",), ("convex",)],
                         ids=["matcalc", "diff", "check", "identities", "batch", "convex"])
def test_dash_h_is_help(command):
    assert run(*command, "-h").stdout == run(*command, "--help").stdout != ""


@pytest.mark.parametrize("command", ["diff", "check", "identities", "batch", "convex"])
@pytest.mark.parametrize("width", [60, 80, 160])
def test_help_reads_as_people_expect(command, width):
    text = help_text(command, width=width)
    assert not re.search(r"<[a-z\[\]]+>|\{EXPR\}", text), text  # no Python type names, no {EXPR}
    assert all(len(line) <= min(width, 80) - 2 for line in text.splitlines()), text
    assert all(line == line.rstrip() for line in text.splitlines())
    examples = text.split("Examples:\n", 1)[1]
    assert 2 <= sum(line.lstrip().startswith("$ matcalc") or "| matcalc" in line
                    for line in examples.splitlines()) <= 3, examples
    assert "-h, --help" in text


@pytest.mark.parametrize("command", ["diff", "check"])
def test_help_names_what_to_type(command):
    text = help_text(command)
    assert f"Usage: matcalc {command} [OPTIONS] [--] EXPR..." in text
    for record in ("--wrt VAR", "--shape NAME=SPEC", "--symmetric NAME", "--layout LAYOUT", "--format FORMAT"):
        assert record in text
    assert "numerator (the default) or denominator" in text
    assert "after -- is EXPR" in " ".join(text.split())
    names = list(FORMATS if command == "diff" else CHECK_FORMATS)
    formats = f"pretty (the default), {', '.join(names[1:-1])} or {names[-1]}"
    assert formats in " ".join(text.split())
    assert command == "check" or "latex, numpy, json" in formats


def test_help_sentences_wrap_between_words():
    # A sentence broken at 60 columns reads the same as at 160: only the spaces move (and an
    # example's line continuation).
    def words(text: str) -> list[str]:
        return [w for w in text.split() if w != "\\"]

    assert words(help_text("diff", width=60)) == words(help_text("diff", width=160))


def test_usage_error_is_one_matcalc_message():
    result = run("diff", "x", "--wrt", "x", "--zzz")  # nothing like it: click suggests --bold for --bogus
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "matcalc: error: No such option: --zzz"
    assert lines[1:] == ["Usage: matcalc diff [OPTIONS] [--] EXPR...", "Try 'matcalc diff --help' for help."]


def test_a_mistyped_command_gets_a_suggestion():
    result = run("dif", "x")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "matcalc: error: No such command 'dif'. Did you mean 'diff'?"


def test_help_of_a_subprocess_follows_columns():
    env = {"COLUMNS": "60", "NO_COLOR": "1", "PATH": ""}
    proc = subprocess.run([sys.executable, "-m", "matcalc_cli", "diff", "--help"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 58 and max(len(line) for line in lines) > 50


# ---------------------------------------------------------------- shell completion
def complete(shell: str, words: str) -> list[str]:
    """What the shell would offer after `words` (typer's protocol for each shell)."""
    env = {"_MATCALC_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = runner.invoke(app, [], env=env, prog_name="matcalc")
    assert result.exit_code == 0, result.output
    return result.stdout.split()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_of_commands_options_and_values(shell):
    assert "diff" in " ".join(complete(shell, "matcalc d" if shell != "bash" else "matcalc d"))
    options = " ".join(complete(shell, "matcalc diff --"))
    for option in ("--wrt", "--shape", "--symmetric", "--layout", "--format", "--verify", "--steps"):
        assert option in options
    formats = " ".join(complete(shell, "matcalc diff --format "))
    assert all(f in formats for f in ("pretty", "plain", "latex", "numpy", "json"))
    assert "latex" not in " ".join(complete(shell, "matcalc check --format "))
    layouts = " ".join(complete(shell, "matcalc diff --layout "))
    assert "numerator" in layouts and "denominator" in layouts


def test_help_example_continues_as_a_shell_would():
    from matcalc_cli.helpformat import shell_lines

    lines = shell_lines('$ matcalc diff "x^T A x" --wrt x --format plain', 36, "  ")
    assert lines == ['  $ matcalc diff "x^T A x" --wrt x \\', "      --format plain"]
    assert all(len(line) <= 36 for line in lines)


def test_completion_of_a_partial_value():
    assert complete("bash", "matcalc diff --format p") == [f for f in FORMATS if f.startswith("p")]
    assert complete("bash", "matcalc diff --format l") == ["latex"]
    assert complete("bash", "matcalc diff --layout d") == ["denominator"]


def test_completion_scripts_for_each_shell():
    for shell, marker in (("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command")):
        result = runner.invoke(app, [], env={"_MATCALC_COMPLETE": f"source_{shell}"}, prog_name="matcalc")
        assert result.exit_code == 0 and marker in result.stdout and "matcalc" in result.stdout


# ---------------------------------------------------------------- bad input: one message, a caret
@pytest.mark.parametrize("source, at, words", [
    ("(x^T A x", (8, 9), ["expected ')'"]),
    ("x^T A x +", (9, 10), ["end of input"]),
    ("x^T # x", (4, 5), ["unexpected character", "#"]),
    ("x^T A x)", (7, 8), ["unmatched ')'"]),
    ("x + * y", (4, 5), ["'*'"]),
])
def test_syntax_error(source, at, words):
    message = one_error(diff(source, "--wrt", "x"), source, at)
    for w in words:
        assert w in message


@pytest.mark.parametrize("source, options, at, message", [
    ("x^T y", ["--shape", "x=n", "--shape", "y=m"], (3, 4), "cannot multiply 1×n by m×1"),
    ("x^T A", ["--shape", "x=n", "--shape", "A=m,m"], (3, 4), "cannot multiply 1×n by m×m"),
    ("A * x", ["--shape", "A=n,m", "--shape", "x=k"], (2, 3), "cannot multiply n×m by k×1"),
    ("x + y", ["--shape", "x=n", "--shape", "y=m"], (2, 3), "cannot add n×1 and m×1"),
    ("x .* y", ["--shape", "x=n", "--shape", "y=m"], (2, 4), "cannot multiply elementwise n×1 by m×1"),
    ("det(X)", ["--shape", "X=n,m"], (0, 6), "det needs a square matrix, got n×m"),
    ("softmax(t)", ["--shape", "t=scalar"], (0, 10),
     "softmax needs a vector or a matrix (it acts on each row), got a scalar"),
])
def test_shape_mismatch(source, options, at, message):
    assert one_error(diff(source, "--wrt", "x", *options), source, at) == message


def test_unknown_function():
    source = "x^T A x + foo(x)"
    message = one_error(diff(source, "--wrt", "x"), source, (10, 13))
    assert "unknown function 'foo'" in message


@pytest.mark.parametrize("wrt", ["x+1", "", "2x", "x y"])
def test_bad_wrt(wrt):
    message = one_error(diff("x^T x", "--wrt", wrt))
    assert "--wrt" in message and repr(wrt) in message


def test_too_many_wrt():
    assert "--wrt" in one_error(diff("x^T x", "--wrt", "x", "--wrt", "x", "--wrt", "x"))


@pytest.mark.parametrize("spec", ["x", "=n", "1x=n", "x=n,m,k", "x=n m"])
def test_bad_shape(spec):
    message = one_error(diff("x^T x", "--wrt", "x", "--shape", spec))
    assert "shape" in message or "dimension" in message
    assert spec.partition("=")[2] in message or spec in message


@pytest.mark.parametrize("spec", ["x=", "x=n,", "x=0", "x=-1"])
def test_bad_dimension_names_the_option(spec):
    message = one_error(diff("x^T x", "--wrt", "x", "--shape", spec))
    assert "--shape" in message and spec in message


def test_bad_format():
    message = one_error(diff("x^T x", "--wrt", "x", "--format", "yaml"))
    assert "--format" in message and "yaml" in message


def test_bad_layout():
    message = one_error(diff("x^T x", "--wrt", "x", "--layout", "sideways"))
    assert "--layout" in message and "sideways" in message


def test_symmetric_non_square():
    message = one_error(diff("a^T W b", "--wrt", "W", "--shape", "W=3,4", "--symmetric", "W"))
    assert "--symmetric W" in message and "3×4" in message


def test_missing_wrt_is_a_usage_error():
    result = run("diff", "x^T x")
    no_traceback(result)
    assert result.exit_code == 2 and "--wrt" in result.output


@pytest.mark.parametrize("args, words", [
    # A word apart from the expression is a slip (a second variable without its --wrt), never a factor.
    (["diff", "x^T A x", "--wrt", "x", "y"], "'y' comes after --wrt x, apart from the expression 'x^T A x'"),
    (["diff", "x^T", "A", "--verify", "x", "--wrt", "x"], "'x' comes after --verify"),
    (["check", "x^T x", "--wrt", "x", "--expect", "2 x^T", "x"], "a second variable takes its own --wrt"),
    # An expression that begins with - is not a cluster of short options.
    (["diff", "-sum(Y .* log(S)) / m", "--wrt", "Y"], "put the expression after -- (matcalc diff [OPTIONS] -- EXPR)"),
])
def test_words_apart_from_the_expression_are_a_usage_error(args, words):
    result = run(*args)
    no_traceback(result)
    assert result.exit_code == 2 and words in result.output


@pytest.mark.parametrize("args", [
    ["diff", "x^T", "A", "x", "--wrt", "x"], ["diff", "--wrt", "x", "x^T", "A", "x"],
    ["diff", "--wrt=x", "--format", "plain", "x^T A x"], ["diff", "--wrt", "x", "--", "-x^T A x"],
])
def test_the_expressions_words_together_still_read(args):
    result = run(*args)
    assert result.exit_code == 0, result.output


def test_json_error_object_and_message():
    result = diff("x^T y", "--wrt", "x", "--shape", "x=n", "--shape", "y=m", "--format", "json")
    one_error(result, "x^T y", (3, 4))
    if result.stdout.strip():
        data = json.loads(result.stdout)
        assert data["error"]["message"] == "cannot multiply 1×n by m×1"
        assert (data["error"]["start"], data["error"]["end"]) == (3, 4)


# ---------------------------------------------------------------- hostile input
HOSTILE = {
    "empty": "",
    "blank": "   ",
    "plus": "+",
    "operators": "+-*/@.*./^",
    "only-postfix": "^T'",
    "open": "((((",
    "close": "))))",
    "unbalanced": "(x^T (A x)",
    "nested-5000": "(" * 5000 + "x" + ")" * 5000,
    "nested-calls": "exp(" * 300 + "x" + ")" * 300,
    "minus-10000": "-" * 10000 + "x",
    "transpose-10000": "x" + "'" * 10000,
    "sum-2000": " + ".join(f"x{i}" for i in range(2000)),
    "unicode": "θ^T x",
    "unicode-name": "x̂^T x",
    "superscript": "x²",
    "emoji": "x^T 🙂",
    "nul": "x\x00",
    "nul-inside": "x^T\x00x",
    "only-nul": "\x00",
    "rtl": "x^T \u202e x",
    "numbers": "1e999999 x",
    "huge-power": "x^999999999",
    "huge-exponent": "(x^T x)^99999",
    "zero-division": "x / 0",
    "bad-exponent": "x^x",
    "call-no-args": "tr()",
    "call-many-args": "tr(X, Y, Z)",
    "dims-as-names": "eye(x) x",
    "shell": "$(rm -rf /)",
    "newlines": "x^T\n\nA\n\nx",
    "long-name": "x" * 10000,
}


# Inputs whose message is an internal Python exception instead of the problem in the input.
LEAKS_AN_EXCEPTION: dict[str, str] = {}
_PYTHON_ERROR = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")


def _hostile_params():
    for name, source in HOSTILE.items():
        reason = LEAKS_AN_EXCEPTION.get(name)
        yield pytest.param(source, id=name,
                           marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


@pytest.mark.parametrize("source", [pytest.param(s, id=k) for k, s in HOSTILE.items()])
def test_hostile_input_never_gives_a_traceback(source):
    for fmt in ("plain", "json"):
        result = diff(source, "--wrt", "x", "--format", fmt)
        no_traceback(result)
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            one_error(result)
        else:  # a note (the --wrt x that does not occur) is all stderr may hold
            assert result.stdout.strip()
            assert all(line.startswith("matcalc: note: ") for line in result.stderr.splitlines())


@pytest.mark.parametrize("source", list(_hostile_params()))
def test_hostile_input_message_names_the_problem_not_an_exception(source):
    result = diff(source, "--wrt", "x", "--format", "plain")
    assert not _PYTHON_ERROR.search(result.stderr), result.stderr


@pytest.mark.parametrize("source", ["x\x00", "θ^T x", "(" * 3000 + "x" + ")" * 3000], ids=["nul", "unicode", "nested"])
def test_hostile_input_on_stdin(source):
    result = run("diff", "-", "--wrt", "x", "--format", "plain", input=source)
    no_traceback(result)
    assert result.exit_code in (0, 2)


def test_deep_nesting_is_differentiated():
    result = diff("(" * 5000 + "x^T x" + ")" * 5000, "--wrt", "x", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == "2 x^T\n"


def test_caret_of_a_very_long_line_stays_readable():
    source = " + ".join(["x^T x"] * 200) + " + foo(x)"
    result = diff(source, "--wrt", "x")
    one_error(result)
    lines = result.stderr.rstrip("\n").split("\n")
    assert len(lines) == 3 and max(len(line) for line in lines[1:]) < 200
    assert lines[1][lines[2].index("^"):].startswith("foo")


def test_a_20000_term_sum_is_answered():
    # Not a speed test (bench/ measures speed): the generous timeout only guards against a hang.
    source = " + ".join(f"x{i}" for i in range(20000))
    try:
        proc = subprocess.run([sys.executable, "-m", "matcalc_cli", "diff", "-", "--wrt", "x0", "--format", "plain"],
                              input=source, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("still running after 300 s")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0 and proc.stdout == "eye(n)\n"


def test_internal_errors_are_not_shown_as_such():
    # Names used as dimensions (eye(n)) must not surface as KeyError or similar.
    for source in ("eye(n) x", "ones(n) + x", "zeros(n, m) x"):
        result = diff(source, "--wrt", "x", "--format", "plain")
        no_traceback(result)
        assert "KeyError" not in result.stderr and "Exception" not in result.stderr


# ---------------------------------------------------------------- JSON output
@pytest.mark.parametrize("source, wrt, extra", [
    ("x^T A x", ["x"], []),
    ("a^T X b", ["X"], []),
    ("(A + t B)^-1", ["t"], []),
    ("logsumexp(x)", ["x", "x"], []),
    ("norm(w)^2 + lambda w^T w", ["w"], ["--layout", "denominator"]),
    ("logdet(Sigma)", ["Sigma"], ["--symmetric", "Sigma"]),
    ("X^-1", ["X"], []),
])
def test_json_output_has_the_contract_fields(source, wrt, extra):
    options = [o for w in wrt for o in ("--wrt", w)] + extra
    result = diff(source, *options, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    for key in ("input", "wrt", "derivative", "latex", "numpy", "shape", "layout", "variables"):
        assert key in data, key
    assert data["input"] == source
    assert data["wrt"] in (wrt[0], wrt)
    assert isinstance(data["shape"], list) and len(data["shape"]) == 2
    assert all(isinstance(d, str) for d in data["shape"])
    assert data["layout"] == ("denominator" if "denominator" in extra else "numerator")
    assert set(data["variables"]) >= {w for w in wrt}
    assert all(isinstance(v, str) for v in data["variables"].values())
    plain = diff(source, *options, "--format", "plain").stdout.strip()
    latex = diff(source, *options, "--format", "latex").stdout.strip()
    code = diff(source, *options, "--format", "numpy").stdout.strip()
    assert (data["derivative"], data["latex"], data["numpy"]) == (plain, latex, code)


def test_start_up_imports_nothing_heavy():
    # Help, --version and completion (run on every Tab) must not wait for sympy, numpy or rich.
    code = ("import sys, matcalc_cli.cli; "
            "print(sorted(m for m in ('sympy', 'numpy', 'rich') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_width_breaks_a_display_to_fit_and_is_checked():
    source = "sum((softmax(X Wq (X Wk)^T / sqrt(d)) X Wv) .* G)"
    wide = run("diff", source, "--wrt", "Wq", "--shape", "d=scalar", "--format", "latex", "--display")
    narrow = run("diff", source, "--wrt", "Wq", "--shape", "d=scalar", "--format", "latex", "--display",
                 "--width", "250")
    assert wide.exit_code == narrow.exit_code == 0
    assert narrow.stdout.count(r"&\quad") > wide.stdout.count(r"&\quad")
    for args, message in [(["--format", "latex", "--width", "300"], "--width applies to --format latex --display"),
                          (["--format", "latex", "--display", "--width", "5"], "100 to 2000")]:
        out = run("diff", "x^T A x", "--wrt", "x", *args)
        assert out.exit_code == 2 and message in out.output


# ------------------------------------------------------------------ issue 19: crashes and a clear word
def test_a_dimension_no_variable_has_in_a_claim_is_an_input_error() -> None:
    result = CliRunner().invoke(app, ["check", "mean(x)", "--wrt", "x", "--expect", "ones(n)^T / size(m)"])
    assert result.exit_code == 2
    assert "m is not a dimension of the expression (it has n)" in result.stderr


def test_a_required_option_after_double_dash_is_named_as_such() -> None:
    result = CliRunner().invoke(app, ["diff", "--format", "plain", "--", "x^T A x", "--wrt", "x"])
    assert result.exit_code == 2
    assert "--wrt comes after --, where everything is the expression: options go before --" in result.stderr


def test_the_numpy_line_states_the_dimensions_no_variable_carries() -> None:
    result = CliRunner().invoke(app, ["diff", "eye(k) / t", "--wrt", "t", "--shape", "t=scalar", "--format", "numpy"])
    assert result.exit_code == 0 and result.stdout == "-np.eye(k) / t ** 2\n"
    assert "the numpy line reads k, the size of dimension k, which no variable carries" in result.stderr
    out = CliRunner().invoke(app, ["diff", "eye(k) / t", "--wrt", "t", "--shape", "t=scalar", "--format", "json"])
    assert json.loads(out.stdout)["numpy_sizes"] == ["k"]
    plain = CliRunner().invoke(app, ["diff", "x^T A x", "--wrt", "x", "--format", "json"])
    assert "numpy_sizes" not in json.loads(plain.stdout)
