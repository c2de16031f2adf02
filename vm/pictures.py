"""What each picture shows, as data: every number in it comes from a run of the machine (`sample`), never from
Python arithmetic on the model. `plot.py` draws these; the docs' images keep them beside each picture as JSON.

A builder returns a plain dict (JSON-ready: floats, ints, strings, None for a value not yet written) that
says nothing about language or styling. Inputs chosen here — grid points, learning rates, x positions of a
curve — are inputs to the machine; what is plotted over them is what the machine computed from them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Callable, Optional, Sequence

from .errors import RuntimeFault, UsageError
from .ir import UNSET, Program
from .machine import DEFAULT_MAX_STEPS
from .numbers import NumberError, to_number
from .sampling import MAX_ROWS, outs, sample

KINDS = ("loss", "path", "lr", "fit", "regs")
# The bundled programs' loop rule: `JGE iterations, max_iter, done` after the first evaluation, so max_iter = 0
# stops a run once the loss at the starting point is printed.
LOOP_LIMIT, LOOP_COUNT = "max_iter", "iterations"
GRID_1D, GRID_2D = 121, 61  # landscape points: a smooth curve; contours over 61 × 61 runs (~1 s)
CURVE_POINTS = 161  # x positions of the fitted curve (`fit`)
MAX_PLOT_ROWS = 200_000  # more points than a picture can show
DEFAULT_RATE_FACTORS = ("0.1", "1", "10", "30")
PREDICTIONS = ("pred", "y_pred", "p", "yhat")  # registers `fit` takes as the model's prediction, in this order

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
    name = program.filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-6] if name.endswith(".gdasm") else name


def _need_outs(program: Program, kind: str) -> None:
    if not outs(program):
        raise UsageError(f"--kind {kind} plots the values the program prints with OUT, one per iteration, but "
                         f"{_name(program)} prints none (add `OUT loss` to its loop, or try --kind regs --y REG)")


def _check(s, kind: str):
    if len(s.rows) > MAX_PLOT_ROWS:
        raise UsageError(f"--kind {kind}: {len(s.rows):,} points are more than a picture shows "
                         f"({MAX_PLOT_ROWS:,}): sample at a label (--every) or stop sooner (--max-steps)")
    return s


def _sample(program, regs, at, inputs: dict, kind: str, **kw):
    return _check(sample(program, regs, at, limit=MAX_ROWS, **inputs, **kw), kind)


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
    if every is not None and y is None:
        raise UsageError("--every samples a register where the loop passes a line: name the register with --y")
    if every is None:
        _need_outs(program, "loss")
    s = _sample(program, [y] if y else [], every or "out", inputs, "loss")
    ys = [number(r.values[0] if y else r.out) for r in s.rows]
    return {**_header(program, "loss", s, faults), "register": y, "at": every or "out", "x": list(range(len(ys))),
            "y": ys, "steps_at": [r.step for r in s.rows]}


def regs(program: Program, names: Sequence[str], every: Optional[str] = None, faults: Optional[list] = None,
         **inputs) -> dict:
    """Registers against the iteration (at each OUT, or at `every`), or against the step if the program never
    prints."""
    inputs = run_inputs(**inputs)
    names = [n for n in names if n]
    if not names:
        raise UsageError("--kind regs plots chosen registers: name them with --y, e.g. --y w,grad")
    at = every or ("out" if outs(program) else "step")
    s = _sample(program, names, at, inputs, "regs")
    x = [r.step for r in s.rows] if at == "step" else list(range(len(s.rows)))
    return {**_header(program, "regs", s, faults), "at": at, "x": x, "registers": list(names),
            "y": {n: [number(r.values[k]) for r in s.rows] for k, n in enumerate(names)}}


# --- path ----------------------------------------------------------------------------------------------

def _params(program: Program, param) -> list[str]:
    names = [p.strip() for p in (param.split(",") if isinstance(param, str) else param) if p.strip()]
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise UsageError("--param takes one parameter (a curve: --param w) or two (contours: --param w,b)")
    for n in names:
        if program.register_slot(n) is None or not _reads(program, n):
            raise UsageError(f"--param {n}: {_name(program)} never reads a register '{n}', so the loss cannot "
                             "depend on it (name the parameter the program learns, e.g. --param w)")
    return names


def _span(values: list, margin: float = 0.25) -> tuple:
    """The values' range with a margin, its ends rounded outwards to three figures of the width (grid points
    are inputs: simple ones read better in the data)."""
    lo, hi = min(values), max(values)
    pad = (hi - lo) * margin if hi > lo else max(abs(lo) * 0.5, 1.0)
    lo, hi = lo - pad, hi + pad
    q = Decimal(1).scaleb(math.floor(math.log10(hi - lo)) - 2)
    return (float((Decimal(repr(lo)) / q).to_integral_value(ROUND_FLOOR) * q),
            float((Decimal(repr(hi)) / q).to_integral_value(ROUND_CEILING) * q))


def _grid(lo: float, hi: float, n: int) -> list[float]:
    return [float(Decimal(repr(lo)) + (Decimal(repr(hi)) - Decimal(repr(lo))) * k / (n - 1)) for k in range(n)]


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
        raise UsageError(f"--kind path: {_name(program)} stopped before its first OUT, so there is no path to draw")
    its = [[number(r.values[k]) for r in s.rows] for k in range(len(names))]
    if any(v is None for col in its for v in col):
        raise UsageError(f"--kind path: {', '.join(names)} not set when the program first prints; set it with --set")
    out = {**_header(program, "path", s, faults), "params": names, "iterates": its, "loss": [number(r.out) for r in s.rows],
           "steps_at": [r.step for r in s.rows]}
    if len(names) == 1:
        grid = _grid(*_span(its[0]), GRID_1D)
        land, faults = [], []
        for k, g in enumerate(grid):
            v, f = _first_out(program, _with(inputs, program, **{names[0]: g, LOOP_LIMIT: 0}))
            land.append(v)
            faults.append(f and f["code"])
            if progress:
                progress(k + 1, len(grid))
        return {**out, "grid": [grid], "landscape": land, "landscape_faults": sorted(set(filter(None, faults)))}
    gx, gy = _grid(*_span(its[0], 0.15), GRID_2D), _grid(*_span(its[1], 0.15), GRID_2D)
    land, faults, done = [], set(), 0
    for b in gy:
        row = []
        for w in gx:
            v, f = _first_out(program, _with(inputs, program, **{names[0]: w, names[1]: b, LOOP_LIMIT: 0}))
            row.append(v)
            if f:
                faults.add(f["code"])
            done += 1
            if progress:
                progress(done, len(gx) * len(gy))
        land.append(row)
    return {**out, "grid": [gx, gy], "landscape": land, "landscape_faults": sorted(faults)}


# --- learning rates ------------------------------------------------------------------------------------

def _rate_text(t: str) -> str:
    """A rate as written, checked to be a positive number."""
    t = t.strip()
    try:
        v = to_number(t)
    except (NumberError, ValueError):
        v = None
    if v is None or not v > 0 or v == float("inf"):
        raise UsageError(f"--lr: '{t[:40]}' is not a learning rate (a positive number, such as 0.01)")
    return t


def default_rates(program: Program, given: dict) -> list[str]:
    """The program's own rate (its `.reg lr` or --set lr) × 0.1, 1, 10, 30, written in decimal: 0.001, not
    0.0010000000000000002 (the rates are inputs to the machine, so they are chosen to be simple)."""
    base = given.get("lr")
    if base is None:
        inp = next(i for i in program.reg_inputs if i.name == "lr")
        base = inp.values[0]
    own = Decimal(repr(float(to_number(str(base)))))
    return [format((own * Decimal(f)).normalize(), "f") for f in DEFAULT_RATE_FACTORS]


def lr(program: Program, rates: Optional[Sequence[str]] = None, progress: Progress = None,
       faults: Optional[list] = None, **inputs) -> dict:
    """The program run with each learning rate: its OUT values, and how each run ended."""
    inputs = run_inputs(**inputs)
    _need_outs(program, "lr")
    if program.register_slot("lr") is None or not _reads(program, "lr"):
        raise UsageError(f"--kind lr runs the program with several learning rates in register lr, but "
                         f"{_name(program)} never reads a register 'lr'")
    if rates is None:
        if "lr" not in inputs["registers"] and not any(i.name == "lr" for i in program.reg_inputs):
            raise UsageError("--kind lr: the program sets lr itself; give the rates with --lr 0.001,0.01,...")
        rates = default_rates(program, inputs["registers"])
    else:
        rates = [_rate_text(t) for t in rates]
        if not rates:
            raise UsageError("--lr: give one or more learning rates, e.g. --lr 0.001,0.01,0.1")
    runs = []
    for k, rate in enumerate(rates):
        s = _sample(program, [], "out", _with(inputs, program, lr=rate), "lr")
        ys = [number(r.out) for r in s.rows]
        if s.fault is not None and faults is not None:
            d = s.fault.diagnostic
            faults.append(replace(d, notes=d.notes + (f"with lr = {rate}",)))
        limit, count = s.registers.get(LOOP_LIMIT), s.registers.get(LOOP_COUNT)
        stalled = s.fault is None and limit is not None and count is not None and count is not UNSET \
            and count >= limit
        runs.append({"rate": rate, "x": list(range(len(ys))), "y": ys, "status": s.status,
                     "fault": _fault(s.fault, len(s.output)), "converged": s.fault is None and not stalled,
                     "iterations": len(ys) - 1 if ys else 0})
        if progress:
            progress(k + 1, len(rates))
    return {"kind": "lr", "program": _name(program), "rates": list(rates), "runs": runs}


# --- fit -----------------------------------------------------------------------------------------------

def _prediction(program: Program, pred: Optional[str]) -> str:
    if pred is not None:
        if not _writes(program, pred):
            raise UsageError(f"--pred {pred}: {_name(program)} never writes a register '{pred}'")
        return pred
    found = next((n for n in PREDICTIONS if _writes(program, n)), None)
    if found is None:
        raise UsageError(f"--kind fit needs the model's prediction: {_name(program)} writes none of "
                         f"{', '.join(PREDICTIONS)}; name it with --pred REG")
    return found


def fit(program: Program, pred: Optional[str] = None, progress: Progress = None, faults: Optional[list] = None,
        **inputs) -> dict:
    """Section 2's picture: data against the model's predictions after the run, with the loss."""
    inputs = run_inputs(**inputs)
    p = program
    if all(p.register_slot(n) is not None for n in ("x", "y_true", "y_pred")) and not p.arrays:
        s = sample(p, ["x", "y_true", "y_pred", "loss"] if p.register_slot("loss") is not None
                   else ["x", "y_true", "y_pred"], "step", **inputs)
        final = s.registers
        return {**_header(p, "fit", s, faults), "mode": "seed", "x": number(final.get("x", UNSET)),
                "y_true": number(final.get("y_true", UNSET)), "y_pred": number(final.get("y_pred", UNSET)),
                "loss": number(final.get("loss", UNSET))}
    if p.array_slot("x") is None or p.array_slot("y") is None:
        raise UsageError(f"--kind fit draws data x, y against the model's predictions: {_name(p)} has no arrays "
                         "x and y (or, as absolute_loss, registers x, y_true and y_pred)")
    name = _prediction(p, pred)
    last = max(_writes(p, name))
    if last + 1 >= len(p.instructions):
        raise UsageError(f"--pred {name}: it is written by the program's last instruction, so no prediction "
                         "can be read after it")
    after = str(p.instructions[last + 1].line)
    _need_outs(p, "fit")
    whole = _sample(p, [], "out", inputs, "fit")
    trained = {i.name: whole.registers[i.name] for i in p.reg_inputs if i.name != LOOP_LIMIT}
    at_end = _with({**inputs, "registers": {**inputs["registers"], **trained}}, p, **{LOOP_LIMIT: 0})
    xs, ys = whole.arrays["x"], whole.arrays["y"]
    points = sample(p, [name], after, outputs=1, **at_end)
    lo, hi = _span([number(v) for v in xs], 0.08) if xs else (0.0, 1.0)
    cx = _grid(lo, hi, CURVE_POINTS)
    curve = sample(p, [name], after, outputs=1,
                   **{**at_end, "arrays": {**at_end["arrays"], "x": cx, "y": [0.0] * len(cx)}})
    if progress:
        progress(1, 1)
    return {**_header(p, "fit", whole, faults), "mode": "regression", "prediction": name,
            "params": {k: number(v) for k, v in trained.items() if v != _initial(p, k, inputs)},
            "x": [number(v) for v in xs], "y": [number(v) for v in ys],
            "pred": [number(r.values[0]) for r in points.rows][:len(xs)],
            "curve_x": cx[:len(curve.rows)], "curve_y": [number(r.values[0]) for r in curve.rows],
            "curve_fault": _fault(curve.fault),
            "loss": number(whole.output[-1]) if whole.output else None,
            "iterations": max(len(whole.output) - 1, 0)}


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
        return regs(program, [n.strip() for n in (y or "").split(",")], every, faults, **inputs)
    if kind == "path":
        return path(program, param, progress, faults, **inputs)
    if kind == "lr":
        return lr(program, rates, progress, faults, **inputs)
    if kind == "fit":
        return fit(program, pred, progress, faults, **inputs)
    raise UsageError(f"--kind {kind}: choose one of {', '.join(KINDS)}")


