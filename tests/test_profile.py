"""`--profile`: its counts are the trace's, its cycles the cost model's, and the model is its cited source's."""

import json
import re
from collections import Counter

import pytest

import vm
from conftest import gdasm, program_files
from vm import isa, profile
from vm.machine import Machine

# Latencies typed from the cited source (LLVM's SkylakeClientModel, X86SchedSkylakeClient.td): WriteFMove 1,
# WriteFAdd64 4, WriteFMul64 4, WriteFDiv64 14, WriteFLogic 1, WriteFSqrt64 18, WriteJump 1, WriteFComX 2,
# CALL64pcrel32 3, RET64 7, WriteFLoad 5, WriteFStore 1; EXP and LOG the stated 45-cycle estimate; OUT none.
SKYLAKE = {"MOV": 1, "ADD": 4, "SUB": 4, "MUL": 4, "DIV": 14, "NEG": 1, "ABS": 1, "SQRT": 18, "EXP": 45,
           "LOG": 45, "JMP": 1, "JLT": 3, "JLE": 3, "JGT": 3, "JGE": 3, "JEQ": 3, "JNE": 3, "CALL": 3, "RET": 7,
           "LOAD": 5, "STORE": 1, "LEN": 1, "OUT": None, "HALT": 1}


def test_the_cost_model_is_the_cited_sources():
    assert {m: op.cost.cycles for m, op in isa.OPS.items()} == SKYLAKE
    assert all(op.cost.basis for op in isa.OPS.values())
    assert "X86SchedSkylakeClient.td" in isa.COST_SOURCE and "Skylake" in isa.COST_CPU


def _trace_counts(path, *extra) -> tuple[Counter, dict, dict]:
    """Steps per address, counted here from `gdasm trace --format json`; the instructions; the closing record."""
    proc = gdasm("trace", str(path), "--format", "json", "--profile", *extra)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    steps = [r for r in records if "step" in r and "address" in r]
    assert [r["step"] for r in steps] == list(range(1, len(steps) + 1))
    return Counter(r["address"] for r in steps), {r["address"]: r["instruction"] for r in steps}, records[-1]


@pytest.mark.parametrize("path", program_files(), ids=lambda p: p.name)
def test_the_profile_counts_are_the_traces(path):
    limit = ("--max-steps", "20000")  # a longer run stops at the limit in both, and is compared up to there
    counts, texts, closing = _trace_counts(path, *limit)
    proc = gdasm("run", str(path), "--profile", "--json", *limit)
    doc = json.loads(proc.stdout)
    prof = doc["profile"]
    assert prof == closing["profile"]  # trace --profile and run --profile agree
    program = vm.load(str(path))
    assert len(prof["lines"]) == len(program.instructions)
    by_address = {row["address"]: row for row in prof["lines"]}
    for address, ins in enumerate(program.instructions):
        row = by_address[address]
        assert row["runs"] == counts[address], (address, ins.text)
        mnemonic = ins.text.split()[0].upper()
        assert row["mnemonic"] == mnemonic and row["line"] == ins.line
        each = SKYLAKE[mnemonic]
        assert row["cycles_each"] == each and row["cycles"] == counts[address] * (each or 0)
    assert prof["steps"] == sum(counts.values()) == doc["steps"] == closing["steps"]
    assert prof["cycles"] == sum(n * (SKYLAKE[texts[a].split()[0].upper()] or 0) for a, n in counts.items())
    assert prof["io_steps"] == sum(n for a, n in counts.items() if texts[a].split()[0].upper() == "OUT")
    ran = [row for row in prof["lines"] if row["runs"]]
    assert ran == prof["lines"][:len(ran)]
    assert [r["cycles"] for r in ran] == sorted((r["cycles"] for r in ran), reverse=True)
    mix = Counter()
    for a, n in counts.items():
        mix[texts[a].split()[0].upper()] += n
    assert {g["mnemonic"]: g["runs"] for g in prof["mnemonics"]} == +mix
    assert sum(g["runs"] for g in prof["regions"]) == prof["steps"]
    assert sum(g["cycles"] for g in prof["regions"]) == prof["cycles"]


def _regions_from_source(text: str) -> dict:
    """Label -> the set of instruction lines up to the next label, read from the source by a regex."""
    regions, current = {}, None
    for number, line in enumerate(text.splitlines(), 1):
        code = re.split(r"[#;]", line, maxsplit=1)[0]
        m = re.match(r"\s*([A-Za-z_]\w*):\s*(.*)$", code)
        if m:
            current = m.group(1)
            regions[current] = set()
            code = m.group(2)
        if code.strip() and not code.strip().startswith(".") and current is not None:
            regions[current].add(number)
    return regions


def test_gradient_descent_spends_its_cycles_in_the_inner_loop():
    """The issue's lesson: the loop is where the time goes; the DIVs, dear each, cost less in all."""
    path = vm.catalog.find("gradient_descent")
    counts, texts, closing = _trace_counts(path)
    prof = closing["profile"]
    program = vm.load(str(path))
    line_of = {a: ins.line for a, ins in enumerate(program.instructions)}
    regions = _regions_from_source(path.read_text(encoding="utf-8"))
    cycles = lambda a: counts[a] * (SKYLAKE[texts[a].split()[0].upper()] or 0)  # noqa: E731
    loop = sum(cycles(a) for a in counts if line_of[a] in regions["each"])
    divs = sum(cycles(a) for a in counts if texts[a].startswith("DIV"))
    assert prof["regions"][0]["label"] == "each" and prof["regions"][0]["cycles"] == loop
    assert loop > 0.6 * prof["cycles"] > 4 * divs > 0
    assert divs < sum(cycles(a) for a in counts if texts[a].startswith("LOAD"))
    text = gdasm("run", "gradient_descent", "--profile", "--quiet").stdout
    assert re.search(r"^most cycles if nothing overlapped: each \(lines \d+–\d+\), 6\d\.\d% of them", text, re.M)
    assert re.search(r"^most expensive instruction: DIV, 14 cycles a step; it ran 344 times", text, re.M)
    assert re.search(r"^\s+15\s+172\s+2\.0%\s+I/O\s+—\s+—\s+OUT loss$", text, re.M)
    assert "the 172 OUT steps are I/O, counted but not given cycles" in text
    # and the chain says the other half: the DIV that feeds the next w is on it, the loads hardly
    rows = {r["instruction"]: r for r in prof["lines"]}
    assert rows["DIV grad, n"]["chain_cycles"] == 172 * 14 and not rows["DIV loss, sum_sq, n"]["chain_cycles"]
    assert sum(r["chain_cycles"] for r in prof["lines"] if r["mnemonic"] == "LOAD") <= 5
    assert re.search(r"^on that chain: line 51 \(DIV grad, n\) 28\.0%", text, re.M)


def test_a_fault_is_not_counted_as_a_step_that_ran(write):
    p = write("MOV a, 1\nMOV b, 0\nDIV c, a, b\nOUT c\n")
    counts, _, closing = _trace_counts(p)
    assert closing["status"] == "fault" and closing["profile"]["steps"] == 2 == sum(counts.values())
    proc = gdasm("run", str(p), "--profile")
    assert proc.returncode == 70 and "division by zero" in proc.stderr
    assert "prog.gdasm: 2 steps, 2 cycles if nothing overlapped" in proc.stdout
    assert "never run: lines 3, 4" in proc.stdout


def test_the_step_limit_counts_every_step_that_ran(write):
    p = write(".reg a = 0\ntop:\n    ADD a, 1\n    JMP top\n", "loop.gdasm")
    doc = json.loads(gdasm("run", str(p), "--profile", "--json", "--max-steps", "1001").stdout)
    assert doc["status"] == "fault" and doc["profile"]["steps"] == 1001
    assert [(r["line"], r["runs"]) for r in doc["profile"]["lines"]] == [(3, 501), (4, 500)]


def test_a_binary_profiles_like_its_source(tmp_path):
    out = tmp_path / "gd.gdbin"
    assert gdasm("asm", "gradient_descent", "-o", str(out)).returncode == 0
    from_source = json.loads(gdasm("run", "gradient_descent", "--profile", "--json").stdout)["profile"]
    from_binary = json.loads(gdasm("run", str(out), "--profile", "--json").stdout)["profile"]
    assert from_binary == from_source
    assert gdasm("asm", "--strip", "gradient_descent", "-o", str(out)).returncode == 0
    stripped = json.loads(gdasm("run", str(out), "--profile", "--json").stdout)["profile"]
    assert [r["runs"] for r in stripped["lines"]] == [r["runs"] for r in from_source["lines"]]
    assert stripped["cycles"] == from_source["cycles"]


@pytest.mark.parametrize("args, message", [
    (("--format", "csv"), "--format csv"),
    (("--table",), "--table"),
])
def test_profile_refuses_what_it_cannot_follow(args, message):
    proc = gdasm("trace", "gradient_step", "--profile", *args)
    assert proc.returncode == 64 and message in proc.stderr and proc.stdout == ""


def test_the_text_trace_ends_with_the_profile():
    proc = gdasm("trace", "gradient_step", "--profile")
    lines = proc.stdout.splitlines()
    end = lines.index("-- finished after 12 steps --")
    assert lines[end + 2] == "profile of gradient_step.gdasm: 12 steps, 55 cycles if nothing overlapped"
    assert lines[-1] == ("most expensive instruction: DIV, 14 cycles a step; it ran 1 time: 25.5% of the cycles if "
                         "nothing overlapped, 36.8% of the chain")
    # the seed's chain by hand: SUB 4, MUL 4, ADD 4, ADD 4, DIV 14, MUL 4, ADD 4
    assert "the longest chain of dependent steps: 38 cycles (7 steps)" in proc.stdout


def test_counting_survives_breaks_and_sums_to_the_steps():
    program = vm.bundled("gradient_descent")
    m = Machine(program)
    m.count_steps()
    each = program.labels["each"]
    while m.run_to({each}):
        m.step()  # one step past the break, as the debugger does
    assert sum(m.executions()) == m.steps == 8597
    plain = Machine(program)
    plain.count_steps()
    plain.run()
    assert m.executions() == plain.executions()
    assert profile.build(program, m.executions()).cycles == profile.build(program, plain.executions()).cycles


def chain_from_trace(path, limit=("--max-steps", "20000")) -> int:
    """The longest chain of dependent steps, computed here from `gdasm trace --format json`: each step starts when
    the registers it reads (and a LOAD's element) are ready and ends its latency later; only writes make values.
    Operands are read from the instruction's text, register values from the trace's writes."""
    proc = gdasm("trace", str(path), "--format", "json", *limit)
    program = vm.load(str(path))
    arrays = set(program.arrays)
    values = {i.name: i.values[0] for i in program.reg_inputs}
    ready: dict = {}
    elements: dict = {}
    longest = 0
    for line in proc.stdout.splitlines():
        r = json.loads(line)
        if "address" not in r:
            continue
        mnemonic, _, rest = r["instruction"].partition(" ")
        mnemonic = mnemonic.upper()
        ops = [o.strip() for o in rest.split(",")] if rest.strip() else []
        is_reg = lambda o: re.fullmatch(r"[A-Za-z_]\w*", o) is not None and o not in arrays  # noqa: E731
        dest, reads, element = None, [], None
        if mnemonic in ("MOV", "NEG", "ABS", "SQRT", "EXP", "LOG"):
            dest, reads = ops[0], ops[1:]
        elif mnemonic in ("ADD", "SUB", "MUL", "DIV"):
            dest, reads = ops[0], ops if len(ops) == 2 else ops[1:]
        elif mnemonic == "LOAD":
            dest, reads = ops[0], [ops[2]]
            element = (ops[1], int(values[ops[2]] if is_reg(ops[2]) else float(ops[2])))
        elif mnemonic == "STORE":
            reads = [ops[1], ops[2]]
        elif mnemonic == "LEN":
            dest = ops[0]
        elif mnemonic.startswith("J") and len(ops) == 3:  # a branch waits for what it compares; nothing waits for it
            reads = ops[:2]
        elif mnemonic == "OUT":
            reads = ops
        start = max([ready.get(o, 0) for o in reads if is_reg(o)] + [elements.get(element, 0)])
        finish = start + (SKYLAKE[mnemonic] or 0)
        for w in r["writes"]:
            values[w["register"]] = w["new"]
            assert w["register"] == dest
            ready[dest] = finish
        for w in r["array_writes"]:
            elements[(w["array"], w["index"])] = finish
        longest = max(longest, finish)
    return longest


@pytest.mark.parametrize("path", program_files(), ids=lambda p: p.name)
def test_the_chain_is_the_one_computed_from_the_trace(path):
    limit = ("--max-steps", "20000")
    prof = json.loads(gdasm("run", str(path), "--profile", "--json", *limit).stdout)["profile"]
    assert prof["chain_cycles"] == chain_from_trace(path, limit)
    assert sum(r["chain_cycles"] for r in prof["lines"]) == prof["chain_cycles"]
    assert prof["chain_cycles"] <= prof["cycles"]


@pytest.mark.parametrize("command", ["run", "trace"])
def test_ctrl_c_profiles_the_steps_that_ran(tmp_path, command):
    """Wherever the signal lands, the profile counts exactly the steps the interrupt report says ran."""
    import os
    import signal
    import subprocess
    from conftest import gdasm_script
    prog = tmp_path / "spin.gdasm"
    prog.write_text("OUT 1\nMOV i, 0\nspin: ADD i, 1\nJMP spin\n", encoding="utf-8")
    proc = subprocess.Popen([gdasm_script(), command, str(prog), "--profile", "--max-steps", "1000000000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = proc.stdout.readline()
    while command == "trace" and not first.lstrip().startswith("1 "):  # the header, then step 1
        first = proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    steps = int(re.search(r"interrupted after ([\d,]+) steps?", err).group(1).replace(",", ""))
    assert re.search(rf"^profile of .*spin\.gdasm: {steps:,} steps?, ", out, re.M), out[-2000:]
    runs = {int(m.group(1)): int(m.group(2).replace(",", ""))
            for m in re.finditer(r"^\s+(\d)\s+([\d,]+)\s", out.split("profile of", 1)[1], re.M)}
    adds = max(0, (steps - 2 + 1) // 2)  # steps 3, 5, 7… are ADDs; 4, 6, 8… JMPs
    assert runs.get(1) == 1 and runs.get(3, 0) == adds and sum(runs.values()) == steps, (steps, runs)
    assert "not followed: the run was interrupted" in out


def test_profiling_leaves_the_step_limits_hot_spot_note_alone(write):
    """The note names where the last 10,000 steps went, with or without --profile (which counts every step)."""
    p = write(".reg i = 0\nfirst:\n    ADD i, 1\n    JLT i, 9000, first\n    MOV j, 0\nagain:\n    ADD j, 1\n"
              "    JMP again\n", "two.gdasm")
    for command in ("run", "trace"):
        notes = []
        for extra in ((), ("--profile",)):
            proc = gdasm(command, str(p), "--max-steps", "30000", *extra)
            assert proc.returncode == 70
            notes.append(re.search(r"the hottest code is .*$", proc.stderr, re.M).group(0))
        assert notes[0] == notes[1] and "line 7 (`ADD j, 1`" in notes[0] and "last 10,000 steps" in notes[0]
