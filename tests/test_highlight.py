"""The Pygments lexer: found by name and by file name through the entry point, loses no character, and
agrees with the assembler on what each word is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number

import vm

from conftest import ROOT, program_files


def tokens(text: str):
    return list(get_lexer_by_name("gdasm").get_tokens_unprocessed(text))


def test_the_lexer_is_found_by_name_and_by_file_name():
    assert type(get_lexer_by_name("gdasm")).__name__ == "GdasmLexer"
    assert type(get_lexer_for_filename("lesson.gdasm")).__name__ == "GdasmLexer"


def test_every_program_is_highlighted_without_losing_a_character_and_as_the_assembler_reads_it():
    checked = 0
    for path in program_files():
        text = path.read_text(encoding="utf-8")
        toks = tokens(text)
        assert "".join(v for _, _, v in toks) == text and all(text.startswith(v, i) for i, _, v in toks), path
        program = vm.assemble(text, str(path))
        # The mnemonics, in order, are the instructions the assembler built.
        assert [v.upper() for _, t, v in toks if t is Keyword] == [i.op.mnemonic for i in program.instructions]
        # Every label defined, every jump target: a label; every array operand: an array.
        labels = {v for _, t, v in toks if t is Name.Label}
        assert set(program.labels) <= labels <= set(program.labels)
        assert {v for _, t, v in toks if t is Name.Variable.Global} <= set(program.arrays)
        assert {v for _, t, v in toks if t is Name.Variable} <= set(program.registers) | set(program.arrays)
        assert not [v for _, t, v in toks if t is Error], path
        checked += 1
    assert checked >= 10


def test_the_kinds_of_a_line():
    got = [(t, v) for _, t, v in tokens("loop: MUL g, e, 2.5   # the gradient\n.data xs = 1, 2\nLOAD x, xs, i\n"
                                        "JLT i, 3, loop\nFROB a\n")
           if not v.isspace()]
    kinds = dict((v, t) for t, v in got)
    assert kinds["loop"] is Name.Label and kinds["MUL"] is Keyword and kinds["2.5"] is Number.Float
    assert kinds["# the gradient"] is Comment.Single and kinds[".data"] is Keyword.Declaration
    assert kinds["xs"] is Name.Variable.Global and kinds["x"] is Name.Variable and kinds["3"] is Number.Integer
    assert kinds["FROB"] is Error  # an unknown mnemonic is shown as an error, as the assembler reports it


def test_pygmentize_highlights_a_bundled_program(tmp_path):
    pygmentize = Path(sys.executable).parent / "pygmentize"
    src = ROOT / "programs" / "gradient_step.gdasm"
    html = subprocess.run([str(pygmentize), "-l", "gdasm", "-f", "html", str(src)], capture_output=True,
                          text=True, timeout=60)
    assert html.returncode == 0, html.stderr
    assert '<span class="k">MOV</span>' in html.stdout and '<span class="c1">' in html.stdout
    guessed = subprocess.run([str(pygmentize), "-N", "lesson.gdasm"], capture_output=True, text=True, timeout=60)
    assert guessed.stdout.strip() == "gdasm"
