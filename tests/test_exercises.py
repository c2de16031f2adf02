"""The tutorial's exercises (docs/exercises/): `gdasm test` fails each one as handed out, passes the solutions
(tests/exercise_solutions/), and what they expect is right by an independent computation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from conftest import ROOT, gdasm

EXERCISES = ROOT / "docs" / "exercises"
SOLUTIONS = ROOT / "tests" / "exercise_solutions"


def checks(path) -> list[str]:
    """The lines gdasm test reads: expectations and run options."""
    return [l for l in path.read_text(encoding="utf-8").splitlines() if l.startswith(("# expect", "# run"))]


def test_every_exercise_fails_as_handed_out_and_its_solution_passes():
    names = sorted(p.name for p in EXERCISES.glob("*.gdasm"))
    assert names == sorted(p.name for p in SOLUTIONS.glob("*.gdasm")) and len(names) >= 3
    handed_out = gdasm("test", str(EXERCISES))
    assert handed_out.returncode == 1 and f"0 passed, {len(names)} failed" in handed_out.stdout
    solved = gdasm("test", str(SOLUTIONS))
    assert solved.returncode == 0 and f"{len(names)} passed, 0 failed" in solved.stdout, solved.stdout
    for name in names:  # graded by the same lines the solution meets
        assert checks(EXERCISES / name) == checks(SOLUTIONS / name) != []
    zh = gdasm("--lang", "zh", "test", str(EXERCISES))
    assert zh.returncode == 1 and f"0 个通过，{len(names)} 个失败" in zh.stdout


def test_what_the_exercises_expect_is_right():
    text = "\n".join(checks(EXERCISES / "1_squared_loss.gdasm"))
    assert "--set y_pred=0.5" in text and f"diff = {3 - 0.5}" in text and f"loss = {(3 - 0.5) ** 2}" in text
    x, y, lr = [1, 2, 3], [2, 4, 6], Fraction(1, 100)
    grad = -Fraction(2, 3) * sum(Fraction(a) * b for a, b in zip(x, y))  # dMSE/dw at w = 0
    text = "\n".join(checks(EXERCISES / "2_true_gradient.gdasm"))
    assert f"grad ≈ {float(grad)!r}" in text and f"w ≈ {float(-lr * grad)!r}" in text
    best = np.linalg.lstsq(np.array(x, float)[:, None], np.array(y, float), rcond=None)[0][0]
    assert abs(best - 2) < 1e-12 and "w ≈ 2 ± 1e-6" in "\n".join(checks(EXERCISES / "3_descend.gdasm"))
