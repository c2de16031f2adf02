"""The rows of `gdasm trace` (text, CSV, JSON Lines) written a recorded chunk at a time.

Each instruction's fixed part of a row — its line, text, the register it writes, where it jumps, escaped and
quoted once — is made on first use; a row then adds the step and the values from the recorder's columns
(vm/recording.py), with plain floats written by `repr` (what the formatter writes for them) and JSON by the
one encoder. What a row says comes from describe.shape(); a test holds every row to what the record-by-record
writers (trace_out, through describe()) write.
"""

from __future__ import annotations

import csv
import io
import json

from . import describe
from .errors import json_number
from .ir import UNSET, Program
from .recording import Chunk
from .render import UNSET_TEXT, Formatter, ljust, paint, safe


def _values(fmt: Formatter, exact: bool):
    """How a value prints: `repr` for the floats of a binary64 run in decimal, else the formatter."""
    return repr if fmt.numbers == "dec" and not exact else fmt.value  # a register's old value may be UNSET:
    # the writers say that themselves


class TextRows:
    """Aligned text rows, `widths` = (step, line, instruction) columns as the text trace fixed them."""

    def __init__(self, program: Program, fmt: Formatter, exact: bool, colour: bool, widths: tuple):
        self.program, self.fmt, self.colour, self.widths = program, fmt, colour, widths
        self.value = _values(fmt, exact)
        self.pieces: dict = {}
        self.green = ("\x1b[32m", "\x1b[0m") if colour else ("", "")
        self.said = describe.words()

    def _piece(self, pc: int) -> tuple:
        _, lw, tw = self.widths
        ins = self.program.instructions[pc]
        s = describe.shape(self.program, pc)
        c = self.colour
        said = self.said
        verb = said[s.verb] if s.verb else None
        jumped = paint(f"{verb} → {s.where}", "cyan", c) if s.where is not None else None
        p = self.pieces[pc] = (f"  {ins.line:>{lw}}  {ljust(safe(ins.text), tw)}  ", s.target, s.array, verb,
                               jumped, paint(said["no jump"], "dim", c) if s.conditional else None)
        return p

    def write(self, c: Chunk, m, say) -> None:
        sw = self.widths[0]
        value, pieces, (g0, g1), colour = self.value, self.pieces, self.green, self.colour
        said = self.said
        out = said["out"]
        lines = []
        for step, pc, old, new, element, jump, output, _ in c.steps(m):
            head, target, array, verb, jumped, fell = pieces.get(pc) or self._piece(pc)
            parts = []
            if target is not None:
                parts.append(f"{target} = {g0}{value(new)}{g1}" if old is UNSET else
                             f"{target}: {value(old)} → {g0}{value(new)}{g1}")
            if element is not None:
                parts.append(f"{array}[{element[0]}]: {value(element[1])} → {g0}{value(element[2])}{g1}")
            if jump is not None:
                parts.append(jumped or paint(f"{verb} → {describe.where(self.program, jump, False, said)}",
                                             "cyan", colour))
            elif fell is not None:
                parts.append(fell)
            if output is not None:
                parts.append(paint(f"{out} {value(output)}", "yellow", colour))
            lines.append(f"{step:>{sw}}{head}{'; '.join(parts)}" if parts else f"{step:>{sw}}{head}".rstrip())
        if lines:
            say("\n".join(lines))


class CsvRows:
    """CSV rows under trace_out's header: each instruction's fixed cells quoted once by the csv module, and the
    values by it too unless they are `repr`s of floats (which hold no comma, quote or line break)."""

    def __init__(self, program: Program, fmt: Formatter, exact: bool):
        self.program = program
        self.value = _values(fmt.plain, exact)  # CSV cells as tools read them, in any language
        if fmt.numbers != "dec" or exact:  # `bits` writes "(subnormal, 2^-1022)": quoted as csv quotes it
            buffer = io.StringIO()
            quote = csv.writer(buffer, lineterminator="")
            plain = self.value

            def value(v) -> str:
                buffer.seek(0)
                buffer.truncate()
                quote.writerow([plain(v), ""])
                return buffer.getvalue()[:-1]
            self.value = value
        self.pieces: dict = {}

    def _piece(self, pc: int) -> tuple:
        ins = self.program.instructions[pc]
        s = describe.shape(self.program, pc)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([pc, ins.line, ins.text, s.target or s.array or ""])
        p = self.pieces[pc] = (buffer.getvalue(), s.target is not None)
        return p

    def write(self, c: Chunk, m, out) -> None:
        value, pieces = self.value, self.pieces
        lines = []
        for step, pc, old, new, element, jump, output, _ in c.steps(m):
            head, writes = pieces.get(pc) or self._piece(pc)
            if writes:
                mid = f",{UNSET_TEXT if old is UNSET else value(old)},{value(new)}"
            elif element is not None:  # the written cell names the element: `buf[1]`
                mid = f"[{element[0]}],{value(element[1])},{value(element[2])}"
            else:
                mid = ",,"
            lines.append(f"{step},{head}{mid},{'' if jump is None else jump},"
                         f"{'' if output is None else value(output)},,")
        if lines:
            out.write("\n".join(lines) + "\n")


class JsonRows:
    """JSON Lines, one object a step, as trace_out's JSON writer builds them (`json.dumps`, ensure_ascii off)."""

    def __init__(self, program: Program, fmt: Formatter, exact: bool):
        self.program = program
        self.exact = exact
        self.pieces: dict = {}

    def _piece(self, pc: int) -> tuple:
        ins = self.program.instructions[pc]
        s = describe.shape(self.program, pc)
        dump = lambda v: json.dumps(v, ensure_ascii=False)
        head = f', "address": {pc}, "line": {ins.line}, "instruction": {dump(ins.text)}, "writes": ['
        write = f'{{"register": {dump(s.target)}, "old": ' if s.target is not None else None
        store = f'{{"array": {dump(s.array)}, "index": ' if s.array is not None else None
        p = self.pieces[pc] = (head, write, store)
        return p

    @staticmethod
    def _value(v) -> str:
        return json.dumps(json_number(v), ensure_ascii=False)  # an exact value: its text

    def write(self, c: Chunk, m, say) -> None:
        value, pieces = repr if not self.exact else self._value, self.pieces  # binary64 values are floats
        lines = []
        for step, pc, old, new, element, jump, output, _ in c.steps(m):
            head, write, store = pieces.get(pc) or self._piece(pc)
            writes = f'{write}{"null" if old is UNSET else value(old)}, "new": {value(new)}}}' if write else ""
            stores = f'{store}{element[0]}, "old": {value(element[1])}, "new": {value(element[2])}}}' \
                if element is not None else ""
            lines.append(f'{{"step": {step}{head}{writes}], "array_writes": [{stores}], '
                         f'"jump": {"null" if jump is None else jump}, '
                         f'"out": {"null" if output is None else value(output)}}}')
        if lines:
            say("\n".join(lines))
