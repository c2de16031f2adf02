"""The assembler's speed-ups change nothing it gives: the assembler as it is, against the same assembler with
this work's speed-ups switched off — the grammar read without Lark's cache, garbage collection left on, every
number's exact value computed afresh, every name checked against the table at each use — gives equal programs
(instructions, spans, registers, arrays, inputs, labels, warnings) and equal diagnostics, on every bundled and
test program, 3,000 fuzzed programs (gdasm-like text, arbitrary text, mutated programs) and a realistic
100,000-line program.
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark

import vm
from vm import assembler

from conftest import ROOT, program_files
from test_fuzz import any_text, gdasm_like, mutated

sys.path.insert(0, str(ROOT / "bench"))
from bench_assembler import realistic  # noqa: E402  (the benchmark's own program)


class _Forgets(set):
    """A set that keeps nothing: the resolver's 'names already checked' never holds a name."""

    def add(self, item):
        pass


@contextmanager
def without_speedups():
    plain = Lark.open("grammar.lark", rel_to=assembler.__file__, parser="lalr", transformer=assembler._Builder(),
                      maybe_placeholders=True)  # no cache
    init = assembler._Resolver.__init__

    def resolver_init(self, *a, **kw):
        init(self, *a, **kw)
        self.good_names = _Forgets()
    with mock.patch.object(assembler, "_parser", lambda: plain), \
            mock.patch.object(assembler, "_exact_short", assembler.exact_value), \
            mock.patch.object(assembler._Resolver, "__init__", resolver_init), \
            mock.patch.object(gc, "disable", lambda: None):
        yield


def outcome(text, name="p.gdasm"):
    """What assembling gives: the Program, or the diagnostics of the error (both compared whole)."""
    try:
        p = vm.assemble(text, name)
        return ("program", p, p.instructions, p.reg_inputs, p.array_inputs, dict(p.labels), p.warnings)
    except vm.GdasmError as e:
        return ("error", type(e).__name__, getattr(e, "diagnostics", None), str(e))


def same(text, name="p.gdasm"):
    new = outcome(text, name)
    with without_speedups():
        old = outcome(text, name)
    assert new == old, text[:2000]


def test_the_switches_take_effect():
    """The other assembler really is without them: no parser cache, no remembered exact values, the collector
    left on while it assembles, no name remembered as checked."""
    seen = []
    check = assembler._Resolver._check_name

    def spy(self, n, what):
        seen.append((gc.isenabled(), type(self.good_names)))
        return check(self, n, what)
    with without_speedups(), mock.patch.object(assembler._Resolver, "_check_name", spy):
        assert assembler._parser().options.cache is False and assembler._exact_short is assembler.exact_value
        vm.assemble("ADD w, w, 1\nADD w, w, 1\n")
    assert seen and all(on and kind is _Forgets for on, kind in seen)


def test_bundled_and_test_programs():
    files = program_files() + sorted((ROOT / "tests" / "programs").glob("*.gdasm"))
    assert len(files) >= 25
    for path in files:
        same(Path(path).read_text(encoding="utf-8"), Path(path).name)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(gdasm_like)
def test_gdasm_like_text(text):
    same(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(any_text, st.binary(max_size=200)))
def test_arbitrary_text(text):
    same(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_programs(text):
    same(text)


def test_a_realistic_100000_line_program():
    same(realistic(100_000))
    text = realistic(10_000)  # and one with errors among its lines
    same(text.replace("loop7:", "loop7: 7") + "ADD 1, 2, 3\nLOAD q, nowhere, 0\n")
