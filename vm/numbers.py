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

from .i18n import tr

# Exact values (`--exact`, folding, expectations, `--set`) are bounded before they are computed, so that no
# input can make gdasm hang or fill memory. A decimal has an exact value here when its exponent, written in
# scientific notation (1.5e-4000, 0.001e-3997), is at most MAX_EXACT_EXPONENT in size (1e-99999 would need a
# 99,999-digit denominator) and its numerator and denominator have at most MAX_EXACT_DIGITS decimal digits
# (MAX_EXACT_BITS bits): a larger exact fraction is too large to compute with, so the machine faults and
# folding gives the constant no exact value.
MAX_EXACT_EXPONENT = 4000
MAX_EXACT_DIGITS = 10_000
MAX_EXACT_BITS = math.ceil(MAX_EXACT_DIGITS * math.log2(10))
# How every message about a number too large or small for --exact states the bounds.
def exact_bounds() -> str:
    """What exact arithmetic can hold, in the reader's language."""
    return tr("exact arithmetic takes exponents from -{exponent:,} to {exponent:,} and at most {digits:,} digits",
              exponent=MAX_EXACT_EXPONENT, digits=MAX_EXACT_DIGITS)
# Python's int() refuses more than 4,300 digits (a process-wide setting): digits are converted in chunks.
_CHUNK = 4000
_PARTS = re.compile(r"\s*([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]+))?\s*\Z")
_RATIO = re.compile(r"\s*([+-]?)([0-9]+)\s*/\s*([0-9]+)\s*\Z")
_DECIMAL = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*\Z")

Number = Union[float, Fraction]


class NumberError(ValueError):
    """A text or value that is not a number this machine can hold; the message says why."""


class TooManyDigits(NumberError):
    """A number with more digits than exact arithmetic takes (a kind of its own: the message is translated)."""


def is_decimal(text: str) -> bool:
    """True when text is written as a number is: ASCII digits, an optional sign, point and exponent."""
    return isinstance(text, str) and bool(_DECIMAL.match(text))


def finite_text(text: str) -> Optional[str]:
    """The text, stripped, if it is a decimal number (ASCII digits) that fits a binary64; else None."""
    if not isinstance(text, str) or not _DECIMAL.match(text):
        return None
    v = float(text)
    return text.strip() if v - v == 0 else None


def half_width(text: str) -> Optional[str]:
    """The number a full-width spelling stands for (１．５ is 1.5, as a Chinese input method types it), or None."""
    if text.isascii() or len(text) > 400:
        return None
    import unicodedata
    plain = unicodedata.normalize("NFKC", text.strip()).replace("。", ".")
    return plain if plain != text.strip() and finite_text(plain) is not None else None


def full_width_hint(text: str) -> Optional[str]:
    """A hint for a number typed in full width, or None."""
    meant = half_width(text)
    return None if meant is None else tr("it is typed in full-width characters: write the ASCII '{meant}' (switch "
                                         "the input method to half-width)", meant=meant)


def _whole(digits: str) -> Optional[int]:
    """A string of ASCII digits as an int, at most MAX_EXACT_DIGITS significant ones (else None)."""
    digits = digits.lstrip("0")
    if len(digits) > MAX_EXACT_DIGITS:
        return None
    n = 0
    for i in range(0, len(digits), _CHUNK):  # int() takes at most 4,300 digits at once
        chunk = digits[i:i + _CHUNK]
        n = n * 10 ** len(chunk) + int(chunk)
    return n


def exact_value(text: str) -> Optional[Fraction]:
    """The exact value of a decimal number's text (0.01 is 1/100), read digit by digit so that no length
    changes it; None when it is not a decimal or too large to compute with (see MAX_EXACT_EXPONENT)."""
    m = _PARTS.match(text) if isinstance(text, str) and _DECIMAL.match(text) else None
    if m is None:
        return None
    sign, whole, frac, exp_sign, exp = m.groups()
    digits = (whole + (frac or "")).rstrip("0")
    if not digits.strip("0"):
        return Fraction(0)
    exp = exp.lstrip("0") if exp else ""
    if len(exp) > 12:  # no line can hold enough digits to bring such an exponent back into range
        return None
    # n × 10**e with n = digits (trailing zeros dropped: 0.3000…0 is 3/10 however many zeros follow)
    e = (-int(exp) if exp_sign == "-" else int(exp or "0")) + len(whole) - len(digits)
    digits = digits.lstrip("0")
    if abs(e + len(digits) - 1) > MAX_EXACT_EXPONENT:  # the exponent of d.ddd…e±E
        return None
    n = _whole(digits)
    if n is None:
        return None
    value = Fraction(n * 10 ** e) if e >= 0 else Fraction(n, 10 ** -e)
    if not within_bounds(value):
        return None
    return -value if sign == "-" else value


def within_bounds(f: Fraction) -> bool:
    """True when an exact value is small enough to compute with (MAX_EXACT_BITS per numerator/denominator)."""
    return f.numerator.bit_length() <= MAX_EXACT_BITS and f.denominator.bit_length() <= MAX_EXACT_BITS


def to_number(v, exact: bool = False) -> Number:
    """A user-given value (text, int, float or Fraction) as a finite float, or exactly as a Fraction.

    Exactly, a number is taken from its decimal text: "0.01" (or the float 0.01) is 1/100; "28/3" is
    allowed too. Raises NumberError with the reason.
    """
    if isinstance(v, bool):
        raise NumberError(tr("{value!r} is not a number", value=v))
    if exact:
        if isinstance(v, (int, Fraction)):
            value = Fraction(v)
        elif isinstance(v, str) and _RATIO.match(v):
            sign, num, den = _RATIO.match(v).groups()
            num, den = _whole(num), _whole(den)
            if num is None or den is None:
                raise TooManyDigits(tr("{value} has too many digits for exact arithmetic", value=_short(v)))
            if den == 0:
                raise NumberError(tr("{value} divides by zero", value=_short(v)))
            value = Fraction(-num if sign == "-" else num, den)
        else:
            text = repr(float(v)) if isinstance(v, float) else v  # float(): a NumPy float's repr names its type
            if not isinstance(text, str) or finite_text(text) is None:
                raise NumberError(tr("{value} is not a finite number", value=_short(v)))
            value = exact_value(text)
            if value is None:
                raise NumberError(tr("{value} has no exact value small enough to compute with ({bounds})",
                                     value=_short(v), bounds=exact_bounds()))
        if not within_bounds(value):
            raise NumberError(tr("{value} is too large for exact arithmetic (over {digits:,} digits)",
                                 value=_short(v), digits=MAX_EXACT_DIGITS))
        return value
    if not isinstance(v, (int, float, Fraction)) and not (isinstance(v, str) and finite_text(v) is not None):
        raise NumberError(tr("{value!r} is not a finite number", value=v))
    try:
        x = float(v)
    except (OverflowError, ValueError):
        raise NumberError(tr("{value!r} is not a finite number", value=v)) from None
    if x - x != 0:
        raise NumberError(tr("{value!r} is not a finite number", value=v))
    return x


def _short(v) -> str:
    """A value for a message: its repr, cut to 40 characters (a 5,000-digit number is not repeated whole)."""
    if isinstance(v, int) and not isinstance(v, bool):
        return tr("an integer of {n:,} bits", n=v.bit_length()) if v.bit_length() > 128 else repr(v)
    if isinstance(v, Fraction):
        return tr("a fraction of {n:,} bits", n=max(v.numerator.bit_length(), v.denominator.bit_length()))
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "…"


def fraction_text(f: Fraction, said: bool = False) -> str:
    """An exact value as text: `28/3`, `28`; one too large to print whole (over 200 bits) as its approximate
    value and size, `≈-3e+308 (a 309-digit / 1-digit fraction)` (`said`: the size in the reader's language;
    JSON says it in English)."""
    if max(f.numerator.bit_length(), f.denominator.bit_length()) <= 200:
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    try:
        approx = repr(float(f))
        if float(f) == 0:
            raise OverflowError  # too small for a double: say its size instead of 0.0
    except OverflowError:
        exponent = math.log10(abs(f.numerator)) - math.log10(f.denominator)
        whole = math.floor(exponent)
        mantissa = 10 ** (exponent - whole)
        if float(f"{mantissa:.6g}") >= 10:  # log10 of a power of ten may fall just short: 9.999…e-601 is 1e-600
            mantissa, whole = mantissa / 10, whole + 1
        approx = f"{'-' if f < 0 else ''}{mantissa:.6g}e{whole:+d}"
    top, bottom = _digits(abs(f.numerator)), _digits(f.denominator)
    if said:
        return tr("≈{approx} (a {top:,}-digit / {bottom:,}-digit fraction)", approx=approx, top=top, bottom=bottom)
    return f"≈{approx} (a {top:,}-digit / {bottom:,}-digit fraction)"


def _digits(n: int) -> int:
    """How many decimal digits n > 0 has (without str(n), which refuses over 4,300 digits)."""
    d = int(math.log10(n)) + 1
    if 10 ** (d - 1) > n:
        d -= 1
    elif 10 ** d <= n:
        d += 1
    return d
