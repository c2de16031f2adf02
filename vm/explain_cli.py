"""`gdasm explain`: its options, the run recorded (history.py), and the expression behind a value."""

from __future__ import annotations

import argparse

from . import render, report
from .errors import RuntimeFault, UsageError, json_number
from .i18n import ntr, tr
from .inputs import make_machine, parse_sets, read_program, steps_option, warnings_for


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm explain` after the run options."""
    p.add_argument("register", metavar="REG", help=tr("a register, or ARRAY[i]"))
    p.add_argument("--at", type=steps_option, metavar="STEP", help=tr("explain the value just after this step"))
    p.add_argument("--depth", type=steps_option, default=8, metavar="N", help=tr("expand at most N levels (default 8)",
                                                                                 
                                                                                 ))


def run(args, con: report.Console) -> int:
    """Record the run up to --at (or its end), then print the tree of operations and inputs behind the value."""
    from .history import History, explanation, formula  # here: the other commands start without NumPy
    program = read_program(args.program, con)
    if not args.json:
        report.print_diagnostics(warnings_for(program, parse_sets(args.set)), con)
    h = History(make_machine(program, args))
    args.machine = h.m
    note = ""
    try:
        h.run(args.at)
    except RuntimeFault as fault:
        d = fault.diagnostic
        note = tr("note: the run stopped by a fault at step {step:,} (line {line}: {fmt}); values are as they stood "
                  "before it", step=fault.step, line=d.span.line, fmt=d.text(con.fmt))
    try:
        node = h.explain(args.register, depth=args.depth)
    except KeyError as e:
        raise UsageError(tr("explain: {args}", args=e.args[0])) from None
    if h.full:
        note = tr("note: recording stopped: {full}", full=h.full)
    if args.at is not None and h.step < args.at:
        note = note or ntr("note: the program stopped after {n:,} step, before step {at:,}",
                           "note: the program stopped after {n:,} steps, before step {at:,}", h.step, at=args.at)
    lines = explanation(node, con.fmt)
    if args.json:
        con.say(report.dumps({"register": args.register, "value": json_number(node.value), "step": h.step,
                              "formula": formula(node), "tree": lines[:-1]}))
        return 0
    con.say(tr("{register} after step {step:,}:", register=args.register, step=h.step))
    for line in lines:
        con.say(render.safe(line))
    if note:
        con.say(note)
    return 0
