"""Help and usage errors as people expect them from git or ripgrep: plain text that wraps
at the terminal's width, metavars that name what to type (EXPR, VAR, NAME=SPEC), an
Examples section, and usage errors in the same `matcalc: error:` style as every other.

typer's click classes with these overrides, and with coercion.py's plain coercion of
values (no pydantic); cli.py declares the commands with them.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer import _click
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from matcalc_cli import coercion
from matcalc_cli.cli_output import cannot_write

HELP_OPTIONS = ["--help", "-h"]  # the first is the one usage errors point to
MAX_WIDTH = 80  # help reads best at most this wide, even in a wide terminal


def help_width() -> int:
    """The width help wraps at: the terminal's (COLUMNS when set), at most MAX_WIDTH,
    less a margin, so that no line is broken again by the terminal."""
    return max(min(shutil.get_terminal_size().columns, MAX_WIDTH) - 2, 30)


def _words_together(ctx: _click.Context, params: Sequence[_click.Parameter], args: Sequence[str]) -> None:
    """EXPR's words are one run of the command line. A word apart from them is a slip, never
    a factor of the expression: `diff "f(x)" --wrt x y` means a second --wrt, not f(x) y.
    And an expression that begins with -, unquoted by --, is not an unknown option."""
    value = {o: not p.is_flag for p in params if isinstance(p, TyperOption) for o in (*p.opts, *p.secondary_opts)}
    words: list[str] = []  # the expression's words so far
    since: list[str] = []  # the options since the last of them
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":  # a required option only after it would be 'missing': say where it is instead
            before = {w.split("=", 1)[0] for w in args[:i]}
            required = {o for p in params if isinstance(p, TyperOption) and p.required for o in p.opts}
            late = [w for w in args[i + 1:] if w.split("=", 1)[0] in required and w.split("=", 1)[0] not in before]
            if late:
                raise UsageError(f"{late[0].split('=', 1)[0]} comes after --, where everything is the expression: "
                                 "options go before --", ctx=ctx)
            return
        if a in value or (a.startswith("--") and a.split("=", 1)[0] in value):
            taken = 2 if value.get(a, False) and "=" not in a else 1
            since.append(" ".join(args[i:i + taken]))
            i += taken
            continue
        if a.startswith("-") and a != "-":
            if not all(c.isalnum() or c in "-_=" for c in a):
                raise UsageError(f"{a!r} is read as options, and it looks like an expression that begins with "
                                 f"'-': put the expression after -- ({ctx.command_path} [OPTIONS] -- EXPR)", ctx=ctx)
            return  # an unknown option: click says so
        if words and since:
            raise UsageError(f"{a!r} comes after {' '.join(since)}, apart from the expression "
                             f"{' '.join(words)!r}: a second variable takes its own --wrt (--wrt x --wrt y); "
                             "a word of the expression goes with the others (quote the expression)", ctx=ctx)
        words.append(a)
        since = []
        i += 1


def _usage_error(e: UsageError) -> None:
    ctx = e.ctx
    lines = [f"matcalc: error: {e.format_message()}"]
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(f"Try '{ctx.command_path} {HELP_OPTIONS[0]}' for help.")
    sys.stderr.write("\n".join(lines) + "\n")


class Group(TyperGroup):
    """The matcalc group: usage errors as one `matcalc: error:` message, exit 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as e:  # `matcalc` alone: the help, on stderr
            e.show()
            sys.exit(2)
        except UsageError as e:
            _usage_error(e)
            sys.exit(2)
        except _click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except typer.Abort:
            sys.stderr.write("matcalc: aborted\n")
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)

    # A reader that closed the pipe (| head) ends matcalc in these two, quietly with its own
    # status: past them click's main makes it a silent exit 1, a failed check's.
    def make_context(self, info_name: str | None, args: list[str], parent: _click.Context | None = None,
                     **extra: Any) -> _click.Context:
        try:  # matcalc --help writes here
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError as ex:
            cannot_write(ex)

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as ex:
            cannot_write(ex)

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        coercion.install(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        write_examples(self.epilog, formatter)


class Command(TyperCommand):
    """A command whose usage reads `[OPTIONS] [--] EXPR...`, whose arguments show their
    metavar and nothing else, and whose epilog is its examples."""

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        coercion.install(self.get_params(ctx))
        if any(isinstance(p, TyperArgument) and p.nargs == -1 for p in self.params):
            _words_together(ctx, self.get_params(ctx), args)
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.params:
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                pieces.append(f"[--] {name}..." if param.nargs != 1 else name)
        return pieces

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                args.append((name + ("..." if param.nargs != 1 else ""), getattr(param, "help", "") or ""))
            else:
                record = param.get_help_record(ctx)
                if record is not None:
                    opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)

    def format_epilog(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        write_examples(self.epilog, formatter)


def write_examples(epilog: str | None, formatter: _click.HelpFormatter) -> None:
    """An Examples section: a line that starts with `$ ` is a command, broken (if at all)
    between shell words with a trailing backslash, as a shell reads it; any other line is
    a sentence, wrapped to the width."""
    if not epilog:
        return
    from typer._click.formatting import wrap_text

    with formatter.section("Examples"):
        indent = " " * formatter.current_indent
        for line in epilog.strip().splitlines():
            if line.startswith("$ "):
                formatter.write("".join(f"{part}\n" for part in shell_lines(line, formatter.width, indent + "  ")))
            elif line.strip():
                text = wrap_text(line.strip(), formatter.width, initial_indent=indent, subsequent_indent=indent)
                formatter.write(text + "\n")
            else:
                formatter.write("\n")


def shell_words(command: str) -> list[str]:
    """The command split at spaces outside quotes (the words keep their quotes)."""
    words, word, quote = [], "", ""
    for ch in command:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == " ":
            if word:
                words.append(word)
            word = ""
            continue
        word += ch
    return [*words, word] if word else words


def shell_lines(command: str, width: int, indent: str) -> list[str]:
    """command within width: broken only before an option or a pipe (never between an
    option and its value); continued lines end in ` \\` and are indented further."""
    units: list[str] = []
    for word in shell_words(command):
        if units and not (word.startswith("-") or word == "|"):
            units[-1] += " " + word
        else:
            units.append(word)
    lines, line = [], indent + units[0]
    for unit in units[1:]:
        if len(line) + 1 + len(unit) + 2 > width:
            lines.append(line + " \\")
            line = indent + "    " + unit
        else:
            line += " " + unit
    return [*lines, line]
