"""The `gdasm` command: parse the command line, dispatch to the module that does the work, report errors."""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from typing import Optional, TextIO

from . import asm_cli, catalog, i18n, progress, render, report, source
from .errors import GdasmError, InputFileError, RuntimeFault, UsageError
from .i18n import mark, ntr, tr
from .inputs import (ArgParser, Only, add_engine_option, add_run_options, make_machine, parse_sets, read_program,
                     warnings_for)
from .ir import Program
from .machine import Machine
from .render import Formatter

EXIT_OK, EXIT_FAULT, EXIT_IOERR, EXIT_INTERRUPTED = 0, 70, 74, 130  # the other codes belong to the error types


# --- commands ------------------------------------------------------------------------------------------

def _warnings(program: Program, args) -> list:
    return warnings_for(program, parse_sets(getattr(args, "set", [])))


def _load(args, con: report.Console) -> Program:
    program = read_program(args.program, con)
    if not getattr(args, "json", False):
        report.print_diagnostics(_warnings(program, args), con)
    return program


def cmd_run(args, con: report.Console) -> int:
    if args.quiet and args.json:
        raise UsageError(tr("--quiet prints only the OUT values and --json one JSON document: choose one"))
    if args.profile and args.engine == "compiled":
        raise UsageError(tr("--profile counts every step, which only the reference engine does: drop --engine "
                            "compiled"))
    program = _load(args, con)
    show = progress.Steps(con.err, progress.wanted(con.err, args.quiet or args.json))
    hook = None if args.json else (lambda v: (show.clear(), con.say(con.fmt.value(v))))
    m = args.machine = make_machine(program, args, on_output=hook)
    if args.profile:
        m.count_steps()
    try:
        try:
            m.run(progress=show if show.enabled else None)
        finally:  # the display goes before anything else is printed
            show.close()
    except RuntimeFault as fault:
        if args.json:
            con.say(report.dumps({**report.state_json(m), **report.fault_json(fault, con.fmt), **_profile_json(args)}))
            return EXIT_FAULT
        if not args.quiet:
            report.print_state(m, con)
        _print_profile(args, con)
        con.out.flush()
        raise
    if args.json:
        con.say(report.dumps({**report.state_json(m), "status": m.status,
                              "warnings": [d.to_json() for d in _warnings(program, args)], **_profile_json(args)}))
        return EXIT_OK
    if not args.quiet:
        report.print_state(m, con)
    _print_profile(args, con)
    return EXIT_OK


def _profile_json(args) -> dict:
    """`--profile` under --json: the profile (vm/profile.py) as one more key."""
    if not args.profile:
        return {}
    from . import profile
    m = args.machine
    return {"profile": profile.to_json(profile.of_run(m, lambda: make_machine(m.program, args)))}


def _print_profile(args, con: report.Console, replay: bool = True) -> None:
    """`--profile`: the tables after everything else the command prints (no chain after an interrupt)."""
    if args.profile:
        from . import profile
        m = args.machine
        profile.say(con, profile.of_run(m, (lambda: make_machine(m.program, args)) if replay else None))


def cmd_trace(args, con: report.Console) -> int:
    from .trace_out import check_options, run_trace
    check_options(args)
    return run_trace(_load(args, con), args, con)


def cmd_debug(args, con: report.Console) -> int:
    from .debugger import debug
    if sys.stdin is None:  # `<&-`: there is nowhere to read commands from
        raise report.StreamError(errno.EBADF, tr("cannot read debugger commands: standard input is closed"))
    m = args.machine = make_machine(_load(args, con), args)
    return debug(m, stdout=con.out, fmt=con.fmt)


def cmd_check(args, con: report.Console) -> int:
    worst = EXIT_OK
    results = []
    for arg in args.programs:
        try:
            program = read_program(arg, con)
        except GdasmError as err:
            worst = max(worst, err.exit_code)
            results.append({"file": arg, "ok": False, "diagnostics": [d.to_json() for d in err.diagnostics]})
            if not args.json:
                report.print_diagnostics(err.diagnostics, con)
            continue
        results.append({"file": program.filename, "ok": True, "instructions": len(program.instructions),
                        "diagnostics": [d.to_json() for d in program.warnings]})
        if not args.json:
            report.print_diagnostics(program.warnings, con)
            con.say(ntr("{file}: ok ({n:,} instruction)", "{file}: ok ({n:,} instructions)",
                        len(program.instructions), file=program.filename))
    if args.json:
        con.say(report.dumps({"status": "ok" if worst == EXIT_OK else "error", "files": results}))
    return worst


def cmd_test(args, con: report.Console) -> int:
    from .expect import run_tests
    return run_tests(args.paths, con, args.json)


def cmd_list(args, con: report.Console) -> int:
    names = catalog.names()
    width, lang = max((len(n) for n in names), default=0), i18n.language()
    for name in names:
        con.say(f"{name:<{width}}  {catalog.description(catalog.find(name), lang)}")
    return EXIT_OK


def cmd_show(args, con: report.Console) -> int:
    path = catalog.find(args.name)
    if path is None:
        from .suggest import closest
        close = closest(args.name.removesuffix(".gdasm"), catalog.names())
        raise InputFileError(tr("{name}: no bundled program of that name", name=args.name)
                             + (tr("; did you mean '{close}'?",
                                   close=close) if close else tr("; `gdasm list` shows them")))
    if args.path:
        con.say(str(path))
    else:
        con.out.write(source.read_bounded(path, source.PROGRAM_LIMIT, tr("a program")).decode("utf-8"))
    return EXIT_OK


# --- the parser ----------------------------------------------------------------------------------------

_RUNNERS = (  # (name, help, module, its options, its runner, takes the run options); imported when it is run
    ("explain", mark("show how a register got its value: the operations and inputs behind it"), "explain_cli",
     "add_options", "run", True),
    ("grad", mark("differentiate a register with respect to inputs, over the run's own steps"), "grad_cli",
     "add_options", "run", True),
    ("gradcheck", mark("check that a program's gradient registers hold its loss's derivatives"), "grad_cli",
     "add_check_options", "run_check", True),
    ("plot", mark("draw a picture of a run: loss, path, lr, fit or regs (needs gdasm[plot])"), "plot_cli",
     "add_options", "run", True),
    ("html", mark("write one self-contained web page that steps through the run"), "html_cli", "add_options",
     "run", True),
    ("sweep", mark("run a program for every combination of some settings: a row each"), "sweeping", "add_options",
     "run", False),
)


def _parser(only: Optional[str] = None) -> ArgParser:
    """The command line; with `only`, the other commands are listed by name and help alone (inputs.Only)."""
    parser = ArgParser(prog="gdasm", description=tr("Run gradient descent as assembly, one register at a time."))
    parser.add_argument("--version", action=_Version, nargs=0, help=tr("print gdasm's version and exit"))
    parser.add_argument("--lang", dest="ui_lang", choices=i18n.LANGS, metavar="en|zh",
                        help=tr("the language of messages, help and pictures: en or zh (中文); default: the "
                             "environment's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)
    sub.required = True
    sub = Only(sub, only)
    p = sub.add_parser("run", help=tr("run a program; print its output and final registers"))
    add_run_options(p)
    p.add_argument("--quiet", action="store_true", help=tr("print only the program's OUT values"))
    p.add_argument("--profile", action="store_true",
                   help=tr("then, for each line, how often it ran and its modelled cycles; by region and mnemonic"))
    add_engine_option(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("trace", help=tr("print one row per step: what each instruction changed"))
    add_run_options(p)
    p.add_argument("--format", choices=("text", "csv", "json", "markdown"), default="text",
                   help=tr("text for people; csv or json (JSON Lines) for tools; markdown (with --table) for slides"))
    p.add_argument("--compare", action="store_true",
                   help=tr("run exact fractions beside binary64: add each write's exact value and the float's error"))
    p.add_argument("--table", action="store_true",
                   help=tr("a classroom trace table: a column per register, a row per step (from step 0)"))
    p.add_argument("--regs", metavar="A,B,...", help=tr("with --table: only these registers, in this order"))
    p.add_argument("--every", metavar="LABEL|LINE",
                   help=tr("with --table: a row each time this line is reached (one per iteration of a loop)"))
    p.add_argument("--profile", action="store_true",
                   help=tr("after the rows, for each line, how often it ran and its modelled cycles (text or json)"))
    p.set_defaults(func=cmd_trace)
    for name, about, module, options, func, run_options in _RUNNERS:  # commands with a module of their own
        p = sub.add_parser(name, help=tr(about))
        if sub.wants(name):
            module = importlib.import_module(f".{module}", __package__)
            if run_options:
                add_run_options(p)
            getattr(module, options)(p)
            p.set_defaults(func=getattr(module, func))
    p = sub.add_parser("debug", help=tr("a time-travel debugger: step forward and back, breakpoints, explain"))
    add_run_options(p, json=False)
    p.set_defaults(func=cmd_debug)
    asm_cli.add_parsers(sub)
    p = sub.add_parser("check", help=tr("assemble only, and report every error"))
    p.add_argument("programs", nargs="+", metavar="PROGRAM")
    p.add_argument("--json", action="store_true", help=tr("print JSON for tools instead of text"))
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("test", help=tr("run programs and check the '# expect' lines in their comments"))
    p.add_argument("paths", nargs="+", metavar="PATH", help=tr("files or folders (searched for *.gdasm)"))
    p.add_argument("--json", action="store_true", help=tr("print one JSON summary (for graders) instead of text"))
    p.set_defaults(func=cmd_test)
    p = sub.add_parser("list", help=tr("list the bundled programs"))
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("show", help=tr("print a bundled program's source (to copy and edit), or its path"))
    p.add_argument("name", metavar="NAME", help=tr("a bundled program's name (`gdasm list` shows them)"))
    p.add_argument("--path", action="store_true", help=tr("print where the program is installed instead"))
    p.set_defaults(func=cmd_show)
    return parser


class _Version(argparse.Action):
    """--version, reading the version only when asked: the installed metadata costs ~10 ms of every start-up."""

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__
        parser._print_message(f"gdasm {__version__}\n", sys.stdout)  # stdout, as argparse's own action; and a
        parser.exit()  # failed write is exit 74, as for --help


def main(argv: Optional[list[str]] = None, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Run the gdasm command line; returns the exit code. Output goes to the given streams (default: sys's).
    `--lang` holds for this command only: a caller's language (vm.i18n.use) is the same after it, and is the
    command's when it gives none."""
    lang, argv = i18n.from_command_line(sys.argv[1:] if argv is None else list(argv))
    if lang is None:
        return _language_chosen(argv, stdout, stderr)
    with i18n.use(lang):
        return _language_chosen(argv, stdout, stderr)


def _language_chosen(argv: list[str], stdout: Optional[TextIO], stderr: Optional[TextIO]) -> int:
    con = report.Console(*report.streams(stdout, stderr))
    try:
        code = _main(argv, con)
        con.out.flush()  # a full disk shows here, while gdasm can still say so
        return code
    except KeyboardInterrupt:  # in reporting something else: say no more
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away before the last flush
        report.discard_stdout()
        return EXIT_OK
    except OSError as exc:  # a closed stdout, a full disk, an input/output error: not a bug in gdasm
        if stdout is None:
            report.discard_stdout()
        what = exc.strerror if isinstance(exc, report.StreamError) else tr("input/output error: {value}",
                                                                           value=exc.strerror or exc)
        con.warn(tr("gdasm: error: {what}", what=what))
        return EXIT_IOERR
    except MemoryError:
        more = tr(", or fewer settings") if argv[:1] == ["sweep"] else ""
        con.warn(tr("gdasm: out of memory (a run this large needs a smaller --max-steps, or smaller arrays{more})",
                    more=more))
        return EXIT_FAULT
    except Exception as exc:  # a bug in gdasm: say so plainly, without a traceback
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" (at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno})" if tb else ""
        con.warn(tr("gdasm: internal error: {name}: {exc}{where}\nThis is a bug in gdasm, not in your program; "
                    "please report it with the command and the program that caused it.",
                    name=exc.__class__.__name__, exc=exc, where=where))
        return EXIT_FAULT


def _command(argv: list[str]) -> Optional[str]:
    """The command a command line names: its first word that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def _main(argv: list[str], con: report.Console) -> int:
    args = None
    parser = _parser(_command(argv) or "")  # only the command run is whole
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help or --version printed (to sys.stdout): it must reach it, or say why
            if sys.stdout is not None:
                sys.stdout.flush()
            return done.code if isinstance(done.code, int) else EXIT_OK
        if getattr(args, "lang", "") is None:  # a picture's or a page's words: gdasm's language unless given
            args.lang = i18n.language()
        con.fmt = Formatter(getattr(args, "numbers", "dec"))
        if getattr(args, "exact", False) and con.fmt.numbers != "dec":
            raise UsageError(tr("--numbers {numbers} shows binary64 doubles, but under --exact every value is an "
                                "exact fraction (28/3): leave out one of them", numbers=con.fmt.numbers))
        return args.func(args, con)
    except GdasmError as err:
        con.out.flush()
        if getattr(args, "json", False) or (args is None and _wants_json(parser, argv)):
            con.say(report.dumps(report.error_json(err, con.fmt)))
        elif err.diagnostics and err.diagnostics[0].filename:
            report.print_diagnostics(err.diagnostics, con)
        else:
            for d in err.diagnostics:
                con.warn(render.safe(d.message if d.message.startswith("gdasm") else tr("gdasm: error: {message}",
                                                                                        message=d.message)))
        return err.exit_code
    except KeyboardInterrupt:
        _interrupted(getattr(args, "machine", None), con)
        if getattr(args, "profile", False) and not getattr(args, "json", False) and getattr(args, "machine", None):
            try:  # the steps that ran before the interrupt (not followed again: that could be long)
                _print_profile(args, con, replay=False)
            except KeyboardInterrupt:
                pass
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`gdasm trace prog | head`): stop quietly.
        report.discard_stdout()
        return EXIT_OK


def _wants_json(parser: ArgParser, argv: list[str]) -> bool:
    """A command line that did not parse asked for JSON, and its command has --json."""
    command = _command(argv)
    choices = next((a.choices for a in parser._actions if getattr(a, "choices", None) and a.dest == "command"), {})
    sub = choices.get(command)
    return "--json" in argv and sub is not None and "--json" in sub._option_string_actions


def _interrupted(m: Optional[Machine], con: report.Console) -> None:
    """Ctrl-C: say where the run stopped. The step running when it came finished and is counted."""
    con.out.flush()
    if m is None:
        con.warn(tr("\ngdasm: interrupted"))
        return
    lines = ["\n" + tr("gdasm: interrupted after {steps}", steps=report.steps(m.steps))]
    if 0 <= m.pc < len(m.program.instructions) and m.status == "ready":
        ins = m.program.instructions[m.pc]
        lines[0] += tr("; step {n:,} would be {filename}:{line}: {text}",
                       n=m.steps + 1, filename=m.program.filename, line=ins.line, text=ins.text)
    for k, v in list(m.registers.items())[:40]:
        lines.append(f"  {k} = {con.fmt.value(v)}")
    con.warn("\n".join(lines))
