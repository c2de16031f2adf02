"""`gdasm stats`: static facts about a program — instructions by kind and by mnemonic, registers, constants,
arrays, labels, and its size as source, as code and as a binary."""

from __future__ import annotations

from collections import Counter

from . import encoding, isa, objfile
from .ir import Imm, Program


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
    """The facts for people."""
    kinds = ", ".join(f"{k} {n:,}" for k, n in s["by_kind"].items())
    ops = ", ".join(f"{k} {n:,}" for k, n in s["by_mnemonic"].items())
    return [
        f"{s['file']}",
        f"  instructions    {s['instructions']:,} ({kinds})",
        f"                  {ops}",
        f"  registers       {s['registers']:,}",
        f"  constants       {s['constants']:,} in the pool, for {s['immediates']:,} immediates written",
        f"  arrays          {s['arrays']:,} ({s['array_elements']:,} elements)",
        f"  labels          {s['labels']:,}",
        f"  source          {s['source_lines']:,} lines, {s['source_bytes']:,} bytes",
        f"  code            {s['code_bytes']:,} bytes (8 bytes, one 64-bit word, per instruction)",
        f"  binary          {s['binary_bytes']:,} bytes (gdasm asm); {s['stripped_bytes']:,} stripped",
    ]
