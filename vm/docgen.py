"""Generate the tables of docs/language.md and docs/machine-code.md from vm/isa.py (and the object file's layout).

A developer's tool, for a source checkout: `python -m vm.docgen` rewrites the generated part of
docs/language.md in place; `python -m vm.docgen --check` exits 1 if the file has drifted from the table.
Installed from a wheel there is no docs/ to write, and it says so rather than write anywhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import MappingProxyType

from . import encoding, isa, objfile
from .assembler import assemble

BEGIN = "<!-- generated from vm/isa.py by `python -m vm.docgen`: do not edit by hand -->"
END = "<!-- end of generated tables -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _derivative(op: isa.Op, zh: bool = False) -> str:
    """∂d/∂(each operand read), as the table states it; how values pass through memory; nothing for control."""
    if op.partials is not None:
        if zh:
            kink = f"；{op.kink_note_zh}，并给出警告" if op.kink else ""
        else:
            kink = f"; {op.kink_note}, and warns" if op.kink else ""
        return f"∂d/∂({', '.join(k for k, r in zip(op.kinds, op.roles) if r == 'source')}) = {op.derivative}{kink}"
    if op.behaviour in ("load", "store"):
        return "1：值原样经过数组元素" if zh else "1: the value passes through the element"
    return ""


def tables(lang: str = "en") -> str:
    """The Markdown tables of every instruction and directive, in table order, in English or Chinese (the table
    holds both descriptions)."""
    zh = lang == "zh"
    head = ("| 写法 | 含义 | 作用 | 故障 | 导数（`gdasm grad`） |" if zh else
            "| form | meaning | what it does | faults | derivative (`gdasm grad`) |")
    rows = [head, "|---|---|---|---|---|"]
    for op in isa.OPS.values():
        forms = " <br> ".join(f"`{op.form_text(f)}`" for f in op.forms)
        short = "（简写：`d, a` 表示 `d, d, a`）" if zh else " (shorthand: `d, a` means `d, d, a`)"
        meaning = (op.meaning_zh or op.meaning if zh else op.meaning) + (short if op.shorthand else "")
        faults = op.faults_zh if zh else op.faults
        if not op.exact:
            sep, inexact = ("；", "`--exact` 下没有精确结果") if zh else ("; ", "no exact result under `--exact`")
            faults = (faults + sep if faults else "") + inexact
        doc = op.doc_zh if zh else op.doc
        rows.append(f"| {forms} | {_cell(meaning)} | {_cell(doc)} | {_cell(faults)} | {_cell(_derivative(op, zh))} |")
    kinds = ["| 操作数 | 是什么 |" if zh else "| operand | is |", "|---|---|"] + [
        f"| `{k}` | {v} |" for k, v in (isa.KINDS_ZH if zh else isa.KINDS).items()]
    directives = ["| 伪指令 | 声明什么 |" if zh else "| directive | what it declares |", "|---|---|"] + [
        f"| `{d.form}` | {_cell(d.doc_zh if zh else d.doc)} |" for d in isa.DIRECTIVES.values()]
    titles = ("### 操作数的种类", "### 指令", "### 伪指令") if zh else ("### Operand kinds", "### Instructions",
                                                                   "### Directives")
    return "\n".join([titles[0], "", *kinds, "", titles[1], "", *rows, "", titles[2], "", *directives])


def _bits(x: float) -> str:
    raw = encoding.double_bits(x)
    return f"{raw >> 63} | {(raw >> 52) & 0x7FF:011b} | {raw & ((1 << 52) - 1):052b}"


def machine_tables() -> str:
    """docs/machine-code.md's generated part: opcodes, the word, the limits, the file header, a worked example."""
    rows = ["| opcode | mnemonic | fields (in order) | meaning |", "|---|---|---|---|"]
    for op in sorted(isa.OPS.values(), key=lambda o: o.opcode):
        fields = ", ".join(f"`{k}` {isa.FIELD_KINDS[k]}" for k in op.kinds) or "none"
        rows.append(f"| `0x{op.opcode:02x}` | `{op.mnemonic}` | {fields} | {_cell(op.meaning)} |")
    s0, s1, s2 = isa.FIELD_SHIFTS
    top, width = isa.WORD_BITS - 1, isa.FIELD_BITS
    cells = [(top, isa.OPCODE_SHIFT, 10, "opcode")] + [(sh + width - 1, sh, 18, f"field {k}")
                                                         for k, sh in enumerate(isa.FIELD_SHIFTS)]
    numbers, boxes, names = "", "+", "|"
    for hi, lo, w, name in cells:  # each cell's first and last bit numbers over its ends
        numbers += " " + f"{hi:<{w // 2}}{lo:>{w - w // 2}}"
        boxes += "-" * w + "+"
        names += f"{name:^{w}}|"
    diagram = ["```", numbers + " 1 0", boxes + "---+", names + " 0 |", boxes + "---+", "```"]
    kinds = ["| operand kind | field holds |", "|---|---|",
             "| `d` register written | its register number |",
             f"| `a`, `b`, `i` value read | a register number, or with bit {isa.FIELD_BITS - 1} of the field set a "
             "constant-pool index |",
             "| `M` array | its array number |", "| `L` label | the code address it names |"]
    limits = ["| what | at most |", "|---|---|"] + [
        f"| {what} numbers | {n + 1:,} |" for what, n in isa.MAX_FIELD.items()]
    program = assemble(_SEED, "seed.gdasm")
    words, pool = encoding.encode(program)
    div = next(k for k, ins in enumerate(program.instructions) if ins.text.startswith("DIV "))
    word = words[div]
    ins = program.instructions[div]
    d, a, b = (word >> s0) & ((1 << width) - 1), (word >> s1) & ((1 << width) - 1), (word >> s2) & ((1 << width) - 1)
    flag = isa.CONSTANT_FLAG
    example = [f"`{ins.text}` is address {div} of the seed's listing (`gradient_step`); its word is "
               f"`0x{word:016x}`:", "",
               "| bits | field | value | means |", "|---|---|---|---|",
               f"| {top}–{isa.OPCODE_SHIFT} | opcode | `0x{word >> isa.OPCODE_SHIFT:02x}` | "
               f"`{isa.BY_OPCODE[word >> isa.OPCODE_SHIFT].mnemonic}` |",
               f"| {s0 + width - 1}–{s0} | `d` | {d} | register {d}, `{program.registers[d]}` |",
               f"| {s1 + width - 1}–{s1} | `a` | {a} | register {a}, `{program.registers[a]}` |",
               f"| {s2 + width - 1}–{s2} | `b` | `0x{b:05x}` | bit {width - 1} set: constant {b & ~flag}, "
               f"`{pool.items[b & ~flag].spelling}` |",
               "| 1–0 | reserved | 0 | |", "",
               "The constant `0.01` is the pool's constant "
               f"{next(k for k, c in enumerate(pool.items) if c.spelling == '0.01')}, stored as the 64 bits of the "
               f"double nearest to 1/100, `0x{encoding.double_bits(0.01):016x}` (sign | exponent | fraction):",
               "", "```", _bits(0.01), "```"]
    header = ["| bytes | field |", "|---|---|",
              f"| 0–7 | magic `{' '.join(f'{x:02X}' for x in objfile.MAGIC)}` |",
              f"| 8–9 | format version (u16, now {objfile.VERSION}) |",
              f"| 10–11 | flags (u16): {objfile.STRIPPED} = stripped |", "| 12–15 | 0 |",
              "| 16–23 | total length of the file (u64) |", "| 24–27 | number of sections (u32) |", "| 28–31 | 0 |",
              "| 32– | the section table: per section 24 bytes, u32 id, u32 0, u64 offset, u64 length |",
              "| … | the sections, back to back in id order |",
              "| last 4 | CRC-32 (zlib) of every byte before it (u32) |"]
    sections = ["| id | section | holds |", "|---|---|---|"] + [
        f"| {sid} | {name} | {_SECTION_DOCS[name]} |" for sid, name in objfile.SECTION_NAMES.items()]
    return "\n".join(["### Opcodes", "", *rows, "", "### The instruction word", "", *diagram, "", *kinds, "",
                      "### Limits", "", *limits, "", "### The file", "", *header, "", *sections, "",
                      "### A worked example", "", *example, "", "### What each instruction costs", "", *_costs()])


def _costs() -> list[str]:
    """The cost model's table, grouped where instructions cost alike."""
    groups: dict = {}
    for op in isa.OPS.values():
        groups.setdefault(op.cost, []).append(op.mnemonic)
    rows = [f"The model's CPU: {isa.COST_CPU}. Its source: {isa.COST_SOURCE}; the last column names the "
            "scheduling class (or instruction) whose latency the row takes. EXP and LOG are "
            f"{isa.COST_ESTIMATE}.", "",
            "| instruction | cycles | as x86-64 | from |", "|---|---|---|---|"]
    for cost, names in groups.items():
        cycles = "I/O" if cost.cycles is None else str(cost.cycles)
        code, _, why = cost.x86.partition(" (")
        x86 = f"`{code}`" + (f" ({why}" if why else "") if code else "—"
        rows.append(f"| {', '.join(f'`{n}`' for n in names)} | {cycles} | {_cell(x86)} | {_cell(cost.basis)} |")
    return rows


_SEED = """    MOV w, 0.0
    SUB error1, 2, 0*1
    SUB error2, 4, 0*2
    SUB error3, 6, 0*3
    MUL grad1, error1, 1
    MUL grad2, error2, 2
    MUL grad3, error3, 3
    ADD grad_total, grad1, grad2
    ADD grad_total, grad_total, grad3
    DIV grad_avg, grad_total, 3
    MUL delta_w, grad_avg, 0.01
    ADD w, w, delta_w
"""  # the seed's section-6 listing, as programs/gradient_step.gdasm holds it (a test checks they encode alike)

_SECTION_DOCS = MappingProxyType({
    "code": "the instruction words (u64 each)",
    "constants": "u32 count; per constant its 64 bits (u64) and its spelling (a text; none when stripped)",
    "registers": "u32 count; u8 1 if names follow; the names; u32 count of `.reg` values; per value u32 "
                 "register, u64 bits, spelling",
    "arrays": "u32 count; per array its name (none when stripped), u8 kind (0 `.data`, 1 `.zeros`), u32 length, "
              "and for `.data` each value's u64 bits and spelling",
    "labels": "u32 count; per label its name and u32 address (not when stripped)",
    "debug": "the source text the program was assembled from (not when stripped)",
})

DOCS = MappingProxyType({"language.md": tables, "machine-code.md": machine_tables,
                         "zh/language.md": lambda: tables("zh")})


def render(doc: str, generate=tables) -> str:
    """doc with the text between the markers replaced by fresh tables."""
    head, sep, rest = doc.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError("the document lacks the generated-table markers")
    return f"{head}{BEGIN}\n\n{generate()}\n\n{END}{tail}"


def checkout_doc(name: str = "language.md") -> Path:
    """docs/NAME of the source checkout this package runs from, or SystemExit(2) saying why not."""
    root = Path(__file__).resolve().parent.parent
    path = root / "docs" / name
    if not (root / "pyproject.toml").is_file() or not path.is_file():
        print(f"vm.docgen works in a source checkout of gdasm (with docs/{name} beside vm/); "
              "this gdasm is installed without one", file=sys.stderr)
        raise SystemExit(2)
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    status = 0
    for name, generate in DOCS.items():
        path = checkout_doc(name)
        doc = path.read_text(encoding="utf-8")
        new = render(doc, generate)
        if "--check" in argv:
            if new != doc:
                print(f"{path} has drifted from vm/isa.py; run: python -m vm.docgen", file=sys.stderr)
                status = 1
            continue
        path.write_text(new, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
