"""A looping program over arrays agrees with the same computation done by hand in Python."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vm

from conftest import ROOT

PROGRAM = vm.assemble((ROOT / "tests" / "programs" / "running_mean.gdasm").read_bytes(), "running_mean.gdasm")


def running_means(xs):
    """The hand computation: the same sums and divisions, in Python, in the same order."""
    means, total = [], 0.0
    for i, v in enumerate(xs):
        total = total + v
        means.append(total / (i + 1))
    return means, total


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=60))
def test_running_means_match_python(xs):
    result = vm.run(PROGRAM, arrays={"x": xs})
    means, total = running_means(xs)
    assert result.output == means
    assert result.arrays["x"] == means
    assert result.registers["total"] == total
    assert result.registers["n"] == len(xs)
    assert result.steps == 3 + 8 * len(xs)
    assert result.status == "finished"


def test_empty_array_faults_at_the_load():
    with pytest.raises(vm.RuntimeFault) as e:
        vm.run(PROGRAM, arrays={"x": []})
    d = e.value.diagnostic
    assert "index 0 is out of range for array 'x' of length 0" in d.message
    assert (d.span.line, d.span.column) == (9, 16)
