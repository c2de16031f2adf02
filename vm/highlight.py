"""A Pygments lexer for gdasm, built from the instruction table: `pygmentize -l gdasm prog.gdasm`.

Registered through the `pygments.lexers` entry point (pyproject.toml), so every Pygments-based tool — MkDocs,
Sphinx, Jupyter — highlights ```gdasm blocks and *.gdasm files. Mnemonics and directives come from vm/isa.py,
and so do operand kinds: a jump's operand is a label, a LOAD's second an array. A line's shape is the grammar's
(vm/grammar.lark): an optional `label:`, then a mnemonic or a directive and its operands, then a comment.
"""

from __future__ import annotations

import re

from pygments.lexer import Lexer
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, Whitespace

from . import isa

__all__ = ("GdasmLexer",)

# What a name and a number are, as vm/grammar.lark says (a name: letters of any script, digits and '_').
_NAME = r"[^\W\d]\w*"
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_LABEL = re.compile(rf"([ \t]*)({_NAME})([ \t]*)(:)")
_WORD = re.compile(rf"([ \t]*)(\.?{_NAME})")
_OPERAND = re.compile(rf"(?P<space>[ \t]+)|(?P<comment>[#;][^\n]*)|(?P<number>{_NUMBER})|(?P<name>{_NAME})"
                      r"|(?P<comma>,)|(?P<punct>[()=])|(?P<op>[-+*/])|(?P<other>[\s\S])")
_ARRAY_DECLARATION = re.compile(rf"^[ \t]*(?:{_NAME}[ \t]*:)?[ \t]*\.(?:data|zeros)[ \t]+({_NAME})", re.I | re.M)


class GdasmLexer(Lexer):
    """gdasm, the assembly language of the gradient-descent teaching machine."""

    name = "gdasm"
    aliases = ["gdasm"]
    filenames = ["*.gdasm"]
    mimetypes = ["text/x-gdasm"]

    def get_tokens_unprocessed(self, text):
        arrays = set(_ARRAY_DECLARATION.findall(text))  # an array is a name .data or .zeros declares
        pos = 0
        for line in text.splitlines(keepends=True):
            yield from self._line(line, pos, arrays)
            pos += len(line)

    def _line(self, line: str, pos: int, arrays: set):
        at = 0
        m = _LABEL.match(line)
        if m and not isa.is_reserved(m.group(2)):
            if m.group(1):
                yield pos, Whitespace, m.group(1)
            yield pos + m.start(2), Name.Label, m.group(2)
            if m.group(3):
                yield pos + m.start(3), Whitespace, m.group(3)
            yield pos + m.start(4), Punctuation, ":"
            at = m.end()
        kinds = ()
        m = _WORD.match(line, at)
        if m:
            if m.group(1):
                yield pos + at, Whitespace, m.group(1)
            word = m.group(2)
            if word.startswith("."):
                known = word.lower() in isa.DIRECTIVES
                yield pos + m.start(2), Keyword.Declaration if known else Error, word
            else:
                op = isa.lookup(word)
                yield pos + m.start(2), Keyword if op is not None else Error, word
                if op is not None:
                    count = line[m.end():].split("#")[0].split(";")[0].count(",") + 1
                    kinds = next((f for f in op.forms if len(f) == count), op.kinds)
            at = m.end()
        operand = 0
        for t in _OPERAND.finditer(line, at):
            kind, value = t.lastgroup, t.group()
            start = pos + t.start()
            if kind == "space" or value == "\n":
                yield start, Whitespace, value
            elif kind == "comment":
                yield start, Comment.Single, value
            elif kind == "number":
                yield start, Number.Float if re.search("[.eE]", value) else Number.Integer, value
            elif kind == "name":
                role = kinds[operand] if operand < len(kinds) else ""
                if role == "L":
                    yield start, Name.Label, value
                elif role == "M" or value in arrays:
                    yield start, Name.Variable.Global, value
                else:
                    yield start, Name.Variable, value
            elif kind == "comma":
                operand += 1
                yield start, Punctuation, value
            elif kind == "punct":
                yield start, Punctuation, value
            elif kind == "op":
                yield start, Operator, value
            else:
                yield start, Whitespace if value.isspace() else Error, value
