"""How fast the assembler reads a realistic program, as a ratio to Lark's own LALR parse of the same lines.

Run: python bench/bench_assembler.py [LINES] [ROUNDS]. The program (default 100,000 lines) has what programs
have: labels, three-operand arithmetic, array loads, branches, comments on their own lines and after code,
blank lines, `.data` and `.reg`. Lark's grammar (vm/grammar.lark) is a line's shape, so Lark's own parse is
one `parse()` per line, building its tree (no transformer): the floor for an assembler that lets Lark read
every line. Lark's lexer alone is shown for reference. CPU time; alternating rounds; medians. It asserts
nothing about seconds.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

from lark import Lark

import vm
from vm import assembler


def realistic(n: int) -> str:
    """n lines of a program as people write them: a loop body repeated under fresh labels."""
    lines = [".data xs = " + ", ".join(str(i * 0.5) for i in range(20)), ".reg w = 0.5", ".reg lr = 0.01",
             *(f".reg i{j} = 0" for j in range(5))]
    k = 0
    while len(lines) < n:
        k += 1
        lines += [
            f"# block {k}: one pass of the update",
            f"loop{k}:",
            f"    LOAD x{k % 13}, xs, i{k % 5}        ; the input",
            f"    MUL p{k % 7}, w, x{k % 13}",
            f"    SUB e{k % 7}, p{k % 7}, 2.5",
            f"    MUL g{k % 7}, e{k % 7}, x{k % 13}   # the gradient",
            f"    MUL s{k % 7}, lr, g{k % 7}",
            f"    SUB w, w, s{k % 7}",
            f"    ADD i{k % 5}, i{k % 5}, 1",
            f"    JLT i{k % 5}, 20, loop{k}",
            "",
        ]
    return "\n".join(lines[:n]) + "\n"


def cpu(fn) -> float:
    gc.collect()
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    text = realistic(n)
    lines = text.split("\n")
    lark = Lark.open("grammar.lark", rel_to=assembler.__file__, parser="lalr")  # a tree, no transformer

    def lark_parse():
        for line in lines:
            s = line.strip()
            if s and not s.startswith(("#", ";")):
                lark.parse(line)

    def lark_lex():
        for line in lines:
            for _ in lark.lex(line):
                pass

    program = vm.assemble(text)
    ratios, lexing, seconds = [], [], []
    for _ in range(rounds):
        t_lark = cpu(lark_parse)
        t_ours = cpu(lambda: vm.assemble(text))
        t_lex = cpu(lark_lex)
        ratios.append(t_lark / t_ours)
        lexing.append(t_lex / t_ours)
        seconds.append(t_ours)
    ours = statistics.median(seconds)
    print(f"{n:,} lines ({len(program.instructions):,} instructions): {n / ours:,.0f} lines/s; "
          f"medians of {rounds} alternating rounds, CPU time")
    print(f"  the assembler's rate is {statistics.median(ratios):.2f}x Lark's own LALR parse of the same lines "
          f"(tree only), {statistics.median(lexing):.2f}x Lark's lexer alone")


if __name__ == "__main__":
    main()
