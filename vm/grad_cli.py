"""`gdasm grad`: its options, the derivatives with their finite-difference estimates, warnings, JSON."""

from __future__ import annotations

import argparse

from . import report
from .render import display_width, ljust, rjust
from .errors import UsageError, json_number
from .i18n import joined, tr
from .inputs import parse_data, parse_sets, read_program, steps_option, warnings_for


def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm grad` after the run options."""
    p.add_argument("register", metavar="REG", help=tr("the register to differentiate"))
    p.add_argument("--wrt", required=True, metavar="IN[,IN...]",
                   help=tr("the inputs: registers (their starting value, or their first write when it is a MOV of "
                        "a constant), array elements x[2], or whole arrays x"))
    where = p.add_mutually_exclusive_group()
    where.add_argument("--at", type=steps_option, metavar="STEP", help=tr("the register's value after this step"))
    where.add_argument("--at-out", type=steps_option, metavar="K", help=tr("the register's value at the K-th OUT"))
    p.add_argument("--backward", action="store_true",
                   help=tr("print the backward pass: each step on a path from the inputs to REG, newest first, with "
                        "the adjoint updates it makes"))
    p.add_argument("--format", choices=("text", "csv", "json"), default="text",
                   help=tr("with --backward: text for people, csv or json (JSON Lines) for tools"))


def run(args, con: report.Console) -> int:
    """Differentiate, print each derivative beside its estimate, and the warnings that qualify them."""
    from .autodiff import grad  # here: the other commands start without it
    program = read_program(args.program, con)
    warnings = warnings_for(program, parse_sets(args.set))
    g = grad(program, args.register, args.wrt, parse_sets(args.set), parse_data(args.data, exact=args.exact),
             args.max_steps, args.exact, args.at, args.at_out or None)
    found = list(warnings) + list(g.warnings)
    if args.format != "text" and not args.backward:
        raise UsageError(tr("--format {format} shapes the backward pass: add --backward", format=args.format))
    if args.backward:
        report.print_diagnostics(found, con)
        _backward(g, program, args, con)
        return 0
    if args.json:
        con.say(report.dumps({
            "register": g.register, "value": json_number(g.value), "step": g.step,
            "derivatives": [{"input": d.input, "value": json_number(d.value), "estimate": d.estimate,
                             "h": d.h, "agrees": d.agrees} for d in g.derivatives],
            "warnings": [w.to_json() for w in found]}))
        return 0
    report.print_diagnostics(found, con)
    fmt = con.fmt
    con.say(tr("{register} = {value} after step {step:,} — the derivative of this run's path:",
               register=g.register, value=fmt.value(g.value), step=g.step))
    width = max(len(f"∂{g.register}/∂{d.input}") for d in g.derivatives)
    for d in g.derivatives:
        line = f"  {('∂' + g.register + '/∂' + d.input):<{width}} = {fmt.value(d.value)}"
        if d.estimate is not None:
            verdict = tr("agrees") if d.agrees else tr("DIFFERS")
            line += tr("   (central difference {estimate!r}, h = {h:.3g}: {verdict})",
                       estimate=d.estimate, h=d.h, verdict=verdict)
        elif d.h is not None:
            line += tr("   (no central difference: a run with the input moved by ±{h:.3g} faults)", h=d.h)
        con.say(line)
    return 0


def _backward(g, program, args, con: report.Console) -> None:
    """The backward pass, newest step first; the updates of each input's ∂ add up to its derivative."""
    import csv
    from .autodiff import backward
    rows = backward(g, program)
    fmt = con.fmt
    if args.format == "json" or args.json:
        for r in rows:
            con.say(report.dumps({"step": r.step, "line": r.line, "instruction": r.text, "updates": [
                {"to": u.to, "partial": json_number(u.partial), "from": u.source, "adjoint": json_number(u.adjoint),
                 "add": json_number(u.add)} for u in r.updates]}))
        con.say(report.dumps({"register": g.register, "derivatives": {
            d.input: json_number(d.value) for d in g.derivatives}, "rows": len(rows), "steps": g.step}))
        return
    if args.format == "csv":
        out = csv.writer(con.out, lineterminator="\n")
        out.writerow(["step", "line", "instruction", "to", "partial", "from", "adjoint", "add"])
        for r in rows:
            for u in r.updates:
                plain = fmt.plain  # CSV cells as tools read them, in any language
                out.writerow([r.step, r.line, r.text, u.to, plain.value(u.partial), u.source,
                              plain.value(u.adjoint), plain.value(u.add)])
        return
    con.say(tr("the backward pass of {register} (∂v means ∂{register}/∂v; v@N is the value step N wrote), newest "
               "step first:", register=g.register))
    heads = [tr("step"), tr("line"), tr("instruction"), tr("adjoint updates")]
    width = max([display_width(r.text) for r in rows] + [display_width(heads[2])])
    con.say(f"{rjust(heads[0], 6)}  {rjust(heads[1], 4)}  {ljust(heads[2], width)}  {heads[3]}")
    for r in rows:
        first = True
        for u in r.updates:
            head = f"{r.step:>6,}  {r.line:>4}  {ljust(r.text, width)}" if first else " " * (14 + width)
            con.say(f"{head}  ∂{u.to} += {fmt.value(u.partial)} × ∂{u.source} "
                    f"({fmt.value(u.adjoint)}) = {fmt.value(u.add)}")
            first = False
    skipped = g.step - len(rows)
    con.say(tr("-- {rows:,} steps on the path; {skipped:,} depend on no input and are not shown --",
               rows=len(rows), skipped=skipped))
    for d in g.derivatives:
        con.say(tr("∂{register}/∂{input} = {value} (the sum of its updates above)",
                   register=g.register, input=d.input, value=fmt.value(d.value)))


def add_check_options(p: argparse.ArgumentParser) -> None:
    """The options of `gdasm gradcheck` after the run options."""
    p.add_argument("--loss", required=True, metavar="REG", help=tr("the register holding the loss"))
    p.add_argument("--grad", required=True, metavar="PARAM:GRADREG[,...]",
                   help=tr("each parameter with the register the program computes its gradient in, e.g. w:grad"))
    p.add_argument("--at-out", type=steps_option, action="append", metavar="K",
                   help=tr("check at the K-th OUT (repeatable; default the first three and the last)"))


def _meaning(v) -> str:
    """One line on what a relation means for gradient descent."""
    if v.verdict == "wrong sign" or (v.verdict == "off by a factor" and v.factor < 0):
        if v.verdict == "wrong sign":
            return "  " + tr("{register} points downhill, against the gradient: as a gradient it has the wrong sign; "
                             "gradient descent's {param} ← {param} − lr·{register} would climb, while adding "
                             "lr·{register} still goes downhill", register=v.register, param=v.param)
        return "  " + tr("{register} points downhill, against the gradient: as a gradient it has the wrong sign and "
                         "size; gradient descent's {param} ← {param} − lr·{register} would climb, while adding "
                         "lr·{register} still goes downhill", register=v.register, param=v.param)
    if v.verdict == "off by a factor":
        return "  " + tr("{register} points the right way but is scaled: the learning rate absorbs the factor (each "
                         "step is that much longer or shorter)", register=v.register)
    return ""


def run_check(args, con: report.Console) -> int:
    """Verdicts for each PARAM:GRADREG; exit 0 only when every one matches (1 otherwise, as `gdasm test`)."""
    from .gradient_check import gradcheck
    if args.exact:
        raise UsageError(tr("gradcheck compares the program's floats with the derivative: leave out --exact"))
    program = read_program(args.program, con)
    c = gradcheck(program, args.loss, args.grad, parse_sets(args.set), parse_data(args.data), args.max_steps,
                  args.at_out)
    if c.fault is not None and not args.json:
        report.print_diagnostics([c.fault.diagnostic], con)
        con.warn(tr("gdasm: note: the run stopped by this fault; the check uses evaluations before it "
                 "(by default the first three: near a blow-up, rounding swamps any comparison)"))
    if args.json:
        con.say(report.dumps({
            "status": "matches" if c.ok else "mismatch", "loss": c.loss,
            "fault": None if c.fault is None else c.fault.diagnostic.to_json(),
            "verdicts": [{"param": v.param, "register": v.register, "verdict": v.verdict,
                          "factor": None if v.factor is None else str(v.factor), "text": v.text} for v in c.verdicts],
            "evaluations": [{"out": e.out, "step": e.step, "loss": json_number(e.loss),
                             "values": {k: json_number(x) for k, x in e.values.items()},
                             "derivatives": {k: json_number(x) for k, x in e.derivatives.items()}}
                            for e in c.evaluations]}))
        return 0 if c.ok else 1
    fmt = con.fmt
    where = joined(f"OUT {e.out}" if e.out else tr("the end") for e in c.evaluations)
    con.say(tr("gradient check of {loss} at {where} (each ∂ is taken with respect to the value the parameter held "
               "when {loss} was written):", loss=c.loss, where=where))
    for v in c.verdicts:
        con.say(v.text)
        for e in c.evaluations:
            at = f"OUT {e.out}" if e.out else tr("end")
            g, d = e.values[v.register], e.derivatives[v.param]
            ratio = tr(", ratio {ratio:.6g}", ratio=float(g) / float(d)) if d != 0 else ""
            con.say("  " + tr("{at}: {register} = {value}, ∂{loss}/∂{param} = {derivative}{ratio}",
                              at=rjust(at, 8), register=v.register, value=fmt.value(g), loss=c.loss,
                              param=v.param, derivative=fmt.value(d), ratio=ratio))
        meaning = _meaning(v)
        if meaning:
            con.say(meaning)
    return 0 if c.ok else 1
