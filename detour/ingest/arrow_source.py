"""The file's rows, numbered by line, parsed in parallel by pyarrow's streaming CSV reader.

Provenance needs each row's line in the file. DuckDB's CSV reader has no line column, and
numbering its rows with ``row_number() OVER ()`` forces the whole reading pipeline (casts,
code-table joins, validation, Parquet encoding) onto one thread, since the window must see the
rows in file order. Measured at 5M rows on 2 cores: wall 10.2 s = CPU 10.3 s with the window,
5.1 s wall without it.

Here pyarrow parses the file block by block and each record batch gets its line numbers as it
leaves the parser, in file order, before DuckDB sees it. DuckDB then scans the stream with all
its threads (each takes whole batches), so everything after parsing runs in parallel, and the
row numbers do not depend on which thread handled a batch.

This fast path only takes files whose every row is one physical line. The bytes pass through
``_Watch`` on their way to the parser, which counts newlines and decodes them as UTF-8 (every
column, not only those the reader uses, as DuckDB's reader would not). At the end of the file
the newlines must match the rows: a quoted value holding a newline, or an empty line, stops
the fast path. So do malformed rows, text that is not UTF-8 and truncated gzip. On any such
error the pipeline runs the file again through DuckDB's own reader, which numbers rows with the
window and names the line of a parse error (``detour.ingest.base.numbered``); an encoding error
is located by ``sniff.first_invalid_utf8``. Files with rows the parser rejected under
``--skip-invalid`` always take DuckDB's path.

Parsing semantics match the DuckDB path's ``read_csv`` with every column as VARCHAR: columns
by position under the sniffed header, ``"`` quotes with doubled-quote escapes, and empty cells,
quoted or not, as NULL. Only the columns the reader uses are converted.
"""

from __future__ import annotations

import codecs
from typing import Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from detour.ingest.sniff import Sniffed

RELATION = "_detour_src"
# pyarrow's blocks in flight and its allocator's pages sit outside DuckDB's memory cap; DuckDB
# gets this share of the cap while it reads the stream (measured at 5M rows: peak RSS 2.05 GB
# with DuckDB at the whole 1536 MB cap, 1.79 GB at 1200 MB, no slower).
DUCKDB_SHARE = 0.8
BLOCK_BYTES = 1 << 22


class _Watch:
    """A file-like view of the input that counts newlines and checks UTF-8 as bytes go by.

    Written here because pyarrow's own UTF-8 check covers only the columns it converts, and
    counting newlines on the way costs a ``bytes.count`` per 8 MB, not a second pass.
    """

    def __init__(self, stream: pa.NativeFile):
        self.stream = stream
        self.newlines = 0
        self.last = b"\n"
        self.bad_utf8 = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        if data:
            self.newlines += data.count(b"\n")
            self.last = data[-1:]
        try:
            self._decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            self.bad_utf8 = True
            raise
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


class ArrowSource:
    """A one-shot stream of the file's rows with ``_row`` (header = line 1), registered in DuckDB.

    ``columns`` are those the reader uses (None: all). ``fraction`` is the share of the
    (compressed) file read so far, for the progress bar. ``bad_utf8`` tells the pipeline why
    the stream stopped, when that was the reason.
    """

    def __init__(self, sniffed: Sniffed, columns: list[str] | None = None):
        self.sniffed = sniffed
        self.columns = columns
        self.fraction = 0.0
        self._raw: pa.NativeFile | None = None
        self._watch: _Watch | None = None

    @property
    def bad_utf8(self) -> bool:
        return self._watch is not None and self._watch.bad_utf8

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        con.register(RELATION, self._reader())

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()

    def _reader(self) -> pa.RecordBatchReader:
        s = self.sniffed
        self._raw = pa.OSFile(str(s.path), "rb")
        size = max(self._raw.size(), 1)
        watch = self._watch = _Watch(pa.CompressedInputStream(self._raw, "gzip") if s.compressed else self._raw)
        read = pacsv.ReadOptions(use_threads=True, block_size=BLOCK_BYTES, column_names=s.header, skip_rows=1)
        parse = pacsv.ParseOptions(delimiter=s.delimiter, quote_char='"', double_quote=True, escape_char=False,
                                   newlines_in_values=False, ignore_empty_lines=False)
        convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in s.header},
                                       include_columns=self.columns or s.header, strings_can_be_null=True,
                                       quoted_strings_can_be_null=True, null_values=[""], check_utf8=False)
        csv = pacsv.open_csv(pa.PythonFile(watch, mode="r"), read_options=read, parse_options=parse,
                             convert_options=convert)
        schema = csv.schema.append(pa.field("_row", pa.int64()))
        raw = self._raw

        def batches() -> Iterator[pa.RecordBatch]:
            line = 2
            for batch in csv:
                n = batch.num_rows
                yield pa.RecordBatch.from_arrays([*batch.columns, pa.array(np.arange(line, line + n, dtype=np.int64))],
                                                 schema=schema)
                line += n
                self.fraction = min(raw.tell() / size, 1.0)
            lines = watch.newlines + (watch.last != b"\n")  # the header is line 1, the last row line - 1
            if lines != line - 1:
                # A quoted value spans lines, or lines are empty: rows and lines do not match.
                raise pa.ArrowInvalid(f"{lines} lines hold {line - 2} rows and the header")
            self.fraction = 1.0

        return pa.RecordBatchReader.from_batches(schema, batches())
