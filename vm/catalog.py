"""The programs and data files that ship with gdasm, found by name through importlib.resources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Optional


def programs_dir() -> Path:
    """Where the bundled programs are: the package `vm.programs` (the source tree's programs/ when editable)."""
    return Path(str(resources.files("vm.programs")))


def names() -> list[str]:
    return sorted(p.stem for p in programs_dir().glob("*.gdasm"))


def _plain(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def find(name: str) -> Optional[Path]:
    """The path of the bundled program `name` (with or without `.gdasm`), or None."""
    stem = name[:-6] if name.endswith(".gdasm") else name
    if not _plain(stem):
        return None
    path = programs_dir() / f"{stem}.gdasm"
    return path if _is_file(path) else None


def data_file(name: str) -> Optional[Path]:
    """The bundled data file `name` (e.g. `us_population.csv`), or None."""
    if not _plain(name):
        return None
    path = programs_dir() / "data" / name
    return path if _is_file(path) else None


def _is_file(path: Path) -> bool:
    """Path.is_file(), False for a name the system refuses (too long, a NUL byte) rather than an OSError."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def description(path: Path, lang: str = "en") -> str:
    """A program's one-line description: its first line that is only a comment; in Chinese, the first such line
    of its opening comments with a Chinese character in it (else the English one)."""
    first = ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            s = line.strip()
            if not s.startswith(("#", ";")):
                if first:
                    break  # the opening comments have ended
                continue
            text = s.lstrip("#;").strip()
            if text and lang == "zh" and any("\u4e00" <= c <= "\u9fff" for c in text):
                return text
            first = first or text
            if first and lang != "zh":
                break
    return first
