"""`gdasm listing`: each source line beside its address and instruction word, as assemblers' listings show
them, then the constant pool, the registers and the arrays."""

from __future__ import annotations

from . import encoding, render
from .i18n import language, pmark, say, tr
from .ir import Program


# The columns' headings, translated where shown (in a context: the trace's "line" is another word)
HEADINGS = (pmark("listing", "addr"), pmark("listing", "word"), pmark("listing", "line"), pmark("listing", "source"))

def listing(program: Program, bits: bool = False) -> list[str]:
    """The listing's lines: address | word in hex | line | source (with `bits`, the word's fields too)."""
    words, pool = encoding.encode(program)
    lang = language()
    at_line = {ins.line: (address, word) for address, (ins, word) in enumerate(zip(program.instructions, words))}
    out = [f"{render.ljust(say(HEADINGS[0], lang), 6)}  {render.ljust(say(HEADINGS[1], lang), 18)}  "
           f"{render.rjust(say(HEADINGS[2], lang), 4)}  {say(HEADINGS[3], lang)}"]
    for number, text in enumerate(program.lines, 1):
        if number == len(program.lines) and text == "":
            break
        address, word = at_line.get(number, (None, None))
        left = f"{address:#06x}  {word:#018x}" if word is not None else " " * 26
        out.append(f"{left}  {number:>4}  {render.safe(text)}".rstrip())
        if bits and word is not None:
            out.append(" " * 34 + encoding.fields_text(word))
    out += ["", tr("constants ({items:,}): number, bits, value, as written", items=len(pool.items))]
    for k, c in enumerate(pool.items):
        out.append(f"  c{k:<5} {c.bits:#018x}  {render.value(c.value):<22} {render.safe(c.spelling or '')}".rstrip())
    out += ["", tr("registers ({registers:,}): number, name, starting value", registers=len(program.registers))]
    given = {i.slot: i for i in program.reg_inputs}
    for k, name in enumerate(program.registers):
        start = tr("= {values} (.reg, line {line})",
                   values=render.value(given[k].values[0]), line=given[k].span.line) if k in given else ""
        out.append(f"  r{k:<5} {render.safe(name)} {start}".rstrip())
    if program.array_inputs:
        out += ["", tr("arrays ({array_inputs:,}): number, name, length, values",
                       array_inputs=len(program.array_inputs))]
        for a in program.array_inputs:
            out.append(f"  m{a.slot:<5} {render.safe(a.name)} [{len(a.values):,}] {a.directive} "
                       f"{render.array(a.values, limit=8)}")
    return out
