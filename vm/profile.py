"""`--profile`: where a run's steps went, line by line, and what they cost in the cost model of `vm/isa.py`.

The counts are the machine's own (steps completed at each address); the cycles are those counts times each
instruction's latency in the model, added one after another — what the run would take if nothing overlapped.
Beside that upper bound, the profile follows the run's dependencies: the longest chain of steps each waiting
for a value the one before made (a register, or the array element a LOAD reads) — what it would take if
everything else overlapped. A real out-of-order core lands between the two, near the chain when it is long.
OUT is I/O: counted, never given cycles.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from . import isa, render, source
from .errors import RuntimeFault
from .i18n import language, ntr, pmark, tr
from .i18n import say as in_language  # profile.say prints the profile
from .ir import Imm, Program

CHAIN_LIMIT = 1_000_000  # steps followed one by one for the chain; a longer run gets the sum only



def _model_note() -> list[str]:
    """What the cycles are, in the reader's language (two lines)."""
    return [tr("cycles are a model, not a measurement: each instruction's latency on {cpu} (LLVM's scheduling "
               "model),", cpu=isa.COST_CPU.split(' (')[0]),
            tr("added one after another; docs/machine-code.md says more")]


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
    chain: Optional[int] = None  # cycles of its steps on the longest chain (None: the chain was not followed)


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
    chain: Optional[int] = None  # the longest chain's cycles (None: not followed)
    chain_steps: int = 0  # how many steps it holds
    chain_note: str = ""  # why it was not followed, or where it stops


@dataclass(frozen=True)
class Chain:
    """The longest chain of dependent steps in a run: its cycles, its steps, and its cycles at each address."""

    cycles: int
    steps: int
    by_address: tuple
    note: str = ""


def follow(m, steps: int, limit: int = CHAIN_LIMIT) -> Chain:
    """Step a fresh machine through the run's first `steps` steps, timing each from when what it reads is ready.

    A step starts when every register it reads (and, for LOAD, the element it reads) is ready, and ends its
    latency later, when what it writes is ready; a value set before the run is ready at 0. Jumps, calls and
    returns wait for nothing (a core that guesses every branch right). The longest chain is a lower bound.
    """
    if steps > limit:
        return Chain(0, 0, (), tr("not followed: the run is longer than {limit:,} steps", limit=limit))
    code = m.program.instructions
    latency = [ins.op.cost.cycles or 0 for ins in code]
    reads = [tuple(r.slot for r in ins.reads) for ins in code]
    dest = [-1 if ins.dest is None else ins.dest.slot for ins in code]
    loads = [ins.op.behaviour == "load" for ins in code]  # the behaviours of the table, not mnemonics
    ready = [0] * len(m.program.registers)  # when each register's value is ready
    made = [-1] * len(m.program.registers)  # the step (from 0) that made it
    elements: dict = {}  # (array slot, index) -> (ready, step) of a STORE
    array_slot = {name: k for k, name in enumerate(m.program.arrays)}
    before, at = array("q"), array("l")  # each step's predecessor on its chain, and its address
    longest, last, note = 0, -1, ""
    regs = m.regs
    try:
        while m.status == "ready" and len(at) < steps:
            pc = m.pc
            if pc >= len(code):
                break
            start, source = 0, -1
            for r in reads[pc]:
                if ready[r] > start:
                    start, source = ready[r], made[r]
            key = None
            if loads[pc]:
                ins = code[pc]
                j = ins.index.value if isinstance(ins.index, Imm) else regs[ins.index.slot]
                key = (ins.array.slot, int(j))  # if j is not whole, the step faults and the key is not used
            rec = m.step()
            if rec is None:
                break
            if key is not None and key in elements and elements[key][0] > start:
                start, source = elements[key]
            finish = start + latency[pc]
            k = len(at)
            before.append(source)
            at.append(pc)
            if dest[pc] >= 0:
                ready[dest[pc]], made[dest[pc]] = finish, k
            for name, j, _, _ in rec.array_writes:  # a STORE: the element is ready when the value is
                elements[(array_slot[name], j)] = (finish, k)
            if finish > longest:
                longest, last = finish, k
    except RuntimeFault as fault:
        note = tr("up to the fault at step {step:,}", step=fault.step)
    by_address = [0] * len(code)
    steps = 0
    while last >= 0:
        by_address[at[last]] += latency[at[last]]
        steps += 1
        last = before[last]
    return Chain(longest, steps, tuple(by_address), note)


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


def build(program: Program, executions: list[int], chain: Optional[Chain] = None) -> Profile:
    """The profile of a run from its step counts by address (`Machine.executions()`) and its chain (`follow`)."""
    followed = chain is not None and chain.by_address
    rows = []
    for address, (ins, runs) in enumerate(zip(program.instructions, executions)):
        each = ins.op.cost.cycles
        rows.append(Row(address, ins.line, ins.text, ins.op.mnemonic, runs, each, runs * (each or 0),
                        chain.by_address[address] if followed else None))
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
                   tuple(r for r in rows if not r.runs), mnemonics, _regions(program, rows),
                   chain.cycles if followed else None, chain.steps if followed else 0,
                   chain.note if chain is not None else "")


def of_run(m, replay=None) -> Profile:
    """A run's profile from its machine (`count_steps()` before it ran): its counts, and its chain followed
    through `replay()`, a fresh machine with the same inputs (None: not followed, as after an interrupt)."""
    chain = follow(replay(), m.steps) if replay is not None else Chain(0, 0, (), tr("not followed: the run was "
                                                                                 "interrupted"))
    return build(m.program, m.executions(), chain)


def say(con, p: Profile) -> None:
    """The profile's tables after what a command printed, a blank line between."""
    con.say()
    for line in text(p):
        con.say(line)


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return "<0.1%" if 0 < 1000 * part < whole else f"{100 * part / whole:.1f}%"


def _steps(n: int) -> str:
    return ntr("{n:,} step", "{n:,} steps", n)


def _cycles(n: int) -> str:
    return ntr("{n:,} cycle", "{n:,} cycles", n)


def _table(head: tuple, rows: list, align: str) -> list[str]:
    """Columns two spaces apart, each aligned as `align` says (l or r); the last is never padded."""
    widths = [max(render.display_width(c) for c in column) for column in zip(head, *rows)]  # wide characters too
    return ["  ".join(render.ljust(c, w) if a == "l" else render.rjust(c, w)
                      for c, w, a in zip(cells, widths, align)).rstrip() for cells in (head, *rows)]


_SEMICOLON = pmark("list", "; ")  # between the chain's lines: "；" in Chinese


def text(p: Profile) -> list[str]:
    """The profile as tables for people."""
    chain = p.chain is not None
    io = tr("I/O")
    rows = [(str(r.line), f"{r.runs:,}", _share(r.runs, p.steps), io if r.each is None else str(r.each),
             "—" if r.each is None else f"{r.cycles:,}", "—" if r.each is None else _share(r.cycles, p.cycles),
             *([f"{r.chain:,}" if r.chain else ""] if chain else []), render.safe(r.text)) for r in p.rows]
    head = (tr("line"), tr("times run"), tr("% of steps"), tr("latency"), tr("cycles"), tr("% of cycles"),
            *([tr("on chain")] if chain else []), tr("instruction"))
    out = [tr("profile of {filename}: {steps}, {cycles} if nothing overlapped",
              filename=render.safe(p.filename), steps=_steps(p.steps), cycles=_cycles(p.cycles)),
           *_model_note(), ""]
    if rows:
        out += _table(head, rows, "r" * (len(head) - 1) + "l")
    if p.never_run:
        shown = ", ".join(str(r.line) for r in p.never_run[:20]) + (", …" if len(p.never_run) > 20 else "")
        out.append(ntr("never run: line {shown}", "never run: lines {shown}", len(p.never_run), shown=shown))
    if not p.steps:
        return out + [tr("no step ran")]
    if len(p.regions) > 1:
        out += ["", tr("by region (the code from each label to the next):")]
        out += ["  " + line for line in _table((tr("region"), tr("steps"), tr("% of steps"), tr("cycles"), tr("% of cycles")),
                                               _group_rows(p.regions, p, _region), "lrrrr")]
    out += ["", tr("by instruction:")]
    out += ["  " + line for line in _table((tr("mnemonic"), tr("steps"), tr("% of steps"), tr("cycles"), tr("% of cycles")),
                                           _group_rows(p.mnemonics, p, lambda g: g.name), "lrrrr")]
    out += [""] + _summary(p)
    return out


def _group_rows(groups, p: Profile, name) -> list[tuple]:
    io = tr("I/O")
    return [(render.safe(source.shorten(name(g), 48, 12)), f"{g.runs:,}", _share(g.runs, p.steps),
             (io if not g.cycles else f"{g.cycles:,} + {io}") if g.io else f"{g.cycles:,}",
             _share(g.cycles, p.cycles) if g.cycles else "—") for g in groups]


def _summary(p: Profile) -> list[str]:
    """The lesson in words: both bounds, where the cycles went, what the most expensive instruction cost."""
    out = [tr("if nothing overlapped: {cycles}, every latency added one after another", cycles=_cycles(p.cycles))
           + (ntr("; the one OUT step is I/O, counted but not given cycles: its cost depends on the terminal",
                  "; the {n:,} OUT steps are I/O, counted but not given cycles: their cost depends on the terminal",
                  p.io_steps) if p.io_steps else "")]
    if p.chain:
        out.append(tr("the longest chain of dependent steps: {chain} ({chain_steps}",
                      chain=_cycles(p.chain), chain_steps=_steps(p.chain_steps))
                   + (f", {p.chain_note}" if p.chain_note else "") + tr("), the least a core that overlapped all "
                   "else could take"))
        top = sorted((r for r in p.rows if r.chain), key=lambda r: -r.chain)[:3]
        if top and p.chain:
            out.append(tr("on that chain: ") + in_language(_SEMICOLON, language()).join(
                tr("line {line} ({text}) {share}", line=r.line, text=render.safe(r.text),
                   share=_share(r.chain, p.chain))
                for r in top))
    elif p.chain_note:
        out.append(tr("the longest chain of dependent steps: {chain_note}", chain_note=p.chain_note))
    if p.cycles and len(p.regions) > 1:
        top = p.regions[0]
        out.append(tr("most cycles if nothing overlapped: {top}, {cycles} of them in {runs} of the steps",
                      top=render.safe(_region(top)), cycles=_share(top.cycles, p.cycles), runs=_share(top.runs, p.steps)))
    dear = max((g for g in p.mnemonics if not g.io), key=lambda g: isa.OPS[g.name].cost.cycles, default=None)
    if p.cycles and dear is not None and len(p.mnemonics) > 1:
        each = isa.OPS[dear.name].cost.cycles
        on = sum(r.chain or 0 for r in p.rows if r.mnemonic == dear.name)
        out.append(ntr("most expensive instruction: {name}, {each} cycles a step; it ran {n:,} time: {cycles} of the "
                       "cycles if nothing overlapped",
                       "most expensive instruction: {name}, {each} cycles a step; it ran {n:,} times: {cycles} of the "
                       "cycles if nothing overlapped", dear.runs, name=dear.name, each=each,
                       cycles=_share(dear.cycles, p.cycles))
                   + (tr(", {on} of the chain", on=_share(on, p.chain)) if p.chain else ""))
    return out


def _region(g: Group) -> str:
    lines = tr("line {line}", line=g.first_line) if g.first_line == g.last_line else \
        tr("lines {first}–{last}", first=g.first_line, last=g.last_line)
    return tr("{name} ({lines})", name=g.name, lines=lines) if g.name else \
        tr("{lines} (before the first label)", lines=lines)


def to_json(p: Profile) -> dict:
    """The profile for tools (its keys are stable: docs/machine-code.md)."""
    return {
        "cpu": isa.COST_CPU, "source": isa.COST_SOURCE,
        "steps": p.steps, "cycles": p.cycles, "io_steps": p.io_steps,
        "chain_cycles": p.chain, "chain_steps": p.chain_steps if p.chain is not None else None,
        "lines": [{"address": r.address, "line": r.line, "instruction": r.text, "mnemonic": r.mnemonic,
                   "runs": r.runs, "cycles_each": r.each, "cycles": r.cycles, "chain_cycles": r.chain}
                  for r in p.rows + p.never_run],
        "mnemonics": [{"mnemonic": g.name, "runs": g.runs, "cycles": g.cycles} for g in p.mnemonics],
        "regions": [{"label": g.name or None, "first_line": g.first_line, "last_line": g.last_line, "runs": g.runs,
                     "cycles": g.cycles} for g in p.regions],
    }
