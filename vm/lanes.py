"""The lane engine: one program run for many settings at once, each setting a lane of NumPy arrays.

A group of lanes shares a position, a step count, a return stack and arrays; each register is one Python float
while every lane of the group holds the same value, and a float64 array (one value a lane) once they differ.
A conditional jump whose lanes disagree splits the group in two. Arithmetic the ISA table writes with Python's
operators (`py`) runs on whole arrays, where NumPy computes it as IEEE 754 does for one float; any other op (a
square root, an exponential, a logarithm) runs the table's own function lane by lane, so every value equals
the reference engine's bit for bit. A result that is not finite, or outside its op's domain, ends that lane
with the fault `run` would report. What the engine does not follow lane by lane (a register read before it is
written, an index that differs between lanes or is out of range, a STORE of values that differ, a call too deep
or a return with nothing to return to) it hands over: those lanes run again on their own, on the usual engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import isa
from .ir import UNSET, Imm, Program, Reg
from .machine import Machine
from .errors import RuntimeFault


@dataclass(frozen=True)
class Outcome:
    """How one lane ended: its final registers, status, steps, fault (code, line, column, step) and output."""

    registers: dict  # name -> value (registers never written are absent)
    status: str  # "halted", "finished" or "fault"
    steps: int
    fault: Optional[tuple]  # (code, line, column, step)
    passes: Optional[int]  # how many times the outer loop's first instruction ran (None: no loop)
    outputs: int  # how many values OUT printed
    last_output: Optional[float]
    printed: Optional[tuple] = None  # every value OUT printed, in order, when the sweep was asked to keep them


class OutputLimit(Exception):
    """A lane printed more values than the sweep was asked to keep."""


def loop_head(program: Program) -> Optional[int]:
    """The outer loop's first instruction: the lowest address a backward jump goes to, or None."""
    heads = [ins.label.address for a, ins in enumerate(program.instructions)
             if ins.label is not None and ins.label.address <= a and ins.op.effects.transfer]
    return min(heads) if heads else None


def one(machine: Machine, head: Optional[int], outputs: Optional[int] = None,
        keep: Optional[int] = None) -> Outcome:
    """Run one setting on the usual engine: what a handed-over lane gets, and what the tests compare with.

    `outputs`: stop once OUT has printed this many values (status "stopped"), as the lanes do. `keep`: keep
    every value printed, up to that many (OutputLimit past it)."""
    if head is not None:
        machine.count_steps()
    fault = None
    printed = []
    if outputs is not None:  # the machine's own stop at a step boundary, asked for by its output hook
        machine._on_output = lambda v: (printed.append(v), len(printed) >= outputs and machine.interrupt())
    try:
        machine.run()
    except RuntimeFault as f:
        d = f.diagnostic
        fault = (f.code, d.span.line, d.span.column, f.step)
    except KeyboardInterrupt:
        if outputs is None or len(printed) < outputs:  # not ours: a real Ctrl-C
            raise
        if machine.status == "ready":  # stopped after the OUT, not by the program's end
            machine.status = "stopped"
    passes = machine.executions()[head] if head is not None else None
    out = machine.output
    if keep is not None and len(out) > keep:
        raise OutputLimit(keep)
    return Outcome(machine.registers, machine.status, machine.steps, fault, passes, len(out),
                   out[-1] if out else None, None if keep is None else tuple(out))


class _Group:
    """Lanes at one position with one control history."""

    __slots__ = ("lanes", "pc", "regs", "arrays", "owned", "stack", "steps", "passes", "outputs", "last", "order",
                 "printed")

    def __init__(self, lanes, pc, regs, arrays, owned, stack, steps, passes, outputs, last, order, printed):
        self.lanes, self.pc, self.regs, self.arrays, self.owned = lanes, pc, regs, arrays, owned
        self.stack, self.steps, self.passes, self.outputs, self.last = stack, steps, passes, outputs, last
        self.order = order  # register slots in the order of their first writes (the same in every lane)
        self.printed = printed  # None, or every value printed so far (a float, or one a lane)

    def write(self, slot: int, value) -> None:
        if self.regs[slot] is UNSET:
            self.order.append(slot)
        self.regs[slot] = value

    def take(self, keep: np.ndarray) -> "_Group":
        """The lanes where keep holds, as a group of their own (arrays shared until one of them writes)."""
        regs = [r[keep] if isinstance(r, np.ndarray) else r for r in self.regs]
        last = self.last[keep] if isinstance(self.last, np.ndarray) else self.last
        printed = None if self.printed is None else \
            [v[keep] if isinstance(v, np.ndarray) else v for v in self.printed]
        return _Group(self.lanes[keep], self.pc, regs, self.arrays, set(), list(self.stack), self.steps,
                      self.passes, self.outputs, last, list(self.order), printed)


def _located(ins, vals: list, steps: int, lane_value):
    """lane -> the fault of `ins` in that lane, as `run` reports it: its op's domain fault, else overflow."""
    op = ins.op

    def fault(k):
        v = [lane_value(x, k) for x in vals]
        return (op.domain(*v) if op.domain else None) or "overflow", ins.span.line, ins.span.column, steps + 1
    return fault


def _finite(v) -> bool:
    return v - v == 0


def run_lanes(template: Machine, swept: dict, count: int, outputs: Optional[int] = None,
              keep: Optional[int] = None) -> tuple[list, list]:
    """Run `template`'s program for `count` lanes: `swept` maps register names to one value a lane (arrays).
    `keep`: keep every value each lane prints, up to that many (OutputLimit past it).

    Gives (outcomes, handed): an Outcome for each lane the engine followed to its end, None for the others,
    and the lanes it handed over (to run on their own, with `one`)."""
    program = template.program
    code = program.instructions
    head = loop_head(program)
    names = program.registers
    results: list[Optional[Outcome]] = [None] * count
    handed: list[int] = []
    regs = list(template.regs)
    for name, values in swept.items():
        regs[names.index(name)] = np.asarray(values, dtype=np.float64)
    slot_of = {}
    for ins in code:
        for o in ins.operands:
            if isinstance(o, (Reg, Imm)):
                slot_of[id(o)] = template._slot(o)
    work = [_Group(np.arange(count), template.pc, regs, [list(a) for a in template.arrays], set(), [], 0,
                   0, 0, None, list(template.write_order), None if keep is None else [])]
    max_steps = template.max_steps

    def lane_value(v, k):
        return float(v[k]) if isinstance(v, np.ndarray) else v

    def finish(g: _Group, status: str, fault=None, at=None):
        """Record the outcome of every lane of g (at: the lanes' own indexes into g, when only some)."""
        idx = range(len(g.lanes)) if at is None else at
        for k in idx:
            lane = int(g.lanes[k])
            values = {names[slot]: lane_value(g.regs[slot], k) for slot in g.order}
            results[lane] = Outcome(values, status, g.steps, fault if not callable(fault) else fault(k),
                                    g.passes if head is not None else None, g.outputs,
                                    None if g.last is None else lane_value(g.last, k),
                                    None if g.printed is None else tuple(lane_value(v, k) for v in g.printed))

    def hand_over(g: _Group, at=None):
        handed.extend(int(g.lanes[k]) for k in (range(len(g.lanes)) if at is None else at))

    # What each instruction reads and writes, as slots, worked out once.
    reads = [tuple(slot_of[id(o)] for o in ins.sources) for ins in code]
    indexes = [None if ins.index is None else slot_of[id(ins.index)] for ins in code]
    effects = [ins.op.effects for ins in code]
    dests = [-1 if ins.dest is None else ins.dest.slot for ins in code]
    saved = np.seterr(all="ignore")  # a result that is not finite is looked for, not warned about
    try:
        _run(code, reads, indexes, effects, dests, work, head, max_steps, finish, hand_over, lane_value, outputs,
             most=keep)
    finally:
        np.seterr(**saved)
    return results, handed


def _run(code, reads, indexes, effects, dests, work, head, max_steps, finish, hand_over, lane_value,
         outputs, most) -> None:
    """Run every group of `work` to its end (splitting off more groups as lanes part)."""
    copied = [0]  # array elements copied by groups that store, in all
    while work:
        g = work.pop()
        regs = g.regs
        while True:
            if g.pc >= len(code):
                finish(g, "finished")
                break
            ins = code[g.pc]
            if g.steps >= max_steps:
                finish(g, "fault", ("step-limit", ins.span.line, ins.span.column, g.steps + 1))
                break
            op = ins.op
            eff = effects[g.pc]
            nxt = g.pc + 1
            if eff.name == "compute" or eff.transfer == "if":
                vals = [regs[k] for k in reads[g.pc]]
                vector = unset = False
                for v in vals:
                    if v is UNSET:
                        unset = True
                    elif type(v) is np.ndarray:
                        vector = True
                if unset:
                    hand_over(g)
                    break
                if not vector:
                    try:
                        r = op.fn(*vals)
                        bad = eff.name == "compute" and not _finite(r)
                    except (ArithmeticError, ValueError):
                        bad = True
                    if bad:  # every lane the same: the fault of any of them
                        finish(g, "fault", _located(ins, vals, g.steps, lane_value)(0))
                        break
                elif op.py:  # arithmetic NumPy does as IEEE 754 does for one float
                    r = op.fn(*vals)
                    if eff.name == "compute" and not np.isfinite(r).all():
                        bad = ~np.isfinite(r)
                        where = np.flatnonzero(bad)

                        finish(g, "fault", _located(ins, vals, g.steps, lane_value), where)
                        if len(where) == len(g.lanes):
                            break
                        keep = ~bad
                        g = g.take(keep)
                        regs = g.regs
                        vals = [v[keep] if isinstance(v, np.ndarray) else v for v in vals]
                        r = r[keep]
                else:  # the table's own function, lane by lane
                    n = len(g.lanes)
                    out = np.empty(n)
                    failed = []
                    for k in range(n):
                        try:
                            out[k] = op.fn(*(lane_value(v, k) for v in vals))
                        except (ArithmeticError, ValueError):
                            failed.append(k)
                            out[k] = 0.0
                    if eff.name == "compute":
                        failed = sorted(set(failed) | set(np.flatnonzero(~np.isfinite(out)).tolist()))
                    if failed:
                        finish(g, "fault", _located(ins, vals, g.steps, lane_value), failed)
                        if len(failed) == n:
                            break
                        keep = np.ones(n, dtype=bool)
                        keep[failed] = False
                        g = g.take(keep)
                        regs = g.regs
                        out = out[keep]
                    r = out if eff.name == "compute" else out.astype(bool)
                if eff.name == "compute":
                    g.write(dests[g.pc], r)
                else:  # a conditional jump
                    target = ins.label.address
                    if isinstance(r, np.ndarray) and not (r.all() or not r.any()):
                        other = g.take(~r)
                        other.pc, other.steps = nxt, other.steps + 1
                        if g.pc == head:
                            other.passes += 1
                        work.append(other)
                        g = g.take(r)
                        regs = g.regs
                        r = True
                    nxt = target if bool(r if not isinstance(r, np.ndarray) else r[0]) else nxt
            elif eff.name == "load" or eff.stores:
                i = regs[indexes[g.pc]]
                if i is UNSET or isinstance(i, np.ndarray):
                    hand_over(g)  # an index that differs between lanes: each lane alone
                    break
                arr = g.arrays[ins.array.slot]
                if i != int(i) or not 0 <= i < len(arr):
                    hand_over(g)
                    break
                if eff.stores:
                    v = regs[reads[g.pc][0]]
                    if v is UNSET or isinstance(v, np.ndarray):
                        hand_over(g)
                        break
                    if ins.array.slot not in g.owned:
                        copied[0] += len(arr)
                        if copied[0] > isa.MAX_ARRAYS_TOTAL:  # groups' own copies, all together: bounded
                            hand_over(g)
                            break
                        g.arrays = list(g.arrays)
                        g.arrays[ins.array.slot] = arr = list(arr)
                        g.owned.add(ins.array.slot)
                    arr[int(i)] = v
                else:
                    g.write(dests[g.pc], arr[int(i)])
            elif eff.name == "len":
                g.write(dests[g.pc], float(len(g.arrays[ins.array.slot])))
            elif eff.outputs:
                v = regs[reads[g.pc][0]]
                if v is UNSET:
                    hand_over(g)
                    break
                g.outputs += 1
                g.last = v
                if g.printed is not None:
                    if g.outputs > most:
                        raise OutputLimit(most)
                    g.printed.append(v)
                if outputs is not None and g.outputs >= outputs:  # as the machine stops after the OUT step,
                    if g.pc == head:  # unless that was its last step: then it ends, or faults, at the step limit
                        g.passes += 1
                    g.steps += 1
                    g.pc = nxt
                    if g.steps < max_steps:
                        finish(g, "stopped")
                        break
                    continue
            elif eff.stops:
                g.steps += 1
                if g.pc == head:
                    g.passes += 1
                finish(g, "halted")
                break
            elif eff.stack == "push":
                if len(g.stack) >= isa.MAX_CALL_DEPTH:
                    hand_over(g)
                    break
                g.stack.append(nxt)
                nxt = ins.label.address
            elif eff.stack == "pop":
                if not g.stack:
                    hand_over(g)
                    break
                nxt = g.stack.pop()
            elif eff.transfer == "always":
                nxt = ins.label.address
            if g.pc == head:
                g.passes += 1
            g.steps += 1
            g.pc = nxt
