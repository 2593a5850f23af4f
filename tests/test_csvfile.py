"""The streaming CSV reader of the native, ACLED and UCDP formats
(conflictmap/importers/csvfile.py): encodings (UTF-8 with or without BOM, Windows-1252,
Latin-1), comma or semicolon, HXL hashtag rows, the sniffed first megabyte, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.importers import csvfile
from conflictmap.importers.csvfile import FileError

HEADER = "CODIGO;MUNICIPIO;FECHA\n"


def test_decode_bytes_tries_utf8_then_windows_1252() -> None:
    assert csvfile.decode_bytes("\ufeffa;b\nBogotá;1\n".encode(), "f.csv") == "a;b\nBogotá;1\n"
    # 0x81 is undefined in Windows-1252: Latin-1 takes it
    assert csvfile.decode_bytes(b"a;b\nBogot\xe1\x81;1\n", "f.csv") == "a;b\nBogotá\x81;1\n"
    assert csvfile.decode_bytes("a;€\n".encode("cp1252"), "f.csv") == "a;€\n"
    with pytest.raises(FileError) as empty:
        csvfile.decode_bytes(b" \r\n\t", "vacio.csv")
    assert str(empty.value) == "vacio.csv: the file is empty"
    with pytest.raises(FileError) as binary:
        csvfile.decode_bytes(b"a,b\n\x00\x01", "bin.csv")
    assert str(binary.value) == "bin.csv: this is not a text CSV file (binary content)"


def test_decode_bytes_reports_text_no_encoding_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfile, "ENCODINGS", ("utf-8", "ascii"))
    with pytest.raises(FileError) as exc:
        csvfile.decode_bytes(b"a;b\n\xe1;1\n", "x.csv")
    assert str(exc.value) == "x.csv: cannot decode the text (tried UTF-8, Windows-1252, Latin-1)"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["#date", "#adm1 +name", "#affected+killed", "", None], True),
        (["#date", "fecha"], False),
        (["", None, "  "], False),
        (["#1date"], False),
        (["#date+"], False),
        (["date"], False),
        ([" #adm2+code "], True),
    ],
)
def test_hxl_row(cells: list[object], expected: bool) -> None:
    assert csvfile.is_hxl_row(cells) is expected


def test_drop_hxl_row_only_under_the_header() -> None:
    frame = pd.DataFrame({"a": ["#date", "2024-02-29"], "b": ["#adm1", "Antioquia"]}, index=[5, 6])
    rest, dropped = csvfile.drop_hxl_row(frame)
    assert dropped == 1 and rest.to_dict("list") == {"a": ["2024-02-29"], "b": ["Antioquia"]}
    assert list(rest.index) == [0]
    plain = frame.iloc[::-1]
    same, none = csvfile.drop_hxl_row(plain)
    assert none == 0 and same is plain
    empty = frame.iloc[:0]
    assert csvfile.drop_hxl_row(empty) == (empty, 0)


def test_sniff_separator_from_the_header_line_only() -> None:
    assert csvfile.sniff_separator("a;b;c\n1,5,2,3,4\n") == ";"
    assert csvfile.sniff_separator("a,b;c\n") == ","
    assert csvfile.sniff_separator("a;b,c,d\n") == ","
    assert csvfile.sniff_separator("a;b;c,d\n") == ";"
    assert csvfile.sniff_separator("") == ","


def test_read_text_table_keeps_text_as_written() -> None:
    frame = csvfile.read_text_table(" CODIGO ;MUNICIPIO; NA\n05001; Medellín;NA\n08001;;\n", "f")
    assert list(frame.columns) == ["CODIGO", "MUNICIPIO", "NA"]
    assert frame.to_dict("list") == {
        "CODIGO": ["05001", "08001"], "MUNICIPIO": [" Medellín", ""], "NA": ["NA", ""],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "solo\n1\n",
            "f.csv: found a single column; expected a comma- or semicolon-separated table",
        ),
        ("a;b\n", "f.csv: the file has a header but no rows"),
        (
            'a,b\n"x,1\n',
            (
                "f.csv: not a readable CSV table (Error tokenizing data. C error: EOF inside string "
                "starting at row 1)"
            ),
        ),
    ],
)
def test_read_text_table_errors(text: str, message: str) -> None:
    with pytest.raises(FileError) as exc:
        csvfile.read_text_table(text, "f.csv")
    assert str(exc.value).startswith(message)


def test_read_bytes_and_read_table_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "datos.csv"
    path.write_bytes(HEADER.encode("cp1252") + "05001;Medellín;2024-02-29\n".encode("cp1252"))
    assert csvfile.read_bytes(path, 6) == b"CODIGO"
    assert csvfile.read_bytes(path) == path.read_bytes()
    frame = csvfile.read_table(str(path))
    assert frame.to_dict("records") == [
        {"CODIGO": "05001", "MUNICIPIO": "Medellín", "FECHA": "2024-02-29"}
    ]
    with pytest.raises(FileError) as missing:
        csvfile.read_bytes(tmp_path / "no.csv")
    assert str(missing.value) == f"{tmp_path / 'no.csv'}: no such file"
    with pytest.raises(FileError) as folder:
        csvfile.read_bytes(tmp_path)
    assert str(folder.value) == f"{tmp_path}: is a folder, not a file"


def test_read_bytes_of_an_unreadable_file(tmp_path: Path) -> None:
    link = tmp_path / "loop.csv"
    link.symlink_to(link)
    with pytest.raises(FileError) as exc:
        csvfile.read_bytes(link)
    assert str(exc.value) == f"{link}: cannot be read (Too many levels of symbolic links)"


def test_require_columns_lists_what_is_missing() -> None:
    frame = pd.DataFrame({"event_date": ["2024-02-29"], "latitude": ["6.2"]})
    csvfile.require_columns(frame, ["event_date", "latitude"], "a.csv", "ACLED")
    with pytest.raises(FileError) as exc:
        csvfile.require_columns(frame, ["event_date", "longitude", "admin1"], "a.csv", "ACLED")
    assert str(exc.value) == (
        "a.csv: missing required column(s) for the ACLED format: longitude, admin1"
    )


def test_open_table_semicolon_latin1_with_leading_zero_codes(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    body = " CODIGO ;MUNICIPIO;FECHA\n05001;Medellín;2024-02-29\n08001;Barranquilla;2024-03-01\n"
    path.write_bytes(body.encode("latin-1"))
    table = csvfile.open_table(path)
    assert (table.encoding, table.sep, table.columns, table.hxl_rows) == (
        "cp1252",
        ";",
        ["CODIGO", "MUNICIPIO", "FECHA"],
        0,
    )
    chunks = list(table.chunks(1))
    assert [c.to_dict("records") for c in chunks] == [
        [{"CODIGO": "05001", "MUNICIPIO": "Medellín", "FECHA": "2024-02-29"}],
        [{"CODIGO": "08001", "MUNICIPIO": "Barranquilla", "FECHA": "2024-03-01"}],
    ]


def test_open_table_utf8_bom_and_an_hxl_row(tmp_path: Path) -> None:
    path = tmp_path / "hdx.csv"
    text = "\ufeffevent_date,admin1,fatalities\n#date,#adm1+name,#affected+killed\n"
    path.write_text(text + "2024-02-29,Atlántico,NA\n2024-03-01,Bogotá,0\n", encoding="utf-8")
    table = csvfile.open_table(str(path))
    assert (table.encoding, table.sep, table.hxl_rows) == ("utf-8-sig", ",", 1)
    assert table.columns == ["event_date", "admin1", "fatalities"]
    (chunk,) = table.chunks(10)
    assert chunk.to_dict("list") == {
        "event_date": ["2024-02-29", "2024-03-01"], "admin1": ["Atlántico", "Bogotá"],
        "fatalities": ["NA", "0"],
    }  # fmt: skip


def test_open_table_header_and_hxl_row_only(tmp_path: Path) -> None:
    path = tmp_path / "hxl-only.csv"
    path.write_text("event_date,admin1\n#date,#adm1\n", encoding="utf-8")
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path)
    assert str(exc.value) == (
        f"{path}: the file has a header and an HXL hashtag row but no records"
    )


def test_open_table_errors_call_the_file_by_the_name_given(tmp_path: Path) -> None:
    path = tmp_path / "tmpab12.csv"
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path, "subida.csv")
    assert str(exc.value) == "subida.csv: no such file"
    path.write_bytes(b"  \n")
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path, "subida.csv")
    assert str(exc.value) == "subida.csv: the file is empty"
    # an error found while streaming the rows names it too
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    table = csvfile.open_table(path, "subida.csv")
    assert table.label == "subida.csv" and csvfile.open_table(path).label == str(path)
    path.write_text('a,b\n1,2\n3,"4\n', encoding="utf-8")
    with pytest.raises(FileError) as exc:
        list(csvfile.open_table(path, "subida.csv").chunks(1))
    assert str(exc.value).startswith("subida.csv: not a readable CSV table")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"  \r\n\r\n", "the file is empty"),
        (b"a,b\n1,\x00\n", "this is not a text CSV file (binary content)"),
    ],
)
def test_open_table_refuses_empty_and_binary(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path)
    assert str(exc.value) == f"{path}: {message}"


def test_open_table_undecodable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfile, "ENCODINGS", ("utf-8", "ascii"))
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a;b\n\xe1;1\n")
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path)
    assert str(exc.value) == (
        f"{path}: cannot decode the text (tried UTF-8, Windows-1252, Latin-1)"
    )


def _big(path: Path, tail: bytes, rows: int, sep: str = ";") -> Path:
    """A UTF-8 file a little over the sniffed megabyte with ``tail`` as its last record."""
    line = f"05001{sep}Medellín{sep}2024-02-29\n".encode()
    path.write_bytes(HEADER.replace(";", sep).encode() + line * rows + tail)
    return path


def test_an_accent_after_the_first_megabyte_makes_it_windows_1252(tmp_path: Path) -> None:
    rows = csvfile.SNIFF_BYTES // 26 + 10
    path = _big(tmp_path / "late.csv", "11001;Bogotá;2024-03-01\n".encode("cp1252"), rows)
    table = csvfile.open_table(path)
    assert table.encoding == "cp1252" and table.sep == ";"
    assert table.columns == ["CODIGO", "MUNICIPIO", "FECHA"]
    last = list(table.chunks(rows + 10))[-1].iloc[-1].to_dict()
    assert last == {"CODIGO": "11001", "MUNICIPIO": "Bogotá", "FECHA": "2024-03-01"}


def test_a_big_utf8_file_stays_utf8(tmp_path: Path) -> None:
    rows = csvfile.SNIFF_BYTES // 26 + 10
    path = _big(tmp_path / "ok.csv", "11001;Bogotá;2024-03-01\n".encode(), rows)
    assert csvfile.open_table(path).encoding == "utf-8-sig"
    assert csvfile._utf8_throughout(path)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(path.read_bytes() + b"\xe1")
    assert not csvfile._utf8_throughout(bad)
    cut = tmp_path / "cut.csv"
    cut.write_bytes("Bogotá".encode()[:-1])  # a character cut at the very end
    assert not csvfile._utf8_throughout(cut)


def test_the_sniffed_megabyte_is_cut_at_a_whole_line(tmp_path: Path) -> None:
    # a two-byte "á" straddles the megabyte: the sample must end at the line before it
    line = "05001;Medellín;2024-02-29\n".encode()  # 26 bytes
    header = HEADER.encode()
    fill = csvfile.SNIFF_BYTES - len(header) - 1
    rows, rest = divmod(fill, len(line))
    pad = b"x" * rest
    path = tmp_path / "straddle.csv"
    path.write_bytes(header + line * rows + pad + "á;b;c\n".encode() + line)
    table = csvfile.open_table(path)
    assert table.encoding == "utf-8-sig"
    assert table.columns == ["CODIGO", "MUNICIPIO", "FECHA"]


def test_the_sniffed_megabyte_is_not_cut_inside_a_quoted_note(tmp_path: Path) -> None:
    # the last newline of the first megabyte is inside a quoted cell; the sample ends before it
    header = b"CODIGO;NOTA\n"
    line = b'05001;"uno"\n'
    rows = (csvfile.SNIFF_BYTES - 4000) // len(line)
    note = b'08001;"' + b"y" * 3000 + b"\n" + b"z" * 3000 + b'"\n'
    path = tmp_path / "quoted.csv"
    path.write_bytes(header + line * rows + note + line)
    table = csvfile.open_table(path)
    assert table.columns == ["CODIGO", "NOTA"] and table.sep == ";"
    frames = list(table.chunks(10**6))
    assert sum(len(f) for f in frames) == rows + 2


def test_chunks_report_an_encoding_change_part_way(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER.encode() + b"05001;Medell\xedn;2024-02-29\n")
    table = csvfile.TableFile(path=path, encoding="utf-8", sep=";", columns=[])
    with pytest.raises(FileError) as exc:
        list(table.chunks(5))
    assert re.fullmatch(
        re.escape(f"{path}: the text changes encoding part-way (invalid continuation byte at byte ")
        + r"\d+\); save the file as UTF-8 and import again",
        str(exc.value),
    )


def test_chunks_report_a_broken_table(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"a;b\n1;2\n3;4;5;6\n")
    table = csvfile.TableFile(path=path, encoding="utf-8", sep=";", columns=["a", "b"])
    with pytest.raises(FileError) as exc:
        list(table.chunks(5))
    assert str(exc.value).startswith(f"{path}: not a readable CSV table (Error tokenizing data")


def test_chunks_keep_cells_as_text_with_stripped_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b" a ;b\n05001;NA\n;1.50\n")
    table = csvfile.TableFile(path=path, encoding="utf-8", sep=";", columns=["a", "b"])
    (chunk,) = table.chunks(5)
    assert chunk.to_dict("list") == {"a": ["05001", ""], "b": ["NA", "1.50"]}


def test_binary_is_judged_on_the_first_4096_bytes() -> None:
    head = b"a,b\n" + b"x" * 4091  # 4095 bytes
    with pytest.raises(FileError):
        csvfile.decode_bytes(head + b"\x00", "f.csv")  # a zero at offset 4095
    assert csvfile.decode_bytes(head + b"y\x00", "f.csv").endswith("y\x00")  # at offset 4096


def test_open_table_judges_binary_on_the_first_4096_bytes(tmp_path: Path) -> None:
    head = b"a,b\n" + b"x,y\n" * 1022 + b"x,"  # 4094 bytes
    late = tmp_path / "late.csv"
    late.write_bytes(head + b"yy\x00\n")  # the zero at offset 4096: text
    assert csvfile.open_table(late).columns == ["a", "b"]
    early = tmp_path / "early.csv"
    early.write_bytes(head + b"y\x00\n")  # at offset 4095: binary
    with pytest.raises(FileError, match="binary content"):
        csvfile.open_table(early)


def test_read_table_names_the_file_in_its_errors(tmp_path: Path) -> None:
    empty = tmp_path / "vacío.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileError) as exc:
        csvfile.read_table(empty)
    assert str(exc.value) == f"{empty}: the file is empty"
    header = tmp_path / "cabecera.csv"
    header.write_bytes(HEADER.encode())
    with pytest.raises(FileError) as rows:
        csvfile.read_table(header)
    assert str(rows.value) == f"{header}: the file has a header but no rows"


def test_a_first_megabyte_without_a_newline_inside_an_open_quote(tmp_path: Path) -> None:
    # no newline to cut at: the sample is the whole megabyte (and the open quote makes it
    # unreadable), not a search that never ends
    path = tmp_path / "one-line.csv"
    path.write_bytes(b'a;"' + b"x" * csvfile.SNIFF_BYTES + b'"\n1;2\n')
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path)
    assert str(exc.value).startswith(f"{path}: not a readable CSV table (")


def _straddle(path: Path, header: bytes, after_newline: bytes) -> Path:
    """A UTF-8 file whose last newline in the sniffed megabyte is followed by a two-byte "á"
    (or ``after_newline``) cut by the megabyte's end."""
    line = "05001;Medellín;2024-02-29\n".encode()  # 26 bytes
    rows, rest = divmod(csvfile.SNIFF_BYTES - 1 - len(header), len(line))
    filler = b"x" * rest
    body = header + filler + line * rows  # ends with a newline at offset SNIFF_BYTES - 2
    assert len(body) == csvfile.SNIFF_BYTES - 1
    path.write_bytes(body + after_newline + b";b;c\n" + line)
    return path


def test_a_quoted_header_does_not_move_the_cut(tmp_path: Path) -> None:
    # two quoted names (four quotes): every newline is outside quotes, so the sample ends at
    # the last one and the cut "á" is not judged
    path = _straddle(tmp_path / "q.csv", b'"CODIGO";"MUNICIPIO";FECHA\n', "á".encode())
    table = csvfile.open_table(path)
    assert (table.encoding, table.columns) == ("utf-8-sig", ["CODIGO", "MUNICIPIO", "FECHA"])


def test_the_sample_ends_at_its_newline(tmp_path: Path) -> None:
    path = _straddle(tmp_path / "n.csv", b"CODIGO;MUNICIPIO;FECHA\n", "á".encode())
    assert csvfile.open_table(path).encoding == "utf-8-sig"


def test_a_newline_at_the_very_start_of_the_megabyte(tmp_path: Path) -> None:
    blank_first = tmp_path / "blank.csv"
    blank_first.write_bytes(b"\na;" + b"x" * csvfile.SNIFF_BYTES + b"\n1;2\n")
    with pytest.raises(FileError) as exc:
        csvfile.open_table(blank_first)
    assert str(exc.value) == (
        f"{blank_first}: found a single column; expected a comma- or semicolon-separated table"
    )
    header_only = tmp_path / "semicolon.csv"
    header_only.write_bytes(b";\nx;" + b"y" * csvfile.SNIFF_BYTES + b"\n")
    with pytest.raises(FileError) as first:
        csvfile.open_table(header_only)
    assert str(first.value) == f"{header_only}: the file has a header but no rows"


@pytest.mark.parametrize(
    ("head", "encoding"),
    [(csvfile.SNIFF_BYTES // 2, "cp1252"), (csvfile.SNIFF_BYTES // 2 - 2, "utf-8-sig")],
)
def test_the_whole_file_is_checked_when_the_sample_is_half_a_megabyte(
    tmp_path: Path, head: int, encoding: str
) -> None:
    # the sample ends at the last newline of the first megabyte: ``head`` bytes; a long last
    # line then runs past the megabyte to a Windows-1252 "á"
    header = b"CODIGO;NOTA\n"
    line = b"05001;uno\n"
    rows, rest = divmod(head - len(header), len(line))
    body = header + b"x" * rest + line * rows
    assert len(body) == head
    path = tmp_path / "long.csv"
    path.write_bytes(body + b"08001;" + b"z" * csvfile.SNIFF_BYTES + "á\n".encode("cp1252"))
    assert csvfile.open_table(path).encoding == encoding


def _mixed(path: Path, header: str) -> Path:
    """A first megabyte of valid UTF-8 and a Windows-1252 accent after it."""
    line = b"05001;Medellin\n"
    path.write_bytes(header.encode() + line * (csvfile.SNIFF_BYTES // len(line))
                     + "08001;Bogotá\n".encode("cp1252"))  # fmt: skip
    return path


def test_a_utf8_start_and_a_windows_end_read_alike_throughout(tmp_path: Path) -> None:
    # the whole file is read as Windows-1252, the header included, so the columns found are
    # those the chunks have ("Ó" is C3 93 in UTF-8: "Ã“" in Windows-1252)
    table = csvfile.open_table(_mixed(tmp_path / "mixed.csv", "ÓRDEN;MUNICIPIO\n"))
    assert table.encoding == "cp1252"
    first = next(table.chunks(10))
    assert table.columns == list(first.columns) == ["Ã“RDEN", "MUNICIPIO"]


def test_a_utf8_start_windows_cannot_read_fails_when_read(tmp_path: Path) -> None:
    # "Á" is C3 81 and 0x81 means nothing in Windows-1252: opening still works (the sample is
    # decoded with replacement), reading says where the text breaks
    path = _mixed(tmp_path / "mixed.csv", "ÁREA;MUNICIPIO\n")
    table = csvfile.open_table(path)
    assert (table.encoding, table.columns) == ("cp1252", ["Ã\ufffdREA", "MUNICIPIO"])
    with pytest.raises(FileError, match="the text changes encoding part-way"):
        list(table.chunks(10))


def test_open_table_names_the_file_when_it_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "cabecera.csv"
    path.write_bytes(HEADER.encode())
    with pytest.raises(FileError) as exc:
        csvfile.open_table(path)
    assert str(exc.value) == f"{path}: the file has a header but no rows"


def test_two_headers_that_differ_only_by_spaces_refuse_the_file(tmp_path: Path) -> None:
    """ "notes" and "notes " both become "notes" once stripped: which one is the field? The file
    is refused with both column numbers (it used to crash in the original-record JSON)."""
    path = tmp_path / "dup.csv"
    path.write_text(
        "incident_id,event_date,event_type,actor1,fatalities,municipality,source,notes,notes \n"
        "x1,2022-09-02,Battles,ELN,7,41001,Test,a,b\n",
        encoding="utf-8",
    )
    with pytest.raises(FileError) as refused:
        csvfile.open_table(path)
    assert str(refused.value) == (
        f"{path}: columns 8 and 9 have the same name 'notes'; rename one of them and import again"
    )
    # the first repeat is named, counted from 1, whatever comes after
    with pytest.raises(FileError, match=r"^f\.csv: columns 1 and 3 have the same name 'a';"):
        csvfile.stripped_names([" a", "b", "a ", "b "], "f.csv")
    assert csvfile.stripped_names([" CODIGO ", "05001"], "f.csv") == ["CODIGO", "05001"]


def test_a_refused_header_imports_nothing(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    from conflictmap import ingest, store

    path = tmp_path / "dup.csv"
    path.write_text(
        "incident_id,event_date,event_type,actor1,fatalities,municipality,source, source\n"
        "x1,2022-09-02,Battles,ELN,7,41001,Test,Other\n",
        encoding="utf-8",
    )
    db = tmp_path / "dup.duckdb"
    with pytest.raises(FileError, match="columns 7 and 8 have the same name 'source'"):
        ingest.import_file(path, fmt="native", db=db, dataset="dup")
    if db.exists():
        with store.connect(db, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM incidents").fetchall() == [(0,)]
