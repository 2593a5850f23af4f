"""The rows every importer hands to ingest (conflictmap/importers/candidates.py): cells as
stripped text, candidate rows with their defaults, per-row mapping with rejects, the original
record as JSON, and the merge of the column-wise and per-row paths back in file order."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conflictmap.importers import candidates as cand
from conflictmap.schema import RowError


def test_cell_strips_and_reads_absent_or_empty_as_blank() -> None:
    raw = {"MUNICIPIO": "  Medellín ", "COD": "05001", "VACIA": None, "NUM": 7, "NAN": float("nan")}
    assert cand.cell(raw, "MUNICIPIO") == "Medellín"
    assert cand.cell(raw, "COD") == "05001"  # the leading zero stays
    assert cand.cell(raw, "VACIA") == ""
    assert cand.cell(raw, "NAN") == ""
    assert cand.cell(raw, "NUM") == "7"
    assert cand.cell(raw, "NO HAY") == ""


def test_split_list_drops_blank_parts() -> None:
    assert cand.split_list(" FARC ; ; ELN;") == ["FARC", "ELN"]
    assert cand.split_list("a|b | ", sep="|") == ["a", "b"]
    assert cand.split_list("a;b", sep="|") == ["a;b"]


def test_candidate_fills_defaults_and_refuses_unknown_or_missing_keys() -> None:
    row = cand.candidate(row=2, incident_id="x:1", event_date="2024-02-29",
                         event_type="Battles", source="CNMH", fatalities=3)  # fmt: skip
    assert row["row"] == 2 and row["fatalities"] == 3
    assert row["date_precision"] == "day"
    assert row["victims"] is None and row["in_country"] is False and row["place_muni"] == ""
    with pytest.raises(TypeError, match=r"unknown candidate field\(s\): bogus, zeta"):
        cand.candidate(row=2, incident_id="x", event_date="d", event_type="t", source="s",
                       zeta=1, bogus=2)  # fmt: skip
    with pytest.raises(TypeError, match=r"missing candidate field\(s\): event_type, source"):
        cand.candidate(row=2, incident_id="x", event_date="d")


def test_originals_of_text_cells_are_json_objects_in_file_order() -> None:
    frame = pd.DataFrame({"CÓDIGO": ["05001", "08001"], "NOTA": ['dijo "alto"', "línea\u2028dos"]})
    assert [json.loads(o) for o in cand.originals(frame)] == [
        {"CÓDIGO": "05001", "NOTA": 'dijo "alto"'},
        {"CÓDIGO": "08001", "NOTA": "línea\u2028dos"},
    ]
    assert cand.originals(frame.iloc[:0]) == []


def test_originals_of_other_values_take_the_pandas_path() -> None:
    # a number column, and a U+2028 that str.splitlines() would split on
    frame = pd.DataFrame({"a": [1, 2], "b": ["x\u2028y", "z"]})
    assert [json.loads(o) for o in cand.originals(frame)] == [
        {"a": 1, "b": "x\u2028y"}, {"a": 2, "b": "z"},
    ]  # fmt: skip
    single = pd.DataFrame({"a": [5]})
    assert [json.loads(o) for o in cand.originals(single)] == [{"a": 5}]


def _row(raw: dict[str, str], row: int) -> dict[str, object]:
    if not raw["FECHA"]:
        raise RowError("no date")
    return {"row": row, "code": raw["COD"]}


def test_parse_rows_maps_rows_and_makes_rejects_with_spreadsheet_numbers() -> None:
    frame = pd.DataFrame({"COD": ["05001", "08001", "11001"], "FECHA": ["2024-02-29", "", "x"]})
    got = cand.parse_rows(frame, 2, _row)
    assert got.frame.to_dict("records") == [
        {"row": 2, "code": "05001", "original": '{"COD":"05001","FECHA":"2024-02-29"}'},
        {"row": 4, "code": "11001", "original": '{"COD":"11001","FECHA":"x"}'},
    ]
    assert got.rejects == [cand.Reject(row=3, reason="no date", raw={"COD": "08001", "FECHA": ""})]
    assert got.frame["row"].dtype == object


def test_parse_rows_only_some_rows_with_given_originals() -> None:
    frame = pd.DataFrame({"COD": ["05001", "08001", "11001"], "FECHA": ["a", "b", "c"]})
    got = cand.parse_rows(frame, 10, _row, only=np.array([2, 0]), original=["o0", "o1", "o2"])
    assert got.frame.to_dict("records") == [
        {"row": 12, "code": "11001", "original": "o2"},
        {"row": 10, "code": "05001", "original": "o0"},
    ]
    assert got.rejects == []


def test_texts_strips_a_column_or_gives_blanks() -> None:
    frame = pd.DataFrame({"t": [" a ", "b"], "n": [1, None], "f": [2.5, float("nan")]})
    assert cand.texts(frame, "t").tolist() == ["a", "b"]
    assert cand.texts(frame, "n").tolist() == ["1.0", ""]
    assert cand.texts(frame, "f").tolist() == ["2.5", ""]
    missing = cand.texts(frame, "absent")
    assert missing.tolist() == ["", ""] and missing.dtype == object
    mixed = pd.DataFrame({"m": [" x ", None]})
    assert cand.texts(mixed, "m").tolist() == ["x", ""]


def test_lookup_calls_once_per_distinct_value() -> None:
    calls: list[str] = []

    def fn(v: str) -> str:
        calls.append(v)
        return v.upper()

    out = cand.lookup(np.array(["a", "b", "a", "a"], dtype=object), fn)
    assert out.tolist() == ["A", "B", "A", "A"] and out.dtype == object
    assert calls == ["a", "b"]
    tuples = cand.lookup(np.array(["x", "y"], dtype=object), lambda v: (v, 1))
    assert tuples.tolist() == [("x", 1), ("y", 1)]


def test_combine_puts_rows_back_in_file_order() -> None:
    fast = pd.DataFrame({"row": [2, 5], "v": ["a", "d"]}, index=[7, 8])
    slow = cand.Candidates(
        pd.DataFrame({"v": ["b", "c"], "row": [3, 4], "extra": ["x", "y"]}),
        [cand.Reject(6, "bad", {})],
    )
    got = cand.combine(fast, slow)
    assert got.frame.to_dict("records") == [
        {"row": 2, "v": "a"}, {"row": 3, "v": "b"}, {"row": 4, "v": "c"}, {"row": 5, "v": "d"},
    ]  # fmt: skip
    assert list(got.frame.index) == [0, 1, 2, 3]
    assert got.rejects == [cand.Reject(6, "bad", {})]


def test_combine_with_one_side_empty() -> None:
    fast = pd.DataFrame({"row": [2, 3], "v": ["a", "b"]}, index=[4, 9])
    rejects = [cand.Reject(4, "bad", {"a": "1"})]
    only_fast = cand.combine(fast, cand.Candidates(pd.DataFrame(), rejects))
    assert only_fast.frame.to_dict("records") == [{"row": 2, "v": "a"}, {"row": 3, "v": "b"}]
    assert list(only_fast.frame.index) == [0, 1] and only_fast.rejects == rejects
    slow = cand.Candidates(pd.DataFrame({"row": [3, 2], "v": ["b", "a"]}), rejects)
    assert cand.combine(pd.DataFrame(), slow) is slow


def test_combine_keeps_equal_rows_stable() -> None:
    fast = pd.DataFrame({"row": [2, 2, 2], "v": ["a", "b", "c"]})
    slow = cand.Candidates(pd.DataFrame({"row": [2, 1], "v": ["d", "e"]}))
    got = cand.combine(fast, slow)
    assert got.frame["v"].tolist() == ["e", "a", "b", "c", "d"]


def test_originals_keep_text_exactly_as_read() -> None:
    # the same row read from a CSV or a workbook must give the same original text: dates keep
    # their slashes unescaped, accents stay as they are
    frame = pd.DataFrame({"FECHA": ["29/02/2024"], "MUNICIPIO": ["Medellín"], "COD": ["05001"]})
    assert cand.originals(frame) == ['{"FECHA":"29/02/2024","MUNICIPIO":"Medellín","COD":"05001"}']


def test_originals_of_a_mixed_column_keep_numbers_as_numbers() -> None:
    # a column mixing numbers and text (a frame built in code): the number stays a number
    # (DuckDB would turn it into "5001") and accents stay as they are
    frame = pd.DataFrame({"COD": [5001, "Bogotá"]}, dtype=object)
    assert cand.originals(frame) == ['{"COD":5001}', '{"COD":"Bogotá"}']


def test_parse_rows_hands_plain_python_values() -> None:
    frame = pd.DataFrame({"COD": ["05001"], "FECHA": [""], "N": [3]})
    got = cand.parse_rows(frame, 2, _row, original=["{}"])
    # the reject's row is written to JSON and CSV: no numpy scalars
    assert json.dumps(got.rejects[0].raw) == '{"COD": "05001", "FECHA": "", "N": 3}'


def test_texts_of_a_date_column_reads_as_pandas_shows_it() -> None:
    frame = pd.DataFrame({"d": [pd.Timestamp("2024-02-29 13:05")]})
    assert cand.texts(frame, "d").tolist() == ["2024-02-29 13:05:00"]


def test_lookup_hands_missing_values_to_the_function() -> None:
    values = np.array(["a", None, "a"], dtype=object)
    # pandas hands a missing value over as NaN
    out = cand.lookup(values, lambda v: "vacío" if v != v else v.upper())  # noqa: PLR0124
    assert out.tolist() == ["A", "vacío", "A"]
