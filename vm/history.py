"""Time travel and provenance: every executed step kept, so a run can go back and say where values came from.

History wraps a Machine: `forward()` steps and keeps the StepRecord (a small constant per step), `back()`
undoes the last one exactly, `goto(n)` does either. `explain(name)` rebuilds the expression that produced
a register's value from the records' data flow, down to immediates, inputs and array elements.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Optional

from . import isa
from .errors import RuntimeFault
from .ir import UNSET, Imm, Reg, element
from .machine import Machine, StepRecord
from .render import DEC, Formatter


class History:
    """A Machine with every step kept: forward, back, goto, and the data flow behind every value."""

    def __init__(self, machine: Machine):
        self.m = machine
        self.records: list[StepRecord] = []
        self.initial_regs = list(machine.regs)
        self.initial_arrays = [list(a) for a in machine.arrays]
        self._reg_writes: dict[int, list[int]] = {}  # slot -> indexes into records, in order
        self._elem_writes: dict[tuple[int, int], list[int]] = {}  # (array slot, index) -> indexes
        self.fault: Optional[RuntimeFault] = None

    @property
    def step(self) -> int:
        """How many steps have run (0: none)."""
        return len(self.records)

    def forward(self) -> Optional[StepRecord]:
        """Run one step; None at the end. A fault is kept in self.fault (and raised)."""
        if self.fault is not None:
            return None
        try:
            rec = self.m.step()
        except RuntimeFault as fault:
            self.fault = fault
            raise
        if rec is None:
            return None
        k = len(self.records)
        self.records.append(rec)
        ins = rec.instruction
        if rec.writes:
            self._reg_writes.setdefault(ins.dest.slot, []).append(k)
        for _, index, _, _ in rec.array_writes:
            self._elem_writes.setdefault((ins.array.slot, index), []).append(k)
        return rec

    def back(self) -> Optional[StepRecord]:
        """Undo the last step (or forget a fault first); None at step 0."""
        if self.fault is not None:
            self.fault = None
            self.m.clear_fault()
            return None if not self.records else self._undo()
        return self._undo() if self.records else None

    def _undo(self) -> StepRecord:
        rec = self.records.pop()
        self.m.undo(rec)
        ins = rec.instruction
        if rec.writes:
            self._reg_writes[ins.dest.slot].pop()
        for _, index, _, _ in rec.array_writes:
            self._elem_writes[(ins.array.slot, index)].pop()
        return rec

    def goto(self, n: int) -> None:
        """Go to just after step n, forward or back (stops early at the end or a fault)."""
        n = max(n, 0)
        while self.step > n or (self.fault is not None and self.step >= n):
            if self.back() is None and self.step == 0 and self.fault is None:
                break
        while self.step < n:
            try:
                if self.forward() is None:
                    break
            except RuntimeFault:
                break

    # --- provenance ----------------------------------------------------------------------
    def _last_write(self, writes: dict, key, before: int) -> Optional[int]:
        steps = writes.get(key)
        if not steps:
            return None
        i = bisect.bisect_left(steps, before)
        return steps[i - 1] if i else None

    def value_before(self, slot: int, before: int):
        """A register's value just before record `before` ran."""
        k = self._last_write(self._reg_writes, slot, before)
        return self.records[k].writes[0][2] if k is not None else self.initial_regs[slot]

    def register_node(self, slot: int, before: int, depth: int) -> "Node":
        """Where register `slot` got the value it held just before record `before`."""
        name = self.m.program.registers[slot]
        k = self._last_write(self._reg_writes, slot, before)
        if k is None:
            v = self.initial_regs[slot]
            if v is UNSET:
                return Node(name, UNSET, "never written", leaf="unset")
            return Node(name, v, self._input_origin(name), leaf="input")
        return self.step_node(k, depth)

    def _input_origin(self, name: str) -> str:
        decl = next((i for i in self.m.program.reg_inputs if i.name == name), None)
        given = decl is None or self.initial_regs[decl.slot] != self.m.num(
            decl.exact[0] if self.m.exact else decl.values[0])
        return "input (--set)" if given else f"input (.reg, line {decl.span.line})"

    def _array_origin(self, slot: int) -> str:
        decl = self.m.program.array_inputs[slot]
        declared = [self.m.num(v) for v in (decl.exact if self.m.exact else decl.values)]
        if self.initial_arrays[slot] != declared:
            return "input (--data)"
        return f"input ({decl.directive}, line {decl.span.line})"

    def step_node(self, k: int, depth: int) -> "Node":
        """The operation that record k performed, with its operands' origins as children.

        What the operation is follows from the instruction's roles: a destination computed from sources
        (written as its notation), an array element read (passed through), or an array's length (a leaf).
        """
        rec = self.records[k]
        ins = rec.instruction
        name, _, value = rec.writes[0]
        node = Node(name, value, ins.text, line=ins.line, step=rec.step, op=ins.op.mnemonic)
        if self._cut(node, depth):
            return node
        arr, index = ins.array, ins.index
        if arr is not None and index is not None:  # an element read: d ← M[i]
            where = int(self.value_before(index.slot, k) if isinstance(index, Reg) else index.value)
            node.children.append(self.element_node(arr.slot, arr.name, where, k, depth - 1))
            node.notation = isa.PASS_THROUGH
        elif arr is not None:  # d ← a property of M: its length
            node.leaf = "length"
            node.text = f"{ins.text}  (the length of {arr.name})"
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
        k = self._last_write(self._elem_writes, (slot, index), before)
        if k is None:
            v = self.initial_arrays[slot][index]
            return Node(label, v, self._array_origin(slot), leaf="input")
        rec = self.records[k]
        ins = rec.instruction
        node = Node(label, rec.array_writes[0][3], ins.text, line=ins.line, step=rec.step, op=ins.op.mnemonic,
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
        if "[" in target and not place:
            raise KeyError(f"'{target}' is not a register or ARRAY[i] (i a whole number)")
        if place:
            name, index = place
            slot = p.array_slot(name)
            if slot is None:
                raise KeyError(f"no array named '{name}'")
            if not 0 <= index < len(self.m.arrays[slot]):
                raise KeyError(f"{target} is out of range")
            return self.element_node(slot, name, index, before, depth)
        slot = p.register_slot(target)
        if slot is None:
            raise KeyError(f"no register named '{target}'")
        return self.register_node(slot, before, depth)


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


def _pretty(text: str) -> str:
    return text.replace("*", "·").replace(" - ", " − ").replace("-", "−")


def formula(node: Node) -> str:
    """One line: the expression with immediates as written and inputs by name, e.g. `(2 − 0·1)·1 + …`."""
    if node.leaf == "immediate":
        return _pretty(node.label)
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
            desc = n.label if _plain_number(n.label, n.value) else f"{n.label} = {value}"
        elif n.leaf:
            desc = f"{n.label} = {value}   {n.text}"
        else:
            desc = f"{n.label} = {value}   {n.text}   (line {n.line}, step {n.step:,})"
            if n.cut:
                desc += "   … not expanded (depth limit)" if n.cut == "depth" else "   … not expanded (tree size limit)"
        lines.append(f"{lead}{branch}{desc}")
        child_lead = lead + ("" if not branch else ("   " if last else "│  "))
        for i, c in reversed(list(enumerate(n.children))):
            is_last = i == len(n.children) - 1
            stack.append((c, child_lead, "└─ " if is_last else "├─ ", is_last))
    if hidden:
        lines.append(f"… {hidden:,} more values not shown (the tree is cut at {max_lines} lines; "
                     "a smaller --depth makes it shorter)")
    return lines


def _plain_number(text: str, value) -> bool:
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
        out.append(f"formula: {len(text):,} characters long — too long to show; the tree above is the story")
    else:
        out.append(f"formula: {text} = {fmt.value(node.value)}")
    for why, what in (("depth", "at the depth limit (a larger depth shows more)"),
                      ("size", f"because a tree stops at {History.MAX_NODES:,} values and {History.MAX_DEPTH} levels")):
        cut = count_cut(node, why)
        if cut:
            out.append(f"note: {cut:,} value{'s' if cut != 1 else ''} not expanded {what}; in the formula their "
                       "names stand for them")
    return out
