"""gdasm in Jupyter: the `%%gdasm` cell magic and `%gdasm` line magic (`%load_ext vm`); displays are display.py.

The magic runs the cell's text as a program with the command line's run options, and shows the final registers,
the output and the click-through page of `gdasm html` in an `<iframe srcdoc>` (the same page, not a second
one). An error is shown as the command line shows it, with its caret, never as a Python traceback.
"""

from __future__ import annotations

import argparse
import html
import io
import shlex
from typing import Optional

from . import i18n, page, render, report
from .display import STYLE, escape, result_html
from .errors import GdasmError, RuntimeFault, UsageError
from .i18n import tr
from .inputs import ArgParser, add_run_options, run_inputs, steps_option
from .machine import Machine


def page_iframe(text: str, height: int = 640) -> str:
    """The page inside an iframe's srcdoc: sandboxed to its own scripts, no network, no access to the notebook."""
    return (f"<iframe sandbox='allow-scripts' style='width:100%;height:{height}px;margin-top:12px;border:1px solid #ddd;"
            f"border-radius:6px' srcdoc=\"{html.escape(text, quote=True)}\"></iframe>")


def _parser(line_magic: bool = False) -> ArgParser:
    if line_magic:
        p = ArgParser(prog="%gdasm", description=tr("Run a program (a file, or a bundled program by name): its "
                                                    "output, "
                                                  "final registers, and a page that steps through the run. "
                                                  "%%gdasm runs the cell's text instead."))
    else:
        p = ArgParser(prog="%%gdasm", description=tr("Run the cell as a gdasm program: its output, final registers, "
                                                   "and a page that steps through the run."))
    add_run_options(p, program=line_magic, json=False)
    for action in p._actions:
        if action.dest == "program":
            action.help = tr("a .gdasm file, or a bundled program's name (gradient_descent)")
    p.add_argument("--lang", choices=i18n.LANGS, default=None,
                   help=tr("the language of the messages, tables and page: en or zh (中文); default: the "
                           "environment's (%%env LANGUAGE=zh_CN), else English"))
    p.add_argument("--max-page-steps", type=steps_option, default=page.MAX_PAGE_STEPS, metavar="N",
                   help=tr("steps the page keeps (default {MAX_PAGE_STEPS:,})", MAX_PAGE_STEPS=page.MAX_PAGE_STEPS))
    p.add_argument("--no-page", action="store_true", help=tr("leave out the step-through page"))
    p.add_argument("--height", type=_pixels, default=None, metavar="PX",
                   help=tr("the page's height in the notebook (default: from the program's length, at most 720)"))
    return p


def _pixels(text: str) -> int:
    if not text.strip().isdigit() or not 100 <= int(text) <= 10_000:
        raise argparse.ArgumentTypeError(tr("'{text}' is not a height in pixels from 100 to 10,000", text=text[:20]))
    return int(text)


def _height(data: dict) -> int:
    """An iframe tall enough for a short program's page, so a notebook shows no empty band (at most 720)."""
    pictures = 340 if len(data["outs"]) >= 2 else 0
    return min(720, 200 + 20 * max(len(data["lines"]), 12) + pictures)


def cell(line: str, text: Optional[str], filename: str = "cell.gdasm") -> Shown:
    """What `%%gdasm LINE` shows for a cell (HTML and a plain line): success, a fault, an error or `--help`.

    With no cell (`%gdasm PROGRAM [options]`, a line magic), the program is a file or a bundled program's name.
    Its `--lang` is read first, so that the help and the errors are in that language too.
    """
    try:
        lang, words = i18n.from_command_line(shlex.split(line))
    except ValueError as e:  # an unclosed quote: said by _cell, in the language in use
        lang, words = None, e
    with i18n.use(lang):
        return _cell(words, text, filename)


def _cell(words, text: Optional[str], filename: str) -> Shown:
    """cell() in its language: `words` the magic's line split, without its --lang (or shlex's error)."""
    from .assembler import assemble
    parser = _parser(line_magic=text is None)
    printed = io.StringIO()
    parser._print_message = lambda message, file=None: printed.write(message or "")  # into the cell, not stdout
    try:
        try:
            if isinstance(words, ValueError):  # shlex: an unclosed quote
                raise UsageError(tr("{prog}: error: {e}", prog=parser.prog, e=words))
            args = parser.parse_args(words)
        except SystemExit:  # --help
            return Shown(f"<pre>{escape(printed.getvalue())}</pre>", printed.getvalue())
        fmt = render.Formatter(args.numbers)
        if args.exact and fmt.numbers != "dec":
            raise UsageError(tr("--numbers {numbers} shows binary64 doubles, but under --exact every value is an "
                                "exact fraction (28/3): leave out one of them", numbers=fmt.numbers))
        if text is None:
            from vm import load  # the package's loader (a file, or a bundled program by name)
            program = load(args.program)
        else:
            program = assemble(text, filename)
        inputs = run_inputs(args)  # read once: a --data file is not read again for the page
        m = Machine(program, **inputs)
        parts = []  # result_html brings the style
        plain = ""
        try:
            m.run()
        except RuntimeFault as fault:
            plain = render.diagnostic(fault.diagnostic, fmt=fmt) + "\n"
            parts.append(f"<div class='gdasm-err'>{escape(plain)}</div>")
        plain += report.status_line(m.status, m.steps)
        parts.append(result_html(m.result() if m.status != "fault" else _partial(m), fmt))
        if not args.no_page:
            text, data = page.build(program, inputs, i18n.language(), fmt.numbers, args.max_page_steps)
            parts.append(page_iframe(text, args.height or _height(data)))
        return Shown("".join(parts), plain)
    except GdasmError as err:
        shown = "\n".join(render.diagnostic(d) if d.filename else render.safe(
            d.message if d.message.startswith(parser.prog) else tr("{prog}: error: {e}", prog=parser.prog,
                                                                   e=d.message)) for d in err.diagnostics)
        return Shown(STYLE + f"<div class='gdasm-err'>{escape(shown)}</div>", shown)


def _partial(m):
    """The state a faulted machine stopped in, as a Result-like object for the table."""
    from .machine import Result
    return Result(m.registers, m.array_values, list(m.output), m.steps, "fault")


class Shown:
    """What `%%gdasm` returns: HTML for Jupyter, and a plain text line for a terminal IPython."""

    def __init__(self, html_text: str, plain: str):
        self.html, self.plain = html_text, plain

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.plain


def load_ipython_extension(ipython) -> None:
    """`%load_ext vm`: register `%%gdasm` (the cell is the program) and `%gdasm PROGRAM` (a file or bundled name)."""
    def gdasm(line, cell_text=None):
        return cell(line, cell_text)
    gdasm.__doc__ = _parser().format_help()
    ipython.register_magic_function(gdasm, magic_kind="line_cell", magic_name="gdasm")


__all__ = ("cell", "Shown", "load_ipython_extension", "page_iframe")
