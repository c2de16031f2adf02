"""The one renderer: values, instructions and diagnostics look the same everywhere."""

from __future__ import annotations

from types import MappingProxyType

import os
import re
import struct
import unicodedata
from decimal import Decimal
from fractions import Fraction
from dataclasses import dataclass

from .errors import Diagnostic, UsageError
from .i18n import mark, tr
from .ir import UNSET
from .numbers import fraction_text as fraction

UNSET_TEXT = "unset"  # as CSV writes an unset register; people read UNSET_WORD in their language
UNSET_WORD = mark("unset")
BITS_WORDS = MappingProxyType({"zero": mark("zero"), "subnormal": mark("subnormal, 2^-1022")})  # bits' kinds
NUMBER_FORMATS = ("dec", "hex", "bits", "exact")


@dataclass(frozen=True)
class Formatter:
    """How values print: one of NUMBER_FORMATS (`--numbers`). Passed to whatever shows a value."""

    numbers: str = "dec"
    said: bool = True  # words (unset, zero, a fraction's size) in the reader's language; False: as CSV writes them

    def __post_init__(self):
        if self.numbers not in NUMBER_FORMATS:
            raise UsageError(tr("unknown number format {numbers!r}; the formats are {NUMBER_FORMATS}",
                                numbers=self.numbers, NUMBER_FORMATS=', '.join(NUMBER_FORMATS)))

    def value(self, v) -> str:
        return value(v, self.numbers, self.said)

    def array(self, values, limit: int = 20) -> str:
        return array(values, self.numbers, limit, self.said)

    @property
    def plain(self) -> "Formatter":
        """The same format with its words as tools read them (CSV cells do not change with the language)."""
        return Formatter(self.numbers, False)


DEC = Formatter()


def value(v, numbers: str = "dec", said: bool = True) -> str:
    """A value as text in one of NUMBER_FORMATS; exact fractions print as `28/3` (or `28`) in any. `said`: its
    words (an unset register, a huge fraction's size, a bit pattern's kind) in the reader's language."""
    if v is UNSET:
        return tr(UNSET_WORD) if said else UNSET_TEXT
    if isinstance(v, Fraction):
        return fraction(v, said)
    v = float(v)
    if numbers == "dec":
        return repr(v)
    if numbers == "hex":
        return v.hex()
    if numbers == "bits":
        return bits(v, said)
    if numbers == "exact":
        return exact_decimal(v)
    raise ValueError(f"unknown number format {numbers!r}; the formats are {', '.join(NUMBER_FORMATS)}")


def bits(v: float, said: bool = True) -> str:
    """The IEEE-754 binary64 fields: sign | 11-bit exponent (its unbiased value) | 52-bit fraction."""
    raw = struct.unpack(">Q", struct.pack(">d", v))[0]
    sign, exponent, fraction = raw >> 63, (raw >> 52) & 0x7FF, raw & ((1 << 52) - 1)
    if exponent == 0:
        what = BITS_WORDS["zero" if fraction == 0 else "subnormal"]
        what = tr(what) if said else what
    else:
        what = f"2^{exponent - 1023}"
    return f"{sign} | {exponent:011b} ({what}) | {fraction:052b}"


def exact_decimal(v: float) -> str:
    """The exact decimal value of a double, in plain notation (0.01 → 0.01000000000000000020816…)."""
    text = format(Decimal(v), "f")
    return text


def array(values, numbers: str = "dec", limit: int = 20, said: bool = True) -> str:
    """An array as `[1.0, 2.0, ...]`, cut after `limit` elements with a count of the rest."""
    shown = ", ".join(value(v, numbers, said) for v in values[:limit])
    more = len(values) - limit
    if more <= 0:
        return f"[{shown}]"
    cut = tr("{shown}, … {more} more", shown=shown, more=more) if said else f"{shown}, … {more} more"
    return f"[{cut}]"


def use_colour(stream) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):  # present and not empty, as the convention says
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_STYLES = MappingProxyType({"error": "1;31", "runtime error": "1;31", "warning": "1;35", "note": "1;36",
           "bold": "1", "dim": "2", "green": "32", "yellow": "33", "cyan": "36"})


def paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if colour and text else text


def display_width(text: str) -> int:
    """Terminal columns of text: wide (CJK) characters take two."""
    if text.isascii():  # most cells of a trace table: one column a character, without a lookup each
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, width: int) -> str:
    """text padded on the right to `width` terminal columns (a wide character takes two)."""
    return text + " " * max(width - display_width(text), 0)


# Wide text breaks between any two wide characters (Chinese has no spaces), never before a closing mark
_WIDE_OR_WORD = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]|[^\s\u2e80-\u9fff"
                           r"\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+|\s+")
_NO_LINE_START = frozenset("，。、；：？！）》」』〕】”’…")
_NO_LINE_END = frozenset("（《「『〔【“‘")


def wrap(text: str, width: int) -> list[str]:
    """text in lines of at most `width` terminal columns (a word longer than that has a line to itself): spaces
    collapse; a line may break at a space or between two wide characters, but not before a closing mark (，。）)
    nor after an opening one (（)."""
    lines: list[list[str]] = [[]]
    used = 0
    for token in _WIDE_OR_WORD.findall(text):
        if token.isspace():
            if lines[-1] and lines[-1][-1] != " ":
                lines[-1].append(" ")
                used += 1
            continue
        w = display_width(token)
        line = lines[-1]
        if used + w > width and line:
            carried = []
            if token in _NO_LINE_START and len(line) > 1 and line[-1] != " ":
                carried = [line.pop()]  # the character before a closing mark goes down with it
            if len(line) > 1 and line[-1] in _NO_LINE_END:
                carried.insert(0, line.pop())  # an opening mark goes down with what it opens
            while line and line[-1] == " ":
                line.pop()
            lines.append(carried)
            line = lines[-1]
            used = sum(display_width(t) for t in carried)
        line.append(token)
        used += w
    return ["".join(line).rstrip() for line in lines if line]


def rjust(text: str, width: int) -> str:
    """text padded on the left to `width` terminal columns."""
    return " " * max(width - display_width(text), 0) + text


# What a program or a file name must not send to a terminal: C0 controls but the tab (ESC starts a sequence
# that moves the cursor or recolours the screen, CR and BS overwrite what was shown), DEL, C1 controls,
# bidirectional overrides (which reorder what is shown), line separators, and lone surrogates (a file name's
# bytes that are not UTF-8, which would make printing fail).
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069"
                     "\u2028\u2029\ufeff\ud800-\udfff]")  # and zero-width characters, invisible in a quote


def _escape(match) -> str:
    n = ord(match.group())
    if 0xDC80 <= n <= 0xDCFF:  # a byte of a name that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{n - 0xDC00:02x}"
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def safe(text: str) -> str:
    """Text fit for a terminal: control characters, bidirectional overrides and undecodable bytes shown as
    escapes (`\\x1b`, `\\u202e`), so a program or a file name cannot move the cursor or recolour the screen."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def diagnostic(d: Diagnostic, colour: bool = False, fmt: Formatter = DEC) -> str:
    """`FILE:LINE:COL: error: MESSAGE`, then the source line and a caret under the place, then notes."""
    filename = safe(d.filename)
    where = filename or "gdasm"  # a message about no file (a command line, a missing path)
    if d.span:
        where = f"{filename}:{d.span.line}:{d.span.column}"
    elif d.offset is not None:
        where = f"{filename}: offset 0x{d.offset:x}"
    if not filename and d.severity == "error":  # about no file: the command line's head, in the reader's language
        out = [paint(tr("gdasm: error: {message}", message=safe(d.text(fmt))), "bold", colour)]
    else:
        head = f"{paint(where + ':', 'bold', colour)} {paint(d.severity + ':', d.severity, colour)} "
        out = [head + paint(safe(d.text(fmt)), "bold", colour)]
    if d.span:
        out += _excerpt(d.span, d.source_line, d.severity, colour)
    notes = list(d.notes)
    if d.step is not None:
        notes.insert(0, tr("at step {step:,}", step=d.step))
        if d.reads:
            notes.append(tr("read: {values}", values=", ".join(f"{k} = {fmt.value(v)}" for k, v in d.reads)))
    # "note: " in English, "注：" in Chinese (a full-width colon carries its own space)
    note, hint = (paint(tr(w), "note", colour) + ("" if tr(w).endswith("：") else " ")
                  for w in (mark("note:"), mark("hint:")))
    for text in notes:
        out.append(f"  {note}{safe(text)}")
    if d.hint:
        out.append(f"  {hint}{safe(d.hint)}")
    for span, source, message in d.related:
        # FILE:LINE:COL: note: is a head editors read, as error: and warning: are: it is not translated
        out.append(f"{paint(f'{filename}:{span.line}:{span.column}:', 'bold', colour)} "
                   f"{paint('note:', 'note', colour)} {safe(message)}")
        out += _excerpt(span, source, "note", colour)
    return "\n".join(out)


def _expand(text: str, column: int) -> tuple[str, int]:
    """text as a terminal shows it from `column` on: escaped, a tab out to the next stop of 8 (as an editor shows
    it, so that the line looks as it does there); and the column it ends at."""
    out = []
    for piece in text.split("\t"):
        if out:
            out.append(" " * (8 - column % 8))
            column += 8 - column % 8
        shown = safe(piece)
        out.append(shown)
        column += display_width(shown)  # escapes are wider than what they stand for; CJK takes two
    return "".join(out), column


def _excerpt(span, source: str, severity: str, colour: bool) -> list[str]:
    """The source line with its number, and a caret line under the span (wide characters count two)."""
    src = source or ""
    if len(src) > 200:  # a very long line: show the part around the place
        cut = max(span.column - 60, 0)
        src = ("…" if cut else "") + src[cut:cut + 140] + "…"
        span = type(span)(span.line, span.column - cut + (1 if cut else 0),
                          min(span.end_column - cut + (1 if cut else 0), len(src) + 1))
    gutter = str(span.line)
    start = max(span.column - 1, 0)
    width = max(span.end_column - span.column, 1)
    before, at = _expand(src[:start], 0)
    under, end = _expand(src[start:start + width], at)
    after, _ = _expand(src[start + width:], end)
    marks = "^" * max(end - at, 1)
    return [f" {gutter} | {before}{under}{after}",
            f" {' ' * len(gutter)} | {' ' * at}{paint(marks, severity, colour)}"]
