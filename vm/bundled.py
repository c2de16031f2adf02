"""The programs that ship with gdasm, found by name."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def programs_dir() -> Path:
    """Where the bundled programs are: inside the installed package, else the source tree's programs/."""
    installed = Path(__file__).with_name("programs")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "programs"


def names() -> list[str]:
    return sorted(p.stem for p in programs_dir().glob("*.gdasm"))


def find(name: str) -> Optional[Path]:
    """The path of the bundled program `name` (with or without `.gdasm`), or None."""
    stem = name[:-6] if name.endswith(".gdasm") else name
    if not stem or "/" in stem or "\\" in stem:
        return None
    path = programs_dir() / f"{stem}.gdasm"
    return path if path.is_file() else None


def description(path: Path) -> str:
    """A program's one-line description: its first line that is only a comment."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            s = line.strip()
            if s.startswith(("#", ";")):
                text = s.lstrip("#;").strip()
                if text:
                    return text
    return ""
