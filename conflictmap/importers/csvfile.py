"""Reading analysts' CSV files as they come: encoding, separator, header checks, clear errors."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from conflictmap.i18n import N_
from conflictmap.messages import Message


class FileError(ValueError):
    """The file as a whole cannot be imported; the message names the file and the reason (a
    :class:`~conflictmap.messages.Message`: ``str(exc)`` is in the reader's language)."""


# messages several readers share ({file}: the file's name or path)
EMPTY = N_("{file}: the file is empty")
BINARY = N_("{file}: this is not a text CSV file (binary content)")
UNDECODABLE = N_("{file}: cannot decode the text (tried UTF-8, Windows-1252, Latin-1)")
UNREADABLE = N_("{file}: not a readable CSV table ({error})")
NO_ROWS = N_("{file}: the file has a header but no rows")
HXL_ONLY = N_("{file}: the file has a header and an HXL hashtag row but no records")
SINGLE_COLUMN = N_("{file}: found a single column; expected a comma- or semicolon-separated table")


ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def decode_bytes(data: bytes, name: str) -> str:
    if not data.strip():
        raise FileError(Message(EMPTY, file=name))
    if b"\x00" in data[:4096]:
        raise FileError(Message(BINARY, file=name))
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(Message(UNDECODABLE, file=name))


# An HXL hashtag ("#date+year", "#adm1 +name", "#affected+killed"): the Humanitarian Exchange
# Language row that HDX files carry under the header (https://hxlstandard.org/standard/1-1final/).
_HXL_TAG = re.compile(r"#[A-Za-z][A-Za-z0-9_]*(\s*\+\s*[A-Za-z][A-Za-z0-9_]*)*")


def is_hxl_row(cells: list[object]) -> bool:
    """Whether a row is an HXL hashtag row: every non-empty cell a hashtag, and some cell one."""
    texts = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return bool(texts) and all(_HXL_TAG.fullmatch(t) for t in texts)


def drop_hxl_row(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The table without its HXL hashtag row (the first under the header), and how many rows
    were dropped (0 or 1): it describes the columns, it is not a record."""
    if len(frame) and is_hxl_row(list(frame.iloc[0])):
        return frame.iloc[1:].reset_index(drop=True), 1
    return frame, 0


def sniff_separator(text: str) -> str:
    header = text.splitlines()[0] if text else ""
    return ";" if header.count(";") > header.count(",") else ","


def stripped_names(columns: Iterable[object], name: str) -> list[str]:
    """Header names without surrounding spaces; two names that become the same ("notes" and
    "notes ") make the file ambiguous (which one is the field?), so it is refused."""
    names = [str(c).strip() for c in columns]
    first: dict[str, int] = {}
    for number, column in enumerate(names, start=1):
        if column in first:
            raise FileError(
                Message(
                    N_("{file}: columns {first} and {second} have the same name '{name}'; "
                       "rename one of them and import again"),
                    file=name,
                    first=first[column],
                    second=number,
                    name=column,
                )
            )
        first[column] = number
    return names


def read_text_table(text: str, name: str) -> pd.DataFrame:
    """All cells as strings (no NA guessing: "NA" stays "NA", "05001" keeps its zero)."""
    sep = sniff_separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=object,  # plain Python strings: fast to iterate, nothing inferred
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise FileError(Message(UNREADABLE, file=name, error=str(exc))) from None
    frame.columns = stripped_names(frame.columns, name)
    if len(frame.columns) < 2:
        raise FileError(Message(SINGLE_COLUMN, file=name))
    if frame.empty:
        raise FileError(Message(NO_ROWS, file=name))
    return frame


def read_bytes(path: Path, limit: int = -1, name: str | None = None) -> bytes:
    """The file's bytes (at most ``limit``); errors call it ``name`` (default: its path)."""
    label = name or str(path)
    try:
        with open(path, "rb") as fh:
            return fh.read(limit)
    except FileNotFoundError:
        raise FileError(Message(N_("{file}: no such file"), file=label)) from None
    except IsADirectoryError:
        raise FileError(Message(N_("{file}: is a folder, not a file"), file=label)) from None
    except OSError as exc:
        raise FileError(
            Message(N_("{file}: cannot be read ({error})"), file=label, error=str(exc.strerror))
        ) from None


def read_table(path: str | Path) -> pd.DataFrame:
    """A whole (small) CSV file into memory; large imports use :func:`open_table` instead."""
    path = Path(path)
    return read_text_table(decode_bytes(read_bytes(path), str(path)), str(path))


def require_columns(frame: pd.DataFrame, required: list[str], name: str, fmt: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FileError(
            Message(
                N_("{file}: missing required column(s) for the {format} format: {columns}"),
                file=name,
                format=fmt,
                columns=", ".join(missing),
            )
        )


SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class TableFile:
    """A CSV file opened lazily: encoding and separator sniffed, header checked, rows in chunks."""

    path: Path
    encoding: str
    sep: str
    columns: list[str]
    hxl_rows: int = 0  # an HDX file's hashtag row under the header, skipped (not a record)
    name: str = ""  # what errors call the file (an upload's own name); default: its path

    @property
    def label(self) -> str:
        return self.name or str(self.path)

    def chunks(self, rows: int) -> Generator[pd.DataFrame, None, None]:
        try:
            reader = pd.read_csv(
                self.path,
                sep=self.sep,
                encoding=self.encoding,
                skiprows=[1] if self.hxl_rows else None,
                dtype=object,  # plain Python strings: fast to iterate, nothing inferred
                keep_default_na=False,
                na_filter=False,
                chunksize=rows,
            )
            for chunk in reader:
                chunk.columns = stripped_names(chunk.columns, self.label)
                yield chunk
        except UnicodeDecodeError as exc:
            raise FileError(
                Message(
                    N_(
                        "{file}: the text changes encoding part-way ({error} at byte {byte}); "
                        "save the file as UTF-8 and import again"
                    ),
                    file=self.label,
                    error=exc.reason,
                    byte=exc.start,
                )
            ) from None
        except (pd.errors.ParserError, csv.Error) as exc:
            raise FileError(Message(UNREADABLE, file=self.label, error=str(exc))) from None


def _utf8_throughout(path: Path) -> bool:
    """Stream the whole file through a UTF-8 decoder (cheap: no text is kept)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 22):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def open_table(path: str | os.PathLike[str], name: str | None = None) -> TableFile:
    """Check the file exists and is a text table; sniff encoding and separator from its start.
    ``name``: what errors call the file (default: its path)."""
    path = Path(path)
    label = name or str(path)
    head = read_bytes(path, SNIFF_BYTES, label)
    if len(head) == SNIFF_BYTES:
        # do not judge the encoding on a multi-byte character cut in half
        cut = head.rfind(b"\n")
        while cut > 0 and head.count(b'"', 0, cut) % 2:  # not inside a quoted field
            cut = head.rfind(b"\n", 0, cut)
        head = head[: cut + 1] if cut > 0 else head
    if not head.strip():
        raise FileError(Message(EMPTY, file=label))
    if b"\x00" in head[:4096]:
        raise FileError(Message(BINARY, file=label))
    encoding = None
    for candidate in ENCODINGS:
        try:
            text = head.decode(candidate)
        except UnicodeDecodeError:
            continue
        encoding = candidate
        break
    if encoding is None:
        raise FileError(Message(UNDECODABLE, file=label))
    if encoding == "utf-8-sig" and len(head) >= SNIFF_BYTES // 2 and not _utf8_throughout(path):
        encoding = "cp1252"  # an accent further down is not UTF-8: a Windows spreadsheet export
        text = head.decode(encoding, errors="replace")
    sep = sniff_separator(text)
    sample = read_text_table(text, label)
    _, hxl = drop_hxl_row(sample)
    if hxl and len(sample) == 1:
        raise FileError(Message(HXL_ONLY, file=label))
    return TableFile(
        path=path, encoding=encoding, sep=sep, columns=list(sample.columns), hxl_rows=hxl,
        name=name or "",
    )
