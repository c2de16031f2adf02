"""The compiled engine: a program's basic blocks as one generated Python function, compiled once per Program.

Registers are the function's local variables, immediates float literals written by `repr`, jumps a dispatch
on the address, and a block that jumps back to itself a `while` loop. A block commits its register writes only
once all of it has run without trouble: every fault (an unset register, a bad index, a domain error, a result
that is not finite, a call too deep, a return with nothing to return to) raises before anything is written, and
then the machine's reference engine (vm/machine.py) replays that block from the same state and reports what
happened, exactly as if it had run the whole way. The machine drives this engine: see `Machine._run_fast`.

Safe by construction: the generated text holds no text from the program, only names this module makes
(`NAME` below), float literals from `repr`, whole numbers and Python's own keywords and operators, with the ISA
table's `py` templates between them. `compile` and `exec` are called here and nowhere else in vm/
(tests/test_errors.py); tests/test_compiled.py tokenizes the generated text of every program it tries.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Optional

from . import isa
from .ir import Imm, Instruction, Program, Reg, UnsetRead

# Programs longer than this run on the reference engine: compiling costs about as much as a
# run of a few steps per instruction, and Python compiles a very long function slowly.
COMPILE_LIMIT = 20_000

# What a run of the generated function ends with (its return value).
FINISHED, STOPPED, SUSPECT, HALTED = 0, 1, 2, 3

# Every name the generated text may use: its own variables and parameters, and Python's keywords.
NAME = re.compile(r"(?:[rtqlacfv][0-9]+|[RALKWBPSXQZUINFE]|pc|n|s|status|make|run|stop|value|append|pop)\Z")
KEYWORDS = frozenset({"def", "nonlocal", "while", "True", "False", "if", "else", "not", "or", "is", "raise", "break",
                      "continue", "try", "except", "finally", "return", "pass"})


class Bail(Exception):
    """Raised by generated code where the reference engine must replay the block (a fault, or a doubt)."""


class Budget(Exception):
    """Raised by generated code before a block that would pass the step budget, or after Ctrl-C."""


@dataclass(frozen=True)
class Plan:
    """A program's generated function and what the machine needs to drive it."""

    source: str
    make: Callable  # make(X, Q, Z, U, I, N, F, E) -> (run, stop)
    entries: frozenset  # addresses a run may start at
    block_end: tuple  # for each address, the address just past its basic block
    writes: tuple  # for each block number, the register slots it writes, in the order of their first writes
    functions: tuple  # the ISA functions the text calls as f0, f1, ...


def plan_of(program: Program) -> Optional[Plan]:
    """The program's Plan, built on first use and kept on the Program; None when it is too long to compile."""
    cached = program._derived.get("compiled", False)
    if cached is not False:
        return cached
    plan = None
    if len(program.instructions) <= COMPILE_LIMIT:
        plan = _Generator(program).plan()
    program._derived["compiled"] = plan
    return plan


def cached(program: Program) -> bool:
    """Whether the program's Plan has been built already (so that using it costs nothing more)."""
    return "compiled" in program._derived


def _literal(v: float) -> str:
    """A float as Python source: `repr` round-trips it exactly."""
    if not isinstance(v, float) or not math.isfinite(v):
        raise ValueError(f"not a finite float: {v!r}")
    text = repr(v)
    return f"({text})" if text.startswith("-") else text


def _ends_block(op: isa.Op) -> bool:
    e = op.effects
    return bool(e.transfer or e.stack or e.stores or e.outputs or e.stops)


class _Generator:
    """Writes one program's function."""

    def __init__(self, program: Program):
        self.p = program
        code = program.instructions
        self.n = len(code)
        starts = {0, self.n}
        for a, ins in enumerate(code):
            if _ends_block(ins.op):
                starts.add(a + 1)
            if ins.label is not None:
                starts.add(ins.label.address)
        self.starts = sorted(s for s in starts if s <= self.n)
        self.number = {s: k for k, s in enumerate(self.starts)}  # block number by start address
        self.end = {s: e for s, e in zip(self.starts, self.starts[1:])}
        self.lines: list[str] = []
        self.lengths: set[int] = set()
        self.functions: list[Callable] = []
        self.writes: list[tuple] = [()] * len(self.starts)

    # --- the control-flow graph --------------------------------------------------------------
    def _last(self, s: int) -> Instruction:
        return self.p.instructions[self.end[s] - 1]

    def _edges(self, s: int):
        """(target, inlinable) for each static edge out of the block at s; RET's targets are dynamic."""
        ins = self._last(s)
        e = ins.op.effects
        nxt = self.end[s]
        if e.stops or e.stack == "pop":
            return []
        if e.transfer == "always":
            return [(ins.label.address, True)]
        if e.transfer == "if":
            return [(ins.label.address, False), (nxt, True)]
        return [(nxt, True)]

    def _entries(self) -> list[int]:
        """Blocks the dispatch must reach: the start, return sites, and blocks with other than one way in."""
        preds: dict[int, list] = {s: [] for s in self.starts}
        entries = {0, self.n}
        for s in self.starts[:-1]:
            for target, inline in self._edges(s):
                if target != s:
                    preds[target].append(inline)
                else:
                    entries.add(s)  # a loop on itself: entered through the dispatch, then loops in place
            if self._last(s).op.effects.stack == "push":
                entries.add(self.end[s])  # a return site: RET comes back through the dispatch
        for s, ways in preds.items():
            if ways != [True]:
                entries.add(s)
        # Every block must be written once: a block reached only from blocks no entry leads to becomes one.
        while True:
            reached = set()
            for s in entries:
                while s not in reached and s != self.n:
                    reached.add(s)
                    nxt = self._inlined_next(s, entries)
                    if nxt is None:
                        break
                    s = nxt
            missing = [s for s in self.starts[:-1] if s not in reached]
            if not missing:
                return sorted(entries)
            entries.add(missing[0])

    def _inlined_next(self, s: int, entries) -> Optional[int]:
        """The block written right after the block at s (its one successor, reached only from s), or None."""
        for target, inline in self._edges(s):
            if inline and target != s and target not in entries:
                return target
        return None

    # --- writing -----------------------------------------------------------------------------
    def _out(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def plan(self) -> Plan:
        entries = self._entries()
        self.entries = set(entries)
        body_at = len(self.lines)
        self._dispatch(entries, 4)
        body = self.lines[body_at:]
        del self.lines[body_at:]
        p = self.p
        used = sorted({o.slot for ins in p.instructions for o in ins.operands if isinstance(o, Reg)})
        written = sorted({ins.dest.slot for ins in p.instructions if ins.dest is not None})
        arrays = sorted({ins.array.slot for ins in p.instructions if ins.array is not None})
        out = self._out
        out(0, "def make(X, Q, Z, U, I, N, F, E):")
        out(1, "S = False")
        out(1, "def stop(value):")
        out(2, "nonlocal S")
        out(2, "S = value")
        out(1, "def run(R, A, L, K, W, B, pc, P):")
        for slot in used:
            out(2, f"r{slot} = R[{slot}]")
        for slot in arrays:
            out(2, f"a{slot} = A[{slot}]")
            out(2, f"l{slot} = L[{slot}]")
        for k in range(len(self.functions)):
            out(2, f"f{k} = F[{k}]")
        for k in sorted(self.lengths):
            out(2, f"c{k} = B - {k}")
        for b, slots in enumerate(self.writes):
            if slots:
                out(2, f"v{b} = 0")
        out(2, "n = 0")
        out(2, "status = 1")
        out(2, "try:")
        out(3, "while True:")
        self.lines.extend(body)
        out(2, "except Q:")
        out(3, "status = 1")
        out(2, "except Z:")
        out(3, "status = 2")
        out(2, "finally:")
        for slot in written:
            out(3, f"R[{slot}] = r{slot}")
        out(3, "P[0] = pc")
        out(3, "P[1] = n")
        out(2, "return status")
        out(1, "return run, stop")
        source = "\n".join(self.lines) + "\n"
        scope: dict = {}
        exec(compile(source, "<gdasm compiled>", "exec"), scope)  # generated text only: see the docstring
        block_end = []
        for s, e in zip(self.starts, self.starts[1:]):
            block_end.extend([e] * (e - s))
        return Plan(source, scope["make"], frozenset(entries), tuple(block_end), tuple(self.writes),
                    tuple(self.functions))

    def _dispatch(self, entries: list[int], depth: int) -> None:
        """A binary search on pc over the entries: about log2(entries) comparisons to reach a block."""
        if len(entries) == 1:
            s = entries[0]
            if s == self.n:
                self._out(depth, "if S: raise Q")  # Ctrl-C after the last step: stopped, as the reference does
                self._out(depth, "status = 0")
                self._out(depth, "break")
                return
            while s is not None:
                s = self._block(s, depth)
            return
        mid = len(entries) // 2
        self._out(depth, f"if pc < {entries[mid]}:")
        self._dispatch(entries[:mid], depth + 1)
        self._out(depth, "else:")
        self._dispatch(entries[mid:], depth + 1)

    def _function(self, op: isa.Op) -> str:
        for k, fn in enumerate(self.functions):
            if fn is op.fn:
                return f"f{k}"
        self.functions.append(op.fn)
        return f"f{len(self.functions) - 1}"

    def _block(self, s: int, depth: int) -> Optional[int]:
        """Write the block at s; the block to write next in line (inlined), or None."""
        end = self.end[s]
        code = self.p.instructions[s:end]
        last = code[-1]
        eff = last.op.effects
        k = end - s
        self.lengths.add(k)
        loops = last.label is not None and last.label.address == s
        out = lambda text: self._out(depth, text)  # noqa: E731
        out(f"pc = {s}")
        if loops:
            out("while True:")
            depth += 1
        out(f"if S or n > c{k}: raise Q")
        cur: dict[int, str] = {}  # register slot -> the name holding its value now
        checks: list[str] = []  # results that might not be finite
        indexes: dict[str, str] = {}
        temps = iter(range(10 ** 9))
        order: list[int] = []

        def value(o) -> str:
            return _literal(o.value) if isinstance(o, Imm) else cur.get(o.slot, f"r{o.slot}")

        def temp() -> str:
            return f"t{next(temps)}"

        def read(o) -> str:
            """A value stored or printed: a register read here for the first time may be unset."""
            v = value(o)
            if isinstance(o, Reg) and o.slot not in cur:
                out(f"if {v} is U: raise X")
            return v

        def index(o) -> str:
            if isinstance(o, Imm):
                v = o.value
                if v == int(v) and 0 <= v < 2 ** 62:
                    return str(int(v))
                out("raise X")  # never a valid index: the reference engine says why
                return "0"
            v = value(o)
            if v not in indexes:
                q = f"q{len(indexes)}"
                out(f"{q} = I({v})")
                out(f"if {q} != {v} or {q} < 0: raise X")
                indexes[v] = q
            return indexes[v]

        def write(slot: int, name: str) -> None:
            cur[slot] = name
            if slot not in order:
                order.append(slot)

        for ins in code:
            op = ins.op
            e = op.effects
            if op.behaviour == "compute":
                args = [value(o) for o in ins.sources]
                expr = op.py.format(*args) if op.py else f"{self._function(op)}({', '.join(args)})"
                t = temp()
                out(f"{t} = {expr}")
                if not op.finite:
                    checks.append(t)
                write(ins.dest.slot, t)
            elif e.name == "load":
                q = index(ins.index)
                t = temp()
                out(f"{t} = a{ins.array.slot}[{q}]")
                write(ins.dest.slot, t)
            elif e.name == "len":
                write(ins.dest.slot, f"l{ins.array.slot}")
        # The last instruction's effects on the world come after every check, then the commit.
        stored = printed = None
        if eff.stores:
            q = index(last.index)
            stored = (last.array.slot, q, read(last.sources[0]))
        if eff.outputs:
            printed = read(last.sources[0])
        condition = None
        if eff.transfer == "if":
            condition = last.op.py.format(*(value(o) for o in last.sources)) if last.op.py \
                else f"{self._function(last.op)}({', '.join(value(o) for o in last.sources)})"
        if len(checks) == 1:
            out(f"if {checks[0]} - {checks[0]}: raise X")
        elif checks:  # a sum is not finite when any term is not (an overflowing sum only costs a replay)
            out(f"s = {' + '.join(checks)}")
            out("if s - s: raise X")
        if condition is not None:
            t = temp()
            out(f"{t} = {condition}")  # before the commit: an unset register raises here
            condition = t
        if stored is not None:
            out(f"a{stored[0]}[{stored[1]}] = {stored[2]}")  # an index out of range raises before the write
        if eff.stack == "push":
            out(f"if N(K) >= {isa.MAX_CALL_DEPTH}: raise X")
        returned = None
        if eff.stack == "pop":
            returned = temp()
            out(f"{returned} = K.pop()")  # nothing to return to raises here
        for slot, name in cur.items():
            if name != f"r{slot}":
                out(f"r{slot} = {name}")
        out(f"n += {k}")
        b = self.number[s]
        self.writes[b] = tuple(order)
        if order:
            out(f"if not v{b}: v{b} = 1; W.append({b})")
        if eff.stops:
            out(f"pc = {end - 1}")  # HALT stays where it is, as on the reference engine
            out("status = 3")
            out("break")
            return None
        if printed is not None:
            out(f"pc = {end}")
            out(f"E({printed})")
        if eff.stack == "push":
            out(f"K.append({end})")
        if returned is not None:
            out(f"pc = {returned}")
            out("continue")
            return None
        if loops:
            if condition is None:
                return None  # a loop with no way out but the step budget (or a fault)
            out(f"if not {condition}: break")
            depth -= 1
            return self._goto(end, depth)
        if condition is not None:
            out(f"if {condition}:")
            self._out(depth + 1, f"pc = {last.label.address}")
            self._out(depth + 1, "continue")
            return self._goto(end, depth)
        target = last.label.address if eff.transfer == "always" else end
        return self._goto(target, depth)

    def _goto(self, target: int, depth: int) -> Optional[int]:
        """Go on to the block at target: written next in line when it is not an entry, else by the dispatch."""
        if target not in self.entries:
            return target
        self._out(depth, f"pc = {target}")
        self._out(depth, "continue")
        return None


def bind(plan: Plan, output: list, hook: Optional[Callable]) -> tuple[Callable, Callable]:
    """The plan's function for one machine: (run, stop); `stop(True)` makes run stop at the next block."""
    if hook is None:
        emit = output.append
    else:
        def emit(v):
            output.append(v)
            try:
                hook(v)
            except BaseException as exc:  # not a fault of the program: the machine passes it on
                raise HookFailed(exc) from exc
    suspect = (Bail, UnsetRead, ArithmeticError, TypeError, ValueError, IndexError)
    return plan.make(Bail, Budget, suspect, _unset(), int, len, plan.functions, emit)


class HookFailed(Exception):
    """The output hook raised: carries what it raised."""


def _unset():
    from .ir import UNSET
    return UNSET
