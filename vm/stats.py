"""`gdasm stats`: static facts about a program — instructions by kind and by mnemonic, registers, constants,
arrays, labels, and its size as source, as code and as a binary."""

from __future__ import annotations

from collections import Counter

from . import encoding, isa, objfile
from .i18n import joined, language, tr
from .ir import Imm, Program
from .render import display_width, ljust


def stats(program: Program) -> dict:
    """The facts, as a JSON-ready dict (its keys are stable: docs/machine-code.md)."""
    _, pool = encoding.encode(program)
    behaviours = Counter(ins.op.behaviour for ins in program.instructions)
    mnemonics = Counter(ins.op.mnemonic for ins in program.instructions)
    immediates = sum(isinstance(o, Imm) for ins in program.instructions for o in ins.operands)
    lines = program.source.split("\n")
    return {
        "file": program.filename,
        "instructions": len(program.instructions),
        "by_kind": {b: behaviours[b] for b in isa.BEHAVIOURS if behaviours[b]},
        "by_mnemonic": {op: mnemonics[op] for op in isa.OPS if mnemonics[op]},
        "registers": len(program.registers),
        "immediates": immediates,
        "constants": len(pool.items),
        "arrays": len(program.arrays),
        "array_elements": sum(len(a.values) for a in program.array_inputs),
        "labels": len(program.labels),
        "source_lines": len(lines) - (lines[-1] == ""),
        "source_bytes": len(program.source.encode("utf-8", "surrogateescape")),
        "code_bytes": 8 * len(program.instructions),
        "binary_bytes": len(objfile.write(program)),
        "stripped_bytes": len(objfile.write(program, strip=True)),
    }


def stats_text(s: dict) -> list[str]:
    """The facts for people, in the language in use (the kinds and mnemonics as the table names them)."""
    zh = language() == "zh"
    kinds = joined(f"{isa.BEHAVIOURS[k].zh if zh else k} {n:,}" for k, n in s["by_kind"].items())
    ops = ", ".join(f"{k} {n:,}" for k, n in s["by_mnemonic"].items())
    c = {key: f"{n:,}" for key, n in s.items() if isinstance(n, int)}  # 1,555: counts as written
    rows = [
        (tr("instructions"), tr("{n} ({kinds})", n=c["instructions"], kinds=kinds)), ("", ops),
        (tr("registers"), c["registers"]),
        (tr("constants"), tr("{n} in the pool, for {immediates} immediates written", n=c["constants"],
                             immediates=c["immediates"])),
        (tr("arrays"), tr("{n} ({elements} elements)", n=c["arrays"], elements=c["array_elements"])),
        (tr("labels"), c["labels"]),
        (tr("source"), tr("{lines} lines, {n} bytes", lines=c["source_lines"], n=c["source_bytes"])),
        (tr("code"), tr("{n} bytes (8 bytes, one 64-bit word, per instruction)", n=c["code_bytes"])),
        (tr("binary"), tr("{n} bytes (gdasm asm); {stripped} stripped", n=c["binary_bytes"],
                          stripped=c["stripped_bytes"])),
    ]
    width = max(display_width(label) for label, _ in rows) + 4
    return [s["file"]] + [f"  {ljust(label, width)}{text}" for label, text in rows]
