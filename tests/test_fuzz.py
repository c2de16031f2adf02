"""Fuzzing: arbitrary text and mutated bundled programs either run or fail with one of our own errors.

Never another exception (no traceback), whatever the input; every run is bounded by a small step limit.
Together the two properties run 2,400 examples in the normal suite.
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from vm import render
from vm.errors import GdasmError

from conftest import ROOT

FUZZ = settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck))
SOURCES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "programs").glob("*.gdasm"))]
SOURCES += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "programs").glob("*.gdasm"))]
TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_]*|[0-9.]+(?:[eE][+-]?[0-9]+)?|.", re.S)

# Text that looks a little like gdasm, and text that does not look like anything.
pieces = st.sampled_from(["MOV", "ADD", "sub", "DIV", "JLT", "CALL", "RET", "HALT", "LOAD", "STORE", "LEN", "OUT",
                          "LOG", "EXP", "SQRT", ".reg", ".data", ".zeros", "x", "w", "loop", "loop:", ",", " ",
                          "\n", "=", "(", ")", "-", "*", "/", "0", "1", "-1", "1e308", "1e-400", "0.5", "#", ";",
                          "，", "（", "\u00a0", "\u3000", "１", "\t", "\r\n", "\x00", "\ufeff", "权重", "'", "//"])
gdasm_like = st.lists(pieces, max_size=60).map("".join)
any_text = st.text(st.characters(codec="utf-8"), max_size=300)


def exercise(text) -> None:
    """Assemble and run; only our own errors may escape, and each must render."""
    try:
        program = vm.assemble(text, "fuzz.gdasm")
        for d in program.warnings:
            render.diagnostic(d)
        m = vm.Machine(program, max_steps=300)
        m.run()
        m.result()
    except GdasmError as err:
        assert err.diagnostics
        for d in err.diagnostics:
            text_out = render.diagnostic(d)
            assert d.message and "Traceback" not in text_out
            d.to_json()


@FUZZ
@given(st.one_of(gdasm_like, any_text, st.binary(max_size=200)))
def test_arbitrary_text(text):
    exercise(text)


@st.composite
def mutated(draw):
    tokens = TOKEN.findall(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, 6))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "replace", "insert"]))
        if action == "drop":
            del tokens[i]
        elif action == "duplicate":
            tokens.insert(i, tokens[i])
        elif action == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif action == "replace":
            tokens[i] = draw(st.one_of(pieces, st.text(max_size=3)))
        else:
            tokens.insert(i, draw(pieces))
    return "".join(tokens)


@FUZZ
@given(mutated())
def test_mutated_programs(text):
    exercise(text)
