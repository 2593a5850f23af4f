"""Any table an analyst has, read into text cells: CSV/TSV in any common encoding, Excel, ODS.

:func:`read_table` reads a file (:func:`read_bytes` an upload) into a :class:`Table`: a frame
whose every cell is a string (``""`` when empty; numbers as written, ``"05001"`` keeps its zero;
spreadsheet dates as ISO text) and a :class:`TableInfo` saying what was found, so nothing is
guessed silently:

- text files: the encoding from a byte-order mark (UTF-8, UTF-16, UTF-32), else UTF-8 when the
  whole file decodes as UTF-8, else UTF-16 without a mark (every other byte zero), else the
  encoding charset-normalizer finds among those Spanish-language spreadsheets are saved in
  (Windows-1252, Latin-1, Latin-9, DOS 850, Mac Roman); the separator (comma, semicolon, tab or
  vertical bar) from the header line;
- workbooks (.xlsx, .xlsm, .xls, .ods; recognised by their content, not only the file name):
  the sheet asked for (by name, or number counting from 1), by default the first sheet with
  data; the header is the first row that fills most of the columns, so title rows above a
  table are skipped (``first_row`` keeps row numbers as the spreadsheet shows them).

Rows that are entirely empty after the last record are dropped (counted in
``TableInfo.empty_rows``). Big UTF-8 CSV files of the native, ACLED and UCDP formats keep the
streaming reader of :mod:`conflictmap.importers.csvfile`; this module reads a whole table.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import zipfile
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from conflictmap.i18n import N_
from conflictmap.importers import csvfile
from conflictmap.importers.candidates import first_data_row
from conflictmap.importers.csvfile import FileError
from conflictmap.messages import Message

SPREADSHEET_KINDS = ("xlsx", "xls", "ods")
SEPARATORS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab"), "|": N_("vertical bar")}
# what charset-normalizer may choose among when a file is not UTF-8 (tried in this order)
SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15", "cp850", "mac_roman")
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1 (ISO-8859-1)",
    "iso8859_15": "Latin-9 (ISO-8859-15)",
    "cp850": "DOS Latin-1 (code page 850)",
    "mac_roman": "Mac Roman",
}
_ENCODING_BY = {
    "bom": N_("from its byte-order mark"),
    "utf-8": N_("the whole file is valid UTF-8"),
    "zeros": N_("every other byte is zero"),
    "charset-normalizer": N_("detected by charset-normalizer"),
}
_WORKBOOK_LABELS = {"xlsx": N_("Excel workbook"), "xls": N_("Excel 97-2003 workbook")}
HEADER_SEARCH_ROWS = 30  # title rows above a spreadsheet's header: looked for this far down


@dataclass(frozen=True)
class TableInfo:
    """What was found in a file, for reports and the column-mapping screen.

    ``kind`` is csv, xlsx, xls or ods; ``encoding`` (Python codec name) and ``encoding_by``
    (bom, utf-8, zeros or charset-normalizer) and ``separator`` for text files; ``sheet`` and
    ``sheets`` for workbooks; ``header_row`` is the spreadsheet row of the header (1 unless
    title rows come first); ``rows`` the records read; ``empty_rows`` the empty rows dropped
    after the last record.
    """

    kind: str
    rows: int
    header_row: int = 1
    encoding: str | None = None
    encoding_by: str | None = None
    separator: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    empty_rows: int = 0

    def describe(self) -> str:
        """One line for a person: "CSV, Windows-1252 (detected by charset-normalizer),
        semicolon-separated" or "Excel workbook, sheet 'Sheet1' (1 of 3)" (a
        :class:`~conflictmap.messages.Message`: shown in the reader's language)."""
        text: Message
        if self.kind == "csv":
            name = ENCODING_NAMES.get(self.encoding or "", self.encoding or "?")
            how = _ENCODING_BY.get(self.encoding_by or "")
            sep = _separator(self.separator or "")
            if how:
                text = Message(
                    N_("CSV, {encoding} ({how}), {separator}-separated"),
                    encoding=name,
                    how=Message(how),
                    separator=sep,
                )
            else:
                text = Message(
                    N_("CSV, {encoding}, {separator}-separated"), encoding=name, separator=sep
                )
        else:
            label = Message(_WORKBOOK_LABELS.get(self.kind, N_("OpenDocument spreadsheet")))
            if self.sheet in self.sheets:
                text = Message(
                    N_("{kind}, sheet '{sheet}' ({number} of {count})"),
                    kind=label,
                    sheet=self.sheet or "",
                    number=self.sheets.index(self.sheet or "") + 1,
                    count=len(self.sheets),
                )
            else:
                text = Message(N_("{kind}, sheet '{sheet}'"), kind=label, sheet=str(self.sheet))
        if self.header_row > 1:
            text = Message(N_("{file}, header on row {row}"), file=text, row=self.header_row)
        return text

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["sheets"] = list(self.sheets)
        out["description"] = self.describe()
        return out


@dataclass(frozen=True)
class Table:
    """A whole table as text cells, and what was found reading it.

    ``frame`` has the header's names as columns (stripped; empty ones named ``column N``,
    repeated ones suffixed ``.1``, ``.2``) and one row per record; ``first_row`` is the
    spreadsheet row number of its first record (the header's row + 1).
    """

    frame: pd.DataFrame
    info: TableInfo

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def first_row(self) -> int:
        return self.info.header_row + 1


def file_kind(path: str | os.PathLike[str]) -> str:
    """csv (any text), xlsx, xls or ods, from the file's first bytes (FileError if unreadable)."""
    head = _read(Path(path), 8)
    return _kind(head, Path(path))


def _kind(
    head: bytes, path: Path | None, data: bytes | None = None, name: str | None = None
) -> str:
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path, data, name)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: Excel 97-2003
        return "xls"
    return "csv"


def _zip_kind(path: Path | None, data: bytes | None, name: str | None = None) -> str:
    """xlsx or ods: what the zip archive holds (errors call the file ``name``, else its path)."""
    name = name or (str(path) if path else Message(N_("the upload")))
    try:
        source: Path | io.BytesIO = io.BytesIO(data) if data is not None else Path(str(path))
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                if mime == "application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return "xlsx"
    except zipfile.BadZipFile:
        raise FileError(
            Message(N_("{file}: a damaged zip archive, not a readable spreadsheet"), file=name)
        ) from None
    raise FileError(
        Message(
            N_(
                "{file}: a zip archive that is neither an Excel workbook (.xlsx) nor an "
                "OpenDocument spreadsheet (.ods)"
            ),
            file=name,
        )
    )


def _read(path: Path, limit: int = -1) -> bytes:
    """The file's bytes (the first ``limit``); FileError naming the file when it cannot be read."""
    return csvfile.read_bytes(path, limit)


def read_table(
    path: str | os.PathLike[str], *, sheet: str | int | None = None, name: str | None = None
) -> Table:
    """A whole file as a :class:`Table` (see the module docstring). ``name`` is what error
    messages call the file (by default its path). Raises FileError naming the file."""
    path = Path(path)
    return read_bytes(_read(path), name=name or str(path), sheet=sheet)


def read_bytes(data: bytes, *, name: str, sheet: str | int | None = None) -> Table:
    """:func:`read_table` of a file's content (an upload)."""
    kind = _kind(data[:8], None, data, name)
    if kind == "csv":
        if sheet not in (None, ""):
            raise FileError(
                Message(
                    N_("{file}: --sheet applies to workbooks; this is a text (CSV) file"), file=name
                )
            )
        return _read_text(data, name)
    return _read_workbook(data, kind, name, sheet)


def preview(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    rows: int = 20,
    name: str | None = None,
) -> Table:
    """The first ``rows`` records of a file (the info still counts every record): what the
    column-mapping screen shows."""
    table = read_table(path, sheet=sheet, name=name)
    return Table(table.frame.head(rows), table.info)


def sheet_names(path: str | os.PathLike[str]) -> list[str]:
    """The sheets of a workbook ([] for a text file)."""
    data = _read(Path(path))
    kind = _kind(data[:8], Path(path), data)
    return [] if kind == "csv" else _workbook(data, str(path)).sheet_names


# ---- text files ---------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def detect_encoding(data: bytes, name: str) -> tuple[str, str]:
    """(codec, how it was found) for a text file's bytes; FileError for binary content."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, "bom"
    zeros = _utf16_without_bom(data[:4096])
    if zeros:
        return zeros, "zeros"
    if b"\x00" in data[:4096]:
        raise FileError(Message(csvfile.BINARY, file=name))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(SINGLE_BYTE)).best()
    if best is None:
        raise FileError(
            Message(
                N_(
                    "{file}: cannot tell the text's encoding (not UTF-8, UTF-16 or a Western "
                    "single-byte encoding); save the file as UTF-8 and import again"
                ),
                file=name,
            )
        )
    return str(best.encoding), "charset-normalizer"


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: ASCII-range characters leave every other byte 0."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = sum(1 for i in range(0, 2 * pairs, 2) if head[i] == 0)
    odd = sum(1 for i in range(1, 2 * pairs, 2) if head[i] == 0)
    if odd >= 0.7 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.7 * pairs and odd == 0:
        return "utf-16-be"
    return None


def sniff_separator(header: str) -> str:
    """The separator the header line uses most (outside quotes): comma, semicolon, tab or |."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ","


def _read_text(data: bytes, name: str) -> Table:
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileError(Message(csvfile.EMPTY, file=name))
    encoding, how = detect_encoding(data, name)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # a mark that lies, or UTF-16 cut mid-character
        raise FileError(
            Message(
                N_("{file}: not valid {encoding} text ({error})"),
                file=name,
                encoding=encoding,
                error=exc.reason,
            )
        ) from None
    text = text.lstrip("\ufeff")
    leading = re.match(r"(?:[ \t]*\r?\n)*", text)
    skipped = leading.group(0).count("\n") if leading else 0
    text = text[leading.end() :] if leading else text
    sep = sniff_separator(text.split("\n", 1)[0])
    try:
        # header=None: the header is named here (_names), not by pandas ("Unnamed: 1")
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise FileError(Message(csvfile.UNREADABLE, file=name, error=str(exc))) from None
    if len(frame.columns) < 2:
        raise FileError(
            Message(
                N_(
                    "{file}: found a single column; expected a table separated by commas, "
                    "semicolons or tabs"
                ),
                file=name,
            )
        )
    cells = _as_text(frame)  # once: the first row is the header, the rest the records
    records = cells.iloc[1:].reset_index(drop=True)
    records.columns = _names([str(c) for c in cells.iloc[0]])
    frame, empty = _drop_trailing_empty(records)
    if frame.empty:
        raise FileError(Message(csvfile.NO_ROWS, file=name))
    info = TableInfo(
        kind="csv",
        rows=len(frame),
        header_row=1 + skipped,
        encoding=encoding,
        encoding_by=how,
        separator=sep,
        empty_rows=empty,
    )
    return Table(frame, info)


# ---- workbooks ----------------------------------------------------------------------------------


def _workbook(data: bytes, name: str):  # noqa: ANN202 - python_calamine.CalamineWorkbook
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise FileError(
            Message(N_("{file}: not a readable spreadsheet ({error})"), file=name, error=str(exc))
        ) from None


def _read_workbook(data: bytes, kind: str, name: str, sheet: str | int | None) -> Table:
    book = _workbook(data, name)
    names = list(book.sheet_names)
    if not names:
        raise FileError(Message(N_("{file}: the workbook has no sheets"), file=name))
    if sheet not in (None, ""):
        chosen = _choose_sheet(names, sheet, name)
        rows = _sheet_rows(book, chosen, name)
        if not any(_filled(r) for r in rows):
            raise FileError(
                Message(N_("{file}: sheet '{sheet}' is empty"), file=name, sheet=chosen)
            )
    else:
        for chosen in names:
            rows = _sheet_rows(book, chosen, name)
            if any(_filled(r) for r in rows):
                break
        else:
            raise FileError(
                Message(
                    N_("{file}: every sheet is empty ({sheets})"),
                    file=name,
                    sheets=", ".join(names),
                )
            )
    header_index = _header_index(rows)
    width = max(len(r) for r in rows[header_index:])
    header = [_cell_text(v) for v in rows[header_index]] + [""] * width
    body = [[_cell_text(v) for v in r] + [""] * (width - len(r)) for r in rows[header_index + 1 :]]
    frame = pd.DataFrame(body, columns=_names(header[:width]), dtype=object)
    frame, empty = _drop_trailing_empty(frame)
    frame = _drop_empty_unnamed(frame)
    if frame.empty:
        raise FileError(
            Message(N_("{file}: sheet '{sheet}' has a header but no rows"), file=name, sheet=chosen)
        )
    info = TableInfo(
        kind=kind,
        rows=len(frame),
        header_row=header_index + 1,
        sheet=chosen,
        sheets=tuple(names),
        empty_rows=empty,
    )
    return Table(frame.reset_index(drop=True), info)


def _choose_sheet(names: list[str], sheet: str | int, name: str) -> str:
    text = str(sheet).strip()
    if text in names:
        return text
    folded = {n.casefold().strip(): n for n in names}
    if text.casefold() in folded:
        return folded[text.casefold()]
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    listed = ", ".join(f"{i}: {n}" for i, n in enumerate(names, 1))
    raise FileError(
        Message(
            N_("{file}: no sheet '{sheet}' (the sheets are {sheets})"),
            file=name,
            sheet=text,
            sheets=listed,
        )
    )


def _sheet_rows(book, sheet: str, name: str) -> list[list[object]]:  # noqa: ANN001
    try:
        return [list(r) for r in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise FileError(
            Message(
                N_("{file}: sheet '{sheet}' cannot be read ({error})"),
                file=name,
                sheet=sheet,
                error=str(exc),
            )
        ) from None


def _filled(row: list[object]) -> int:
    return sum(1 for v in row if _cell_text(v))


def _header_index(rows: list[list[object]]) -> int:
    """The first row that fills at least half as many cells as the fullest of the first rows
    (title rows above a table fill one or two)."""
    counts = [_filled(r) for r in rows[:HEADER_SEARCH_ROWS]]
    widest = max(counts)
    for i, count in enumerate(counts):
        if count >= max(2, widest / 2) or (widest < 2 and count):
            return i
    return 0


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold: whole numbers without ``.0``,
    dates as ISO (``2022-09-02``, with the time when it is not midnight)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


# ---- both ---------------------------------------------------------------------------------------


def _names(header: list[str]) -> list[str]:
    """Header names stripped; an empty one is ``column N``; repeats get ``.1``, ``.2``."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header, 1):
        text = " ".join(str(raw).split()) or f"column {i}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        out.append(text)
    return out


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "")


def _empty_rows(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series([], dtype=bool)
    return frame.apply(lambda col: col.map(lambda v: not str(v).strip())).all(axis=1)


def _drop_trailing_empty(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Without the empty rows after the last record (spreadsheets keep formatted empty rows)."""
    empty = _empty_rows(frame).to_numpy()
    filled = [i for i, e in enumerate(empty) if not e]
    last = filled[-1] + 1 if filled else 0
    return frame.iloc[:last], len(frame) - last


def _drop_empty_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Without columns that have neither a header nor any value (a sheet's formatted margin)."""
    keep = [
        c
        for i, c in enumerate(frame.columns, 1)
        if c != f"column {i}" or frame[c].map(lambda v: bool(str(v).strip())).any()
    ]
    return frame.loc[:, keep]


__all__ = [
    "SPREADSHEET_KINDS",
    "Table",
    "TableInfo",
    "detect_encoding",
    "file_kind",
    "first_data_row",
    "preview",
    "read_bytes",
    "read_table",
    "sheet_names",
    "sniff_separator",
]


def streamable(path: str | os.PathLike[str]) -> bool:
    """Whether the chunked CSV reader (csvfile, UTF-8 or Windows-1252) can read the file: a
    text file that is not UTF-16/32 (nor anything else: csvfile then says what it is)."""
    head = _read(Path(path), 4096)
    if _kind(head[:8], Path(path)) != "csv":
        return False
    if any(head.startswith(bom) for bom, codec in _BOMS if codec != "utf-8-sig"):
        return False
    return _utf16_without_bom(head) is None


def describe_stream(path: str | os.PathLike[str], encoding: str, sep: str) -> str:
    """What the chunked CSV reader found, in :meth:`TableInfo.describe`'s words (csvfile
    reads every UTF-8 file as utf-8-sig: the mark is named only when the file has one)."""
    if encoding == "utf-8-sig" and not _read(Path(path), 3).startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
    name = ENCODING_NAMES.get(encoding, encoding)
    return Message(
        N_("CSV, {encoding}, {separator}-separated"), encoding=name, separator=_separator(sep)
    )


def _separator(sep: str) -> str:
    """The separator's name, shown in the reader's language."""
    return Message(SEPARATORS[sep]) if sep in SEPARATORS else repr(sep)
