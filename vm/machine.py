"""The register machine: one pre-built closure per instruction, registers in a list of slots.

`run()` calls the closures in a tight loop. `step()` calls the same closures one at a time and records what
the step changed; what it looks at before and after (the destination register, the array element, the
return-address stack, the output) follows from the instruction's operand roles and behaviour in the ISA
table, and `undo()` is the inverse of that record. There is one copy of the semantics: the closures.
"""

from __future__ import annotations

import numbers as _numbers
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator, Mapping, NamedTuple, Optional, Sequence

from . import isa
from .errors import AssemblyError, Diagnostic, RuntimeFault, Span, UsageError
from .i18n import ntr, tr
from .ir import UNSET, Imm, Instruction, Program, Reg, UnsetRead
from .numbers import MAX_EXACT_BITS, MAX_EXACT_DIGITS, NumberError, exact_bounds, to_number
from .render import value as _dec
from .suggest import did_you_mean

DEFAULT_MAX_STEPS = 10_000_000
# Which engine run() uses: "compiled" (vm/compiled.py) for floating point, "reference" (the closures below),
# or "auto": compiled when it can (floating point, a program up to compiled.COMPILE_LIMIT instructions), after a
# first AUTO_AFTER steps on the reference engine, and AUTO_PER_INSTRUCTION steps for each instruction of the
# program: compiling costs about as much as that many steps, so a short run does not pay for it.
ENGINES = ("auto", "compiled", "reference")
AUTO_AFTER = 20_000
AUTO_PER_INSTRUCTION = 1_000
# The last steps before the step limit are counted per instruction, to name the hot spot when it is hit.
HOT_SAMPLE = 10_000
# run(progress=...) reports every this many steps (about 50 ms of a run).
PROGRESS_CHUNK = 65_536


class _Break(Exception):
    """An instruction run_to() stops before."""


class _Halt(Exception):
    """HALT ran."""


class _End(Exception):
    """Execution ran off the end of the program."""


class _Interrupted(Exception):
    """Ctrl-C arrived: raised at the next step boundary."""


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


class Snapshot(NamedTuple):
    """A machine's whole state between two steps, to go back to (time travel's checkpoints)."""

    steps: int
    pc: int
    status: str
    regs: list
    arrays: list
    stack: list
    outputs: int  # how many values had been output (output only grows)
    write_order: list
    counts: list

    @property
    def size(self) -> int:
        """Roughly how many values it holds (each costs a reference: 8 bytes)."""
        return len(self.regs) + sum(len(a) for a in self.arrays) + len(self.stack) + len(self.counts)


@dataclass(frozen=True)
class Result:
    """The final state of a run."""

    registers: dict  # name -> value, in order of first write
    arrays: dict  # name -> list of values
    output: list
    steps: int
    status: str  # "halted" or "finished"

    def _repr_html_(self) -> str:
        """Jupyter shows a Result as a table: status, output, registers, arrays."""
        from .display import result_html
        return result_html(self)


def _mapping(given, what: str) -> Mapping:
    """`registers=` or `arrays=`: None, or a mapping whose keys are names; else a UsageError naming it."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise UsageError(tr("{what} must be a mapping of names to values (a dict), not {name}",
                            what=what, name=type(given).__name__))
    for key in given:
        if not isinstance(key, str):
            raise UsageError(tr("{what}: a name must be a string, not {key!r} ({name})",
                                what=what, key=key, name=type(key).__name__))
    return given


def _sequence(vals, name: str, exact: bool) -> Sequence:
    """An array's given values: a list, tuple, range or one-dimensional NumPy array; else a UsageError."""
    shape = getattr(vals, "shape", None)
    if shape is not None and hasattr(vals, "tolist"):  # a NumPy array: one conversion, at C speed
        if len(shape) != 1:
            raise UsageError(tr("array '{name}' must be one-dimensional, not of shape {shape}",
                                name=name, shape=tuple(shape)))
        if exact and getattr(vals.dtype, "kind", "") == "f" and vals.dtype.itemsize != 8:
            return list(vals)  # float32 etc.: each its own shortest decimal, as a NumPy scalar is taken
        return vals.tolist()
    if isinstance(vals, (str, bytes, bytearray, Mapping)) or not isinstance(vals, Sequence):
        raise UsageError(tr("array '{name}' must be a sequence of numbers (a list), not {name2}",
                            name=name, name2=type(vals).__name__))
    return vals


class _Touch(NamedTuple):
    """What step() looks at around one instruction, from its roles in the ISA table."""

    ins: Instruction
    dest: int  # the register slot written, or -1
    dest_name: Optional[str]
    element: Optional[tuple]  # (array name, the array's list, index slot) for an element write
    condition: Optional[tuple]  # (fn, a slot, b slot) for a conditional jump
    transfers: bool  # always jumps


class Machine:
    """Runs one Program: `step()` one instruction with a record, or `run()` to the end."""

    def __init__(self, program: Program, registers: Optional[Mapping[str, object]] = None,
                 arrays: Optional[Mapping[str, Sequence]] = None, max_steps: int = DEFAULT_MAX_STEPS,
                 exact: bool = False, on_output: Optional[Callable[[object], None]] = None, engine: str = "auto"):
        if not isinstance(program, Program):
            raise UsageError(tr("program must be a Program (from vm.assemble), not {name}",
                                name=type(program).__name__))
        if isinstance(max_steps, _numbers.Integral) and not isinstance(max_steps, bool):
            max_steps = int(max_steps)  # a NumPy integer too
        if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 0:
            raise UsageError(tr("max_steps must be a whole number ≥ 0, not {max_steps!r}", max_steps=max_steps))
        if not isinstance(exact, bool):
            raise UsageError(tr("exact must be True or False, not {exact!r}", exact=exact))
        if engine not in ENGINES:
            raise UsageError(tr("engine must be one of {ENGINES}, not {engine!r}",
                                ENGINES=', '.join(ENGINES), engine=engine))
        if engine == "compiled":
            from . import compiled
            if exact:
                raise UsageError(tr("the compiled engine runs floating point only: exact arithmetic runs on the "
                                 "reference engine (engine 'auto' or 'reference')"))
            if len(program.instructions) > compiled.COMPILE_LIMIT:
                raise UsageError(tr("the compiled engine takes programs of up to {COMPILE_LIMIT:,} instructions, not "
                                    "{instructions:,}: use engine 'auto' or 'reference'",
                                    COMPILE_LIMIT=compiled.COMPILE_LIMIT, instructions=len(program.instructions)))
        self.engine = engine
        self.program = program
        self.exact = exact
        self.max_steps = max_steps
        self.num = Fraction if exact else float
        self.output: list = []
        self._on_output = on_output
        self.stack: list[int] = []
        self.pc = 0
        self.steps = 0
        self.status = "ready"  # then "halted", "finished" or "fault"
        self.fault: Optional[RuntimeFault] = None
        self.write_order: list[int] = []
        self._init_state(registers or {}, arrays or {})
        self._code: Optional[list] = None  # the closures, built when the reference engine first runs (`code`)
        self._touch: list[Optional[_Touch]] = [None] * len(program.instructions)
        self._counts = [0] * (len(program.instructions) + 1)  # executions per address within the last HOT_SAMPLE steps
        self._counted_from = max_steps - HOT_SAMPLE
        self._hot_from = max_steps - HOT_SAMPLE  # where the last HOT_SAMPLE steps before the limit begin
        self._hot_base: Optional[list] = None  # the counts there, when every step is counted (a profile)
        self._interrupted = False
        self._saved_code: Optional[list] = None
        self._fast: Optional[tuple] = None  # the compiled engine, bound to this machine: (plan, run, stop)
        # True once undo() or restore() took first writes back: the closures that note a first write have
        # replaced themselves, so a recorder notes first writes itself from then on.
        self._rewound = False

    # --- state ---------------------------------------------------------------------------
    def _number(self, v, what: str):
        """A user-given value as this machine's number type; finite, or a UsageError."""
        if isinstance(v, _numbers.Integral) and not isinstance(v, (int, bool)):
            v = int(v)  # a NumPy integer
        elif isinstance(v, _numbers.Real) and not isinstance(v, (float, Fraction, int)):
            v = str(v) if self.exact else float(v)  # a NumPy float: exactly, its own shortest decimal
        try:
            return to_number(v, self.exact)
        except NumberError as e:
            raise UsageError(f"{what}: {e}") from None

    def _no_exact(self, span: Span, what: str) -> AssemblyError:
        """A number written in the program that --exact cannot take: a located error (exit 65)."""
        p = self.program
        return AssemblyError(Diagnostic(
            "error", tr("{what} has no exact value small enough to compute with", what=what), p.filename, span,
            p.lines[span.line - 1] if 0 < span.line <= len(p.lines) else "", code="no-exact-value",
            hint=tr("{bounds}; run without --exact, or write a smaller number", bounds=exact_bounds())))

    def _imm(self, imm: Imm):
        if not self.exact:
            return imm.value
        if imm.exact is None:
            raise self._no_exact(imm.span, imm.text if len(imm.text) <= 40 else imm.text[:37] + "…")
        return imm.exact

    def _declared(self, inp) -> list:
        """A directive's values as this machine's numbers."""
        if not self.exact:
            return list(inp.values)
        if None in inp.exact:
            i = inp.exact.index(None)
            raise self._no_exact(inp.span, tr("the value of '{name}'", name=inp.name) if inp.directive == ".reg"
                                 else tr("element {index} of '{name}'", index=i, name=inp.name))
        return list(inp.exact)

    def _init_state(self, registers, arrays):
        p = self.program
        names = p.registers
        registers = _mapping(registers, "registers")
        arrays = _mapping(arrays, "arrays")
        regs: list = [UNSET] * len(names)
        for inp in p.reg_inputs:
            regs[inp.slot] = self._declared(inp)[0]
            self.write_order.append(inp.slot)
        for name, v in registers.items():
            if name not in names:
                hint = did_you_mean(name, names)
                what = tr("cannot set register '{name}': it is an array", name=name) if name in p.arrays else \
                    tr("cannot set register '{name}': it is not used by this program", name=name)
                raise UsageError(what + (tr("; ") + hint if hint else ""))
            slot = names.index(name)
            regs[slot] = self._number(v, name)
            if slot not in self.write_order:
                self.write_order.append(slot)
        given = {}
        for name, vals in arrays.items():
            if name not in p.arrays:
                hint = did_you_mean(name, p.arrays)
                what = tr("cannot set array '{name}': it is a register", name=name) if name in names else \
                    tr("cannot set array '{name}': it is not declared by this program", name=name)
                raise UsageError(what + (tr("; ") + hint if hint else ""))
            given[name] = _sequence(vals, name, self.exact)
        sizes = [len(given[inp.name]) if inp.name in given else len(inp.values) for inp in p.array_inputs]
        cap = isa.MAX_EXACT_ARRAYS_TOTAL if self.exact else isa.MAX_ARRAYS_TOTAL
        if sum(sizes) > cap:  # checked before a single element is converted
            raise UsageError(tr("the arrays together would hold {count:,} elements; gdasm holds at most {cap:,}",
                                count=sum(sizes), cap=cap)
                             + (tr(" under --exact (an exact fraction takes ~100 bytes or more)",
                                   ) if self.exact else ""))
        self.arrays: list[list] = []
        for inp in p.array_inputs:
            if inp.name in given:
                vals = given[inp.name]
                self.arrays.append([self._number(v, f"{inp.name}[{i}]") for i, v in enumerate(vals)])
            else:
                self.arrays.append(self._declared(inp))
        # Immediates live in constant slots after the registers, so every operand is a slot; where each goes is
        # worked out once per program (hashing an Imm hashes its Fraction: slow to repeat for every machine).
        self._const_slot = p._derived.get("constant slots")
        if self._const_slot is None:
            slots: dict = {}
            for ins in p.instructions:
                for o in ins.operands:
                    if isinstance(o, Imm) and o not in slots:
                        slots[o] = len(names) + len(slots)
            self._const_slot = p._derived["constant slots"] = slots
        regs.extend(self._imm(o) for o in self._const_slot)
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
    @property
    def code(self) -> list:
        """One closure per instruction (and one that ends the run), built on first use: a run on the compiled
        engine may never need them."""
        if self._code is None:
            self._plain_code: list[Callable[[], int]] = []
            self._code = [self._build(i, ins) for i, ins in enumerate(self.program.instructions)]
            self._code.append(self._end)
        return self._code

    @property
    def _plain(self) -> list:
        """The closures step() runs (they leave the write order to it)."""
        self.code
        return self._plain_code

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
        limit = MAX_EXACT_BITS  # an exact fraction past MAX_EXACT_DIGITS (10,000) digits faults

        def exact_fn(*args):
            r = fn(*args)
            if r.numerator.bit_length() > limit or r.denominator.bit_length() > limit:
                raise _TooBig()
            return r
        return exact_fn

    def _build(self, address: int, ins: Instruction) -> Callable[[], int]:
        f = getattr(self, "_build_" + ins.op.behaviour)(ins, address + 1)
        self._plain_code.append(f)  # step() runs these and keeps the write order itself
        if ins.dest is None:
            return f
        # Runs once: notes the first write order, then puts the plain closure in its place (unless Ctrl-C
        # has put a stop there meanwhile).
        d, regs, order = ins.dest.slot, self.regs, self.write_order

        def first():
            was_unset = regs[d] is UNSET
            nxt = f()
            if was_unset:
                order.append(d)
            code = self.code
            if code[address] is first:
                code[address] = f
            return nxt
        return first

    def _build_compute(self, ins, nxt):
        fn, regs = self._fn(ins.op), self.regs
        d = ins.dest.slot
        src = [self._slot(o) for o in ins.sources]
        if len(src) == 1:
            a = src[0]

            def unary():
                r = fn(regs[a])
                if r - r != 0:
                    raise _Overflow()
                regs[d] = r
                return nxt
            return unary
        a, b = src

        def binary():
            r = fn(regs[a], regs[b])
            if r - r != 0:
                raise _Overflow()
            regs[d] = r
            return nxt
        return binary

    def _build_jump(self, ins, nxt):
        target = ins.label.address
        return lambda: target

    def _build_branch(self, ins, nxt):
        cond, regs = ins.op.fn, self.regs
        a, b = (self._slot(o) for o in ins.sources)
        target = ins.label.address

        def branch():
            return target if cond(regs[a], regs[b]) else nxt
        return branch

    def _build_call(self, ins, nxt):
        target, stack, limit = ins.label.address, self.stack, isa.MAX_CALL_DEPTH

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
        d, arr, i = ins.dest.slot, self.arrays[ins.array.slot], self._slot(ins.index)

        def load():
            regs[d] = arr[index(regs[i])]
            return nxt
        return load

    def _build_store(self, ins, nxt):
        regs, index = self.regs, self._index
        arr, i, a = self.arrays[ins.array.slot], self._slot(ins.index), self._slot(ins.sources[0])

        def store():
            v = regs[a]
            if v is UNSET:
                raise UnsetRead()
            arr[index(regs[i])] = v
            return nxt
        return store

    def _build_len(self, ins, nxt):
        regs, num = self.regs, self.num
        d, arr = ins.dest.slot, self.arrays[ins.array.slot]

        def length():
            regs[d] = num(len(arr))
            return nxt
        return length

    def _build_out(self, ins, nxt):
        regs, a, output, hook = self.regs, self._slot(ins.sources[0]), self.output, self._on_output

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

    # --- checkpoints ---------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The state as it stands, copied (values are shared: numbers never change in place)."""
        return Snapshot(self.steps, self.pc, self.status, list(self.regs), [list(a) for a in self.arrays],
                        list(self.stack), len(self.output), list(self.write_order), list(self._counts))

    def restore(self, snap: Snapshot) -> None:
        """Go back to a snapshot of this machine; the lists are refilled in place, as the closures hold them."""
        self.regs[:] = snap.regs
        self._rewound = True
        for a, saved in zip(self.arrays, snap.arrays or ()):  # None: the caller restores the arrays itself
            a[:] = saved
        self.stack[:] = snap.stack
        del self.output[snap.outputs:]
        self.write_order[:] = snap.write_order
        self._counts[:] = snap.counts
        self.steps, self.pc, self.status, self.fault = snap.steps, snap.pc, snap.status, None

    # --- Ctrl-C --------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Stop at the next step boundary: the step running now finishes and is counted.

        Safe to call from a signal handler: it only sets a flag and swaps every closure for a stop, so the
        fast loop pays nothing for it.
        """
        self._interrupted = True
        if self._saved_code is None:
            self._saved_code = list(self.code)
        self.code[:] = [self._stop] * len(self.code)
        if self._fast is not None:
            self._fast[2](True)

    def _stop(self):
        raise _Interrupted()

    def _resume_after_interrupt(self) -> None:
        if self._saved_code is not None:
            self.code[:] = self._saved_code
            self._saved_code = None
        if self._fast is not None:
            self._fast[2](False)
        self._interrupted = False

    # --- running -------------------------------------------------------------------------
    def run(self, progress: Optional[Callable[["Machine"], None]] = None) -> Result:
        """Run to HALT or the end; raises RuntimeFault on a fault or when max_steps is reached.

        Ctrl-C (in the main thread) raises KeyboardInterrupt between two steps: `steps` counts every step that
        ran, and `pc` is the next one. `progress(machine)`, if given, is called every PROGRESS_CHUNK steps
        (with `steps` and `pc` up to date), so a display can follow a long run at no cost to the loop.
        """
        if self.status != "ready":
            return self.result()
        with stop_on_ctrl_c(self):
            if progress is None:
                return self._run(self.max_steps)
            while True:
                done = self._run(min(self.steps + PROGRESS_CHUNK, self.max_steps))
                if done is not None:
                    return done
                progress(self)

    def run_to(self, addresses) -> bool:
        """Run until the next instruction to run is at one of `addresses` (not yet run) or the program stops.

        True when it stopped at one of them (at once if `pc` is there already); False when the program ended.
        Faults and the step limit raise as in run(). Sampling a run at a line costs one exception per visit.
        """
        if self.status != "ready":
            return False
        if self.pc in addresses:
            return True
        code, saved = self.code, {a: self.code[a] for a in addresses if 0 <= a < len(self.program.instructions)}
        for a in saved:
            code[a] = self._break
        try:
            with stop_on_ctrl_c(self):
                while self._run_reference(self.max_steps) is None:  # the breaks are in the reference engine
                    if self.pc in saved:
                        return True
        finally:
            for a, fn in saved.items():
                code[a] = fn
            if self._saved_code is not None:  # an interrupt saved the code with the breaks in it
                for a, fn in saved.items():
                    self._saved_code[a] = fn
        return False

    @staticmethod
    def _break():
        raise _Break()

    def _run(self, stop: int) -> Optional[Result]:
        """Run until step `stop` (None back if the program is still ready there, short of max_steps)."""
        fast_until = min(stop, self._counted_from)  # the counted steps (a profile, the last before the limit)
        if self.engine != "reference" and not self.exact and self.steps < fast_until:
            warm = max(AUTO_AFTER, AUTO_PER_INSTRUCTION * len(self.program.instructions))
            if self._fast is None and self.engine == "auto" and "compiled" not in self.program._derived \
                    and self.steps < warm:
                done = self._run_reference(min(fast_until, warm))
                if done is not None:
                    return done
            if self.steps < fast_until:
                done = self._run_fast(fast_until)
                if done is not None:
                    return done
        return self._run_reference(stop)

    def _run_fast(self, stop: int) -> Optional[Result]:
        """Run on the compiled engine until step `stop`, the reference engine taking the blocks it hands back."""
        from . import compiled  # loaded by the runs that use it: most commands' runs are short
        if self._fast is None:
            mapped = compiled.mappable(self.program, self.arrays)
            plan = compiled.plan_of(self.program, mapped)
            if plan is None:  # too long to compile: "auto" runs it on the reference engine
                return None
            run, halt = compiled.bind(plan, self.output, self._on_output)
            self._fast = (plan, run, halt)
            lengths = [float(len(a)) for a in self.arrays]
            # The arrays the program only reads, by float index: they never change during a run.
            maps = [{float(i): v for i, v in enumerate(a)} if k in mapped else None for k, a in enumerate(self.arrays)]
            self._fast_state = (lengths, maps, [], [0, 0])
            if self._interrupted:
                halt(True)
        plan, run, _ = self._fast
        lengths, maps, firsts, where = self._fast_state
        while self.steps < stop:
            if self.pc not in plan.entries:  # inside a chain of blocks: the reference engine runs this block
                done = self._run_reference(min(self.steps + plan.block_end[self.pc] - self.pc, stop))
                if done is not None:
                    return done
                continue
            try:
                try:
                    status = run(self.regs, self.arrays, lengths, maps, self.stack, firsts, stop - self.steps,
                                 self.pc, where)
                finally:  # whatever ended it, the machine takes its position and first writes
                    self._fast_sync(plan, firsts, where)
            except compiled.HookFailed as failed:  # the OUT that called it ran; the reference engine stops before
                self.pc, self.steps = self.pc - 1, self.steps - 1
                exc = failed.args[0]
                if isinstance(exc, _FAULTS):
                    raise self._fault(self.pc, exc) from None
                raise exc from None
            if status == compiled.STOPPED:
                if self._interrupted:
                    self._resume_after_interrupt()
                    raise KeyboardInterrupt
                return None  # the next block would pass `stop`: the reference engine runs to it
            if status == compiled.SUSPECT:  # the reference engine replays the block, and faults if it faults
                done = self._run_reference(min(self.steps + plan.block_end[self.pc] - self.pc, stop))
                if done is not None:
                    return done
                continue
            self.status = "halted" if status == compiled.HALTED else "finished"
            if self._interrupted:  # Ctrl-C during the last block: the run is complete, and stops here
                self._resume_after_interrupt()
                raise KeyboardInterrupt
            return self.result()
        return None

    def _fast_sync(self, plan, firsts: list, where: list) -> None:
        """Take the compiled engine's position and first writes into the machine."""
        self.pc, self.steps = where[0], self.steps + where[1]
        if firsts:
            order, regs = self.write_order, self.regs
            seen = set(order)
            for block in firsts:
                for slot in plan.writes[block]:
                    if slot not in seen and regs[slot] is not UNSET:
                        order.append(slot)
                        seen.add(slot)
            firsts.clear()

    def _run_reference(self, stop: int, keep: Optional[tuple] = None) -> Optional[Result]:
        """Run on the reference engine until step `stop`."""
        if self._counted_from < self._hot_from and self.steps < self._hot_from <= stop:  # a chunk may end there
            done = self._run_span(self._hot_from, keep)  # a profile counts every step: note where the last ones begin
            if done is not None or self.steps < self._hot_from:
                return done
            self._hot_base = list(self._counts)
        return self._run_span(stop, keep)

    def _run_span(self, stop: int, keep: Optional[tuple] = None) -> Optional[Result]:
        """Run the closures until step `stop`; `keep` = (pcs.append, olds.append, news.append, dests): keep
        each step's address and its destination's value before and after (vm/recording.py rebuilds records)."""
        code, pc, n, counts = self.code, self.pc, 0, self._counts
        budget = stop - self.steps
        tail = min(budget, max(self._counted_from - self.steps, 0))  # then steps are counted to name a hot spot
        try:
            if keep is None:
                for n in range(tail):
                    pc = code[pc]()
                n = tail
                for n in range(tail, budget):
                    counts[pc] += 1
                    pc = code[pc]()
            else:  # the same two loops, keeping each step's address and its destination before and after
                keep_pc, keep_old, keep_new, dests = keep
                regs = self.regs
                for n in range(tail):
                    keep_pc(pc)
                    d = dests[pc]
                    keep_old(regs[d])
                    pc = code[pc]()
                    keep_new(regs[d])
                n = tail
                for n in range(tail, budget):
                    counts[pc] += 1
                    keep_pc(pc)
                    d = dests[pc]
                    keep_old(regs[d])
                    pc = code[pc]()
                    keep_new(regs[d])
            n = budget
            if pc == len(self.program.instructions):
                self.status = "finished"
        except _Break:
            self._uncount(pc, n >= tail)
            self.pc, self.steps = pc, self.steps + n
            return None
        except _Halt:
            n += 1
            self.status = "halted"
        except _End:
            self.status = "finished"
        except _Interrupted:
            self._uncount(pc, n >= tail)
            self.pc, self.steps = pc, self.steps + n
            self._resume_after_interrupt()
            raise KeyboardInterrupt from None
        except _FAULTS as exc:
            self._uncount(pc, n >= tail)
            self.pc, self.steps = pc, self.steps + n
            raise self._fault(pc, exc) from None
        except BaseException:  # a Ctrl-C not caught at a step boundary (another thread's handler), or what the
            self.pc, self.steps = pc, self.steps + n  # output hook raised: the state as of the last whole step
            raise
        self.pc, self.steps = pc, self.steps + n
        if self.status == "ready":
            if self.steps < self.max_steps or keep is not None:  # a recorder stops at the limit, as step() does,
                return None  # and raises it when asked for the next step
            raise self._fault(pc, None)
        if self._interrupted:  # Ctrl-C during the last step: the run is complete, and stops here
            self._resume_after_interrupt()
            raise KeyboardInterrupt
        return self.result()

    def _uncount(self, pc: int, counted: bool) -> None:
        """The step at `pc` was counted before it ran, and did not complete: a break, a stop or a fault."""
        if counted:
            self._counts[pc] -= 1

    def count_steps(self) -> None:
        """Count the steps at each address from now on, not only near the limit: `executions()` gives them."""
        self._counted_from = min(self._counted_from, self.steps)

    def executions(self) -> list[int]:
        """How many completed steps ran each instruction (by address) since `count_steps()`."""
        return self._counts[:len(self.program.instructions)]

    def _touch_of(self, pc: int) -> _Touch:
        ins = self.program.instructions[pc]
        eff = ins.op.effects
        element = (ins.array.name, self.arrays[ins.array.slot], self._slot(ins.index)) if eff.stores else None
        condition = (ins.op.fn, *(self._slot(o) for o in ins.sources)) if eff.transfer == "if" else None
        dest = ins.dest
        t = _Touch(ins, -1 if dest is None else dest.slot, dest and dest.name, element, condition,
                   eff.transfer == "always")
        self._touch[pc] = t
        return t

    def records(self, chunk: int = 4096) -> Iterator[StepRecord]:
        """Run to the end as step() would, yielding each step's StepRecord; faults and Ctrl-C are raised after
        the records of the steps before them. Steps run `chunk` at a time keeping only their addresses and the
        values they overwrote, and the records are rebuilt from those (vm/recording.py), so the machine may be
        up to `chunk` steps past the record being read."""
        from .recording import records
        return records(self, chunk)

    def _chunks(self, chunk: int = 4096):
        """Machine.records() as columns (recording.Chunk), for views that read them directly."""
        from .recording import chunks
        return chunks(self, chunk)

    def step(self) -> Optional[StepRecord]:
        """Execute one instruction and say what it did; None once the program has stopped."""
        if self._interrupted:
            self._resume_after_interrupt()
            raise KeyboardInterrupt
        if self.status != "ready":
            return None
        pc = self.pc
        n = len(self.program.instructions)
        if pc >= n:
            self.status = "finished"
            return None
        if self.steps >= self.max_steps:
            raise self._fault(pc, None)
        ins, d, dname, element, condition, transfers = self._touch[pc] or self._touch_of(pc)
        regs = self.regs
        old = regs[d] if d >= 0 else None
        before = j = None
        if element is not None:
            try:
                j = self._index(regs[element[2]])
                before = element[1][j]
            except _FAULTS:
                pass  # the closure faults, and _fault() explains why
        nout = len(self.output)
        halted = False
        try:
            nxt = (self._plain_code if self._code is not None else self._plain)[pc]()
        except _Halt:
            nxt, halted = pc, True
        except _FAULTS as exc:
            raise self._fault(pc, exc) from None
        self.steps += 1
        if self.steps > self._counted_from:  # as run() counts: the steps that ran, near the limit
            self._counts[pc] += 1
            if self.steps == self._hot_from and self._counted_from < self._hot_from:
                self._hot_base = list(self._counts)
        if old is UNSET:
            self.write_order.append(d)
        writes = ((dname, old, regs[d]),) if d >= 0 else ()
        array_writes = ((element[0], j, before, element[1][j]),) if element is not None else ()
        jump = None
        if transfers or (condition is not None and condition[0](regs[condition[1]], regs[condition[2]])):
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
        code = self.program.instructions
        if not isinstance(rec, StepRecord) or not 0 <= rec.address < len(code) or rec.instruction is not code[rec.address]:
            raise UsageError(tr("undo takes a StepRecord that this machine's step() returned"))
        ins = rec.instruction
        if rec.step != self.steps:
            raise UsageError(tr("undo takes back the last step ({steps}), not step {step}",
                                steps=self.steps, step=rec.step))
        for name, old, new in rec.writes:
            slot = ins.dest.slot
            self.regs[slot] = old
            if old is UNSET:
                self.write_order.remove(slot)
                self._rewound = True
        for name, index, old, new in rec.array_writes:
            self.arrays[ins.array.slot][index] = old
        if rec.output is not None:
            self.output.pop()
        stack = ins.op.effects.stack
        if stack == "push":
            self.stack.pop()
        elif stack == "pop":
            self.stack.append(rec.next_pc)
        if rec.step > self._counted_from:
            self._counts[rec.address] -= 1
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
        ins = p.instructions[pc]
        op = ins.op
        regs = self.regs
        reads = tuple({r.name: regs[r.slot] for r in ins.reads}.items())
        make = lambda *a, **kw: self._make_fault(ins, pc, reads, *a, **kw)
        if exc is None:
            return make(ins.span, "step-limit", {"limit": f"{self.max_steps:,}"},
                        hint=tr("raise it with --max-steps N if the program is meant to run longer"),
                        notes=self._hottest())
        unset = [r for r in ins.reads if regs[r.slot] is UNSET]
        if unset:
            r = unset[0]
            close = did_you_mean(r.name, [name for name in p.registers if name != r.name])
            return make(r.span, "unset-register", {"name": r.name},
                        hint=(close + " " if close else "") + tr("set it with .reg or --set, or write it first"))
        if isinstance(exc, _TooDeep):
            return make(ins.span, "call-depth", {"limit": f"{isa.MAX_CALL_DEPTH:,}"},
                        hint=tr("a subroutine that calls itself needs a way to stop"))
        if op.effects.stack == "pop":
            return make(ins.span, "return-without-call", {},
                        hint=tr("{mnemonic} returns to where a subroutine was called from; did the program run "
                                "into a subroutine?", mnemonic=op.mnemonic))
        if ins.index is not None:
            k = regs[self._slot(ins.index)]
            arr = ins.array
            n = len(self.arrays[arr.slot])
            hint = tr("valid indexes are 0 to {last}", last=n - 1) if n else tr("'{array}' is empty", array=arr.name)
            if k != int(k):
                return make(ins.index.span, "index-not-whole", {"index": k}, hint=hint)
            shown = int(k) if abs(k) < 2 ** 53 else k  # a huge index prints as the number it is: 1e+300
            return make(ins.index.span, "index-out-of-range", {"index": shown, "array": arr.name, "length": n},
                        hint=hint)
        if isinstance(exc, _NoExact):
            return make(ins.span, "no-exact-result", {"mnemonic": op.mnemonic},
                        hint=tr("run without --exact to use floating point"))
        if isinstance(exc, _TooBig):
            return make(ins.span, "exact-too-large", {"digits": f"{MAX_EXACT_DIGITS:,}"},
                        hint=tr("exact arithmetic suits short runs; use floating point for long loops"))
        if ins.dest is not None and op.fn is not None:  # a computed value: outside its domain, or not finite
            code = op.domain(*(regs[self._slot(o)] for o in ins.sources)) if op.domain else None
            if code:
                return make(ins.span, code, {})
            return make(ins.span, "overflow", {}, hint=tr("values grew without bound — in gradient descent, a "
                                                          "learning rate that is too large does this"))
        return make(ins.span, "internal", {"detail": f"{exc.__class__.__name__}: {exc}"})

    def _hottest(self) -> list[str]:
        """Where a run that hit the step limit spent its last steps (counted as they ran)."""
        counts = self._counts if self._hot_base is None else [c - b for c, b in zip(self._counts, self._hot_base)]
        hot = max(range(len(self.program.instructions)), key=counts.__getitem__, default=None)
        if hot is None or counts[hot] == 0:
            return []
        ins = self.program.instructions[hot]
        label = next((name for name, addr in sorted(self.program.labels.items(), key=lambda kv: -kv[1])
                      if addr <= hot), None)
        if label:
            return [ntr("the hottest code is line {line} (`{text}`, in the loop at label '{label}'): it ran {n:,} "
                        "time in the last {steps:,} steps",
                        "the hottest code is line {line} (`{text}`, in the loop at label '{label}'): it ran {n:,} "
                        "times in the last {steps:,} steps", counts[hot], line=ins.line, text=ins.text, label=label,
                        steps=sum(counts))]
        return [ntr("the hottest code is line {line} (`{text}`): it ran {n:,} time in the last {steps:,} steps",
                    "the hottest code is line {line} (`{text}`): it ran {n:,} times in the last {steps:,} steps",
                    counts[hot], line=ins.line, text=ins.text, steps=sum(counts))]

    def _make_fault(self, ins: Instruction, address: int, reads: tuple, span: Span, code: str, args: dict,
                    hint: str = "", notes=()) -> RuntimeFault:
        template = tr(isa.FAULTS[code])  # in the reader's language; the code stays the same
        numbers = any(not isinstance(v, (int, str)) for v in args.values())
        values = tuple(args.items()) if numbers else ()  # the formatter shows the numbers when printed
        message = template.format(**{k: v if isinstance(v, (int, str)) else _dec(v) for k, v in args.items()})
        step = self.steps + 1
        d = Diagnostic("runtime error", message, self.program.filename, span, self.program.lines[span.line - 1],
                       hint, tuple(notes), code=code, step=step, reads=reads,
                       template=template if values else "", values=values)
        fault = RuntimeFault(d, step, dict(reads), address)
        self.fault = fault
        return fault


@contextmanager
def stop_on_ctrl_c(machine: Machine):
    """While the block runs, Ctrl-C stops `machine` at a step boundary instead of anywhere in between.

    Only in the main thread, and only when SIGINT has Python's default handler (no one else chose one).
    """
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: machine.interrupt())
    completed = False
    try:
        yield
        completed = True
    finally:
        signal.signal(signal.SIGINT, previous)
        if not completed:  # a fault or an interrupt already ended the block, and goes on up
            machine._resume_after_interrupt()
    if machine._interrupted:  # it arrived after the last step of the block
        machine._resume_after_interrupt()
        raise KeyboardInterrupt


def run(program: Program, registers=None, arrays=None, max_steps: int = DEFAULT_MAX_STEPS,
        exact: bool = False, engine: str = "auto") -> Result:
    """Run a Program; returns a Result or raises RuntimeFault."""
    return Machine(program, registers, arrays, max_steps, exact, engine=engine).run()
