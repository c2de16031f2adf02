"""What a command runs on: the program (a path, `-`, or a bundled name), `--set`, `--data` and a Machine."""

from __future__ import annotations

import argparse
import errno
import re
import sys
from pathlib import Path
from typing import Optional

from . import catalog, datafile, isa, render, report, source
from .errors import Diagnostic, InputFileError, UsageError
from .i18n import mark, tr
from .ir import Program
from .machine import DEFAULT_MAX_STEPS, ENGINES, Machine
from .numbers import finite_text, full_width_hint, is_decimal
from .render import NUMBER_FORMATS
from .suggest import closest

_NAME = re.compile(r"[^\W\d]\w*\Z")


def find_program(arg: str, con) -> Path:
    """The file PROGRAM names: a path, or a bundled program's name.

    A file in the current folder named like a bundled program (`gradient_step.gdasm`) wins over the
    bundled one — a learner edits a copy and expects their copy to run — and a note on stderr says so.
    """
    path = Path(arg)
    if source.exists(path):
        return path
    local = Path(arg + ".gdasm")
    try:
        found = catalog.find(arg)
        is_local = local.is_file() and not arg.endswith(".gdasm")
    except OSError:  # a name too long to be a bundled program or a file: reading it says why
        return path
    if is_local:
        if found is not None:
            con.warn(tr("gdasm: note: running {local} from this folder, not the bundled program '{arg}' (`gdasm show "
                        "{arg}` prints the bundled one)", local=local, arg=arg))
        return local
    if found is None:
        close = closest(arg.removesuffix(".gdasm"), catalog.names()) if len(arg) < 100 else None
        hint = tr("; did you mean the bundled program '{close}'?", close=close) if close else \
            tr("; `gdasm list` shows the bundled programs")
        raise InputFileError(tr("{arg}: no such file or bundled program{hint}", arg=source.shorten(arg), hint=hint))
    return found


def read_program(arg: str, con) -> Program:
    """Assemble PROGRAM: a path, `-` for standard input, or a bundled program's name (see find_program)."""
    from .assembler import program_from  # a .gdbin file, or one that starts with the binary's magic, is a binary
    from .source import read_program_bytes
    if arg == "-":
        return program_from(read_program_bytes(sys.stdin and sys.stdin.buffer), "<stdin>")
    path = find_program(arg, con)
    shown = path.name if path.parent == catalog.programs_dir() else str(path)
    return program_from(read_program_bytes(path, shown), shown)


def first_write_before_read(program: Program, name: str):
    """The instruction that writes register `name` before anything can read it — on the straight path every
    run starts with, before any jump — or None."""
    for ins in program.instructions:
        if any(r.name == name for r in ins.reads):
            return None
        if ins.dest is not None and ins.dest.name == name:
            return ins
        if ins.op.effects.transfer or ins.op.effects.stops:
            return None
    return None


def set_overwritten(program: Program, name: str, value: str) -> Diagnostic:
    """A warning: `--set NAME=VALUE` has no effect, because this instruction overwrites it first."""
    ins = first_write_before_read(program, name)
    return Diagnostic("warning", tr("--set {name}={value} has no effect: this instruction writes '{name}' before "
                                    "anything reads it",
                                    name=name, value=value), program.filename, ins.span, program.lines[ins.line - 1],
                      hint=tr("to start from another {name}, edit this line (`gdasm show` prints a bundled program "
                              "to copy)", name=name), code="set-overwritten", subject=name)


def warnings_for(program: Program, given: dict) -> list:
    """The program's warnings, less 'never written' for registers the command line sets, and a warning for
    each `--set` the program overwrites before reading it."""
    kept = [d for d in program.warnings if not (d.code == "never-written" and d.subject in given)]
    return sorted(kept + [set_overwritten(program, name, value) for name, value in given.items()
                          if first_write_before_read(program, name) is not None],
                  key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))


def _number_text(text: str, option: str) -> str:
    number = finite_text(text)
    if number is None:
        if is_decimal(text):
            raise UsageError(tr("{option}: '{text}' is not a finite number (it does not fit a binary64 float)",
                                option=option, text=text))
        wide = full_width_hint(text)
        if wide:
            raise UsageError(tr("{option}: '{text}' is not a number: {hint}", option=option, text=text, hint=wide))
        raise UsageError(tr("{option}: '{text}' is not a number (write it as a program does: 2, -0.5, 1e-3)",
                            option=option, text=text))
    return number


def _assignment(item: str, option: str, form: str) -> tuple[str, str]:
    """`NAME=TEXT` of an option, or a UsageError that shows the option's form."""
    name, eq, val = item.partition("=")
    name = name.strip()
    if not eq or not _NAME.match(name):
        raise UsageError(tr("{option} {item}: write {option} {form}", option=option, item=item, form=form))
    return name, val


def parse_sets(items: list[str]) -> dict:
    """`--set NAME=VALUE` options to {name: text}; values keep their text for exact arithmetic."""
    out = {}
    for item in items:
        name, val = _assignment(item, "--set", tr("NAME=NUMBER"))
        out[name] = _number_text(val, f"--set {item}")
    return out


def parse_data(items: list[str], base: Optional[Path] = None, exact: bool = False) -> dict:
    """`--data NAME=V1,V2,...`, `NAME=@FILE.csv:COLUMN` or `NAME=@FILE` options to {name: [value, ...]}.

    Files are read with the room the arrays have left, so the total is checked while reading, not after.
    """
    out: dict = {}
    for item in items:
        name, val = _assignment(item, "--data", tr("NAME=V1,V2,... or NAME=@FILE.csv:COLUMN"))
        out.pop(name, None)  # a later --data for the same array replaces the earlier one
        room = (isa.MAX_EXACT_ARRAYS_TOTAL if exact else isa.MAX_ARRAYS_TOTAL) - sum(map(len, out.values()))
        if val.startswith("@"):
            out[name] = datafile.load(val, f"--data {item}", base, room=room, exact=exact)
            continue
        parts = val.split(",") if val.strip() else []
        out[name] = [_number_text(p, f"--data {item}") for p in parts]
    return out


def run_inputs(args, base: Optional[Path] = None, exact: Optional[bool] = None) -> dict:
    """The command line's --set, --data, --max-steps and --exact, read once, as Machine's keyword arguments."""
    exact = getattr(args, "exact", False) if exact is None else exact
    return {"registers": parse_sets(args.set), "arrays": parse_data(args.data, base, exact),
            "max_steps": args.max_steps, "exact": exact}


def make_machine(program: Program, args, base: Optional[Path] = None, exact: Optional[bool] = None,
                 on_output=None) -> Machine:
    """A Machine for PROGRAM with the command line's --set, --data, --max-steps and --exact."""
    return Machine(program, **run_inputs(args, base, exact), on_output=on_output,
                   engine=getattr(args, "engine", "auto"))


# argparse's own words, as it writes them (Python 3.10 to 3.13), and the same in the reader's language: argparse
# reads its words from gettext's process-wide default domain, which a library must not take over.
_ARGPARSE_ERRORS = (
    (re.compile(r"the following arguments are required: (?P<names>.*)\Z", re.S),
     mark("the following arguments are required: {names}")),
    (re.compile(r"unrecognized arguments: (?P<words>.*)\Z", re.S), mark("unrecognized arguments: {words}")),
    (re.compile(r"argument (?P<option>[^:]*): invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)\Z", re.S),
     mark("argument {option}: invalid choice: {value} (choose from {choices})")),
    (re.compile(r"argument (?P<option>[^:]*): expected one argument\Z"), mark("argument {option}: expected one argument")),
    (re.compile(r"argument (?P<option>[^:]*): invalid (?P<type>\S+) value: (?P<value>.*)\Z", re.S),
     mark("argument {option}: invalid {type} value: {value}")),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)\Z", re.S),
     mark("ambiguous option: {option} could match {matches}")),
    # last: an option's own type's message (already in the language in use) after argparse's English head
    (re.compile(r"argument (?P<option>[^:]*): (?P<message>.*)\Z", re.S), mark("argument {option}: {message}")),
)
_ARGPARSE_HEADINGS = (("usage: ", mark("usage: ")), ("\npositional arguments:\n", mark("\npositional arguments:\n")),
                      ("\noptions:\n", mark("\noptions:\n")),
                      ("show this help message and exit", mark("show this help message and exit")))


def _argparse_words(text: str, table) -> str:
    for pattern, message in table:
        m = pattern.match(text)
        if m:
            return tr(message, **m.groupdict())
    return text


class WideHelpFormatter(argparse.HelpFormatter):
    """argparse's help wrapped by terminal columns, as render.wrap does it: a Chinese character takes two, and a
    line may break between two of them (argparse counts characters and breaks only at spaces)."""

    def _split_lines(self, text, width):
        if text.isascii():
            return super()._split_lines(text, width)
        return render.wrap(text, width)

    def _fill_text(self, text, width, indent):
        if text.isascii():
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in render.wrap(text, width - len(indent)))


class ArgParser(argparse.ArgumentParser):
    """argparse, but a bad command line is a UsageError (exit 64), not exit 2; its words in the reader's language."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", WideHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(tr("{prog}: error: {message}", prog=self.prog,
                            message=_argparse_words(message, _ARGPARSE_ERRORS)) + self._suggestion(message))

    def _suggestion(self, message: str) -> str:
        """`; did you mean 'run'?` for a mistyped command or choice (rnu), or option (--tabel); else ""."""
        choice = re.match(r"argument [^:]*: invalid choice: '(.*)' \(choose from (.*)\)\Z", message, re.S)
        if choice:
            word, candidates = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
        else:
            unknown = re.match(r"unrecognized arguments: (\S+)", message)
            if not unknown or not unknown.group(1).startswith("--"):
                return ""
            word = unknown.group(1).split("=")[0]
            candidates = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
            for a in self._actions:  # a subcommand's options too: `gdasm run x --tabel` fails in the top parser
                for sub in (getattr(a, "choices", None) or {}).values() if isinstance(a, argparse._SubParsersAction) \
                        else ():
                    candidates += [o for b in sub._actions for o in b.option_strings if o.startswith("--")]
        close = closest(word, candidates, 0.75) if len(word) < 100 else ""  # a near miss only: --help is not
        return tr("; did you mean '{close}'?", close=close) if close else ""

    def format_usage(self) -> str:
        return self._translated(super().format_usage())

    def format_help(self) -> str:
        return self._translated(super().format_help())

    @staticmethod
    def _translated(text: str) -> str:
        for english, message in _ARGPARSE_HEADINGS:
            text = text.replace(english, tr(message), 1)
        return text

    def _print_message(self, message, file=None):
        # argparse swallows a failed write of --help (a full disk, a closed stdout); gdasm says so (exit 74).
        if message:
            if file is None:  # sys.stdout is None: gdasm started with it closed (`>&-`)
                raise report.StreamError(errno.EBADF, tr("cannot write to standard output: it is closed"))
            try:
                file.write(message)
                file.flush()
            except BrokenPipeError:  # `gdasm --help | head`: quiet, as everywhere
                raise
            except OSError as e:
                raise report.StreamError(e.errno, tr("cannot write to standard output: {strerror}",
                                                     strerror=e.strerror)) from None


class Only:
    """The command line's subparsers where only one command gets its options: every other is added bare (its
    name and help, all that `gdasm --help` and a misspelt command need), and what it would add is dropped, so
    a command's start-up builds and imports only its own. `only` None: every command is whole."""

    def __init__(self, sub, only: Optional[str]):
        self.sub, self.only = sub, only

    def add_parser(self, name: str, **kw):
        p = self.sub.add_parser(name, **kw)
        return p if self.wants(name) else _Dropped()

    def wants(self, name: str) -> bool:
        return self.only is None or self.only == name


class _Dropped:
    """Takes any option or default given to a command that is not being run, and keeps none."""

    def __getattr__(self, name):
        return lambda *a, **kw: self


def steps_option(text: str) -> int:
    """A whole number ≥ 0 of steps; `1_000_000` and `1,000,000` read as a million."""
    shown = source.shorten(text)
    try:
        n = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(tr("'{shown}' is not a whole number", shown=shown)) from None
    if n < 0:
        raise argparse.ArgumentTypeError(tr("'{shown}' is negative", shown=shown))
    return n


def add_engine_option(p: argparse.ArgumentParser) -> None:
    """`gdasm run --engine`: how the run is computed (docs/performance.md)."""
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help=tr("compiled (the program as generated Python), reference (the engine that steps and "
                        "traces) or auto (the default: compiled once a run passes 20,000 steps, except under "
                        "--exact or --profile); every engine gives the same results"))


def add_run_options(p: argparse.ArgumentParser, program: bool = True, json: bool = True,
                    max_steps: int = DEFAULT_MAX_STEPS) -> None:
    """The options of every command that runs a program (and `# run:` lines)."""
    if program:
        p.add_argument("program", help=tr("a .gdasm file, - for standard input, or a bundled program's name"))
    p.add_argument("--set", action="append", default=[], metavar="NAME=NUMBER",
                   help=tr("set a register before the run (overrides .reg)"))
    p.add_argument("--data", action="append", default=[], metavar="NAME=V1,V2,...",
                   help=tr("replace an array before the run (its length may change); also "
                        "NAME=@FILE.csv:COLUMN (a CSV column by its header) or NAME=@FILE (one number a line); "
                        "a bundled data file by its name, e.g. @us_population.csv:year"))
    p.add_argument("--max-steps", type=steps_option, default=max_steps, metavar="N",
                   help=tr("stop with a fault after N steps (default {max_steps:,})", max_steps=max_steps))
    p.add_argument("--exact", action="store_true", help=tr("compute in exact fractions instead of binary64"))
    if json:
        p.add_argument("--json", action="store_true", help=tr("print JSON for tools instead of text"))
    p.add_argument("--numbers", choices=NUMBER_FORMATS, default="dec",
                   help=tr("show values as dec (shortest repr), hex (float.hex), bits (IEEE-754 fields) "
                        "or exact (the double's exact decimal value)"))
