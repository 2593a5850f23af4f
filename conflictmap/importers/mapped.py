"""A table read with a column layout (:mod:`conflictmap.importers.layout`) -> candidates.

:class:`MappedFormat` is what ingest calls like a format module (``FORMAT``, ``FATALITIES``,
``parse``), built for one whole table because some decisions are the column's, never a row's:

- dates: one column in any common form (:func:`conflictmap.dates.parse_event_day`), the
  day/month order of numeric dates decided from the whole column (:func:`dates.day_order`),
  or day/month/year columns where 0 or empty is unknown (month or year precision; no year is a
  reject, see :func:`dates.from_parts`);
- places: department and municipality hints (DANE codes or names, placed by ingest with the
  gazetteer); a municipality that is empty or "SIN INFORMACION" keeps the case in its
  department (precision 3); no department and no municipality is a reject;
- actor 1: the group column when it holds a real value, else the class column ("No aplica",
  "No identificada"… are no value, see ``Layout.none_values``);
- ids: ``<prefix>:<id cell>``, or without an id column a hash of the row's content; a row
  repeated identically gets the hash plus its occurrence number (``…-2``), so it is stored as
  often as the publisher counts it and reported (warning ``repeated_rows``), unless
  ``drop_repeats`` (then repeats share the id and count as duplicates, not stored again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import numpy as np
import pandas as pd

from conflictmap import dates, schema
from conflictmap.i18n import N_
from conflictmap.importers.candidates import (
    CANDIDATE_DEFAULTS,
    Candidates,
    Reject,
    first_data_row,
    lookup,
    originals,
    texts,
)
from conflictmap.importers.layout import Layout, LayoutError, fold
from conflictmap.messages import Message, of

Outcome = tuple[object, str]  # (value, "") or (None, reject reason)
NOT_A_COUNT = N_("{field} '{value}' is not a whole number >= 0")
NO_PLACE = N_("no place: {place} (a case needs at least its department)")
NO_PLACE_BOTH = N_("no place: {first} and {second} (a case needs at least its department)")


class MappedFormat:
    """A layout applied to one table (see the module docstring).

    ``frame`` is the whole table (its columns and, for the date order, its date column);
    ``name`` is what messages call the file. Raises LayoutError when the layout does not fit
    the header or the date column mixes day/month orders.
    """

    def __init__(
        self, layout: Layout, frame: pd.DataFrame, *, name: str, drop_repeats: bool = False
    ) -> None:
        columns = [str(c) for c in frame.columns]
        try:
            self.fields: dict[str, str] = layout.resolve(columns)
        except LayoutError as exc:
            raise LayoutError(Message("{file}: {error}", file=name, error=of(exc))) from None
        self.layout = layout
        self.name = name
        self.drop_repeats = drop_repeats
        self.FORMAT = f"layout:{layout.name}"
        self.FATALITIES: str | None = self.fields.get("fatalities")
        self.VICTIMS: str | None = self.fields.get("victims")
        self.REQUIRED: list[str] = []
        self.warnings: dict[str, int] = {}
        self.detected: dict[str, str] = {"layout": layout.name}
        self._none = {fold(v) for v in layout.none_values}
        self._maps = {k: {fold(a): b for a, b in v.items()} for k, v in layout.values.items()}
        self._seen: dict[str, int] = {}
        self.order = dates.DAY_FIRST
        if "event_date" in self.fields:
            column = self.fields["event_date"]
            given = None if layout.date_order == "auto" else layout.date_order
            try:
                decision = dates.day_order(texts(frame, column), given=given)
            except dates.DateError as exc:
                raise LayoutError(
                    Message(
                        N_("{file}: column '{column}': {error}"),
                        file=name,
                        column=column,
                        error=of(exc),
                    )
                ) from None
            self.order = decision.order
            self.detected["date_order"] = Message(
                "{order}: {reason}", order=_ORDER_LABEL[decision.order], reason=decision.reason
            )
            if not decision.decided and decision.numeric:
                self.warnings["date_order_assumed"] = 1

    # ---- one chunk ---------------------------------------------------------------------------

    def parse(self, frame: pd.DataFrame, start_row: int = first_data_row) -> Candidates:
        n = len(frame)
        if n == 0:
            return Candidates(pd.DataFrame(columns=_ORDER, dtype=object))
        frame = frame.reset_index(drop=True)
        cells = {k: texts(frame, c) for k, c in self.fields.items()}
        every = [texts(frame, str(c)) for c in frame.columns]
        reasons = np.full(n, "", dtype=object)

        def fail(found: np.ndarray) -> None:
            new = (reasons == "") & (found != "")
            reasons[new] = found[new]

        empty = np.logical_and.reduce([column == "" for column in every])
        fail(_where(empty, Message(N_("the row is empty"))))

        when, precision, why = self._dates(cells, n)
        fail(why)
        kinds, why = _split(lookup(self._value("event_type", cells, n), _event_type))
        fail(why)
        dept = self._value("dept", cells, n)
        muni = self._value("muni", cells, n)
        lat, lon, why = self._point(cells, n)
        fail(why)
        fail(self._no_place(cells, dept, muni, lat, n))
        deaths, why = self._count("fatalities", cells, n)
        fail(why)
        victims, why = self._count("victims", cells, n)
        fail(why)
        source = self._value("source", cells, n)
        fail(_where(source == "", Message(schema.SOURCE_EMPTY)))
        links, why = _split(lookup(self._value("source_url", cells, n), _url))
        fail(why)

        good = np.flatnonzero(reasons == "")
        original = np.array(originals(frame), dtype=object)
        rows = np.arange(n, dtype=np.int64) + start_row
        rejects = [
            Reject(
                row=int(rows[i]),
                reason=reasons[i],
                raw={str(c): str(v[i]) for c, v in zip(frame.columns, every, strict=True)},
            )
            for i in np.flatnonzero(reasons != "")
        ]
        group = self._value("actor1_group", cells, n)
        actor1 = np.where(group != "", group, self._value("actor1", cells, n))
        ids = self._ids(cells, every, [str(c) for c in frame.columns], when, precision, good)
        columns: dict[str, object] = {
            **CANDIDATE_DEFAULTS,
            "row": rows[good].astype(object),
            "incident_id": ids[good],
            "event_date": when[good],
            "date_precision": precision[good],
            "event_type": kinds[good],
            "sub_event_type": self._value("sub_event_type", cells, n)[good],
            "event_type_original": self._original_type(cells, n)[good],
            "actor1_raw": actor1[good],
            "actor2_raw": self._value("actor2", cells, n)[good],
            "fatalities": deaths[good],
            "victims": victims[good],
            "latitude": lat[good],
            "longitude": lon[good],
            "place_muni": muni[good],
            "place_dept": dept[good],
            "location": self._value("location", cells, n)[good],
            "notes": self._notes(frame, cells, n)[good],
            "source": source[good],
            "source_url": links[good],
            "original": original[good],
        }
        accepted = pd.DataFrame(
            {k: columns[k] for k in _ORDER}, index=range(len(good)), dtype=object
        )
        return Candidates(accepted, rejects)

    # ---- fields ----------------------------------------------------------------------------------

    def _value(self, name: str, cells: dict[str, np.ndarray], n: int) -> np.ndarray:
        """A text field: the column's cell (value map applied; "no value" cells empty), else
        the layout's constant."""
        constant = self.layout.constants.get(name, "")
        if name not in cells:
            return np.full(n, constant, dtype=object)
        mapping, none = self._maps.get(name, {}), self._none

        def one(text: str) -> str:
            key = fold(text)
            if key in mapping:
                text = mapping[key]
                key = fold(text)
            return constant if not text or key in none else text

        return lookup(cells[name], one)

    def _original_type(self, cells: dict[str, np.ndarray], n: int) -> np.ndarray:
        """How the source names the event: the event type cell, else the sub-type cell, else
        the constant given for it (else the event type constant)."""
        constants = self.layout.constants
        fallback = constants.get("event_type_original") or constants.get("event_type", "")
        out = np.full(n, fallback, dtype=object)
        for name in ("sub_event_type", "event_type"):  # the event type cell wins
            if name in cells:
                raw = cells[name]
                out = np.where(raw != "", raw, out)
        return out

    def _dates(
        self, cells: dict[str, np.ndarray], n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "event_date" in cells:
            column, order = self.fields["event_date"], self.order

            def one(text: str) -> Outcome:
                if not text:
                    return None, Message(N_("{field} is empty"), field=column)
                try:
                    day, precision = dates.parse_event_day(text, field=column, order=order)
                    return (schema.check_event_day(day, text, field=column), precision), ""
                except (dates.DateError, schema.RowError) as exc:
                    return None, of(exc)

            found, why = _split(lookup(cells["event_date"], one))
        else:
            names = [self.fields.get(k, "") for k in ("day", "month", "year")]
            parts = [cells.get(k, np.full(n, "", dtype=object)) for k in ("day", "month", "year")]
            keys = parts[0] + "\x1f" + parts[1] + "\x1f" + parts[2]
            label = "/".join(c for c in names if c)

            def from_parts(key: str) -> Outcome:
                d, m, y = key.split("\x1f")
                shown = "/".join(v or "(empty)" for v, c in zip((d, m, y), names, strict=True) if c)
                try:
                    day, precision = dates.from_parts(d, m, y)
                except dates.DateError as exc:  # says what is wrong, not with which cells
                    return None, Message(
                        "{field} '{value}': {error}", field=label, value=shown, error=of(exc)
                    )
                try:  # this reason already names the columns and the cells
                    return (schema.check_event_day(day, shown, field=label), precision), ""
                except schema.RowError as exc:
                    return None, of(exc)

            found, why = _split(lookup(keys, from_parts))
        when = np.array([v[0] if v else None for v in found], dtype=object)
        precision = np.array([v[1] if v else None for v in found], dtype=object)
        return when, precision, why

    def _point(
        self, cells: dict[str, np.ndarray], n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "latitude" not in cells:
            nothing = np.full(n, None, dtype=object)
            return nothing, nothing.copy(), np.full(n, "", dtype=object)
        lat, why_lat = _split(lookup(cells["latitude"], _coordinate("latitude", -90, 90)))
        lon, why_lon = _split(lookup(cells["longitude"], _coordinate("longitude", -180, 180)))
        why = np.where(why_lat != "", why_lat, why_lon)
        half = (pd.isna(lat) != pd.isna(lon)) & (why == "")
        why[half] = Message(schema.HALF_POINT)
        return lat, lon, why

    def _no_place(
        self,
        cells: dict[str, np.ndarray],
        dept: np.ndarray,
        muni: np.ndarray,
        lat: np.ndarray,
        n: int,
    ) -> np.ndarray:
        """The reject reason of rows that name no place at all (none when a point is given)."""
        missing = (dept == "") & (muni == "") & pd.isna(lat)
        if not missing.any():
            return np.full(n, "", dtype=object)
        out = np.full(n, "", dtype=object)
        for i in np.flatnonzero(missing):
            parts = [
                Message(
                    N_("{column} is {value}"), column=self.fields[k], value=_quoted(cells[k][i])
                )
                for k in ("dept", "muni")
                if k in cells
            ]
            if len(parts) == 2:
                out[i] = Message(NO_PLACE_BOTH, first=parts[0], second=parts[1])
            elif parts:
                out[i] = Message(NO_PLACE, place=parts[0])
            else:
                out[i] = Message(
                    N_("no place: no place columns (a case needs at least its department)")
                )
        return out

    def _count(
        self, name: str, cells: dict[str, np.ndarray], n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        if name not in cells:
            return np.full(n, None, dtype=object), np.full(n, "", dtype=object)
        return _split(lookup(cells[name], _whole(self.fields[name])))

    def _notes(self, frame: pd.DataFrame, cells: dict[str, np.ndarray], n: int) -> np.ndarray:
        notes = self._value("notes", cells, n)
        extra = [
            (column, texts(frame, column))
            for column in self.layout.note_columns
            if column in frame.columns
        ]
        if not extra:
            return notes
        out = np.empty(n, dtype=object)
        for i in range(n):
            parts = [notes[i]] if notes[i] else []
            parts += [f"{column}: {values[i]}" for column, values in extra if values[i]]
            out[i] = "; ".join(parts)
        return out

    def _ids(
        self,
        cells: dict[str, np.ndarray],
        every: list[np.ndarray],
        columns: list[str],
        when: np.ndarray,
        precision: np.ndarray,
        good: np.ndarray,
    ) -> np.ndarray:
        """``<prefix>:<id cell>``, else ``<prefix>:<hash of the row>`` (the date as parsed, so
        the same row written 09/02/2022 or 2022-09-02 hashes alike), ``-2``, ``-3``… on
        repeats (see the module docstring)."""
        prefix = self.layout.prefix
        n = len(when)
        given = cells.get("incident_id", np.full(n, "", dtype=object))
        ids = np.full(n, None, dtype=object)
        dated = {self.fields.get(k) for k in ("event_date", "day", "month", "year")}
        date_columns = {i for i, c in enumerate(columns) if c in dated}
        for i in good.tolist():
            if given[i]:
                ids[i] = f"{prefix}:{given[i]}"
                continue
            content = [when[i].isoformat(), precision[i]] + [
                str(column[i]) for j, column in enumerate(every) if j not in date_columns
            ]
            digest = hashlib.sha1(
                json.dumps(content, ensure_ascii=False).encode("utf-8")
            ).hexdigest()[:16]
            seen = self._seen[digest] = self._seen.get(digest, 0) + 1
            if seen > 1:
                self.warnings["repeated_rows"] = self.warnings.get("repeated_rows", 0) + 1
            ids[i] = (
                f"{prefix}:{digest}"
                if seen == 1 or self.drop_repeats
                else (f"{prefix}:{digest}-{seen}")
            )
        return ids


_ORDER_LABEL = {dates.DAY_FIRST: "DD/MM/YYYY", dates.MONTH_FIRST: "MM/DD/YYYY"}
_ORDER = [*CANDIDATE_DEFAULTS, "row", "incident_id", "event_date", "event_type", "source"]


def _split(found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, reasons) from an array of ``(value, reason)`` outcomes."""
    values = np.empty(len(found), dtype=object)
    reasons = np.empty(len(found), dtype=object)
    values[:] = [v[0] for v in found]
    reasons[:] = [v[1] for v in found]
    return values, reasons


def _event_type(text: str) -> Outcome:
    try:
        return schema.event_type(text), ""
    except schema.RowError as exc:
        return None, of(exc)


def _url(text: str) -> Outcome:
    try:
        return schema.parse_url(text), ""
    except schema.RowError as exc:
        return None, of(exc)


def _coordinate(name: str, low: float, high: float) -> Callable[[str], Outcome]:
    def one(text: str) -> Outcome:
        try:
            return schema.parse_coordinate(text, field=name, low=low, high=high), ""
        except schema.RowError as exc:
            return None, of(exc)

    return one


def _whole(column: str) -> Callable[[str], Outcome]:
    """A count cell: a whole number >= 0 ("4", "4.0"), empty for unknown."""

    def one(text: str) -> Outcome:
        if not text:
            return None, ""
        try:
            grouped = schema.grouped_count(text, column)
        except schema.RowError as exc:
            return None, of(exc)
        if grouped is not None:
            return grouped, ""
        try:
            number = float(text.replace(",", ".") if text.count(",") == 1 else text)
        except ValueError:
            return None, Message(schema.NOT_A_NUMBER, field=column, value=text)
        if not np.isfinite(number) or number != int(number) or number < 0:
            return None, Message(NOT_A_COUNT, field=column, value=text)
        return int(number), ""

    return one


def _quoted(text: object) -> str:
    return f"'{text}'" if str(text) else Message(N_("empty"))


def _where(found: np.ndarray, reason: str) -> np.ndarray:
    """``reason`` (kept as it is: a Message) where ``found``, else ""."""
    out = np.full(len(found), "", dtype=object)
    for i in np.flatnonzero(found):
        out[i] = reason
    return out
