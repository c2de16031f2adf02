"""The page against the machine on generated programs (every instruction of the table, loops, calls, arrays,
faults, step limits, exact runs, cut pages): at every kept step, the registers and elements the browser shows
are a stepped Machine's, and every explanation is the CLI's (vm.history) where the page holds its history."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vm
from vm import page as pagemod, render
from vm.history import History, explanation

from test_shape import programs

STATES = """() => {
  const out = [];
  for (const s of gdasm.steps()) {
    gdasm.go(s);
    out.push([s, [...document.querySelectorAll("[data-reg]")].map(e => [e.dataset.reg, e.textContent]),
              [...document.querySelectorAll("[data-elem]")].map(e => [e.dataset.elem, e.textContent])]);
  }
  return out;
}"""


def machine_states(program, steps: list, max_steps: int, exact: bool) -> dict:
    m = vm.Machine(program, max_steps=max_steps, exact=exact)
    out = {}
    for n in sorted(steps):
        while m.steps < n:
            m.step()
        out[n] = ([[k, render.value(v)] for k, v in m.registers.items()],
                  [[f"{a}[{i}]", render.value(v)] for a, vals in m.array_values.items() for i, v in enumerate(vals)])
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.booleans(), st.sampled_from([0, 1, 7, 60, 400]), st.sampled_from([2, 3, 7, 20_000]),
       st.sampled_from(["dec", "hex", "bits", "exact"]))
def test_generated_pages_show_the_machine(browser, text, exact, max_steps, keep, fmt):
    program = vm.assemble(text, "gen.gdasm")
    data = pagemod.record(program, max_steps=max_steps, exact=exact, max_page_steps=keep)
    html = pagemod.html_page(data, "en", "dec")
    context = browser.new_context()
    try:
        pg = context.new_page()
        errors: list = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_content(html)
        pg.wait_for_selector("html[data-ready]", state="attached")
        shown = pg.evaluate(STATES)
        steps = [s for s, _, _ in shown]
        expect = machine_states(program, steps, max_steps, exact)
        for s, regs, elems in shown:
            assert [regs, elems] == list(expect[s]), (text, s)
        # explanations, at each kept step, of every register written by then and one element per array
        h = History(vm.Machine(program, max_steps=max_steps, exact=exact))
        for s in steps:
            while h.step < s:
                h.forward()
            targets = list(h.m.registers) + [f"{a}[0]" for a, vals in zip(program.arrays, h.m.arrays) if vals]
            got = pg.evaluate("([ts, s, f]) => ts.map(t => gdasm.explain(t, s, f))", [targets, s, fmt])
            f = "dec" if exact else fmt
            for target, lines in zip(targets, got):
                want = explanation(h.explain(target), render.Formatter(f))
                if data["tail"] and s > data["head"] and any("this part of the run is not in this page" in ln
                                                             for ln in lines):
                    assert lines[0].split("   ")[0] == want[0].split("   ")[0], (text, s, target)
                else:
                    assert lines == want, (text, s, target, fmt)
        assert not errors, errors
    finally:
        context.close()


def test_the_generator_reaches_cut_pages_and_faults():
    """The strategy above is not vacuous: some of its programs run long enough to be cut, some fault."""
    pytest.importorskip("hypothesis")
    seen = {"cut": 0, "fault": 0}

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(programs())
    def probe(text):
        d = pagemod.record(vm.assemble(text, "gen.gdasm"), max_steps=400, max_page_steps=7)
        seen["cut"] += d["tail"] is not None
        seen["fault"] += d["status"] == "fault"
    probe()
    assert seen["cut"] >= 10 and seen["fault"] >= 10, seen
