"""Reading numbers from text: the one place that decides what a number is, as a binary64 and exactly.

The assembler, the machine, `--set`/`--data`, data files and `# expect` lines all read numbers here, so
"1e-3", " 2 " and "28/3" mean the same thing everywhere they are allowed. A number is written as a program
writes one: ASCII digits, an optional sign, point and exponent — not "１" (full-width), "1_000" or "inf",
although Python's float() would take them.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Optional, Union

# A literal whose decimal exponent is larger than this has no exact value here (10**huge would hang).
MAX_EXACT_EXPONENT = 4000
_EXPONENT = re.compile(r"[eE]([+-]?[0-9_]+)")
_RATIO = re.compile(r"\s*[+-]?[0-9]+\s*/\s*[0-9]+\s*\Z")
_DECIMAL = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*\Z")

Number = Union[float, Fraction]


class NumberError(ValueError):
    """A text or value that is not a number this machine can hold; the message says why."""


def is_decimal(text: str) -> bool:
    """True when text is written as a number is: ASCII digits, an optional sign, point and exponent."""
    return isinstance(text, str) and bool(_DECIMAL.match(text))


def finite_text(text: str) -> Optional[str]:
    """The text, stripped, if it is a decimal number (ASCII digits) that fits a binary64; else None."""
    if not isinstance(text, str) or not _DECIMAL.match(text):
        return None
    v = float(text)
    return text.strip() if v - v == 0 else None


def exact_value(text: str) -> Optional[Fraction]:
    """The exact value of a decimal number's text (0.01 is 1/100); None when its exponent is too large to
    compute with (1e-99999 would need a 99,999-digit denominator)."""
    m = _EXPONENT.search(text)
    if m and abs(int(m.group(1).replace("_", ""))) > MAX_EXACT_EXPONENT:
        return None
    try:
        return Fraction(text.strip())
    except ValueError:  # e.g. more digits than Python converts to an int (4,300): no exact value, never a guess
        return None


def to_number(v, exact: bool = False) -> Number:
    """A user-given value (text, int, float or Fraction) as a finite float, or exactly as a Fraction.

    Exactly, a number is taken from its decimal text: "0.01" (or the float 0.01) is 1/100; "28/3" is
    allowed too. Raises NumberError with the reason.
    """
    if isinstance(v, bool):
        raise NumberError(f"{v!r} is not a number")
    if exact:
        if isinstance(v, Fraction):
            return v
        if isinstance(v, int):
            return Fraction(v)
        text = repr(v) if isinstance(v, float) else v
        if isinstance(text, str) and _RATIO.match(text):
            try:
                num, den = (int(part) for part in text.split("/"))
            except ValueError:  # more digits than Python converts
                raise NumberError(f"{text.strip()[:40]}… has too many digits for exact arithmetic") from None
            if den == 0:
                raise NumberError(f"{v!r} divides by zero")
            return Fraction(num, den)
        if not isinstance(text, str) or finite_text(text) is None:
            raise NumberError(f"{v!r} is not a finite number")
        value = exact_value(text)
        if value is None:
            raise NumberError(f"{v!r} has too many digits for exact arithmetic")
        return value
    if not isinstance(v, (int, float, Fraction)) and not (isinstance(v, str) and finite_text(v) is not None):
        raise NumberError(f"{v!r} is not a finite number")
    try:
        x = float(v)
    except (OverflowError, ValueError):
        raise NumberError(f"{v!r} is not a finite number") from None
    if x - x != 0:
        raise NumberError(f"{v!r} is not a finite number")
    return x


def fraction_text(f: Fraction) -> str:
    """An exact value as text: `28/3`, `28`; one too large to print whole (over 200 bits) as its approximate
    value and size, `≈-3e+308 (a 309-digit / 1-digit fraction)`."""
    if max(f.numerator.bit_length(), f.denominator.bit_length()) <= 200:
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    try:
        approx = repr(float(f))
        if float(f) == 0:
            raise OverflowError  # too small for a double: say its size instead of 0.0
    except OverflowError:
        exponent = math.log10(abs(f.numerator)) - math.log10(f.denominator)
        whole = math.floor(exponent)
        approx = f"{'-' if f < 0 else ''}{10 ** (exponent - whole):.6g}e{whole:+d}"
    return f"≈{approx} (a {_digits(abs(f.numerator)):,}-digit / {_digits(f.denominator):,}-digit fraction)"


def _digits(n: int) -> int:
    """How many decimal digits n > 0 has (without str(n), which refuses over 4,300 digits)."""
    d = int(math.log10(n)) + 1
    if 10 ** (d - 1) > n:
        d -= 1
    elif 10 ** d <= n:
        d += 1
    return d
