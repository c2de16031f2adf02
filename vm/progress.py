"""A one-line progress display on stderr for long work: steps so far, steps/s and the current line, or runs done.

Drawn by tqdm (pure Python, one small import made only once a display is due): it knows terminal widths,
rates and erasing its own line, which hand-written escape codes would each get wrong somewhere. Shown only
when stderr is a terminal, only after DELAY seconds, and erased when the work ends, so a short run, a pipe
or a file never sees it.
"""

from __future__ import annotations

import shutil
import time
from typing import Optional

from .i18n import tr
from .render import safe

DELAY = 1.0  # seconds before a display appears


def _columns() -> int:
    """The terminal's width; 80 where it reports none (a pseudo-terminal without a size says 0, and tqdm
    would then draw nothing — so its height is given too)."""
    return shutil.get_terminal_size((80, 24)).columns


def wanted(stream, quiet: bool = False) -> bool:
    """A display belongs on an interactive stderr, and never with --quiet or --json."""
    if quiet or stream is None:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _where(m) -> str:
    """The line about to run, for the display."""
    if m.status == "ready" and 0 <= m.pc < len(m.program.instructions):
        ins = m.program.instructions[m.pc]
        return tr("line {line}: {text}", line=ins.line, text=safe(ins.text)[:40])
    return ""


class Steps:
    """Follows one run: call it with the machine every chunk of steps (Machine.run(progress=...))."""

    def __init__(self, stream, enabled: bool, delay: float = DELAY):
        self.stream, self.enabled = stream, enabled
        self.start = time.monotonic()
        self.delay = delay
        self.bar = None
        self.shown = 0

    def __call__(self, m) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(file=self.stream, initial=m.steps, unit=tr(" steps"), unit_scale=True, leave=False,
                            ncols=_columns(), nrows=24, bar_format=tr("gdasm: {n_fmt} steps, {rate_fmt}{postfix}"),
                            mininterval=0.2, position=0, postfix=_where(m))
            self.shown = m.steps
            return
        self.bar.set_postfix_str(_where(m), refresh=False)
        self.bar.update(m.steps - self.shown)
        self.shown = m.steps

    def clear(self) -> None:
        """Take the line away for a moment (before the program prints a value)."""
        if self.bar is not None:
            self.bar.clear()

    def close(self) -> None:
        """Erase the display for good."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Runs:
    """Counts runs of a program (a landscape's grid points, learning rates): call it with (done, total)."""

    def __init__(self, stream, enabled: bool, what: str, delay: float = DELAY):
        self.stream, self.enabled, self.what = stream, enabled, what
        self.start = time.monotonic()
        self.delay = delay
        self.bar: Optional[object] = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(file=self.stream, total=total, initial=0, leave=False, ncols=_columns(), nrows=24,
                            desc=tr("gdasm: {what}", what=self.what), unit=tr(" runs"), mininterval=0.2, position=0)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
