"""`gdasm sweep` and `vm.sweep`: one program, every combination of some settings, one row each.

The settings run as lanes of the lane engine (vm/lanes.py); lanes it hands over run one by one on the usual
engine. Every row is what `gdasm run` with that setting gives: a test compares them all (tests/test_sweep.py).
"""

from __future__ import annotations

import argparse
import itertools
import re
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Optional

from .assembler import as_program
from .errors import UsageError
from .i18n import joined, ntr, tr
from .inputs import _number_text, parse_data, read_program, steps_option
from .machine import DEFAULT_MAX_STEPS, Machine
from .numbers import exact_value, to_number
from .render import display_width, ljust, rjust

MAX_SETTINGS = 1_000_000  # rows of one sweep
# Settings × registers: each lane may hold a float in every register (an array of them a register), and its row
# keeps the final values: this bounds a sweep's memory to about a gigabyte.
MAX_LANE_VALUES = 20_000_000
# Below this many settings, running each on its own (the compiled engine) is faster than lanes of NumPy arrays:
# measured (docs/performance.md) at 32-64 settings for logistic_regression, ~250 for gradient_descent.
LANES_FROM = 64
_RANGE = re.compile(r"\s*([^:]+):([^:]+):\s*([0-9]{1,7})\s*\Z")


@dataclass(frozen=True)
class Row:
    """One setting: `inputs` (name -> the value swept) and `outcome`, how its run ended: a lanes.Outcome with
    `registers` (every register written, name -> final value), `status`, `steps`, `fault` (None, or
    (code, line, column, step)), `passes`, `outputs` (how many values OUT printed) and `last_output`."""

    inputs: dict
    outcome: object


def values_of(spec: str, what: str) -> list[float]:
    """`START:STOP:COUNT` (COUNT evenly spaced values, both ends included), `a,b,c`, or one number.

    A range is spaced exactly, then rounded once: 0.01:0.4:40 gives 0.06 and 0.1, not 0.060000000000000005.
    """
    if ":" in spec:
        m = _RANGE.match(spec)
        if not m:
            raise UsageError(tr("{what}: write a range as START:STOP:COUNT, with COUNT a whole number from 1 to "
                                "{MAX_SETTINGS:,} (e.g. 0.001:0.3:50)", what=what, MAX_SETTINGS=MAX_SETTINGS))
        texts = [_number_text(t.strip(), what) for t in m.group(1, 2)]
        first, last = (_float(t) for t in texts)
        count = int(m.group(3))
        if not 1 <= count <= MAX_SETTINGS:
            raise UsageError(tr("{what}: COUNT must be from 1 to {MAX_SETTINGS:,}, not {count}",
                                what=what, MAX_SETTINGS=MAX_SETTINGS, count=count))
        if count == 1:
            return [first]
        start, stop = (_exact(t, v) for t, v in zip(texts, (first, last)))
        inner = [float(start + (stop - start) * k / (count - 1)) for k in range(1, count - 1)]
        return [first, *inner, last]  # the ends as written (-0.0 stays -0.0)
    parts = spec.split(",")
    if len(parts) > MAX_SETTINGS:
        raise UsageError(tr("{what}: at most {MAX_SETTINGS:,} values", what=what, MAX_SETTINGS=MAX_SETTINGS))
    return [_float(_number_text(p.strip(), what)) for p in parts]


def _exact(text: str, value: float) -> Fraction:
    """The number as written (0.01 is 1/100), when that is small; else the double's own exact value."""
    exact = exact_value(text)
    if exact is None or max(exact.numerator.bit_length(), exact.denominator.bit_length()) > 256:
        return Fraction(value)
    return exact


def _float(text) -> float:
    return float(to_number(text, False))


def _setting(v, name: str) -> float:
    """One value of `vm.sweep`'s settings: a finite real number (a NumPy one too), not a bool or text."""
    if isinstance(v, bool) or not isinstance(v, Real):
        raise UsageError(tr("settings: '{name}': {v} is not a number", name=name, v=_shown(v)))
    try:
        f = float(v)
    except (OverflowError, ValueError):
        f = float("inf")
    if f - f != 0:
        raise UsageError(tr("settings: '{name}': {v} is not a finite number (it does not fit a binary64 float)",
                            name=name, v=_shown(v)))
    return f


def _shown(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "…"


def sweep(program, settings: dict, registers: Optional[dict] = None, arrays: Optional[dict] = None,
          max_steps: int = DEFAULT_MAX_STEPS, lanes: Optional[bool] = None, outputs: Optional[int] = None,
          keep: Optional[int] = None) -> list[Row]:
    """Run `program` for every combination of `settings` (name -> list of values): a Row each, in order
    (the last name varies fastest). `registers` and `arrays` are fixed for all. `outputs`: stop each run once
    OUT has printed that many values (status "stopped"). `keep`: give each row every value printed
    (`outcome.printed`), up to that many a run (lanes.OutputLimit past it). `lanes`: True runs the settings
    as lanes, False each on its own (the engine the rows are checked against); None (the default) picks lanes
    from LANES_FROM settings on, where they pay for NumPy's cost per operation."""
    if outputs is not None and (isinstance(outputs, bool) or not isinstance(outputs, int) or outputs < 1):
        raise UsageError(tr("outputs must be a whole number ≥ 1, not {outputs!r}", outputs=outputs))
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
        raise UsageError(tr("keep must be a whole number ≥ 0, not {keep!r}", keep=keep))
    if not isinstance(settings, dict) or not settings:
        raise UsageError(tr("settings must be a dict of register names to lists of values, with at least one"))
    lists = {}
    total = 1
    for name, vals in settings.items():
        if getattr(vals, "ndim", 1) == 0 and hasattr(vals, "item"):  # a NumPy number, or a 0-d array
            vals = [vals.item()]
        elif isinstance(vals, (str, bytes)) or not hasattr(vals, "__iter__"):
            vals = [vals]
        vals = list(itertools.islice(iter(vals), MAX_SETTINGS + 1))  # a huge range is refused, not listed
        if len(vals) > MAX_SETTINGS:
            raise UsageError(tr("settings: '{name}' has more than {MAX_SETTINGS:,} values",
                                name=name, MAX_SETTINGS=MAX_SETTINGS))
        lists[name] = [_setting(v, name) for v in vals]
        if not lists[name]:
            raise UsageError(tr("settings: '{name}' has no values", name=name))
        total *= len(lists[name])
        if total > MAX_SETTINGS:
            raise UsageError(tr("the settings make more than {MAX_SETTINGS:,} combinations",
                                MAX_SETTINGS=MAX_SETTINGS))
    program = as_program(program)
    if total * max(len(program.registers), 1) > MAX_LANE_VALUES:
        raise UsageError(tr("{total:,} settings of a program with {registers:,} registers would hold up to {n:,} "
                            "values at once; a sweep holds at most {MAX_LANE_VALUES:,}: sweep fewer settings",
                            total=total, registers=len(program.registers), n=total * len(program.registers),
                            MAX_LANE_VALUES=MAX_LANE_VALUES))
    fixed = dict(registers or {})
    overlap = sorted(set(fixed) & set(lists))
    if overlap:
        raise UsageError(tr("'{overlap}' is both swept and set: give it one or the other", overlap=overlap[0]))
    from .lanes import loop_head, one, run_lanes  # NumPy: loaded by the commands that sweep, not by every one
    combos = list(itertools.product(*lists.values()))
    names = list(lists)
    first = dict(zip(names, combos[0]))
    template = Machine(program, {**fixed, **first}, arrays, max_steps)  # checks every name and value once
    head = loop_head(template.program)
    if lanes or (lanes is None and len(combos) >= LANES_FROM):
        columns = {name: [c[k] for c in combos] for k, name in enumerate(names)}
        outcomes, handed = run_lanes(template, columns, len(combos), outputs, keep)
    else:
        outcomes, handed = [None] * len(combos), range(len(combos))
    for lane in handed:
        outcomes[lane] = one(Machine(template.program, {**fixed, **dict(zip(names, combos[lane]))}, arrays,
                                     max_steps), head, outputs, keep)
    return [Row(dict(zip(names, c)), o) for c, o in zip(combos, outcomes)]


# --- the command -----------------------------------------------------------------------------------------

# The columns of the table and of --format csv, in order (docs/performance.md): the settings, final_REG for each
# register shown, then these. Stable: tools read them by name.
COLUMNS = ("status", "fault", "fault_line", "fault_step", "steps", "passes", "outputs", "last_output")


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("program", metavar="PROGRAM", help=tr("a .gdasm file, - for stdin, or a bundled program's name"))
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUES",
                   help=tr("repeatable: START:STOP:COUNT (evenly spaced, both ends included) or a list a,b,c to "
                           "vary; "
                        "one number to fix; every combination of the varied ones runs (the last varies fastest)"))
    p.add_argument("--data", action="append", default=[], metavar="NAME=V1,V2,...",
                   help=tr("replace an array (the same for every setting), as for run"))
    p.add_argument("--max-steps", type=steps_option, default=DEFAULT_MAX_STEPS, metavar="N",
                   help=tr("stop each setting after N steps (default 10,000,000)"))
    p.add_argument("--regs", metavar="A,B,...",
                   help=tr("the final registers to show (default: the .reg inputs and swept registers the program "
                        "changes)"))
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help=tr("table for people (then a count of each ending); csv or json for tools"))
    p.add_argument("--numbers", choices=("dec", "hex", "bits", "exact"), default="dec",
                   help=tr("how values are written in the table and CSV"))


def run(args, con) -> int:
    program = read_program(args.program, con)
    settings, fixed = {}, {}
    for item in args.set:
        name, eq, spec = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise UsageError(tr("--set {item}: write --set NAME=START:STOP:COUNT, NAME=a,b,c or NAME=NUMBER",
                                item=item))
        if name in settings or name in fixed:
            raise UsageError(tr("--set {item}: '{name}' is already set by another --set; give each name once",
                                item=item, name=name))
        vals = values_of(spec, f"--set {item}")
        if len(vals) == 1 and ":" not in spec and "," not in spec:
            fixed[name] = spec.strip()
        else:
            settings[name] = vals
    # Every name is checked (with did-you-mean) before anything else, a fixed one too.
    Machine(program, {**fixed, **dict.fromkeys(settings, 0)}, max_steps=0)
    if not settings:
        raise UsageError(tr("sweep needs at least one --set NAME=START:STOP:COUNT or NAME=a,b,c to vary"))
    regs = _regs(program, args.regs, settings)
    arrays = parse_data(args.data)
    rows = sweep(program, settings, fixed, arrays, args.max_steps)
    header = [*settings, *(f"final_{r}" for r in regs), *COLUMNS]
    fmt = con.fmt
    if args.format == "json":
        from .report import dumps
        con.say(dumps({"settings": [_json(row, regs) for row in rows]}))
        return 0
    records = [_record(row, regs, fmt if args.format == "table" else fmt.plain, args.format == "table")
               for row in rows]
    if args.format == "csv":
        import csv
        w = csv.writer(con.out, lineterminator="\n")
        w.writerow(header)
        w.writerows(records)
        return 0
    widths = [max(display_width(h), *(display_width(r[k]) for r in records)) for k, h in enumerate(header)]
    con.say("  ".join(ljust(h, w) for h, w in zip(header, widths)).rstrip())  # names in any script line up
    for r in records:
        con.say("  ".join(rjust(v, w) if _numeric(v) else ljust(v, w) for v, w in zip(r, widths)).rstrip())
    con.say(_summary(rows))
    return 0


def _regs(program, text: Optional[str], settings: dict) -> list[str]:
    """--regs, checked; by default the `.reg` inputs and swept registers that some instruction writes."""
    if text is None:
        written = {ins.dest.name for ins in program.instructions if ins.dest is not None}
        inputs = dict.fromkeys([*(i.name for i in program.reg_inputs), *settings])  # in order, once each
        chosen = [n for n in inputs if n in written]
        return chosen or list(settings)
    regs = [r.strip() for r in text.split(",")]
    for r in regs:
        if r not in program.registers:
            what = tr("an array, not a register") if r in program.arrays else tr("not a register of this program")
            raise UsageError(tr("--regs {text}: '{r}' is {what}",
                                text=text, r=r, what=what) if r else tr("--regs {text!r}: a name is missing",
                                                                        text=text))
    return regs


def _numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "-.") and text != "-"


def _record(row: Row, regs: list, fmt, table: bool) -> list[str]:
    o = row.outcome
    value = lambda v: "" if v is None else fmt.value(v)  # noqa: E731
    count = lambda n: "" if n is None else (f"{n:,}" if table else str(n))  # noqa: E731
    fault = o.fault or ("", None, None, None)
    return [*(value(v) for v in row.inputs.values()), *(value(o.registers.get(r)) for r in regs), o.status,
            fault[0], count(fault[1]), count(fault[3]), count(o.steps), count(o.passes), count(o.outputs),
            value(o.last_output)]


def _json(row: Row, regs: list) -> dict:
    from .errors import json_number
    o = row.outcome
    num = lambda v: None if v is None else json_number(v)  # noqa: E731
    return {"inputs": {k: num(v) for k, v in row.inputs.items()},
            "registers": {r: num(o.registers.get(r)) for r in regs},
            "status": o.status,
            "fault": None if o.fault is None else dict(zip(("code", "line", "column", "step"), o.fault)),
            "steps": o.steps, "passes": o.passes, "outputs": o.outputs, "last_output": num(o.last_output)}


def _summary(rows: list[Row]) -> str:
    counts: dict = {}
    for row in rows:
        o = row.outcome
        key = o.status if o.fault is None else o.fault[0]
        counts[key] = counts.get(key, 0) + 1
    parts = joined(f"{n:,} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))  # codes: as in the rows
    return ntr("{n:,} setting: {endings}", "{n:,} settings: {endings}", len(rows), endings=parts)
