"""What each picture shows, as data: every number in it comes from a run of the machine (`sampling`), never from
Python arithmetic on the model. `plot.py` draws these; the docs' images keep them beside each picture as JSON.

A builder returns a plain dict (JSON-ready: floats, ints, strings, None for a value not yet written) that
says nothing about language or styling. Inputs chosen here — grid points, learning rates, x positions of a
curve — are inputs to the machine; what is plotted over them is what the machine computed from them.
"""

from __future__ import annotations

import itertools

import math
import sys
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Callable, Optional, Sequence

from .errors import RuntimeFault, UsageError
from .i18n import tr
from .inputs import first_write_before_read
from .ir import UNSET, Program
from .machine import DEFAULT_MAX_STEPS, Machine
from .numbers import NumberError, to_number
from .render import safe
from .sampling import SampleLimit, address, outs, sample

KINDS = ("loss", "path", "lr", "fit", "regs")
# The bundled programs' loop rule: `JGE iterations, max_iter, done` after the first evaluation, so max_iter = 0
# stops a run once the loss at the starting point is printed.
LOOP_LIMIT, LOOP_COUNT = "max_iter", "iterations"
GRID_1D, GRID_2D = 121, 61  # landscape points: a smooth curve; contours over 61 × 61 runs (~1 s)
CURVE_POINTS = 161  # x positions of the fitted curve (`fit`)
MAX_POINTS = 200_000  # samples in one picture: more than it can show
MAX_RATES, MAX_REGS = 12, 8  # curves on one `lr` picture, panels on one `regs` picture
LANDSCAPE_STEPS = 100_000_000  # all the runs of a landscape together (about a minute)
DEFAULT_RATE_FACTORS = ("0.1", "1", "10", "30")
PREDICTIONS = ("pred", "y_pred", "p", "yhat")  # registers `fit` takes as the model's prediction, in this order
BIGGEST = sys.float_info.max

Progress = Optional[Callable[[int, int], None]]  # (runs done, runs in all)


def number(v) -> Optional[float]:
    """A machine value as JSON: a float (exact fractions rounded once, to the nearest double); None if unset."""
    if v is UNSET or v is None:
        return None
    return float(v) if isinstance(v, Fraction) else v


def _fault(f: Optional[RuntimeFault], iteration: Optional[int] = None) -> Optional[dict]:
    if f is None:
        return None
    d = f.diagnostic
    return {"code": f.code, "message": d.message, "line": d.span.line, "column": d.span.column, "step": f.step,
            "iteration": iteration}


def _reads(program: Program, name: str) -> bool:
    return any(r.name == name for ins in program.instructions for r in ins.reads)


def _writes(program: Program, name: str) -> list[int]:
    return [k for k, ins in enumerate(program.instructions) if ins.dest is not None and ins.dest.name == name]


def _name(program: Program) -> str:
    """The program's name for a title: its file name without folders or `.gdasm`, control characters escaped."""
    name = PurePosixPath(program.filename).name
    return safe(name[:-6] if name.endswith(".gdasm") else name)


def _need_outs(program: Program, kind: str) -> None:
    if not outs(program):
        what = tr("plots the values the program prints with OUT") if kind == "loss" else \
            tr("needs the loss the program prints with OUT")
        raise UsageError(tr("--kind {kind} {what}, one per iteration, but {program} prints none (add `OUT loss` "
                            "where each iteration has computed its loss, or try --kind regs --y REG)",
                            kind=kind, what=what, program=_name(program)))


def _sample(program, regs, at, inputs: dict, kind: str, option: str = "--y", **kw):
    """sample(), refused past MAX_POINTS rows with advice that fits the kind."""
    try:
        return sample(program, regs, at, limit=MAX_POINTS, **inputs, **kw)
    except SampleLimit:
        every = tr(" or sample less often (--every LABEL)",
                   ) if kind in ("loss", "regs") and at in ("out", "step") else ""
        raise UsageError(tr("--kind {kind}: more than {MAX_POINTS:,} points, more than a picture shows: stop the run "
                            "sooner (--max-steps){every}", kind=kind, MAX_POINTS=MAX_POINTS, every=every)) from None
    except UsageError as err:
        message = err.diagnostics[0].message
        head = next((h for h in ("regs: ", "regs：") if message.startswith(h)), None)  # sampling's, in either language
        if head:
            raise UsageError(f"{option}: {message[len(head):]}") from None
        raise


def _line(program: Program, every: Optional[str]) -> Optional[int]:
    """--every LABEL|LINE as the line of the instruction it names (so a label called `step` is a label)."""
    if every is None:
        return None
    return program.instructions[address(program, every, "--every")].line


def run_inputs(registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS, exact: bool = False) -> dict:
    """The run options every builder takes, as one dict."""
    return {"registers": dict(registers or {}), "arrays": dict(arrays or {}), "max_steps": max_steps,
            "exact": exact}


def _with(inputs: dict, program: Program, **regs) -> dict:
    """The inputs with some registers set (the loop limit only where the program has one)."""
    registers = dict(inputs["registers"])
    for name, v in regs.items():
        if name != LOOP_LIMIT or program.register_slot(LOOP_LIMIT) is not None:
            registers[name] = v
    return {**inputs, "registers": registers}


def _settable(program: Program, name: str, option: str) -> None:
    """A register the picture sets must be one the program reads before it writes it."""
    ins = first_write_before_read(program, name)
    if ins is not None:
        raise UsageError(tr("{option}: {program} sets '{name}' itself (line {line}: {text}) before reading it, so "
                            "setting it from outside changes nothing: declare it with `.reg {name} = ...` instead",
                            option=option, program=_name(program), name=safe(name), line=ins.line, text=safe(ins.text)))


def _header(program: Program, kind: str, s, faults: Optional[list]) -> dict:
    fault = _fault(s.fault, len(s.output)) if s.fault is not None else None
    if s.fault is not None and faults is not None:
        faults.append(s.fault.diagnostic)
    return {"kind": kind, "program": _name(program), "status": s.status, "steps": s.steps, "fault": fault}


# --- loss and regs -------------------------------------------------------------------------------------

def loss(program: Program, y: Optional[str] = None, every: Optional[str] = None, faults: Optional[list] = None,
         **inputs) -> dict:
    """The OUT values (or register y, sampled at each OUT or at `every`) against the iteration."""
    inputs = run_inputs(**inputs)
    if y is not None and not isinstance(y, str):
        raise UsageError(tr("y must name one register (a string), not {name}", name=type(y).__name__))
    if every is not None and y is None:
        raise UsageError(tr("--every samples a register where the loop passes a line: name the register with --y"))
    if every is None:
        _need_outs(program, "loss")
    line = _line(program, every)
    s = _sample(program, [y] if y else [], line or "out", inputs, "loss")
    ys = [number(r.values[0] if y else r.out) for r in s.rows]
    return {**_header(program, "loss", s, faults), "register": safe(y) if y else None, "at": every or "out",
            "line": line, "x": list(range(len(ys))), "y": ys, "steps_at": [r.step for r in s.rows]}


def regs(program: Program, names: Sequence[str], every: Optional[str] = None, faults: Optional[list] = None,
         **inputs) -> dict:
    """Registers against the iteration (at each OUT, or at `every`), or against the step if the program never
    prints."""
    inputs = run_inputs(**inputs)
    if names is None or isinstance(names, (str, bytes)) and not names:
        names = []
    names = [n.strip() if isinstance(n, str) else n for n in ([names] if isinstance(names, str) else names)]
    names = [n for n in names if n != ""]
    if not names:
        raise UsageError(tr("--kind regs plots chosen registers: name them with --y, e.g. --y w,grad"))
    if len(names) > MAX_REGS or len(set(map(str, names))) != len(names):
        raise UsageError(tr("--y: name up to {MAX_REGS} different registers for one picture", MAX_REGS=MAX_REGS))
    line = _line(program, every)
    at = line or ("out" if outs(program) else "step")
    s = _sample(program, names, at, inputs, "regs")
    x = [r.step for r in s.rows] if at == "step" else list(range(len(s.rows)))
    return {**_header(program, "regs", s, faults), "at": every or at, "line": line, "x": x,
            "registers": [safe(n) for n in names],
            "y": {safe(n): [number(r.values[k]) for r in s.rows] for k, n in enumerate(names)}}


# --- path ----------------------------------------------------------------------------------------------

def _params(program: Program, param) -> list[str]:
    if isinstance(param, str):
        names = [p.strip() for p in param.split(",")]
    elif isinstance(param, (list, tuple)) and all(isinstance(p, str) for p in param):
        names = [p.strip() for p in param]
    else:
        raise UsageError(tr('--param names one or two registers ("w" or "w,b"), not {param!r:.40}', param=param))
    if not 1 <= len(names) <= 2 or "" in names:
        raise UsageError(tr("--param takes one parameter (a curve: --param w) or two (contours: --param w,b)"))
    if len(set(names)) != len(names):
        raise UsageError(tr("--param {names},{names2}: the same parameter twice",
                            names=safe(names[0]), names2=safe(names[1])))
    for n in names:
        if program.array_slot(n) is not None:
            raise UsageError(tr("--param {n}: '{n}' is an array; a parameter is a register", n=safe(n)))
        if program.register_slot(n) is None or not _reads(program, n):
            raise UsageError(tr("--param {n}: {program} never reads a register '{n}', so the loss cannot depend on "
                                "it (name the parameter the program learns, e.g. --param w)",
                                n=safe(n), program=_name(program)))
        _settable(program, n, f"--param {safe(n)}")
    return names


def _span(values: list, margin: float = 0.25) -> tuple:
    """The values' range with a margin, its ends rounded outwards to three figures of the width (grid points
    are inputs: simple ones read better in the data), within the doubles."""
    lo, hi = min(values), max(values)
    half = hi / 2 - lo / 2  # finite even when hi - lo is not
    pad = half * 2 * margin if half > 0 else max(abs(lo) * 0.5, 1.0)
    lo, hi = max(lo - pad, -BIGGEST), min(hi + pad, BIGGEST)
    q = Decimal(1).scaleb(math.floor(math.log10(hi / 2 - lo / 2) + math.log10(2)) - 2)
    lo = float((Decimal(repr(lo)) / q).to_integral_value(ROUND_FLOOR) * q)
    hi = float((Decimal(repr(hi)) / q).to_integral_value(ROUND_CEILING) * q)
    return max(lo, -BIGGEST), min(hi, BIGGEST)


def _grid(lo: float, hi: float, n: int) -> list[float]:
    a, b = Decimal(repr(lo)), Decimal(repr(hi))
    return [float(a + (b - a) * k / (n - 1)) for k in range(n)]


def _moving(program: Program, s, names: list, inputs: dict) -> None:
    """A one-parameter landscape holds every other register at its start: refuse it when another declared
    parameter moves too (the iterates would not lie on the curve)."""
    others = [i.name for i in program.reg_inputs if i.name not in names and _reads(program, i.name)]
    if not others:
        return
    moved = sample(program, others, "out", limit=MAX_POINTS, **inputs)
    for k, n in enumerate(others):
        seen = {repr(r.values[k]) for r in moved.rows}
        if len(seen) > 1:
            first, last = moved.rows[0].values[k], moved.rows[-1].values[k]
            raise UsageError(tr("--param {names}: '{n}' changes too as the program runs ({first} to {last}), so the "
                                "loss over {names} alone is not the curve the iterates roll on: use --param "
                                "{names},{n}",
                                names=safe(names[0]), n=safe(n), first=number(first), last=number(last)))


def _kept(program: Program, names: list, inputs: dict) -> None:
    """The landscape sets each parameter and reads the first OUT: refuse a parameter the program changes before
    that OUT (it would be the loss at another value)."""
    probe = 0.7182818284590452  # a value no program computes by chance
    s = sample(program, names, "out", outputs=1, **_with(inputs, program, **{n: probe for n in names}))
    for k, n in enumerate(names):
        if s.rows and s.rows[0].values[k] != probe:
            ins = program.instructions[_writes(program, n)[0]]
            raise UsageError(tr("--param {n}: {program} changes '{n}' before it first prints the loss (line {line}: "
                                "{text}), so that loss is not the loss at the value set: name the parameter the "
                                "program learns, e.g. --param w",
                                n=safe(n), program=_name(program), line=ins.line, text=safe(ins.text)))


def _first_out(program: Program, inputs: dict) -> tuple:
    """The program's first OUT value with these inputs (the loop stopped after one evaluation): (value, fault)."""
    s = sample(program, [], "out", outputs=1, **inputs)
    return (number(s.output[0]) if s.output else None), _fault(s.fault)


def path(program: Program, param="w", progress: Progress = None, faults: Optional[list] = None, **inputs) -> dict:
    """The iterates of one or two parameters with their loss, over the landscape the machine computes at grid
    points (the first OUT with the parameters set, max_iter = 0)."""
    inputs = run_inputs(**inputs)
    _need_outs(program, "path")
    names = _params(program, param)
    s = _sample(program, names, "out", inputs, "path")
    if not s.rows:
        if s.fault is not None:
            raise s.fault  # nothing to draw: the fault is the answer (exit 70)
        raise UsageError(tr("--kind path: {program} ended before its first OUT, so there is no path to draw",
                            program=_name(program)))
    its = [[number(r.values[k]) for r in s.rows] for k in range(len(names))]
    if any(v is None for col in its for v in col):
        raise UsageError(tr("--kind path: {names} not set when the program first prints; set it with --set",
                            names=', '.join(names)))
    _kept(program, names, inputs)
    if len(names) == 1:
        _moving(program, s, names, inputs)
    out = {**_header(program, "path", s, faults), "params": [safe(n) for n in names], "iterates": its,
           "loss": [number(r.out) for r in s.rows], "steps_at": [r.step for r in s.rows]}
    points = GRID_1D if len(names) == 1 else GRID_2D ** 2
    first = s.rows[0].step
    if first * points > LANDSCAPE_STEPS:
        raise UsageError(tr("--kind path: the landscape takes {points:,} runs of {first:,} steps each before their "
                            "first OUT, more than {LANDSCAPE_STEPS:,} steps in all: print the loss sooner in the "
                            "program, or use one parameter",
                            points=points, first=first, LANDSCAPE_STEPS=LANDSCAPE_STEPS))
    # Each grid run takes the steps the first evaluation took, give or take its branches.
    grid_inputs = {**inputs, "max_steps": min(inputs["max_steps"], 10 * first + 10_000)}
    if len(names) == 1:
        grid = _grid(*_span(its[0]), GRID_1D)
        land, codes = _landscape(program, grid_inputs, {names[0]: grid}, progress)
        return {**out, "grid": [grid], "landscape": land, "landscape_faults": sorted(codes)}
    gx, gy = _grid(*_span(its[0], 0.15), GRID_2D), _grid(*_span(its[1], 0.15), GRID_2D)
    flat, codes = _landscape(program, grid_inputs, {names[1]: gy, names[0]: gx}, progress)
    land = [flat[k:k + len(gx)] for k in range(0, len(flat), len(gx))]  # a row for each value of the second
    return {**out, "grid": [gx, gy], "landscape": land, "landscape_faults": sorted(codes)}


def _landscape(program: Program, inputs: dict, grid: dict, progress: Progress) -> tuple[list, set]:
    """The first OUT value at each grid point (the loop stopped after one evaluation), and the fault codes met.

    In floating point the grid runs together, as lanes of one sweep (vm/sweeping.py): each row is what a run
    of that point alone gives; exact arithmetic runs the points one by one."""
    total = 1
    for values in grid.values():
        total *= len(values)
    if not inputs["exact"]:
        from .sweeping import sweep
        fixed = _with(inputs, program, **{LOOP_LIMIT: 0})["registers"]
        fixed = {k: v for k, v in fixed.items() if k not in grid}
        rows = sweep(program, grid, fixed, inputs["arrays"], inputs["max_steps"], outputs=1)
        if progress:
            progress(total, total)
        return ([number(r.outcome.last_output) if r.outcome.outputs else None for r in rows],
                {r.outcome.fault[0] for r in rows if r.outcome.fault})
    land, codes, done = [], set(), 0
    for point in itertools.product(*grid.values()):
        v, f = _first_out(program, _with(inputs, program, **dict(zip(grid, point)), **{LOOP_LIMIT: 0}))
        land.append(v)
        codes |= {f["code"]} if f else set()
        done += 1
        if progress:
            progress(done, total)
    return land, codes


# --- learning rates ------------------------------------------------------------------------------------

def _rate_text(t) -> str:
    """A rate as written (a number given from Python as its shortest repr), checked to be a positive number."""
    if isinstance(t, (int, float, Fraction, Decimal)) and not isinstance(t, bool):
        t = repr(float(t))
    if not isinstance(t, str):
        raise UsageError(tr("--lr: a learning rate is a number, not {name}", name=type(t).__name__))
    t = t.strip()
    try:
        v = to_number(t)
    except (NumberError, ValueError, ArithmeticError):
        v = None
    if v is None or not 0 < v < float("inf"):
        raise UsageError(tr("--lr: '{t}' is not a learning rate (a positive number, such as 0.01)", t=safe(t[:40])))
    return t


def default_rates(program: Program, given: dict) -> list[str]:
    """The program's own rate (its `.reg lr` or --set lr) × 0.1, 1, 10, 30, written in decimal: 0.001, not
    0.0010000000000000002 (the rates are inputs to the machine, so they are chosen to be simple)."""
    base = given.get("lr")
    if base is None:
        base = next(i for i in program.reg_inputs if i.name == "lr").values[0]
    own = Decimal(repr(float(to_number(str(base)))))
    return [format((own * Decimal(f)).normalize(), "f") for f in DEFAULT_RATE_FACTORS]


def lr(program: Program, rates: Optional[Sequence[str]] = None, progress: Progress = None,
       faults: Optional[list] = None, **inputs) -> dict:
    """The program run with each learning rate: its OUT values, and how each run ended."""
    inputs = run_inputs(**inputs)
    _need_outs(program, "lr")
    if program.register_slot("lr") is None or not _reads(program, "lr"):
        raise UsageError(tr("--kind lr runs the program with several learning rates in register lr, but {program} "
                            "never reads a register 'lr'", program=_name(program)))
    _settable(program, "lr", "--kind lr")
    if rates is None:
        if "lr" not in inputs["registers"] and not any(i.name == "lr" for i in program.reg_inputs):
            raise UsageError(tr("--kind lr: the program does not declare lr; give the rates with --lr 0.001,0.01,...",
                                ))
        rates = default_rates(program, inputs["registers"])
    else:
        if isinstance(rates, str):
            rates = rates.split(",")
        rates = [_rate_text(t) for t in rates]
        if not rates:
            raise UsageError(tr("--lr: give one or more learning rates, e.g. --lr 0.001,0.01,0.1"))
        if len(rates) > MAX_RATES:
            raise UsageError(tr("--lr: {rates} rates; one picture compares at most {MAX_RATES}",
                                rates=len(rates), MAX_RATES=MAX_RATES))
    counted = program.register_slot(LOOP_LIMIT) is not None and program.register_slot(LOOP_COUNT) is not None
    runs = []
    for k, (rate, (ys, status, fault, registers)) in enumerate(zip(rates, _rate_runs(program, rates, inputs))):
        if fault is not None and faults is not None:
            d = fault.diagnostic
            faults.append(replace(d, notes=d.notes + (tr("with lr = {rate}", rate=rate),)))
        limit, count = registers.get(LOOP_LIMIT, UNSET), registers.get(LOOP_COUNT, UNSET)
        stalled = counted and fault is None and limit is not UNSET and count is not UNSET and count >= limit
        # "converged" only where the program has the bundled loop rule's limit to tell it from giving up
        ended = "fault" if fault is not None else "not converged" if stalled else \
            "converged" if counted else "finished"
        runs.append({"rate": rate, "x": list(range(len(ys))), "y": ys, "status": status, "ended": ended,
                     "fault": _fault(fault, len(ys)), "converged": ended == "converged",
                     "iterations": len(ys) - 1 if ys else 0})
        if progress:
            progress(k + 1, len(rates))
    return {"kind": "lr", "program": _name(program), "rates": list(rates), "runs": runs}


def _rate_runs(program: Program, rates: list, inputs: dict, lanes: Optional[bool] = None):
    """Each rate's run: (the values it printed, its status, its fault or None, its final registers).

    In floating point the rates run as one sweep (vm/sweeping.py; `lanes` as there), each row what a run with
    that rate alone gives; a run that faults runs again on its own for the fault's whole diagnostic. Exact
    arithmetic, and `lanes=False` (what the tests compare with), sample the rates one by one."""
    if lanes is not False and not inputs["exact"]:
        from .lanes import OutputLimit
        from .sweeping import sweep
        fixed = {k: v for k, v in inputs["registers"].items() if k != "lr"}
        try:
            rows = sweep(program, {"lr": [float(to_number(r, False)) for r in rates]}, fixed, inputs["arrays"],
                         inputs["max_steps"], lanes, keep=MAX_POINTS)
        except OutputLimit:
            rows = None  # the one-by-one runs say which rate, in the words the other pictures use
        if rows is not None:
            for rate, row in zip(rates, rows):
                o = row.outcome
                if o.fault is None:
                    yield [number(v) for v in o.printed], o.status, None, o.registers
                else:
                    yield _one_rate(program, rate, inputs)
            return
    for rate in rates:
        yield _one_rate(program, rate, inputs)


def _one_rate(program: Program, rate: str, inputs: dict) -> tuple:
    s = _sample(program, [], "out", _with(inputs, program, lr=rate), "lr")
    return [number(r.out) for r in s.rows], s.status, s.fault, s.registers


# --- fit -----------------------------------------------------------------------------------------------

def _prediction(program: Program, pred: Optional[str]) -> str:
    if pred is not None:
        if not isinstance(pred, str) or not _writes(program, pred):
            raise UsageError(tr("--pred {pred}: {program} never writes a register '{pred}'",
                                pred=safe(str(pred)), program=_name(program)))
        return pred
    found = next((n for n in PREDICTIONS if _writes(program, n)), None)
    if found is None:
        raise UsageError(tr("--kind fit needs the model's prediction: {program} writes none of {PREDICTIONS}; name "
                            "it with --pred REG", program=_name(program), PREDICTIONS=', '.join(PREDICTIONS)))
    return found


def _seed(p: Program, inputs: dict, faults: Optional[list]) -> dict:
    """Section 2's one prediction: the registers after the run (a fault kept, as the picture shows it)."""
    m = Machine(p, inputs["registers"], inputs["arrays"], inputs["max_steps"], inputs["exact"])
    fault = None
    try:
        m.run()
    except RuntimeFault as err:
        fault = err
        if faults is not None:
            faults.append(err.diagnostic)
    final = m.registers
    return {"kind": "fit", "program": _name(p), "status": m.status, "steps": m.steps,
            "fault": _fault(fault), "mode": "seed",
            **{k: number(final.get(k, UNSET)) for k in ("x", "y_true", "y_pred", "loss")}}


def fit(program: Program, pred: Optional[str] = None, progress: Progress = None, faults: Optional[list] = None,
        **inputs) -> dict:
    """Section 2's picture: data against the model's predictions after the run, with the loss."""
    inputs = run_inputs(**inputs)
    p = program
    if all(p.register_slot(n) is not None for n in ("x", "y_true", "y_pred")) and p.array_slot("x") is None:
        return _seed(p, inputs, faults)
    if p.array_slot("x") is None or p.array_slot("y") is None:
        raise UsageError(tr("--kind fit draws data x, y against the model's predictions: {p} has no arrays x and y "
                            "(or, as absolute_loss, registers x, y_true and y_pred)", p=_name(p)))
    name = _prediction(p, pred)
    _need_outs(p, "fit")
    last = max(_writes(p, name))
    if last + 1 >= len(p.instructions):
        raise UsageError(tr("--pred {name}: it is written by the program's last instruction, so no prediction can be "
                            "read after it", name=safe(name)))
    after = p.instructions[last + 1].line  # the prediction is read as the next instruction starts
    # The parameters and the loss at the last OUT: the model the picture shows.
    params = [i.name for i in p.reg_inputs if i.name != LOOP_LIMIT]
    whole = _sample(p, params, "out", inputs, "fit")
    if not whole.rows:
        if whole.fault is not None:
            raise whole.fault
        raise UsageError(tr("--kind fit: {p} ended before its first OUT, so there is no model to draw", p=_name(p)))
    final = whole.rows[-1]
    trained = dict(zip(params, final.values))
    # The machine's predictions at the data points: those of the evaluation that printed the last OUT.
    since = whole.rows[-2].step if len(whole.rows) > 1 else 0
    run = _sample(p, [name], after, inputs, "fit")
    preds = [number(r.values[0]) for r in run.rows if since < r.step < final.step]
    xs, ys = run.arrays["x"], run.arrays["y"]
    at_end = _with({**inputs, "registers": {**inputs["registers"], **trained}}, p, **{LOOP_LIMIT: 0})
    again = sample(p, [name], after, outputs=1, limit=MAX_POINTS, **at_end)
    curve_x, curve_y, curve_fault, note = [], [], None, None
    if [number(r.values[0]) for r in again.rows] != preds:
        # re-running with the trained registers does not give the same predictions (the program sets a
        # parameter itself): a curve from it would not be this model, so there is none
        note = "not-reproducible"
    else:
        lo, hi = _span([number(v) for v in xs], 0.08) if xs else (0.0, 1.0)
        grid = _grid(lo, hi, CURVE_POINTS)
        # its own step budget: the user's --max-steps bounds the run, not this one evaluation of 161 points
        curve = sample(p, [name], after, outputs=1, limit=MAX_POINTS,
                       **{**at_end, "max_steps": DEFAULT_MAX_STEPS,
                          "arrays": {**at_end["arrays"], "x": grid, "y": [0.0] * len(grid)}})
        curve_y = [number(r.values[0]) for r in curve.rows][:len(grid)]
        curve_x = grid[:len(curve_y)]
        curve_fault = _fault(curve.fault)
        if curve.fault is not None and faults is not None:
            d = curve.fault.diagnostic
            faults.append(replace(d, notes=d.notes + (tr("drawing the model's curve, with x between {grid!r} and "
                                                         "{grid2!r}", grid=grid[0], grid2=grid[-1]),)))
    if progress:
        progress(1, 1)
    changed = {k: number(v) for k, v in trained.items() if v != _initial(p, k, inputs)}
    return {**_header(p, "fit", whole, faults), "mode": "regression", "prediction": safe(name),
            "params": {safe(k): v for k, v in changed.items()}, "x": [number(v) for v in xs],
            "y": [number(v) for v in ys], "pred": preds, "curve_x": curve_x, "curve_y": curve_y,
            "curve_fault": curve_fault, "curve_note": note, "loss": number(final.out),
            "iterations": len(whole.rows) - 1}


def _initial(p: Program, name: str, inputs: dict):
    given = inputs["registers"].get(name)
    if given is not None:
        return float(to_number(str(given)))
    inp = next((i for i in p.reg_inputs if i.name == name), None)
    return inp.values[0] if inp else None


def build(kind: str, program: Program, *, y=None, every=None, param="w", rates=None, pred=None,
          progress: Progress = None, faults: Optional[list] = None, **inputs) -> dict:
    """The data of one kind of picture (the command line's entry point); the diagnostics of any faults the
    picture shows are added to `faults`."""
    if kind == "loss":
        return loss(program, y, every, faults, **inputs)
    if kind == "regs":
        return regs(program, (y or "").split(","), every, faults, **inputs)
    if kind == "path":
        return path(program, param, progress, faults, **inputs)
    if kind == "lr":
        return lr(program, rates, progress, faults, **inputs)
    if kind == "fit":
        return fit(program, pred, progress, faults, **inputs)
    raise UsageError(tr("--kind {kind}: choose one of {KINDS}", kind=kind, KINDS=', '.join(KINDS)))
