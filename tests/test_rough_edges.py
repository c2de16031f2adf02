"""Rough edges a class hit, each checked through the real `gdasm` console script."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from conftest import ROOT, gdasm

GD = (ROOT / "programs" / "gradient_descent.gdasm").read_text(encoding="utf-8").split("\n")
OUT_LINE = next(n for n, line in enumerate(GD, 1) if line.strip().startswith("OUT loss"))


def descent(iterations: int, w: float = 0.0, lr: float = 0.01, x=(1.0, 2.0, 3.0), y=(2.0, 4.0, 6.0)):
    """The seed's gradient descent on MSE, in plain Python: (w_k, loss_k) for k = 0 … iterations."""
    out = []
    for _ in range(iterations + 1):
        loss = sum((b - w * a) ** 2 for a, b in zip(x, y)) / len(x)
        grad = -2.0 * sum(a * (b - w * a) for a, b in zip(x, y)) / len(x)
        out.append((w, loss))
        w = w - lr * grad
    return out


# --- the trace table --------------------------------------------------------------------------------------

@pytest.mark.parametrize("words, fragment", [
    (["--table", "--compare"], "--compare adds columns to the step-by-step trace"),
    (["--regs", "w"], "--regs shapes the trace table: add --table"),
    (["--every", "repeat"], "--every shapes the trace table: add --table"),
    (["--format", "markdown"], "--format markdown is for the trace table"),
    (["--table", "--every", "nowhere"], "no label 'nowhere'"),
    (["--table", "--every", "9999"], "no instruction on or after line 9999"),
    (["--compare", "--exact"], "leave out --exact"),
])
def test_trace_options_that_do_not_go_together_are_usage_errors(words, fragment):
    proc = gdasm("trace", "gradient_descent", *words)
    assert proc.returncode == 64 and fragment in proc.stderr and proc.stdout == ""


def test_table_has_a_step_zero_row_of_initial_values():
    out = gdasm("trace", "gradient_descent", "--table", "--regs", "w,lr,loss", "--set", "max_iter=0").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["step", "line", "w", "lr", "loss", "out"]
    assert lines[1].split() == ["0", "0.0", "0.01"]  # w and lr from .reg; loss not yet computed


def test_every_gives_one_row_per_iteration_in_every_format():
    rows = descent(4)
    args = ["trace", "gradient_descent", "--table", "--every", str(OUT_LINE), "--regs", "iterations,w,loss",
            "--set", "max_iter=4"]
    text = gdasm(*args).stdout.splitlines()
    assert text[0].split() == ["iteration", "step", "iterations", "w", "loss"]
    body = [l.split() for l in text[1:] if l.strip() and not l.startswith("--")]
    assert [int(r[0]) for r in body] == [0, 1, 2, 3, 4] and [float(r[2]) for r in body] == [0, 1, 2, 3, 4]
    for r, (w, loss) in zip(body, rows):  # the same iterate's w and loss, against plain Python
        assert float(r[3]) == pytest.approx(w, rel=1e-12, abs=1e-15)
        assert float(r[4]) == pytest.approx(loss, rel=1e-12)
    table = list(csv.DictReader(io.StringIO(gdasm(*args, "--format", "csv").stdout)))
    assert [float(r["w"]) for r in table] == [float(r[3]) for r in body]
    md = gdasm(*args, "--format", "markdown").stdout.splitlines()
    assert re.match(r"^\| +iteration \| +step \| +iterations \| +w \| +loss \|$", md[0])
    assert re.match(r"^\|-+:\|-+:\|-+:\|-+:\|-+:\|$", md[1]) and len([l for l in md if l.startswith("| ")]) == 6
    *docs, closing = [json.loads(l) for l in gdasm(*args, "--format", "json").stdout.splitlines()]
    assert [d["values"]["w"] for d in docs] == [float(r[3]) for r in body]
    assert closing == {"status": "halted", "steps": docs[-1]["step"] + 4}  # OUT (that step), ABS, JLT, JGE, HALT
    trace = [json.loads(l) for l in gdasm("trace", "gradient_descent", "--set", "max_iter=4", "--format",
                                          "json").stdout.splitlines()[:-1]]
    assert all(trace[d["step"] - 1]["line"] == OUT_LINE for d in docs)  # the step that runs the line


def test_every_at_a_label_reaches_the_loop_top():
    out = gdasm("trace", "gradient_descent", "--table", "--every", "repeat", "--regs", "iterations",
                "--set", "max_iter=2").stdout.splitlines()
    assert [l.split()[:3] for l in out[1:4]] == [["0", "2", "0.0"], ["1", "52", "1.0"], ["2", "102", "2.0"]]


# --- JSON endings ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, args, status, code", [
    ("MOV a, 1\n", [], "finished", None),
    ("MOV a, 1\nHALT\nMOV b, 2\n", [], "halted", None),
    ("MOV z, 0\nDIV q, 1, z\n", [], "fault", "division-by-zero"),
    ("l: JMP l\n", ["--max-steps", "5"], "fault", "step-limit"),
])
def test_every_json_trace_ends_with_a_closing_record(source, args, status, code):
    proc = gdasm("trace", "-", "--format", "json", *args, stdin=source)
    *rows, closing = [json.loads(l) for l in proc.stdout.splitlines()]
    assert closing["status"] == status and all("step" in r and "status" not in r for r in rows)
    assert closing["steps"] == len(rows)
    if code:
        assert proc.returncode == 70 and closing["diagnostic"]["code"] == code
        assert closing["diagnostic"]["step"] == len(rows) + 1
    for table in ([], ["--table"]):
        if table:
            proc = gdasm("trace", "-", "--table", "--format", "json", *args, stdin=source)
            assert json.loads(proc.stdout.splitlines()[-1])["status"] == status


# --- one step numbering ------------------------------------------------------------------------------------

def test_run_trace_debug_and_json_name_the_same_faulting_step(write):
    p = write("MOV a, 1\nMOV z, 0\nDIV q, a, z\n")  # steps 1 and 2 run; step 3 faults
    run = gdasm("run", str(p))
    assert "-- stopped by a fault at step 3 --" in run.stdout and "note: at step 3" in run.stderr
    trace = gdasm("trace", str(p))
    assert trace.stdout.splitlines()[-2].split()[0] == "2" and "-- stopped by a fault at step 3 --" in trace.stdout
    debug = gdasm("debug", str(p), stdin="continue\n")
    assert "step 2: fault at step 3, line 3: division by zero" in debug.stdout
    doc = json.loads(gdasm("run", str(p), "--json").stdout)
    assert (doc["steps"], doc["diagnostic"]["step"], doc["diagnostic"]["code"]) == (2, 3, "division-by-zero")


def test_debug_refuses_json():
    proc = gdasm("debug", "gradient_step", "--json")
    assert proc.returncode == 64 and "unrecognized arguments: --json" in proc.stderr


def test_readme_synopsis_lists_each_commands_options():
    """The README's synopsis says exactly which options each command takes: `--help` agrees."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    synopsis = readme.split("## The command line", 1)[1].split("```", 2)[1]
    for command in ("run", "trace", "debug", "explain", "check", "test", "list", "show"):
        blocks = re.findall(rf"^gdasm {command}\b.*(?:\n {{6,}}.*)*", synopsis, re.M)
        written = set(re.findall(r"--[a-z][a-z-]*", "\n".join(blocks)))
        helped = set(re.findall(r"--[a-z][a-z-]*", gdasm(command, "--help").stdout)) - {"--help"}
        assert written == helped, (command, written ^ helped)


# --- gdasm test ----------------------------------------------------------------------------------------------

def test_test_reports_assembly_errors_and_bad_expectations_in_line_order(write):
    broken = write("MOV a, 1\nMLU b, a\n# expect: b = 1\n", "broken.gdasm")
    proc = gdasm("test", str(broken))
    assert proc.returncode == 1 and "2:1: error: unknown mnemonic 'MLU'" in proc.stdout
    assert "no expectations" not in proc.stdout
    odd = write("MOV a, 1\n# expect steps: twelve\n# expect: a = one\n# expect frobs: 3\n# expect status: done\n",
                "odd.gdasm")
    lines = [l.strip() for l in gdasm("test", str(odd)).stdout.splitlines()[1:-1]]
    assert [l.split(":")[0] for l in lines] == ["line 2", "line 3", "line 4", "line 5"]
    assert "the number of steps 'twelve' is not a whole number" in lines[0]
    assert "the value 'one' is not a number" in lines[1] and "unknown expectation 'expect frobs'" in lines[2]
    assert "invalid literal" not in "\n".join(lines)


def test_test_json_summary_for_graders(write):
    good = write("MOV a, 2\n# expect: a = 2\n", "good.gdasm")
    bad = write("MOV a, 2\n# expect: a = 3\n", "bad.gdasm")
    proc = gdasm("test", str(good), str(bad), "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1 and (doc["status"], doc["passed"], doc["failed"]) == ("failed", 1, 1)
    assert [(f["file"], f["ok"]) for f in doc["files"]] == [(str(good), True), (str(bad), False)]
    assert doc["files"][1]["failures"] == ["line 2: a = 2.0, expected 3"]


def test_expect_fault_and_error_by_code(write):
    p = write("MOV z, 0\nDIV q, 1, z\n# expect fault: division-by-zero @ 2:1\n")
    assert gdasm("test", str(p)).returncode == 0
    p = write("MLU a, 1\n# expect error: unknown-mnemonic @ 1:1\n", "e.gdasm")
    assert gdasm("test", str(p)).returncode == 0


# --- local copies, bundled programs and data ----------------------------------------------------------------

def test_a_local_copy_of_a_bundled_program_runs_and_says_so(tmp_path):
    (tmp_path / "gradient_step.gdasm").write_text("MOV w, 42\n", encoding="utf-8")
    proc = gdasm("run", "gradient_step", "--json", cwd=tmp_path)
    assert json.loads(proc.stdout)["registers"] == {"w": 42.0}
    assert "running gradient_step.gdasm from this folder, not the bundled program 'gradient_step'" in proc.stderr
    assert json.loads(gdasm("run", "gradient_step", "--json").stdout)["registers"]["w"] == 0.09333333333333334


def test_show_prints_a_bundled_program_and_its_path(tmp_path):
    proc = gdasm("show", "gradient_step", cwd=tmp_path)
    assert proc.stdout == (ROOT / "programs" / "gradient_step.gdasm").read_text(encoding="utf-8")
    path = gdasm("show", "--path", "gradient_step").stdout.strip()
    assert open(path, encoding="utf-8").read() == proc.stdout
    proc = gdasm("show", "gradient_stpe")
    assert proc.returncode == 66 and "did you mean 'gradient_step'?" in proc.stderr


def test_bundled_data_files_by_name(tmp_path):
    proc = gdasm("run", "mse_loss", "--json", "--data", "x=@us_population.csv:decades_since_1900",
                 "--data", "y=@us_population.csv:population_millions", cwd=tmp_path)
    rows = list(csv.DictReader((ROOT / "programs" / "data" / "us_population.csv").open(encoding="utf-8")))
    assert json.loads(proc.stdout)["arrays"]["x"] == [float(r["decades_since_1900"]) for r in rows]


def test_a_csv_without_a_column_says_so_once(tmp_path):
    proc = gdasm("run", "mse_loss", "--data", "x=@us_population.csv")
    assert proc.returncode == 64 and proc.stderr.count("error") == 1
    assert "us_population.csv is a CSV file; name a column with @us_population.csv:COLUMN" in proc.stderr
    assert "its columns are: year, decades_since_1900, population_millions" in proc.stderr


# --- names, characters and hints ------------------------------------------------------------------------------

def test_chinese_names_and_labels_work():
    source = ".reg 权重 = 0\n.reg 学习率 = 0.5\n    MOV 次数, 0\n循环:\n    ADD 权重, 学习率\n    ADD 次数, 1\n" \
             "    JLT 次数, 4, 循环\n    OUT 权重\n"
    proc = gdasm("run", "-", "--json", stdin=source)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0 and doc["registers"]["权重"] == 2.0 and doc["output"] == [2.0]


def test_full_width_names_are_read_as_ascii_with_a_warning():
    proc = gdasm("run", "-", "--json", stdin="ＭＯＶ ｗ１, 1\n")
    doc = json.loads(proc.stdout)
    assert doc["registers"] == {"w1": 1.0} and doc["warnings"][0]["code"] == "normalised-name"


def test_a_bad_character_in_a_declaration_or_label_does_not_cascade():
    proc = gdasm("check", "-", "--json", stdin=".data x = 1，2\nloop：\n    LEN n, x\n    JMP loop\n")
    diags = json.loads(proc.stdout)["files"][0]["diagnostics"]
    assert [(d["line"], d["code"]) for d in diags] == [(1, "lookalike-character"), (2, "lookalike-character")]


def test_every_bad_character_on_a_line_is_reported():
    proc = gdasm("check", "-", "--json", stdin="MOV a，1 × 2 − 3；\n")
    diags = json.loads(proc.stdout)["files"][0]["diagnostics"]
    assert [(d["column"], d["code"]) for d in diags] == [
        (6, "lookalike-character"), (9, "maths-symbol"), (13, "maths-symbol"), (16, "lookalike-character")]


def test_maths_symbols_are_named_as_such():
    err = gdasm("check", "-", stdin="MOV a, 2 × 3\n").stderr
    assert "'×' (U+00D7 MULTIPLICATION SIGN) is a mathematical symbol, not gdasm's '*'" in err
    assert "formulas copied from a document" in err and "input method" not in err


def test_did_you_mean_for_a_difference_of_case():
    err = gdasm("run", "-", stdin="MOV W, 1\nADD q, w, 1\n").stderr
    assert "did you mean 'W'?" in err
    err = gdasm("run", "-", "--set", "W=1", stdin=".reg w = 0\nOUT w\n").stderr
    assert "did you mean 'w'?" in err


# --- the debugger -------------------------------------------------------------------------------------------------

STORE = ".zeros buf, 3\nMOV v, 6\nSTORE buf, 1, v\nLOAD q, buf, 1\nSTORE buf, 1, q\nMOV v, 7\n"


def test_debugger_shows_array_writes_and_watches_elements(write):
    p = write(STORE)
    out = gdasm("debug", str(p), stdin="step 2\nwatch buf[1]\nback 2\ncontinue\ncontinue\nprint buf[1]\n").stdout
    assert "changed: v = 6.0; buf[1]: 0.0 → 6.0" in out  # the STORE, as the trace says it
    assert "(gdasm) continue\nstopped: watch 1: buf[1] changed\nstep 2:" in out
    assert "(gdasm) continue\nstep 5: finished" in out  # STORE of the same value is not a change
    assert "buf[1] = 6.0" in out


def test_debugger_enter_repeats_print_needs_a_name_help_lists_aliases(write):
    p = write(STORE)
    out = gdasm("debug", str(p), stdin="step\n\n\nprint\nhelp\n").stdout
    assert out.count("(gdasm) \nstep ") == 2 and "step 3: next is line 5" in out
    assert "print takes a register, an array or an element" in out
    assert "Enter repeats the last step, back" in out and "Aliases: s = step" in out and "rc = reverse-continue" in out


def test_step_and_back_stop_at_breakpoints_and_watches(write):
    p = write(STORE)
    out = gdasm("debug", str(p), stdin="break 4\nstep 5\nstep 5\nback 5\nwatch v\nback 5\n").stdout
    assert "(gdasm) step 5\nstopped: breakpoint 1 at line 4\nstep 2:" in out
    assert "(gdasm) step 5\nstep 5: finished" in out
    assert "(gdasm) back 5\nstopped: breakpoint 1 at line 4\nstep 2:" in out
    assert "(gdasm) back 5\nstopped: watch 2: v changed\nstep 1:" in out


def test_conditional_breakpoints(write):
    p = write("MOV i, 0\nloop: ADD i, 1\nJLT i, 10, loop\n")
    out = gdasm("debug", str(p), stdin="break 2 if i >= 6\ncontinue\nprint i\nbreak 3 if i == j\n").stdout
    assert "stopped: breakpoint 1 at line 2 (i >= 6)" in out and "(gdasm) print i\ni = 6.0" in out
    assert "'j' is neither a number nor a register of this program" in out


# --- found by a fresh reader and an attacker ----------------------------------------------------------------------

@pytest.mark.parametrize("words, fragment", [
    (["trace", "gradient_step", "--json", "--format", "csv"], "--json means --format json"),
    (["run", "gradient_step", "--quiet", "--json"], "--quiet prints only the OUT values"),
    (["run", "gradient_step", "--exact", "--numbers", "hex"], "under --exact every value is an exact fraction"),
    (["trace", "gradient_descent", "--table", "--every", "0"], "lines are numbered from 1"),
    (["run", "gradient_step", "--set", "w=２"], "is not a number: it is typed in full-width characters: write the ASCII '2'"),
    (["run", "mse_loss", "--data", "x=1_000"], "is not a number"),
    (["run", "mse_loss", "--data", "x=@:a"], "no file name after '@'"),
])
def test_options_that_cannot_both_hold_are_refused(words, fragment):
    proc = gdasm(*words)
    assert proc.returncode == 64 and fragment in proc.stderr + proc.stdout, proc.stderr  # JSON if --json asked


def test_table_json_and_format_json_give_json_even_for_errors(write):
    *rows, closing = [json.loads(l) for l in gdasm("trace", "gradient_step", "--table", "--json").stdout.splitlines()]
    assert rows[0] == {"step": 0, "line": None, "values": {n: None for n in rows[0]["values"]}, }
    assert rows[12]["values"] == {"w": 0.09333333333333334} and closing == {"status": "finished", "steps": 12}
    bad = write("MLU a, 1\n")
    doc = json.loads(gdasm("trace", str(bad), "--format", "json").stdout)
    assert doc["status"] == "error" and doc["diagnostics"][0]["code"] == "unknown-mnemonic"


def test_table_columns_may_be_array_elements_and_memory_stays_bounded(write):
    p = write(".zeros buf, 3\nMOV v, 6\nSTORE buf, 1, v\nLOAD q, buf, 1\n")
    lines = gdasm("trace", str(p), "--table", "--regs", "v,buf[1],q").stdout.splitlines()
    assert [l.split() for l in lines[:4]] == [["step", "line", "v", "buf[1]", "q"], ["0", "0.0"], ["1", "2", "6.0"],
                                             ["2", "3", "6.0"]]
    spin = write("l: ADD i, 1\nJMP l\n.reg i = 0\n", "spin.gdasm")

    def peak_kb(steps: int) -> int:
        code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
                "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        from conftest import gdasm_script
        import subprocess
        import sys
        out = subprocess.run([sys.executable, "-c", code, gdasm_script(), "trace", str(spin), "--table",
                              "--max-steps", str(steps)], capture_output=True, text=True, timeout=300).stdout
        return int(out)

    small, large = peak_kb(20_000), peak_kb(400_000)
    assert large - small < 20_000, (small, large)  # 20× the steps, not 20× the memory: rows stream


def test_test_runs_a_local_copy_and_says_when_a_folder_is_empty(tmp_path):
    (tmp_path / "gradient_step.gdasm").write_text("MOV w, 1\n# expect: w = 1\n", encoding="utf-8")
    proc = gdasm("test", "gradient_step", cwd=tmp_path)
    assert proc.returncode == 0 and "PASS gradient_step.gdasm" in proc.stdout and "from this folder" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = gdasm("test", "empty", cwd=tmp_path)
    assert proc.returncode == 66 and "empty: no .gdasm files in this folder" in proc.stderr


def test_expectation_lines_that_would_check_nothing_are_reported(write):
    p = write("MOV w, 2  # expect: w = 9\n# expect w = 2\n# expected: w = 2\n# expect fault:\n"
              "# expect: w ≈ 2 ± -1\n# expect: w = 2\n")
    lines = [l.strip() for l in gdasm("test", str(p)).stdout.splitlines()[1:-1]]
    assert [l.split(":")[0] for l in lines] == ["line 1", "line 2", "line 3", "line 4", "line 5"], lines
    assert "follows code and is not checked" in lines[0] and "needs a ':' after 'expect'" in lines[1]
    assert "did you mean '# expect:'?" in lines[2] and "needs a code or part of its message" in lines[3]
    assert "the tolerance '-1' is negative" in lines[4]
    q = write("MOV w, 2\n# expect w = 2\n# run: --bogus\n# expect: w = 2\n", "q.gdasm")
    lines = [l.strip() for l in gdasm("test", str(q)).stdout.splitlines()[1:-1]]
    assert lines[0].startswith("line 2:") and lines[1].startswith("line 3: bad '# run:' options")


def test_chinese_names_align_and_get_suggestions():
    source = ".reg 权重 = 1\n.reg 学习率 = 0.5\nMOV 和, 1\nADD 和, 权种\n"
    err = gdasm("run", "-", stdin=source).stderr
    assert "did you mean '权重'?" in err
    out = gdasm("run", "-", stdin=source.replace("权种", "权重")).stdout.splitlines()[1:]
    from vm.render import display_width
    assert len({display_width(l.split("=")[0]) for l in out}) == 1, out  # the '=' signs line up on screen
    assert gdasm("check", "-", stdin="循环: HALT\nJMP 循坏\n").stderr.count("did you mean '循环'?") == 1


def test_names_in_any_script_as_python_reads_them():
    proc = gdasm("run", "-", "--json", stdin="MOV गति, 1\nMOV a\u0301, 2\n")
    assert json.loads(proc.stdout)["registers"] == {"गति": 1.0, "á": 2.0}
    proc = gdasm("check", "-", stdin="MOV a½, 1\n")
    assert proc.returncode == 65 and "'a½' is not a valid register name" in proc.stderr


def test_thirty_bad_characters_on_a_line_do_not_cascade():
    proc = gdasm("check", "-", "--json", stdin=".data x = 1" + "，2" * 29 + "\nLEN n, x\n")
    diags = json.loads(proc.stdout)["files"][0]["diagnostics"]
    assert len(diags) == 20 and {d["line"] for d in diags} == {1}
    assert diags[-1]["notes"] == ["and 9 more characters on this line that gdasm cannot read"]


def test_set_that_the_program_overwrites_is_a_warning():
    proc = gdasm("run", "gradient_step", "--set", "w=0.5", "--quiet")
    assert "gradient_step.gdasm:5:5: warning: --set w=0.5 has no effect" in proc.stderr
    assert "warning" not in gdasm("run", "gradient_descent", "--set", "w=0.5", "--quiet").stderr


def test_explain_says_why_a_tree_was_cut():
    out = gdasm("explain", "gradient_descent", "w", "--depth", "100000").stdout
    assert "because a tree stops at 4,000 values and 200 levels" in out and "at the depth limit" not in out
    out = gdasm("explain", "gradient_descent", "w", "--depth", "2").stdout
    assert "3 values not expanded at the depth limit" in out


def test_explain_names_the_directive_an_element_came_from(write):
    p = write(".zeros buf, 3\n.data x = 1, 2\nLOAD a, buf, 1\nLOAD b, x, 0\nADD c, a, b\n")
    out = gdasm("explain", str(p), "c").stdout
    assert "buf[1] = 0.0   input (.zeros, line 1)" in out and "x[0] = 1.0   input (.data, line 2)" in out
    assert "x[0] = 5.0   input (--data)" in gdasm("explain", str(p), "c", "--data", "x=5,6").stdout


def test_a_gbk_csv_is_named_as_not_utf8(tmp_path):
    (tmp_path / "gbk.csv").write_bytes("年份,人口\n1900,76\n".encode("gbk"))
    proc = gdasm("run", "mse_loss", "--data", "x=@gbk.csv:年份", cwd=tmp_path)
    assert proc.returncode == 65 and "gbk.csv:1:1: error: the file is not valid UTF-8" in proc.stderr
    assert "GBK" in proc.stderr


def test_messages_about_no_file_start_with_gdasm():
    proc = gdasm("check", "nonexist")
    assert proc.returncode == 66 and proc.stderr.startswith("gdasm: error: nonexist: no such file")


def test_enter_does_not_repeat_break_or_watch(write):
    p = write("MOV v, 1\nMOV v, 2\n")
    out = gdasm("debug", str(p), stdin="break 2\n\nwatch v\n\ninfo breakpoints\n").stdout
    assert out.count("breakpoint  line 2") == 1 and out.count("watch       v") == 1


def test_the_debugger_runs_as_long_as_a_run_by_default():
    """Time travel is checkpointed (bounded memory), so the debugger no longer needs a shorter step limit."""
    for command in ("debug", "explain", "run"):
        assert "default 10,000,000" in " ".join(gdasm(command, "--help").stdout.split()), command


def test_huge_and_fractional_indexes_print_as_numbers():
    err = gdasm("run", "-", stdin=".data x = 1\nLOAD v, x, 1e300\n").stderr
    assert "index 1e+300 is out of range for array 'x' of length 1" in err
    err = gdasm("run", "-", "--numbers", "hex", stdin=".zeros a, 3\nMOV i, 0.5\nSTORE a, i, 1\n").stderr
    assert "index 0x1.0000000000000p-1 is not a whole number" in err  # the fault's number in the format asked
