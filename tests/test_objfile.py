"""The object file: programs round-trip through it and run alike, disassembly reassembles to the same bytes, and
every damaged or hostile binary is refused with exit 65 and an offset — never a traceback, a hang or a huge
allocation. Damage is made here with `struct` at documented offsets, and by random flips and truncations."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from conftest import gdasm, program_files
from vm import catalog, objfile

from test_shape import programs

MAGIC = b"\x89GDBIN\r\n"


def outcome(p: vm.Program, exact: bool = False, max_steps: int = 10**7):
    """What a run did, names aside (a stripped binary calls its registers r0, r1…)."""
    try:
        r = vm.run(p, exact=exact, max_steps=max_steps)
    except vm.RuntimeFault as f:
        return ("fault", f.code, f.step)
    return ([repr(v) for v in r.registers.values()], [[repr(x) for x in v] for v in r.arrays.values()],
            [repr(v) for v in r.output], r.steps, r.status)


@pytest.mark.parametrize("path", program_files(), ids=lambda p: p.name)
def test_every_program_round_trips_and_runs_alike(path):
    text = path.read_text(encoding="utf-8")
    program = vm.assemble(text, path.name)
    full, stripped = objfile.write(program), objfile.write(program, strip=True)
    assert objfile.write(vm.assemble(text, "another-name.gdasm")) == full  # no file names inside: deterministic
    back, back_stripped = objfile.load(full, "a.gdbin"), objfile.load(stripped, "s.gdbin")
    assert back.source == program.source and back.registers == program.registers
    steps = 2_000_000
    assert outcome(back, max_steps=steps) == outcome(program, max_steps=steps)
    assert outcome(back_stripped, max_steps=steps) == outcome(program, max_steps=steps)
    if path.stem != "logistic_regression":
        assert outcome(back, exact=True, max_steps=steps) == outcome(program, exact=True, max_steps=steps)
    # disassembly is gdasm text that assembles to the same stripped bytes
    for data in (full, stripped):
        text_back = objfile.disassemble(objfile.read(data, "x.gdbin"))
        assert objfile.write(vm.assemble(text_back), strip=True) == stripped


def test_a_stripped_binary_is_exact_at_the_doubles_values():
    program = vm.assemble(".reg a = 0.1\nMUL b, a, 3\n")
    back = objfile.load(objfile.write(program, strip=True), "s.gdbin")
    assert vm.run(program, exact=True).registers["b"] == Fraction(3, 10)  # the spelling 0.1 is 1/10
    assert vm.run(back, exact=True).registers["r1"] == Fraction(0.1) * 3  # stripped: 0.1's double, not 1/10


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.booleans())
def test_generated_programs_round_trip(text, exact):
    program = vm.assemble(text, "gen.gdasm")
    for strip in (False, True):
        data = objfile.write(program, strip)
        back = objfile.load(data, "gen.gdbin")
        assert outcome(back, exact and not strip, 400) == outcome(program, exact and not strip, 400)
        assert objfile.write(vm.assemble(objfile.disassemble(objfile.read(data, "g"))), True) == \
            objfile.write(program, True)


def test_the_acceptance_chain(tmp_path):
    assert gdasm("asm", "gradient_step", "-o", str(tmp_path / "seed.gdbin")).returncode == 0
    run = gdasm("run", str(tmp_path / "seed.gdbin"))
    assert run.returncode == 0 and "w          = 0.09333333333333334" in run.stdout
    dis = gdasm("disasm", str(tmp_path / "seed.gdbin"))
    assert gdasm("asm", "--strip", "-", "-o", str(tmp_path / "a.gdbin"), stdin=dis.stdout).returncode == 0
    assert gdasm("asm", "--strip", "gradient_step", "-o", str(tmp_path / "b.gdbin")).returncode == 0
    assert (tmp_path / "a.gdbin").read_bytes() == (tmp_path / "b.gdbin").read_bytes()


def binaries() -> list[bytes]:
    out = []
    for name in catalog.names():
        p = vm.load(name)
        out += [objfile.write(p), objfile.write(p, strip=True)]
    return out


def refused(data: bytes) -> bool:
    try:
        objfile.load(data, "x.gdbin")
    except objfile.BinaryError as e:
        assert e.exit_code == 65 and e.diagnostics[0].offset is not None
        return True
    return False


def test_every_single_bit_flip_and_every_truncation_is_refused():
    flips = cuts = 0
    for data in binaries():
        for i in range(len(data)):
            assert refused(data[:i]), i
            cuts += 1
            for bit in range(8):
                damaged = bytearray(data)
                damaged[i] ^= 1 << bit
                assert refused(bytes(damaged)), (i, bit)
                flips += 1
        assert refused(data + b"\0")
    assert flips > 100_000 and cuts > 10_000


def fix_crc(data: bytearray) -> bytes:
    data[-4:] = struct.pack("<I", zlib.crc32(bytes(data[:-4])))
    return bytes(data)


@settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(range(16)), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                                            max_size=4), st.booleans())
def test_damage_past_the_checksum_gives_only_our_errors(which, edits, cut):
    """With the checksum made right again, damage reaches the parser: a valid binary or a BinaryError, nothing
    else (no other exception, no hang, no huge allocation)."""
    data = bytearray(binaries()[which])
    for at, value in edits:
        data[at % (len(data) - 4)] = value
    if cut:
        data = data[:len(data) // 2] + data[-4:]
        data[16:24] = struct.pack("<Q", len(data))
    data = fix_crc(data)
    try:
        program = objfile.load(data, "x.gdbin")
    except objfile.BinaryError:
        return
    assert objfile.write(program, bool(data[10] & 1)) == data  # if it loads, it is exactly what it says


def header(data: bytes) -> tuple:
    return struct.unpack_from("<8sHHIQII", data, 0)


def section(data: bytes, k: int) -> tuple:
    return struct.unpack_from("<IIQQ", data, 32 + 24 * k)


def seed(strip: bool = False) -> bytearray:
    return bytearray(objfile.write(vm.load("gradient_step"), strip))


def edit(data: bytearray, at: int, fmt: str, value, crc: bool = True) -> bytes:
    struct.pack_into(fmt, data, at, value)
    return fix_crc(data) if crc else bytes(data)


def code_at(data) -> int:
    return section(data, 0)[2]


BAD = [  # (what, bytes, offset, message fragment)
    ("wrong magic", lambda: b"\x89GDBIX\r\n" + bytes(seed()[8:]), 0, "not a gdasm binary"),
    ("a text file", lambda: b"MOV a, 1\n", 0, "not a gdasm binary"),
    ("empty", lambda: b"", 0, "truncated: 0 bytes"),
    ("only the magic", lambda: MAGIC, 8, "shorter than the 36-byte header"),
    ("other version", lambda: edit(seed(), 8, "<H", 2), 8, "format version 2"),
    ("unknown flags", lambda: edit(seed(), 10, "<H", 6), 10, "unknown flags"),
    ("reserved header field", lambda: edit(seed(), 12, "<I", 1), 12, "reserved header field"),
    ("truncated", lambda: bytes(seed()[:-10]), 16, "(truncated)"),
    ("trailing garbage", lambda: bytes(seed()) + b"junk", 16, "bytes after its end"),
    ("checksum", lambda: edit(seed(), 40, "<B", 9, crc=False), None, "checksum mismatch"),
    ("a 2^63 total length", lambda: edit(seed(), 16, "<Q", 2**63), 16, "the header says the file is"),
    ("section count", lambda: edit(seed(), 24, "<I", 5), 24, "5 sections"),
    ("section order", lambda: edit(seed(), 32, "<I", 2), 32, "section 0 is constants, not code"),
    ("a section that starts elsewhere", lambda: edit(seed(), 40, "<Q", 0), 40, "starts at 0x0"),
    ("a 2^63 section length", lambda: edit(seed(), 48, "<Q", 2**63), 48, "only"),
    ("code not whole words", lambda: shift_code(seed(), 3), None, "section"),
    ("unknown opcode", lambda: edit(seed(), code_at(seed()) + 7, "<B", 0xEE), None, "unknown opcode 0xee"),
    ("register out of range", lambda: edit(seed(), code_at(seed()), "<Q", (0x01 << 56) | (50 << 38) | (0x20000 << 20)),
     None, "names register 50"),
    ("constant out of range", lambda: edit(seed(), code_at(seed()), "<Q", (0x01 << 56) | ((0x20000 | 999) << 20)),
     None, "names constant 999"),
    ("a jump outside the code", lambda: edit(seed(), code_at(seed()), "<Q", (0x10 << 56) | (5000 << 38)),
     None, "names address 5,000"),
    ("reserved bits of a word", lambda: edit(seed(), code_at(seed()), "<Q", (0x3F << 56) | 2), None, "reserved bits"),
    ("a count larger than the bytes", lambda: edit(seed(), section(seed(), 1)[2], "<I", 2**32 - 1), None,
     "more than the"),
    ("a stripped binary with names", lambda: edit(seed(True), section(seed(True), 2)[2] + 4, "<B", 1), None,
     "register names in a stripped binary"),
    ("2^32 registers, stripped", lambda: edit(seed(True), section(seed(True), 2)[2], "<I", 2**32 - 1), None,
     "more than the 131,072 an instruction word can name"),  # no names: nothing else bounds it (found by Hypothesis)
]


def shift_code(data: bytearray, n: int) -> bytes:
    """The code section said to be n bytes shorter, and the constants section to start n bytes earlier."""
    _, _, off, length = section(data, 0)
    struct.pack_into("<Q", data, 32 + 24 * 0 + 16, length - n)
    _, _, off1, length1 = section(data, 1)
    struct.pack_into("<Q", data, 32 + 24 * 1 + 8, off1 - n)
    struct.pack_into("<Q", data, 32 + 24 * 1 + 16, length1 + n)
    return fix_crc(data)


@pytest.mark.parametrize("what, make, offset, message", BAD, ids=[b[0] for b in BAD])
def test_bad_binaries_are_refused_with_an_offset(tmp_path, what, make, offset, message):
    data = make()
    path = tmp_path / "bad.gdbin"
    path.write_bytes(data)
    proc = gdasm("run", str(path))
    assert proc.returncode == 65, proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"{path}: offset 0x") and ": error: " in first and message in first, first
    if offset is not None:
        assert first.startswith(f"{path}: offset 0x{offset:x}: error:"), first


def test_a_gdbin_file_without_the_magic_is_an_error_even_empty(tmp_path):
    for body in (b"", b"    MOV a, 1\n"):
        (tmp_path / "p.gdbin").write_bytes(body)
        proc = gdasm("run", str(tmp_path / "p.gdbin"))
        assert proc.returncode == 65 and "offset 0x0: error:" in proc.stderr


def test_a_binary_with_more_data_values_than_source_can_write_is_refused(monkeypatch):
    """`.data` values in all are bounded by what 4 MiB of source can write (two characters each): a binary with
    more was made by hand, and loading it would cost memory past what any program may (shown here with a bound
    of 5 against a binary of 6, as the real bound needs a file of 25 MB)."""
    data = objfile.write(vm.assemble(".data a = 1, 2, 3\n.data b = 4, 5, 6\nOUT 1\n"))
    monkeypatch.setattr(objfile, "MAX_DATA_VALUES", 5)
    with pytest.raises(objfile.BinaryError) as e:
        objfile.load(data, "x.gdbin")
    d = e.value.diagnostics[0]
    assert e.value.exit_code == 65 and "hold 6 values, more than the 5" in d.message and d.offset > 32
    monkeypatch.setattr(objfile, "MAX_DATA_VALUES", 6)
    assert vm.run(objfile.load(data, "x.gdbin")).output == [1.0]


def test_a_binary_past_the_source_limit_runs_and_every_binary_asm_writes_fits(tmp_path):
    """A .data value takes 2 bytes of source ("1,") and 8 bytes and a spelling in the binary: the densest case.
    Its binary is past the 4 MiB a program may be, and still reads (as a file and on stdin); scaled to the
    largest program, it stays under the 64 MiB a binary may be. A source past 4 MiB is still refused."""
    from vm import source
    n = 700_000
    text = ".data x = " + ",".join(["1"] * n) + "\nLEN n, x\nOUT n\n"
    src = tmp_path / "dense.gdasm"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "dense.gdbin"
    assert gdasm("asm", str(src), "-o", str(out)).returncode == 0
    size = out.stat().st_size
    assert size > source.PROGRAM_LIMIT
    assert size / len(text) * source.PROGRAM_LIMIT + source.PROGRAM_LIMIT < source.BINARY_LIMIT
    for args, stdin in (((str(out),), None), (("-",), out.read_bytes())):
        proc = gdasm("run", *args, "--quiet", stdin=stdin)
        assert proc.returncode == 0 and proc.stdout == f"{float(n)}\n", proc.stderr
    assert "\n.data x = 1, 1, 1, " in gdasm("disasm", str(out)).stdout
    big = tmp_path / "big.gdasm"
    big.write_bytes(b"#" * (source.PROGRAM_LIMIT + 1))
    proc = gdasm("run", str(big))
    assert proc.returncode == 66 and "too large: a program may be at most 4 MiB" in proc.stderr
    proc = gdasm("run", "-", stdin=MAGIC + bytes(source.BINARY_LIMIT))
    assert proc.returncode == 66 and "standard input: too large: a binary may be at most 64 MiB" in proc.stderr


@pytest.mark.parametrize("name", sorted(catalog.names()))
def test_stats_count_what_the_source_and_the_binary_hold(tmp_path, name):
    import json
    import re
    from collections import Counter
    text = catalog.find(name).read_text(encoding="utf-8")
    words = Counter()
    for line in text.split("\n"):  # the mnemonics as a reader counts them: first word after any label
        code = re.split(r"[#;]", line, maxsplit=1)[0]
        code = re.sub(r"^\s*[A-Za-z_]\w*:", "", code).strip()
        if code and not code.startswith("."):
            words[code.split()[0].upper()] += 1
    facts = json.loads(gdasm("stats", name, "--json").stdout)
    assert facts["by_mnemonic"] == dict(words) and facts["instructions"] == sum(words.values())
    assert facts["code_bytes"] == 8 * sum(words.values())
    assert gdasm("asm", name, "-o", str(tmp_path / "p.gdbin")).returncode == 0
    assert gdasm("asm", "--strip", name, "-o", str(tmp_path / "s.gdbin")).returncode == 0
    assert facts["binary_bytes"] == (tmp_path / "p.gdbin").stat().st_size
    assert facts["stripped_bytes"] == (tmp_path / "s.gdbin").stat().st_size
    assert facts["source_bytes"] == len(text.encode("utf-8"))
