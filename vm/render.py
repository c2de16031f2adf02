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
    if d.span:
        out += _excerpt(d.span, d.source_line, d.severity, colour)
    for note in d.notes:
        out.append(f"  {paint('note:', 'note', colour)} {note}")
    if d.hint:
        out.append(f"  {paint('hint:', 'note', colour)} {d.hint}")
    for span, source, message in d.related:
        out.append(f"{paint(f'{d.filename}:{span.line}:{span.column}:', 'bold', colour)} "
                   f"{paint('note:', 'note', colour)} {message}")
        out += _excerpt(span, source, "note", colour)
    return "\n".join(out)


def _excerpt(span, source: str, severity: str, colour: bool) -> list[str]:
    """The source line with its number, and a caret line under the span (wide characters count two)."""
    src = (source or "").replace("\t", " ")
    if len(src) > 200:  # a very long line: show the part around the place
        cut = max(span.column - 60, 0)
        src = ("…" if cut else "") + src[cut:cut + 140] + "…"
        span = type(span)(span.line, span.column - cut + (1 if cut else 0),
                          min(span.end_column - cut + (1 if cut else 0), len(src) + 1))
    gutter = str(span.line)
    start = max(span.column - 1, 0)
    width = max(span.end_column - span.column, 1)
    lead = " " * display_width(src[:start])
    marks = "^" * max(display_width(src[start:start + width]), 1)
    return [f" {gutter} | {src}", f" {' ' * len(gutter)} | {lead}{paint(marks, severity, colour)}"]
