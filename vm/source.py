"""Program text from bytes: UTF-8, a byte-order mark, and LF, CRLF or CR line ends — read one way everywhere."""

from __future__ import annotations

import os
import stat
from typing import Optional

from .errors import AssemblyError, Collector, InputFileError, Span
from .i18n import tr


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
        out.error(tr("the file is not valid UTF-8: byte 0x{data:02X} at offset {start} (line {line})",
                     data=data[e.start], start=e.start, line=line),
                  Span(line, col, col + 1), hint=_encoding_hint(data), code="invalid-utf8")
        raise AssemblyError(out.diagnostics) from None


def _encoding_hint(data: bytes) -> str:
    """How to save the file: as UTF-8, and when its bytes read as Chinese in GB18030 (Windows Notepad's "ANSI" on
    a Chinese system), say that this is what it is."""
    try:
        text = data[:1_000_000].decode("gb18030")
    except UnicodeDecodeError:
        return tr("save the file as UTF-8")
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return tr("save the file as UTF-8")
    return tr("it looks like GBK/GB18030 (what Notepad on a Chinese Windows calls ANSI): save it as UTF-8")


def lines(text) -> list[str]:
    """The lines of program text (bytes are decoded first), as the assembler numbers them."""
    if isinstance(text, bytes):
        text = decode(text, "<input>")
    return normalize(text).split("\n")


# Size limits of what gdasm reads, so a hostile or mistaken input (/dev/zero, a 2 GB file) is refused
# with a message instead of filling memory. A program of 4 MiB is far beyond any program written by hand
# or generated for a class; with at most isa.MAX_PROGRAM_LINES (200,000) lines, running or tracing it
# stays near 600 MB (each instruction costs ~2.6 KB assembled and built). A data file of 64 MiB holds 10,000,000 values of six characters a line, the most all arrays may
# hold together (isa.MAX_ARRAYS_TOTAL), or a few million rows of a CSV file with several columns.
PROGRAM_LIMIT = 4 * 1024 * 1024
DATA_LIMIT = 64 * 1024 * 1024
# A binary (.gdbin) holds a program of at most PROGRAM_LIMIT: each .data value as 8 bytes and its spelling, so
# about 8 times the source at worst, and the source itself. 64 MiB holds every binary `gdasm asm` can write.
BINARY_LIMIT = 64 * 1024 * 1024
# A binary object file (`gdasm asm`, vm/objfile.py) starts with these bytes.
BINARY_MAGIC = b"\x89GDBIN\r\n"


def shorten(name: str, head: int = 60, tail: int = 20) -> str:
    """A name fit for a one-line message: a very long one as its first and last characters."""
    name = str(name)
    return name if len(name) <= head + tail + 1 else name[:head] + "…" + name[-tail:]


def size_text(limit: int) -> str:
    """16 MiB, 64 MiB, or a byte count: how a limit is named in messages."""
    return f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit:,} bytes"


def exists(path) -> bool:
    """Whether a path names something; True when it cannot tell (a name too long, a folder that cannot be
    searched), so that reading it reports why it cannot be read rather than 'no such file'."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True


def read_bounded(where, limit: int, what: str, shown: Optional[str] = None, larger: Optional[tuple] = None) -> bytes:
    """The bytes of a file (a path) or a binary stream, at most `limit` of them; an InputFileError (exit 66)
    naming the limit past it, or saying why the file cannot be read.

    The one reader of programs, data files and `# run:` files. It reads limit + 1 bytes at most, so memory
    stays bounded whatever the input is. A path is opened without blocking, so a FIFO with no writer reads as
    empty instead of waiting forever; a FIFO or a character device is read like standard input, bounded.
    `larger` = (prefix, limit, what): input that starts with the prefix (a binary's magic) may be that large.
    """
    if not isinstance(where, (str, os.PathLike)):
        if where is None:
            raise InputFileError(tr("{value}: cannot read {what}: it is closed",
                                    value=shown or 'standard input', what=what))
        return _read_stream(where, limit, what, shown or "standard input", larger)
    shown = shorten(shown if shown is not None else os.fspath(where))
    try:
        fd = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except ValueError:  # a NUL byte in the name
        raise InputFileError(tr("{shown}: cannot read: the name holds a NUL byte", shown=shown)) from None
    except OSError as e:
        raise InputFileError(tr("{shown}: cannot read: {value}", shown=shown, value=e.strerror or e)) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputFileError(tr("{shown}: is a directory, not {what}", shown=shown, what=what))
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            raise InputFileError(tr("{shown}: cannot read: not a file", shown=shown))
        os.set_blocking(fd, True)  # opened without waiting for a FIFO's writer; now read as usual
        with os.fdopen(fd, "rb") as stream:
            fd = -1
            return _read_stream(stream, limit, what, shown, larger)
    except OSError as e:
        raise InputFileError(tr("{shown}: cannot read: {value}", shown=shown, value=e.strerror or e)) from None
    finally:
        if fd >= 0:
            os.close(fd)


def _read_stream(stream, limit: int, what: str, shown: str, larger: Optional[tuple] = None) -> bytes:
    try:
        data = stream.read(limit + 1)
        if data and larger is not None and len(data) > limit and data.startswith(larger[0]):
            limit, what = larger[1], larger[2]
            data += stream.read(limit + 1 - len(data)) or b""
    except OSError as e:
        raise InputFileError(tr("{shown}: cannot read: {value}", shown=shown, value=e.strerror or e)) from None
    if data is None:  # a non-blocking stream with nothing yet
        data = b""
    if len(data) > limit:
        raise InputFileError(tr("{shown}: too large: {what} may be at most {limit} ({limit2:,} bytes)",
                                shown=shown, what=what, limit=size_text(limit), limit2=limit))
    return data


def is_binary(name: str, head: bytes) -> bool:
    """A file is a binary when it starts with the magic or is named *.gdbin."""
    return head.startswith(BINARY_MAGIC) or name.lower().endswith(".gdbin")


def read_program_bytes(where, shown: Optional[str] = None) -> bytes:
    """A PROGRAM's bytes, bounded: source up to PROGRAM_LIMIT, a binary (its magic first) up to BINARY_LIMIT."""
    return read_bounded(where, PROGRAM_LIMIT, tr("a program"), shown,
                        larger=(BINARY_MAGIC, BINARY_LIMIT, tr("a binary")))
