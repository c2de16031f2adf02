"""The one describer of a step: what a StepRecord changed, for every view of a run.

The trace (text, CSV, JSON), the trace table, the debugger and later the web page all ask `describe()`
what a step did — register writes, array element writes, a jump, a call or return, the output — and
`change_text()` how to say one change. What a step may change comes from the ISA table (the record holds
what it did change), so a new instruction is described with no change here.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Optional

from .i18n import language, pmark, say
from .ir import UNSET, Program
from .machine import Snapshot, StepRecord
from .render import DEC, Formatter, paint


@dataclass(frozen=True)
class Change:
    """One place a step wrote: a register (`index` None) or an array element."""

    name: str  # the register, or the array
    index: Optional[int]
    old: object  # UNSET on a register's first write
    new: object  # UNSET when a move back takes a first write away

    @property
    def target(self) -> str:
        """`w` or `buf[1]`: how the place is written in traces, `print` and `watch`."""
        return self.name if self.index is None else f"{self.name}[{self.index}]"


@dataclass(frozen=True)
class Transfer:
    """A jump that was taken: a jump, a call or a return, and where it went."""

    verb: str  # "jump", "call" or "return"
    address: int
    where: str  # a label, "line N", or "end"


@dataclass(frozen=True)
class StepView:
    """Everything one step did, ready for any view."""

    changes: tuple[Change, ...]
    transfer: Optional[Transfer]
    fell_through: bool  # a conditional jump that was not taken
    output: object  # the value OUT printed, or None


def describe(rec: StepRecord, program: Program) -> StepView:
    """What one step changed."""
    changes = tuple(Change(n, None, o, v) for n, o, v in rec.writes) + \
        tuple(Change(n, i, o, v) for n, i, o, v in rec.array_writes)
    eff = rec.instruction.op.effects
    transfer = None
    if rec.jump is not None:
        transfer = Transfer(eff.verb, rec.jump, where(program, rec.jump, label=eff.stack != "pop"))
    return StepView(changes, transfer, eff.transfer == "if" and rec.jump is None, rec.output)


@dataclass(frozen=True)
class Shape:
    """What every step of one instruction may do, said once: fast views (the trace) fill in the values from a
    recorder's columns, and a test holds what they write to what describe() says of each record."""

    target: Optional[str]  # the register it writes
    array: Optional[str]  # the array whose element it writes
    verb: Optional[str]  # "jump", "call" or "return" when it may transfer
    where: Optional[str]  # where a transfer goes, when that is fixed (a return's varies: None)
    conditional: bool  # says "no jump" when it falls through
    outputs: bool


def shape(program: Program, address: int) -> Shape:
    """The Shape of the instruction at `address`."""
    ins = program.instructions[address]
    eff = ins.op.effects
    fixed = eff.transfer and eff.stack != "pop"
    return Shape(ins.dest and ins.dest.name, ins.array.name if eff.stores else None, eff.verb if eff.transfer else None,
                 where(program, ins.label.address) if fixed else None, eff.transfer == "if", eff.outputs)


# The trace's words for what a step did besides its writes, translated where shown (the CSV and JSON traces
# carry addresses and numbers, not these words): "jump", "call" and "return" are the ISA table's verbs.
WORDS = MappingProxyType({
    "jump": pmark("trace", "jump"), "call": pmark("trace", "call"), "return": pmark("trace", "return"),
    "no jump": pmark("trace", "no jump"), "out": pmark("trace", "out"), "end": pmark("trace", "end"),
    "line": pmark("trace", "line {line}"),
})


def words() -> MappingProxyType:
    """The trace's words in the language in use (looked up once a language: the describer asks every step)."""
    return _words(language())


@functools.lru_cache(maxsize=None)
def _words(lang: str) -> MappingProxyType:
    return MappingProxyType({key: say(message, lang) for key, message in WORDS.items()})


def where(program: Program, address: int, label: bool = True, said: Optional[dict] = None) -> str:
    """A code address as people read it: its label, `line N`, or `end` (in the words `said`, else looked up)."""
    said = said or words()
    if address >= len(program.instructions):
        return said["end"]
    line = program.instructions[address].line
    return (program.label_at(address) if label else None) or said["line"].format(line=line)


def change_text(c: Change, fmt: Formatter = DEC, colour: bool = False) -> str:
    """`w = 0.0` for a first write, `w: 0.0 → 0.09` or `buf[1]: 0.0 → 6.0` otherwise."""
    new = paint(fmt.value(c.new), "green", colour)
    if c.old is UNSET:
        return f"{c.target} = {new}"
    return f"{c.target}: {fmt.value(c.old)} → {new}"


def view_text(view: StepView, fmt: Formatter = DEC, colour: bool = False) -> list[str]:
    """Each thing a step did, as the trace writes it: changes, `jump → loop`, `no jump`, `out 1.5`."""
    parts = [change_text(c, fmt, colour) for c in view.changes]
    said = words() if view.transfer or view.fell_through or view.output is not None else {}
    if view.transfer is not None:
        parts.append(paint(f"{said[view.transfer.verb]} → {view.transfer.where}", "cyan", colour))
    elif view.fell_through:
        parts.append(paint(said["no jump"], "dim", colour))
    if view.output is not None:
        parts.append(paint(f"{said['out']} {fmt.value(view.output)}", "yellow", colour))
    return parts


def same(a, b) -> bool:
    """True when two values are the same value: -0.0 is not 0.0, unset is only unset."""
    if a is UNSET or b is UNSET:
        return a is b
    return a == b and (not isinstance(a, float) or math.copysign(1.0, a) == math.copysign(1.0, b))


def net_changes(records: Iterable[StepRecord], backward: bool = False) -> list[Change]:
    """What a run of steps changed in all, place by place, in the order places were first touched.

    `backward`: the records were taken back (undone), so each place goes from its last new value to its
    first old one. Places that end where they began are left out.
    """
    first: dict = {}
    last: dict = {}
    for rec in sorted(records, key=lambda r: r.step):
        for n, o, v in rec.writes:
            first.setdefault((n, None), o)
            last[(n, None)] = v
        for n, i, o, v in rec.array_writes:
            first.setdefault((n, i), o)
            last[(n, i)] = v
    out = []
    for key, old in first.items():
        before, after = (last[key], old) if backward else (old, last[key])
        if same(before, after):
            continue
        out.append(Change(key[0], key[1], before, after))
    return out


_MORE = Change("", None, None, None)  # stands for each change past the limit: counted, not made


def state_changes(before: Snapshot, after: Snapshot, program: Program, limit: int = 1000) -> list[Change]:
    """What changed between two states of one machine: registers in order of first write, then elements.

    Past `limit` changes, the rest are one shared placeholder each (a long move may change millions).
    """
    out = []
    order = list(dict.fromkeys(before.write_order + after.write_order))
    for slot in order:
        old, new = before.regs[slot], after.regs[slot]
        if not same(old, new):
            out.append(Change(program.registers[slot], None, old, new))
    for name, old_vals, new_vals in zip(program.arrays, before.arrays, after.arrays):
        if old_vals != new_vals:  # compared at C speed first (misses only a 0.0 ↔ -0.0 flip; `print` shows it)
            out.extend(Change(name, i, a, b) if len(out) < limit else _MORE
                       for i, (a, b) in enumerate(zip(old_vals, new_vals)) if not same(a, b))
    return out
