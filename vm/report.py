"""What a command prints about a run: the status line, the final state, diagnostics, and their JSON shapes.

One wording of the status line and one JSON shape of a fault, for `run`, `trace`, `explain`, `test` and
the debugger. Streams and the number format are passed in (a `Console`), never taken from globals, so two
commands can run at once in one process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Optional, TextIO

from . import render
from .errors import GdasmError, RuntimeFault, json_number
from .render import DEC, Formatter

MAX_SHOWN_ERRORS = 20


@dataclass
class Console:
    """Where a command writes, and how it shows numbers."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    fmt: Formatter = DEC

    @property
    def colour(self) -> bool:
        return render.use_colour(self.out)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def status_line(status: str, steps: int) -> str:
    """`-- finished after 12 steps --`, `-- halted after 4 steps --`, `-- stopped by a fault at step 2 --`.

    `steps` counts the steps that ran; a fault happens in the next one, and is named by its number, as
    the fault's `note: at step N` and the trace's step column name it.
    """
    if status == "fault":
        return f"-- stopped by a fault at step {steps + 1:,} --"
    verb = {"halted": "halted", "finished": "finished"}.get(status, status)
    return f"-- {verb} after {plural(steps, 'step')} --"


def state_json(m) -> dict:
    """The machine's state as JSON: output, registers (in order of first write), arrays, steps."""
    return {
        "output": [json_number(v) for v in m.output],
        "registers": {k: json_number(v) for k, v in m.registers.items()},
        "arrays": {k: [json_number(x) for x in v] for k, v in m.array_values.items()},
        "steps": m.steps,
    }


def fault_json(fault: RuntimeFault, fmt: Formatter = DEC) -> dict:
    """The one JSON shape of a fault: status, the steps that ran, and the diagnostic (with its step)."""
    return {"status": "fault", "steps": fault.step - 1, "diagnostic": fault.diagnostic.to_json(fmt)}


def error_json(err: GdasmError, fmt: Formatter = DEC) -> dict:
    """A failed command as JSON: a fault's shape, or every diagnostic of an error."""
    if isinstance(err, RuntimeFault):
        return {**fault_json(err, fmt), "diagnostics": [err.diagnostic.to_json(fmt)]}
    return {"status": "error", "diagnostics": [d.to_json(fmt) for d in err.diagnostics]}


def dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False)


def print_state(m, con: Console) -> None:
    """The status line, then every register (in order of first write) and array."""
    regs = m.registers
    width = max((render.display_width(k) for k in list(regs) + list(m.program.arrays)), default=1)
    con.say(status_line(m.status, m.steps))
    for k, v in regs.items():
        con.say(f"{render.ljust(k, width)} = {con.fmt.value(v)}")
    for k, v in m.array_values.items():
        con.say(f"{render.ljust(k, width)} = {con.fmt.array(v)}")


def print_diagnostics(diags, con: Console, stream: Optional[TextIO] = None) -> None:
    """Every warning, and the first MAX_SHOWN_ERRORS errors then a count of the rest, on stderr."""
    stream = stream or con.err
    colour = render.use_colour(stream)
    errors = [d for d in diags if d.severity != "warning"]
    shown = 0
    for d in diags:
        if d.severity != "warning" and shown >= MAX_SHOWN_ERRORS:
            continue
        shown += d.severity != "warning"
        stream.write(render.diagnostic(d, colour, con.fmt) + "\n")
    if len(errors) > MAX_SHOWN_ERRORS:
        stream.write(f"... and {len(errors) - MAX_SHOWN_ERRORS} more errors\n")
