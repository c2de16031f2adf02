"""Instruction words against an independent decoder written here from the documented layout (docs in vm/isa.py):
shifts and masks on the integer, `struct` for the constants' bits — not the encoder's own helpers."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings

import vm
from conftest import ROOT, program_files
from vm import encoding, isa
from vm.ir import ArrayRef, Imm, LabelRef, Reg

from test_shape import programs

# The opcodes as documented: they are part of the file format and never change meaning.
OPCODES = {"MOV": 0x01, "ADD": 0x02, "SUB": 0x03, "MUL": 0x04, "DIV": 0x05, "NEG": 0x06, "ABS": 0x07, "SQRT": 0x08,
           "EXP": 0x09, "LOG": 0x0A, "JMP": 0x10, "JLT": 0x11, "JLE": 0x12, "JGT": 0x13, "JGE": 0x14, "JEQ": 0x15,
           "JNE": 0x16, "CALL": 0x18, "RET": 0x19, "LOAD": 0x20, "STORE": 0x21, "LEN": 0x22, "OUT": 0x30,
           "HALT": 0x3F}


def fields(word: int) -> tuple[int, list[int], int]:
    """opcode (bits 63–56), the three 18-bit fields (55–38, 37–20, 19–2), the reserved bits (1–0)."""
    return word >> 56, [(word >> 38) & 0x3FFFF, (word >> 20) & 0x3FFFF, (word >> 2) & 0x3FFFF], word & 0b11


def bits_of(x: float) -> int:
    return int.from_bytes(struct.pack(">d", x), "big")


def check_program(program: vm.Program, strip: bool = False) -> None:
    words, pool = encoding.encode(program, strip)
    assert len(words) == len(program.instructions)
    for ins, word in zip(program.instructions, words):
        opcode, f, reserved = fields(word)
        assert opcode == OPCODES[ins.op.mnemonic] and reserved == 0, ins.text
        for k, o in enumerate(ins.operands):
            if isinstance(o, Imm):
                assert f[k] & 0x20000, ins.text  # a constant: the field's top bit
                c = pool.items[f[k] & 0x1FFFF]
                assert c.bits == bits_of(o.value) and c.spelling == (None if strip else o.text), ins.text
            elif isinstance(o, Reg):
                assert f[k] == o.slot and program.registers[f[k]] == o.name, ins.text
            elif isinstance(o, ArrayRef):
                assert program.arrays[f[k]] == o.name, ins.text
            else:
                assert isinstance(o, LabelRef) and f[k] == program.labels[o.name], ins.text
        assert all(x == 0 for x in f[len(ins.operands):]), ins.text


def test_the_opcodes_are_the_documented_ones():
    assert {m: op.opcode for m, op in isa.OPS.items()} == OPCODES
    assert len(set(OPCODES.values())) == len(OPCODES) and 0 not in OPCODES.values()


@pytest.mark.parametrize("path", program_files(), ids=lambda p: p.name)
def test_every_word_of_every_program_decodes_by_the_documented_layout(path):
    program = vm.assemble(path.read_text(encoding="utf-8"), path.name)
    check_program(program)
    check_program(program, strip=True)


def test_the_seeds_division_word_field_by_field():
    program = vm.load("gradient_step")
    words, pool = encoding.encode(program)
    address = next(i for i, ins in enumerate(program.instructions) if ins.text == "DIV grad_avg, grad_total, 3")
    # grad_avg and grad_total are registers 8 and 7 (slots in order of appearance); `3` is constant 8, after
    # 0.0, 2, 0*1, 4, 0*2, 6, 0*3, 1 (the `2` of `MUL grad2, error2, 2` is the `2` of line 7, spelt alike)
    assert program.registers.index("grad_avg") == 8 and program.registers.index("grad_total") == 7
    assert [c.spelling for c in pool.items] == ["0.0", "2", "0*1", "4", "0*2", "6", "0*3", "1", "3", "0.01"]
    assert words[address] == (0x05 << 56) | (8 << 38) | (7 << 20) | ((0x20000 | 8) << 2) == 0x0500_0200_0078_0020
    assert pool.items[9].bits == 0x3F847AE147AE147B  # 0.01 as a double: the nearest is a little above 1/100


def test_pool_keeps_spellings_and_signed_zeros_apart():
    program = vm.assemble("MOV a, 0.0\nMOV b, -0.0\nMOV c, 3\nMOV d, 3.0\nMOV e, 3\n")
    _, pool = encoding.encode(program)
    assert [c.spelling for c in pool.items] == ["0.0", "-0.0", "3", "3.0"]
    _, stripped = encoding.encode(program, strip=True)
    assert [c.bits for c in stripped.items] == [0, 1 << 63, bits_of(3.0)] and stripped.items[0].spelling is None


@pytest.mark.parametrize("word, message", [
    (0, "unknown opcode 0x00"),
    (0xFF << 56, "unknown opcode 0xff"),
    ((0x05 << 56) | 1, "reserved bits"),
    ((0x3F << 56) | (1 << 38), "but field 0 is 0x00001"),
    ((0x01 << 56) | (0x20000 << 38), "names register"),  # MOV's destination with the constant flag
    (1 << 64, "not a 64-bit word"),
])
def test_words_the_layout_does_not_allow_are_refused(word, message):
    with pytest.raises(ValueError, match=message):
        encoding.decode_word(word)


def test_past_the_formats_limits_is_a_located_error(monkeypatch):
    monkeypatch.setattr(isa, "MAX_FIELD", {**isa.MAX_FIELD, "register": 2, "constant": 1})
    program = vm.assemble("MOV a, 1\nMOV b, 2\nMOV c, a\nMOV d, 5\n", "big.gdasm")
    with pytest.raises(vm.AssemblyError) as e:
        encoding.encode(program)
    found = [(d.span.line, d.span.column, d.code) for d in e.value.diagnostics]
    assert found == [(4, 5, "binary-limit"), (4, 8, "binary-limit")]  # register d (number 4), constant 5 (3)
    assert "at most 3 registers; this is number 4" in e.value.diagnostics[0].message


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs())
def test_generated_programs_encode_and_decode(text):
    program = vm.assemble(text, "gen.gdasm")
    check_program(program)
    words, pool = encoding.encode(program)
    for ins, word in zip(program.instructions, words):
        op, operands = encoding.decode_word(word)
        assert op is ins.op and len(operands) == len(ins.operands)
        for o, d in zip(ins.operands, operands):
            kind = {Reg: "register", Imm: "constant", ArrayRef: "array", LabelRef: "address"}[type(o)]
            assert d.kind == kind


def test_listing_shows_each_word_beside_its_source_line():
    from conftest import gdasm
    out = gdasm("listing", "gradient_step").stdout.splitlines()
    program = vm.load("gradient_step")
    rows = [ln for ln in out if ln.startswith("0x")]
    assert len(rows) == 12 == len(program.instructions)
    for address, (row, ins) in enumerate(zip(rows, program.instructions)):
        addr, word, line, text = row.split(None, 3)
        assert int(addr, 16) == address and int(line) == ins.line and text == program.lines[ins.line - 1].strip()
        opcode, f, reserved = fields(int(word, 16))
        assert opcode == OPCODES[ins.op.mnemonic] and reserved == 0
    div = next(r for r in rows if "DIV grad_avg" in r)
    assert div.split()[1] == "0x0500020000780020"
    bits = gdasm("listing", "gradient_step", "--bits").stdout
    assert "DIV 0x05 | d r8 | a r7 | b c8" in bits
    assert "  c9     0x3f847ae147ae147b  0.01" in "\n".join(out)


def test_the_machine_code_docs_worked_example_is_right():
    doc = (ROOT / "docs" / "machine-code.md").read_text(encoding="utf-8")
    word = (0x05 << 56) | (8 << 38) | (7 << 20) | ((1 << 17 | 8) << 2)  # DIV, grad_avg, grad_total, constant 8
    assert f"its word is `0x{word:016x}`" in doc
    raw = int.from_bytes(struct.pack(">d", 0.01), "big")
    assert f"`0x{raw:016x}`" in doc and f"{raw >> 63} | {(raw >> 52) & 0x7FF:011b} | {raw & (2**52 - 1):052b}" in doc
    from vm import docgen  # its copy of the seed's listing encodes as the bundled program does
    assert encoding.encode(vm.assemble(docgen._SEED))[0] == encoding.encode(vm.load("gradient_step"))[0]
    for mnemonic, opcode in OPCODES.items():
        assert f"| `0x{opcode:02x}` | `{mnemonic}` |" in doc


def test_the_debugger_shows_the_next_word_field_by_field():
    from conftest import gdasm
    out = gdasm("debug", "gradient_step", stdin="goto 9\nword\n").stdout
    assert "word at address 0x0009 (line 15: DIV grad_avg, grad_total, 3) = 0x0500020000780020" in out
    word = 0x0500020000780020
    assert f"opcode    0x{word >> 56:02x}      DIV" in out
    assert f"0x{(word >> 38) & 0x3FFFF:05x}   register 8: grad_avg" in out
    assert f"0x{(word >> 2) & 0x3FFFF:05x}   constant 8: 3 (3.0)" in out


def test_the_debugger_shows_any_lines_or_labels_word(tmp_path):
    """`word LINE` and `word LABEL` give the words `gdasm asm` writes, read back here from the file by struct."""
    import re
    import struct
    from conftest import gdasm
    out_file = tmp_path / "gd.gdbin"
    assert gdasm("asm", "gradient_descent", "-o", str(out_file)).returncode == 0
    data = out_file.read_bytes()
    _, _, offset, length = struct.unpack_from("<IIQQ", data, 32)  # section 0: the code
    words = struct.unpack_from(f"<{length // 8}Q", data, offset)
    program = vm.load("gradient_descent")
    out = gdasm("debug", "gradient_descent", stdin="word 38\nword averaged\nword 999\nword nowhere\n").stdout
    shown = {int(a, 16): int(w, 16) for a, w in re.findall(r"word at address (0x[0-9a-f]+) .* = (0x[0-9a-f]+)", out)}
    line38 = next(a for a, i in enumerate(program.instructions) if i.line == 38)
    assert shown == {line38: words[line38], program.labels["averaged"]: words[program.labels["averaged"]]}
    assert "word: no instruction on or after line 999" in out and "'nowhere' is neither" in out
