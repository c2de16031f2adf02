"""Tests that are programs: every .gdasm file states what it must produce, in comments."""

from pathlib import Path

import pytest

from vm.expect import run_expectations

from conftest import ROOT

FILES = sorted((ROOT / "tests" / "programs").glob("*.gdasm")) + sorted((ROOT / "programs").glob("*.gdasm"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_program_meets_its_expectations(path: Path):
    assert run_expectations(path) == []


def test_program_tests_cover_every_fault_and_instruction():
    """Each fault code of the ISA table is expected (by code) by a program test, and each instruction runs in one."""
    from vm import isa
    import re
    texts = [p.read_text(encoding="utf-8") for p in FILES]
    expected = {m for t in texts for m in re.findall(r"# expect fault: ([a-z-]+)", t)}
    assert set(isa.FAULTS) - {"internal"} <= expected, set(isa.FAULTS) - expected
    used = {w.upper() for t in texts for line in t.split("\n") for w in re.findall(r"^\s*(?:\w+:)?\s*([A-Za-z]+)\b",
                                                                                  line.split("#")[0])}
    assert set(isa.OPS) <= used, set(isa.OPS) - used


@pytest.mark.parametrize("expectation, fragment", [
    ("# expect: w = 0.1", "w = 0.09333333333333334, expected 0.1"),
    ("# expect: w ≈ 1 ± 0.5", "not within 0.5 of 1"),
    ("# expect: nothere = 1", "never written"),
    ("# expect output: 1", "expected output 1, got nothing"),
    ("# expect fault: zero", "expected a fault"),
    ("# expect steps: 11", "expected 11 steps, got 12"),
    ("# expect status: halted", "expected status halted, got finished"),
    ("", "no expectations"),
])
def test_a_wrong_expectation_fails(tmp_path, expectation, fragment):
    seed = (ROOT / "programs" / "gradient_step.gdasm").read_text(encoding="utf-8")
    body = "\n".join(line for line in seed.split("\n") if "expect" not in line)
    p = tmp_path / "wrong.gdasm"
    p.write_text(body + "\n" + expectation + "\n", encoding="utf-8")
    failures = run_expectations(p)
    assert failures and any(fragment in f for f in failures), failures


def test_fault_place_must_match(tmp_path):
    p = tmp_path / "f.gdasm"
    p.write_text("MOV z, 0\nDIV q, 1, z\n# expect fault: division by zero @ 1:1\n", encoding="utf-8")
    assert run_expectations(p) != []
    p.write_text("MOV z, 0\nDIV q, 1, z\n# expect fault: division by zero @ 2:1\n", encoding="utf-8")
    assert run_expectations(p) == []


def test_bundled_programs_assemble_without_warnings():
    import vm
    for path in (ROOT / "programs").glob("*.gdasm"):
        assert vm.assemble(path.read_bytes(), path.name).warnings == (), path.name
