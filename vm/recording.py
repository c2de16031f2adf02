"""The compact recorder: steps run in chunks keeping, per step, the address and its destination's value before
and after (and, for an element write, the index and the element's old and new values); StepRecords are rebuilt
from those columns when they are read, and fast views (the trace) read the columns themselves.

A recorded step costs about 1.3 untraced ones; a test holds the rebuilt records to step()'s, field by field.
"""

from __future__ import annotations

import numbers
from typing import Iterator, NamedTuple

from .ir import UNSET
from .machine import _FAULTS, Machine, StepRecord


class Chunk(NamedTuple):
    """Steps start+1 … start+len(pcs) as columns: what a recorder keeps of them."""

    start: int  # the steps before the chunk
    pcs: list  # each step's address
    olds: list  # its destination's value before it (meaningless where it writes no register)
    news: list  # and after it
    elements: list  # (index, old, new) of each element write, in order
    outputs: list  # each value output, in order
    taken: list  # whether each conditional jump to the very next address was taken, in order
    end_pc: int  # the address after the last step (a HALT's own address)

    def steps(self, m: Machine) -> Iterator[tuple]:
        """(step, address, old, new, element, jump, output, next address) of each step: what a view reads, and
        what a StepRecord is rebuilt from (old/new are meaningless where the step writes no register, element
        is (index, old, new) of an element write, jump the address a taken jump went to)."""
        facts = _facts(m)
        pcs, olds, news, elements, outputs, taken = self.pcs, self.olds, self.news, self.elements, self.outputs, \
            self.taken
        k_out = k_el = k_taken = 0
        step = self.start
        last = len(pcs) - 1
        for i, pc in enumerate(pcs):
            kind, target, array, says = facts[pc][5:]
            step += 1
            nxt = pcs[i + 1] if i < last else self.end_pc
            jump = element = output = None
            if kind == _ALWAYS:
                jump = nxt
            elif kind == _IF:
                if nxt == target:
                    jump = nxt
            elif kind == _IF_NEXT:
                if taken[k_taken]:
                    jump = nxt
                k_taken += 1
            if array:
                element = elements[k_el]
                k_el += 1
            if says:
                output = outputs[k_out]
                k_out += 1
            yield step, pc, olds[i], news[i], element, jump, output, nxt

    def records(self, m: Machine) -> list:
        """The chunk's StepRecords, as m.step() would have returned them."""
        facts = _facts(m)
        make = tuple.__new__  # a StepRecord, without NamedTuple's keyword-handling constructor
        out = []
        for step, pc, old, new, element, jump, output, nxt in self.steps(m):
            ins, line, text, name, array = facts[pc][:5]
            out.append(make(StepRecord, (step, pc, line, text, () if name is None else ((name, old, new),),
                                         () if element is None else ((array, *element),), jump, output, nxt, ins)))
        return out


_ALWAYS, _IF, _IF_NEXT = 1, 2, 3  # how an instruction's jump is known: always taken; taken when it lands there;
# or kept as it ran (a conditional jump to the very next address lands there either way)


def _facts(m: Machine) -> list:
    """Per address, what a record of it holds besides the columns (worked out once per program)."""
    facts = m.program._derived.get("record facts")
    if facts is None:
        facts = []
        for pc, ins in enumerate(m.program.instructions):
            eff = ins.op.effects
            kind = _ALWAYS if eff.transfer == "always" else 0
            if eff.transfer == "if":
                kind = _IF_NEXT if ins.label.address == pc + 1 else _IF
            array = ins.array.name if eff.stores else None
            facts.append((ins, ins.span.line, ins.text, ins.dest and ins.dest.name, array, kind,
                          ins.label and ins.label.address, array, eff.outputs))
        m.program._derived["record facts"] = facts
    return facts


def chunks(m: Machine, size: int) -> Iterator[Chunk]:
    """Run as step() would, `size` steps at a time, yielding each chunk; then raise how the run stopped."""
    while True:
        c, end = one(m, size)
        if c is not None:
            yield c
        if end is not None:
            raise end
        if c is None:
            return


def one(m: Machine, size: int) -> tuple:
    """Run up to `size` steps as step() would: (the chunk, None), (the chunk, what stopped it: a fault, Ctrl-C,
    an error from the output hook), or (None, None) once the machine has stopped."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = int(size)  # a NumPy integer too
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"a chunk is a whole number ≥ 1 of steps, not {size!r}")
    code_ = m.program.instructions
    n = len(code_)
    if m._interrupted:
        m._resume_after_interrupt()
        return None, KeyboardInterrupt()
    if m.status != "ready":
        return None, None
    if m.pc >= n:  # as step() does: reaching the end is not a step
        m.status = "finished"
        return None, None
    if m.steps >= m.max_steps:
        return None, m._fault(m.pc, None)
    if not m.regs:  # nothing to index: step() by step() (a program with no registers or numbers writes nothing)
        return _stepped(m, size)
    dests, stores, nexts = _plan(m)
    c = Chunk(m.steps, [], [], [], [], [], [], 0)
    outputs = len(m.output)
    code = m.code
    saved = {pc: code[pc] for pc in stores + nexts}
    kept = {pc: _keep_element(m, pc, saved[pc], c.elements.append) for pc in stores}
    kept.update({pc: _keep_taken(m, pc, c.taken.append) for pc in nexts})
    for pc, f in kept.items():
        code[pc] = f
    end = None
    order = len(m.write_order)
    try:
        m._run_reference(min(m.steps + size, m.max_steps), (c.pcs.append, c.olds.append, c.news.append, dests))
    except BaseException as stop:  # raised again by the caller, after the chunk of the steps before it
        end = stop
    finally:
        _put_back(code, saved, kept)
        _put_back(m._saved_code, saved, kept)  # read after: a Ctrl-C landing meanwhile may have saved a copy
    done = m.steps - c.start
    for column in (c.pcs, c.olds, c.news):  # a step that did not complete (a fault, a stop) was kept as it began
        del column[done:]
    c.news.extend([None] * (done - len(c.news)))  # a HALT ends its step before keeping a new value
    if m._rewound:  # the first writes, in the order they happened, from the columns
        del m.write_order[order:]
        seen = set(m.write_order)
        for pc, old in zip(c.pcs, c.olds):
            if old is UNSET and code_[pc].dest is not None and code_[pc].dest.slot not in seen:
                m.write_order.append(code_[pc].dest.slot)
                seen.add(code_[pc].dest.slot)
    if m.status == "ready" and m.pc >= n:  # a Ctrl-C stopped it at the end: step() says finished there
        m.status = "finished"
    c.outputs.extend(m.output[outputs:])
    return c._replace(end_pc=m.pc), end


def _plan(m: Machine) -> tuple:
    """Per address (and the end), the slot a step writes (slot 0 where it writes none: read, not used); and the
    instructions whose effect the columns do not show: element writes (the index and old value) and conditional
    jumps to the very next address (taken or not, the next address is the same)."""
    plan = m.program._derived.get("record plan")
    if plan is None:
        code = m.program.instructions
        plan = m.program._derived["record plan"] = (
            [0 if i.dest is None else i.dest.slot for i in code] + [0],
            [pc for pc, i in enumerate(code) if i.op.effects.stores],
            [pc for pc, i in enumerate(code) if i.op.effects.transfer == "if" and i.label.address == pc + 1])
    return plan


def records(m: Machine, size: int) -> Iterator[StepRecord]:
    """Machine.records(): each chunk's rebuilt StepRecords, then how the run stopped."""
    for c in chunks(m, size):
        yield from c.records(m)


def _put_back(table, saved: dict, kept: dict) -> None:
    """The closures one() replaced, back where its own still stand (a stop a Ctrl-C put there stays)."""
    if table is not None:
        for pc, f in saved.items():
            if table[pc] is kept[pc]:
                table[pc] = f


def _stepped(m: Machine, size: int) -> tuple:
    """one(), by step() (a program with no registers): (the chunk, what stopped it) as one() gives them."""
    c = Chunk(m.steps, [], [], [], [], [], [], m.pc)
    end = None
    try:
        for _ in range(size):
            rec = m.step()
            if rec is None:
                break
            ins = rec.instruction
            c.pcs.append(rec.address)
            c.elements.extend(tuple(w[1:]) for w in rec.array_writes)
            c.outputs.extend(() if rec.output is None else (rec.output,))
            if ins.op.effects.transfer == "if" and ins.label.address == rec.address + 1:
                c.taken.append(rec.jump is not None)
    except BaseException as stop:  # raised again by the caller, after the chunk of the steps before it
        end = stop
    if not c.pcs:
        return None, end
    c.olds.extend([None] * len(c.pcs))
    c.news.extend([None] * len(c.pcs))
    return c._replace(end_pc=m.pc), end


def _keep_element(m: Machine, pc: int, store, keep):
    """The element write at `pc`, keeping (index, old, new) each time it runs."""
    _, arr, i = (m._touch[pc] or m._touch_of(pc)).element
    regs, index = m.regs, m._index

    def kept():
        try:
            j = index(regs[i])
            before = arr[j]
        except _FAULTS:  # not a valid place: the store itself faults, and says why
            return store()
        nxt = store()
        keep((j, before, arr[j]))
        return nxt
    return kept


def _keep_taken(m: Machine, pc: int, keep):
    """The conditional jump to the next address at `pc`, keeping whether it was taken each time it runs."""
    _, _, _, _, (cond, a, b), _ = m._touch[pc] or m._touch_of(pc)
    regs, nxt = m.regs, pc + 1

    def kept():
        keep(cond(regs[a], regs[b]))  # if reading faults, it faults as the jump itself would
        return nxt
    return kept
