"""The seed's section-6 listing is valid gdasm exactly as printed, and gives the seed's numbers."""

import csv
import io
import json
import re

import pytest

import vm

from conftest import ROOT, SEED, gdasm

PROGRAM = ROOT / "programs" / "gradient_step.gdasm"


LISTING = ROOT / "tests" / "data" / "seed_section6.txt"


def seed_listing() -> list[str]:
    """The code lines of the seed's section 6, as printed (kept in tests/data, so a plain clone checks them)."""
    return [l for l in LISTING.read_text(encoding="utf-8").split("\n") if l.startswith("    ")]


def test_the_kept_listing_is_the_seeds():
    """tests/data/seed_section6.txt holds exactly the seed's section-6 code lines (when the seed is beside us)."""
    if not SEED.exists():
        pytest.skip(f"the seed document is not beside the repository ({SEED})")
    text = SEED.read_text(encoding="utf-8").split("\n")
    start = next(i for i, l in enumerate(text) if l.startswith("6."))
    end = next(i for i, l in enumerate(text) if l.startswith("7."))
    assert [l for l in text[start:end] if re.match(r"    (?:[A-Z]{3,4} |# )", l)] == seed_listing()


def test_program_holds_the_seed_listing_byte_for_byte():
    listing = seed_listing()
    assert len(listing) == 13 and listing[0] == "    MOV w, 0.0  # 初始权重设为0"
    assert sum(1 for l in listing if not l.strip().startswith("#")) == 12  # twelve instructions
    lines = PROGRAM.read_text(encoding="utf-8").split("\n")
    start = lines.index(listing[0])
    assert lines[start:start + len(listing)] == listing


def test_seed_listing_alone_assembles_and_runs():
    text = "\n".join(seed_listing())
    result = vm.run(vm.assemble(text, "seed"))
    assert result.registers["w"] == 0 + ((2 - 0 * 1) * 1 + (4 - 0 * 2) * 2 + (6 - 0 * 3) * 3) / 3 * 0.01
    assert result.steps == 12


def _hand():
    """The seed's arithmetic, in Python, in the listing's order."""
    e1, e2, e3 = 2.0 - 0.0, 4.0 - 0.0, 6.0 - 0.0
    total = e1 * 1 + e2 * 2
    total = total + e3 * 3
    avg = total / 3
    delta = avg * 0.01
    return {"grad_total": total, "grad_avg": avg, "delta_w": delta, "w": 0.0 + delta}


def test_run_json_gives_the_seed_numbers():
    proc = gdasm("run", "gradient_step", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    regs = doc["registers"]
    assert regs["w"] == 0.09333333333333334 == _hand()["w"]
    assert regs["grad_avg"] == 9.333333333333334 == _hand()["grad_avg"]
    assert regs["grad_total"] == 28.0 == _hand()["grad_total"]
    assert doc["status"] == "finished" and doc["steps"] == 12 and doc["output"] == []
    assert list(regs)[:2] == ["w", "error1"]  # order of first write


def test_run_text_prints_final_registers():
    proc = gdasm("run", "gradient_step")
    assert proc.returncode == 0
    assert "w          = 0.09333333333333334" in proc.stdout
    assert "grad_avg   = 9.333333333333334" in proc.stdout
    assert "finished after 12 steps" in proc.stdout


def test_trace_has_twelve_rows():
    proc = gdasm("trace", "gradient_step")
    assert proc.returncode == 0, proc.stderr
    rows = [l for l in proc.stdout.splitlines() if l.strip()[:1].isdigit()]
    assert len(rows) == 12
    assert rows[0].split() == ["1", "5", "MOV", "w,", "0.0", "w", "=", "0.0"]
    assert rows[1].split()[2:6] == ["SUB", "error1,", "2,", "0*1"]  # the immediate as written
    assert rows[-1].endswith("w: 0.0 → 0.09333333333333334")
    assert "grad_total: 10.0 → 28.0" in rows[8]


def test_trace_csv_and_json_lines():
    proc = gdasm("trace", "gradient_step", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(table) == 12
    assert table[9]["instruction"] == "DIV grad_avg, grad_total, 3"
    assert (table[9]["written"], table[9]["old"], table[9]["new"]) == ("grad_avg", "unset", "9.333333333333334")
    proc = gdasm("trace", "gradient_step", "--format", "json")
    *rows, closing = [json.loads(l) for l in proc.stdout.splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 13))
    assert closing == {"status": "finished", "steps": 12}  # a whole trace, not a cut one
    assert rows[-1]["writes"] == [{"register": "w", "old": 0.0, "new": 0.09333333333333334}]
    assert rows[0]["writes"][0]["old"] is None


def test_absolute_loss_is_the_seed_section_2_example():
    proc = gdasm("run", "absolute_loss", "--json")
    regs = json.loads(proc.stdout)["registers"]
    assert (regs["x"], regs["y_true"], regs["y_pred"]) == (1.0, 3.0, 2.0)
    assert regs["loss"] == abs(3 - 2) == 1.0
    proc = gdasm("run", "absolute_loss", "--json", "--set", "y_pred=4.5")
    assert json.loads(proc.stdout)["registers"]["loss"] == 1.5
