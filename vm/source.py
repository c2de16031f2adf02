"""Program text from bytes: UTF-8, a byte-order mark, and LF, CRLF or CR line ends — read one way everywhere."""

from __future__ import annotations

from .errors import AssemblyError, Collector, Span


def normalize(text: str) -> str:
    """Drop a leading BOM and turn CRLF and CR line ends into LF (line numbers are kept)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, filename: str) -> str:
    """UTF-8 bytes to text, or an AssemblyError that names the byte offset and line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        out = Collector(filename, normalize(data.decode("utf-8", errors="replace")).split("\n"))
        out.error(f"the file is not valid UTF-8: byte 0x{data[e.start]:02X} at offset {e.start} (line {line})",
                  Span(line, col, col + 1), hint="save the file as UTF-8", code="invalid-utf8")
        raise AssemblyError(out.diagnostics) from None


def lines(text) -> list[str]:
    """The lines of program text (bytes are decoded first), as the assembler numbers them."""
    if isinstance(text, bytes):
        text = decode(text, "<input>")
    return normalize(text).split("\n")
