"""Messages in the reader's language: Python's gettext, with the zh_CN catalogue in vm/locale.

`tr("unknown mnemonic '{word}'", word=w)` gives the message in the language in use, its {placeholders} filled
in. The catalogue's source is vm/locale/zh_CN/LC_MESSAGES/gdasm.po; Babel compiles it to the .mo beside it,
which a test keeps current (docs/translating.md says how to add a message). The language is English unless
`--lang zh`, `use("zh")` or the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them) asks
for Chinese. Only words change: JSON keys, fault codes, exit codes and CSV headers are the same in every
language.
"""

from __future__ import annotations

import contextvars
import functools
import os
from types import MappingProxyType
from typing import Optional

DOMAIN = "gdasm"
LANGS = ("en", "zh")
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
# The catalogue of each language (English is the messages as written).
_CATALOGUES = MappingProxyType({"zh": "zh_CN"})
ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

# The language chosen in this context (a thread, a task): None follows the environment.
_chosen: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("gdasm_lang", default=None)


def from_environment(environ=None) -> str:
    """The language the environment asks for, as gettext reads it: the first of LANGUAGE, LC_ALL, LC_MESSAGES
    and LANG that is set, a list of languages separated by colons, tried in order: "zh" at the first Chinese
    one (zh_CN, zh_TW, zh...), "en" at the first English one (or C, POSIX) or when none is either. Unlike
    gettext, English is a language here (the messages as written), so LANGUAGE=en:zh_CN means English."""
    import locale
    environ = os.environ if environ is None else environ
    value = next((environ[var] for var in ENV_VARS if environ.get(var)), "")
    for name in value.split(":"):
        name = name.strip()
        if not name:
            continue
        full = locale.normalize(name).lower()  # as gettext does: "zh" becomes zh_CN.eucCN
        if full.startswith("zh"):
            return "zh"
        if full.startswith("en") or name in ("C", "POSIX") or full.startswith(("c.", "posix")):
            return "en"
    return "en"


_LANG_OPTIONS = ("--la", "--lan", "--lang")  # --lang and the abbreviations argparse would take for it


def from_command_line(argv: list[str]) -> tuple[Optional[str], list[str]]:
    """(the language a command line asks for, the command line without it). `--lang zh` and `--lang=zh` may stand
    before or after the command; the last one counts, as argparse would have it; after `--` every word is an
    operand. Read before the parser is built, so that its help and its errors are in that language; taken out,
    so that every command accepts it (`gdasm plot` and `gdasm html` then draw in it too)."""
    lang, rest, k = None, [], 0
    while k < len(argv):
        a = argv[k]
        if a == "--":
            rest += argv[k:]
            break
        name, eq, value = a.partition("=")
        if name in _LANG_OPTIONS and (eq or k + 1 < len(argv)):
            value = _spelled(value if eq else argv[k + 1])
            if value is not None:
                lang = value
                k += 1 if eq else 2
                continue
        rest.append(a)
        k += 1
    return lang, rest


def _spelled(value: str) -> Optional[str]:
    """The language a --lang value names, written as a locale may be (zh, ZH, zh_CN, zh-CN, en_US.UTF-8), or None."""
    base = value.split(".")[0].replace("-", "_").partition("_")[0].lower()
    return base if base in LANGS and value.isascii() and len(value) <= 20 else None


def language() -> str:
    """The language in use: the one chosen, else the environment's."""
    return _chosen.get() or from_environment()


class use:
    """`with use("zh"):` messages in Chinese inside the block, as they were after it. (A class, not
    contextlib's decorator: `gdasm run` starts without importing contextlib.)"""

    def __init__(self, lang: Optional[str]):
        if lang is not None and lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; the languages are {', '.join(LANGS)}")
        self.lang, self.token = lang, None

    def __enter__(self) -> None:
        self.token = _chosen.set(self.lang)

    def __exit__(self, *exc) -> None:
        _chosen.reset(self.token)


@functools.lru_cache(maxsize=None)
def catalogue(lang: str):
    """The translations of one language (a gettext.NullTranslations), read once; English, or a missing .mo:
    the messages as written. gettext is imported here: an English run does not load it."""
    import gettext
    name = _CATALOGUES.get(lang)
    if name is None:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[name], fallback=True)


def tr(message: str, /, **values) -> str:
    """`message` in the language in use, with {placeholders} filled from `values` (formatted only when given)."""
    lang = _chosen.get() or from_environment()
    text = message if lang == "en" else catalogue(lang).gettext(message)
    return text.format(**values) if values else text


def ntr(singular: str, plural: str, n: int, /, **values) -> str:
    """The singular or plural form for `n` in the language in use (Chinese has one), {n} and values filled."""
    lang = _chosen.get() or from_environment()
    if lang == "en":
        text = singular if n == 1 else plural
    else:
        text = catalogue(lang).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def mark(message: str, /) -> str:
    """A message to translate where it is shown, not here (a table's text): extracted, returned as it is."""
    return message


def nmark(singular: str, plural: str, /) -> tuple:
    """A count's message to translate where it is shown (with its count): (singular, plural), extracted."""
    return singular, plural


class InContext:
    """A message whose words depend on where it is shown (the page's "step" is not the trace's). (A plain
    class: a NamedTuple costs every start-up a fraction of a millisecond.)"""

    __slots__ = ("context", "message")

    def __init__(self, context: str, message: str):
        self.context, self.message = context, message


def pmark(context: str, message: str, /) -> InContext:
    """A message in a context, to translate where it is shown: extracted with its context."""
    return InContext(context, message)


def say(message, lang: str, /, **values) -> str:
    """A marked message in the language `lang` (not necessarily the one in use: a picture's own), its values
    filled; a (singular, plural) pair is chosen by the value n, else k."""
    cat = catalogue(lang)
    if isinstance(message, InContext):
        text = cat.pgettext(message.context, message.message)
    elif isinstance(message, tuple):
        count = values.get("n", values.get("k"))
        text = cat.ngettext(message[0], message[1], count)
    else:
        text = cat.gettext(message)
    return text.format(**values) if values else text


# How a list's items are joined, in the language in use: "a, b" is "a、b" in Chinese, "a or b" "a 或 b"
_LIST = pmark("list", ", ")
_EITHER = pmark("list", " or ")


def joined(items, /) -> str:
    """Items as a list in the language in use: `OUT 1, OUT 2` — `OUT 1、OUT 2`."""
    return say(_LIST, language()).join(items)


def either(items, /) -> str:
    """Items as alternatives in the language in use: `loss or regs` — `loss 或 regs`."""
    return say(_EITHER, language()).join(items)
