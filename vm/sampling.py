"""Sampled runs: chosen registers at each `OUT`, each time a line is reached, or after every step.

One public API for the data behind pictures and trace tables: `sample(program, regs, at="out")` runs the program
at full speed between samples (Machine.run_to) and returns a `Samples` — rows per iteration with the step, the
line and the values, exactly as the machine held them. Nothing here computes a value of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Optional, Sequence, Union

from .errors import RuntimeFault, UsageError
from .i18n import ntr, tr
from .ir import UNSET, Program, element
from .assembler import as_program
from .machine import DEFAULT_MAX_STEPS, Machine
from .render import safe

# More rows than a picture or a table can show; a run that would sample more is refused, not cut silently.
MAX_ROWS = 1_000_000


class SampleLimit(UsageError):
    """A run would give more samples than `limit`: refused, not cut silently."""


class Column(NamedTuple):
    """What a column shows: a register (array None, index its slot) or an array element (index its position)."""
    name: str
    array: Optional[int]
    index: int


class Row(NamedTuple):
    """One sample. `step`: the OUT's step (at "out"), the step just run (at "step"), or the step about to run
    (at a line: the registers as that line starts). `out`: the value the OUT printed, at "out"."""
    step: int
    line: int
    values: tuple
    out: object = None


@dataclass(frozen=True)
class Samples:
    """A sampled run: its rows, its whole output, and how it ended (`fault` set when status is "fault")."""
    columns: tuple
    rows: tuple
    output: tuple
    steps: int
    status: str  # "finished", "halted", "fault", or "stopped" after the OUTs asked for
    fault: Optional[RuntimeFault]
    registers: dict
    arrays: dict

    def _repr_html_(self) -> str:
        """Jupyter shows sampled rows as a table: a column per register, a row per sample."""
        from .display import samples_html
        return samples_html(self)

    def column(self, name: str) -> list:
        """The values of one column, a row at a time (UNSET where it was not yet written)."""
        k = self.columns.index(name)
        return [r.values[k] for r in self.rows]


def columns(program: Program, names: Sequence[str], option: str = "regs") -> list[Column]:
    """Columns for registers or elements such as buf[1]; none given: every register in source order."""
    if not names:
        return [Column(name, None, slot) for slot, name in enumerate(program.registers)]
    out = []
    for item in names:
        if not isinstance(item, str):
            raise UsageError(tr("{option}: a register is named by a string, not {name}",
                                option=option, name=type(item).__name__))
        place = element(item)
        if place and program.array_slot(place[0]) is not None:
            out.append(Column(item, program.array_slot(place[0]), place[1]))
        elif program.register_slot(item) is not None:
            out.append(Column(item, None, program.register_slot(item)))
        elif program.array_slot(item) is not None:
            raise UsageError(tr("{option}: '{item}' is an array: name one element, such as {item}[0]",
                                option=option, item=safe(item)))
        else:
            raise UsageError(tr("{option}: no register or array element named '{item}' in this program",
                                option=option, item=safe(item)))
    return out


def address(program: Program, where: Union[str, int], option: str = "at") -> int:
    """The instruction a label names, or the first one on or after a line (numbered from 1)."""
    where = str(where)
    if where in program.labels:
        found = program.labels[where]
        if found >= len(program.instructions):
            raise UsageError(tr("{option} {where}: the label is at the end of the program, where nothing runs",
                                option=option, where=safe(where)))
        return found
    if re.fullmatch(r"[0-9]{1,15}", where):
        if int(where) == 0:
            raise UsageError(tr("{option} 0: lines are numbered from 1", option=option))
        later = [k for k, ins in enumerate(program.instructions) if ins.line >= int(where)]
        if not later:
            raise UsageError(tr("{option} {where}: no instruction on or after line {where}",
                                option=option, where=where))
        return later[0]
    raise UsageError(tr("{option} {where}: no label '{where}' in this program (give a label or a line number)",
                        option=option, where=safe(where)))


def outs(program: Program) -> set:
    """The addresses of the instructions that print a value."""
    return {k for k, ins in enumerate(program.instructions) if ins.op.effects.outputs}


def value(m: Machine, column: Column):
    """A column's value in the machine now (UNSET: not written yet, or past the array's end)."""
    if column.array is None:
        return m.regs[column.index]
    values = m.arrays[column.array]
    return values[column.index] if column.index < len(values) else UNSET


def rows(m: Machine, cols: Sequence[Column], at: Union[str, int] = "out",
         outputs: Optional[int] = None) -> Iterator[Row]:
    """Sample a machine as it runs: at "out" (after each OUT), "step" (after each step) or an address (as that
    instruction is about to run). Stops after `outputs` OUTs if given; faults are raised as by run()."""
    p = m.program
    if at == "step":
        while (rec := m.step()) is not None:
            yield Row(rec.step, rec.line, tuple(value(m, c) for c in cols), rec.output)
            if outputs is not None and len(m.output) >= outputs:
                return
        return
    printing = outs(p)
    stops = printing if at == "out" else {at} | (printing if outputs is not None else set())
    while m.run_to(stops):
        if at != "out" and m.pc == at:
            yield Row(m.steps + 1, p.instructions[m.pc].line, tuple(value(m, c) for c in cols))
        rec = m.step()
        if at == "out":
            yield Row(rec.step, rec.line, tuple(value(m, c) for c in cols), rec.output)
        if outputs is not None and len(m.output) >= outputs:
            return


def sample(program: Program, regs: Sequence[str] = (), at: Union[str, int] = "out", registers=None, arrays=None,
           max_steps: int = DEFAULT_MAX_STEPS, exact: bool = False, outputs: Optional[int] = None,
           limit: int = MAX_ROWS) -> Samples:
    """Run `program` and sample `regs` (registers or elements; none: every register) at "out", "step", a label,
    or a line number (an int, or its text); a fault ends the rows and is kept in `fault`, not raised."""
    program = as_program(program)
    if regs is None:
        regs = ()
    elif isinstance(regs, str):
        regs = [r.strip() for r in regs.split(",") if r.strip()]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(tr("limit must be a whole number ≥ 1, not {limit!r}", limit=limit))
    cols = columns(program, list(regs))
    where = at if at in ("out", "step") else address(program, at)
    if at == "out" and not outs(program):
        raise UsageError(tr("this program never prints a value (OUT), so there is nothing to sample at each OUT"))
    m = Machine(program, registers, arrays, max_steps, exact)
    for c in cols:
        if c.array is not None and c.index >= len(m.arrays[c.array]):
            n = len(m.arrays[c.array])
            raise UsageError(ntr("{name}: the array has {n:,} element, so no element {index:,}",
                                 "{name}: the array has {n:,} elements, so no element {index:,}", n, name=c.name,
                                 index=c.index))
    got, fault = [], None
    try:
        for row in rows(m, cols, where, outputs):
            got.append(row)
            if len(got) > limit:
                raise SampleLimit(tr("more than {limit:,} samples: sample less often, or stop the run sooner "
                                     "(--max-steps; max_steps= in Python)", limit=limit))
    except RuntimeFault as err:
        fault = err
    status = m.status if m.status != "ready" else "stopped"
    return Samples(tuple(c.name for c in cols), tuple(got), tuple(m.output), m.steps, status, fault,
                   m.registers, m.array_values)
