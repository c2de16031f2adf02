"""What a command prints about a run: the status line, the final state, diagnostics, and their JSON shapes.

One wording of the status line and one JSON shape of a fault, for `run`, `trace`, `explain`, `test` and
the debugger. Streams and the number format are passed in (a `Console`), never taken from globals, so two
commands can run at once in one process.
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass, field
from typing import Optional, TextIO

from . import render
from .errors import GdasmError, RuntimeFault, json_number
from .i18n import mark, ntr, tr
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
        try:
            self.err.write(text + "\n")
        except (OSError, ValueError):  # stderr is full or closed: nowhere is left to say it; the exit code says it
            pass


class StreamError(OSError):
    """A standard stream cannot be written or read (a closed stdout or stdin, a full disk): exit 74, EX_IOERR."""


STDOUT, STDERR = mark("standard output"), mark("standard error")  # named in messages, translated there

class _Closed:
    """A stream that was closed before gdasm started (`>&-`): writing to it is a StreamError."""

    def __init__(self, name: str):
        self.name = name

    def write(self, text: str) -> int:
        raise StreamError(errno.EBADF, tr("cannot write to {name}: it is closed", name=tr(self.name)))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class Guarded:
    """A text stream whose write errors are OutputErrors, so the command line can tell them from a bug.

    A reader that went away (BrokenPipeError) stays what it is: the command stops quietly."""

    def __init__(self, stream, name: str = STDOUT):
        self._stream, self._name = stream, name

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (BrokenPipeError, StreamError):
            raise
        except OSError as e:
            raise StreamError(e.errno, tr("cannot write to {name}: {value}",
                                          name=tr(self._name), value=e.strerror or e)) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (BrokenPipeError, StreamError):
            raise
        except OSError as e:
            raise StreamError(e.errno, tr("cannot write to {name}: {value}",
                                          name=tr(self._name), value=e.strerror or e)) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def streams(stdout: Optional[TextIO], stderr: Optional[TextIO]) -> tuple:
    """The streams a command writes to: those given, or sys's — a closed one stands in as _Closed, and one
    whose encoding cannot show every character (PYTHONIOENCODING=ascii) writes `\\u6743` for the rest
    instead of failing: the text stays readable and JSON stays valid."""
    if stdout is None:
        stdout = sys.stdout
        if stdout is None:
            return Guarded(_Closed(STDOUT)), sys.stderr or _Closed(STDERR)
        if not (getattr(stdout, "encoding", None) or "utf-8").lower().replace("_", "-").startswith("utf"):
            try:
                stdout.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError, OSError):
                pass
    if stderr is None:
        stderr = sys.stderr or _Closed(STDERR)
    return Guarded(stdout), stderr


def discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the interpreter's last flush of what could not be
    written (a full disk, a reader gone) does not fail again with a message of its own."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def steps(n: int) -> str:
    """`1 step`, `12,345 steps`, in the reader's language."""
    return ntr("{n:,} step", "{n:,} steps", n)


def status_line(status: str, steps: int) -> str:
    """`-- finished after 12 steps --`, `-- halted after 4 steps --`, `-- stopped by a fault at step 2 --`.

    `steps` counts the steps that ran; a fault happens in the next one, and is named by its number, as
    the fault's `note: at step N` and the trace's step column name it.
    """
    if status == "fault":
        return tr("-- stopped by a fault at step {step:,} --", step=steps + 1)
    if status == "halted":
        return ntr("-- halted after {n:,} step --", "-- halted after {n:,} steps --", steps)
    if status == "finished":
        return ntr("-- finished after {n:,} step --", "-- finished after {n:,} steps --", steps)
    return ntr("-- {status} after {n:,} step --", "-- {status} after {n:,} steps --", steps, status=status)


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
    import json  # here: most commands print no JSON, and start without it
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
    """The first MAX_SHOWN_ERRORS errors and as many warnings, each then a count of the rest, on stderr."""
    stream = stream or con.err
    colour = render.use_colour(stream)
    shown = {"error": 0, "warning": 0}
    total = {"error": 0, "warning": 0}
    for d in diags:
        kind = "warning" if d.severity == "warning" else "error"
        total[kind] += 1
        if shown[kind] < MAX_SHOWN_ERRORS:  # a line of 400 tiny literals warns 400 times: show 20
            shown[kind] += 1
            stream.write(render.diagnostic(d, colour, con.fmt) + "\n")
    for kind in ("error", "warning"):
        if total[kind] > MAX_SHOWN_ERRORS:
            more = total[kind] - MAX_SHOWN_ERRORS
            stream.write((ntr("... and {n:,} more error", "... and {n:,} more errors", more) if kind == "error" else
                          ntr("... and {n:,} more warning", "... and {n:,} more warnings", more)) + "\n")


def output_file(given: str, suffixes: tuple, what: str):
    """A file to write, checked before any work: a name (not a folder), one of `suffixes`, in a folder that
    exists. A bad name is a UsageError (64); a folder that is not there, or is the file, a StreamError (74)."""
    from pathlib import Path
    from . import source
    from .errors import UsageError
    shown = render.safe(source.shorten(given))
    if given.endswith(("/", "\\")):
        raise UsageError(tr("-o {shown}: name a file ({what}), not a folder", shown=shown, what=what))
    path = Path(given)
    if path.suffix.lower() not in suffixes:
        raise UsageError(tr("-o {shown}: {what}", shown=shown, what=what))
    try:
        if path.is_dir():
            raise StreamError(errno.EISDIR, tr("cannot write {shown}: it is a folder", shown=shown))
        if not path.parent.is_dir():
            raise StreamError(errno.ENOENT, tr("cannot write {shown}: no folder {parent}",
                                               shown=shown, parent=render.safe(source.shorten(str(path.parent)))))
    except (OSError, ValueError) as e:
        if isinstance(e, StreamError):
            raise
        raise StreamError(errno.EINVAL, tr("cannot write {shown}: {value}",
                                           shown=shown, value=getattr(e, 'strerror', None) or e)) from None
    return path


def write_file(path, data: bytes) -> None:
    """Write a file that gdasm made (a page, a binary); a failure is a StreamError naming it (exit 74)."""
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise StreamError(e.errno or errno.EIO, tr("cannot write {path}: {value}",
                                                   path=render.safe(str(path)), value=e.strerror or e)) from None
