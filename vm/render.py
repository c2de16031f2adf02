"""The one renderer: values, instructions and diagnostics look the same everywhere."""

from __future__ import annotations

import os
import unicodedata
from fractions import Fraction

from .errors import Diagnostic
from .ir import UNSET

UNSET_TEXT = "unset"
NUMBER_FORMATS = ("dec",)


def value(v, numbers: str = "dec") -> str:
    """A register or array value as text: shortest round-trip repr, `28/3` for exact values."""
    if v is UNSET:
        return UNSET_TEXT
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    return repr(float(v))


def array(values, numbers: str = "dec", limit: int = 20) -> str:
    """An array as `[1.0, 2.0, ...]`, cut after `limit` elements with a count of the rest."""
    shown = ", ".join(value(v, numbers) for v in values[:limit])
    more = len(values) - limit
    return f"[{shown}, … {more} more]" if more > 0 else f"[{shown}]"


def use_colour(stream) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):  # present and not empty, as the convention says
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_STYLES = {"error": "1;31", "runtime error": "1;31", "warning": "1;35", "note": "1;36",
           "bold": "1", "dim": "2", "green": "32", "yellow": "33", "cyan": "36"}


def paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if colour and text else text


def display_width(text: str) -> int:
    """Terminal columns of text: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def diagnostic(d: Diagnostic, colour: bool = False) -> str:
    """`FILE:LINE:COL: error: MESSAGE`, then the source line and a caret under the place."""
    where = d.filename
    if d.span:
        where = f"{d.filename}:{d.span.line}:{d.span.column}"
    head = f"{paint(where + ':', 'bold', colour)} {paint(d.severity + ':', d.severity, colour)} "
    out = [head + paint(d.message, "bold", colour)]
    if d.span and d.source_line is not None:
        src = d.source_line.replace("\t", " ")
        gutter = str(d.span.line)
        pad = " " * len(gutter)
        start = max(d.span.column - 1, 0)
        width = max(d.span.end_column - d.span.column, 1)
        lead = " " * display_width(src[:start])
        marks = "^" * max(display_width(src[start:start + width]), 1)
        out.append(f" {gutter} | {src}")
        out.append(f" {pad} | {lead}{paint(marks, d.severity, colour)}")
    for note in d.notes:
        out.append(f"  {paint('note:', 'note', colour)} {note}")
    if d.hint:
        out.append(f"  {paint('hint:', 'note', colour)} {d.hint}")
    return "\n".join(out)
