"""`gdasm trace` writes its rows from the recorder's columns (vm/trace_rows.py); the oracle is the
record-by-record writers in trace_out, which say each step through describe(). Both must write the same
bytes: every format, number format, exact arithmetic, colour, faults, step limits, long runs.
"""

from __future__ import annotations

import io
import os
import tempfile
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vm import trace_out
from vm.cli import main

from conftest import program_files
from test_compiled import programs
from test_recording import agree

SINKS = (trace_out._TextTrace, trace_out._CsvTrace, trace_out._JsonTrace)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def by_records(self, c, m):
    """The oracle: each rebuilt StepRecord through the sink's own row(), as before the fast rows."""
    for rec in c.records(m):
        self.row(rec)


def trace(path, argv, slow, colour):
    out, err = (Terminal(), Terminal()) if colour else (io.StringIO(), io.StringIO())
    patches = [mock.patch.object(sink, "chunk", by_records) for sink in SINKS] if slow else []
    env = mock.patch.dict(os.environ, {"NO_COLOR": ""})
    with env:
        for p in patches:
            p.start()
        try:
            code = main(["trace", path, *argv], out, err)
        finally:
            for p in patches:
                p.stop()
    return code, out.getvalue(), err.getvalue()


def same(path, argv, colour=False):
    fast = trace(path, argv, False, colour)
    agree(repr(fast), repr(trace(path, argv, True, colour)), (path, argv))
    return fast


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(), st.sampled_from(("text", "csv", "json")), st.sampled_from(("dec", "hex", "bits", "exact")),
       st.booleans(), st.booleans(), st.integers(0, 300))
def test_fast_rows_equal_the_record_writers(program, fmt, numbers, exact, colour, max_steps):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p.gdasm")
        with open(path, "w", encoding="utf-8") as f:
            f.write(program.source)
        argv = ["--format", fmt, "--numbers", numbers, "--max-steps", str(max_steps)] + (["--exact"] if exact else [])
        same(path, argv, colour)


def test_bundled_programs_and_a_long_run(tmp_path):
    """Every bundled and test program in each format, and a loop of 30,000 steps (past the first chunk, whose
    length fixes the text trace's widths)."""
    for path in program_files():
        for fmt in ("text", "csv", "json"):
            same(str(path), ["--format", fmt, "--max-steps", "5000"])
    loop = tmp_path / "loop.gdasm"
    loop.write_text(".reg i = 0\ntop:\n    ADD i, 1\n    JLT i, 10000, top\n    CALL f\n    HALT\nf:  RET\n")
    for fmt in ("text", "csv", "json"):
        code, out, _ = same(str(loop), ["--format", fmt])
        assert code == 0 and out.count("\n") >= 20_000


def test_programs_without_registers_past_the_first_chunk(tmp_path):
    """No register to keep: the recorder steps one record at a time, and the text trace still fixes its step
    column's width from --max-steps once a whole first chunk (4,096 rows) has run."""
    p = tmp_path / "r.gdasm"
    p.write_text("f: CALL f\n")
    for fmt in ("text", "csv", "json"):
        same(str(p), ["--format", fmt, "--max-steps", "20000"])
    code, out, _ = same(str(p), ["--max-steps", "20000"])
    assert "\n10000     1  CALL f" in out and "\n 9999     1  CALL f" in out


def test_names_and_text_that_need_quoting_or_escaping(tmp_path):
    """An instruction text with commas and quotes in CSV and JSON; control characters escaped in text."""
    p = tmp_path / "q.gdasm"
    p.write_text('.data buf = 1, 2\n ADD 中文, 1, 2 ; a "comment"\n STORE buf, 1, 中文\n OUT 中文\n')
    for fmt in ("text", "csv", "json"):
        same(str(p), ["--format", fmt])
