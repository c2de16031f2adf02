"""The program IR: frozen dataclasses with spans; registers and arrays resolved to slots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping, Optional, Sequence, Union

from .errors import Span
from .isa import Op


_ELEMENT = re.compile(r"([^\W\d]\w*)\[([0-9]{1,15})\]\Z")


def element(text: str) -> Optional[tuple[str, int]]:
    """`x[2]` as ("x", 2): an array element as people write it (ASCII digits, at most 15), or None."""
    m = _ELEMENT.match(text.strip())
    return (m.group(1), int(m.group(2))) if m else None


class UnsetRead(Exception):
    """Raised by any use of the value of a register that was never written."""


class _Unset:
    """The value of a register before its first write: every arithmetic use or comparison fails."""

    __slots__ = ()

    def __repr__(self):
        return "UNSET"

    def _fail(self, *args):
        raise UnsetRead()

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _fail
    __hash__ = object.__hash__


UNSET = _Unset()


@dataclass(frozen=True)
class Reg:
    """A register operand."""

    name: str
    slot: int
    span: Span


@dataclass(frozen=True)
class Imm:
    """An immediate: a constant expression folded at assembly time."""

    value: float
    exact: Optional[Fraction]  # the same expression in exact rationals (None: no exact value)
    text: str  # as written, e.g. `0*1`
    span: Span


@dataclass(frozen=True)
class LabelRef:
    """A label operand, resolved to an instruction address."""

    name: str
    address: int
    span: Span


@dataclass(frozen=True)
class ArrayRef:
    """An array operand."""

    name: str
    slot: int
    span: Span


Operand = Union[Reg, Imm, LabelRef, ArrayRef]


@dataclass(frozen=True)
class Instruction:
    """One executable instruction, with its operands in the table's full form."""

    op: Op
    operands: tuple[Operand, ...]
    span: Span  # the instruction as written, mnemonic to last operand
    text: str  # the source text, comment removed

    @property
    def line(self) -> int:
        return self.span.line

    def _role(self, role: str):
        k = self.op.position(role)
        return None if k is None else self.operands[k]

    @property
    def dest(self) -> Optional[Reg]:
        """The register this instruction writes, if any."""
        return self._role("dest")

    @property
    def array(self) -> Optional[ArrayRef]:
        """The array this instruction reads or writes (LOAD, STORE, LEN), if any."""
        return self._role("array")

    @property
    def index(self) -> Optional[Union[Reg, Imm]]:
        """The operand that indexes the array, if any."""
        return self._role("index")

    @property
    def label(self) -> Optional[LabelRef]:
        """The label this instruction may go to, if any."""
        return self._role("label")

    @property
    def sources(self) -> tuple[Union[Reg, Imm], ...]:
        """The values this instruction reads (registers or immediates), in operand order."""
        return tuple(o for o, r in zip(self.operands, self.op.roles) if r == "source")

    @property
    def reads(self) -> tuple[Reg, ...]:
        """The registers this instruction reads (sources and index), in operand order."""
        return tuple(o for o, r in zip(self.operands, self.op.roles)
                     if r in ("source", "index") and isinstance(o, Reg))


@dataclass(frozen=True)
class Input:
    """An initial value from a directive (`.reg`, `.data`, `.zeros`)."""

    name: str
    slot: int
    values: tuple[float, ...]
    exact: tuple[Optional[Fraction], ...]
    span: Span
    directive: str = ""  # ".reg", ".data" or ".zeros"
    texts: Sequence[str] = ()  # each value as written (`0.1`, `1/3`); empty for .zeros (the object file keeps them)


@dataclass(frozen=True)
class Program:
    """An assembled program: instructions, slot names, initial values, labels and its source."""

    filename: str
    source: str
    instructions: tuple[Instruction, ...]
    registers: tuple[str, ...]  # slot -> name
    arrays: tuple[str, ...]  # slot -> name
    reg_inputs: tuple[Input, ...]  # `.reg`, in source order
    array_inputs: tuple[Input, ...]  # `.data` / `.zeros`, one per array slot, in slot order
    labels: Mapping[str, int] = field(default_factory=dict)  # name -> address (read-only once made)
    warnings: tuple = ()

    def __post_init__(self):
        # Frozen all the way down: a Program may be shared by threads and cached on, so its labels cannot change.
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        # Indexes by name and by address, so a trace's every jump and a debugger's every lookup cost one probe.
        by_address: dict = {}
        for name, address in self.labels.items():
            by_address.setdefault(address, name)  # the first label written for an address names it
        object.__setattr__(self, "_label_at", MappingProxyType(by_address))
        object.__setattr__(self, "_register_slot", MappingProxyType({n: k for k, n in reversed(
            list(enumerate(self.registers)))}))
        object.__setattr__(self, "_array_slot", MappingProxyType({n: k for k, n in reversed(
            list(enumerate(self.arrays)))}))
        # What engines derive from the program once and reuse (the compiled engine's function): not a field,
        # so not part of equality.
        object.__setattr__(self, "_derived", {})

    def __hash__(self) -> int:
        """Equal programs come from the same text under the same name, so those two decide the hash."""
        return hash((self.filename, self.source))

    def __repr__(self) -> str:
        return (f"<Program {self.filename}: {len(self.instructions):,} instructions, {len(self.registers):,} "
                f"registers, {len(self.arrays):,} arrays>")

    def _repr_html_(self) -> str:
        """Jupyter shows a Program as a listing: address, line, label, instruction."""
        from .display import program_html
        return program_html(self)

    @property
    def lines(self) -> list[str]:
        return self.source.split("\n")

    def register_slot(self, name: str) -> Optional[int]:
        return self._register_slot.get(name)

    def array_slot(self, name: str) -> Optional[int]:
        return self._array_slot.get(name)

    def label_at(self, address: int) -> Optional[str]:
        """The first label naming an address, for traces (`jump → loop`)."""
        return self._label_at.get(address)
