"""The register machine: one pre-built closure per instruction, registers in a list of slots."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping, NamedTuple, Optional, Sequence

from . import isa
from .assembler import exact_value
from .errors import Diagnostic, RuntimeFault, Span, UsageError
from .ir import UNSET, Imm, Instruction, Program, Reg, UnsetRead
from .render import value as render_value

DEFAULT_MAX_STEPS = 10_000_000
# An exact fraction whose numerator or denominator passes 10,000 decimal digits faults.
MAX_EXACT_DIGITS = 10_000
_MAX_EXACT_BITS = math.ceil(MAX_EXACT_DIGITS * math.log2(10))


class _Halt(Exception):
    """HALT ran."""


class _End(Exception):
    """Execution ran off the end of the program."""


class _Signal(Exception):
    """A fault the closures detect themselves; diagnosed afterwards."""


class _Overflow(_Signal):
    pass


class _BadIndex(_Signal):
    pass


class _TooDeep(_Signal):
    pass


class _NoExact(_Signal):
    pass


class _TooBig(_Signal):
    pass


# What a closure may raise on a fault: diagnosed by _fault(), never shown raw.
_FAULTS = (_Signal, UnsetRead, ArithmeticError, TypeError, ValueError, IndexError)


class StepRecord(NamedTuple):
    """What one executed step did (a tuple: cheap to make once per step)."""

    step: int  # from 1
    address: int
    line: int
    text: str  # the instruction as written
    writes: tuple  # ((name, old, new), ...); old is UNSET on a first write
    array_writes: tuple  # ((name, index, old, new), ...)
    jump: Optional[int]  # the target address when a jump was taken
    output: object  # the value OUT printed, or None
    next_pc: int
    instruction: Instruction


@dataclass(frozen=True)
class Result:
    """The final state of a run."""

    registers: dict  # name -> value, in order of first write
    arrays: dict  # name -> list of values
    output: list
    steps: int
    status: str  # "halted" or "finished"


class Machine:
    """Runs one Program: `step()` one instruction with a record, or `run()` to the end."""

    def __init__(self, program: Program, registers: Optional[Mapping[str, object]] = None,
                 arrays: Optional[Mapping[str, Sequence]] = None, max_steps: int = DEFAULT_MAX_STEPS,
                 exact: bool = False, on_output: Optional[Callable[[object], None]] = None):
        if not isinstance(max_steps, int) or max_steps < 0:
            raise UsageError(f"max_steps must be a whole number ≥ 0, not {max_steps!r}")
        self.program = program
        self.exact = exact
        self.max_steps = max_steps
        self.num = Fraction if exact else float
        self.output: list = []
        self._muted = False  # True while _hottest() samples ahead: OUT then prints nothing
        self._on_output = None if on_output is None else (lambda v: None if self._muted else on_output(v))
        self.stack: list[int] = []
        self.pc = 0
        self.steps = 0
        self.status = "ready"  # then "halted", "finished" or "fault"
        self.fault: Optional[RuntimeFault] = None
        self.write_order: list[int] = []
        self._init_state(registers or {}, arrays or {})
        self._plain: list[Callable[[], int]] = []
        self.code: list[Callable[[], int]] = [self._build(i, ins) for i, ins in enumerate(program.instructions)]
        self.code.append(self._end)
        self._plans: list = [None] * len(program.instructions)

    # --- state ---------------------------------------------------------------------------
    def _number(self, v, what: str):
        """A user-given value as this machine's number type; finite, or a UsageError.

        In exact arithmetic a number is taken from its decimal text: "0.01" (or the float 0.01) is 1/100.
        """
        try:
            if self.exact:
                text = repr(v) if isinstance(v, float) else v
                if isinstance(text, str) and exact_value(text) is None:
                    raise UsageError(f"{what}: {v!r} has too many digits for exact arithmetic")
                x = Fraction(text)
            else:
                x = float(v)
                if x - x != 0:
                    raise ValueError
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            raise UsageError(f"{what}: {v!r} is not a finite number") from None
        return x

    def _imm(self, imm: Imm):
        if not self.exact:
            return imm.value
        if imm.exact is None:
            raise UsageError(f"{self.program.filename}:{imm.span.line}:{imm.span.column}: "
                             f"{imm.text} has no exact value small enough to compute with")
        return imm.exact

    def _init_state(self, registers, arrays):
        p = self.program
        names = p.registers
        self.nregs = len(names)
        regs: list = [UNSET] * len(names)
        for inp in p.reg_inputs:
            regs[inp.slot] = self._number(inp.exact[0] if self.exact else inp.values[0], inp.name)
            self.write_order.append(inp.slot)
        for name, v in registers.items():
            if name not in names:
                hint = difflib.get_close_matches(name, names, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else ""
                what = "an array" if name in p.arrays else "not used by this program"
                raise UsageError(f"cannot set register '{name}': it is {what}{extra}")
            slot = names.index(name)
            regs[slot] = self._number(v, name)
            if slot not in self.write_order:
                self.write_order.append(slot)
        self.arrays: list[list] = []
        for inp in p.array_inputs:
            vals = inp.exact if self.exact else inp.values
            self.arrays.append([self._number(v, inp.name) for v in vals])
        for name, vals in arrays.items():
            if name not in p.arrays:
                hint = difflib.get_close_matches(name, p.arrays, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else ""
                what = "a register" if name in names else "not declared by this program"
                raise UsageError(f"cannot set array '{name}': it is {what}{extra}")
            self.arrays[p.arrays.index(name)][:] = [self._number(v, f"{name}[{i}]") for i, v in enumerate(vals)]
        # Immediates live in constant slots after the registers, so every operand is a slot.
        self._const_slot: dict = {}
        for ins in p.instructions:
            for o in ins.operands:
                if isinstance(o, Imm) and o not in self._const_slot:
                    self._const_slot[o] = len(regs)
                    regs.append(self._imm(o))
        self.regs = regs

    @property
    def registers(self) -> dict:
        """The registers that hold a value, name -> value, in order of first write."""
        names = self.program.registers
        return {names[s]: self.regs[s] for s in self.write_order}

    @property
    def array_values(self) -> dict:
        return {name: list(vals) for name, vals in zip(self.program.arrays, self.arrays)}

    def result(self) -> Result:
        return Result(self.registers, self.array_values, list(self.output), self.steps, self.status)

    # --- building closures from the ISA table -------------------------------------------
    def _slot(self, o) -> int:
        return o.slot if isinstance(o, Reg) else self._const_slot[o]

    def _fn(self, op: isa.Op):
        fn = op.fn
        if not self.exact:
            return fn
        if not op.exact:
            def no_exact(*args):
                raise _NoExact()
            return no_exact
        limit = _MAX_EXACT_BITS

        def exact_fn(*args):
            r = fn(*args)
            if r.numerator.bit_length() > limit or r.denominator.bit_length() > limit:
                raise _TooBig()
            return r
        return exact_fn

    def _build(self, address: int, ins: Instruction) -> Callable[[], int]:
        f = getattr(self, "_build_" + ins.op.behaviour)(ins, address + 1)
        self._plain.append(f)  # step() runs these and keeps the write order itself
        if ins.dest is None:
            return f
        # Runs once: notes the first write order, then puts the plain closure in its place.
        d, regs, order = ins.dest.slot, self.regs, self.write_order

        def first(f=f):
            was_unset = regs[d] is UNSET
            nxt = f()
            if was_unset:
                order.append(d)
            self.code[address] = f
            return nxt
        return first

    def _build_compute(self, ins, nxt):
        fn, regs = self._fn(ins.op), self.regs
        d = ins.operands[0].slot
        if len(ins.operands) == 2:
            a = self._slot(ins.operands[1])

            def unary():
                r = fn(regs[a])
                if r - r != 0:
                    raise _Overflow()
                regs[d] = r
                return nxt
            return unary
        a, b = self._slot(ins.operands[1]), self._slot(ins.operands[2])

        def binary():
            r = fn(regs[a], regs[b])
            if r - r != 0:
                raise _Overflow()
            regs[d] = r
            return nxt
        return binary

    def _build_jump(self, ins, nxt):
        target = ins.operands[0].address
        return lambda: target

    def _build_branch(self, ins, nxt):
        cond, regs = ins.op.fn, self.regs
        a, b = self._slot(ins.operands[0]), self._slot(ins.operands[1])
        target = ins.operands[2].address

        def branch():
            return target if cond(regs[a], regs[b]) else nxt
        return branch

    def _build_call(self, ins, nxt):
        target, stack, limit = ins.operands[0].address, self.stack, isa.MAX_CALL_DEPTH

        def call():
            if len(stack) >= limit:
                raise _TooDeep()
            stack.append(nxt)
            return target
        return call

    def _build_ret(self, ins, nxt):
        return self.stack.pop

    def _index(self, k) -> int:
        j = int(k)
        if j != k or j < 0:
            raise _BadIndex()
        return j

    def _build_load(self, ins, nxt):
        regs, index = self.regs, self._index
        d, arr, i = ins.operands[0].slot, self.arrays[ins.operands[1].slot], self._slot(ins.operands[2])

        def load():
            regs[d] = arr[index(regs[i])]
            return nxt
        return load

    def _build_store(self, ins, nxt):
        regs, index = self.regs, self._index
        arr, i, a = self.arrays[ins.operands[0].slot], self._slot(ins.operands[1]), self._slot(ins.operands[2])

        def store():
            v = regs[a]
            if v is UNSET:
                raise UnsetRead()
            arr[index(regs[i])] = v
            return nxt
        return store

    def _build_len(self, ins, nxt):
        regs, num = self.regs, self.num
        d, arr = ins.operands[0].slot, self.arrays[ins.operands[1].slot]

        def length():
            regs[d] = num(len(arr))
            return nxt
        return length

    def _build_out(self, ins, nxt):
        regs, a, output, hook = self.regs, self._slot(ins.operands[0]), self.output, self._on_output

        def out():
            v = regs[a]
            if v is UNSET:
                raise UnsetRead()
            output.append(v)
            if hook is not None:
                hook(v)
            return nxt
        return out

    def _build_halt(self, ins, nxt):
        def halt():
            raise _Halt()
        return halt

    def _end(self):
        raise _End()

    # --- running -------------------------------------------------------------------------
    def run(self) -> Result:
        """Run to HALT or the end; raises RuntimeFault on a fault or when max_steps is reached."""
        if self.status != "ready":
            return self.result()
        code, pc, n = self.code, self.pc, 0
        budget = self.max_steps - self.steps
        try:
            for n in range(budget):
                pc = code[pc]()
            n = budget
            if pc == len(self.program.instructions):
                self.status = "finished"
        except _Halt:
            n += 1
            self.status = "halted"
        except _End:
            self.status = "finished"
        except _FAULTS as exc:
            self.pc, self.steps = pc, self.steps + n
            raise self._fault(pc, exc) from None
        except KeyboardInterrupt:
            self.pc, self.steps = pc, self.steps + n
            raise
        self.pc, self.steps = pc, self.steps + n
        if self.status == "ready":
            raise self._fault(pc, None)
        return self.result()

    def _step_plan(self, ins: Instruction) -> tuple:
        """What step() must look at around one instruction, worked out once."""
        dest = ins.dest
        b = ins.op.behaviour
        cond = (ins.op.fn, self._slot(ins.operands[0]), self._slot(ins.operands[1])) if b == "branch" else None
        store = (ins.operands[0].name, self.arrays[ins.operands[0].slot], self._slot(ins.operands[1])) \
            if b == "store" else None
        return (ins, -1 if dest is None else dest.slot, dest and dest.name, b in ("jump", "call", "ret"),
                cond, store)

    def step(self) -> Optional[StepRecord]:
        """Execute one instruction and say what it did; None once the program has stopped."""
        if self.status != "ready":
            return None
        pc = self.pc
        n = len(self.code) - 1
        if pc >= n:
            self.status = "finished"
            return None
        if self.steps >= self.max_steps:
            raise self._fault(pc, None)
        plan = self._plans[pc]
        if plan is None:
            plan = self._plans[pc] = self._step_plan(self.program.instructions[pc])
        ins, d, dname, jumps, cond, store = plan
        regs = self.regs
        old = regs[d] if d >= 0 else None
        before = None
        if store is not None:
            try:
                j = self._index(regs[store[2]])
                before = store[1][j]
            except _FAULTS:
                pass  # the closure faults, and _fault() explains why
        nout = len(self.output)
        halted = False
        try:
            nxt = self._plain[pc]()
        except _Halt:
            nxt, halted = pc, True
        except _FAULTS as exc:
            raise self._fault(pc, exc) from None
        self.steps += 1
        if old is UNSET:
            self.write_order.append(d)
        writes = ((dname, old, regs[d]),) if d >= 0 else ()
        array_writes = ((store[0], j, before, store[1][j]),) if store is not None else ()
        jump = None
        if jumps or (cond is not None and cond[0](regs[cond[1]], regs[cond[2]])):
            jump = nxt
        output = self.output[nout] if len(self.output) > nout else None
        self.pc = nxt
        if halted:
            self.status = "halted"
        elif nxt == n:
            self.status = "finished"
        return StepRecord(self.steps, pc, ins.span.line, ins.text, writes, array_writes, jump, output, nxt, ins)

    def undo(self, rec: StepRecord) -> None:
        """Take back the last step: the exact inverse of step() for the record it returned."""
        ins = rec.instruction
        if rec.step != self.steps:
            raise ValueError(f"undo takes back the last step ({self.steps}), not step {rec.step}")
        for name, old, new in rec.writes:
            slot = ins.dest.slot
            self.regs[slot] = old
            if old is UNSET:
                self.write_order.remove(slot)
        for name, index, old, new in rec.array_writes:
            self.arrays[ins.operands[0].slot][index] = old
        if rec.output is not None:
            self.output.pop()
        behaviour = ins.op.behaviour
        if behaviour == "call":
            self.stack.pop()
        elif behaviour == "ret":
            self.stack.append(rec.next_pc)
        self.pc = rec.address
        self.steps -= 1
        self.status = "ready"
        self.fault = None

    def clear_fault(self) -> None:
        """Forget a fault so that the machine can be stepped back from it (state is as before the fault)."""
        if self.status == "fault":
            self.status, self.fault = "ready", None

    # --- faults --------------------------------------------------------------------------
    def _fault(self, pc: int, exc: Optional[BaseException]) -> RuntimeFault:
        """Explain why the instruction at pc could not run (exc None: the step limit)."""
        self.status = "fault"
        p = self.program
        step = self.steps + 1
        if exc is None:
            ins = p.instructions[pc]
            return self._make_fault(ins, ins.span, f"the step limit of {self.max_steps:,} steps was reached",
                                    step, {}, hint="raise it with --max-steps N if the program is meant to run longer",
                                    kind="step limit", notes=self._hottest(pc))
        ins = p.instructions[pc]
        op = ins.op
        regs = self.regs
        reads = {r.name: regs[r.slot] for r in ins.reads}
        unset = [r for r in ins.reads if regs[r.slot] is UNSET]
        if unset:
            r = unset[0]
            candidates = [name for name in p.registers if name != r.name]
            close = difflib.get_close_matches(r.name, candidates, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            return self._make_fault(ins, r.span, f"register '{r.name}' is read before it is ever written",
                                    step, reads, hint=hint + "set it with .reg or --set, or write it first",
                                    kind="unset register")
        values = [regs[self._slot(o)] for o, k in zip(ins.operands, op.kinds) if k in "abi"]
        if isinstance(exc, _TooDeep):
            return self._make_fault(ins, ins.span, f"call depth over {isa.MAX_CALL_DEPTH:,}", step, reads,
                                    hint="a subroutine that CALLs itself needs a way to stop", kind="call depth")
        if op.behaviour == "ret":
            return self._make_fault(ins, ins.span, "RET with nothing to return to", step, reads,
                                    hint="RET returns from a CALL; did the program run into a subroutine?",
                                    kind="return")
        if op.behaviour in ("load", "store"):
            arr_ref = ins.operands[1] if op.behaviour == "load" else ins.operands[0]
            i_op = ins.operands[2] if op.behaviour == "load" else ins.operands[1]
            k = regs[self._slot(i_op)]
            n = len(self.arrays[arr_ref.slot])
            if k != int(k):
                msg = f"index {render_value(k)} is not a whole number"
            else:
                msg = f"index {int(k)} is out of range for array '{arr_ref.name}' of length {n}"
            return self._make_fault(ins, i_op.span, msg, step, reads,
                                    hint=f"valid indexes are 0 to {n - 1}" if n else f"'{arr_ref.name}' is empty",
                                    kind="index")
        if isinstance(exc, _NoExact):
            return self._make_fault(ins, ins.span, f"{op.mnemonic} has no exact result in exact arithmetic", step,
                                    reads, hint="run without --exact to use floating point", kind="no exact result")
        if isinstance(exc, _TooBig):
            return self._make_fault(ins, ins.span, f"the exact fraction passes {MAX_EXACT_DIGITS:,} digits", step,
                                    reads, hint="exact arithmetic suits short runs; use floating point for long loops",
                                    kind="exact too large")
        if op.behaviour == "compute":
            msg = op.domain(*values) if op.domain else None
            if msg:
                return self._make_fault(ins, ins.span, msg, step, reads, kind="domain")
            return self._make_fault(ins, ins.span, isa.OVERFLOW, step, reads,
                                    hint="values grew without bound — in gradient descent, "
                                         "a learning rate that is too large does this", kind="overflow")
        return self._make_fault(ins, ins.span, f"internal error: {exc.__class__.__name__}: {exc}", step, reads,
                                kind="internal")

    def _hottest(self, pc: int, sample: int = 10_000) -> list[str]:
        """Where a run that hit the step limit spends its time: run `sample` steps more, count, undo them."""
        saved = (list(self.regs), [list(a) for a in self.arrays], list(self.stack), len(self.output),
                 list(self.code), list(self.write_order))
        counts = [0] * len(self.code)
        code, n = self.code, 0
        self._muted = True
        try:
            for n in range(sample):
                counts[pc] += 1
                pc = code[pc]()
        except (_Halt, _End) + _FAULTS:
            pass  # the sample ends where the program would have stopped
        finally:
            self._muted = False
            regs, arrays, stack, nout, code_list, order = saved
            self.regs[:] = regs
            for live, before in zip(self.arrays, arrays):
                live[:] = before
            self.stack[:] = stack
            del self.output[nout:]
            self.code[:] = code_list
            self.write_order[:] = order
        hot = max(range(len(self.program.instructions)), key=counts.__getitem__, default=None)
        if hot is None or counts[hot] == 0:
            return []
        ins = self.program.instructions[hot]
        label = next((name for name, addr in sorted(self.program.labels.items(), key=lambda kv: -kv[1])
                      if addr <= hot), None)
        where = f"line {ins.line} (`{ins.text}`" + (f", in the loop at label '{label}')" if label else ")")
        share = sum(counts) or 1
        return [f"the hottest code is {where}: it ran {counts[hot]:,} times in the next {share:,} steps"]

    def _make_fault(self, ins: Instruction, span: Span, message: str, step: int, reads: dict,
                    hint: str = "", kind: str = "", notes=()) -> RuntimeFault:
        notes = [f"at step {step:,}", *notes]
        if reads:
            notes.append("read: " + ", ".join(f"{k} = {render_value(v)}" for k, v in reads.items()))
        src = self.program.lines[span.line - 1]
        d = Diagnostic("runtime error", message, self.program.filename, span, src, hint, tuple(notes))
        fault = RuntimeFault(d, step, reads)
        fault.kind = kind
        fault.address = self.program.instructions.index(ins)
        self.fault = fault
        return fault


def run(program, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS, exact: bool = False) -> Result:
    """Assemble (if given text) and run a program; returns a Result or raises RuntimeFault."""
    if isinstance(program, (str, bytes)):
        from .assembler import assemble
        program = assemble(program)
    return Machine(program, registers, arrays, max_steps, exact).run()
