"""The progress line of long runs: on a terminal's stderr after one second, erased at the end; never otherwise."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

from conftest import gdasm, gdasm_script
from vm import progress

# 60 million steps: several seconds here, over one second on a machine three times as fast.
LONG = "    MOV i, 0\nloop:\n    ADD i, 1\n    JLT i, 30000000, loop\n"


def on_terminal(args: list, cwd) -> tuple[int, str, str]:
    """Run gdasm with stderr on a pseudo-terminal (stdout a file): exit code, stdout, what the terminal got."""
    master, slave = pty.openpty()
    sink = open(cwd / "stdout.txt", "w+b")  # a file, not a pipe: nobody reads it while the run goes on
    proc = subprocess.Popen([gdasm_script(), *args], stdout=sink, stderr=slave, stdin=subprocess.DEVNULL,
                            cwd=cwd, env={**os.environ, "NO_COLOR": "1"})
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    code = proc.wait(timeout=120)
    sink.seek(0)
    out = sink.read().decode()
    sink.close()
    return code, out, seen.decode("utf-8", "replace")


def test_a_long_run_shows_progress_on_a_terminal_and_erases_it(tmp_path):
    (tmp_path / "long.gdasm").write_text(LONG, encoding="utf-8")
    code, out, term = on_terminal(["run", "long.gdasm", "--max-steps", "100000000"], tmp_path)
    assert code == 0 and "finished after 60,000,001 steps" in out
    assert "gdasm: " in term and "steps/s" in term and "line 4: JLT i, 30000000, loop" in term
    last = term.rstrip("\r\n").rsplit("\r", 2)
    assert last[-1] == "" or last[-1].strip() == "", repr(term[-200:])  # the line is blanked at the end
    assert term.endswith("\r") or term.rstrip(" ").endswith("\r")


def test_no_progress_with_quiet_on_a_terminal(tmp_path):
    (tmp_path / "long.gdasm").write_text(LONG, encoding="utf-8")
    code, out, term = on_terminal(["run", "long.gdasm", "--max-steps", "100000000", "--quiet"], tmp_path)
    assert code == 0 and out == "" and term == ""


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    (tmp_path / "long.gdasm").write_text(LONG, encoding="utf-8")
    proc = gdasm("run", "long.gdasm", "--max-steps", "100000000", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_wanted_only_on_a_terminal_and_never_when_quiet():
    assert progress.wanted(Terminal()) and not progress.wanted(Terminal(), quiet=True)
    assert not progress.wanted(io.StringIO()) and not progress.wanted(None)


def test_the_step_display_names_the_line_and_goes_away():
    import vm
    stream = Terminal()
    show = progress.Steps(stream, True, delay=0)
    m = vm.Machine(vm.assemble(LONG.replace("30000000", "200000")))
    m.run(progress=show)
    show.bar.refresh()  # tqdm draws at most every 0.2 s; this run took less
    shown = stream.getvalue()
    assert "gdasm: " in shown and "line 4: JLT i, 200000, loop" in shown
    show.close()
    assert stream.getvalue().endswith("\r")  # erased: the last write blanks the line and returns to its start


def test_runs_display_counts_runs():
    stream = Terminal()
    show = progress.Runs(stream, True, "the loss landscape", delay=0)
    for k in range(1, 11):
        show(k, 10)
    show.bar.refresh()
    assert "gdasm: the loss landscape" in stream.getvalue() and "10/10" in stream.getvalue()
    show.close()
    quiet = io.StringIO()
    progress.Runs(quiet, False, "x", delay=0)(1, 2)
    assert quiet.getvalue() == ""


def test_trace_to_a_file_shows_progress_but_not_among_its_rows(tmp_path):
    # 3,000,001 rows: about two seconds of CSV, past the display's one-second delay
    (tmp_path / "long.gdasm").write_text(LONG.replace("30000000", "1500000"), encoding="utf-8")
    code, out, term = on_terminal(["trace", "long.gdasm", "--format", "csv"], tmp_path)
    assert code == 0 and out.count("\n") == 3_000_002  # the header and 3,000,001 steps
    assert "steps/s" in term
    assert sys.platform != "win32"
