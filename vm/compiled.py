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
from .ir import UNSET, Imm, Instruction, Program, Reg, UnsetRead

# Programs longer than this run on the reference engine: compiling costs about as much as 1,000 steps an
# instruction (~50 µs), so a program this long compiles in about a second.
COMPILE_LIMIT = 20_000
# Terms of one line of a block's overflow check.
SUM_TERMS = 64
# Arrays read through a dict (see `mappable`) hold at most this many elements together: the dict costs ~100
# bytes an element (25 MB at most), beside the list's 32.
MAP_LIMIT = 250_000

# What a run of the generated function ends with (its return value).
FINISHED, STOPPED, SUSPECT, HALTED = 0, 1, 2, 3

# Every name the generated text may use: its own variables and parameters, Python's keywords, the list methods
# it calls and the builtins the ISA table's `py` templates name.
NAME = re.compile(r"(?:[rtqlacfvm][0-9]+|[RALMKWBPSXQZUINFE]|pc|n|s|status|make|run|stop|value|append|pop|abs)\Z")
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


def plan_of(program: Program, mapped: frozenset = frozenset()) -> Optional[Plan]:
    """The program's Plan, built on first use and kept on the Program; None when it is too long to compile.

    `mapped`: the arrays (slots) the function reads through a dict from float index to value, not a list.
    """
    key = ("compiled", mapped)
    plan = program._derived.get(key, False)
    if plan is False:
        plan = None
        if len(program.instructions) <= COMPILE_LIMIT:
            try:
                plan = _Generator(program, mapped).plan()
            except (RecursionError, MemoryError, SyntaxError):  # Python's compiler refused: run it as before
                plan = None
        program._derived[key] = plan
        program._derived["compiled"] = True  # the machine's sign that compiling this program is paid for
    return plan


def cached(program: Program) -> bool:
    """Whether a Plan of the program has been built already (so that using it costs little more)."""
    return "compiled" in program._derived


def mappable(program: Program, arrays: list) -> frozenset:
    """The arrays worth reading through a dict: never stored to, and small enough together (MAP_LIMIT).

    A dict from float index to value finds `x[i]` in one probe, where a list needs int(i), two checks that
    it was a whole number not below zero, and the subscript: about three times as long.
    """
    stored = {ins.array.slot for ins in program.instructions if ins.op.effects.stores}
    loaded = {ins.array.slot for ins in program.instructions
              if ins.op.effects.name == "load" and isinstance(ins.index, Reg)}
    slots = sorted(loaded - stored)
    if sum(len(arrays[s]) for s in slots) > MAP_LIMIT:
        return frozenset()
    return frozenset(slots)


def _literal(v: float) -> str:
    """A float as Python source: `repr` round-trips it exactly."""
    if not isinstance(v, float) or not math.isfinite(v):
        raise ValueError(f"not a finite float: {v!r}")
    text = repr(v)
    return f"({text})" if text.startswith("-") else text


def _fold(op: isa.Op, sources) -> Optional[str]:
    """An op of immediates as the literal of its result, or None where it faults (the run will say so)."""
    try:
        v = op.fn(*(o.value for o in sources))
    except (ArithmeticError, ValueError):
        return None
    return _literal(v) if isinstance(v, float) and math.isfinite(v) else None


def _ends_block(op: isa.Op) -> bool:
    e = op.effects
    return bool(e.transfer or e.stack or e.stores or e.outputs or e.stops)


class _Generator:
    """Writes one program's function."""

    def __init__(self, program: Program, mapped: frozenset):
        self.p = program
        self.mapped = mapped
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
            # Reached from nowhere an entry leads (dead code, or cycles of it): each its own entry, at once.
            entries.update(missing)

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
        out(1, "def run(R, A, L, M, K, W, B, pc, P):")
        for slot in used:
            out(2, f"r{slot} = R[{slot}]")
        for slot in arrays:
            out(2, f"a{slot} = A[{slot}]")
            out(2, f"l{slot} = L[{slot}]")
            if slot in self.mapped:
                out(2, f"m{slot} = M[{slot}]")
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

    def _checked(self, code) -> set:
        """Which computed results the block must check for overflow: those whose non-finite value could vanish.

        A value that is not finite stays so (or raises) through an operand position an op `spreads`; so a result
        that flows through one into a value that is checked (or covered in turn) is covered by that check.
        Values a block starts with are finite (every written value was checked), so any value that is not finite
        comes from an op that is not `finite`, and a check at its end of such a chain sees it.
        """
        spreading: dict[int, list] = {}
        last: dict[int, int] = {}
        for i, ins in enumerate(code):
            if ins.op.behaviour == "compute":
                for pos, o in enumerate(ins.sources):
                    if isinstance(o, Reg) and o.slot in last and pos in ins.op.spreads:
                        spreading.setdefault(last[o.slot], []).append(i)
            if ins.dest is not None:
                last[ins.dest.slot] = i
        covered: set = set()
        checked: set = set()
        for i in range(len(code) - 1, -1, -1):
            if code[i].op.behaviour != "compute":
                continue
            if any(u in covered or u in checked for u in spreading.get(i, ())):
                covered.add(i)
            elif not code[i].op.finite:
                checked.add(i)
        return checked

    def _block(self, s: int, depth: int) -> Optional[int]:
        """Write the block at s; the block to write next in line (inlined), or None."""
        end = self.end[s]
        code = self.p.instructions[s:end]
        last = code[-1]
        eff = last.op.effects
        k = end - s
        self.lengths.add(k)
        b = self.number[s]
        self._out(depth, f"pc = {s}")
        if last.label is not None and last.label.address == s and not eff.stack:
            return self._loop(s, end, code, depth)
        loops = last.label is not None and last.label.address == s  # a CALL of itself
        if loops:
            self._out(depth, "while True:")
            depth += 1
        self._out(depth, f"if S or n > c{k}: raise Q")
        w = _Lowering(self, code, depth, direct=False)
        w.body()
        stored = printed = None
        if eff.stores:
            stored = (last.array.slot, w.index(last.index), w.read(last.sources[0]))
        if eff.outputs:
            printed = w.read(last.sources[0])
        w.check()
        condition = w.condition()
        if stored is not None:
            w.out(f"a{stored[0]}[{stored[1]}] = {stored[2]}")  # an index out of range raises before the write
        if eff.stack == "push":
            w.out(f"if N(K) >= {isa.MAX_CALL_DEPTH}: raise X")
        returned = None
        if eff.stack == "pop":
            returned = w.temp()
            w.out(f"{returned} = K.pop()")  # nothing to return to raises here
        w.commit()
        w.out(f"n += {k}")
        self._first(b, w, depth)
        out = w.out
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
            return None  # a call of itself: only the call depth (a fault) or the step budget ends it
        if condition is not None:
            out(f"if {condition}:")
            self._out(depth + 1, f"pc = {last.label.address}")
            self._out(depth + 1, "continue")
            return self._goto(end, depth)
        target = last.label.address if eff.transfer == "always" else end
        return self._goto(target, depth)

    def _first(self, b: int, w: "_Lowering", depth: int) -> None:
        """Note the block's first completion: the order of the registers' first writes is rebuilt from it."""
        self.writes[b] = tuple(w.order)
        if w.order:
            self._out(depth, f"if not v{b}: v{b} = 1; W.append({b})")

    def _loop(self, s: int, end: int, code, depth: int) -> Optional[int]:
        """A block that jumps back to itself, unrolled twice so that no register is copied in the loop.

        The first copy computes into fresh names and leaves the registers as they were; the second writes the
        registers directly, and on any trouble copies the first copy's results back, which is the state after
        the last whole iteration. Leaving after the first copy copies its results to the registers once. The
        budget is checked for both copies at once: with room for only one, the reference engine runs it.
        """
        k = end - s
        b = self.number[s]
        self.lengths.add(2 * k)
        self._out(depth, "while True:")
        inner = depth + 1
        self._out(inner, f"if S or n > c{2 * k}: raise Q")
        first = _Lowering(self, code, inner, direct=False)
        first.body()
        first.check()
        cond1 = first.condition()
        self._first(b, first, inner)
        if cond1 is not None:
            self._out(inner, f"if not {cond1}:")
            first.commit(inner + 1)
            self._out(inner + 1, f"n += {k}")
            self._out(inner + 1, "break")
        self._out(inner, "try:")
        second = _Lowering(self, code, inner + 1, direct=True, names=first.cur, temps=first.temps)
        second.body()
        second.check()
        cond2 = second.condition()
        if self.lines[-1] == "    " * inner + "try:":
            self._out(inner + 1, "pass")  # a jump to itself and nothing else
        self._out(inner, "except Z:")
        first.commit(inner + 1)
        self._out(inner + 1, f"n += {k}")
        self._out(inner + 1, "raise")
        self._out(inner, f"n += {2 * k}")
        if cond2 is None:
            return None  # a loop with no way out but the step budget (or a fault)
        self._out(inner, f"if not {cond2}: break")
        return self._goto(end, depth)

    def _goto(self, target: int, depth: int) -> Optional[int]:
        """Go on to the block at target: written next in line when it is not an entry, else by the dispatch."""
        if target not in self.entries:
            return target
        self._out(depth, f"pc = {target}")
        self._out(depth, "continue")
        return None

class _Lowering:
    """One pass over a block's instructions: the lines that compute it, and what they leave where.

    Not `direct`: each result goes to a fresh name (t0, t1, ...) and the registers keep their values until
    `commit`. `direct`: results go straight to the registers (the second copy of an unrolled loop).
    """

    def __init__(self, gen: _Generator, code, depth: int, direct: bool, names=None, temps=None):
        self.gen, self.code, self.depth, self.direct = gen, code, depth, direct
        self.cur: dict[int, str] = dict(names or {})  # register slot -> the name holding its value now
        self.fresh = set()  # slots written in this pass (a first read of any other may find it unset)
        self.temps = temps if temps is not None else iter(range(10 ** 9))
        self.checks: list[str] = []
        self.indexes: dict[str, str] = {}
        self.order: list[int] = []  # the slots written, in the order of their first writes
        self.ordered: set = set()
        self.checked = gen._checked(code)

    def out(self, text: str, depth: Optional[int] = None) -> None:
        self.gen._out(self.depth if depth is None else depth, text)

    def temp(self) -> str:
        return f"t{next(self.temps)}"

    def value(self, o) -> str:
        return _literal(o.value) if isinstance(o, Imm) else self.cur.get(o.slot, f"r{o.slot}")

    def read(self, o) -> str:
        """A value stored or printed: a register not yet written in the block may be unset."""
        v = self.value(o)
        if isinstance(o, Reg) and o.slot not in self.cur:
            self.out(f"if {v} is U: raise X")
        return v

    def index(self, o) -> str:
        if isinstance(o, Imm):
            v = o.value
            if v == int(v) and 0 <= v < 2 ** 62:
                return str(int(v))
            self.out("raise X")  # never a valid index: the reference engine says why
            return "0"
        v = self.value(o)
        if v not in self.indexes:
            q = f"q{len(self.indexes)}"
            self.out(f"{q} = I({v})")
            self.out(f"if {q} != {v} or {q} < 0: raise X")
            self.indexes[v] = q
        return self.indexes[v]

    def write(self, slot: int, expr: str, check: bool, overwritten: bool, constant: bool = False) -> None:
        """The register at slot gets expr's value (`constant`: expr is a name that never changes in a run)."""
        if slot not in self.ordered:
            self.order.append(slot)
            self.ordered.add(slot)
        if not self.direct:
            name = expr if constant else self.temp()
            if not constant:
                self.out(f"{name} = {expr}")
            if check:
                self.checks.append(name)
        else:
            name = f"r{slot}"
            self.indexes.pop(name, None)  # the register's value changes: an index made from it is stale
            self.out(f"{name} = {expr}")
            if check and overwritten:  # checked now, before a later write in the block replaces it
                self.out(f"if {name} - {name}: raise X")
            elif check:
                self.checks.append(name)
        self.cur[slot] = name

    def body(self) -> None:
        """Every instruction of the block but the effects of its last one on the world."""
        code = self.code
        last_write = {ins.dest.slot: i for i, ins in enumerate(code) if ins.dest is not None}
        for i, ins in enumerate(code):
            op = ins.op
            overwritten = ins.dest is not None and last_write[ins.dest.slot] > i
            if op.behaviour == "compute" and all(isinstance(o, Imm) for o in ins.sources):
                folded = _fold(op, ins.sources)  # immediates only: the value, worked out now by the table's fn
                if folded is not None:
                    self.write(ins.dest.slot, folded, False, overwritten, constant=True)
                    continue
            if op.behaviour == "compute":
                args = [self.value(o) for o in ins.sources]
                expr = op.py.format(*args) if op.py else f"{self.gen._function(op)}({', '.join(args)})"
                self.write(ins.dest.slot, expr, i in self.checked, overwritten)
            elif op.effects.name == "load":
                if isinstance(ins.index, Reg) and ins.array.slot in self.gen.mapped:  # not there: KeyError
                    self.write(ins.dest.slot, f"m{ins.array.slot}[{self.value(ins.index)}]", False, overwritten)
                    continue
                q = self.index(ins.index)
                self.write(ins.dest.slot, f"a{ins.array.slot}[{q}]", False, overwritten)
            elif op.effects.name == "len":
                self.write(ins.dest.slot, f"l{ins.array.slot}", False, overwritten, constant=True)

    def check(self) -> None:
        checks = self.checks
        if len(checks) == 1:
            self.out(f"if {checks[0]} - {checks[0]}: raise X")
        elif checks:  # a sum is not finite when any term is not (a sum that overflows only costs a replay)
            for k in range(0, len(checks), SUM_TERMS):  # in short sums: Python compiles a long one recursively
                self.out(f"s = {'s + ' if k else ''}{' + '.join(checks[k:k + SUM_TERMS])}")
            self.out("if s - s: raise X")

    def condition(self) -> Optional[str]:
        """The last instruction's condition, in a fresh name, before any commit: an unset register raises here."""
        last = self.code[-1]
        if last.op.effects.transfer != "if":
            return None
        args = [self.value(o) for o in last.sources]
        expr = last.op.py.format(*args) if last.op.py else f"{self.gen._function(last.op)}({', '.join(args)})"
        t = self.temp()
        self.out(f"{t} = {expr}")
        return t

    def commit(self, depth: Optional[int] = None) -> None:
        for slot, name in self.cur.items():
            if name != f"r{slot}":
                self.out(f"r{slot} = {name}", depth)


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
    suspect = (Bail, UnsetRead, ArithmeticError, TypeError, ValueError, LookupError)
    return plan.make(Bail, Budget, suspect, UNSET, int, len, plan.functions, emit)


class HookFailed(Exception):
    """The output hook raised: carries what it raised."""
