"""DIVIPOLA gazetteer: resolve what people type into DANE department and municipality codes.

Users and source files name places in many ways: "Cúcuta", "CUCUTA", "San José de Cúcuta",
"54001", "54-001", 54001, "5001" (Excel dropped the leading zero of 05001). :class:`Gazetteer`
turns any of these into a :class:`Place` with the official DANE code and name, and raises
:class:`PlaceError` with a message that says what was asked, why it failed and what to do when a
name is unknown or shared by several municipalities ("La Unión" exists in four departments).

Municipality names are resolved in this order, always inside the department filter when given:

1. exact match of the normalised name (case, accents and punctuation ignored; "Bogota DC" also
   matches "Bogotá, D.C." because spaces are ignored when nothing else matches);
2. a small table of common short names (:data:`MUNICIPALITY_ALIASES`, e.g. "cucuta" -> 54001)
   and alternative spellings (:data:`MUNICIPALITY_SPELLINGS`, e.g. "mompox" -> 13468);
3. a partial name, accepted only when exactly one municipality fits: "X de <query>",
   "<query> de X" (also "del", "de la"...), the name without its leading article ("Carmen de
   Bolívar" for "El Carmen de Bolívar") or one half of a double name ("Piendamó" for
   "Piendamó - Tunía").

A name shared by several municipalities is never guessed: the error lists every candidate.
"""

from __future__ import annotations

import difflib
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from conflictmap.i18n import N_
from conflictmap.messages import Message, join

if TYPE_CHECKING:
    from conflictmap.geodata import Boundaries

REQUIRED_COLUMNS = ("muni_code", "muni_name", "dept_code", "dept_name")

# Common short names -> DANE code. Each key must be a whole-word part of the official name of
# its municipality and not itself an official name (tests check both against the real
# boundaries, so the table cannot drift). "san andres" is deliberately absent: San Andrés
# (Santander, 68669) and San Andrés (archipelago, 88001) share that exact name, and an exact
# name always wins, so it must stay ambiguous without a department.
MUNICIPALITY_ALIASES: dict[str, str] = {
    "bogota": "11001",
    "cartagena": "13001",
    "cucuta": "54001",
    "tumaco": "52835",
    "buga": "76111",
    "tolu": "70820",
}
# Alternative spellings -> DANE code (not the official spelling; tests check they are close).
# "mompos" needs no entry: it is the official name (Mompós).
MUNICIPALITY_SPELLINGS: dict[str, str] = {
    "mompox": "13468",
    "tolu viejo": "70823",  # San José de Toluviejo, as the CNMH writes it ("TOLÚ VIEJO")
}
# Department short names (each key's words all occur in the official name; tests check this).
DEPARTMENT_ALIASES: dict[str, str] = {
    "bogota": "11",
    "san andres": "88",
    "san andres y providencia": "88",
    "san andres providencia y santa catalina": "88",
}

_CONNECTORS = ("de", "del", "de la", "de las", "de los")
_ARTICLES = ("el", "la", "las", "los")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_MUNI_CODE_SEPARATED = re.compile(r"(\d{1,2})[-.\s]+(\d{3})", re.ASCII)
_MUNI_CODE_PLAIN = re.compile(r"(\d{4,5})(?:\.0+)?", re.ASCII)
_DEPT_CODE = re.compile(r"(\d{1,2})(?:\.0+)?", re.ASCII)
_MAX_LISTED = 12


def normalise(text: str) -> str:
    """Comparable form of a place name: casefolded, no accents, punctuation as spaces.

    "San José de Cúcuta" -> "san jose de cucuta"; "BOGOTÁ, D.C." -> "bogota d c".
    """
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub(" ", bare).split())


def _compact(normalised: str) -> str:
    return normalised.replace(" ", "")


def _integral(value: object) -> int | None:
    """The integer value of an int or a whole float (not bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if number.is_integer() else None
    return None


def dept_of(muni_code: str) -> str:
    """A municipality's department: the first two digits of its DIVIPOLA code ("41001" -> "41").

    The one place this rule is written; callers import it from :mod:`conflictmap.geography`.
    """
    return muni_code[:2]


def normalise_muni_code(value: object) -> str | None:
    """The 5-digit DANE municipality code if ``value`` has the shape of one, else None.

    Accepts "41001", "41-001", "41.001", " 41001 ", 41001, 41001.0 and codes whose leading zero
    was dropped ("5001", 5001 -> "05001"). Existence is not checked.
    """
    number = _integral(value)
    if number is not None:
        return f"{number:05d}" if 1000 <= number <= 99999 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if match := _MUNI_CODE_SEPARATED.fullmatch(text):
        return match.group(1).zfill(2) + match.group(2)
    if match := _MUNI_CODE_PLAIN.fullmatch(text):
        return match.group(1).zfill(5)
    return None


def normalise_dept_code(value: object) -> str | None:
    """The 2-digit DANE department code if ``value`` has the shape of one ("5", 5 -> "05")."""
    number = _integral(value)
    if number is not None:
        return f"{number:02d}" if 1 <= number <= 99 else None
    if not isinstance(value, str):
        return None
    match = _DEPT_CODE.fullmatch(value.strip())
    return match.group(1).zfill(2) if match else None


class PlaceError(ValueError):
    """A place could not be resolved: unknown, ambiguous or contradictory.

    ``candidates`` holds the places an ambiguous query could mean (empty when nothing matched);
    ``suggestions`` holds close matches worth offering to the user.
    """

    def __init__(
        self,
        message: str,
        candidates: Iterable[Place] = (),
        suggestions: Iterable[Place] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.candidates: list[Place] = list(candidates)
        self.suggestions: list[Place] = list(suggestions)


@dataclass(frozen=True)
class Place:
    """A department (``muni_code`` is None) or a municipality, with DANE codes and names."""

    muni_code: str | None
    muni_name: str | None
    dept_code: str
    dept_name: str

    @property
    def is_department(self) -> bool:
        return self.muni_code is None

    @property
    def code(self) -> str:
        return self.muni_code or self.dept_code

    @property
    def name(self) -> str:
        return self.muni_name or self.dept_name

    @property
    def label(self) -> str:
        """Display name: 'Neiva, Huila' for a municipality, 'Huila' for a department."""
        return f"{self.muni_name}, {self.dept_name}" if self.muni_name else self.dept_name

    def describe(self) -> str:
        """'Neiva (Huila, 41001)' or 'Huila (department 41)', as used in error messages (a
        :class:`~conflictmap.messages.Message`: shown in the reader's language)."""
        if self.muni_code:
            return f"{self.muni_name} ({self.dept_name}, {self.muni_code})"
        return Message(N_("{name} (department {code})"), name=self.dept_name, code=self.dept_code)


def _listing(places: Iterable[Place]) -> str:
    items = [p.describe() for p in places]
    if len(items) > _MAX_LISTED:
        rest = len(items) - _MAX_LISTED
        items = [*items[:_MAX_LISTED], Message(N_("and {n} more"), n=rest)]
    return join(items, "; ")


# Parts of the messages below: each begins with its space so that an empty part leaves none.
def _did_you_mean(suggestions: list[Place]) -> str:
    if not suggestions:
        return ""
    return Message(N_(" Did you mean: {places}?"), places=_listing(suggestions))


def _in(dept: Place | None) -> str:
    return Message(N_(" in {department}"), department=dept.dept_name) if dept else ""


def _sort_key(place: Place) -> tuple[str, str]:
    return (normalise(place.name), place.code)


class Gazetteer:
    """Name and code lookup over DANE departments and municipalities.

    Built from any DataFrame with the columns ``muni_code``, ``muni_name``, ``dept_code`` and
    ``dept_name`` (extra columns such as geometry are ignored). Departments are taken from the
    same rows.
    """

    normalise_muni_code = staticmethod(normalise_muni_code)
    normalise_dept_code = staticmethod(normalise_dept_code)

    def __init__(
        self,
        municipalities: pd.DataFrame,
        *,
        aliases: Mapping[str, str] | None = None,
        spellings: Mapping[str, str] | None = None,
        department_aliases: Mapping[str, str] | None = None,
    ) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in municipalities.columns]
        if missing:
            raise ValueError(
                f"Cannot build a gazetteer: the municipality table lacks the column(s) "
                f"{', '.join(missing)}; it needs {', '.join(REQUIRED_COLUMNS)}."
            )
        self._munis: dict[str, Place] = {}
        self._depts: dict[str, Place] = {}
        frame = municipalities[list(REQUIRED_COLUMNS)]
        for muni_code, muni_name, dept_code, dept_name in frame.itertuples(index=False):
            muni_code = str(muni_code).strip().zfill(5)
            dept_code = str(dept_code).strip().zfill(2)
            place = Place(muni_code, str(muni_name).strip(), dept_code, str(dept_name).strip())
            self._munis[muni_code] = place
            self._depts.setdefault(dept_code, Place(None, None, dept_code, place.dept_name))

        self._muni_by_name: dict[str, list[Place]] = {}
        self._muni_by_compact: dict[str, list[Place]] = {}
        self._muni_norm: dict[str, str] = {}
        self._dept_munis: dict[str, list[Place]] = {}
        for place in sorted(self._munis.values(), key=_sort_key):
            norm = normalise(place.name)
            self._muni_norm[place.code] = norm
            self._muni_by_name.setdefault(norm, []).append(place)
            self._muni_by_compact.setdefault(_compact(norm), []).append(place)
            self._dept_munis.setdefault(place.dept_code, []).append(place)

        self._dept_by_name: dict[str, Place] = {}
        self._dept_norm: dict[str, str] = {}
        for place in self._depts.values():
            norm = normalise(place.name)
            self._dept_norm[place.code] = norm
            self._dept_by_name[norm] = place

        def known(table: Mapping[str, str], pool: Mapping[str, Place]) -> dict[str, Place]:
            return {normalise(k): pool[c] for k, c in table.items() if c in pool}

        self._muni_aliases = known(
            MUNICIPALITY_ALIASES if aliases is None else aliases, self._munis
        )
        self._muni_aliases.update(
            known(MUNICIPALITY_SPELLINGS if spellings is None else spellings, self._munis)
        )
        self._dept_aliases = known(
            DEPARTMENT_ALIASES if department_aliases is None else department_aliases, self._depts
        )

    @classmethod
    def from_boundaries(cls, boundaries: Boundaries) -> Gazetteer:
        """A gazetteer over the municipalities of loaded :class:`geodata.Boundaries` (the one
        over the pinned boundaries, built once per process, is
        ``conflictmap.geography.load_geography().gazetteer``)."""
        return cls(pd.DataFrame(boundaries.municipalities[list(REQUIRED_COLUMNS)]))

    # ----------------------------------------------------------------------------------------
    # Listing

    @property
    def departments(self) -> list[Place]:
        """All departments, sorted by code."""
        return [self._depts[c] for c in sorted(self._depts)]

    @property
    def municipalities(self) -> list[Place]:
        """All municipalities, sorted by code."""
        return [self._munis[c] for c in sorted(self._munis)]

    def municipalities_of(self, dept_code: str | int) -> list[Place]:
        """Municipalities of a department (by code or name), sorted by name."""
        dept = self.department(dept_code)
        return list(self._dept_munis.get(dept.dept_code, []))

    # ----------------------------------------------------------------------------------------
    # Departments

    def department(self, query: str | float) -> Place:
        """Resolve a department by DANE code ("41", "5", 5) or name ("huila", "Bogotá D.C.")."""
        text = str(query).strip() if query is not None else ""
        if not text:
            raise PlaceError(
                Message(N_("No department given: type a department name or its DANE code."))
            )
        code = normalise_dept_code(query)
        if code is not None:
            if code in self._depts:
                return self._depts[code]
            raise PlaceError(
                Message(
                    N_(
                        "No department has the DANE code {code} (from {text}). Department codes "
                        "are two digits, for example 05 for Antioquia or 41 for Huila; check the "
                        "code or type the department name."
                    ),
                    code=repr(code),
                    text=repr(text),
                )
            )
        norm = normalise(text)
        if not norm:
            raise PlaceError(
                Message(N_("{text} is not a department name or code."), text=repr(text))
            )
        if norm in self._dept_by_name:
            return self._dept_by_name[norm]
        compact = [p for n, p in self._dept_by_name.items() if _compact(n) == _compact(norm)]
        if len(compact) == 1:
            return compact[0]
        if norm in self._dept_aliases:
            return self._dept_aliases[norm]
        partial = sorted(
            {
                p
                for n, p in self._dept_by_name.items()
                if n.startswith(norm + " ") or n.endswith(" " + norm)
            },
            key=lambda p: p.dept_code,
        )
        if len(partial) == 1:
            return partial[0]
        if len(partial) > 1:
            raise PlaceError(
                Message(
                    N_(
                        "{text} matches part of the names of {n} departments: {places}. Type "
                        "the full department name or its DANE code."
                    ),
                    text=repr(text),
                    n=len(partial),
                    places=_listing(partial),
                ),
                candidates=partial,
            )
        suggestions = self._dept_suggestions(norm)
        hint = _did_you_mean(suggestions)
        raise PlaceError(
            Message(
                N_(
                    "No department is called {text}.{hint} Check the spelling, or use the "
                    "two-digit DANE department code."
                ),
                text=repr(text),
                hint=hint,
            ),
            suggestions=suggestions,
        )

    def _dept_suggestions(self, norm: str) -> list[Place]:
        names = list(self._dept_by_name) + list(self._dept_aliases)
        out: list[Place] = []
        for match in difflib.get_close_matches(norm, names, n=5, cutoff=0.6):
            place = self._dept_by_name.get(match) or self._dept_aliases[match]
            if place not in out:
                out.append(place)
        return out

    # ----------------------------------------------------------------------------------------
    # Municipalities

    def municipality(self, query: str | float, department: str | int | None = None) -> Place:
        """Resolve a municipality by DANE code (str, int or whole float) or name.

        ``department`` (code or name), if given, restricts name matches to that department and
        must agree with a code. Raises :class:`PlaceError` when the place is unknown, ambiguous
        or the code and department disagree.
        """
        dept = self.department(department) if department is not None else None
        where = _in(dept)
        text = str(query).strip() if query is not None else ""
        if not text:
            raise PlaceError(
                Message(
                    N_("No municipality given: type a municipality name or its 5-digit DANE code.")
                )
            )

        code = normalise_muni_code(query)
        if code is not None:
            return self._municipality_by_code(code, text, dept)
        if normalise_dept_code(query) is not None:
            raise PlaceError(
                Message(
                    N_(
                        "{text} looks like a department code, not a municipality: municipality "
                        "codes have 5 digits (department + 3), for example 41001 for Neiva, Huila."
                    ),
                    text=repr(text),
                )
            )

        norm = normalise(text)
        if not norm:
            raise PlaceError(
                Message(N_("{text} is not a municipality name or code."), text=repr(text))
            )

        def inside(places: Iterable[Place]) -> list[Place]:
            return [p for p in places if dept is None or p.dept_code == dept.dept_code]

        for table, key in ((self._muni_by_name, norm), (self._muni_by_compact, _compact(norm))):
            exact = inside(table.get(key, []))
            if len(exact) == 1:
                return exact[0]
            if len(exact) > 1:
                raise PlaceError(
                    Message(
                        N_(
                            "{text}{where} is the name of {n} municipalities: {places}. Add the "
                            "department to choose one, or use the 5-digit DANE code."
                        ),
                        text=repr(text),
                        where=where,
                        n=len(exact),
                        places=_listing(exact),
                    ),
                    candidates=exact,
                )

        alias = self._muni_aliases.get(norm)
        if alias is not None and inside([alias]):
            return alias

        partial = inside(self._partial_matches(norm))
        if len(partial) == 1:
            return partial[0]
        if len(partial) > 1:
            raise PlaceError(
                Message(
                    N_(
                        "{text}{where} is not the full name of a municipality and matches part "
                        "of the names of {n}: {places}. Type the full name, add the department, "
                        "or use the 5-digit DANE code."
                    ),
                    text=repr(text),
                    where=where,
                    n=len(partial),
                    places=_listing(partial),
                ),
                candidates=partial,
            )
        raise self._unknown_municipality(text, norm, dept)

    def _municipality_by_code(self, code: str, text: str, dept: Place | None) -> Place:
        place = self._munis.get(code)
        if place is None:
            dept_code = dept_of(code)
            owner = self._depts.get(dept_code)
            if owner is not None:
                detail = Message(
                    N_(
                        "The department part {dept_code} is {department}, but none of its {n} "
                        "municipalities ends in {ending}; check the last three digits."
                    ),
                    dept_code=dept_code,
                    department=owner.dept_name,
                    n=len(self._dept_munis.get(dept_code, [])),
                    ending=code[2:],
                )
            else:
                detail = Message(
                    N_("No department has the code {dept_code} either; check the code."),
                    dept_code=dept_code,
                )
            raise PlaceError(
                Message(
                    N_("No municipality has the DANE code {code} (from {text}). {detail}"),
                    code=code,
                    text=repr(text),
                    detail=detail,
                )
            )
        if dept is not None and place.dept_code != dept.dept_code:
            raise PlaceError(
                Message(
                    N_(
                        "Municipality code {code} is {place}, not in {department} (department "
                        "{dept_code}). Check the code or the department."
                    ),
                    code=code,
                    place=place.label,
                    department=dept.dept_name,
                    dept_code=dept.dept_code,
                ),
                candidates=[place],
            )
        return place

    def _partial_matches(self, norm: str) -> list[Place]:
        """Municipalities whose name fits "X de <norm>", "<norm> de X", an article or a half."""
        suffixes = tuple(f" {c} {norm}" for c in _CONNECTORS)
        prefixes = tuple(f"{norm} {c} " for c in _CONNECTORS)
        found: list[Place] = []
        for code, name in self._muni_norm.items():
            place = self._munis[code]
            forms = [name]
            first, _, rest = name.partition(" ")
            if first in _ARTICLES and rest:
                forms.append(rest)
            if " - " in place.name:
                forms.extend(normalise(part) for part in place.name.split(" - "))
            if any(f == norm or f.endswith(suffixes) or f.startswith(prefixes) for f in forms):
                found.append(place)
        return sorted(found, key=_sort_key)

    def _unknown_municipality(self, text: str, norm: str, dept: Place | None) -> PlaceError:
        if dept is not None:
            elsewhere = self._muni_by_name.get(norm, [])
            alias = self._muni_aliases.get(norm)
            if alias is not None and alias not in elsewhere:
                elsewhere = [*elsewhere, alias]
            if not elsewhere:
                elsewhere = self._partial_matches(norm)
            if elsewhere:
                return PlaceError(
                    Message(
                        N_(
                            "No municipality called {text} in {department}; that name is in "
                            "another department: {places}. Check the department, or use the "
                            "5-digit DANE code."
                        ),
                        text=repr(text),
                        department=dept.dept_name,
                        places=_listing(elsewhere),
                    ),
                    suggestions=elsewhere,
                )
        pool = self._dept_munis.get(dept.dept_code, []) if dept else list(self._munis.values())
        names: dict[str, list[Place]] = {}
        for place in pool:
            names.setdefault(self._muni_norm[place.code], []).append(place)
        for key, place in self._muni_aliases.items():
            if dept is None or place.dept_code == dept.dept_code:
                names.setdefault(key, []).append(place)
        suggestions: list[Place] = []
        for match in difflib.get_close_matches(norm, list(names), n=5, cutoff=0.75):
            suggestions.extend(p for p in names[match] if p not in suggestions)
        where = _in(dept)
        hint = _did_you_mean(suggestions)
        also = ""
        if dept is None and norm in self._dept_by_name:
            also = Message(
                N_(" {department} is a department, not a municipality."),
                department=self._dept_by_name[norm].dept_name,
            )
        return PlaceError(
            Message(
                N_(
                    "No municipality is called {text}{where}.{also}{hint} Check the spelling, add "
                    "the department, or use the 5-digit DANE code."
                ),
                text=repr(text),
                where=where,
                also=also,
                hint=hint,
            ),
            suggestions=suggestions,
        )

    # ----------------------------------------------------------------------------------------
    # Autocomplete

    def search(self, query: str, limit: int = 10) -> list[Place]:
        """Departments and municipalities matching ``query``, best first, for autocomplete.

        A place matches when its normalised name contains the normalised query (or a known
        short name/spelling starts with it, or its code equals a code-shaped query). Order: exact
        names, names starting with the query, names with a word starting with it, the rest;
        departments before municipalities within each group, then by name.
        """
        norm = normalise(query)
        if not norm or limit <= 0:
            return []
        ranked: dict[Place, int] = {}

        def offer(place: Place, rank: int) -> None:
            if rank < ranked.get(place, 99):
                ranked[place] = rank

        for code in {normalise_muni_code(query), normalise_dept_code(query)} - {None}:
            place = self._munis.get(str(code)) or self._depts.get(str(code))
            if place is not None:
                offer(place, 0)
        names = [(self._dept_norm[c], p) for c, p in self._depts.items()]
        names += [(self._muni_norm[c], p) for c, p in self._munis.items()]
        for name, place in names:
            if name == norm:
                offer(place, 0)
            elif name.startswith(norm):
                offer(place, 1)
            elif (" " + norm) in name:
                offer(place, 2)
            elif norm in name:
                offer(place, 3)
        for table in (self._dept_aliases, self._muni_aliases):
            for key, place in table.items():
                if key.startswith(norm):
                    offer(place, 0 if key == norm else 1)
        order = sorted(ranked, key=lambda p: (ranked[p], not p.is_department, *_sort_key(p)))
        return order[:limit]
