"""Cheap checks on an input file before any parsing: exists, not empty, not binary, decodes.

They read at most the first megabyte (decompressed), so they cost nothing on big files; the
parser catches what lies further in and the pipeline turns its message into an ``InputError``.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

from detour.errors import InputError

SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class Sniffed:
    path: Path
    sha256: str
    compressed: bool
    header: list[str]
    delimiter: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _head(path: Path) -> tuple[bytes, bool]:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    compressed = magic == b"\x1f\x8b"
    if not compressed:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES), False
    try:
        with gzip.open(path, "rb") as gz:
            return gz.read(SNIFF_BYTES), True
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(str(path), f"corrupt or truncated gzip file ({exc})", hint="download the file again") from exc


def first_invalid_utf8(path: Path, compressed: bool) -> InputError | None:
    """The error for the first line of the file that is not UTF-8, or None if it all decodes.

    For a file the sniffer passed but a parser refused deeper in: one streaming pass over the
    (decompressed) bytes in 8 MB chunks, counting newlines up to the first bad byte.
    """
    opener = gzip.open if compressed else open
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, tail = 1, b""
    with opener(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 23), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = tail + chunk
                at = len(tail) + exc.start
                start = data.rfind(b"\n", 0, at) + 1
                line += data.count(b"\n", 0, start)
                return InputError(str(path), f"line {line}: not valid UTF-8 at byte {at - start} "
                                  f"({data[at:at + 4]!r})",
                                  hint="re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)")
            cut = chunk.rfind(b"\n") + 1  # ``tail`` is the line in progress, ``line`` its number
            line += chunk.count(b"\n")
            tail = chunk[cut:] if cut else tail + chunk
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return InputError(str(path), f"line {line}: not valid UTF-8 (the file ends inside a character)",
                              hint="re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)")
    return None


def sniff(path: Path, delimiters: str = ",\t;|") -> Sniffed:
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.is_dir():
        raise InputError(str(path), "is a directory, expected a file")
    head, compressed = _head(path)
    if not head.strip():
        raise InputError(str(path), "file is empty", hint="nothing to ingest; check the download")
    if b"\x00" in head:
        raise InputError(str(path), "binary file (contains NUL bytes), expected delimited text",
                         hint="pass a CSV/TSV file, optionally gzip-compressed")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    lines = head.split(b"\n")
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle of a character
    for i, raw in enumerate(lines, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(str(path), f"line {i}: not valid UTF-8 at byte {exc.start} ({raw[exc.start:exc.start + 4]!r})",
                             hint="re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)") from exc
    header_line = lines[0].decode("utf-8").rstrip("\r")
    counts = {d: header_line.count(d) for d in delimiters}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise InputError(str(path), "line 1: header has a single column; expected a delimited header row")
    header = [h.strip().strip('"') for h in header_line.split(delimiter)]
    return Sniffed(path, sha256_of(path), compressed, header, delimiter)
