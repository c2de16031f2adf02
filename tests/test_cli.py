"""The real `gdasm` console script: exit codes, error format, output formats, streams."""

import json
import os
import re
import subprocess
import sys

import pytest
from pathlib import Path

from conftest import ROOT, gdasm, gdasm_script

CARET = re.compile(r"^\s*\|\s*\^+", re.M)


def assert_located(stderr: str, where: str, message: str):
    """stderr holds `FILE:LINE:COL: error: MESSAGE`, then the source line and a caret line."""
    lines = stderr.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith(where))
    assert message in lines[head], lines[head]
    assert re.match(r"^ \d+ \| ", lines[head + 1]), lines[head + 1]
    assert CARET.match(lines[head + 2]), lines[head + 2]


# --- exit codes ----------------------------------------------------------------------

def test_exit_0_success():
    proc = gdasm("run", "gradient_step")
    assert proc.returncode == 0 and proc.stderr == ""


@pytest.mark.parametrize("args, fragment", [
    ([], "required"),
    (["fly"], "invalid choice"),
    (["run"], "required"),
    (["run", "gradient_step", "--bogus"], "unrecognized arguments: --bogus"),
    (["run", "gradient_step", "--set", "w=abc"], "--set w=abc: 'abc' is not a number"),
    (["run", "gradient_step", "--set", "w=inf"], "'inf' is not a number"),
    (["run", "gradient_step", "--set", "w"], "write --set NAME=NUMBER"),
    (["run", "gradient_step", "--set", "nope=1"], "cannot set register 'nope'"),
    (["run", "gradient_step", "--set", "grad_avg=1", "--data", "w=1"], "cannot set array 'w'"),
    (["run", "absolute_loss", "--data", "x=1,a"], "--data x=1,a: 'a' is not a number"),
    (["run", "gradient_step", "--max-steps", "many"], "'many' is not a whole number"),
    (["trace", "gradient_step", "--format", "xml"], "invalid choice: 'xml'"),
])
def test_exit_64_usage(args, fragment):
    proc = gdasm(*args)
    assert proc.returncode == 64, (proc.returncode, proc.stderr)
    assert fragment in proc.stderr and "error" in proc.stderr
    assert proc.stdout == ""


def test_exit_65_assembly_error_every_error_located(write):
    p = write("MOV a, 1\nMLU b, a, 2\nMOV c d\n")
    proc = gdasm("run", str(p))
    assert proc.returncode == 65 and proc.stdout == ""
    assert_located(proc.stderr, f"{p}:2:1: error:", "unknown mnemonic 'MLU'")
    assert_located(proc.stderr, f"{p}:3:7: error:", "expected ',' between operands")
    assert "hint: did you mean 'MUL'?" in proc.stderr


def test_exit_65_invalid_utf8_names_offset_and_line(write):
    p = write(b"MOV a, 1\nMOV b, \xff\n")
    proc = gdasm("check", str(p))
    assert proc.returncode == 65
    assert f"{p}:2:8: error: the file is not valid UTF-8: byte 0xFF at offset 16 (line 2)" in proc.stderr


def test_exit_66_missing_file_and_directory(tmp_path):
    proc = gdasm("run", str(tmp_path / "nope.gdasm"))
    assert proc.returncode == 66 and "no such file or bundled program" in proc.stderr
    proc = gdasm("run", str(tmp_path))
    assert proc.returncode == 66 and "is a directory" in proc.stderr
    proc = gdasm("run", "gradient_stpe")
    assert proc.returncode == 66 and "did you mean the bundled program 'gradient_step'" in proc.stderr


def test_exit_70_runtime_fault_located_with_step_and_values(write):
    p = write("MOV a, 1\nMOV z, 0\nDIV q, a, z\n")
    proc = gdasm("run", str(p))
    assert proc.returncode == 70
    assert_located(proc.stderr, f"{p}:3:1: runtime error:", "division by zero")
    assert "at step 3" in proc.stderr and "read: a = 1.0, z = 0.0" in proc.stderr
    assert "stopped by a fault at step 3" in proc.stdout  # one step numbering: the fault's, the note's


def test_exit_70_json_fault(write):
    p = write("OUT 1\nEXP e, 1000\n")
    proc = gdasm("run", str(p), "--json")
    assert proc.returncode == 70
    doc = json.loads(proc.stdout)
    assert doc["status"] == "fault" and doc["output"] == [1.0] and doc["steps"] == 1
    d = doc["diagnostic"]
    assert (d["line"], d["column"], d["step"]) == (2, 1, 2) and "overflow" in d["message"]


def test_json_assembly_error(write):
    p = write("MLU a, 1, 2\n")
    proc = gdasm("run", str(p), "--json")
    assert proc.returncode == 65
    doc = json.loads(proc.stdout)
    [d] = doc["diagnostics"]
    assert (doc["status"], d["line"], d["column"], d["end_column"]) == ("error", 1, 1, 4)
    assert d["hint"] == "did you mean 'MUL'?"


# --- run, trace, check, list, test ---------------------------------------------------

def test_run_prints_out_values_then_state_and_quiet_only_outputs(write):
    p = write(".data x = 1, 2\nOUT 1.5\nLEN n, x\nOUT n\nHALT\n")
    proc = gdasm("run", str(p))
    assert proc.stdout.splitlines() == ["1.5", "2.0", "-- halted after 4 steps --", "n = 2.0", "x = [1.0, 2.0]"]
    assert gdasm("run", str(p), "--quiet").stdout == "1.5\n2.0\n"


def test_program_from_standard_input():
    proc = gdasm("run", "-", "--json", stdin="MOV a, 2\nMUL a, a\n")
    assert json.loads(proc.stdout)["registers"] == {"a": 4.0}
    proc = gdasm("check", "-", stdin="FOO\n")
    assert proc.returncode == 65 and "<stdin>:1:1: error: unknown mnemonic 'FOO'" in proc.stderr


def test_set_and_data_on_the_command_line():
    proc = gdasm("run", "absolute_loss", "--set", "y_true=10", "--set", "y_pred=2.5", "--json")
    assert json.loads(proc.stdout)["registers"]["loss"] == 7.5
    proc = gdasm("run", "tests/programs/running_mean.gdasm", "--data", "x=2,4", "--quiet")
    assert proc.stdout == "2.0\n3.0\n"


def test_trace_fault_prints_rows_then_the_error(write):
    p = write("MOV a, 1\nLOG b, 0\n")
    proc = gdasm("trace", str(p))
    assert proc.returncode == 70
    assert "a = 1.0" in proc.stdout and "stopped by a fault at step 2" in proc.stdout
    assert f"{p}:2:1: runtime error: logarithm of zero" in proc.stderr
    proc = gdasm("trace", str(p), "--format", "json")
    last = json.loads(proc.stdout.splitlines()[-1])
    assert last["status"] == "fault" and last["diagnostic"]["line"] == 2
    assert (last["steps"], last["diagnostic"]["step"], last["diagnostic"]["code"]) == (1, 2, "log-zero")


def test_trace_shows_jumps_and_outputs(write):
    p = write("MOV i, 0\nloop: ADD i, 1\nOUT i\nJLT i, 2, loop\nCALL f\nHALT\nf: RET\n")
    out = gdasm("trace", str(p)).stdout
    assert "jump → loop" in out and "out 1.0" in out and "call → f" in out and "return → line 6" in out
    assert out.count("jump →") == 1  # the second JLT falls through


def test_trace_streams_a_long_run_within_bounded_memory(write):
    # 300,000 steps; JSON Lines stream row by row (checked by counting, not timing).
    p = write("MOV i, 0\nl: ADD i, 1\nJLT i, 150000, l\n")
    proc = subprocess.run(f"'{gdasm_script()}' trace '{p}' --format csv | tail -n 1", shell=True,
                          capture_output=True, text=True, timeout=300)
    assert proc.stdout.startswith("300001,2,3,") and "Traceback" not in proc.stderr


def test_broken_pipe_is_quiet(write):
    proc = subprocess.run(f"'{gdasm_script()}' trace gradient_step | head -n 1", shell=True,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.startswith("step") and proc.stderr == ""


def test_check_several_files(write, tmp_path):
    good = write("MOV a, 1\n", "good.gdasm")
    bad = write("MOV a\nJMP x\n", "bad.gdasm")
    proc = gdasm("check", str(good), str(bad))
    assert proc.returncode == 65
    assert f"{good}: ok (1 instruction)" in proc.stdout
    assert f"{bad}:1:1: error:" in proc.stderr and f"{bad}:2:5: error:" in proc.stderr
    assert gdasm("check", str(good)).returncode == 0
    doc = json.loads(gdasm("check", str(good), str(bad), "--json").stdout)
    assert [f["ok"] for f in doc["files"]] == [True, False] and len(doc["files"][1]["diagnostics"]) == 2


def test_list_shows_bundled_programs_with_descriptions():
    out = gdasm("list").stdout
    assert re.search(r"^gradient_step\s+The seed's section-6 listing", out, re.M)
    assert re.search(r"^absolute_loss\s+The seed's section 2", out, re.M)


def test_test_command_passes_and_fails(write):
    good = write("MOV a, 2\n# expect: a = 2\n", "good.gdasm")
    proc = gdasm("test", str(good), "programs")
    bundled = len(list((ROOT / "programs").glob("*.gdasm")))
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == f"{bundled + 1} passed, 0 failed"
    bad = write("MOV a, 2\n# expect: a = 3\n", "bad.gdasm")
    proc = gdasm("test", str(good), str(bad))
    assert proc.returncode == 1 and "FAIL" in proc.stdout and "a = 2.0, expected 3" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_python_dash_m_vm_is_the_same_command():
    proc = subprocess.run([sys.executable, "-m", "vm", "run", "gradient_step", "--json"], capture_output=True,
                          text=True, cwd=ROOT)
    assert json.loads(proc.stdout)["registers"]["w"] == 0.09333333333333334


def _on_a_terminal(args, env):
    """Run gdasm with stdout on a pseudo-terminal; what it wrote there."""
    import pty
    main, child = pty.openpty()
    proc = subprocess.run([gdasm_script(), *args], stdout=child, stderr=subprocess.PIPE, cwd=ROOT,
                          env={k: v for k, v in {**os.environ, **env}.items() if v is not None}, timeout=60)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.returncode, b"".join(chunks).decode("utf-8")


def test_colour_only_on_a_terminal_and_never_with_no_color():
    code, out = _on_a_terminal(["trace", "gradient_step"], {"NO_COLOR": None})
    assert code == 0 and "\x1b[" in out
    code, out = _on_a_terminal(["trace", "gradient_step"], {"NO_COLOR": "1"})
    assert code == 0 and "\x1b[" not in out
    assert "\x1b[" not in gdasm("trace", "gradient_step", env={"NO_COLOR": ""}).stdout  # not a terminal


def test_running_a_program_loads_no_module_only_other_commands_need():
    """Start-up (docs: bench/bench_startup.py): `gdasm run` loads neither importlib.metadata (only --version
    needs it) nor NumPy, matplotlib, history or plotting; --version still works and goes to stdout."""
    import subprocess
    import sys
    code = ("import io, sys, vm.cli; vm.cli.main(['run', 'gradient_step'], io.StringIO(), io.StringIO()); "
            "print([m for m in ('importlib.metadata', 'numpy', 'matplotlib', 'vm.history', 'vm.plot', 'vm.page', "
            "'vm.pictures', 'vm.plot_cli', 'vm.html_cli', 'vm.sweeping', 'vm.describe', 'vm.objfile', 'difflib', "
            "'json') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr
    proc = gdasm("--version")
    assert proc.returncode == 0 and re.fullmatch(r"gdasm \S+\n", proc.stdout) and proc.stderr == ""


def test_each_command_has_all_its_options_when_it_is_the_one_run(capsys):
    """The command line fills in only the command being run (inputs.Only): each command's --help, built so,
    equals its help from the whole parser, and the list of commands is the whole one."""
    from vm import cli
    whole = cli._parser()
    commands = next(a for a in whole._actions if a.dest == "command").choices
    assert len(commands) >= 17
    for name, sub in commands.items():
        alone = next(a for a in cli._parser(name)._actions if a.dest == "command").choices[name]
        assert alone.format_help() == sub.format_help(), name
        assert alone.get_default("func") is sub.get_default("func") is not None, name
    assert cli._parser("").format_help() == whole.format_help()
    assert cli.main(["plt", "x"]) == 64 and "invalid choice: 'plt'" in capsys.readouterr().err


def test_a_damaged_or_missing_grammar_cache_is_rebuilt_silently():
    """The parser's cache (vm/__pycache__/grammar.lark-cache, docs in vm/assembler.py) speeds start-up; a
    missing, garbled or cut-short one is rebuilt without a word, and the program runs the same. Where Python
    is told not to write its compiled files (PYTHONDONTWRITEBYTECODE), gdasm writes no cache either."""
    from vm import assembler
    folder = Path(assembler.__file__).resolve().parent / "__pycache__"
    folder.mkdir(exist_ok=True)
    cache = folder / "grammar.lark-cache"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def run(environ):
        proc = subprocess.run([gdasm_script(), "run", "gradient_step"], capture_output=True, text=True,
                              env={**environ, "NO_COLOR": "1"}, cwd=ROOT, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    expected = run(env)
    assert expected[0] == 0 and expected[2] == ""
    for damage in (None, b"", b"not a cache\n", b"0" * 64 + b"\n\x80\x04garbage"):
        if damage is None:
            cache.unlink(missing_ok=True)
        else:
            cache.write_bytes(damage)
        assert run(env) == expected
        assert cache.read_bytes().split(b"\n", 1)[0] != (damage or b"").split(b"\n", 1)[0]  # written anew
    cache.unlink()
    assert run({**env, "PYTHONDONTWRITEBYTECODE": "1"}) == expected and not cache.exists()
    assert run(env) == expected and cache.exists()
