"""Reading any table an analyst has into text cells (conflictmap/importers/tabular.py), without
a database: encodings and separators of text files, workbooks built here with openpyxl (title
rows, formatted empty rows and margins, numbers and dates as Excel stores them), sheets chosen
by name or number, and what TableInfo says about the file. Expected values are written out."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conflictmap.importers import tabular
from conflictmap.importers.csvfile import FileError

CSV = "Código;Municipio;Fecha\n05001;Medellín;29/02/2024\n08001;Barranquilla;01/03/2024\n"
RECORDS = [
    {"Código": "05001", "Municipio": "Medellín", "Fecha": "29/02/2024"},
    {"Código": "08001", "Municipio": "Barranquilla", "Fecha": "01/03/2024"},
]


def read(data: bytes, **kwargs: object) -> tabular.Table:
    return tabular.read_bytes(data, name="f.csv", **kwargs)  # type: ignore[arg-type]


def error(data: bytes, name: str = "f.csv", **kwargs: object) -> str:
    with pytest.raises(FileError) as exc:
        tabular.read_bytes(data, name=name, **kwargs)  # type: ignore[arg-type]
    return str(exc.value)


# ---- text files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix", "codec", "how"),
    [
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig", "bom"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32", "bom"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32", "bom"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16", "bom"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16", "bom"),
        ("utf-16-le", b"", "utf-16-le", "zeros"),
        ("utf-16-be", b"", "utf-16-be", "zeros"),
        ("utf-8", b"", "utf-8", "utf-8"),
    ],
)
def test_encodings_by_mark_zeros_or_validity(
    encoding: str, prefix: bytes, codec: str, how: str
) -> None:
    data = prefix + CSV.encode(encoding)
    assert tabular.detect_encoding(data, "f.csv") == (codec, how)
    table = read(data)
    assert table.frame.to_dict("records") == RECORDS
    assert (table.info.encoding, table.info.encoding_by) == (codec, how)


def test_latin1_semicolons_found_by_charset_normalizer() -> None:
    data = (CSV + "11001;Bogotá D.C.;15/03/2024\n").encode("latin-1")
    codec, how = tabular.detect_encoding(data, "f.csv")
    assert how == "charset-normalizer" and codec in tabular.SINGLE_BYTE
    table = read(data)
    assert table.frame["Municipio"].tolist() == ["Medellín", "Barranquilla", "Bogotá D.C."]
    assert table.info.separator == ";"
    assert table.info.describe().startswith("CSV, ")
    assert table.info.describe().endswith(" (detected by charset-normalizer), semicolon-separated")


def test_no_encoding_found(monkeypatch: pytest.MonkeyPatch) -> None:
    class Nothing:
        def best(self) -> None:
            return None

    import charset_normalizer

    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda *a, **k: Nothing())
    with pytest.raises(FileError) as exc:
        tabular.detect_encoding(b"a;b\n\xe1;1\n", "f.csv")
    assert str(exc.value) == (
        "f.csv: cannot tell the text's encoding (not UTF-8, UTF-16 or a Western single-byte "
        "encoding); save the file as UTF-8 and import again"
    )


def test_binary_content_is_refused() -> None:
    assert error(b"a,b\n1,\x00\x00\x01\x02\x03") == (
        "f.csv: this is not a text CSV file (binary content)"
    )


def test_utf16_without_mark_needs_most_other_bytes_zero() -> None:
    assert tabular._utf16_without_bom(b"a\x00") is None  # one pair: too short to tell
    assert tabular._utf16_without_bom(b"a\x00b\x00") == "utf-16-le"
    assert tabular._utf16_without_bom(b"\x00a\x00b") == "utf-16-be"
    # 7 of 10 characters ASCII: still UTF-16; 6 of 10: not
    seven = "abcdefgñññ".encode("utf-16-le").replace("ñ".encode("utf-16-le"), b"\xf1\x01")
    assert tabular._utf16_without_bom(seven) == "utf-16-le"
    six = "abcdefññññ".encode("utf-16-le").replace("ñ".encode("utf-16-le"), b"\xf1\x01")
    assert tabular._utf16_without_bom(six) is None
    seven_be = "abcdefgñññ".encode("utf-16-be").replace("ñ".encode("utf-16-be"), b"\x01\xf1")
    assert tabular._utf16_without_bom(seven_be) == "utf-16-be"
    six_be = "abcdefññññ".encode("utf-16-be").replace("ñ".encode("utf-16-be"), b"\x01\xf1")
    assert tabular._utf16_without_bom(six_be) is None
    # zeros on both sides: not text
    assert tabular._utf16_without_bom(b"a\x00\x00\x00b\x00c\x00") is None
    assert tabular._utf16_without_bom(b"\x00\x00\x00a\x00b\x00c") is None


def test_a_mark_that_lies_is_an_error() -> None:
    message = error(codecs.BOM_UTF16_LE + b"a\x00,\x00b")  # cut mid-character
    assert message == "f.csv: not valid utf-16 text (truncated data)"


@pytest.mark.parametrize(
    ("header", "sep"),
    [
        ("a;b;c", ";"),
        ("a,b;c;d", ";"),
        ("a\tb\tc,d", "\t"),
        ("a|b|c;d", "|"),
        ('"a;b;c",d', ","),
        ('"x, y";"z, w"', ";"),
        ("solo", ","),
        ("a,b;c", ","),  # a tie goes to the first: comma
    ],
)
def test_sniff_separator_outside_quotes(header: str, sep: str) -> None:
    assert tabular.sniff_separator(header) == sep


def test_blank_lines_above_the_header_move_its_row() -> None:
    table = read(("\n  \r\n\t\n" + CSV).encode())
    assert table.frame.to_dict("records") == RECORDS
    assert (table.info.header_row, table.first_row) == (4, 5)
    assert table.info.describe() == (
        "CSV, UTF-8 (the whole file is valid UTF-8), semicolon-separated, header on row 4"
    )


def test_trailing_empty_rows_are_dropped_and_counted() -> None:
    table = read((CSV + ";;\n ; ;\n").encode())
    assert table.frame.to_dict("records") == RECORDS
    assert (table.info.rows, table.info.empty_rows) == (2, 2)
    middle = read(b"a;b\n1;2\n;\n3;4\n")
    assert middle.frame.to_dict("list") == {"a": ["1", "", "3"], "b": ["2", "", "4"]}
    assert middle.info.empty_rows == 0


def test_text_cells_stay_as_written() -> None:
    table = read(b'Cod,Nota,Vacia\n05001,"NA, null",\n007,"dos\nlineas",x\n')
    assert table.frame.to_dict("records") == [
        {"Cod": "05001", "Nota": "NA, null", "Vacia": ""},
        {"Cod": "007", "Nota": "dos\nlineas", "Vacia": "x"},
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "f.csv: the file is empty"),
        (b" \r\n\t\xef\xbb\xbf", "f.csv: the file is empty"),
        (b"\xff\xfe\x00\x00", "f.csv: the file is empty"),
        (b"solo\n1\n2\n", "f.csv: found a single column; expected a table separated by commas, "
                          "semicolons or tabs"),
        (b"a;b\n", "f.csv: the file has a header but no rows"),
        (b"a;b\n;\n ; \n", "f.csv: the file has a header but no rows"),
    ],
)  # fmt: skip
def test_text_files_that_cannot_be_read(data: bytes, message: str) -> None:
    assert error(data) == message


def test_an_unreadable_text_table() -> None:
    assert error(b'a,b\n"x,1\n') == (
        "f.csv: not a readable CSV table (Error tokenizing data. C error: EOF inside string "
        "starting at row 1)"
    )


def test_sheet_applies_to_workbooks_only() -> None:
    assert error(CSV.encode(), sheet="Datos") == (
        "f.csv: --sheet applies to workbooks; this is a text (CSV) file"
    )
    assert error(CSV.encode(), sheet=1) == (
        "f.csv: --sheet applies to workbooks; this is a text (CSV) file"
    )
    assert read(CSV.encode(), sheet="").frame.to_dict("records") == RECORDS


def test_header_names_stripped_numbered_and_deduplicated() -> None:
    assert tabular._names(["  Fecha  del\thecho ", "", "Fecha del hecho", "x", "x", "x", " "]) == [
        "Fecha del hecho", "column 2", "Fecha del hecho.1", "x", "x.1", "x.2", "column 7",
    ]  # fmt: skip
    table = read(b"a;;a\n1;2;3\n")
    assert table.columns == ["a", "column 2", "a.1"]


def test_read_table_preview_and_kind_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "datos.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    assert tabular.file_kind(path) == "csv"
    assert tabular.sheet_names(path) == []
    assert tabular.read_table(path).frame.to_dict("records") == RECORDS
    first = tabular.preview(path, rows=1)
    assert first.frame.to_dict("records") == RECORDS[:1] and first.info.rows == 2
    assert tabular.preview(str(path)).frame.to_dict("records") == RECORDS
    empty = tmp_path / "vacío.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileError) as exc:
        tabular.read_table(empty, name="subido.csv")
    assert str(exc.value) == "subido.csv: the file is empty"
    with pytest.raises(FileError) as default:
        tabular.read_table(empty)
    assert str(default.value) == f"{empty}: the file is empty"


def test_streamable_and_describe_stream(tmp_path: Path) -> None:
    plain, bom, utf16, utf16_bare = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv", "d.csv"))
    plain.write_bytes(CSV.encode())
    bom.write_bytes(CSV.encode("utf-8-sig"))
    utf16.write_bytes(CSV.encode("utf-16"))
    utf16_bare.write_bytes(CSV.encode("utf-16-le"))
    assert tabular.streamable(plain) and tabular.streamable(bom)
    assert not tabular.streamable(utf16) and not tabular.streamable(utf16_bare)
    assert not tabular.streamable(_xlsx(tmp_path / "x.xlsx", {"H": [["a", "b"], ["1", "2"]]}))
    assert tabular.describe_stream(plain, "utf-8-sig", ";") == ("CSV, UTF-8, semicolon-separated")
    assert tabular.describe_stream(bom, "utf-8-sig", ",") == "CSV, UTF-8 with BOM, comma-separated"
    assert tabular.describe_stream(plain, "cp1252", "\t") == "CSV, Windows-1252, tab-separated"
    assert tabular.describe_stream(plain, "koi8_r", "#") == "CSV, koi8_r, '#'-separated"


# ---- what TableInfo says -------------------------------------------------------------------


def test_describe_text_files() -> None:
    info = tabular.TableInfo("csv", 3, encoding="cp850", encoding_by="charset-normalizer",
                             separator="|")  # fmt: skip
    assert info.describe() == (
        "CSV, DOS Latin-1 (code page 850) (detected by charset-normalizer), vertical bar-separated"
    )
    unknown = tabular.TableInfo("csv", 3, encoding="koi8_r", separator=":")
    assert unknown.describe() == "CSV, koi8_r, ':'-separated"
    bare = tabular.TableInfo("csv", 3)
    assert bare.describe() == "CSV, ?, ''-separated"


def test_describe_workbooks() -> None:
    xls = tabular.TableInfo("xls", 3, sheet="B", sheets=("A", "B", "C"), header_row=2)
    assert xls.describe() == "Excel 97-2003 workbook, sheet 'B' (2 of 3), header on row 2"
    ods = tabular.TableInfo("ods", 3, sheet="Z", sheets=("A",))
    assert ods.describe() == "OpenDocument spreadsheet, sheet 'Z'"
    none = tabular.TableInfo("xlsx", 3)
    assert none.describe() == "Excel workbook, sheet 'None'"
    assert xls.as_json() == {
        "kind": "xls", "rows": 3, "header_row": 2, "encoding": None, "encoding_by": None,
        "separator": None, "sheet": "B", "sheets": ["A", "B", "C"], "empty_rows": 0,
        "description": "Excel 97-2003 workbook, sheet 'B' (2 of 3), header on row 2",
    }  # fmt: skip


# ---- workbooks -----------------------------------------------------------------------------


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    path.write_bytes(_xlsx_bytes(sheets))
    return path


def _xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CASES = [
    ["Casos registrados 2024"],
    [],
    ["Fecha", "Código", "Municipio", "Víctimas"],
    [datetime(2024, 2, 29), "05001", "Medellín", 3],
    [datetime(2024, 3, 1, 14, 30), 8001, " Barranquilla ", 2.5],
    [" ", " "],
    [" "],
]


def test_a_workbook_with_a_title_row_and_formatted_empty_rows() -> None:
    table = tabular.read_bytes(_xlsx_bytes({"Hoja1": CASES}), name="casos.xlsx")
    assert table.frame.to_dict("records") == [
        {"Fecha": "2024-02-29", "Código": "05001", "Municipio": "Medellín", "Víctimas": "3"},
        {"Fecha": "2024-03-01 14:30:00", "Código": "8001", "Municipio": "Barranquilla",
         "Víctimas": "2.5"},
    ]  # fmt: skip
    assert table.info == tabular.TableInfo(
        kind="xlsx", rows=2, header_row=3, sheet="Hoja1", sheets=("Hoja1",), empty_rows=2
    )
    assert list(table.frame.index) == [0, 1]
    assert table.info.describe() == "Excel workbook, sheet 'Hoja1' (1 of 1), header on row 3"


def test_the_first_sheet_with_data_and_sheets_by_name_or_number(tmp_path: Path) -> None:
    data = {"Notas": [[" "]], "Datos": [["a", "b"], ["1", "2"]], "Más": [["c", "d"], ["3", "4"]]}
    path = _xlsx(tmp_path / "libro.xlsx", data)
    assert tabular.file_kind(path) == "xlsx"
    assert tabular.sheet_names(path) == ["Notas", "Datos", "Más"]
    first = tabular.read_table(path)
    assert (first.info.sheet, first.frame.to_dict("list")) == ("Datos", {"a": ["1"], "b": ["2"]})
    for sheet in ("Más", " más ", "MÁS", 3, "3"):
        got = tabular.read_table(path, sheet=sheet)
        assert got.info.sheet == "Más" and got.frame.to_dict("list") == {"c": ["3"], "d": ["4"]}
    assert tabular.read_table(path, sheet="").info.sheet == "Datos"
    assert tabular.read_table(path, sheet=2).info.sheet == "Datos"
    for missing in ("0", "4", "Hoja9", -1):
        with pytest.raises(FileError) as exc:
            tabular.read_table(path, sheet=missing, name="libro.xlsx")
        assert str(exc.value) == (
            f"libro.xlsx: no sheet '{missing}' (the sheets are 1: Notas, 2: Datos, 3: Más)"
        )
    for first in ("Notas", 1, "1"):
        with pytest.raises(FileError) as empty:
            tabular.read_table(path, sheet=first, name="libro.xlsx")
        assert str(empty.value) == "libro.xlsx: sheet 'Notas' is empty"


def test_a_sheet_named_like_a_number_wins_over_the_position() -> None:
    data = _xlsx_bytes({"2": [["a", "b"], ["x", "y"]], "1": [["c", "d"], ["z", "w"]]})
    assert tabular.read_bytes(data, name="n.xlsx", sheet=1).info.sheet == "1"
    assert tabular.read_bytes(data, name="n.xlsx", sheet="2").info.sheet == "2"


def test_workbooks_that_give_nothing() -> None:
    empty = _xlsx_bytes({"A": [[" "]], "B": []})
    assert error(empty, "vacío.xlsx") == "vacío.xlsx: every sheet is empty (A, B)"
    header_only = _xlsx_bytes({"A": [["Fecha", "Código"], [" ", None]]})
    assert error(header_only, "h.xlsx") == "h.xlsx: sheet 'A' has a header but no rows"


def test_margins_without_a_name_or_value_are_dropped() -> None:
    rows = [["Fecha", None, "Código", None, None], ["2024-02-29", None, "05001", "x", None],
            ["2024-03-01", None, "08001", None, " "]]  # fmt: skip
    table = tabular.read_bytes(_xlsx_bytes({"H": rows}), name="m.xlsx")
    assert table.frame.to_dict("list") == {
        "Fecha": ["2024-02-29", "2024-03-01"], "Código": ["05001", "08001"],
        "column 4": ["x", ""],
    }  # fmt: skip


def test_rows_longer_than_the_header_get_named_columns() -> None:
    rows = [["a", "b"], ["1", "2", "3"]]
    table = tabular.read_bytes(_xlsx_bytes({"H": rows}), name="w.xlsx")
    assert table.frame.to_dict("list") == {"a": ["1"], "b": ["2"], "column 3": ["3"]}


def test_header_row_search() -> None:
    assert tabular._header_index([["T"], [], ["a", "b", "c", "d"], ["1", "2", "3", "4"]]) == 2
    # half the widest row is enough: a header with two of four names
    assert tabular._header_index([["T"], ["a", "", "b"], ["1", "2", "3", "4"]]) == 1
    assert tabular._header_index([["a", "b", "c"], ["1", "2", "3", "4", "5", "6"]]) == 0
    assert tabular._header_index([["a", "b"], ["1", "2", "3", "4", "5", "6"]]) == 1
    # a one-column sheet: its first filled row
    assert tabular._header_index([[""], ["a"], ["1"]]) == 1
    assert tabular._header_index([[""], [" "]]) == 0
    # the widest row is looked for among the first 30 only
    rows = [["T"]] * 30 + [["a", "b", "c"]]
    assert tabular._header_index(rows) == 0
    rows = [["T"]] * 29 + [["a", "b", "c"]]
    assert tabular._header_index(rows) == 29


class Stringy:
    def __str__(self) -> str:
        return " valor "


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (" Bogotá ", "Bogotá"),
        (True, "TRUE"),
        (False, "FALSE"),
        (5001, "5001"),
        (5001.0, "5001"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (float("nan"), ""),
        (float("inf"), ""),
        (float("-inf"), ""),
        (datetime(2024, 2, 29), "2024-02-29"),
        (datetime(2024, 2, 29, 0, 0, 1), "2024-02-29 00:00:01"),
        (date(2024, 2, 29), "2024-02-29"),
        (time(13, 5), "13:05:00"),
        (timedelta(hours=26), "1 day, 2:00:00"),
        (Stringy(), "valor"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert tabular._cell_text(value) == text


def test_filled_counts_cells_with_text() -> None:
    assert tabular._filled(["a", " ", None, 0, float("nan"), False]) == 3


# ---- what kind of file ----------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_kind_from_the_first_bytes(tmp_path: Path) -> None:
    ods = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet\n", "x": b""})
    assert tabular._kind(ods[:8], None, ods) == "ods"
    xlsx = _zip({"[Content_Types].xml": b"", "xl/workbook.xml": b""})
    assert tabular._kind(xlsx[:8], None, xlsx) == "xlsx"
    xlsb = _zip({"xl/workbook.bin": b""})
    assert tabular._kind(xlsb[:8], None, xlsb) == "xlsx"
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "xl/workbook.xml": b""})
    assert tabular._kind(odt[:8], None, odt) == "xlsx"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8
    assert tabular._kind(ole[:8], None, ole) == "xls"
    path = tmp_path / "old.xls"
    path.write_bytes(ole)
    assert tabular.file_kind(path) == "xls"
    assert tabular._kind(b"PK\x03", None, b"PK\x03") == "csv"


def test_zip_archives_that_are_no_spreadsheet(tmp_path: Path) -> None:
    docs = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b""})
    assert error(docs, "doc.ods") == (
        "doc.ods: a zip archive that is neither an Excel workbook (.xlsx) nor an OpenDocument "
        "spreadsheet (.ods)"
    )
    path = tmp_path / "roto.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(FileError) as broken:
        tabular.file_kind(path)
    assert str(broken.value) == f"{path}: a damaged zip archive, not a readable spreadsheet"
    with pytest.raises(FileError) as upload:
        tabular._zip_kind(None, b"PK\x03\x04" + b"\x00" * 40)
    assert str(upload.value) == "the upload: a damaged zip archive, not a readable spreadsheet"


def test_a_spreadsheet_calamine_cannot_open() -> None:
    fake = _zip({"xl/workbook.xml": b"<not a workbook"})
    assert error(fake, "falso.xlsx") == (
        "falso.xlsx: not a readable spreadsheet (Cannot detect file format)"
    )


def test_a_sheet_calamine_cannot_read() -> None:
    class Broken:
        sheet_names = ["Hoja"]

        def get_sheet_by_name(self, name: str) -> object:
            raise ValueError("corrupt")

    with pytest.raises(FileError) as exc:
        tabular._sheet_rows(Broken(), "Hoja", "b.xlsx")
    assert str(exc.value) == "b.xlsx: sheet 'Hoja' cannot be read (corrupt)"


def test_a_workbook_without_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    class Empty:
        sheet_names: list[str] = []

    monkeypatch.setattr(tabular, "_workbook", lambda data, name: Empty())
    assert error(_xlsx_bytes({"A": [["a"]]}), "s.xlsx") == "s.xlsx: the workbook has no sheets"


def test_drop_trailing_empty_and_empty_unnamed() -> None:
    frame = pd.DataFrame({"a": ["1", "", " "], "column 2": ["", "", ""], "c": ["", "2", ""]})
    kept, dropped = tabular._drop_trailing_empty(frame)
    assert (kept.to_dict("list"), dropped) == ({"a": ["1", ""], "column 2": ["", ""],
                                                "c": ["", "2"]}, 1)  # fmt: skip
    assert list(tabular._drop_empty_unnamed(frame).columns) == ["a", "c"]
    # "column 2" in third place is a name someone wrote: kept
    named = pd.DataFrame({"a": ["1"], "b": ["2"], "column 2": [""]})
    assert list(tabular._drop_empty_unnamed(named).columns) == ["a", "b", "column 2"]
    none, count = tabular._drop_trailing_empty(pd.DataFrame({"a": ["", " "]}))
    assert (len(none), count) == (0, 2)
    nothing, zero = tabular._drop_trailing_empty(pd.DataFrame({"a": []}))
    assert (len(nothing), zero) == (0, 0)


def test_preview_shows_twenty_rows_of_the_chosen_sheet(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Código", "Municipio"]] + [
        [f"{i:05d}", "Medellín"] for i in range(25)
    ]
    path = _xlsx(tmp_path / "largo.xlsx", {"Otra": [["a", "b"], ["1", "2"]], "Casos": rows})
    shown = tabular.preview(path, sheet="Casos")
    assert shown.frame["Código"].tolist() == [f"{i:05d}" for i in range(20)]
    assert (shown.info.rows, shown.info.sheet) == (25, "Casos")
    with pytest.raises(FileError) as exc:
        tabular.preview(path, sheet="Nada", name="subido.xlsx")
    assert str(exc.value).startswith("subido.xlsx: no sheet 'Nada'")


def test_streamable_is_decided_on_the_first_4096_bytes(tmp_path: Path) -> None:
    # UTF-16 without a mark: ASCII for the first kilobytes, then euro signs (no zero bytes)
    # that would bring the share of zeros under the threshold if the whole file were counted
    text = "a,b\n" + "x,y\n" * 1100 + "€,€\n" * 10000
    path = tmp_path / "utf16.csv"
    path.write_bytes(text.encode("utf-16-le"))
    assert not tabular.streamable(path)


def test_a_table_that_starts_lower_and_to_the_right_keeps_its_row_numbers() -> None:
    rows: list[list[object]] = [[], [], [None, "Fecha", "Código"], [None, "2024-02-29", "05001"]]
    table = tabular.read_bytes(_xlsx_bytes({"H": rows}), name="abajo.xlsx")
    assert table.frame.to_dict("list") == {"Fecha": ["2024-02-29"], "Código": ["05001"]}
    assert (table.info.header_row, table.first_row) == (3, 4)


def test_a_two_column_table_under_a_title() -> None:
    assert tabular._header_index([["Título"], ["Fecha", "Código"], ["2024-02-29", "05001"]]) == 1


def test_sheet_names_of_a_broken_workbook_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "falso.xlsx"
    path.write_bytes(_zip({"xl/workbook.xml": b"<not a workbook"}))
    with pytest.raises(FileError) as exc:
        tabular.sheet_names(path)
    assert str(exc.value) == f"{path}: not a readable spreadsheet (Cannot detect file format)"
    docs = tmp_path / "texto.ods"
    docs.write_bytes(_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}))
    with pytest.raises(FileError) as other:
        tabular.sheet_names(docs)
    assert str(other.value).startswith(f"{docs}: a zip archive that is neither")


class _Unreadable:
    sheet_names = ["Hoja"]

    def get_sheet_by_name(self, name: str) -> object:
        raise ValueError("corrupt")


@pytest.mark.parametrize("sheet", [None, "Hoja"])
def test_a_sheet_that_cannot_be_read_names_the_upload(
    monkeypatch: pytest.MonkeyPatch, sheet: str | None
) -> None:
    monkeypatch.setattr(tabular, "_workbook", lambda data, name: _Unreadable())
    assert error(_xlsx_bytes({"A": [["a"]]}), "subido.xlsx", sheet=sheet) == (
        "subido.xlsx: sheet 'Hoja' cannot be read (corrupt)"
    )


def test_a_zip_whose_mimetype_is_not_ascii() -> None:
    odd = _zip({"mimetype": b"application/\xff", "xl/workbook.xml": b""})
    assert tabular._kind(odd[:8], None, odd) == "xlsx"


def test_a_file_of_letters_x_is_not_empty() -> None:
    assert error(b"XX\nX\n") == (
        "f.csv: found a single column; expected a table separated by commas, semicolons or tabs"
    )


def test_a_doubled_byte_order_mark_and_a_header_starting_with_x() -> None:
    table = read(b"\xef\xbb\xbf\xef\xbb\xbf\n" + CSV.encode())  # and a blank line
    assert table.columns == ["Código", "Municipio", "Fecha"]
    assert table.info.header_row == 2
    assert read(b"X;Y\n1;2\n").columns == ["X", "Y"]


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("Fecha del hecho;Municipio del hecho\n29/02/2024;Medellín\n", ["Fecha del hecho",
                                                                      "Municipio del hecho"]),
        ("Fecha\tMunicipio\n29/02/2024\tMedellín\n", ["Fecha", "Municipio"]),
        # decimal commas in the rows do not outvote the header's semicolons
        ("Latitud;Longitud\n6,25;-75,56\n10,96;-74,78\n", ["Latitud", "Longitud"]),
    ],
)  # fmt: skip
def test_the_separator_comes_from_the_header_line(text: str, columns: list[str]) -> None:
    assert read(text.encode()).columns == columns


def test_numbers_as_column_names_keep_the_cells_as_text() -> None:
    table = read(b"2022;2023\n05001;007\n")
    assert table.frame.to_dict("list") == {"2022": ["05001"], "2023": ["007"]}


def test_a_blank_line_between_records_keeps_the_row_numbers() -> None:
    table = read(b"a;b\n1;2\n\n3;4\n\n")
    assert table.frame.to_dict("list") == {"a": ["1", "", "3"], "b": ["2", "", "4"]}
    assert (table.info.rows, table.info.empty_rows) == (3, 1)


def test_a_short_row_is_filled_with_empty_cells() -> None:
    table = read(b"a;b;c\n05001;x\n")
    assert table.frame.to_dict("list") == {"a": ["05001"], "b": ["x"], "c": [""]}


def test_binary_is_judged_on_the_first_4096_bytes() -> None:
    head = b"a;b\n" + b"x" * 4091  # 4095 bytes
    assert tabular.detect_encoding(head + b"y\x00", "f.csv") == ("utf-8", "utf-8")
    with pytest.raises(FileError, match="binary content"):
        tabular.detect_encoding(head + b"\x00", "f.csv")
