"""How fast the assembler reads programs, in lines per second, beside Lark's own parse of the same lines.

Run: python bench/bench_assembler.py [LINES]. Prints figures measured in one run; asserts nothing about
seconds. The ratio says how much of the assembler's time is Lark's LALR parser (the floor for a
Lark-based assembler) and how much is ours (folding, checking against the ISA table, resolving).
"""

import sys
import time

import vm
from vm import assembler


SHAPES = {
    "label + 3 operands + comment": lambda i: f"l{i}: ADD r, {i % 7}, 1  # line {i}",
    "3 operands": lambda i: f"ADD r, r, {i % 7}",
    "1 operand": lambda i: "OUT r",
    "comment only": lambda i: f"# a comment line {i}",
}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    from lark import Lark
    parser = Lark.open("grammar.lark", rel_to=assembler.__file__, parser="lalr")  # a tree, no callbacks
    for name, make in SHAPES.items():
        lines = ["MOV r, 0"] + [make(i) for i in range(n)]
        text = "\n".join(lines) + "\n"
        t = time.perf_counter()
        vm.assemble(text)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        for line in lines:
            if not line.lstrip().startswith("#"):
                parser.parse(line)
        lark = time.perf_counter() - t
        print(f"{name:<30} {n / ours:>9,.0f} lines/s   {n:,} lines in {ours:5.2f} s   "
              f"Lark's LALR parse alone: {lark / ours:4.0%} of that")


if __name__ == "__main__":
    main()
