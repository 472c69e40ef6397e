"""Reader for the CNEMC real-time feed files (quotsoft ``china_sites_YYYYMMDD.csv[.gz]``).

Layout: ``date,hour,type,<station codes…>``; one row per (date, hour, type); hour 0–23 labels
the hour ENDING then (hour 0 of day D is 24:00 of day D−1); 15 types; empty = missing.
The station columns change from file to file, so everything is aligned by name.

The archive as it comes (docs/cnemc-feed.md, "The archive's files"):

- From June 2019 on every file carries station ``3207A`` twice (two adjacent columns, 1,641
  station columns). A station repeated in the header is read once when its columns hold the same
  values (:attr:`FeedFile.repeated` says so) and refused, naming both columns and the first line
  where they differ, when they do not. Writing a file back keeps its header as it came and fills
  the derived cells of every copy alike.
- A few files end inside their last line (the archive's copy was cut: 2019-02-20, 2019-04-24).
  Such a file is refused, naming the line; ``lenient=True`` reads the lines before it and says
  so (:attr:`FeedFile.truncated`).
"""
from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lantian.errors import InputError
from lantian.measurements.readers.common import number_problem

HOURLY_TYPES = ("PM2.5", "PM10", "SO2", "NO2", "O3", "CO")
DERIVED_TYPES = ("AQI", "PM2.5_24h", "PM10_24h", "SO2_24h", "NO2_24h", "CO_24h",
                 "O3_8h", "O3_24h", "O3_8h_24h")
TYPES = HOURLY_TYPES + DERIVED_TYPES
KEY_COLUMNS = ("date", "hour", "type")
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
MISSING = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Repeated:
    """A station whose column the header repeats, with the same values (fields numbered from 1 as in
    the file: ``date`` is field 1, the first station field 4)."""
    station: str
    fields: tuple[int, ...]

    def describe(self, file: str) -> dict:
        return {"file": file, "station": self.station, "fields": list(self.fields),
                "values": "identical", "note": "repeated column, identical values"}


@dataclass(frozen=True)
class Truncated:
    """The file ends inside line ``line`` (``fields`` of the header's ``expected``, no line end); that
    line was left out (lenient reading)."""
    line: int
    fields: int
    expected: int

    def describe(self, file: str) -> dict:
        return {"file": file, "line": self.line, "fields": self.fields, "expected": self.expected,
                "note": "truncated last line, not read"}


@dataclass
class FeedFile:
    """One feed file as read: the key columns and every row's station cells as their original text.

    ``bodies[r]`` is row ``r`` as written after ``date,hour,type,`` (without its line end) and
    ``keys[r]`` its ``date,hour,type`` as written, so a writer can copy a row verbatim. Cells are
    parsed to float64 when first asked for (the 1-hour rows already while reading, which checks
    them); every cell was checked to be a number.

    ``stations`` are the header's stations, each once; ``header`` the header's station fields as
    written (a repeated station appears in it as often as in the file, ``columns`` says which
    cell each of ``stations`` is read from, ``repeated`` which stations were repeated).
    """
    path: Path
    gzip: bool
    stations: list[str]
    dates: np.ndarray      # int64 YYYYMMDD per row
    hours: np.ndarray      # int64 0–23 per row
    types: np.ndarray      # object (str) per row
    bodies: list[bytes]
    crlf: bool = True      # line endings of the original, kept on writing
    final_eol: bool = True  # whether the last line ends with one (the archive's files: no)
    header: list[str] | None = None          # the header's station fields (default: ``stations``)
    columns: np.ndarray | None = None        # cell of each station (None: cell i is station i)
    repeated: list[Repeated] = field(default_factory=list)
    head: bytes | None = None                # the header line as written (without its line end)
    keys: list[bytes] | None = None          # each row's ``date,hour,type`` as written
    truncated: Truncated | None = None
    blocks: list[np.ndarray] = field(default_factory=list, repr=False)   # parsed cells, rows × stations
    block: np.ndarray | None = field(default=None, repr=False)           # per row: its block (-1: not yet)
    at: np.ndarray | None = field(default=None, repr=False)              # per row: its place in the block

    def __post_init__(self):
        if self.header is None:
            self.header = list(self.stations)

    @property
    def ncells(self) -> int:
        """Station cells per row (the header's station fields, repeats included)."""
        return len(self.header)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def t(self) -> np.ndarray:
        """Hour-ending label as hours since 1970-01-01 00:00 Beijing time."""
        return day_number(self.dates) * 24 + self.hours

    def rows_of(self, typ: str) -> np.ndarray:
        return np.nonzero(self.types == typ)[0]

    def values(self, rows: np.ndarray) -> np.ndarray:
        """The cells of ``rows`` as float64, rows × stations (NaN = empty)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.empty((0, len(self.stations)))
        if not self.parse(rows):
            raise InputError(self.path, "a cell is not a number", expected="a number or an empty cell")
        out = np.empty((len(rows), len(self.stations)))
        block = self.block[rows]
        for b in np.unique(block).tolist():
            mine = block == b
            out[mine] = self.blocks[b][self.at[rows[mine]]]
        return out

    def parse(self, rows: np.ndarray) -> bool:
        """Parse the cells of ``rows`` not parsed yet; False if one is not a finite number."""
        todo = np.asarray(rows, dtype=np.int64)
        if self.block is not None:
            todo = todo[self.block[todo] < 0]
        if not len(todo):
            return True
        cells = _Cells.of([self.bodies[r] for r in todo], self.ncells)
        parsed = None if cells is None else cells.parse(np.arange(len(todo)))
        if parsed is None:
            return False
        self.store(todo, parsed)
        return True

    def store(self, rows: np.ndarray, parsed: np.ndarray) -> None:
        """Keep ``parsed`` (rows × cells) as the cells of ``rows``, each station once."""
        if self.columns is not None:
            parsed = parsed[:, self.columns]
        if self.block is None:
            self.block = np.full(len(self.bodies), -1)
            self.at = np.zeros(len(self.bodies), dtype=np.int64)
        self.block[rows] = len(self.blocks)
        self.at[rows] = np.arange(len(rows))
        self.blocks.append(parsed)

    @property
    def numbers(self) -> np.ndarray:
        """Every cell as float64, stations × rows (NaN = empty)."""
        return self.values(np.arange(len(self.bodies))).T

    @property
    def cells(self) -> pa.Table:
        """The station cells as a table of strings (null = empty), one column per station."""
        text = b"\n".join(self.bodies) + b"\n"
        names = _cell_names(self.ncells)
        table = pacsv.read_csv(pa.py_buffer(text), read_options=_csv_read(names),
                               parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
                               convert_options=_csv_strings(names))
        picked = range(len(names)) if self.columns is None else self.columns.tolist()
        return pa.table([table.column(i) for i in picked], names=self.stations)

    def key_texts(self) -> list[bytes]:
        """Each row's ``date,hour,type`` as written (rebuilt from the parsed keys if not kept)."""
        if self.keys is not None:
            return self.keys
        return [f"{d},{h},{t}".encode() for d, h, t in zip(self.dates.tolist(), self.hours.tolist(),
                                                            self.types.tolist())]

    def header_text(self) -> bytes:
        """The header line as written (rebuilt from the stations if not kept)."""
        return self.head if self.head is not None else ("date,hour,type," + ",".join(self.header)).encode()


def day_number(yyyymmdd: np.ndarray) -> np.ndarray:
    """YYYYMMDD → days since 1970-01-01 (vectorized, proleptic Gregorian)."""
    y, md = np.divmod(yyyymmdd.astype(np.int64), 10000)
    m, d = np.divmod(md, 100)
    a = (14 - m) // 12
    yy = y + 4800 - a
    mm = m + 12 * a - 3
    jdn = d + (153 * mm + 2) // 5 + 365 * yy + yy // 4 - yy // 100 + yy // 400 - 32045
    return jdn - 2440588


def _raw_bytes(path: Path) -> tuple[bytes, bool]:
    """The file's text bytes and whether it was gzip-compressed (told by its magic bytes)."""
    data = path.read_bytes()
    if not data.startswith(b"\x1f\x8b"):
        if path.suffix == ".gz":
            raise InputError(path, "not a gzip file although its name ends in .gz", line=1)
        return data, False
    out, d = [], zlib.decompressobj(wbits=47)
    try:
        out.append(d.decompress(data))
        out.append(d.flush())
    except zlib.error as exc:
        text = b"".join(out)
        raise InputError(path, f"corrupt gzip data ({exc})", line=text.count(b"\n") + 1) from None
    text = b"".join(out)
    if not d.eof:
        raise InputError(path, "truncated gzip file: the compressed stream ends before its end marker",
                         line=text.count(b"\n") + 1, expected="a complete .csv.gz file")
    return text, True


@dataclass(frozen=True)
class _Header:
    """The station fields of a header: ``stations`` each once (in the order they first appear),
    ``cells`` every field as written, ``columns`` the cell each station is read from (None when
    no station repeats) and ``repeats`` the cells of each repeated station."""
    stations: list[str]
    cells: list[str]
    columns: np.ndarray | None
    repeats: dict[str, list[int]]


def _check_header(path: Path, header: list[str]) -> _Header:
    if [h.strip() for h in header[:3]] != list(KEY_COLUMNS):
        shown = ",".join(header[:4])[:80]
        raise InputError(path, f"not a CNEMC feed file: header starts with {shown!r}", line=1,
                         expected="a header 'date,hour,type,<station codes…>'")
    cells = [h.strip() for h in header[3:]]
    seen: dict[str, list[int]] = {}
    for i, s in enumerate(cells):
        if not s:
            raise InputError(path, "empty station code in the header", line=1, column=f"#{i + 4}")
        seen.setdefault(s, []).append(i)
    if not cells:
        raise InputError(path, "no station columns", line=1, expected="station codes after date,hour,type")
    repeats = {s: at for s, at in seen.items() if len(at) > 1}
    columns = np.array([at[0] for at in seen.values()]) if repeats else None
    return _Header(list(seen), cells, columns, repeats)


def _first_bad_line(path: Path, text: bytes, ncols: int) -> InputError:
    for lineno, raw in enumerate(io.StringIO(text.decode("utf-8", "replace")), start=1):
        n = raw.rstrip("\r\n").count(",") + 1
        if raw.strip() and n != ncols:
            return InputError(path, f"{n} fields where the header has {ncols}", line=lineno,
                              expected=f"{ncols} comma-separated fields")
    return InputError(path, "could not be parsed as CSV")


def _cut_last_line(path: Path, text: bytes, ncols: int, lenient: bool) -> tuple[bytes, Truncated | None]:
    """``text`` without a last line cut short (no line end, fewer fields than the header), which
    only ``lenient`` accepts; else ``text`` as it is."""
    last = text.rfind(b"\n")
    tail = text[last + 1:]
    if last < 0 or not tail.strip() or b"\r" in tail:
        return text, None
    n = tail.count(b",") + 1
    if n >= ncols:
        return text, None
    line = text.count(b"\n", 0, last) + 2
    if not lenient:
        raise InputError(path, f"the file ends inside this line ({n:,} of {ncols:,} fields, no line end): "
                               "the file is truncated", line=line,
                         expected=f"{ncols:,} comma-separated fields and a line end; with --lenient the "
                                  "lines before it are read and this one is left out (said in the summary)")
    return text[:last + 1], Truncated(line, n, ncols)


def read_feed(path: str | Path, lenient: bool = False, *, careful: bool = False) -> FeedFile:
    """Read one feed file, strictly: any cell that is not a number, an unknown type, a bad date or
    hour, a repeated (date, hour, type), a station repeated with other values or a last line cut
    short raises :class:`InputError` naming line and column (``lenient``: the cut line is left
    out, :attr:`FeedFile.truncated`).

    A plain file (no quotes, no blank lines, every cell a decimal number) is read as lines of
    text, parsing only the 1-hour rows; anything else goes through the careful CSV path, which
    accepts and rejects exactly the same files and names the first fault (``careful=True`` takes
    it for every file: the tests hold the two paths equal).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    text, compressed = _raw_bytes(path)
    first = text.split(b"\n", 1)[0]
    try:
        header = first.rstrip(b"\r").decode("utf-8").lstrip("\ufeff").split(",")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text", line=1, expected="a CSV text file") from None
    head = _check_header(path, header)
    text, truncated = _cut_last_line(path, text, len(head.cells) + 3, lenient)
    crlf = first.endswith(b"\r")
    found = None if careful else _read_lines(path, text, head)
    if found is None:
        found = _read_careful(path, text, head, compressed, crlf)
    f, texts = found
    f.gzip, f.crlf, f.head, f.truncated = compressed, crlf, first.rstrip(b"\r"), truncated
    f.final_eol = text.endswith(b"\n")
    f.repeated = _same_repeats(path, head, texts)
    return f


def _feed_file(path: Path, head: _Header, parsed: tuple, bodies: list[bytes], **more) -> FeedFile:
    """A :class:`FeedFile` of the rows' ``parsed`` (dates, hours, types) and ``bodies``."""
    return FeedFile(path, False, head.stations, *parsed, bodies, header=head.cells, columns=head.columns, **more)


def _same_repeats(path: Path, head: _Header, texts) -> list[Repeated]:
    """The repeated stations, once each copy was found to hold the same values as the first:
    ``texts(cell)`` gives that cell of every row as written (b"" when empty). Cells that differ
    as text must hold the same number; the first row where they do not raises."""
    found, worst = [], None
    for station, cells in head.repeats.items():
        first = texts(cells[0])
        for other in cells[1:]:
            for r, (a, b) in enumerate(zip(first, texts(other))):
                if a != b and (not a or not b or float(a) != float(b)):
                    if worst is None or r < worst[0]:
                        worst = (r, station, cells[0], other, a, b)
                    break
        found.append(Repeated(station, tuple(c + 4 for c in cells)))
    if worst is not None:
        r, station, a, b, ta, tb = worst
        raise InputError(path, f"station {station} appears twice in the header (fields {a + 4} and {b + 4}) "
                               f"with different values: {ta.decode()!r} and {tb.decode()!r}",
                         line=r + 2, column=station,
                         expected="a repeated station column to hold the same values as its first column")
    return found


def _read_lines(path: Path, text: bytes, head: _Header) -> tuple[FeedFile, object] | None:
    """The fast path of :func:`read_feed`; None at the first doubt (the careful path decides)."""
    if b'"' in text:
        return None
    buf = np.frombuffer(text, np.uint8)
    lines = _lines(buf)
    if lines is None:
        return None
    starts, ends = lines
    commas = _commas(buf, starts, ends, len(head.cells) + 2)
    if commas is None:
        return None
    at, keys_end, stops = commas[:, :3].tolist(), commas[:, 2].tolist(), ends.tolist()
    keys = _plain_keys([text[a:c[0]] for a, c in zip(starts.tolist(), at)],
                       [text[c[0] + 1:c[1]] for c in at], [text[c[1] + 1:c[2]] for c in at])
    if keys is None:
        return None
    bodies = [text[k + 1:e] for k, e in zip(keys_end, stops)]
    written = [text[a:k] for a, k in zip(starts.tolist(), keys_end)]
    f = _feed_file(path, head, keys, bodies, keys=written)
    cells = _Cells(text, np.concatenate([commas[:, 2:], ends[:, None]], axis=1))
    hourly = np.isin(f.types, HOURLY_TYPES)
    derived = np.nonzero(~hourly)[0]
    plain = np.array([_plain_decimals(bodies[r]) for r in derived], dtype=bool)
    if cells.longest(derived[plain]) > _MAX_DIGITS:
        plain[:] = False
    rows = np.sort(np.concatenate([np.nonzero(hourly)[0], derived[~plain]]))
    parsed = cells.parse(rows)       # the other rows hold plain decimals only (parsed when asked for)
    if parsed is None:
        return None
    f.store(rows, parsed)
    return f, cells.texts


def _lines(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and end (before its CR LF) of every line after the header; None unless every CR is
    part of a CR LF and no line is blank."""
    newlines = np.flatnonzero(buf == ord("\n"))
    cr = np.flatnonzero(buf == ord("\r"))
    if len(cr) and (cr[-1] + 1 == len(buf) or (buf[cr + 1] != ord("\n")).any()):
        return None
    ends = newlines if len(buf) and buf[-1] == ord("\n") else np.append(newlines, len(buf))
    starts = np.concatenate([[0], ends[:-1] + 1])
    ends[np.searchsorted(ends, cr + 1)] -= 1
    starts, ends = starts[1:], ends[1:]
    if not len(starts) or (ends <= starts).any():
        return None
    return starts, ends


def _commas(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray | None:
    """Where the commas of each line are (lines × n); None unless every line has ``n``."""
    commas = np.flatnonzero(buf == ord(","))
    commas = commas[np.searchsorted(commas, starts[0]):]
    if (np.searchsorted(commas, ends) - np.searchsorted(commas, starts) != n).any():
        return None
    return commas.reshape(len(starts), n)


@dataclass
class _Cells:
    """The cells of text lines located in their bytes: cell j of row r is the text between
    separators ``seps[r, j]`` and ``seps[r, j + 1]`` (a comma, or the line's edge)."""
    text: bytes
    seps: np.ndarray

    @classmethod
    def of(cls, bodies: list[bytes], ncells: int) -> "_Cells | None":
        """The cells of rows given as their text (comma-separated, ``ncells`` each)."""
        joined = b"\n".join(bodies)
        ends = np.cumsum([len(b) + 1 for b in bodies]) - 1
        starts = ends - [len(b) for b in bodies]
        commas = _commas(np.frombuffer(joined, np.uint8), starts, ends, ncells - 1)
        if commas is None:
            return None
        return cls(joined, np.concatenate([starts[:, None] - 1, commas, ends[:, None]], axis=1))

    def longest(self, rows: np.ndarray) -> int:
        return int((np.diff(self.seps[rows], axis=1) - 1).max(initial=0))

    def texts(self, cell: int) -> list[bytes]:
        """Cell ``cell`` of every row as written."""
        return [self.text[a + 1:b] for a, b in zip(self.seps[:, cell].tolist(), self.seps[:, cell + 1].tolist())]

    def parse(self, rows: np.ndarray) -> np.ndarray | None:
        """The cells of ``rows`` as float64, rows × cells (NaN where empty); None if one is not a
        finite number as Arrow parses it (the careful path's parser)."""
        seps = self.seps[rows]
        text = b"".join([self.text[a + 1:b] for a, b in zip(seps[:, 0].tolist(), seps[:, -1].tolist())])
        lengths = (np.diff(seps, axis=1) - 1).reshape(-1).astype(np.int32)
        n = len(lengths)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        present = lengths > 0
        array = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.translate(None, b",")),
                                            pa.py_buffer(np.packbits(present, bitorder="little")),
                                            null_count=n - int(present.sum()))
        try:
            parsed = pc.cast(array, pa.float64())
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
        values = np.frombuffer(parsed.buffers()[1], np.float64, count=n, offset=parsed.offset * 8).copy()
        values[~present] = np.nan
        if np.count_nonzero(np.isfinite(values)) != np.count_nonzero(present):
            return None
        return values.reshape(len(rows), -1)


def _plain_keys(dates: list[bytes], hours: list[bytes], types: list[bytes]):
    """(dates, hours, types) as arrays if every key is plainly valid: 8-digit calendar dates,
    hours 0–23, known types, no (date, hour, type) twice; else None."""
    if any(len(d) != 8 for d in dates) or any(not 1 <= len(h) <= 2 for h in hours):
        return None
    if not (b"".join(dates).isdigit() and b"".join(hours).isdigit()):
        return None
    known = {t.encode(): t for t in TYPES}
    if any(t not in known for t in types):
        return None
    d = np.array(dates, dtype="S8").astype(np.int64)
    h = np.array(hours, dtype="S2").astype(np.int64)
    if h.max() > 23 or not all(_is_date(int(v)) for v in np.unique(d)):
        return None
    if len(set(zip(d.tolist(), h.tolist(), types))) != len(types):
        return None
    return d, h, np.array([known[t] for t in types], dtype=object)


_TWO_DOTS = re.compile(rb"\.[0-9]*\.")


def _plain_decimals(body: bytes) -> bool:
    """Whether every cell of ``body`` is empty or digits with at most one decimal point inside."""
    if body.translate(None, b"0123456789,."):
        return False
    if b"." not in body:
        return True
    return not (body.startswith(b".") or body.endswith(b".") or b",." in body or b".," in body
                or _TWO_DOTS.search(body))


def _is_date(yyyymmdd: int) -> bool:
    try:
        date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        return False
    return True


_MAX_DIGITS = 300   # a longer run of digits may overflow float64: such cells are parsed to be judged


def _cell_names(n: int) -> list[str]:
    """Arrow's names for ``n`` station cells (by position: a station may repeat in the header)."""
    return [f"c{i}" for i in range(n)]


def _csv_read(names: list[str], skip_rows: int = 0) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(column_names=list(names), skip_rows=skip_rows, block_size=1 << 24)


def _csv_strings(names: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[""],
                                strings_can_be_null=True, quoted_strings_can_be_null=True)


def _read_careful(path: Path, text: bytes, head: _Header, compressed: bool, crlf: bool):
    """The whole file through Arrow's CSV reader, checked column by column (the first fault raises)."""
    cell_names = _cell_names(len(head.cells))
    names = list(KEY_COLUMNS) + cell_names
    try:
        table = pacsv.read_csv(pa.py_buffer(text), read_options=_csv_read(names, skip_rows=1),
                               parse_options=pacsv.ParseOptions(newlines_in_values=False),
                               convert_options=_csv_strings(names))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        raise _first_bad_line(path, text, len(names)) from None
    if table.num_rows == 0:
        raise InputError(path, "no data rows", line=2, expected="rows 'date,hour,type,values…'")
    dates = _int_column(path, table, "date", r"^\d{8}$", "a date YYYYMMDD")
    hours = _int_column(path, table, "hour", r"^\d{1,2}$", "an hour 0–23")
    bad = np.nonzero((hours < 0) | (hours > 23))[0]
    if len(bad):
        raise InputError(path, f"hour {hours[bad[0]]} out of range", line=int(bad[0]) + 2, column="hour",
                         expected="an hour 0–23")
    _check_dates(path, dates)
    types = np.array(table.column("type").to_pylist(), dtype=object)
    known = set(TYPES)
    for i, t in enumerate(types):
        if t not in known:
            raise InputError(path, f"unknown type {t!r}", line=i + 2, column="type",
                             expected="one of " + ", ".join(TYPES))
    _check_duplicates(path, dates, hours, types)
    cells = table.select(cell_names)
    numbers = _numbers(path, cells, head.cells)
    joined = pc.binary_join_element_wise(*cells.columns, ",", null_handling="replace", null_replacement="")
    bodies = [b.encode() for b in joined.to_pylist()] if cells.num_columns > 1 else \
        [(b or "").encode() for b in cells.column(0).to_pylist()]
    f = _feed_file(path, head, (dates, hours, types), bodies)
    f.crlf = crlf
    f.store(np.arange(len(bodies)), numbers.T)

    def texts(cell: int) -> list[bytes]:
        return [(v or "").encode() for v in cells.column(cell).to_pylist()]
    return f, texts


def _int_column(path: Path, table: pa.Table, name: str, pattern: str, expected: str) -> np.ndarray:
    col = table.column(name)
    ok = pc.fill_null(pc.match_substring_regex(col, pattern), False)
    if not pc.all(ok).as_py():
        i = int(pc.index(ok, False).as_py())
        raise InputError(path, f"{col[i].as_py()!r} is not valid", line=i + 2, column=name, expected=expected)
    return np.asarray(pc.cast(col, pa.int64()))


def _check_dates(path: Path, dates: np.ndarray) -> None:
    for value in np.unique(dates):
        try:
            date(int(value) // 10000, int(value) // 100 % 100, int(value) % 100)
        except ValueError:
            i = int(np.nonzero(dates == value)[0][0])
            raise InputError(path, f"{value} is not a calendar date", line=i + 2, column="date",
                             expected="a date YYYYMMDD") from None


def _check_duplicates(path: Path, dates: np.ndarray, hours: np.ndarray, types: np.ndarray) -> None:
    seen: dict[tuple, int] = {}
    for i, key in enumerate(zip(dates.tolist(), hours.tolist(), types.tolist())):
        if key in seen:
            raise InputError(path, f"duplicated hour: {key[0]} hour {key[1]} {key[2]} already on line "
                                   f"{seen[key] + 2}", line=i + 2, column="hour",
                             expected="each (date, hour, type) once")
        seen[key] = i


def _flat(cells: pa.Table) -> pa.Array:
    """All station cells as one string array, column after column (one kernel call instead of 1,600)."""
    return pa.concat_arrays([c.combine_chunks() if c.num_chunks != 1 else c.chunk(0) for c in cells.columns])


def _numbers(path: Path, cells: pa.Table, stations: list[str]) -> np.ndarray:
    """Every cell as float64 (cells × rows, NaN where empty); the first cell that is not a plain
    decimal number raises :class:`InputError` with its line and station column (``stations``:
    the station of each cell)."""
    flat = _flat(cells)
    try:
        parsed = pc.cast(flat, pa.float64())
        clean = not pc.any(pc.or_(pc.is_nan(parsed), pc.is_inf(parsed))).as_py()
    except pa.ArrowInvalid:
        clean = False
    if not clean:   # text, or a decimal number too large for float64 (inf): docs/limits.md
        ok = pc.fill_null(pc.match_substring_regex(flat, _NUMBER), True)
        finite = pc.fill_null(pc.is_finite(pc.cast(pc.if_else(ok, flat, pa.scalar(None, pa.string())),
                                                    pa.float64())), True)
        k = int(pc.index(pc.and_(ok, finite), False).as_py())
        j, i = divmod(k, cells.num_rows)
        raise InputError(path, number_problem(cells.column(j)[i].as_py()), line=i + 2,
                         column=stations[j], expected="a number or an empty cell")
    return parsed.to_numpy(zero_copy_only=False).reshape(cells.num_columns, cells.num_rows)


def scaled_values(f: "FeedFile", scale: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The cells (of ``rows``, default all) as an int64 matrix rows × stations of round(value × scale);
    missing = ``MISSING``."""
    rows = np.arange(len(f.bodies)) if rows is None else rows
    v = np.rint(f.values(rows) * scale)
    missing = np.isnan(v)
    v[missing] = 0
    out = v.astype(np.int64)
    out[missing] = MISSING
    return out


def open_text(path: Path):
    """Open a feed file (plain or gzip) as text — used by tests and the diff."""
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


#: feed type → lantian pollutant key and unit (the feed: µg/m³, CO mg/m³)
POLLUTANT_OF_TYPE = {"PM2.5": "PM2_5", "PM10": "PM10", "SO2": "SO2", "NO2": "NO2", "O3": "O3", "CO": "CO"}


def long_table(f: FeedFile, names: list[str] | None = None, keep: np.ndarray | None = None) -> pa.Table:
    """The 1-hour measurements of a feed file as long rows (station, time, pollutant, value, unit, averaging).

    Only the six 1-hour rows are measurements; the published derived rows are not stored
    (lantian recomputes them, :mod:`lantian.measurements.feed`). ``time`` is the hour-ending
    label in Beijing time, naive. ``names``: the station of each of ``f.stations`` as stored
    (default the header's); ``keep``: which of them to read (default all).
    """
    t_seconds = f.t.astype(np.int64) * 3600
    keys = list(POLLUTANT_OF_TYPE.values())
    stations, times, codes, vals = [], [], [], []
    for typ, key in POLLUTANT_OF_TYPE.items():
        rows = np.nonzero(f.types == typ)[0]
        if not len(rows):
            continue
        block = f.values(rows).T                      # stations × rows
        if keep is not None:
            block[~keep] = np.nan
        s_idx, r_idx = np.nonzero(~np.isnan(block))
        stations.append(s_idx.astype(np.int32))
        times.append(t_seconds[rows][r_idx])
        vals.append(block[s_idx, r_idx])
        codes.append(np.full(len(s_idx), keys.index(key), dtype=np.int8))
    s_all = np.concatenate(stations) if stations else np.array([], np.int32)
    code = np.concatenate(codes) if codes else np.array([], np.int8)
    names = names or f.stations
    station = pa.DictionaryArray.from_arrays(pa.array(s_all), pa.array(names, pa.string())) \
        if len(set(names)) == len(names) else pa.array(np.array(names, dtype=object)[s_all], pa.string())
    pollutant = pa.DictionaryArray.from_arrays(pa.array(code.astype(np.int32)), pa.array(keys, pa.string()))
    unit = pa.DictionaryArray.from_arrays(pa.array((code == keys.index("CO")).astype(np.int32)),
                                          pa.array(["µg/m³", "mg/m³"], pa.string()))
    n = len(s_all)
    return pa.table({
        "station": station,
        "time": pa.array(np.concatenate(times) if times else np.array([], np.int64)).cast(pa.timestamp("s")),
        "pollutant": pollutant,
        "value": pa.array(np.concatenate(vals) if vals else np.array([], np.float64)),
        "unit": unit,
        "averaging": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["1h"])),
    })
