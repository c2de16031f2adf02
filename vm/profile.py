"""`--profile`: where a run's steps went, line by line, and what they cost in the cost model of `vm/isa.py`.

The counts are the machine's own (steps completed at each address); the cycles are those counts times each
instruction's latency in the model, added one after another. OUT is I/O: counted, never given cycles.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Optional

from . import isa, render
from .ir import Program

MODEL_NOTE = ("cycles are a model, not a measurement: each instruction's latency on "
              f"{isa.COST_CPU.split(' (')[0]} (LLVM's scheduling model),",
              "added one after another; docs/machine-code.md says more")
IO_NOTE = "I/O: counted, not given cycles (their cost depends on the terminal)"


@dataclass(frozen=True)
class Row:
    """One instruction of the program and what its steps cost."""

    address: int
    line: int
    text: str
    mnemonic: str
    runs: int
    each: Optional[int]  # cycles a step; None for I/O
    cycles: int


@dataclass(frozen=True)
class Group:
    """Several instructions together: one mnemonic, or the code from one label to the next."""

    name: str
    runs: int
    cycles: int
    io: bool  # holds I/O steps, which have no cycles
    first_line: int = 0
    last_line: int = 0


@dataclass(frozen=True)
class Profile:
    """A run's profile: every instruction that ran, by cycles, then by mnemonic and by region."""

    filename: str
    steps: int
    cycles: int
    io_steps: int
    rows: tuple  # of Row, most cycles first
    never_run: tuple  # of Row, in program order
    mnemonics: tuple  # of Group, most cycles first
    regions: tuple  # of Group, most cycles first


def _order(item) -> tuple:
    return (-item.cycles, -item.runs)


def _regions(program: Program, rows: list) -> tuple:
    """The code from each label to the next (named "" before the first label)."""
    names: dict[int, list[str]] = {}
    for name, address in program.labels.items():  # in the order they are written
        names.setdefault(address, []).append(name)
    spans: list[tuple[str, list]] = []
    for row in rows:
        if row.address in names or not spans:
            spans.append(("/".join(names.get(row.address, [])), []))
        spans[-1][1].append(row)
    return tuple(sorted((Group(name, sum(r.runs for r in members), sum(r.cycles for r in members),
                               any(r.each is None and r.runs for r in members), members[0].line, members[-1].line)
                         for name, members in spans), key=_order))


def build(program: Program, executions: list[int]) -> Profile:
    """The profile of a run from its step counts by address (`Machine.executions()`)."""
    rows = []
    for address, (ins, runs) in enumerate(zip(program.instructions, executions)):
        each = ins.op.cost.cycles
        rows.append(Row(address, ins.line, ins.text, ins.op.mnemonic, runs, each, runs * (each or 0)))
    by_op: Counter = Counter()
    cycles_by_op: Counter = Counter()
    for r in rows:
        by_op[r.mnemonic] += r.runs
        cycles_by_op[r.mnemonic] += r.cycles
    mnemonics = tuple(sorted((Group(m, by_op[m], cycles_by_op[m], isa.OPS[m].cost.cycles is None)
                              for m in isa.OPS if by_op[m]), key=_order))
    return Profile(program.filename, sum(r.runs for r in rows), sum(r.cycles for r in rows),
                   sum(r.runs for r in rows if r.each is None),
                   tuple(sorted((r for r in rows if r.runs), key=lambda r: (-r.cycles, -r.runs, r.address))),
                   tuple(r for r in rows if not r.runs), mnemonics, _regions(program, rows))


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _steps(n: int) -> str:
    return f"{n:,} step" + ("" if n == 1 else "s")


def text(p: Profile) -> list[str]:
    """The profile as a table for people."""
    rows = [(str(r.line), f"{r.runs:,}", _share(r.runs, p.steps), "I/O" if r.each is None else str(r.each),
             "—" if r.each is None else f"{r.cycles:,}", "—" if r.each is None else _share(r.cycles, p.cycles),
             render.safe(r.text)) for r in p.rows]
    head = ("line", "runs", "% steps", "cycles each", "cycles", "% cycles", "instruction")
    widths = [max(len(c) for c in column) for column in zip(head, *rows)]

    def line(cells) -> str:
        return "  ".join(c.rjust(w) for c, w in zip(cells[:-1], widths)) + "  " + cells[-1]

    out = [f"profile of {render.safe(p.filename)}: {_steps(p.steps)}, {p.cycles:,} modelled cycles",
           *MODEL_NOTE, "", line(head)]
    out += [line(r) for r in rows]
    if p.never_run:
        shown = ", ".join(str(r.line) for r in p.never_run[:20]) + (", …" if len(p.never_run) > 20 else "")
        out.append(f"never run: line{'s' if len(p.never_run) > 1 else ''} {shown}")
    if not p.steps:
        return out + ["", "no step ran"]
    if len(p.regions) > 1:
        out += ["", "by region (the code from each label to the next):"]
        out += _groups(p.regions, p, _region)
    out += ["", "instruction mix:"]
    out += _groups(p.mnemonics, p, lambda g: g.name)
    out += [""] + _summary(p)
    return out


def _summary(p: Profile) -> list[str]:
    """The lesson in words: where the cycles went, and what the costliest instruction cost in all."""
    out = [f"total: {_steps(p.steps)}, {p.cycles:,} modelled cycles"
           + (f"; the {p.io_steps:,} OUT steps are {IO_NOTE}" if p.io_steps else "")]
    if p.cycles and len(p.regions) > 1:
        top = p.regions[0]
        out.append(f"most cycles: {render.safe(_region(top))}, {_share(top.cycles, p.cycles)} of them "
                   f"in {_share(top.runs, p.steps)} of the steps")
    dear = max((g for g in p.mnemonics if not g.io), key=lambda g: isa.OPS[g.name].cost.cycles, default=None)
    if p.cycles and dear is not None and len(p.mnemonics) > 1:
        each = isa.OPS[dear.name].cost.cycles
        out.append(f"dearest instruction: {dear.name}, {each} cycles a step; it ran {dear.runs:,} "
                   f"time{'s' if dear.runs != 1 else ''}, {_share(dear.cycles, p.cycles)} of the cycles in all")
    return out


def _region(g: Group) -> str:
    lines = f"line {g.first_line}" if g.first_line == g.last_line else f"lines {g.first_line}–{g.last_line}"
    return f"{g.name} ({lines})" if g.name else f"{lines} (before the first label)"


def _groups(groups, p: Profile, name) -> list[str]:
    names = [render.safe(name(g)) for g in groups]
    width = max((len(n) for n in names), default=0)
    steps = [_steps(g.runs) for g in groups]
    steps_w = max((len(s) for s in steps), default=0)
    cycles = ["—" if g.io and not g.cycles else f"{g.cycles:,}" for g in groups]
    cycles_w = max((len(c) for c in cycles), default=0)
    return [f"  {n:<{width}}  {s:>{steps_w}} {_share(g.runs, p.steps):>6}  {c:>{cycles_w}} "
            + ("cycle " if g.cycles == 1 else "cycles") + ("" if c == "—" else f" {_share(g.cycles, p.cycles):>6}")
            + ("  + I/O" if g.io else "")
            for n, s, c, g in zip(names, steps, cycles, groups)]


def to_json(p: Profile) -> dict:
    """The profile for tools (its keys are stable: docs/machine-code.md)."""
    return {
        "cpu": isa.COST_CPU, "source": isa.COST_SOURCE,
        "steps": p.steps, "cycles": p.cycles, "io_steps": p.io_steps,
        "lines": [{"address": r.address, "line": r.line, "instruction": r.text, "mnemonic": r.mnemonic,
                   "runs": r.runs, "cycles_each": r.each, "cycles": r.cycles} for r in p.rows + p.never_run],
        "mnemonics": [{"mnemonic": g.name, "runs": g.runs, "cycles": g.cycles} for g in p.mnemonics],
        "regions": [{"label": g.name or None, "first_line": g.first_line, "last_line": g.last_line, "runs": g.runs,
                     "cycles": g.cycles} for g in p.regions],
    }
