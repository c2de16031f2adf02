"""Did-you-mean: the one way gdasm suggests a name for a misspelt one.

A file may hold thousands of names and thousands of misspellings, so a suggestion never compares a word
with every name: `Suggester` indexes the names once (by case-folded spelling, and by every spelling with
one character left out), and difflib scores at most MAX_SCORED of them per word — those within about two
edits of it. A small set (up to MAX_SCORED names) is scored whole, as difflib alone would.
"""

from __future__ import annotations

from typing import Iterable

from .i18n import tr

# Names difflib scores for one word: bounds a suggestion's work whatever the number of names.
MAX_SCORED = 50
# Longer names are matched by case only: difflib's work grows with the square of the length.
MAX_LENGTH = 100


def _keys(name: str) -> list[str]:
    """The name and each spelling of it with one character left out: two names within one insertion,
    deletion or substitution of each other (or a swap of neighbours) share a key."""
    return [name] + [name[:i] + name[i + 1:] for i in range(len(name))]


class Suggester:
    """Candidate names indexed once, so that each suggestion costs about the same however many there are."""

    def __init__(self, candidates: Iterable[str]):
        names = list(dict.fromkeys(candidates))
        self._small = names if len(names) <= MAX_SCORED else None
        self._folded: dict[str, list[str]] = {}
        for c in names:
            same = self._folded.setdefault(c.casefold(), [])
            if len(same) < 2:  # enough to find one that is not the word itself
                same.append(c)
        self._near: dict[str, list[str]] = {}
        if self._small is None:
            for c in names:
                if len(c) > MAX_LENGTH:
                    continue
                for k in dict.fromkeys(_keys(c)):
                    bucket = self._near.setdefault(k, [])
                    if len(bucket) < MAX_SCORED:
                        bucket.append(c)

    def closest(self, word: str, cutoff: float = 0.6) -> str:
        """The candidate nearest to `word`, or "": a difference of case alone first (`W` for `w`), then
        spelling. Short names get a lower bar: one wrong character of two (`循坏` for `循环`) scores 0.5."""
        same = [c for c in self._folded.get(word.casefold(), ()) if c != word]
        if same:
            return same[0]
        if len(word) > MAX_LENGTH:
            return ""
        if len(word) <= 3:
            cutoff = min(cutoff, 0.5)
        if self._small is not None:
            names = [c for c in self._small if c != word and len(c) <= MAX_LENGTH]
        else:
            found: dict[str, None] = {}
            for k in _keys(word):
                for c in self._near.get(k, ()):
                    if c != word:
                        found[c] = None
                if len(found) >= MAX_SCORED:
                    break
            names = list(found)[:MAX_SCORED]
        import difflib  # here: most runs suggest nothing, and start without it
        best = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
        return best[0] if best else ""

    def did_you_mean(self, word: str, cutoff: float = 0.6) -> str:
        """`did you mean 'w'?`, or "" when nothing is close."""
        best = self.closest(word, cutoff)
        return tr("did you mean '{name}'?", name=best) if best else ""


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """The candidate nearest to `word`, or "" (see Suggester.closest); for many words, index once."""
    return Suggester(candidates).closest(word, cutoff)


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    """`did you mean 'w'?`, or "" when nothing is close."""
    return Suggester(candidates).did_you_mean(word, cutoff)
