"""Column layouts: which column of an analyst's table holds which incident field.

A :class:`Layout` maps incident fields (:data:`FIELDS`) to the columns of a file, with
constants for fields the file lacks (``event_type = "Explosions/Remote violence"``), value maps
(``"Atentado por MAP"`` -> ``"Landmine"``), the day/month order of numeric dates and the prefix
of incident ids. It is written as a small TOML file (:meth:`Layout.to_toml`,
:func:`from_toml`), saved in the database (:mod:`conflictmap.layout_store`), and offered again
for a file with the same header (:func:`fingerprint`).

Built-in layouts for Colombian sources ship in the package (``conflictmap/data/layouts/``,
:func:`builtins`) and are recognised from a file's header (:func:`detect`): the Centro Nacional
de Memoria Histórica's case tables and the Policía Nacional's exports on datos.gov.co.

:func:`propose` guesses a layout for an unknown header from Spanish and English column names
("FECHA HECHO", "DEPTO_CASO", "COD_MUNI", "NumeroVictimasCaso", "presunto responsable"…),
comparing names with case, accents, spaces and underscores folded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from conflictmap import dates, schema
from conflictmap.divipola import normalise
from conflictmap.i18n import N_
from conflictmap.importers.csvfile import FileError
from conflictmap.messages import Message, join, of


class LayoutError(FileError):
    """A layout that cannot be used (as written, or with this file's header); the message says
    which layout or file and why."""


@dataclass(frozen=True)
class FieldSpec:
    label: str  # for people (the mapping screen)
    help: str
    constant: bool = False  # may a constant fill it
    synonyms: tuple[str, ...] = ()  # header names that propose it (folded on comparison)


FIELDS: dict[str, FieldSpec] = {
    "incident_id": FieldSpec(
        N_("Incident id"),
        N_("the source's own case number; without one, ids are made from the row's content"),
        synonyms=(
            "incident_id", "id", "idcaso", "id caso", "id_caso", "codigo caso", "caso id",
            "event_id", "event_id_cnty", "numero caso", "radicado", "id evento", "id hecho",
        ),
    ),
    "event_date": FieldSpec(
        N_("Date"),
        N_("one column: 2022-09-02, 02/09/2022, 09/02/2022 12:00:00 AM, 2 de septiembre de 2022…"),
        synonyms=(
            "event_date", "fecha hecho", "fecha", "fecha del hecho", "fecha_hecho", "fecha evento",
            "fecha de ocurrencia", "fecha ocurrencia", "fecha del evento", "fecha de los hechos",
            "date", "event date", "fecha caso", "fecha_caso",
        ),
    ),
    "day": FieldSpec(
        N_("Day"), N_("day of the month (0 or empty: unknown)"),
        synonyms=("diah", "dia", "día", "day", "dia hecho", "dia del hecho"),
    ),  # fmt: skip
    "month": FieldSpec(
        N_("Month"), N_("month, number or name (0 or empty: unknown)"),
        synonyms=("mesh", "mes", "month", "mes hecho", "mes del hecho"),
    ),  # fmt: skip
    "year": FieldSpec(
        N_("Year"), N_("year (0 or empty: the row cannot be dated and is rejected)"),
        synonyms=("annoh", "año", "ano", "anio", "year", "año hecho", "ano hecho", "año del hecho"),
    ),  # fmt: skip
    "dept": FieldSpec(
        N_("Department"),
        N_("DANE code or name"),
        constant=True,
        synonyms=(
            "cod_depto", "cod depto", "codigo departamento", "cod_dpto", "cod dpto", "coddepto",
            "codigo dane departamento", "cod_dane_depto", "depto_caso", "departamento",
            "departamento del hecho", "depto", "dpto", "department", "admin1", "departamento hecho",
        ),
    ),
    "muni": FieldSpec(
        N_("Municipality"),
        N_("DIVIPOLA code or name ('SIN INFORMACION' or empty: department only)"),
        synonyms=(
            "cod_muni", "cod muni", "codigo municipio", "cod_mpio", "cod mpio", "codmuni",
            "codigo dane", "cod_dane", "cod_dane_mun", "codigo dane municipio", "divipola",
            "muninicio_caso", "municipio_caso", "municipio", "municipio del hecho", "mpio",
            "municipality", "admin2", "ciudad", "municipio hecho",
        ),
    ),
    "latitude": FieldSpec(
        N_("Latitude"), N_("decimal degrees"), synonyms=("latitude", "latitud", "lat", "y")
    ),
    "longitude": FieldSpec(
        N_("Longitude"), N_("decimal degrees"),
        synonyms=("longitude", "longitud", "lon", "lng", "long", "x"),
    ),  # fmt: skip
    "location": FieldSpec(
        N_("Place"), N_("the place as written (vereda, corregimiento…)"),
        constant=True,
        synonyms=("location", "lugar", "vereda", "sitio", "corregimiento", "localidad", "zona"),
    ),  # fmt: skip
    "event_type": FieldSpec(
        N_("Event type"),
        N_(
            "one of Battles, Explosions/Remote violence, Violence against civilians, Protests, "
            "Riots, Strategic developments (a value map translates the source's own)"
        ),  # schema.EVENT_TYPES, the stored values (tests/test_layouts.py checks the list)
        constant=True,
        synonyms=(
            "event_type", "event type", "tipo evento", "tipoevento", "tipo de evento", "tipo hecho",
            "tipo de hecho", "hecho", "delito", "tipo",
        ),
    ),
    "sub_event_type": FieldSpec(
        N_("Sub-type"),
        N_("the kind of event within its type (free text)"),
        constant=True,
        synonyms=("sub_event_type", "sub event type", "subtipo", "modalidad", "sub tipo"),
    ),
    "event_type_original": FieldSpec(
        N_("Source's event type"),
        N_("how the source names the event (kept as written; by default the mapped column's value)"),
        constant=True,
    ),
    "actor1": FieldSpec(
        N_("Actor 1 (or its class)"),
        N_("the perpetrator; with a group column this is the class (Guerrilla, Agente del Estado…)"),
        constant=True,
        synonyms=(
            "actor1", "actor 1", "actor", "presunto responsable", "presunto_reponsable",
            "presunto_responsable", "presunto responsable 1", "responsable", "perpetrador",
            "perpetrator", "autor", "grupo armado", "side_a",
        ),
    ),
    "actor1_group": FieldSpec(
        N_("Actor 1 group"),
        N_("the group when known (FARC, ELN…); 'No aplica', 'No identificada'… fall back to the class"),
        synonyms=(
            "descripcion presunto responsable", "descripcion_presunto_responsable",
            "descripcion grupo", "descripcion_grupo", "grupo", "nombre grupo",
        ),
    ),
    "actor2": FieldSpec(
        N_("Actor 2"),
        N_("the other side (victim group, target)"),
        constant=True,
        synonyms=("actor2", "actor 2", "side_b", "objetivo", "target"),
    ),
    "fatalities": FieldSpec(
        N_("Fatalities"),
        N_("people killed (whole number; empty: unknown)"),
        synonyms=(
            "fatalities", "muertos", "fallecidos", "total muertos", "numero de muertos",
            "totalcivilescombatientesmuertos", "total civiles combatientes muertos", "deaths",
            "killed", "asesinados", "homicidios", "victimas fatales", "muertes",
        ),
    ),
    "victims": FieldSpec(
        N_("Victims"),
        N_("people the source counts as victims (whole number; empty: unknown)"),
        synonyms=(
            "victims", "victimas", "víctimas", "numerovictimascaso", "numero victimas caso",
            "numero de victimas", "numero victimas", "total victimas", "cantidad victimas",
            "afectados",
        ),
    ),
    "notes": FieldSpec(
        N_("Notes"),
        N_("description of the event"),
        constant=True,
        synonyms=(
            "notes", "notas", "observaciones", "descripcion", "descripción del caso",
            "descripcion del caso", "descripcion_del_caso", "description", "comentarios", "detalle",
            "resumen",
        ),
    ),
    "source": FieldSpec(
        N_("Source"),
        N_("who reported it (every incident needs its source)"),
        constant=True,
        synonyms=("source", "fuente", "fuente de informacion", "fuente informacion"),
    ),
    "source_url": FieldSpec(
        N_("Source link"), N_("an http(s) link"), constant=True,
        synonyms=("source_url", "url", "enlace", "link"),
    ),  # fmt: skip
}  # fmt: skip

DATE_ORDERS = ("auto", dates.DAY_FIRST, dates.MONTH_FIRST)
# cells that say "no value": a group column falls back to the class, a place to the department
NONE_VALUES = schema.NO_VALUE_CELLS  # cells that say "no value" (default of a layout)
NAME_PATTERN = re.compile(r"[\w][\w .\-()]{0,79}")


def fold(text: str) -> str:
    """Header and value comparison form: case, accents, spaces, punctuation and underscores
    ignored ("MUNINICIO_CASO" and "Muninicio caso" fold alike)."""
    return normalise(text).replace(" ", "")


@dataclass(frozen=True)
class Layout:
    """How a table's columns become incidents.

    ``columns`` maps a field of :data:`FIELDS` to the column names that may hold it, first
    present wins (a list lets one layout serve variants of a header); ``optional`` lists fields
    whose columns may be missing from a file. ``constants`` fill a field the file lacks, or a
    cell left empty. ``values`` translate a field's cells (compared folded) before use.
    ``note_columns`` are added to the notes as "Column: value". ``none_values`` are cells that
    say "no value" (see :data:`NONE_VALUES`). ``date_order`` is auto (decided from the whole
    column), dmy or mdy. Incident ids are ``<id_prefix>:<incident id cell>`` (by default the
    layout's name), or ``<id_prefix>:<hash of the row>`` without an id column. ``header`` is
    the header the layout was made for (its :func:`fingerprint` offers it again); ``match``
    the columns a header must have for a built-in to be recognised.
    """

    name: str
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    note_columns: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    none_values: tuple[str, ...] = NONE_VALUES
    date_order: str = "auto"
    id_prefix: str = ""
    description: str = ""
    header: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    builtin: bool = False

    def __post_init__(self) -> None:
        # a single column name may be given as text: ("FECHA",) not ("F", "E", …)
        columns = {
            k: (v,) if isinstance(v, str) else tuple(v) for k, v in dict(self.columns).items()
        }
        object.__setattr__(self, "columns", columns)
        for key in ("note_columns", "optional", "none_values", "header", "match"):
            value = getattr(self, key)
            object.__setattr__(self, key, (value,) if isinstance(value, str) else tuple(value))

    @property
    def prefix(self) -> str:
        return self.id_prefix or slug(self.name)

    @property
    def fingerprint(self) -> str | None:
        return fingerprint(self.header) if self.header else None

    def column(self, name: str) -> tuple[str, ...]:
        return tuple(self.columns.get(name, ()))

    def with_header(self, header: Iterable[str]) -> Layout:
        return replace(self, header=tuple(str(c) for c in header))

    def problems(self) -> list[str]:
        """What makes the layout unusable whatever the file (empty when it is complete); each a
        :class:`~conflictmap.messages.Message`, shown in the reader's language."""
        out: list[str] = []

        def problem(msgid: str, **params: object) -> None:
            out.append(Message(msgid, **params))

        if not NAME_PATTERN.fullmatch(self.name or ""):
            problem(
                N_("the name '{name}' must be 1-80 letters, digits, spaces or . - _ ( )"),
                name=self.name,
            )
        for name in list(self.columns) + list(self.constants) + list(self.values):
            if name not in FIELDS:
                problem(N_("unknown field '{name}' (known: {known})"), name=name, known=_KNOWN)
        for name in self.constants:
            if name in FIELDS and not FIELDS[name].constant:
                problem(N_("'{name}' cannot be a constant (it must come from a column)"), name=name)
        has = self._has
        if has("event_date") and has("year"):
            problem(N_("map the date either to one column (event_date) or to day/month/year"))
        if not has("event_date") and not has("year"):
            problem(N_("map the date: one column (event_date), or year (with month and day)"))
        if (has("day") or has("month")) and not has("year"):
            problem(N_("day and month need a year column"))
        if has("day") and not has("month"):
            problem(N_("a day column needs a month column"))
        if not has("event_type", constant=True):
            problem(N_("give the event type: a column or a constant"))
        if not (
            has("dept", constant=True) or has("muni") or (has("latitude") and has("longitude"))
        ):
            problem(N_("give the place: a department or municipality column, or coordinates"))
        if has("latitude") != has("longitude"):
            problem(N_("map latitude and longitude together"))
        if has("actor1_group") and not has("actor1"):
            problem(N_("an actor 1 group column needs the actor 1 (class) column"))
        if not has("source", constant=True):
            problem(N_("give the source: a column or a constant (every incident needs one)"))
        if "event_type" in self.constants:
            try:
                schema.event_type(self.constants["event_type"])
            except schema.RowError as exc:
                problem(N_("constant event_type: {error}"), error=of(exc))
        for original, ours in self.values.get("event_type", {}).items():
            try:
                schema.event_type(ours)
            except schema.RowError as exc:
                problem(
                    N_("event_type value map '{value}': {error}"), value=original, error=of(exc)
                )
        if self.date_order not in DATE_ORDERS:
            problem(
                N_("date_order '{value}' is not one of {known}"),
                value=self.date_order,
                known=", ".join(DATE_ORDERS),
            )
        for name in self.optional:
            if name not in FIELDS:
                problem(N_("optional: unknown field '{name}'"), name=name)
        return out

    def _has(self, name: str, constant: bool = False) -> bool:
        return bool(self.columns.get(name)) or (constant and bool(self.constants.get(name)))

    def resolve(self, header: Iterable[str]) -> dict[str, str]:
        """Field -> the file's column for every mapped field the header has (names compared
        folded when not equal). Raises LayoutError for an incomplete layout or a required
        column the header lacks."""
        problems = self.problems()
        if problems:
            raise LayoutError(layout_problems(self.name, problems))
        columns = [str(c) for c in header]
        found: dict[str, str] = {}
        missing: list[str] = []
        for name, wanted in self.columns.items():
            column = find_column(columns, wanted)
            if column is not None:
                found[name] = column
            elif name not in self.optional:
                missing.append(f"{name} ({' | '.join(wanted)})")
        for note in self.note_columns:
            if find_column(columns, (note,)) is None and "notes" not in self.optional:
                missing.append(f"notes ({note})")
        if missing:
            raise LayoutError(
                Message(
                    N_("layout '{name}': the file has no column for {missing}"),
                    name=self.name,
                    missing=", ".join(missing),
                )
            )
        # a field whose only column is missing must still be given: the date, type, place
        unresolved = replace(self, columns={k: (v,) for k, v in found.items()}).problems()
        if unresolved:
            raise LayoutError(
                Message(
                    N_("layout '{name}' with this file: {problems}"),
                    name=self.name,
                    problems=join(unresolved),
                )
            )
        return found

    def fits(self, header: Iterable[str]) -> bool:
        """Whether the layout can read a file with this header."""
        try:
            self.resolve(header)
        except LayoutError:
            return False
        return True

    def to_toml(self) -> str:
        """The layout as a TOML document (what :func:`from_toml` reads)."""
        out = [
            "# ConflictMap column layout: `conflictmap layouts import FILE` to add it to a "
            "database,",
            "# `conflictmap import DATA --layout FILE` to use it directly.",
            f"name = {_str(self.name)}",
        ]
        if self.description:
            out.append(f"description = {_str(self.description)}")
        out.append(f"date_order = {_str(self.date_order)}")
        if self.id_prefix:
            out.append(f"id_prefix = {_str(self.id_prefix)}")
        for key in ("match", "note_columns", "optional", "header"):
            value = getattr(self, key)
            if value:
                out.append(f"{key} = {_list(value)}")
        if self.none_values != NONE_VALUES:
            out.append(f"none_values = {_list(self.none_values)}")
        out += ["", "[columns]"]
        for name in FIELDS:
            if name in self.columns:
                wanted = self.columns[name]
                out.append(f"{name} = {_str(wanted[0]) if len(wanted) == 1 else _list(wanted)}")
        if self.constants:
            out += ["", "[constants]"]
            out += [f"{k} = {_str(v)}" for k, v in self.constants.items()]
        for name, table in self.values.items():
            out += ["", f"[values.{name}]"]
            out += [f"{_str(k)} = {_str(v)}" for k, v in table.items()]
        return "\n".join(out) + "\n"

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "builtin": self.builtin,
            "columns": {k: list(v) for k, v in self.columns.items()},
            "constants": dict(self.constants),
            "values": {k: dict(v) for k, v in self.values.items()},
            "note_columns": list(self.note_columns),
            "optional": list(self.optional),
            "date_order": self.date_order,
            "id_prefix": self.prefix,
            "fingerprint": self.fingerprint,
        }


_KNOWN = ", ".join(FIELDS)


def layout_problems(name: str, problems: list[str], source: str | None = None) -> Message:
    """The error of a layout that cannot be used: its name (and file) and every problem."""
    found = Message(N_("layout '{name}': {problems}"), name=name, problems=join(problems))
    return found if source is None else Message("{file}: {error}", file=source, error=found)


def slug(name: str) -> str:
    return "-".join(normalise(name).split()) or "layout"


def _str(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(str(text), ensure_ascii=False).replace("\\/", "/")


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_str(i) for i in items) + "]"


def find_column(columns: list[str], wanted: Iterable[str]) -> str | None:
    """The first of ``wanted`` the header has: equal, else equal when folded."""
    folded: dict[str, str] = {}
    for column in columns:
        folded.setdefault(fold(column), column)
    for name in wanted:
        if name in columns:
            return name
        if fold(name) in folded:
            return folded[fold(name)]
    return None


def fingerprint(header: Iterable[str]) -> str:
    """A short hash of a header's column names (folded, order ignored): files with the same
    columns share it, so a layout saved for one is offered for the next."""
    names = sorted({fold(str(c)) for c in header if str(c).strip()})
    return hashlib.sha1("\x1f".join(names).encode("utf-8")).hexdigest()[:16]


# ---- TOML ----------------------------------------------------------------------------------------

_TOP_KEYS = {
    "name", "description", "date_order", "id_prefix", "match", "note_columns", "optional",
    "header", "none_values", "columns", "constants", "values",
}  # fmt: skip


def from_toml(text: str, *, source: str = "layout", builtin: bool = False) -> Layout:
    """A layout from its TOML text; LayoutError naming ``source`` and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(
            Message(N_("{file}: not valid TOML ({error})"), file=source, error=str(exc))
        ) from None
    return from_dict(data, source=source, builtin=builtin)


def from_dict(data: Mapping[str, object], *, source: str, builtin: bool = False) -> Layout:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise LayoutError(
            Message(N_("{file}: unknown key(s) {keys}"), file=source, keys=", ".join(unknown))
        )

    def text(key: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise LayoutError(Message(N_("{file}: {key} must be text"), file=source, key=key))
        return value.strip()

    def texts(key: str, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LayoutError(
                Message(N_("{file}: {key} must be text or a list of text"), file=source, key=key)
            )
        return tuple(v.strip() for v in value if v.strip())

    def table(key: str) -> dict[str, object]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise LayoutError(Message(N_("{file}: [{key}] must be a table"), file=source, key=key))
        return value

    columns = {k: texts(f"columns.{k}", v) for k, v in table("columns").items()}
    constants = {}
    for key, value in table("constants").items():
        if not isinstance(value, str):
            raise LayoutError(
                Message(N_("{file}: constants.{key} must be text"), file=source, key=key)
            )
        constants[key] = value.strip()
    values: dict[str, dict[str, str]] = {}
    for key, mapping in table("values").items():
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise LayoutError(
                Message(N_("{file}: [values.{key}] must map text to text"), file=source, key=key)
            )
        values[key] = {str(k): str(v).strip() for k, v in mapping.items()}
    layout = Layout(
        name=text("name"),
        description=text("description"),
        date_order=text("date_order", "auto") or "auto",
        id_prefix=text("id_prefix"),
        columns={k: v for k, v in columns.items() if v},
        constants={k: v for k, v in constants.items() if v},
        values=values,
        note_columns=texts("note_columns", data.get("note_columns", [])),
        optional=texts("optional", data.get("optional", [])),
        header=texts("header", data.get("header", [])),
        match=texts("match", data.get("match", [])),
        none_values=(
            texts("none_values", data["none_values"]) if "none_values" in data else NONE_VALUES
        ),
        builtin=builtin,
    )
    problems = layout.problems()
    if problems:
        raise LayoutError(layout_problems(layout.name, problems, source))
    return layout


def load_file(path: str | os.PathLike[str]) -> Layout:
    """A layout from a TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LayoutError(Message(N_("{file}: no such layout file"), file=str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LayoutError(
            Message(N_("{file}: cannot be read ({error})"), file=str(path), error=str(exc))
        ) from None
    return from_toml(text, source=str(path))


# ---- built-in layouts ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def builtins() -> tuple[Layout, ...]:
    """The layouts shipped in the package (conflictmap/data/layouts/*.toml), by name."""
    folder = resources.files("conflictmap") / "data" / "layouts"
    found = [
        from_toml(entry.read_text(encoding="utf-8"), source=f"built-in {entry.name}", builtin=True)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    return tuple(sorted(found, key=lambda layout: layout.name))


def builtin(name: str) -> Layout | None:
    return next((layout for layout in builtins() if layout.name == name.strip()), None)


def detect(header: Iterable[str], saved: Iterable[Layout] = ()) -> Layout | None:
    """The layout to read a file with this header without being told: a saved layout made for
    the same header (fingerprint), else the built-in whose ``match`` columns the header has
    (the most specific when several do), else None."""
    columns = [str(c) for c in header]
    mark = fingerprint(columns)
    for layout in saved:
        if layout.fingerprint == mark and layout.fits(columns):
            return layout
    fitting = [
        layout
        for layout in builtins()
        if layout.match
        and all(find_column(columns, (c,)) is not None for c in layout.match)
        and layout.fits(columns)
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda layout: (len(layout.match), layout.name))


# ---- proposals -------------------------------------------------------------------------------

_SYNONYMS: dict[str, list[tuple[str, int]]] = {}


def _synonyms() -> dict[str, list[tuple[str, int]]]:
    """folded header name -> [(field, rank)] (rank: the synonym's position, lower is better)."""
    if not _SYNONYMS:
        for name, spec in FIELDS.items():
            for rank, synonym in enumerate(spec.synonyms):
                _SYNONYMS.setdefault(fold(synonym), []).append((name, rank))
    return _SYNONYMS


def _header_key(column: str) -> str:
    """A header name folded, without a trailing role number ("PRESUNTO_REPONSABLE1")."""
    return re.sub(r"(?<=[a-z])1$", "", fold(column))


def propose(header: Iterable[str], *, name: str = "", source: str = "") -> Layout:
    """A first layout for a header no layout knows: each field gets the column whose name is
    one of its synonyms (Spanish and English; case, accents, spaces and underscores folded;
    the best-ranked synonym wins, e.g. a DANE code column over a name column; a column serves
    one field). ``source`` becomes the source constant when no column names the source.

    The result may be incomplete (see :meth:`Layout.problems`): the mapping screen shows it
    for a person to finish.
    """
    columns = [str(c) for c in header]
    table = _synonyms()
    offers: list[tuple[int, int, str, str]] = []  # (rank, position, field, column)
    for position, column in enumerate(columns):
        for key in dict.fromkeys((fold(column), _header_key(column))):
            for field_name, rank in table.get(key, []):
                offers.append((rank, position, field_name, column))
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for _rank, _position, field_name, column in sorted(offers):
        if field_name in chosen or column in used:
            continue
        chosen[field_name] = column
        used.add(column)
    if "event_date" in chosen:  # a whole date wins over parts (often derived from it)
        for part in ("year", "month", "day"):
            if part in chosen:
                used.discard(chosen.pop(part))
    if "day" in chosen and "month" not in chosen:
        used.discard(chosen.pop("day"))
    if "actor1_group" in chosen and "actor1" not in chosen:
        chosen["actor1"] = chosen.pop("actor1_group")
    constants = {}
    if "source" not in chosen and source:
        constants["source"] = source
    order = {name: i for i, name in enumerate(FIELDS)}
    return Layout(
        name=name or "new layout",
        columns={k: (v,) for k, v in sorted(chosen.items(), key=lambda kv: order[kv[0]])},
        constants=constants,
        header=tuple(columns),
    )
