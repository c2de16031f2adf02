"""Did-you-mean: the one way gdasm suggests a name for a misspelt one."""

from __future__ import annotations

import difflib
from typing import Iterable


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """The candidate nearest to `word`, or "": a difference of case alone first (`W` for `w`), then spelling.

    Short names get a lower bar: one wrong character of two (`循坏` for `循环`, `lx` for `lr`) scores 0.5.
    """
    names = [c for c in candidates if c != word]
    if len(word) <= 3:
        cutoff = min(cutoff, 0.5)
    folded = word.casefold()
    same = [c for c in names if c.casefold() == folded]
    if same:
        return same[0]
    best = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
    return best[0] if best else ""


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """`did you mean 'w'?`, or "" when nothing is close."""
    best = closest(word, candidates, cutoff)
    return f"did you mean '{best}'?" if best else ""
