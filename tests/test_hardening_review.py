"""What an adversarial review of the hardening found, each kept fixed (issue 9, "close the classes")."""

from __future__ import annotations

import os
import resource
import subprocess

import pytest

from conftest import gdasm, gdasm_script


def _capped():
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


def run_capped(*args, stdin=None, timeout=120, cwd=None):
    proc = subprocess.run([gdasm_script(), *args], input=stdin, capture_output=True, timeout=timeout, cwd=cwd,
                          preexec_fn=_capped, env={**os.environ, "NO_COLOR": "1"})
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err and "out of memory" not in err, err
    return proc.returncode, out, err


def test_several_data_files_are_refused_once_their_total_passes_the_cap(tmp_path):
    """Four files of 4M numbers each (each under the cap) must not all be read before the total is checked."""
    (tmp_path / "big.txt").write_text("0.5\n" * 4_000_000)
    (tmp_path / "four.gdasm").write_text(".data a = 1\n.data b = 1\n.data c = 1\n.data d = 1\nLEN n, a\n")
    code, _, err = run_capped("run", "four.gdasm", *[f"--data={x}=@big.txt" for x in "abcd"], cwd=tmp_path)
    assert code == 65 and "more than 2,000,000 numbers" in err and "8,000,000 of them given before it" in err, err


def test_a_data_cell_with_no_exact_value_is_located(tmp_path):
    (tmp_path / "vs.csv").write_text("a\n1\n1e-5000\n")
    (tmp_path / "p.gdasm").write_text(".data x = 1\nLEN n, x\nOUT n\n")
    proc = gdasm("run", "p.gdasm", "--data", "x=@vs.csv:a", "--exact", cwd=tmp_path)
    assert proc.returncode == 65 and "vs.csv:3:1: error: '1e-5000' in column 'a' has no exact value" in proc.stderr
    plain = gdasm("run", "p.gdasm", "--data", "x=@vs.csv:a", cwd=tmp_path)  # in floats it is 0.0
    assert plain.returncode == 0 and "x = [1.0, 0.0]" in plain.stdout


def test_exact_runs_in_a_test_are_capped_at_a_hundred_thousand_steps(tmp_path):
    """Exact fractions grow to 10,000 digits (~150 µs a step): 10M steps would keep a grader for half an hour."""
    (tmp_path / "slow.gdasm").write_text("# run: --exact\nMOV k, 0\nl: ADD k, 1\nJMP l\n# expect: k = 1\n")
    (tmp_path / "asks.gdasm").write_text("# run: --exact --max-steps 200000\nMOV k, 1\n# expect: k = 1\n")
    (tmp_path / "fine.gdasm").write_text("# run: --exact --max-steps 50000\nMOV k, 0.1\n# expect: k = 0.1\n")
    proc = gdasm("test", str(tmp_path))
    assert proc.returncode == 1 and "1 passed, 2 failed" in proc.stdout, proc.stdout
    assert "step limit of 100,000 steps" in proc.stdout and "past 100,000" in proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["--version"]])
def test_help_to_a_full_disk_or_a_closed_stdout_is_exit_74(argv):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([gdasm_script(), *argv], stdout=full, stderr=subprocess.PIPE, timeout=30)
    assert proc.returncode == 74 and b"No space left on device" in proc.stderr, proc.stderr
    proc = subprocess.run([gdasm_script(), *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=30, pass_fds=(), close_fds=True,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 74 and b"standard output: it is closed" in proc.stderr, proc.stderr


def test_going_back_through_a_large_array_program_is_linear_not_quadratic(tmp_path):
    """Checkpoints share unwritten chunks, so they stay 16,384 steps apart however large the array:
    reverse-continue over 600,000 steps replays each stretch once, not from step 0 each time."""
    (tmp_path / "big.gdasm").write_text(".zeros buf, 2000000\nLEN n, buf\nMOV i, 0\n"
                                        "l: STORE buf, i, 1\nADD i, 1\nJLT i, n, l\n")
    commands = b"goto 600000\nwatch buf[7]\nreverse-continue\nprint i\nback 50000\nquit\n"
    code, out, _ = run_capped("debug", "big.gdasm", stdin=commands, timeout=150, cwd=tmp_path)
    assert code == 0 and "stopped: watch 1: buf[7] changed" in out and "i = 7.0" in out, out[-2000:]
    changed = [line for line in out.splitlines() if line.startswith("changed:")]
    assert all(len(line) < 2000 for line in changed) and any("more (print shows any of them)" in line
                                                             for line in changed)


def test_a_program_of_more_than_two_hundred_thousand_lines_is_refused_before_parsing(tmp_path):
    """A 4 MiB file of `NEG a` lines would be ~700,000 instructions (~1.8 GB); the line cap comes first."""
    (tmp_path / "long.gdasm").write_text("NEG a\n" * 200_001)
    code, _, err = run_capped("check", "long.gdasm", timeout=60, cwd=tmp_path)
    assert code == 65 and "long.gdasm:200001:1: error: a program may have at most 200,000 lines" in err, err
    (tmp_path / "ok.gdasm").write_text("MOV a, 1\n" * 200_000)
    code, out, _ = run_capped("check", "ok.gdasm", timeout=120, cwd=tmp_path)
    assert code == 0 and "200,000 instructions" in out


def test_exact_runs_hold_at_most_a_million_array_values(tmp_path):
    """10M exact fractions would take over 1 GB: under --exact the arrays' cap is 1,000,000, checked first."""
    import vm
    with pytest.raises(vm.UsageError, match="1,000,000 under --exact"):
        vm.run(".zeros z, 1000001\nLEN n, z\n", exact=True)
    assert vm.run(".zeros z, 1000001\nLEN n, z\n").registers["n"] == 1_000_001.0
    (tmp_path / "many.txt").write_text("0.5\n" * 1_000_001)
    (tmp_path / "p.gdasm").write_text(".data x = 1\nLEN n, x\n")
    code, _, err = run_capped("run", "p.gdasm", "--data", "x=@many.txt", "--exact", cwd=tmp_path)
    assert code == 65 and "(1,000,000 under --exact)" in err, err


@pytest.mark.parametrize("k", [310, 400, 600, 601, 999, 4000])
def test_huge_and_tiny_exact_values_are_approximated_by_their_true_power_of_ten(k):
    """`≈10e-601` was printed for 1e-600 (log10 falls just short of the integer); decimal checks each."""
    from decimal import Decimal
    from fractions import Fraction
    from vm.numbers import fraction_text
    for f in (Fraction(1, 10 ** k), Fraction(10 ** k), Fraction(-7, 10 ** k)):
        approx = fraction_text(f).split()[0].lstrip("≈")
        assert Decimal(approx) == Decimal(f.numerator) / Decimal(f.denominator), (k, approx)
        assert not approx.lstrip("-").startswith("10")


def test_zero_width_characters_are_shown_escaped_in_a_diagnostic(tmp_path):
    (tmp_path / "z.gdasm").write_text("MOV a,\u200b1\n")
    proc = gdasm("check", str(tmp_path / "z.gdasm"))
    assert proc.returncode == 65 and "\u200b" not in proc.stderr and "MOV a,\\u200b1" in proc.stderr
    line, caret = [l for l in proc.stderr.splitlines() if l.lstrip().startswith(("1 |", "|"))][:2]
    assert line.index("\\u200b") == caret.index("^"), proc.stderr  # the caret under the escape


def test_warnings_are_shown_twenty_at_most_then_counted_and_json_keeps_them_all(tmp_path):
    import json
    (tmp_path / "w.gdasm").write_text("MOV a, " + "*".join(["1e-400"] * 30) + "\n")
    proc = gdasm("check", str(tmp_path / "w.gdasm"))
    assert proc.returncode == 0 and proc.stderr.count("warning: the number 1e-400") == 20
    assert proc.stderr.rstrip().endswith("... and 10 more warnings")
    doc = json.loads(gdasm("check", str(tmp_path / "w.gdasm"), "--json").stdout)
    assert sum(d["code"] == "number-too-small" for f in doc["files"] for d in f["diagnostics"]) == 30
