"""Write docs/tutorial.ipynb from the cells below and execute it with nbclient, so its outputs are real.

    python docs/make_tutorial.py          # remake the notebook (tests/test_notebook.py checks it is current)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

SEED_LISTING = """\
    MOV w, 0.0  # 初始权重设为0
    # 假设x=[1,2,3], y_true=[2,4,6], w=0
    SUB error1, 2, 0*1  # error1=2 (真实值-预测值)
    SUB error2, 4, 0*2  # error2=4
    SUB error3, 6, 0*3  # error3=6
    MUL grad1, error1, 1  # grad1=2*1=2
    MUL grad2, error2, 2  # grad2=4*2=8
    MUL grad3, error3, 3  # grad3=6*3=18
    ADD grad_total, grad1, grad2
    ADD grad_total, grad_total, grad3
    DIV grad_avg, grad_total, 3  # 梯度平均值= (2+8+18)/3=9.33
    MUL delta_w, grad_avg, 0.01  # delta_w=9.33*0.01=0.093
    ADD w, w, delta_w  # w=0+0.093=0.093"""

CELLS = [
    ("md", """# Section 6, step by step — 第6节，逐步运行

The course chapter writes one gradient-descent step for `y = w·x` on `x = [1, 2, 3]`, `y = [2, 4, 6]` as
pseudo-assembly. gdasm runs that listing exactly as printed. This notebook runs it, steps through it, explains
where `grad_avg` = 9.33 comes from, puts the true MSE gradient (−18.67) beside it, runs the loop to convergence,
and shows the click-through page. Every number below was computed by the machine when the notebook ran."""),
    ("code", "import vm\n%load_ext vm"),
    ("md", "## 1. The listing\n\n`vm.bundled(name)` loads a program that ships with gdasm; a `Program` shows as a "
           "listing (address, line, instruction)."),
    ("code", 'seed = vm.bundled("gradient_step")\nseed'),
    ("md", "## 2. Run it\n\nA `Result` shows the registers in the order they were first written."),
    ("code", "result = vm.run(seed)\nresult"),
    ("code", 'print("grad_avg =", result.registers["grad_avg"])\nprint("w        =", result.registers["w"])'),
    ("md", "## 3. One instruction at a time\n\n`Machine.step()` runs one instruction and says what it changed; "
           "`vm.describe` words it as the trace does."),
    ("code", """from vm.describe import describe, view_text

m = vm.Machine(seed)
while (rec := m.step()) is not None:
    print(f"{rec.step:>2}  line {rec.line:>2}  {rec.text:<32} {', '.join(view_text(describe(rec, seed)))}")"""),
    ("md", "## 4. Where does 9.33 come from?\n\n`explain` follows each value back through the instructions that "
           "made it, to the immediates in the listing."),
    ("code", """from vm.history import History, explanation

h = History(vm.Machine(seed))
while h.forward() is not None:
    pass
print("\\n".join(explanation(h.explain("grad_avg"))))"""),
    ("md", """## 5. The seed's "gradient" beside the true one

The listing averages `x·(y − w·x)`: that is **−½ of the derivative of the mean squared error**. The bundled
`mse_gradient_step` computes the true derivative, and `vm.grad` differentiates the loss through the machine's
own steps — three ways to the same −18.67."""),
    ("code", """true = vm.run(vm.bundled("mse_gradient_step")).registers["grad"]
backprop = vm.grad(vm.bundled("seed_step_loss"), "loss", "w")
print("seed's grad_avg      ", result.registers["grad_avg"])
print("true dMSE/dw         ", true)
print("reverse mode (vm.grad)", backprop.derivatives[0].value)
print("ratio seed / true    ", result.registers["grad_avg"] / true)"""),
    ("md", "## 6. The loop to convergence\n\n`gradient_descent` repeats the step until the slope is flat. "
           "`vm.sample` takes one row per `OUT` (one per iteration)."),
    ("code", """rows = vm.sample(vm.bundled("gradient_descent"), ["w", "loss"])
print(len(rows.rows), "iterations sampled; last w =", rows.rows[-1].values[0])
rows"""),
    ("md", """## 7. The page, inline

`%%gdasm` runs the cell as a program and shows the final registers and the click-through page (the same page
`gdasm html` writes): press ← →, click a register to explain it, switch the number format."""),
    ("code", "%%gdasm\n" + SEED_LISTING),
    ("md", "A mistake in a cell is reported as the command line reports it, with a caret — no traceback."),
    ("code", "%%gdasm --no-page\n    MOV w, 0.0\n    SUB error1, 2, 0*1\n    MUL grad1, eror1, 1"),
]


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(CELLS):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        cell.id = f"cell-{i:02d}"  # stable ids: the file changes only when a cell does
        nb.cells.append(cell)
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path = HERE) -> nbformat.NotebookNode:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def main() -> int:
    nb = execute(build())
    nbformat.write(nb, HERE / "tutorial.ipynb")
    print(HERE / "tutorial.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
