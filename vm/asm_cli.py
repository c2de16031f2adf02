"""`gdasm asm`, `listing`, `stats` and `disasm`: a program as an object file (objfile.py), beside its words, and back."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import render, report, source
from .i18n import tr
from .inputs import read_program


def add_parsers(sub) -> None:
    """The two commands, added to the command line's subparsers."""
    p = sub.add_parser("asm", help=tr("assemble a program into a binary object file (.gdbin)"))
    p.add_argument("program", help=tr("a .gdasm file, - for standard input, or a bundled program's name"))
    p.add_argument("-o", "--output", metavar="FILE.gdbin", help=tr("where to write it (default PROGRAM.gdbin here)"))
    p.add_argument("--strip", action="store_true", help=tr("leave out the debug section, names and spellings"))
    p.set_defaults(func=run_asm)
    p = sub.add_parser("listing", help=tr("each source line beside its address and 64-bit instruction word"))
    p.add_argument("program", help=tr("a .gdasm or .gdbin file, - for standard input, or a bundled program's name"))
    p.add_argument("--bits", action="store_true", help=tr("also each word's fields: opcode and operands"))
    p.set_defaults(func=run_listing)
    p = sub.add_parser("stats", help=tr("static facts: instructions by kind, registers, constants, sizes"))
    p.add_argument("program", help=tr("a .gdasm or .gdbin file, - for standard input, or a bundled program's name"))
    p.add_argument("--json", action="store_true", help=tr("print JSON for tools instead of text"))
    p.set_defaults(func=run_stats)
    p = sub.add_parser("disasm", help=tr("print a binary (.gdbin) as gdasm text that assembles back to it"))
    p.add_argument("program", metavar="FILE.gdbin", help=tr("a binary made by gdasm asm (- for standard input)"))
    p.set_defaults(func=run_disasm)


def run_asm(args: argparse.Namespace, con: report.Console) -> int:
    program = read_program(args.program, con)
    given = args.output
    if given is None:
        given = ("stdin" if args.program == "-" else Path(program.filename).name.removesuffix(".gdasm")
                 .removesuffix(".gdbin")) + ".gdbin"
    path = report.output_file(given, (".gdbin",), tr("a binary is written as FILE.gdbin"))
    from . import objfile  # here: the other commands start without it
    report.write_file(path, objfile.write(program, args.strip))
    con.say(render.safe(str(path)))
    return 0


def run_disasm(args: argparse.Namespace, con: report.Console) -> int:
    import sys
    from . import datafile
    from .inputs import find_program
    if args.program == "-":
        stdin = sys.stdin and sys.stdin.buffer
        data, shown = source.read_bounded(stdin, source.BINARY_LIMIT, tr("a binary")), "<stdin>"
    else:
        path = find_program(args.program, con)
        shown = str(path)
        data = datafile.read_input(path, shown, tr("a binary"), source.BINARY_LIMIT)
    from . import objfile
    con.out.write(objfile.disassemble(objfile.read(data, shown)))
    return 0


def run_listing(args: argparse.Namespace, con: report.Console) -> int:
    from .listing import listing
    for line in listing(read_program(args.program, con), args.bits):
        con.say(line)
    return 0


def run_stats(args: argparse.Namespace, con: report.Console) -> int:
    from .stats import stats, stats_text
    facts = stats(read_program(args.program, con))
    if args.json:
        con.say(report.dumps(facts))
    else:
        for line in stats_text(facts):
            con.say(render.safe(line))
    return 0
