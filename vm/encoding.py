"""Instructions as 64-bit words, and the constant pool they index (the layout is in vm/isa.py).

`encode()` turns an assembled Program into words and a pool; `decode_word()` reads a word back into its op and
operand fields, refusing anything the layout does not allow (an unknown opcode, a field an op does not use, a
reserved bit), so a corrupted word is an error, never a different instruction. The object file (magic, sections,
checksum) is built on these.
"""

from __future__ import annotations

import struct
from types import MappingProxyType
from typing import NamedTuple, Optional

from . import isa
from .errors import AssemblyError, Collector
from .i18n import mark, tr
from .ir import Imm, Program
from .render import display_width, ljust

# What each field of an instruction word numbers, when it overflows (in the reader's language).
_FIELD_LIMITS = MappingProxyType({
    "constant": mark("the binary format holds at most {most:,} constants; this is number {number:,}"),
    "register": mark("the binary format holds at most {most:,} registers; this is number {number:,}"),
    "array": mark("the binary format holds at most {most:,} arrays; this is number {number:,}"),
    "address": mark("the binary format holds at most {most:,} addresses; this is number {number:,}"),
})

_WORD_MASK = (1 << isa.WORD_BITS) - 1
_FIELD_MASK = (1 << isa.FIELD_BITS) - 1
_RESERVED = (1 << isa.FIELD_SHIFTS[-1]) - 1  # the bits below the last field


def double_bits(x: float) -> int:
    """The IEEE-754 binary64 bit pattern of x, as an unsigned 64-bit integer."""
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def bits_double(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


class Constant(NamedTuple):
    """One constant-pool entry: the double's bits, and the expression as written (None when stripped)."""

    bits: int
    spelling: Optional[str]

    @property
    def value(self) -> float:
        return bits_double(self.bits)


class Pool:
    """Constants in order of first use, each once per bit pattern and spelling (so `0.0` and `-0.0`, and `3`
    and `3.0`, stay apart); stripped, once per bit pattern."""

    def __init__(self, strip: bool = False):
        self.strip = strip
        self.items: list[Constant] = []
        self._index: dict = {}

    def index(self, imm: Imm) -> int:
        c = Constant(double_bits(imm.value), None if self.strip else imm.text)
        k = self._index.get(c)
        if k is None:
            k = self._index[c] = len(self.items)
            self.items.append(c)
        return k


class Operand(NamedTuple):
    """A decoded operand field: what it names ("register", "constant", "array", "address") and its number."""

    kind: str
    number: int


def _field(kind: str, o, pool: Pool, out: Collector) -> int:
    what = isa.FIELD_KINDS[kind]
    if what == "value" and isinstance(o, Imm):
        number, limit_kind, flag = pool.index(o), "constant", isa.CONSTANT_FLAG
    elif what in ("value", "register"):
        number, limit_kind, flag = o.slot, "register", 0
    elif what == "array":
        number, limit_kind, flag = o.slot, "array", 0
    else:
        number, limit_kind, flag = o.address, "address", 0
    limit = isa.MAX_FIELD[limit_kind]
    if number > limit:
        out.error(tr(_FIELD_LIMITS[limit_kind], most=limit + 1, number=number + 1), o.span, code="binary-limit",
                  hint=tr("gdasm runs the program as source; only `gdasm asm` needs it to fit (docs/machine-code.md)",
                          ))
        return 0
    return flag | number


def encode(program: Program, strip: bool = False) -> tuple[list[int], Pool]:
    """Every instruction's word, and the constant pool the words index; AssemblyError past the format's limits."""
    pool = Pool(strip)
    out = Collector(program.filename, program.lines)
    words = []
    for ins in program.instructions:
        op = ins.op
        if op.opcode is None:
            out.error(tr("{mnemonic} has no opcode in the instruction table, so it cannot be encoded",
                         mnemonic=op.mnemonic), ins.span,
                      code="binary-limit")
            words.append(0)
            continue
        word = op.opcode << isa.OPCODE_SHIFT
        for k, (kind, o) in enumerate(zip(op.kinds, ins.operands)):
            word |= _field(kind, o, pool, out) << isa.FIELD_SHIFTS[k]
        words.append(word)
    if out.errors:
        raise AssemblyError(out.errors)
    return words, pool


def decode_word(word: int) -> tuple[isa.Op, tuple[Operand, ...]]:
    """A word's op and operands; ValueError saying what is wrong with a word the layout does not allow."""
    if not 0 <= word <= _WORD_MASK:
        raise ValueError(tr("not a 64-bit word"))
    opcode = word >> isa.OPCODE_SHIFT
    op = isa.BY_OPCODE.get(opcode)
    if op is None:
        raise ValueError(tr("unknown opcode 0x{opcode:02x}", opcode=opcode))
    if word & _RESERVED:
        raise ValueError(tr("reserved bits 1–0 are {n:02b}, not 00", n=word & _RESERVED))
    operands = []
    for k, shift in enumerate(isa.FIELD_SHIFTS):
        field = (word >> shift) & _FIELD_MASK
        if k >= len(op.kinds):
            if field:
                raise ValueError(tr("{mnemonic} has {kinds} operand(s), but field {k} is 0x{field:05x}, not 0",
                                    mnemonic=op.mnemonic, kinds=len(op.kinds), k=k, field=field))
            continue
        what = isa.FIELD_KINDS[op.kinds[k]]
        if what == "value":
            what = "constant" if field & isa.CONSTANT_FLAG else "register"
            field &= ~isa.CONSTANT_FLAG
        elif what == "register" and field & isa.CONSTANT_FLAG:
            raise ValueError(tr("field {k} of {mnemonic} names register {field:,}, past the format's {n:,}",
                                k=k, mnemonic=op.mnemonic, field=field, n=isa.MAX_FIELD['register'] + 1))
        operands.append(Operand(what, field))
    return op, tuple(operands)


def fields_text(word: int) -> str:
    """A word's fields as a listing's `--bits` shows them: `DIV 0x05 | d r9 | a r8 | b c2 | 00`."""
    op, operands = decode_word(word)
    prefix = {"register": "r", "constant": "c", "array": "m", "address": "@"}
    parts = [f"{op.mnemonic} 0x{op.opcode:02x}"]
    parts += [f"{kind} {prefix[o.kind]}{o.number}" for kind, o in zip(op.kinds, operands)]
    return " | ".join(parts)


def word_lines(word: int, registers, pool: Pool, arrays=()) -> list[str]:
    """A word field by field, as the debugger's `word` shows it: bits, field, value, what it names."""
    op, operands = decode_word(word)
    width = isa.FIELD_BITS
    column = max(display_width(tr(w)) for w in _WORD_FIELDS) + 2
    out = [f"  {isa.WORD_BITS - 1}–{isa.OPCODE_SHIFT:<3} {ljust(tr('opcode'), column)}0x{op.opcode:02x}      "
           f"{op.mnemonic}"]
    for k, shift in enumerate(isa.FIELD_SHIFTS):
        field = (word >> shift) & _FIELD_MASK
        bits = f"{shift + width - 1}–{shift}"
        if k >= len(operands):
            out.append(f"  {bits:<6} {ljust(tr('(unused)'), column)}0")
            continue
        o = operands[k]
        if o.kind == "constant":
            c = pool.items[o.number]
            what = tr("constant {k}: {written} ({value})", k=o.number, written=c.spelling or repr(c.value),
                      value=repr(c.value))
        elif o.kind == "register":
            what = tr("register {k}: {name}", k=o.number, name=registers[o.number])
        elif o.kind == "array" and o.number < len(arrays):
            what = tr("array {k}: {name}", k=o.number, name=arrays[o.number])
        elif o.kind == "array":
            what = tr("array {k}", k=o.number)
        else:
            what = tr("address {k}", k=o.number)
        out.append(f"  {bits:<6} {ljust(op.kinds[k], column)}0x{field:05x}   {what}")
    out.append(f"  1–0    {ljust(tr('reserved'), column)}0")
    return out


# The debugger's `word` names these fields: their widest sets the column
_WORD_FIELDS = (mark("opcode"), mark("(unused)"), mark("reserved"))
