"""The object file (.gdbin): a program as bytes, written from and read back into the IR.

    header (32 bytes)   magic "\\x89GDBIN\\r\\n", u16 format version, u16 flags (1: stripped), u32 0,
                        u64 total length of the file, u32 number of sections, u32 0
    section table       per section: u32 id, u32 0, u64 offset, u64 length (in id order, sections back to back)
    sections            1 code, 2 constants, 3 registers, 4 arrays, 5 labels, 6 debug (5 and 6 not when stripped)
    CRC-32              u32 over every byte before it (zlib.crc32), the file's last four bytes

All integers are little-endian; a text is a u32 byte length and UTF-8 (0xFFFFFFFF: none, when stripped). Reading
checks the magic, the version, the length and the checksum before it parses anything, bounds every count by
the bytes left before it loops or allocates, and refuses anything left over. A program is rebuilt from a
binary by writing it back as gdasm text (the debug section's source, or the disassembly when stripped) and
assembling that — the one assembler — then encoding the result again: it must give the same bytes, so what runs
is exactly what the binary holds.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from fractions import Fraction
from types import MappingProxyType
from typing import NamedTuple, Optional

from . import encoding, isa, source
from .errors import AssemblyError, Diagnostic, GdasmError
from .i18n import tr
from .ir import Imm, Input, Program

MAGIC = source.BINARY_MAGIC
# A .data value takes at least two characters of source (`1,`), so no program gdasm reads (4 MiB) writes more;
# a binary that holds more was not made by `gdasm asm`, and loading it would cost memory past what source may.
MAX_DATA_VALUES = source.PROGRAM_LIMIT // 2
VERSION = 1
STRIPPED = 1
_HEADER = struct.Struct("<8sHHIQII")
_ENTRY = struct.Struct("<IIQQ")
CODE, CONSTANTS, REGISTERS, ARRAYS, LABELS, DEBUG = 1, 2, 3, 4, 5, 6
SECTION_NAMES = MappingProxyType({CODE: "code", CONSTANTS: "constants", REGISTERS: "registers", ARRAYS: "arrays",
                                  LABELS: "labels", DEBUG: "debug"})
_NONE = 0xFFFFFFFF
_DATA, _ZEROS = 0, 1


class BinaryError(GdasmError):
    """A .gdbin file that is not a valid binary (exit 65): the message says what is wrong, at which offset."""

    exit_code = 65
    code = "bad-binary"

    def __init__(self, filename: str, offset: int, message: str):
        super().__init__(Diagnostic("error", message, filename, code="bad-binary", offset=offset))
        self.offset = offset


# (Reading a PROGRAM argument, a binary or source, is source.read_program_bytes and assembler.program_from:
# most commands read source, and start without this module.)


# --- writing --------------------------------------------------------------------------------------------------------

class _Out:
    def __init__(self):
        self.b = bytearray()

    def u8(self, n: int) -> None:
        self.b += struct.pack("<B", n)

    def u32(self, n: int) -> None:
        self.b += struct.pack("<I", n)

    def u64(self, n: int) -> None:
        self.b += struct.pack("<Q", n)

    def text(self, t: Optional[str]) -> None:
        if t is None:
            self.u32(_NONE)
        else:
            data = t.encode("utf-8", "surrogateescape")
            self.u32(len(data))
            self.b += data


def _value(out: _Out, value: float, text: Optional[str]) -> None:
    out.u64(encoding.double_bits(value))
    out.text(text)


def write(program: Program, strip: bool = False) -> bytes:
    """The program's object file; the same program always gives the same bytes (no names of files, no times)."""
    words, pool = encoding.encode(program, strip)
    sections = {}
    sections[CODE] = struct.pack(f"<{len(words)}Q", *words)
    out = _Out()
    out.u32(len(pool.items))
    for c in pool.items:
        out.u64(c.bits)
        out.text(c.spelling)
    sections[CONSTANTS] = bytes(out.b)
    out = _Out()
    out.u32(len(program.registers))
    out.u8(0 if strip else 1)
    if not strip:
        for name in program.registers:
            out.text(name)
    out.u32(len(program.reg_inputs))
    for i in program.reg_inputs:
        out.u32(i.slot)
        _value(out, i.values[0], None if strip else (i.texts[0] if i.texts else repr(i.values[0])))
    sections[REGISTERS] = bytes(out.b)
    out = _Out()
    out.u32(len(program.array_inputs))
    for a in program.array_inputs:
        out.text(None if strip else a.name)
        out.u8(_ZEROS if a.directive == ".zeros" else _DATA)
        out.u32(len(a.values))
        if a.directive != ".zeros":
            texts = [None] * len(a.values) if strip else (a.texts or [repr(v) for v in a.values])
            for v, t in zip(a.values, texts):  # zip: a long line's texts are split once, not per value
                _value(out, v, t)
    sections[ARRAYS] = bytes(out.b)
    if not strip:
        out = _Out()
        out.u32(len(program.labels))
        for name, address in program.labels.items():
            out.text(name)
            out.u32(address)
        sections[LABELS] = bytes(out.b)
        out = _Out()
        out.text(program.source)
        sections[DEBUG] = bytes(out.b)
    offset = _HEADER.size + _ENTRY.size * len(sections)
    table = bytearray()
    for sid, body in sections.items():
        table += _ENTRY.pack(sid, 0, offset, len(body))
        offset += len(body)
    total = offset + 4
    data = bytearray(_HEADER.pack(MAGIC, VERSION, STRIPPED if strip else 0, 0, total, len(sections), 0))
    data += table
    for body in sections.values():
        data += body
    data += struct.pack("<I", zlib.crc32(data))
    return bytes(data)


# --- reading --------------------------------------------------------------------------------------------------------

class Decoded(NamedTuple):
    """A binary's contents, checked: words, constants, names (None when stripped), inputs, labels, source."""

    stripped: bool
    words: list
    word_offset: int  # where the code section starts (for errors at a word)
    constants: list  # encoding.Constant
    registers: int
    register_names: Optional[list]
    reg_inputs: list  # (slot, bits, text)
    arrays: list  # (name, directive, [(bits, text)] or length)
    labels: list  # (name, address)
    source: Optional[str]


class _In:
    """A bounded reader over one section: every read checks the bytes left, with the offset of what it reads."""

    def __init__(self, data: bytes, start: int, end: int, fail):
        self.data, self.pos, self.end, self.fail = data, start, end, fail

    def _take(self, n: int, what: str) -> bytes:
        if n > self.end - self.pos:
            self.fail(self.pos, tr("{what} needs {n:,} bytes, but the section has {n2:,} left",
                                   what=what, n=n, n2=self.end - self.pos))
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self, what: str) -> int:
        return self._take(1, what)[0]

    def u32(self, what: str) -> int:
        return struct.unpack("<I", self._take(4, what))[0]

    def u64(self, what: str) -> int:
        return struct.unpack("<Q", self._take(8, what))[0]

    def count(self, what: str, each: int) -> int:
        """A count of items of at least `each` bytes: more than the bytes left can hold is refused unread."""
        at = self.pos
        n = self.u32(what)
        if n * each > self.end - self.pos:
            self.fail(at, tr("{what} is {n:,}, more than the {n2:,} bytes left can hold",
                             what=what, n=n, n2=self.end - self.pos))
        return n

    def text(self, what: str, optional: bool = False) -> Optional[str]:
        at = self.pos
        n = self.u32(what)
        if n == _NONE:
            if not optional:
                self.fail(at, tr("{what} is missing", what=what))
            return None
        raw = self._take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(at, tr("{what} is not UTF-8 text", what=what))

    def done(self, name: str) -> None:
        if self.pos != self.end:
            self.fail(self.pos, tr("the {name} section has {n:,} bytes after its last entry",
                                   name=name, n=self.end - self.pos))


def read(data: bytes, filename: str) -> Decoded:
    """A binary's contents, every part checked; BinaryError at the first thing wrong."""
    def fail(offset: int, message: str):
        raise BinaryError(filename, offset, message)

    size = len(data)
    if not data.startswith(MAGIC):
        fail(0, tr("not a gdasm binary: it does not start with the magic bytes 89 47 44 42 49 4E 0D 0A")
             if data[:len(MAGIC)] != MAGIC[:size] or size >= len(MAGIC) else
             tr("truncated: {size:,} bytes, shorter than the {MAGIC}-byte magic", size=size, MAGIC=len(MAGIC)))
    if size < _HEADER.size + 4:
        fail(size, tr("truncated: {size:,} bytes, shorter than the {n}-byte header and checksum",
                      size=size, n=_HEADER.size + 4))
    _, version, flags, zero1, total, nsections, zero2 = _HEADER.unpack_from(data, 0)
    if version != VERSION:
        fail(8, tr("format version {version}; this gdasm reads version {VERSION}", version=version, VERSION=VERSION))
    if flags & ~STRIPPED:
        fail(10, tr("unknown flags 0x{flags:04x}", flags=flags))
    if zero1 or zero2:
        fail(12 if zero1 else 28, tr("a reserved header field is not 0"))
    if total != size:
        fail(16, tr("the header says the file is {total:,} bytes, but it is {size:,}", total=total, size=size)
             + (tr(" (truncated)") if total > size else tr(" (bytes after its end)")))
    crc = struct.unpack_from("<I", data, size - 4)[0]
    if zlib.crc32(data[:size - 4]) != crc:
        fail(size - 4, tr("checksum mismatch: the file was changed or damaged after it was written"))
    stripped = bool(flags & STRIPPED)
    wanted = [CODE, CONSTANTS, REGISTERS, ARRAYS] + ([] if stripped else [LABELS, DEBUG])
    if nsections != len(wanted):
        fail(24, tr("{nsections:,} sections; a stripped binary has {wanted}", nsections=nsections, wanted=len(wanted))
             if stripped else tr("{nsections:,} sections; an unstripped binary has {wanted}", nsections=nsections,
                                 wanted=len(wanted)))
    position = _HEADER.size + _ENTRY.size * nsections
    spans = {}
    for k, sid in enumerate(wanted):
        at = _HEADER.size + _ENTRY.size * k
        got, zero, offset, length = _ENTRY.unpack_from(data, at)
        if got != sid:
            fail(at, tr("section {k} is {got}, not {SECTION_NAMES}",
                        k=k, got=SECTION_NAMES.get(got, f'id {got}'), SECTION_NAMES=SECTION_NAMES[sid]))
        if zero:
            fail(at + 4, tr("a reserved section-table field is not 0"))
        if offset != position:
            fail(at + 8, tr("the {SECTION_NAMES} section starts at 0x{offset:x}, not 0x{position:x} right after the "
                            "one before", SECTION_NAMES=SECTION_NAMES[sid], offset=offset, position=position))
        if length > size - 4 - position:
            fail(at + 16, tr("the {SECTION_NAMES} section is {length:,} bytes long; only {n:,} are left",
                             SECTION_NAMES=SECTION_NAMES[sid], length=length, n=size - 4 - position))
        spans[sid] = (offset, offset + length)
        position += length
    if position != size - 4:
        fail(position, tr("{n:,} bytes after the last section", n=size - 4 - position))

    start, end = spans[CODE]
    if (end - start) % 8:
        fail(start, tr("the code section is {n:,} bytes, not a whole number of 8-byte words", n=end - start))
    words = list(struct.unpack_from(f"<{(end - start) // 8}Q", data, start))
    r = _In(data, *spans[CONSTANTS], fail)
    constants = []
    for k in range(r.count(tr("the number of constants"), 12)):
        bits = r.u64(f"constant {k}")
        constants.append(encoding.Constant(bits, r.text(tr("the spelling of constant {k}", k=k), optional=stripped)))
    r.done("constants")
    r = _In(data, *spans[REGISTERS], fail)
    at = r.pos
    nregs = r.u32(tr("the number of registers"))
    if nregs > isa.MAX_FIELD["register"] + 1:  # a stripped binary names none, so no byte count bounds them
        fail(at, tr("the number of registers is {nregs:,}, more than the {n:,} an instruction word can name",
                    nregs=nregs, n=isa.MAX_FIELD['register'] + 1))
    named = r.u8(tr("the names flag"))
    if named != (0 if stripped else 1):
        fail(r.pos - 1, tr("register names in a stripped binary",
                           ) if named else tr("no register names in an unstripped binary"))
    names = []
    if named:
        if 4 * nregs > r.end - r.pos:
            fail(r.pos, tr("{nregs:,} register names cannot fit in the {n:,} bytes left",
                           nregs=nregs, n=r.end - r.pos))
        names = [r.text(tr("the name of register {k}", k=k)) for k in range(nregs)]
    reg_inputs = []
    for k in range(r.count(tr("the number of .reg values"), 16)):
        at = r.pos
        slot = r.u32(tr(".reg value {k}'s register", k=k))
        if slot >= nregs:
            fail(at, tr(".reg value {k} sets register {slot:,}; there are {nregs:,}", k=k, slot=slot, nregs=nregs))
        reg_inputs.append((slot, r.u64(tr(".reg value {k}",
                                          k=k)), r.text(tr(".reg value {k}'s spelling", k=k), optional=stripped)))
    r.done("registers")
    r = _In(data, *spans[ARRAYS], fail)
    arrays = []
    total_elements = data_values = 0
    for k in range(r.count(tr("the number of arrays"), 9)):
        name = r.text(tr("the name of array {k}", k=k), optional=stripped)
        at = r.pos
        kind = r.u8(tr("array {k}'s kind", k=k))
        if kind not in (_DATA, _ZEROS):
            fail(at, tr("array {k}'s kind is {kind}, not 0 (.data) or 1 (.zeros)", k=k, kind=kind))
        at = r.pos
        length = r.u32(tr("array {k}'s length", k=k))
        total_elements += length
        if not 1 <= length <= isa.MAX_ARRAY_LENGTH or total_elements > isa.MAX_ARRAYS_TOTAL:
            fail(at, tr("array {k}'s length {length:,} is past the limits (1 to {MAX_ARRAY_LENGTH:,}, "
                        "{MAX_ARRAYS_TOTAL:,} in all)",
                        k=k, length=length, MAX_ARRAY_LENGTH=isa.MAX_ARRAY_LENGTH, MAX_ARRAYS_TOTAL=isa.MAX_ARRAYS_TOTAL))
        if kind == _ZEROS:
            arrays.append((name, ".zeros", length))
            continue
        if length * 12 > r.end - r.pos:
            fail(at, tr("array {k} has {length:,} values, more than the {n:,} bytes left can hold",
                        k=k, length=length, n=r.end - r.pos))
        data_values += length
        if data_values > MAX_DATA_VALUES:
            fail(at, tr("the .data arrays hold {data_values:,} values, more than the {MAX_DATA_VALUES:,} a program "
                        "of at most 4 MiB can write", data_values=data_values, MAX_DATA_VALUES=MAX_DATA_VALUES))
        arrays.append((name, ".data", [(r.u64(f"array {k}[{i}]"), r.text(tr("array {k}[{i}]'s spelling", k=k, i=i),
                                                                           optional=stripped))
                                       for i in range(length)]))
    r.done("arrays")
    labels, source = [], None
    if not stripped:
        r = _In(data, *spans[LABELS], fail)
        for k in range(r.count(tr("the number of labels"), 8)):
            name = r.text(tr("label {k}'s name", k=k))
            at = r.pos
            address = r.u32(tr("label {k}'s address", k=k))
            if address > len(words):
                fail(at, tr("label '{name}' is at address {address:,}, past the end of the code ({words:,})",
                            name=name, address=address, words=len(words)))
            labels.append((name, address))
        r.done("labels")
        r = _In(data, *spans[DEBUG], fail)
        source = r.text(tr("the source text"))
        r.done("debug")
    counts = {"register": nregs, "constant": len(constants), "array": len(arrays), "address": len(words) + 1}
    for k, word in enumerate(words):
        at = spans[CODE][0] + 8 * k
        try:
            op, operands = encoding.decode_word(word)
        except ValueError as e:
            fail(at, tr("the word at address {k} (0x{word:016x}): {e}", k=k, word=word, e=e))
        for o in operands:
            if o.number >= counts[o.kind]:
                fail(at, tr("{mnemonic} at address {k} names {kind} {number:,}; there are {n:,}",
                            mnemonic=op.mnemonic, k=k, kind=o.kind, number=o.number, n=counts[o.kind] - (o.kind == 'address')))
    return Decoded(stripped, words, spans[CODE][0], constants, nregs, names if named else None, reg_inputs, arrays,
                   labels, source)


# --- back to text, and to a Program -------------------------------------------------------------------------------

def _number(bits: int, text: Optional[str]) -> str:
    return text if text is not None else repr(encoding.bits_double(bits))


def disassemble(d: Decoded) -> str:
    """The binary as gdasm text that assembles to it: names from the file, or r0, m0, L0… when stripped."""
    regs = d.register_names or [f"r{k}" for k in range(d.registers)]
    arrays = [name if name is not None else f"m{k}" for k, (name, _, _) in enumerate(d.arrays)]
    labels: dict = {}
    for name, address in d.labels:
        labels.setdefault(address, []).append(name)
    if d.stripped:  # every jump target gets a label, in address order
        targets = sorted({o.number for w in d.words for o in encoding.decode_word(w)[1] if o.kind == "address"})
        labels = {a: [f"L{k}"] for k, a in enumerate(targets)}
    out = [f"# disassembled by gdasm (format {VERSION}{', stripped' if d.stripped else ''})"]
    for slot, bits, text in d.reg_inputs:
        out.append(f".reg {regs[slot]} = {_number(bits, text)}")
    for name, (_, directive, values) in zip(arrays, d.arrays):
        if directive == ".zeros":
            out.append(f".zeros {name}, {values}")
        else:
            out.append(f".data {name} = " + ", ".join(_number(b, t) for b, t in values))
    for address, word in enumerate(d.words):
        out += [f"{name}:" for name in labels.get(address, [])]
        op, operands = encoding.decode_word(word)
        shown = []
        for o in operands:
            if o.kind == "register":
                shown.append(regs[o.number])
            elif o.kind == "constant":
                c = d.constants[o.number]
                shown.append(_number(c.bits, c.spelling))
            elif o.kind == "array":
                shown.append(arrays[o.number])
            else:
                shown.append(labels[o.number][0])
        text = f"{op.mnemonic} {', '.join(shown)}".rstrip()
        out.append(f"    {text:<40} # {address:#06x}")
    out += [f"{name}:" for name in labels.get(len(d.words), [])]
    return "\n".join(out) + "\n"


def _exact_from_doubles(p: Program) -> Program:
    """A stripped binary has no spellings: --exact takes each constant's and input's double at its exact value."""
    def imm(o):
        return replace(o, exact=Fraction(o.value)) if isinstance(o, Imm) else o
    code = tuple(replace(ins, operands=tuple(imm(o) for o in ins.operands)) for ins in p.instructions)

    def inp(i: Input) -> Input:
        return replace(i, exact=tuple(Fraction(v) for v in i.values))
    return replace(p, instructions=code, reg_inputs=tuple(inp(i) for i in p.reg_inputs),
                   array_inputs=tuple(inp(i) for i in p.array_inputs))


def load(data: bytes, filename: str) -> Program:
    """The Program a binary holds (see the module's docstring); BinaryError when it is not a valid binary."""
    from .assembler import assemble
    d = read(data, filename)
    text = d.source if d.source is not None else disassemble(d)
    try:
        program = assemble(text, filename)
    except AssemblyError as e:
        raise BinaryError(filename, d.word_offset, (
            tr("the binary's source does not assemble: {message}", message=e.diagnostics[0].message)
            if d.source is not None else
            tr("the binary's code does not assemble: {message}", message=e.diagnostics[0].message))) from None
    if d.stripped:
        program = _exact_from_doubles(program)
    try:
        again = write(program, d.stripped)
    except AssemblyError as e:
        raise BinaryError(filename, d.word_offset, e.diagnostics[0].message) from None
    if again != data:
        at = next((k for k, (a, b) in enumerate(zip(again, data)) if a != b), min(len(again), len(data)))
        raise BinaryError(filename, at, tr("the binary is not what its source assembles to (it differs here)")
                          if d.source is not None else
                          tr("the binary is not what its code assembles to (it differs here)"))
    return program
