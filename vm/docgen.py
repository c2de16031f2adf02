"""Generate the instruction and directive tables of docs/language.md from vm/isa.py.

A developer's tool, for a source checkout: `python -m vm.docgen` rewrites the generated part of
docs/language.md in place; `python -m vm.docgen --check` exits 1 if the file has drifted from the table.
Installed from a wheel there is no docs/ to write, and it says so rather than write anywhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import isa

BEGIN = "<!-- generated from vm/isa.py by `python -m vm.docgen`: do not edit by hand -->"
END = "<!-- end of generated tables -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _derivative(op: isa.Op) -> str:
    """∂d/∂(each operand read), as the table states it; how values pass through memory; nothing for control."""
    if op.partials is not None:
        kink = f"; {op.kink_note}, and warns" if op.kink else ""
        return f"∂d/∂({', '.join(k for k, r in zip(op.kinds, op.roles) if r == 'source')}) = {op.derivative}{kink}"
    if op.behaviour in ("load", "store"):
        return "1: the value passes through the element"
    return ""


def tables() -> str:
    """The Markdown tables of every instruction and directive, in table order."""
    rows = ["| form | meaning | what it does | faults | derivative (`gdasm grad`) |", "|---|---|---|---|---|"]
    for op in isa.OPS.values():
        forms = " <br> ".join(f"`{op.form_text(f)}`" for f in op.forms)
        meaning = op.meaning + (" (shorthand: `d, a` means `d, d, a`)" if op.shorthand else "")
        faults = op.faults
        if not op.exact:
            faults = (faults + "; " if faults else "") + "no exact result under `--exact`"
        rows.append(f"| {forms} | {_cell(meaning)} | {_cell(op.doc)} | {_cell(faults)} | {_cell(_derivative(op))} |")
    kinds = ["| operand | is |", "|---|---|"] + [f"| `{k}` | {v} |" for k, v in isa.KINDS.items()]
    directives = ["| directive | what it declares |", "|---|---|"] + [
        f"| `{d.form}` | {_cell(d.doc)} |" for d in isa.DIRECTIVES.values()]
    return "\n".join(["### Operand kinds", "", *kinds, "", "### Instructions", "", *rows, "",
                      "### Directives", "", *directives])


def render(doc: str) -> str:
    """doc with the text between the markers replaced by fresh tables."""
    head, sep, rest = doc.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError("docs/language.md lacks the generated-table markers")
    return f"{head}{BEGIN}\n\n{tables()}\n\n{END}{tail}"


def checkout_doc() -> Path:
    """docs/language.md of the source checkout this package runs from, or SystemExit(2) saying why not."""
    root = Path(__file__).resolve().parent.parent
    path = root / "docs" / "language.md"
    if not (root / "pyproject.toml").is_file() or not path.is_file():
        print("vm.docgen works in a source checkout of gdasm (with docs/language.md beside vm/); "
              "this gdasm is installed without one", file=sys.stderr)
        raise SystemExit(2)
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = checkout_doc()
    doc = path.read_text(encoding="utf-8")
    new = render(doc)
    if "--check" in argv:
        if new != doc:
            print(f"{path} has drifted from vm/isa.py; run: python -m vm.docgen", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
