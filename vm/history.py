"""Time travel and provenance for runs of any length, in bounded memory.

History wraps a Machine. Going forward it keeps, per step, 16 bytes of columns (the address run, the value
written, the element index a STORE wrote) and the last WINDOW steps' StepRecords whole; every `every`
steps it keeps a checkpoint (a Snapshot of the machine whose arrays are chunks, shared with the checkpoint
before wherever no step wrote them). Going back undoes records from the window; past the
window it restores the nearest checkpoint and replays (the machine is deterministic), as reverse debuggers
such as rr do. `explain(name)` rebuilds the expression behind a value from the columns: the last write of
each operand is found by binary search in an index (NumPy) built from them.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import deque
from itertools import chain, islice
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Optional

import numpy as np

from . import isa
from .errors import RuntimeFault
from .i18n import mark, nmark, ntr, tr
from .ir import UNSET, Imm, Reg, element
from .machine import Machine, StepRecord
from .render import DEC, Formatter

CHUNK = 4096  # values in one chunk of a checkpoint's array
WINDOW = 16_384  # the last steps kept whole (about 300 bytes each) for stepping back without replay
BUDGET = 512 * 2**20  # bytes of columns, exact values and checkpoints a history may hold
_ROW = 16  # bytes of columns per step: address (4), element index (4), value (8)


class History:
    """A Machine whose every step can be gone back to, and whose values can say where they came from."""

    def __init__(self, machine: Machine, budget: int = BUDGET, window: int = WINDOW, every: int = 0,
                 chunk: int = CHUNK):
        if machine.steps:
            raise ValueError(tr("a History starts from a machine that has not run yet"))
        self.m = machine
        self.budget = budget
        self._addr = array("i")
        self._where = array("i")  # the element index a STORE wrote, else -1
        self._vals = [] if machine.exact else array("d")  # the value each step wrote (0.0/None: none)
        self.window: deque = deque(maxlen=window)
        code = machine.program.instructions
        # Per address (and the end): the register it writes, and the array it stores into; -1 for none.
        self._writes_at: Optional[list] = None
        self._stores_at: Optional[list] = None
        self._dest_of = np.array([-1 if i.dest is None else i.dest.slot for i in code] + [-1], dtype=np.int32)
        self._store_of = np.array([-1 if (i.dest is not None or i.array is None) else i.array.slot for i in code]
                                  + [-1], dtype=np.int32)
        first = machine.snapshot()
        cost = 8 * first.size
        self.initial_regs = first.regs
        self._initial_arrays: Optional[list] = None
        # Checkpoints hold arrays as chunks of CHUNK values, and share the chunks no step wrote since the one
        # before, so a checkpoint of a large array that a loop walks through costs a few chunks, not a copy.
        self.chunk = chunk
        first = first._replace(arrays=[tuple(tuple(a[i:i + chunk]) for i in range(0, len(a), chunk))
                                       for a in first.arrays])
        self._fixed = every
        self.every = every or window
        self._checkpoints = [first]
        self._costs = [cost]  # bytes each checkpoint holds (8 a value)
        self._saved = self._costs[0]
        self._exact_bytes = array("q")  # --exact: the bytes of exact values kept, cumulative per step
        self._index: Optional[_Index] = None
        self.fault: Optional[RuntimeFault] = None
        self.full = ""  # why recording stopped early (the memory budget), else ""

    @property
    def step(self) -> int:
        """How many steps have run (0: none)."""
        return len(self._addr)

    @property
    def initial_arrays(self) -> list:
        """The arrays as the run began (made from the first checkpoint's chunks when first asked for)."""
        if self._initial_arrays is None:
            self._initial_arrays = [list(chain.from_iterable(c)) for c in self._checkpoints[0].arrays]
        return self._initial_arrays

    @property
    def bytes(self) -> int:
        """About how much memory the kept run takes: columns, exact values and checkpoints (not the window)."""
        return self.step * _ROW + (self._exact_bytes[-1] if self._exact_bytes else 0) + self._saved

    @property
    def last(self) -> Optional[StepRecord]:
        """The record of the last step run (None at step 0)."""
        if not self.window and self.step:
            self._refill(self.step)
        return self.window[-1] if self.window else None

    def recent(self, start: int) -> Optional[list]:
        """The records of steps start+1 … now, if they are still kept whole (else None)."""
        n = self.step - start
        if n < 0 or n > len(self.window):
            return None
        return list(islice(self.window, len(self.window) - n, None))

    def forward(self) -> Optional[StepRecord]:
        """Run one step; None at the end or when the budget is spent. A fault is kept in self.fault (and raised)."""
        if self.fault is not None or self.full:
            return None
        if self.bytes > self.budget:
            self.full = (tr("the history reached its memory limit ({n:,.0f} MB) after {step:,} steps; a smaller "
                            "--max-steps (or leaving out --exact) keeps a run whole",
                            n=self.budget / 2**20, step=self.step))
            return None
        try:
            rec = self.m.step()
        except RuntimeFault as fault:
            self.fault = fault
            raise
        if rec is None:
            return None
        self.window.append(rec)
        self._addr.append(rec.address)
        if rec.writes:
            where, value = -1, rec.writes[0][2]
        elif rec.array_writes:
            _, where, _, value = rec.array_writes[0]
        else:
            where, value = -1, (None if self.m.exact else 0.0)
        self._where.append(where)
        self._vals.append(value)
        if self.m.exact:
            size = 0 if value is None else 64 + (value.numerator.bit_length() + value.denominator.bit_length()) // 8
            self._exact_bytes.append(size + (self._exact_bytes[-1] if self._exact_bytes else 0))
        if rec.step - self._checkpoints[-1].steps >= self.every:
            self._checkpoint()
        return rec

    def run(self, until: Optional[int] = None) -> None:
        """Go forward to just after step `until` (None: as far as the run goes), as forward() would step by step —
        the same columns, checkpoints, window, budget and fault (kept, and raised) — but a chunk at a time
        through the compact recorder (vm/recording.py), whose records are rebuilt only for the window."""
        m = self.m
        if until is not None:
            until = math.ceil(until)  # a NumPy integer, or a step number written 7.0, as forward() took them
        if m.exact or not m.regs:  # exact values are sized step by step; a program with no registers is short
            while (until is None or self.step < until) and self.forward() is not None:
                pass
            return
        from . import recording
        tail: deque = deque()  # the last chunks: the window's records are rebuilt from them at the end
        kept = 0
        try:
            while self.fault is None and not self.full and (until is None or self.step < until):
                if self.bytes > self.budget:
                    self.forward()  # says why it stops, as it would here
                    return
                # Up to the next checkpoint, the budget's last step, and `until`: where forward() would act.
                # (At least one step: after a move back into a wider gap than `every` is now, forward() takes a
                # checkpoint after its next step.)
                size = max(min(self._checkpoints[-1].steps + self.every - self.step,
                               (self.budget - self.bytes) // _ROW + 1,
                               (until - self.step) if until is not None else 1 << 62), 1)
                c, end = recording.one(m, size)
                if c is not None:
                    self._columns(c)
                    tail.append(c)
                    kept += len(c.pcs)
                    while tail and kept - len(tail[0].pcs) >= self.window.maxlen:
                        kept -= len(tail.popleft().pcs)
                    if self.step - self._checkpoints[-1].steps >= self.every:
                        self._checkpoint()
                if end is not None:
                    if isinstance(end, RuntimeFault):
                        self.fault = end
                    raise end
                if c is None:
                    return
        finally:
            for c in tail:
                self.window.extend(c.records(m))

    def _columns(self, c) -> None:
        """A recorded chunk's steps into the columns: the address, the element index written, the value written."""
        self._addr.extend(c.pcs)
        if self._writes_at is None:  # per address: writes a register? (lists: read per step, not NumPy)
            self._writes_at = (self._dest_of >= 0).tolist()
            self._stores_at = (self._store_of >= 0).tolist()
        writes = self._writes_at
        if not c.elements:  # the common chunk: no element written
            self._where.extend([-1] * len(c.pcs))
            self._vals.extend([new if writes[pc] else 0.0 for pc, new in zip(c.pcs, c.news)])
            return
        stores, elements = self._stores_at, iter(c.elements)
        where, vals = [], []
        for pc, new in zip(c.pcs, c.news):
            if stores[pc]:
                j, _, v = next(elements)
                where.append(j)
                vals.append(v)
            else:
                where.append(-1)
                vals.append(new if writes[pc] else 0.0)
        self._where.extend(where)
        self._vals.extend(vals)

    def back(self) -> Optional[StepRecord]:
        """Undo the last step (or forget a fault first); None at step 0."""
        if self.fault is not None:
            self.fault = None
            self.m.clear_fault()
        if not self.step:
            return None
        if not self.window:
            self._refill(self.step)
        rec = self.window.pop()
        self.m.undo(rec)
        self._truncate(self.step - 1)
        return rec

    def goto(self, n: int) -> None:
        """Go to just after step n, forward or back (stops early at the end, a fault or the budget)."""
        n = max(n, 0)
        if self.fault is not None and n <= self.step:
            self.fault = None
            self.m.clear_fault()
        if n < self.step - len(self.window):
            self._refill(n)
        while self.step > n:
            self.back()
        if self.step < n:
            try:
                self.run(n)
            except RuntimeFault:
                pass  # kept in self.fault: the move stops there

    def _refill(self, n: int) -> None:
        """Stand at step n (≤ now) with the records before it whole: restore a checkpoint, replay from it."""
        fault = self.fault if n == self.step else None  # `last` refills in place: a fault still stands
        snap = self._checkpoints[bisect.bisect_right([c.steps for c in self._checkpoints], max(n - 1, 0)) - 1]
        # Only the chunks written since the checkpoint differ from it: put those back, not whole arrays.
        for slot, dirty in self._written_chunks(snap.steps, self.m.steps).items():
            a, chunks, size = self.m.arrays[slot], snap.arrays[slot], self.chunk
            for c in dirty:
                a[c * size:(c + 1) * size] = chunks[c]
        self.m.restore(snap._replace(arrays=None))
        self.window.clear()
        try:
            while self.m.steps < n:
                self.window.append(self.m.step())
        finally:  # Ctrl-C may stop a replay early: the history then ends where the machine stands
            self._truncate(self.m.steps)
        if fault is not None:
            self.m.status, self.m.fault = "fault", fault

    def _checkpoint(self) -> None:
        """Keep the machine's state now: arrays by chunk, a new copy only of the chunks written since the last."""
        m, last = self.m, self._checkpoints[-1]
        written = self._written_chunks(last.steps)
        arrays, cost = [], len(m.regs) + len(m.stack) + len(m._counts)
        for slot, (a, chunks) in enumerate(zip(m.arrays, last.arrays)):
            dirty = written.get(slot)
            if dirty:
                chunks = list(chunks)
                for c in dirty:
                    chunks[c] = tuple(a[c * self.chunk:(c + 1) * self.chunk])
                cost += len(dirty) * self.chunk + len(chunks)
                chunks = tuple(chunks)
            arrays.append(chunks)
        self._checkpoints.append(m.snapshot()._replace(arrays=arrays))
        self._costs.append(8 * cost)
        self._saved += 8 * cost
        if not self._fixed:  # space them so that checkpoints cost about a value (8 bytes) a step
            self.every = max(self.window.maxlen, min(cost, 2 * (len(m.regs) + sum(map(len, m.arrays)))))

    def _written_chunks(self, since: int, until: Optional[int] = None) -> dict:
        """{array slot: chunk numbers} that the steps after `since` (up to `until`) wrote, from the columns."""
        n = self.step if until is None else until
        if n <= since:
            return {}
        addr = np.frombuffer(self._addr, dtype=np.int32, count=n)[since:]
        slots = self._store_of[addr]
        hit = np.flatnonzero(slots >= 0)
        if not len(hit):
            return {}
        where = np.frombuffer(self._where, dtype=np.int32, count=n)[since:][hit] // self.chunk
        pairs = np.unique(_element_key(slots[hit], where))
        del addr, where  # the views on the columns go, so that the columns may grow again
        out: dict = {}
        for key in pairs.tolist():
            out.setdefault(key // _SPAN, []).append(key % _SPAN)
        return out

    def _truncate(self, n: int) -> None:
        """Forget steps after n (the machine stands at step n)."""
        if n >= self.step:
            return
        del self._addr[n:], self._where[n:], self._vals[n:], self._exact_bytes[n:]
        while self._checkpoints[-1].steps > n:
            self._checkpoints.pop()
            self._saved -= self._costs.pop()
        self.full = ""
        self._index = None

    # --- provenance ----------------------------------------------------------------------
    def _lookup(self) -> "_Index":
        if self._index is None or self._index.steps != self.step:
            self._index = _Index(self)
        return self._index

    def value_before(self, slot: int, before: int):
        """A register's value just before step index `before` (0-based) ran."""
        k = self._lookup().last_write(slot, before)
        return self._vals[k] if k is not None else self.initial_regs[slot]

    def register_node(self, slot: int, before: int, depth: int) -> "Node":
        """Where register `slot` got the value it held just before step index `before`."""
        name = self.m.program.registers[slot]
        k = self._lookup().last_write(slot, before)
        if k is None:
            v = self.initial_regs[slot]
            if v is UNSET:
                return Node(name, UNSET, tr(EXPLAIN_WORDS["never"]), leaf="unset")
            return Node(name, v, self.input_origin(name), leaf="input")
        return self.step_node(k, depth)

    def input_origin(self, name: str) -> str:
        decl = next((i for i in self.m.program.reg_inputs if i.name == name), None)
        given = decl is None or self.initial_regs[decl.slot] != self.m.num(
            decl.exact[0] if self.m.exact else decl.values[0])
        return tr("input (--set)") if given else tr("input (.reg, line {line})", line=decl.span.line)

    def array_origin(self, slot: int) -> str:
        decl = self.m.program.array_inputs[slot]
        declared = [self.m.num(v) for v in (decl.exact if self.m.exact else decl.values)]
        if self.initial_arrays[slot] != declared:
            return tr("input (--data)")
        return tr("input ({directive}, line {line})", directive=decl.directive, line=decl.span.line)

    def step_node(self, k: int, depth: int) -> "Node":
        """The operation that record k performed, with its operands' origins as children.

        What the operation is follows from the instruction's roles: a destination computed from sources
        (written as its notation), an array element read (passed through), or an array's length (a leaf).
        """
        ins = self.m.program.instructions[self._addr[k]]
        node = Node(ins.dest.name, self._vals[k], ins.text, line=ins.line, step=k + 1, op=ins.op.mnemonic)
        if self._cut(node, depth):
            return node
        arr, index = ins.array, ins.index
        if arr is not None and index is not None:  # an element read: d ← M[i]
            where = int(self.value_before(index.slot, k) if isinstance(index, Reg) else index.value)
            node.children.append(self.element_node(arr.slot, arr.name, where, k, depth - 1))
            node.notation = isa.PASS_THROUGH
        elif arr is not None:  # d ← a property of M: its length
            node.leaf = "length"
            node.text = tr(EXPLAIN_WORDS["length"], text=ins.text, name=arr.name)
        else:
            node.notation = ins.op.notation
            for o in ins.sources:
                node.children.append(self.operand_node(o, k, depth - 1))
        return node

    def operand_node(self, o, k: int, depth: int) -> "Node":
        if isinstance(o, Imm):
            value = o.exact if self.m.exact else o.value
            return Node(o.text, value, "immediate", leaf="immediate")
        return self.register_node(o.slot, k, depth)

    def element_node(self, slot: int, name: str, index: int, before: int, depth: int) -> "Node":
        """Where array element name[index] got the value it held just before record `before`."""
        label = f"{name}[{index}]"
        k = self._lookup().last_element_write(slot, index, before)
        if k is None:
            v = self.initial_arrays[slot][index]
            return Node(label, v, self.array_origin(slot), leaf="input")
        ins = self.m.program.instructions[self._addr[k]]
        node = Node(label, self._vals[k], ins.text, line=ins.line, step=k + 1, op=ins.op.mnemonic,
                    notation=isa.PASS_THROUGH)
        if self._cut(node, depth):
            return node
        node.children.append(self.operand_node(ins.sources[0], k, depth - 1))
        return node

    def _cut(self, node: "Node", depth: int) -> bool:
        """Stop expanding here: at the depth asked for, or once the tree holds MAX_NODES computed values."""
        self._budget -= 1
        if depth <= 0:
            node.cut = "size" if self._depth_asked > self.MAX_DEPTH and self._depth == self.MAX_DEPTH else "depth"
        elif self._budget < 0:
            node.cut = "size"
        return bool(node.cut)

    MAX_DEPTH = 200  # deeper trees are cut (and building stays well inside Python's recursion limit)
    MAX_NODES = 4000  # however deep, a tree stops growing at this many computed values

    def explain(self, target: str, depth: int = 8, at: Optional[int] = None) -> "Node":
        """The provenance tree of a register (or `name[i]`) as it stands after step `at` (default: now)."""
        before = self.step if at is None else max(0, min(at, self.step))
        self._depth_asked = depth
        depth = self._depth = max(0, min(depth, self.MAX_DEPTH))
        self._budget = self.MAX_NODES
        p = self.m.program
        place = element(target)
        shown = target if len(target) <= 40 else f"{target[:30]}… ({len(target):,} characters)"
        if "[" in target and not place:
            raise KeyError(tr("'{shown}' is not a register or ARRAY[i] (i a whole number)", shown=shown))
        if place:
            name, index = place
            slot = p.array_slot(name)
            if slot is None:
                raise KeyError(tr("no array named '{name}'", name=name))
            if not 0 <= index < len(self.m.arrays[slot]):
                raise KeyError(tr("{target} is out of range", target=target))
            return self.element_node(slot, name, index, before, depth)
        slot = p.register_slot(target)
        if slot is None:
            raise KeyError(tr("no register named '{shown}'", shown=shown))
        return self.register_node(slot, before, depth)


_SPAN = isa.MAX_ARRAY_LENGTH + 1  # element keys: array slot · _SPAN + index


def _element_key(slot, index):
    """One integer (or NumPy array of them) naming array elements, ordered by array, then index."""
    if isinstance(slot, np.ndarray):
        slot = slot.astype(np.int64)
    return slot * _SPAN + index


class _Index:
    """For a history as it stands: each register's and element's writes, by step, for binary search.

    Built lazily from the columns (a register's writes the first time it is asked for), so explaining one
    value of a 10M-step run costs a few vectorised passes, not a sort of every step.
    """

    def __init__(self, h: History):
        self.steps = n = h.step
        self._h = h
        self._addr = np.frombuffer(h._addr, dtype=np.int32, count=n).copy()  # a copy: h._addr may grow
        self._dests = None  # the register each step wrote (-1: none), made at the first question
        self._regs: dict = {}
        self._elems = None

    def last_write(self, slot: int, before: int) -> Optional[int]:
        """The last step index before `before` that wrote register `slot`, or None."""
        steps = self._regs.get(slot)
        if steps is None:
            if self._dests is None:
                self._dests = self._h._dest_of[self._addr]
            steps = self._regs[slot] = np.flatnonzero(self._dests == slot)
        i = int(np.searchsorted(steps, before, "left"))
        return int(steps[i - 1]) if i else None

    def last_element_write(self, slot: int, index: int, before: int) -> Optional[int]:
        """The last step index before `before` that wrote element `index` of array `slot`, or None."""
        if self._elems is None:
            a = self._h._store_of[self._addr]
            steps = np.flatnonzero(a >= 0)
            keys = _element_key(a[steps], np.frombuffer(self._h._where, dtype=np.int32, count=self.steps)[steps])
            order = np.argsort(keys, kind="stable")  # stable: within an element, steps stay in order
            self._elems = steps[order], keys[order]
        steps, keys = self._elems
        key = _element_key(slot, index)
        lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        i = int(np.searchsorted(steps[lo:hi], before, "left"))
        return int(steps[lo + i - 1]) if i else None


# What an explanation says besides its values: here for the command line and the debugger, and handed to the
# click-through page (vm/page.py), whose script writes the same explanation in the page's language.
EXPLAIN_WORDS = MappingProxyType({
    "never": mark("never written"),
    "length": mark("{text}  (the length of {name})"),
    "row": mark("{label} = {value}   {text}   (line {line}, step {step:,})"),
    "cut_depth": mark("   … not expanded (depth limit)"),
    "cut_size": mark("   … not expanded (tree size limit)"),
    "hidden": mark("… {hidden:,} more values not shown (the tree is cut at {max_lines} lines; a smaller --depth "
                   "makes it shorter)"),
    "too_long": mark("formula: {text:,} characters long — too long to show; the tree above is the story"),
    "formula": mark("formula: {formula} = {value}"),
    "why_depth": mark("at the depth limit (a larger depth shows more)"),
    "why_size": mark("because a tree stops at {MAX_NODES:,} values and {MAX_DEPTH} levels"),
    "note": nmark("note: {n:,} value not expanded {what}; in the formula their names stand for them",
                  "note: {n:,} values not expanded {what}; in the formula their names stand for them"),
})

@dataclass
class Node:
    """One value in a provenance tree: what it is, where it was computed and from what."""

    label: str  # a register name, `x[2]`, or an immediate as written
    value: object
    text: str  # the instruction as written, or what kind of leaf this is
    line: int = 0
    step: int = 0
    op: str = ""  # the mnemonic that computed it
    leaf: str = ""  # "immediate", "input", "unset", "length" for leaves
    notation: Optional[isa.Notation] = None  # how the ISA writes the operation
    children: list = field(default_factory=list)
    cut: str = ""  # not expanded: "depth" (the depth asked for) or "size" (the tree's own bounds)


def pretty(text: str) -> str:
    return text.replace("*", "·").replace(" - ", " − ").replace("-", "−")


def formula(node: Node) -> str:
    """One line: the expression with immediates as written and inputs by name, e.g. `(2 − 0·1)·1 + …`."""
    if node.leaf == "immediate":
        return pretty(node.label)
    if node.leaf or node.cut or node.notation is None:
        return node.label
    parts = [_operand(child, node, i) for i, child in enumerate(node.children)]
    return node.notation.template.format(*parts)


def _shown(node: Node) -> Node:
    """The node whose operation a formula shows outermost: MOV, LOAD and STORE pass their operand through."""
    while not node.leaf and not node.cut and node.notation is not None and node.notation.passes_through \
            and node.children:
        node = node.children[0]
    return node


def immediate(node_label: str) -> tuple[str, int]:
    """An immediate as a formula shows it, and how tightly it binds: `0*1` → ("0·1", PRODUCT)."""
    return pretty(node_label), _level(Node(node_label, 0.0, "immediate", leaf="immediate"))


def _level(node: Node) -> int:
    """How tightly a node's formula binds (isa.SUM … isa.ATOM); an immediate by what it is written as."""
    node = _shown(node)
    if node.leaf == "immediate":
        body = node.label.lstrip("+-")
        if any(c in body for c in "+-"):
            return isa.SUM
        return isa.PRODUCT if any(c in body for c in "*/") else isa.ATOM
    if node.leaf or node.cut or node.notation is None:
        return isa.ATOM
    return node.notation.level


def _operand(child: Node, parent: Node, position: int) -> str:
    """A child's formula, bracketed where the parent's notation says it must be."""
    text = formula(child)
    n = parent.notation
    level = _level(child)
    shown = _shown(child)
    groups = shown.notation is not None and shown.notation.groups and not shown.leaf and not shown.cut
    bare = (level >= n.operands[position]
            and (level != isa.PREFIX or n.bare_prefix[position])
            and not (groups and level == n.level))
    return text if bare else f"({text})"


def render_tree(node: Node, fmt: Formatter = DEC, max_lines: int = 200) -> list[str]:
    """An indented tree, one value a line, with the line and step that computed it; bounded in length."""
    lines: list[str] = []
    stack = [(node, "", "", True)]
    hidden = 0
    while stack:
        n, lead, branch, last = stack.pop()
        if len(lines) >= max_lines:
            hidden += 1
            continue
        value = fmt.value(n.value)
        if n.leaf == "immediate":
            desc = n.label if plain_number(n.label, n.value) else f"{n.label} = {value}"
        elif n.leaf:
            desc = f"{n.label} = {value}   {n.text}"
        else:
            desc = tr(EXPLAIN_WORDS["row"], label=n.label, value=value, text=n.text, line=n.line, step=n.step)
            if n.cut:
                desc += tr(EXPLAIN_WORDS[f"cut_{n.cut}"])  # cut_depth or cut_size
        lines.append(f"{lead}{branch}{desc}")
        child_lead = lead + ("" if not branch else ("   " if last else "│  "))
        for i, c in reversed(list(enumerate(n.children))):
            is_last = i == len(n.children) - 1
            stack.append((c, child_lead, "└─ " if is_last else "├─ ", is_last))
    if hidden:
        lines.append(tr(EXPLAIN_WORDS["hidden"], hidden=hidden, max_lines=max_lines))
    return lines


def plain_number(text: str, value) -> bool:
    """True when an immediate is written as a plain number equal to its value (nothing to add)."""
    try:
        return float(text) == value
    except ValueError:
        return False


def count_cut(node: Node, why: str) -> int:
    """How many nodes were not expanded for this reason ("depth" or "size")."""
    total, stack = 0, [node]
    while stack:
        n = stack.pop()
        total += n.cut == why
        stack.extend(n.children)
    return total


def explanation(node: Node, fmt: Formatter = DEC, max_formula: int = 2000) -> list[str]:
    """The full explanation: the tree, then the one-line formula (or why it is not shown)."""
    out = render_tree(node, fmt)
    text = formula(node)
    if len(text) > max_formula:
        out.append(tr(EXPLAIN_WORDS["too_long"], text=len(text)))
    else:
        out.append(tr(EXPLAIN_WORDS["formula"], formula=text, value=fmt.value(node.value)))
    for why, what in (("depth", tr(EXPLAIN_WORDS["why_depth"])),
                      ("size", tr(EXPLAIN_WORDS["why_size"], MAX_NODES=History.MAX_NODES,
                                  MAX_DEPTH=History.MAX_DEPTH))):
        cut = count_cut(node, why)
        if cut:
            out.append(ntr(*EXPLAIN_WORDS["note"], cut, what=what))
    return out
