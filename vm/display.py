"""HTML for Jupyter's rich displays: a Program as a listing, a Result and sampled rows as tables.

Only the renderers this needs (render, report): machine.py, ir.py and sampling.py call these from their
`_repr_html_`, so nothing here may import the assembler or the notebook machinery.
"""

from __future__ import annotations

import html

from . import render, report
from .i18n import ntr, tr
from .ir import UNSET

MAX_ROWS = 500  # rows a table shows in a notebook; the rest are counted


def escape(text) -> str:
    """Text for HTML: escaped, control characters shown as escapes, line by line."""
    return html.escape("\n".join(render.safe(line) for line in str(text).split("\n")), quote=True)


STYLE = ("<style>.gdasm-t{border-collapse:collapse;font:13px ui-monospace,monospace}"
          ".gdasm-t td,.gdasm-t th{border-bottom:1px solid #ddd;padding:2px 10px;text-align:left}"
          ".gdasm-err{color:#b3261e;white-space:pre;font:13px ui-monospace,monospace}</style>")


def table(head: list, rows: list, more: int = 0) -> str:
    """An HTML table of text cells (escaped), with a last row counting rows left out."""
    out = ["<table class='gdasm-t'><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out += ["<tr>", *(f"<td>{escape(c)}</td>" for c in row), "</tr>"]
    if more:
        said = tr("… {more:,} more", more=more)
        out.append(f"<tr><td colspan='{len(head)}'>{escape(said)}</td></tr>")
    return "".join(out + ["</tbody></table>"])


def registers_html(registers: dict, fmt: render.Formatter = render.DEC) -> str:
    return table([tr("register"), tr("value")], [[k, fmt.value(v)] for k, v in registers.items()])


def result_html(r, fmt: render.Formatter = render.DEC) -> str:
    """A Result: its status line, output, registers (in order of first write) and arrays."""
    parts = [STYLE, f"<p><b>{escape(report.status_line(r.status, r.steps))}</b></p>"]
    if r.output:
        shown = [fmt.value(v) for v in r.output[-MAX_ROWS:]]
        said = tr("output ({n:,}):", n=len(r.output))
        parts.append(f"<p>{escape(said)}</p><pre>{escape(chr(10).join(shown))}</pre>")
    parts.append(registers_html(r.registers, fmt))
    if r.arrays:
        parts.append(table([tr("array"), tr("values")], [[k, fmt.array(v)] for k, v in r.arrays.items()]))
    return "".join(parts)


def samples_html(s) -> str:
    """Sampled rows (vm.sample): a column per register, a row per sample."""
    rows = [[f"{r.step:,}", r.line, *(render.value(v) if v is not UNSET else "" for v in r.values)]
            for r in s.rows[:MAX_ROWS]]
    status = report.status_line(s.status, s.steps) if s.status != "stopped" else \
        ntr("{n:,} step", "{n:,} steps", s.steps)
    return STYLE + table([tr("step"), tr("line"), *s.columns], rows, max(len(s.rows) - MAX_ROWS, 0)) + \
        f"<p>{escape(status)}</p>"


def program_html(p) -> str:
    """A listing: address, line, labels and the instruction as written."""
    labels: dict = {}
    for name, address in p.labels.items():
        labels.setdefault(address, []).append(name)
    rows = [[i, ins.line, " ".join(f"{n}:" for n in labels.get(i, [])), ins.text]
            for i, ins in enumerate(p.instructions[:MAX_ROWS])]
    sizes = tr("{instructions:,} instructions, {registers:,} registers, {arrays:,} arrays",
               instructions=len(p.instructions), registers=len(p.registers), arrays=len(p.arrays))
    return STYLE + f"<p><b>{escape(p.filename)}</b>: {escape(sizes)}</p>" + \
        table([tr("address"), tr("line"), tr("label"), tr("instruction")], rows,
              max(len(p.instructions) - MAX_ROWS, 0))
