"""Reverse-mode derivatives over a run: the machine's own executed steps, differentiated by the chain rule.

The run is recorded as a tape of the values that depend on an input — a register's starting value, an array
element, or a register's first write when that is a MOV of a constant (the seed's `MOV w, 0.0`): one node a
step, holding the step, the instruction's address, the nodes of the values it read and the values themselves.
A value that depends on no input gets no node, so `LEN n` or loading `y[i]` cost nothing and never appear in
the backward pass. The local derivatives come from the instruction table (`Op.partials`); this module names
no mnemonic. Control flow is the run's own: the derivative is that of this run's path.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple, Optional

from .errors import Diagnostic, RuntimeFault, UsageError
from .i18n import language, ntr, tr
from .inputs import first_write_before_read
from .ir import UNSET, Imm, Program, element
from .machine import DEFAULT_MAX_STEPS, Machine
from .render import safe
from .sampling import outs
from .suggest import did_you_mean

CONSTANT = -1  # the node of a value that depends on no input
STEP_FACTOR = sys.float_info.epsilon ** (1 / 3)  # central differences: h = ∛ε·max(1, |x|)
AGREE = 1e-6  # derivative and estimate agree when |d − e| ≤ AGREE·max(1, |d|, |e|)


class Input(NamedTuple):
    """What to differentiate with respect to."""
    name: str  # as shown: w, x[2]
    slot: int  # a register's slot, or the array's slot for an element
    index: Optional[int]  # the element, or None for a register
    first_write: Optional[int]  # the address of the MOV of a constant that is a register's input, or None


class Node(NamedTuple):
    """One executed step whose result depends on an input (address -1: an input's starting value)."""
    step: int
    address: int
    sources: tuple  # the node of each value read (CONSTANT: depends on no input)
    values: tuple  # the values read
    value: object  # what the step wrote
    where: Optional[int] = None  # the element a LOAD read or a STORE wrote


class Stop(NamedTuple):
    """Where the register's value is taken: after step `step`, after the `out`-th OUT, or at the end."""
    step: Optional[int] = None
    out: Optional[int] = None


@dataclass(frozen=True)
class Derivative:
    """∂REG/∂input in this run, with a central finite-difference estimate beside it (None if a run faulted)."""
    input: str
    value: object
    estimate: Optional[float]
    h: Optional[float]
    agrees: Optional[bool]


@dataclass(frozen=True)
class Gradient:
    """The derivatives of one register's value, where it was taken, and what to know about them."""
    register: str
    value: object
    step: int  # the value as it stood after this step
    derivatives: tuple
    warnings: tuple  # located Diagnostics
    nodes: tuple  # the tape, for the backward trace
    adjoints: tuple  # one per node (None where the node does not lead to the register)
    target: int  # the register's node (CONSTANT: it depends on no input)
    leaves: dict  # node -> input name


def parse_inputs(program: Program, wrt, arrays: list) -> list[Input]:
    """--wrt w,x[2],y: registers, elements, whole arrays (an input an element)."""
    names = [n.strip() for n in (wrt.split(",") if isinstance(wrt, str) else wrt)]
    if not names or "" in names:
        raise UsageError(tr("--wrt names the inputs to differentiate with respect to, e.g. --wrt w or --wrt w,b"))
    out = []
    for name in names:
        place = element(name)
        if place and program.array_slot(place[0]) is not None:
            slot = program.array_slot(place[0])
            if place[1] >= len(arrays[slot]):
                raise UsageError(tr("--wrt {name}: '{place}' has {arrays:,} elements",
                                    name=safe(name), place=safe(place[0]), arrays=len(arrays[slot])))
            out.append(Input(name, slot, place[1], None))
        elif program.array_slot(name) is not None:
            slot = program.array_slot(name)
            out += [Input(f"{name}[{k}]", slot, k, None) for k in range(len(arrays[slot]))]
        elif program.register_slot(name) is not None:
            first = first_write_before_read(program, name)
            by_constant = first is not None and first.op.partials is not None and \
                all(isinstance(o, Imm) for o in first.sources) and len(first.sources) == 1
            address = program.instructions.index(first) if by_constant else None
            out.append(Input(name, program.register_slot(name), None, address))
        else:
            close = did_you_mean(name, list(program.registers) + list(program.arrays))
            raise UsageError(tr("--wrt {name}: no register or array named '{name}' in this program", name=safe(name))
                             + (tr("; {suggestion}", suggestion=close) if close else ""))
    return out


class _Recorder:
    """Steps a machine and keeps the tape: which node each register slot and array element holds."""

    def __init__(self, m: Machine, inputs: list[Input], cuts: Optional[dict] = None, watch: Optional[int] = None):
        """cuts: register slot -> name; every write of one starts a new input (gradcheck differentiates with
        respect to the value a parameter holds, not its history). watch: a register slot whose writes are
        remembered with the cut registers' nodes at that moment."""
        self.m, self.p = m, m.program
        self.cuts = cuts or {}
        self.watch = watch
        self.watched: list = []  # (node, step, {cut slot: node}) at each write of the watched register
        self.nodes: list[Node] = []
        self.leaves: dict = {}
        self.reg_node = [CONSTANT] * len(m.regs)
        self.elem_node: list[dict] = [{} for _ in m.arrays]
        self.first_writes = {i.first_write: i for i in inputs if i.first_write is not None}
        self.branches: dict = {}  # address -> (times, smallest margin) of comparisons that depend on an input
        self.indexes: dict = {}  # address -> times an array index depended on an input
        self.last_write: dict = {}  # register slot -> address of its latest write
        self.read: set = set()  # nodes some step read
        for inp in inputs:
            if inp.first_write is not None:
                continue
            value = m.regs[inp.slot] if inp.index is None else m.arrays[inp.slot][inp.index]
            k = self._leaf(inp.name, 0, value)
            if inp.index is None:
                self.reg_node[inp.slot] = k
            else:
                self.elem_node[inp.slot][inp.index] = k

    def _leaf(self, name: str, step: int, value, address: int = -1) -> int:
        self.nodes.append(Node(step, address, (), (), value))
        self.leaves[len(self.nodes) - 1] = name
        return len(self.nodes) - 1

    def _node(self, step: int, address: int, sources: tuple, values: tuple, value, where=None) -> int:
        if all(s == CONSTANT for s in sources):
            return CONSTANT
        self.read.update(s for s in sources if s != CONSTANT)
        self.nodes.append(Node(step, address, sources, values, value, where))
        return len(self.nodes) - 1

    def step(self) -> bool:
        """Run one step and record it; False once the program has stopped."""
        m, pc = self.m, self.m.pc
        if m.status != "ready" or pc >= len(self.p.instructions):
            m.step()  # marks the machine finished
            return False
        ins = self.p.instructions[pc]
        how = ins.op.behaviour
        regs, slot = m.regs, m._slot
        srcs = tuple(self.reg_node[slot(o)] for o in ins.sources)
        vals = tuple(regs[slot(o)] for o in ins.sources)
        where = None
        if ins.index is not None:
            k = slot(ins.index)
            if self.reg_node[k] != CONSTANT:
                self.indexes[pc] = self.indexes.get(pc, 0) + 1
            if regs[k] == int(regs[k]) and 0 <= int(regs[k]) < len(m.arrays[ins.array.slot]):
                where = int(regs[k])
        if how == "branch" and any(s != CONSTANT for s in srcs):
            times, margin = self.branches.get(pc, (0, None))
            gap = abs(vals[0] - vals[1])
            self.branches[pc] = (times + 1, gap if margin is None else min(margin, gap))
        rec = m.step()  # a fault is raised here, with the machine as it was
        if rec is None:
            return False
        dest = ins.dest
        if how == "compute":
            if pc in self.first_writes:
                node = self._leaf(self.first_writes[pc].name, rec.step, regs[dest.slot], pc)
            else:
                node = self._node(rec.step, pc, srcs, vals, regs[dest.slot])
            self.reg_node[dest.slot] = node
        elif how == "load":
            src = self.elem_node[ins.array.slot].get(where, CONSTANT)
            self.reg_node[dest.slot] = self._node(rec.step, pc, (src,), (regs[dest.slot],), regs[dest.slot], where)
        elif how == "store":
            node = self._node(rec.step, pc, srcs, vals, vals[0], where)
            if node == CONSTANT:
                self.elem_node[ins.array.slot].pop(where, None)
            else:
                self.elem_node[ins.array.slot][where] = node
        elif dest is not None:  # LEN and the like: a value that depends on no input
            self.reg_node[dest.slot] = CONSTANT
        if dest is not None and dest.slot in self.cuts and how in ("compute", "load"):
            self.reg_node[dest.slot] = self._leaf(self.cuts[dest.slot], rec.step, regs[dest.slot], pc)
        if dest is not None and dest.slot == self.watch:
            self.watched.append((self.reg_node[dest.slot], rec.step, {k: self.reg_node[k] for k in self.cuts}))
        if dest is not None:
            self.last_write[dest.slot] = pc
        return True


def _advance(m: Machine, stop: Stop, step_once) -> None:
    """Run the machine (one step at a time through step_once) to where the value is taken."""
    while True:
        if stop.step is not None and m.steps >= stop.step:
            return
        if stop.out is not None and len(m.output) >= stop.out:
            return
        if not step_once():
            return


def _backward(nodes: list, target: int, program: Program, one) -> list:
    """Adjoints: ∂target/∂node for every node on a path to the target (None elsewhere), newest first."""
    adj: list = [None] * len(nodes)
    if target == CONSTANT:
        return adj
    adj[target] = one
    for k in range(target, -1, -1):
        a = adj[k]
        node = nodes[k]
        if a is None or not node.sources:
            continue
        op = program.instructions[node.address].op
        partials = op.partials(*node.values, node.value) if op.partials else (1,) * len(node.sources)
        for src, d in zip(node.sources, partials):
            if src == CONSTANT:
                continue
            # 0 × ∞ is no contribution: an adjoint of 0 carries nothing back, even through √ at 0
            add = 0 * one if a == 0 or d == 0 else d * a
            adj[src] = add if adj[src] is None else adj[src] + add
    return adj


def grad(program: Program, register: str, wrt, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS,
         exact: bool = False, at: Optional[int] = None, at_out: Optional[int] = None,
         estimate: bool = True) -> Gradient:
    """∂register/∂input for each input of `wrt`, by reverse mode over this run's executed steps; at the end,
    after step `at`, or at the `at_out`-th OUT. Faults before that point are raised."""
    if not isinstance(register, str) or program.register_slot(register) is None:
        close = did_you_mean(str(register), list(program.registers))
        raise UsageError(tr("no register named '{register}' in this program",
                            register=safe(str(register))) + (tr("; {suggestion}", suggestion=close) if close else ""))
    if at is not None and at_out is not None:
        raise UsageError(tr("--at and --at-out both say where to take the value: give one"))
    if at_out is not None and not outs(program):
        raise UsageError(tr("--at-out counts the values the program prints with OUT, but it prints none"))
    stop = Stop(at, at_out)
    m = Machine(program, registers, arrays, max_steps, exact)
    inputs = parse_inputs(program, wrt, m.arrays)
    rec = _Recorder(m, inputs)
    _advance(m, stop, rec.step)
    if at is not None and m.steps < at:
        raise UsageError(tr("--at {at:,}: the program stopped after {steps:,} steps", at=at, steps=m.steps))
    if at_out is not None and len(m.output) < at_out:
        raise UsageError(tr("--at-out {at_out}: the program printed {output} values",
                            at_out=at_out, output=len(m.output)))
    slot = program.register_slot(register)
    value = m.regs[slot]
    if value is UNSET:
        name = safe(register)
        if at is not None:
            why = tr("{register} has no value after step {step:,}: nothing wrote it, so there is nothing to "
                     "differentiate", register=name, step=m.steps)
        elif at_out is not None:
            why = tr("{register} has no value at OUT number {k}: nothing wrote it, so there is nothing to "
                     "differentiate", register=name, k=at_out)
        else:
            why = tr("{register} has no value at the end of the run: nothing wrote it, so there is nothing to "
                     "differentiate", register=name)
        raise UsageError(why)
    target = rec.reg_node[slot]
    one = Fraction(1) if exact else 1.0
    adj = _backward(rec.nodes, target, program, one)
    leaf_of = {name: k for k, name in rec.leaves.items()}
    found = []
    for inp in inputs:
        k = leaf_of.get(inp.name)
        d = adj[k] if k is not None and adj[k] is not None else 0 * one
        found.append((inp, d))
    warnings = _warnings(program, register, inputs, rec, adj, target, leaf_of, registers)
    derivatives = tuple(_check(program, register, inp, d, rec, leaf_of, stop, registers, arrays, max_steps)
                        if estimate else Derivative(inp.name, d, None, None, None) for inp, d in found)
    return Gradient(register, value, m.steps, derivatives, tuple(warnings), tuple(rec.nodes), tuple(adj), target,
                    dict(rec.leaves))


def _perturbed(program: Program, register: str, inp: Input, delta: float, rec: _Recorder, leaf: Optional[int],
               stop: Stop, registers, arrays, max_steps: int) -> float:
    """The register's value at the same point of a float run with the input moved by delta."""
    registers = dict(registers or {})
    arrays = {k: list(v) for k, v in (arrays or {}).items()}
    m0 = rec.m
    if inp.index is not None:
        name = program.arrays[inp.slot]
        values = [float(v) for v in m0.arrays[inp.slot]] if name not in arrays else [float(v) for v in arrays[name]]
        values[inp.index] = float(rec.nodes[leaf].value) + delta
        arrays[name] = values
    elif inp.first_write is None:
        registers[inp.name] = float(rec.nodes[leaf].value) + delta
    m = Machine(program, registers, arrays, max_steps, False)
    if inp.index is None and inp.first_write is not None:  # run past the MOV that is the input, then move it
        while m.steps < rec.nodes[leaf].step:
            m.step()
        m.regs[inp.slot] = m.regs[inp.slot] + delta
    if stop.step is not None:  # at full speed to the same point: a step, the K-th OUT, or the end
        if m.status == "ready" and m.steps < stop.step:
            m._run(min(stop.step, m.max_steps))  # stops there, still ready, unless the program ends first
    elif stop.out is not None:
        printing = outs(program)
        while len(m.output) < stop.out and m.run_to(printing):
            m.step()
    else:
        m.run()
    return m.regs[program.register_slot(register)]


def _check(program, register, inp, d, rec, leaf_of, stop, registers, arrays, max_steps) -> Derivative:
    """The derivative with a central finite difference beside it (computed in floats)."""
    leaf = leaf_of.get(inp.name)
    if leaf is None:
        return Derivative(inp.name, d, None, None, None)
    x = float(rec.nodes[leaf].value)
    h = STEP_FACTOR * max(1.0, abs(x))
    try:
        up = _perturbed(program, register, inp, h, rec, leaf, stop, registers, arrays, max_steps)
        down = _perturbed(program, register, inp, -h, rec, leaf, stop, registers, arrays, max_steps)
        e = (float(up) - float(down)) / (2 * h)
    except (RuntimeFault, TypeError, OverflowError):
        return Derivative(inp.name, d, None, h, None)
    agrees = abs(float(d) - e) <= AGREE * max(1.0, abs(float(d)), abs(e))
    return Derivative(inp.name, d, e, h, agrees)


def _warn(program: Program, address: int, message: str, code: str, hint: str = "", subject: str = "") -> Diagnostic:
    ins = program.instructions[address]
    return Diagnostic("warning", message, program.filename, ins.span, program.lines[ins.line - 1], hint=hint,
                      code=code, subject=subject)


def _warnings(program, register, inputs, rec, adj, target, leaf_of, registers) -> list:
    """What the numbers do not say: the side of a branch, a point with no derivative, an index that moved with
    an input, an input that never reaches the register (and why)."""
    out = []
    for address, (times, margin) in sorted(rec.branches.items()):
        ins = program.instructions[address]
        out.append(_warn(program, address, ntr("this comparison depends on an input ({n:,} time; decided by a margin "
                                               "of {margin!r} at the closest): the derivative holds on this run's side "
                                               "of line {line}'s comparison",
                                               "this comparison depends on an input ({n:,} times; decided by a margin "
                                               "of {margin!r} at the closest): the derivative holds on this run's side "
                                               "of line {line}'s comparison", times, margin=margin, line=ins.line),
                         "grad-branch", tr("a change of the input larger than the margin may take the other branch")))
    kinked: set = set()  # one warning an instruction, at its first such step
    for k, node in enumerate(rec.nodes):
        op = program.instructions[node.address].op if node.address >= 0 and node.sources else None
        if op is not None and op.kink is not None and adj[k] is not None and node.address not in kinked \
                and op.kink(*node.values):
            kinked.add(node.address)
            note = op.kink_note_zh if language() == "zh" else op.kink_note  # the table carries both
            out.append(_warn(program, node.address, tr("{mnemonic} of {values!r} (step {step:,}) has no derivative: "
                                                       "{kink_note}", mnemonic=op.mnemonic, values=node.values[0],
                                                       step=node.step, kink_note=note), "grad-kink"))
    for address, times in sorted(rec.indexes.items()):
        out.append(_warn(program, address, tr("this array index depends on an input: it is treated as fixed "
                         "(a change of the input would read another element)"), "grad-index"))
    for inp in inputs:
        if inp.index is None and inp.first_write is None:
            first = first_write_before_read(program, inp.name)
            if first is not None:
                out.append(_warn(program, program.instructions.index(first),
                                 tr("'{name}' is overwritten here before anything reads it, so {register} does not "
                                    "depend on its starting value",
                                    name=safe(inp.name), register=safe(register)), "grad-overwritten",
                                 subject=inp.name))
                continue
        k = leaf_of.get(inp.name)
        if k is None or adj[k] is not None:
            continue
        slot = program.register_slot(register)
        if k not in rec.read:
            why = tr("nothing in this run read '{name}'", name=safe(inp.name))
            address = rec.last_write.get(slot)
        else:
            address = rec.last_write.get(slot)
            why = tr("{register} was last written from values that do not depend on it", register=safe(register))
        if address is None:
            out.append(Diagnostic("warning", tr("{register} does not depend on {name}: {why}",
                                                register=safe(register), name=safe(inp.name), why=why),
                                  program.filename, code="grad-no-dependence", subject=inp.name))
        else:
            ins = program.instructions[address]
            out.append(_warn(program, address, tr("{register} does not depend on {name}: {why} (line {line}: "
                                                  "{text}); its derivative is 0",
                                                  register=safe(register), name=safe(inp.name), why=why, line=ins.line, text=safe(ins.text)), "grad-no-dependence",
                             hint=tr("if it should, look for a constant written where the input belongs (the seed's "
                                  "`SUB error1, 2, 0*1` folds w = 0 into 0*1)"), subject=inp.name))
    return out


class Update(NamedTuple):
    """One adjoint update of the backward pass: ∂to += partial × ∂source (the result is `add`)."""
    to: str
    partial: object
    source: str
    adjoint: object
    add: object


class Row(NamedTuple):
    """One executed step on a path from the inputs to the register, and the updates it makes."""
    step: int
    line: int
    text: str
    updates: tuple


def _labels(g: Gradient, program: Program) -> list:
    """A name for each node: the register or element it wrote, with @STEP where that name has several values on
    the path (`sum_sq@17`), so a step that reads and writes one register shows both versions."""
    names = []
    for k, node in enumerate(g.nodes):
        if node.address < 0 or (not node.sources and k in g.leaves):
            names.append(g.leaves.get(k, "?"))
            continue
        ins = program.instructions[node.address]
        names.append(ins.dest.name if ins.dest is not None else f"{ins.array.name}[{node.where}]")
    counts: dict = {}
    for k, name in enumerate(names):
        if g.adjoints[k] is not None:
            counts[name] = counts.get(name, 0) + 1
    return [f"{n}@{g.nodes[k].step}" if counts.get(n, 0) > 1 and g.nodes[k].step else n
            for k, n in enumerate(names)]


def backward(g: Gradient, program: Program) -> list[Row]:
    """The backward pass as rows, newest step first: each step on a path from an input to the register, with
    the adjoint updates it makes. Steps that depend on no input are not on the tape, and so not here."""
    labels = _labels(g, program)
    rows = []
    for k in range(len(g.nodes) - 1, -1, -1):
        node, a = g.nodes[k], g.adjoints[k]
        if a is None or not node.sources:
            continue
        op = program.instructions[node.address].op
        partials = op.partials(*node.values, node.value) if op.partials else (1,) * len(node.sources)
        updates = tuple(Update(labels[src], d, labels[k], a, 0 * a if a == 0 or d == 0 else d * a)
                        for src, d in zip(node.sources, partials) if src != CONSTANT)
        ins = program.instructions[node.address]
        rows.append(Row(node.step, ins.line, ins.text, updates))
    return rows
