"""Reading export files as they come: any encoding Chinese Excel saves, any common delimiter,
title lines above the header, Chinese header names, blank and summary rows.

The reader streams: it never holds more than one record in memory, keeps the physical line
number of every record (the header line a user sees in an editor counts, so line numbers in
error messages match what they see), and keeps the raw text of each record so a rejected row
can be stored word for word.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from c2m.errors import ImportFailed

_BLOCK = 1 << 20
_HEADER_SEARCH_LINES = 20  # how far down a title/notes preamble may push the header
_DELIMITERS = (",", ";", "\t", "|")

# Rows that exports append as totals: skipped and counted, never read as data.
SUMMARY_WORDS = frozenset({"合计", "总计", "小计", "汇总", "total", "totals", "subtotal", "sum"})

csv.field_size_limit(1 << 24)


def normalise_header(name: str) -> str:
    """The comparable form of a header cell: no BOM, case, spacing, punctuation or unit suffix.

    ``" 价格(元) "``, ``"Room ID"`` and ``"room_id"`` become ``"价格"``, ``"roomid"``, ``"roomid"``.
    """
    text = name.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)  # units and notes: 价格(元), clicks [uv]
    return re.sub(r"[\s_\-./:：]+", "", text)


@dataclass(frozen=True)
class Columns:
    """The columns one import kind understands: canonical name -> accepted header names."""

    aliases: Mapping[str, Sequence[str]]
    required: Sequence[str] = ()

    def lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for canonical, names in self.aliases.items():
            for name in (canonical, *names):
                table.setdefault(normalise_header(name), canonical)
        return table

    def describe(self) -> str:
        return ", ".join(
            f"{canonical} ({'/'.join(names[:3])})" if names else canonical
            for canonical, names in self.aliases.items()
        )


@dataclass
class Header:
    line: int  # physical line number of the header
    names: list[str]  # the header cells as written
    index: dict[str, int]  # canonical column -> position
    ignored: list[str] = field(default_factory=list)  # header cells that mean nothing to us


@dataclass
class Record:
    line: int  # physical line where the record starts (header = line 1 in a plain file)
    cells: list[str]
    raw: str  # the record's text as it was in the file, without the line end


def sniff_file(path: Path) -> tuple[str, str, int]:
    """(encoding, sha256, size) of a file, reading it once in blocks.

    UTF-8 (with or without BOM) when every byte decodes, else GB18030, the superset of GBK
    that Chinese Excel writes. Checking the whole file costs one fast pass and avoids the
    classic failure of a GBK colour name deep in a file whose header is plain ASCII.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    size = 0
    try:
        with path.open("rb") as handle:
            block = handle.read(_BLOCK)
            _refuse_binary(block)
            utf16 = block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            if utf16:  # Excel's "Unicode text": UTF-16 with a BOM, tab separated
                utf8 = False
            bom = block.startswith(codecs.BOM_UTF8)
            while block:
                digest.update(block)
                size += len(block)
                if utf8:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        utf8 = False
                block = handle.read(_BLOCK)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    except OSError as exc:
        raise ImportFailed(f"cannot read the file: {exc.strerror or exc}") from None
    if utf16:
        return "utf-16", digest.hexdigest(), size
    if utf8:
        return ("utf-8-sig" if bom else "utf-8"), digest.hexdigest(), size
    return "gb18030", digest.hexdigest(), size


_XLSX = b"PK\x03\x04"  # .xlsx is a zip
_OLD_XLS = b"\xd0\xcf\x11\xe0"


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is an .xlsx workbook (the back-ends' other export format)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == _XLSX
    except OSError:
        return False


def _refuse_binary(head: bytes) -> None:
    """A clear sentence for the usual wrong file: an old spreadsheet, not its CSV export."""
    if head.startswith(_OLD_XLS):
        raise ImportFailed("this is an old Excel .xls workbook: save it as .xlsx or CSV first")
    if head.startswith(_XLSX):
        raise ImportFailed("this is a zip file, not a CSV file or an .xlsx workbook")
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFailed("this is a binary file, not a CSV file")


def sniff_delimiter(line: str) -> str:
    """The delimiter a header line uses: the candidate that splits it into the most cells."""
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        count = len(next(csv.reader([line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


class CsvFile:
    """One export file opened for streaming: its encoding, delimiter, header and records."""

    def __init__(self, path: Path, columns: Columns) -> None:
        self._sheet_copy: Path | None = None
        if is_workbook(path):
            # A workbook is read as the CSV of its first sheet (one line per sheet row, so
            # line numbers are row numbers); the batch keeps the workbook's own digest.
            self._sheet_copy = sheet_as_csv(path)
            self.sha256 = _sha256(path)
            path_read = self._sheet_copy
            self.encoding, _, self.size = sniff_file(path_read)
        else:
            path_read = path
            self.encoding, self.sha256, self.size = sniff_file(path)
        self.path = path_read
        self._raw = path_read.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        self.preamble = 0  # lines above the header
        self._start = 1  # the current record's first line, counted from the header (= 0)
        self._shadow: io.TextIOWrapper | None = None  # a second reader of the lines, for raw
        self._shadow_line = 0  # physical lines the shadow has consumed
        self._raw_cache: tuple[int, str] | None = None
        self.header = self._find_header(columns)

    def close(self) -> None:
        self._text.close()
        if self._shadow is not None:
            self._shadow.close()
            self._shadow = None
        if self._sheet_copy is not None:
            self._sheet_copy.unlink(missing_ok=True)
            self._sheet_copy = None

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def position(self) -> int:
        """Bytes read so far (for progress bars)."""
        return self._raw.tell()

    def _find_header(self, columns: Columns) -> Header:
        """The first line, among the first few, in which most cells are column names we know."""
        lookup = columns.lookup()
        first_seen: list[str] | None = None
        for number in range(1, _HEADER_SEARCH_LINES + 1):
            try:
                line = self._text.readline()
            except UnicodeDecodeError as exc:
                self.close()
                raise ImportFailed(f"cannot decode the text ({exc.reason})") from None
            if not line:
                break
            if not line.strip().strip(",;\t|\ufeff"):
                continue
            self.delimiter = sniff_delimiter(line)
            names = next(csv.reader([line], delimiter=self.delimiter), [])
            names = [name.replace("\ufeff", "").strip() for name in names]
            if first_seen is None:
                first_seen = names
            index: dict[str, int] = {}
            ignored: list[str] = []
            for position, name in enumerate(names):
                canonical = lookup.get(normalise_header(name))
                if canonical is None or canonical in index:
                    if name:
                        ignored.append(name)
                else:
                    index[canonical] = position
            if len(index) >= 2 or (len(index) == 1 and len(names) == 1):
                self.preamble = number - 1
                self._reader = csv.reader(self._text, delimiter=self.delimiter)
                return Header(number, names, index, ignored)
        found = ", ".join(first_seen) if first_seen else "nothing (the file is empty)"
        self.close()
        raise ImportFailed(
            f"no recognisable header; found columns: {found}; expected: {columns.describe()}"
        )

    def rows(self) -> Iterator[list[str]]:
        """The cells of every record after the header, streamed.

        While a row is being handled, :attr:`line` and :attr:`raw` describe it; they cost
        nothing unless asked for, which is only for the rare rejected or odd row (the csv
        reader reads the file directly; only where a record starts is noted per row).
        """
        reader = self._reader
        end = 0
        try:
            for cells in reader:
                self._start = end + 1
                yield cells
                end = reader.line_num
        except UnicodeDecodeError as exc:  # sniff_file read it all, so only a changed file
            raise ImportFailed(f"cannot decode the text ({exc.reason})") from None
        except csv.Error as exc:
            raise ImportFailed(f"line {self.line}: unreadable CSV ({exc})") from None

    @property
    def line(self) -> int:
        """Physical line number where the current record starts (the header's line counts)."""
        return self.header.line + self._start

    @property
    def raw(self) -> str:
        """The current record's text as it is in the file, without its line end.

        Read from a second handle on the file that only moves forward, line by line as the
        csv reader splits them (``newline=""``), so asking costs a skip to the record and
        a file of good rows never pays for it.
        """
        first = self.header.line + self._start
        if self._raw_cache is not None and self._raw_cache[0] == first:
            return self._raw_cache[1]
        last = self.header.line + self._reader.line_num
        if self._shadow is None or self._shadow_line >= first:
            if self._shadow is not None:
                self._shadow.close()
            self._shadow = self.path.open(encoding=self.encoding, newline="")
            self._shadow_line = 0
        shadow = self._shadow
        skip = first - 1 - self._shadow_line
        next(itertools.islice(shadow, skip, skip), None)  # consumes ``skip`` lines, in C
        text = "".join(itertools.islice(shadow, last - first + 1)).rstrip("\r\n")
        self._shadow_line = last
        self._raw_cache = (first, text)
        return text

    def records(self) -> Iterator[Record]:
        """Every record with its line number and raw text (convenient, a little slower)."""
        for cells in self.rows():
            yield Record(self.line, cells, self.raw)


def is_blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()


def is_summary(cells: Sequence[str]) -> bool:
    """A totals row: one of its first cells says 合计 / 总计 / Total (with or without a colon)."""
    for cell in cells[:3]:
        word = cell.strip().rstrip(":：").strip().lower()
        if word in SUMMARY_WORDS:
            return True
    return False


def _sha256(path: Path) -> str:
    """The SHA-256 of any file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def sheet_as_csv(path: Path) -> Path:
    """The first sheet of the .xlsx workbook ``path`` as a temporary UTF-8 CSV file, row by
    row (openpyxl's read-only mode streams, so a big export is never all in memory).

    Cells are written as a person reads them: whole numbers without ``.0``, dates and times
    in ISO form, line breaks inside a cell as spaces (one CSV line per sheet row).
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFailed(f"cannot read the workbook ({exc})") from None
    descriptor, name = tempfile.mkstemp(prefix="c2m-sheet-", suffix=".csv")
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            for row in book.worksheets[0].iter_rows(values_only=True):
                writer.writerow([_cell_text(value) for value in row])
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    finally:
        book.close()
    return Path(name)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).splitlines())
