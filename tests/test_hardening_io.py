"""Hostile inputs and environments (issue 9): bounded reads, unreadable files, closed or full streams, control
characters shown escaped, CSV mistakes located — each through the real console script, under a memory cap."""

import ctypes
import json
import os
import resource
import subprocess

import pytest

from conftest import ROOT, gdasm_script

MEMORY_CAP = 1_500_000_000


def _cap(extra=None):
    def setup():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        if extra:
            extra()
    return setup


def gd(*args, stdin=None, env=None, cwd=None, extra=None, timeout=60, **kw):
    """Run `gdasm ARGS` under a memory cap and a timeout; stdout and stderr as text (undecodable bytes escaped)."""
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    if stdin is None or isinstance(stdin, bytes):
        kw["input"] = stdin if stdin is not None else b""
    else:
        kw["stdin"] = stdin
    proc = subprocess.run([gdasm_script(), *args], env={**os.environ, "NO_COLOR": "1", **(env or {})},
                          cwd=cwd or ROOT, timeout=timeout, preexec_fn=_cap(extra), **kw)
    proc.stdout = (proc.stdout or b"").decode("utf-8", "backslashreplace")
    proc.stderr = (proc.stderr or b"").decode("utf-8", "backslashreplace")
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text and "internal error" not in text and "bug in gdasm" not in text, text
    return proc


# --- every read is bounded (rows 7 and 8) ---------------------------------------------------------------

@pytest.mark.parametrize("args, limit", [
    (["check", "/dev/zero"], "4 MiB"),
    (["run", "mse_loss", "--data", "x=@/dev/zero"], "64 MiB"),
    (["run", "mse_loss", "--data", "x=@/dev/zero:col"], "64 MiB"),
])
def test_endless_device_is_refused_at_the_limit(args, limit):
    proc = gd(*args)
    assert proc.returncode == 66, proc.stderr
    assert "too large" in proc.stderr and limit in proc.stderr


def test_endless_standard_input_is_refused_at_the_limit():
    with open("/dev/zero", "rb") as zero:
        proc = gd("run", "-", stdin=zero)
    assert proc.returncode == 66 and "standard input: too large" in proc.stderr and "4 MiB" in proc.stderr


def test_sparse_2gb_file_as_program_or_data(tmp_path):
    big = tmp_path / "big.gdasm"
    with open(big, "wb") as f:
        f.truncate(2 * 1024 ** 3)
    proc = gd("check", str(big))
    assert proc.returncode == 66 and "too large" in proc.stderr and "4 MiB" in proc.stderr
    proc = gd("run", "mse_loss", "--data", f"x=@{big}")
    assert proc.returncode == 66 and "too large" in proc.stderr and "64 MiB" in proc.stderr


def test_a_program_at_the_limit_is_read_and_one_byte_more_is_not(tmp_path):
    limit = 4 * 1024 * 1024
    p = tmp_path / "p.gdasm"
    p.write_bytes(b"OUT 1\n" + b"#" * (limit - 7) + b"\n")
    proc = gd("run", "--quiet", str(p))
    assert proc.returncode == 0 and proc.stdout == "1.0\n", proc.stderr
    p.write_bytes(b"OUT 1\n" + b"#" * (limit - 6) + b"\n")
    proc = gd("run", "--quiet", str(p))
    assert proc.returncode == 66 and "4 MiB (4,194,304 bytes)" in proc.stderr


def test_closed_standard_input_as_the_program():
    proc = gd("run", "-", stdin=subprocess.DEVNULL, extra=lambda: os.close(0))
    assert proc.returncode == 66 and "standard input" in proc.stderr and "closed" in proc.stderr


def test_fifo_without_a_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "f.gdasm"
    os.mkfifo(fifo)
    proc = gd("check", str(fifo), timeout=20)
    assert proc.returncode == 0 and "no instructions" in proc.stderr


LONG = "n" * 5000


@pytest.mark.parametrize("args", [
    ["run", LONG],
    ["run", LONG + ".gdasm"],
    ["check", "gradient_step", LONG],
    ["run", "mse_loss", "--data", f"x=@{LONG}"],
    ["run", "mse_loss", "--data", f"x=@{LONG}.csv:x"],
])
def test_a_5000_character_file_name_cannot_be_read(args):
    proc = gd(*args)
    assert proc.returncode == 66, proc.stderr
    assert "cannot read" in proc.stderr or "no such file" in proc.stderr
    assert "n" * 61 not in proc.stderr and "…" in proc.stderr  # the name is shortened
    assert max(len(line) for line in proc.stderr.splitlines()) < 300


def test_directory_and_symlink_loop(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    for args in (["check", str(tmp_path / "a")], ["run", "mse_loss", "--data", f"x=@{tmp_path / 'a'}"]):
        proc = gd(*args)
        assert proc.returncode == 66 and "cannot read" in proc.stderr and "symbolic links" in proc.stderr
    proc = gd("run", "mse_loss", "--data", f"x=@{tmp_path}")
    assert proc.returncode == 66 and "is a directory" in proc.stderr


def _no_read_override():
    """In the child: lose the right to read what file modes forbid (root keeps it unless it drops
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its bounding set, which exec then applies)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_file_in_an_unreadable_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "p.gdasm").write_text("OUT 1\n")
    (locked / "d.csv").write_text("x\n1\n")
    locked.chmod(0)
    try:
        probe = subprocess.run(["cat", str(locked / "p.gdasm")], preexec_fn=_no_read_override,
                               capture_output=True, timeout=20)
        if probe.returncode == 0:
            pytest.skip("cannot take away the right to read here (root without CAP_SETPCAP)")
        for args, where in ((["run", str(locked / "p.gdasm")], "p.gdasm"),
                            (["run", str(locked / "p")], "locked/p"),
                            (["run", "mse_loss", "--data", f"x=@{locked / 'd.csv'}:x"], "d.csv")):
            proc = gd(*args, extra=_no_read_override)
            assert proc.returncode == 66, proc.stderr
            assert where in proc.stderr and "cannot read: Permission denied" in proc.stderr
    finally:
        locked.chmod(0o755)


# --- data files: mistakes located (exit 65) ----------------------------------------------------------------

@pytest.mark.parametrize("text, column, where, message, code", [
    ("a,b,a\n1,2,3\n", "a", ":1:5:", "column 'a' is named twice in the header row", "data-duplicate-column"),
    ("x, y ,y\n1,2,3\n", "x", ":1:7:", "column 'y' is named twice", "data-duplicate-column"),
    ('a,b\n1,"2\n3,4\n', "b", ":2:3:", "this quote is not closed on its line", "data-unterminated-quote"),
    ('a,"b\n1,2\n', "a", ":1:3:", "this quote is not closed on its line", "data-unterminated-quote"),
])
def test_csv_mistakes_are_located_errors(tmp_path, text, column, where, message, code):
    p = tmp_path / "d.csv"
    p.write_text(text)
    proc = gd("run", "mse_loss", "--data", f"x=@{p}:{column}")
    assert proc.returncode == 65, proc.stderr
    assert f"{p}{where} error: {message}" in proc.stderr
    assert "\n 1 | " in proc.stderr or "\n 2 | " in proc.stderr
    proc = gd("run", "mse_loss", "--json", "--data", f"x=@{p}:{column}")
    assert proc.returncode == 65 and f'"code": "{code}"' in proc.stdout


def test_csv_empty_trailing_header_cells_and_quoted_commas_still_read(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('x,"a,b",,\n1,"2,3",,\n2,x,,\n3,,,\n')
    proc = gd("run", "--json", "mse_loss", "--data", f"x=@{p}:x", "--data", f"y=@{p}:x")
    assert proc.returncode == 0, proc.stderr


def test_a_data_file_with_more_numbers_than_arrays_may_hold(tmp_path):
    p = tmp_path / "d.txt"
    p.write_bytes(b"1\n" * 10_000_001)
    proc = gd("run", "mse_loss", "--data", f"x=@{p}", timeout=120)
    assert proc.returncode == 65 and "more than 10,000,000 numbers" in proc.stderr


# --- trace --compare past binary64's range (row 13) ------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_compare_ends_with_a_note_when_the_exact_value_passes_binary64(write, fmt):
    p = write("MOV a, 1.2e-323\nMUL b, a, 1e308\nMUL c, b, 1e308\nMUL d, c, 1.7e15\n")
    proc = gd("trace", "--compare", "--format", fmt, str(p))
    assert proc.returncode == 0, proc.stderr
    assert ("beyond binary64's range" in proc.stdout) == (fmt != "csv")
    assert "1.6798231958602383e+308" in proc.stdout  # the last row is kept
    assert sum("MUL" in line for line in proc.stdout.splitlines()) == 3


# --- the environment: closed and full streams, an ASCII-only encoding ------------------------------------

def _close(fd):
    return lambda: os.close(fd)


@pytest.mark.parametrize("args", [["run", "gradient_step"], ["check", "gradient_step"], ["trace", "gradient_descent"],
                                  ["run", "--json", "gradient_step"], ["show", "gradient_step"]])
def test_closed_stdout_is_exit_74(args):
    proc = gd(*args, stdout=subprocess.DEVNULL, extra=_close(1))
    assert proc.returncode == 74, proc.stderr
    assert proc.stderr == "gdasm: error: cannot write to standard output: it is closed\n"


@pytest.mark.parametrize("args", [["run", "gradient_step"], ["trace", "gradient_descent"],
                                  ["trace", "--table", "gradient_descent"], ["explain", "gradient_step", "w"],
                                  ["test", "programs/gradient_step.gdasm"]])
def test_full_disk_is_exit_74(args):
    with open("/dev/full", "w") as full:
        proc = gd(*args, stdout=full)
    assert proc.returncode == 74, proc.stderr
    assert proc.stderr == "gdasm: error: cannot write to standard output: No space left on device\n"


def test_full_disk_and_closed_stderr_still_exit_74():
    with open("/dev/full", "w") as full:
        proc = gd("run", "gradient_step", stdout=full, stderr=full)
        assert proc.returncode == 74
        proc = gd("run", "gradient_step", stdout=full, extra=_close(2))
        assert proc.returncode == 74


def test_closed_stdin_for_the_debugger_is_exit_74():
    proc = gd("debug", "gradient_step", stdin=subprocess.DEVNULL, extra=_close(0))
    assert proc.returncode == 74 and "standard input is closed" in proc.stderr
    proc = gd("run", "gradient_step", stdin=subprocess.DEVNULL, extra=_close(0))
    assert proc.returncode == 0  # a command that does not read stdin does not mind


def test_ascii_encoding_escapes_what_it_cannot_show(write):
    p = write(".reg 权重 = 1\nOUT 权重\n")
    proc = gd("run", str(p), env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0 and "\\u6743\\u91cd = 1.0" in proc.stdout, proc.stderr
    proc = gd("run", "--json", str(p), env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0 and json.loads(proc.stdout)["registers"] == {"权重": 1.0}
    proc = gd("trace", str(p), env={"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""})
    assert proc.returncode == 0 and "OUT 权重" in proc.stdout


def test_reader_gone_is_quiet():
    for _ in range(10):  # races a closing pipe: repeat
        proc = subprocess.Popen([gdasm_script(), "trace", "gradient_descent"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=_cap())
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0 and err == "", err


# --- terminal safety: what a program or a file name holds is shown escaped ---------------------------------

UNSAFE = ["\x1b", "\r", "\b", "\x7f", "\x9b", "\u202e", "\u2066", "\x07"]


def test_render_safe_escapes_controls_and_keeps_tabs_and_text():
    from vm import render
    assert render.safe("a\x1b[31mb\u202ec\x9b\x7f\td 权重") == "a\\x1b[31mb\\u202ec\\x9b\\x7f\td 权重"
    assert render.safe("\udcff") == "\\xff"


@pytest.mark.parametrize("bad", UNSAFE)
def test_diagnostics_show_control_characters_escaped_with_carets_aligned(write, bad):
    raw = f"MOV a, 1 # {bad}[31m red\nMOV b, 1 # {bad}{bad} x\tMLU\n\tADD c, zz  # {bad}\nMLU d, 1\n"
    p = write(raw.encode("utf-8"))
    proc = gd("check", str(p))
    assert proc.returncode == 65
    for c in UNSAFE + ["\x1b", "\x9b"]:
        assert c not in proc.stderr
    lines = proc.stderr.splitlines()
    at = next(i for i, l in enumerate(lines) if l.endswith(" | MLU d, 1"))  # "\r" ends a line: count on
    assert lines[at - 1].startswith(f"{p}:") and lines[at + 1].endswith(" | ^^^")
    proc = gd("run", str(p).replace("prog", "x"), "--data", f"x=@{bad}")
    assert bad not in proc.stderr


def test_a_warning_under_a_comment_with_escapes_points_at_the_right_place(write):
    p = write("MOV a, 1  # \x1b[2J\x1b[H\u202e\nADD b, a, unknown_reg # \x1b[31m\n")
    proc = gd("check", str(p))
    assert "\x1b" not in proc.stderr and "\u202e" not in proc.stderr
    lines = proc.stderr.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith(f"{p}:2:11:"))
    src, caret = lines[head + 1], lines[head + 2]
    assert src == " 2 | ADD b, a, unknown_reg # \\x1b[31m"
    assert caret.index("^") == src.index("unknown_reg") and caret.count("^") == len("unknown_reg")


def test_file_names_with_escapes_are_shown_escaped(tmp_path):
    name = tmp_path / "\x1b[31mred\u202e.gdasm"
    name.write_text("MOV a, 1\nMLU b\n")
    for args in (["check", str(name)], ["run", str(name) + "x"], ["trace", str(name)]):
        proc = gd(*args)
        assert proc.returncode in (65, 66) and "\x1b" not in proc.stderr and "\u202e" not in proc.stderr
        assert "\\x1b[31mred\\u202e" in proc.stderr


def test_a_line_with_tabs_is_quoted_as_an_editor_shows_it_with_the_caret_under_the_place(write):
    line = "\tMLU\tb,\ta  # x\ty"
    p = write(f"MOV a, 1\n{line}\n".encode("utf-8"))
    lines = gd("check", str(p)).stderr.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith(f"{p}:2:2:"))
    assert lines[head + 1] == " 2 | " + line.expandtabs(8)  # str.expandtabs: tab stops every 8 columns
    assert lines[head + 2] == "   | " + " " * len(line[:1].expandtabs(8)) + "^^^"
