"""`gdasm grad`: its options, the derivatives with their finite-difference estimates, warnings, JSON."""

from __future__ import annotations

import argparse

from . import report
from .errors import json_number
from .grad import grad
from .inputs import parse_data, parse_sets, read_program, steps_option, warnings_for


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm grad` after the run options."""
    p.add_argument("register", metavar="REG", help="the register to differentiate")
    p.add_argument("--wrt", required=True, metavar="IN[,IN...]",
                   help="the inputs: registers (their starting value, or their first write when it is a MOV of "
                        "a constant), array elements x[2], or whole arrays x")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--at", type=steps_option, metavar="STEP", help="the register's value after this step")
    where.add_argument("--at-out", type=steps_option, metavar="K", help="the register's value at the K-th OUT")


def run(args, con: report.Console) -> int:
    """Differentiate, print each derivative beside its estimate, and the warnings that qualify them."""
    program = read_program(args.program, con)
    warnings = warnings_for(program, parse_sets(args.set))
    g = grad(program, args.register, args.wrt, parse_sets(args.set), parse_data(args.data, exact=args.exact),
             args.max_steps, args.exact, args.at, args.at_out or None)
    found = list(warnings) + list(g.warnings)
    if args.json:
        con.say(report.dumps({
            "register": g.register, "value": json_number(g.value), "step": g.step,
            "derivatives": [{"input": d.input, "value": json_number(d.value), "estimate": d.estimate,
                             "h": d.h, "agrees": d.agrees} for d in g.derivatives],
            "warnings": [w.to_json() for w in found]}))
        return 0
    report.print_diagnostics(found, con)
    fmt = con.fmt
    con.say(f"{g.register} = {fmt.value(g.value)} after step {g.step:,} — the derivative of this run's path:")
    width = max(len(f"∂{g.register}/∂{d.input}") for d in g.derivatives)
    for d in g.derivatives:
        line = f"  {('∂' + g.register + '/∂' + d.input):<{width}} = {fmt.value(d.value)}"
        if d.estimate is not None:
            verdict = "agrees" if d.agrees else "DIFFERS"
            line += f"   (central difference {d.estimate!r}, h = {d.h:.3g}: {verdict})"
        elif d.h is not None:
            line += f"   (no central difference: a run with the input moved by ±{d.h:.3g} faults)"
        con.say(line)
    return 0
