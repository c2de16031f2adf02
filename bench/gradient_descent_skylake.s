# One iteration of programs/gradient_descent.gdasm in x86-64 (AT&T syntax), for LLVM's own simulator:
#     llvm-mca -mcpu=skylake -iterations=171 bench/gradient_descent_skylake.s
# prints "Total Cycles: 8728" (Debian's LLVM 14): about 51 cycles an iteration, beside the 8,602 cycles of the longest
# chain that `gdasm run gradient_descent --profile` finds (docs/machine-code.md). Written by hand: the loop over
# the three points unrolled, w in xmm0, lr in xmm1, n in xmm8, -2 in xmm9, x and y at rdi and rsi; the branches,
# the call and the iteration counter are left out (a core that guesses right runs them beside the arithmetic).
xorpd %xmm2, %xmm2
xorpd %xmm3, %xmm3
movsd 0(%rdi), %xmm4
movsd 0(%rsi), %xmm5
movapd %xmm0, %xmm6
mulsd %xmm4, %xmm6
subsd %xmm6, %xmm5
movapd %xmm5, %xmm7
mulsd %xmm5, %xmm7
addsd %xmm7, %xmm2
mulsd %xmm4, %xmm5
addsd %xmm5, %xmm3
movsd 8(%rdi), %xmm4
movsd 8(%rsi), %xmm5
movapd %xmm0, %xmm6
mulsd %xmm4, %xmm6
subsd %xmm6, %xmm5
movapd %xmm5, %xmm7
mulsd %xmm5, %xmm7
addsd %xmm7, %xmm2
mulsd %xmm4, %xmm5
addsd %xmm5, %xmm3
movsd 16(%rdi), %xmm4
movsd 16(%rsi), %xmm5
movapd %xmm0, %xmm6
mulsd %xmm4, %xmm6
subsd %xmm6, %xmm5
movapd %xmm5, %xmm7
mulsd %xmm5, %xmm7
addsd %xmm7, %xmm2
mulsd %xmm4, %xmm5
addsd %xmm5, %xmm3
divsd %xmm8, %xmm2
mulsd %xmm9, %xmm3
divsd %xmm8, %xmm3
mulsd %xmm1, %xmm3
subsd %xmm3, %xmm0
