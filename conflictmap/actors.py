"""Actor registry: canonical names, aliases, umbrella groups and dated memberships.

The registry is read from ``actors.toml`` next to this module. Each group has a canonical name, a
kind, aliases in Spanish and English (including the forms ACLED uses), optional memberships in
umbrella groups, and the public references the facts come from.

Name matching is tolerant: :func:`normalise_actor` folds case and accents, drops ACLED qualifiers
such as ``" (Colombia)"`` or ``" (2022-)"`` and collapses punctuation, and the ACLED form
``"NAME: Long name"`` is matched on the whole text, then on each side of the colon.

ACLED writes an actor as ``"ACRONYM: Proper name"`` (``"ELN: National Liberation Army"``) and a
faction of an umbrella as ``"UMBRELLA: Faction"`` (``"FARC Dissidents: Dagoberto Ramos Mobile
Column"``). :meth:`ActorRegistry.canonical` resolves the two sides of the colon like this:

* both sides name the same group: that group;
* the left side names an umbrella and the right side one of its members, directly or through
  intermediate umbrellas, under any membership that ever held: the member (the more specific
  group);
* only the right side is known: that group (an acronym the registry lacks in front of a known
  name);
* the left side is known and the right side is not (an unknown faction under a known umbrella,
  ``"ELN: Domingo Lain Saenz Front"``): None, so the raw text is kept rather than folding the
  faction into the umbrella; :meth:`ActorRegistry.faction_umbrella` names the umbrella;
* two groups that are not umbrella and member (``"ELN: Gulf Clan"``, two sibling factions, or a
  member before its umbrella, an order ACLED does not use): None.

Memberships are half-open date intervals: a membership with ``valid_from=2024-04-16`` holds on
that day, one with ``valid_to=2024-04-16`` no longer does, so a group that moves from one umbrella
to another on a given day is under exactly one of them on every date. A missing bound is open.

Filtering by an umbrella should include its factions: :meth:`ActorRegistry.expand` returns the
canonical name plus every descendant (optionally only through memberships valid on a date), while
a faction expands to itself alone.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from conflictmap import dates
from conflictmap.i18n import N_

DEFAULT_PATH = Path(__file__).with_name("actors.toml")
# Every actor has a class. The labels are what the actor filter offers ("All paramilitaries" =
# every paramilitary group plus the unnamed paramilitaries of sources that give only a class).
CLASSES: dict[str, str] = {
    "guerrilla": N_("Guerrillas"),
    "paramilitary": N_("Paramilitaries"),
    "post_demobilisation": N_("Post-demobilisation groups and organised crime"),
    "cartel": N_("Cartels"),
    "state": N_("State forces"),
    "foreign": N_("Foreign actors"),
    "civilians": N_("Civilians"),
    "unidentified": N_("Unidentified actors"),
}
# A class in the actor filter and in URLs: ``actor=class:paramilitary``.
CLASS_PREFIX = "class:"


def class_token(actor_class: str) -> str:
    """The filter value of a whole class (``class:paramilitary``)."""
    if actor_class not in CLASSES:
        raise KeyError(actor_class)
    return CLASS_PREFIX + actor_class


def class_of_token(value: str) -> str | None:
    """The class a filter value stands for (``"class:paramilitary"`` -> ``"paramilitary"``),
    None for a group name or an unknown class."""
    if not isinstance(value, str) or not value.strip().casefold().startswith(CLASS_PREFIX):
        return None
    name = value.strip()[len(CLASS_PREFIX) :].strip().casefold().replace("-", "_")
    return name if name in CLASSES else None


# what the filter shows for a class, in the interface language (conflictmap.i18n)
CLASS_ALL = {
    "guerrilla": N_("All guerrillas"),
    "paramilitary": N_("All paramilitaries"),
    "post_demobilisation": N_("All post-demobilisation groups and organised crime"),
    "cartel": N_("All cartels"),
    "state": N_("All state forces"),
    "foreign": N_("All foreign actors"),
    "civilians": N_("All civilians"),
    "unidentified": N_("All unidentified actors"),
}


def class_label(actor_class: str) -> str:
    """What the filter shows for a class: ``"All paramilitaries"`` (``"Todos los
    paramilitares"`` in Spanish)."""
    from conflictmap.i18n import _

    label = CLASS_ALL.get(actor_class)
    if label is None:
        return f"All {CLASSES[actor_class][0].lower()}{CLASSES[actor_class][1:]}"
    return _(label)


# The coarser kind some callers need (armed groups for territories): derived from the class.
KINDS = frozenset({"armed_group", "state", "civilians", "unidentified"})
_KIND_OF_CLASS = {"state": "state", "civilians": "civilians", "unidentified": "unidentified"}

_ACTOR_KEYS = frozenset(
    {"name", "class", "aliases", "names", "parents", "predecessors", "class_level", "sources",
     "note", "note_es"}
)
_MEMBERSHIP_KEYS = frozenset({"parent", "valid_from", "valid_to", "source", "note", "note_es"})
_NAME_KEYS = frozenset({"name", "valid_from", "valid_to", "source"})
_LINEAGE_KEYS = frozenset({"group", "source", "note", "note_es"})

# "(2022-)", "(2018-2022)", "(1991 - 2002)": ACLED's period qualifier on state forces.
_YEARS_RE = re.compile(r"\(\s*\d{4}\s*[-–]\s*(?:\d{4})?\s*\)")
# A trailing parenthetical: a country qualifier "(Colombia)" or an acronym "(ELN)".
_TRAILING_PAREN_RE = re.compile(r"\s*\([^()]*\)\s*$")
# Deleted rather than turned into spaces: "People's" -> "peoples", "E.L.N." -> "eln".
_DELETED_RE = re.compile(r"['’`´.]")
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def _fold(text: str) -> str:
    """Casefold and strip accents (``Ñ`` -> ``n``, ``É`` -> ``e``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _collapse(text: str) -> str:
    text = _DELETED_RE.sub("", text)
    return _NON_ALNUM_RE.sub(" ", text).strip()


def _drop_qualifiers(text: str) -> str:
    text = _YEARS_RE.sub(" ", text)
    while True:
        stripped = _TRAILING_PAREN_RE.sub("", text)
        # Keep the parenthetical when it is all there is, e.g. "(ELN)".
        if stripped == text or not _collapse(stripped):
            return text
        text = stripped


def normalise_actor(text: str) -> str:
    """Matching key for an actor name.

    Casefolds, strips accents, drops ACLED qualifiers (``" (Colombia)"``, ``" (2022-)"``,
    ``"(2018-2022)"``, any other trailing parenthetical such as an acronym), deletes apostrophes
    and full stops (``"E.L.N."`` -> ``"eln"``) and collapses other punctuation and whitespace to
    single spaces. ``"NAME: Long name"`` is normalised as a whole
    (the colon becomes a space); :func:`actor_keys` also yields each side of the colon.

    >>> normalise_actor("Police Forces of Colombia (2022-)")
    'police forces of colombia'
    >>> normalise_actor("  Columna Móvil  Dagoberto-Ramos ")
    'columna movil dagoberto ramos'
    """
    return _collapse(_drop_qualifiers(_fold(text)))


def actor_keys(text: str) -> tuple[str, ...]:
    """Keys to try for ``text``, best first: the whole name, then each side of a colon.

    >>> actor_keys("ELN: National Liberation Army")
    ('eln national liberation army', 'eln', 'national liberation army')
    """
    keys: list[str] = []
    whole = normalise_actor(text)
    if whole:
        keys.append(whole)
    if ":" in text:
        head, tail = text.split(":", 1)
        for part in (head, tail):
            key = normalise_actor(part)
            if key and key not in keys:
                keys.append(key)
    return tuple(keys)


def _note_in(note: str, note_es: str, lang: str) -> str:
    return note_es if lang == "es" and note_es else note


@dataclass(frozen=True)
class Membership:
    """Membership of a group in an umbrella ``parent`` over ``[valid_from, valid_to)``."""

    parent: str
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = field(default="", compare=False)
    note: str = field(default="", compare=False)  # English
    note_es: str = field(default="", compare=False)  # the note in Spanish

    def note_in(self, lang: str) -> str:
        """The note in ``lang`` (``es`` or ``en``): the Spanish note when there is one."""
        return _note_in(self.note, self.note_es, lang)

    def valid_on(self, on: date | None) -> bool:
        """True when the membership holds on ``on`` (always, when ``on`` is None)."""
        if on is None:
            return True
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_to is None or on < self.valid_to


@dataclass(frozen=True)
class DatedName:
    """A name a group bore over ``[valid_from, valid_to)`` (matched like an alias)."""

    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = ""


@dataclass(frozen=True)
class Lineage:
    """``group`` is a predecessor of the actor that lists it (shown, never used to filter)."""

    group: str
    note: str = ""  # English
    source: str = ""
    note_es: str = ""  # the note in Spanish

    def note_in(self, lang: str) -> str:
        """The note in ``lang`` (``es`` or ``en``): the Spanish note when there is one."""
        return _note_in(self.note, self.note_es, lang)


@dataclass(frozen=True)
class Actor:
    name: str
    actor_class: str
    aliases: tuple[str, ...] = ()
    parents: tuple[Membership, ...] = ()
    sources: tuple[str, ...] = ()
    note: str = ""  # English
    names: tuple[DatedName, ...] = ()
    predecessors: tuple[Lineage, ...] = ()
    # stands for an unnamed member of its class ("Grupo paramilitar" in a source)
    class_level: bool = False
    note_es: str = ""  # the note in Spanish

    def note_in(self, lang: str) -> str:
        """The note in ``lang`` (``es`` or ``en``): the Spanish note when there is one."""
        return _note_in(self.note, self.note_es, lang)

    @property
    def kind(self) -> str:
        """armed_group, state, civilians or unidentified (from the class)."""
        return _KIND_OF_CLASS.get(self.actor_class, "armed_group")

    def spellings(self) -> tuple[str, ...]:
        """The canonical name, the aliases and the dated names."""
        return (self.name, *self.aliases, *(n.name for n in self.names))


class ActorRegistry:
    """Validated set of actors with tolerant name lookup and umbrella expansion.

    Construction validates: known kinds, unique canonical names, no alias claimed by two groups
    (compared after :func:`normalise_actor`), every parent defined, date bounds in order, and no
    membership cycle. Problems raise :class:`ValueError` naming the group.
    """

    def __init__(self, actors: Iterable[Actor]) -> None:
        self._actors: dict[str, Actor] = {}
        self._by_key: dict[str, str] = {}
        key_owner: dict[str, tuple[str, str]] = {}  # key -> (group, spelling that claimed it)
        for actor in actors:
            if not actor.name.strip():
                raise ValueError("a group has an empty name")
            if actor.name in self._actors:
                raise ValueError(f"group {actor.name!r} is defined twice")
            if actor.actor_class not in CLASSES:
                raise ValueError(
                    f"group {actor.name!r}: unknown class {actor.actor_class!r} "
                    f"(expected one of {', '.join(CLASSES)})"
                )
            self._actors[actor.name] = actor
            for spelling in actor.spellings():
                key = normalise_actor(spelling)
                if not key:
                    raise ValueError(f"group {actor.name!r}: alias {spelling!r} is empty")
                owner = key_owner.get(key)
                if owner is not None and owner[0] != actor.name:
                    raise ValueError(
                        f"group {actor.name!r}: alias {spelling!r} is also claimed by group "
                        f"{owner[0]!r} (as {owner[1]!r}); both normalise to {key!r}"
                    )
                key_owner.setdefault(key, (actor.name, spelling))
                self._by_key[key] = actor.name
        self._children: dict[str, list[tuple[str, Membership]]] = {n: [] for n in self._actors}
        for actor in self._actors.values():
            for membership in actor.parents:
                if membership.parent not in self._actors:
                    raise ValueError(
                        f"group {actor.name!r}: parent {membership.parent!r} is not defined"
                    )
                _check_bounds(
                    actor.name,
                    f"membership in {membership.parent!r}",
                    membership.valid_from,
                    membership.valid_to,
                )
                self._children[membership.parent].append((actor.name, membership))
            for dated in actor.names:
                _check_bounds(actor.name, f"name {dated.name!r}", dated.valid_from, dated.valid_to)
            for lineage in actor.predecessors:
                if lineage.group not in self._actors:
                    raise ValueError(
                        f"group {actor.name!r}: predecessor {lineage.group!r} is not defined"
                    )
        self._check_cycles()

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None) -> ActorRegistry:
        """Read and validate a registry file (default: ``actors.toml`` next to this module)."""
        path = Path(path) if path is not None else DEFAULT_PATH
        with path.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        try:
            return cls(_parse_actors(data))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    # -- lookup --------------------------------------------------------------------------------

    def canonical(self, raw: str) -> str | None:
        """Canonical name for ``raw``, or None when no group claims it.

        The whole name is tried first. For ``"A: B"`` the two sides are tried next (see the
        module docstring): the same group on both sides, or ``A`` an umbrella of ``B`` (through
        any membership that ever held), resolves to ``B``; a known ``B`` after an unknown ``A``
        resolves to ``B``. An unknown ``B`` after a known ``A``, and two groups that are not
        umbrella and member, give None rather than a guess, so the raw text is kept.

        Memberships are not checked against a date: a name is resolved once for every row
        carrying it (the importer caches it per name), and a label naming a past umbrella
        (``"EMC: Carolina Ramirez Front"`` after the 2024 split) still identifies the faction.
        Date-dependent umbrella filtering is :meth:`expand`'s job.
        """
        if not isinstance(raw, str):
            return None
        whole = normalise_actor(raw)
        if not whole:
            return None
        found = self._by_key.get(whole)
        if found is not None or ":" not in raw:
            return found
        head, tail = self._sides(raw)
        if tail is None:
            return None
        if head is None or head == tail or tail in self._descendants(head, None):
            return tail
        return None

    def faction_umbrella(self, raw: str) -> str | None:
        """For ``"UMBRELLA: Faction"`` with a known umbrella and a faction the registry does not
        know, the umbrella's canonical name; None for any other name.

        :meth:`canonical` keeps such names raw; this says which umbrella they were filed under
        (``"ELN: Domingo Lain Saenz Front"`` -> ``"ELN"``), e.g. to include them when filtering
        by the umbrella or to list them for the registry's curators.
        """
        if not isinstance(raw, str) or ":" not in raw or self.canonical(raw) is not None:
            return None
        head, tail = self._sides(raw)
        return head if tail is None else None

    def _sides(self, raw: str) -> tuple[str | None, str | None]:
        """Canonical names of the two sides of the first colon (None: unknown or empty)."""
        head, tail = raw.split(":", 1)
        return self._by_key.get(normalise_actor(head)), self._by_key.get(normalise_actor(tail))

    def canonical_or_raw(self, raw: str) -> str:
        """Canonical name for ``raw``; unknown names are returned as given, stripped."""
        return self.canonical(raw) or raw.strip()

    def get(self, name: str) -> Actor:
        """The actor called ``name`` (any alias or ACLED form); KeyError when unknown."""
        canonical = self.canonical(name)
        if canonical is None:
            raise KeyError(name)
        return self._actors[canonical]

    def names(self) -> list[str]:
        """All canonical names, sorted."""
        return sorted(self._actors)

    def actors(self) -> list[Actor]:
        """All actors, sorted by canonical name."""
        return [self._actors[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.canonical(name) is not None

    def __iter__(self) -> Iterator[Actor]:
        return iter(self.actors())

    def __len__(self) -> int:
        return len(self._actors)

    # -- hierarchy -----------------------------------------------------------------------------

    def expand(self, name: str, on: date | None = None) -> set[str]:
        """``name``'s canonical name plus all its descendants, transitively.

        With ``on``, only memberships valid on that date are followed; with None, any membership
        that ever held. A name the registry does not know expands to itself (stripped), so the
        result can filter raw actor columns too.
        """
        canonical = self.canonical(name)
        if canonical is None:
            return {name.strip()}
        return {canonical} | self._descendants(canonical, _as_date(on))

    def _descendants(self, canonical: str, day: date | None) -> set[str]:
        """Every group below ``canonical``, transitively (through memberships valid on ``day``)."""
        result: set[str] = set()
        stack = [canonical]
        while stack:
            current = stack.pop()
            for child, membership in self._children[current]:
                if child not in result and child != canonical and membership.valid_on(day):
                    result.add(child)
                    stack.append(child)
        return result

    def expand_dated(self, name: str) -> dict[str, tuple[Interval, ...]]:
        """``name``'s canonical name and every descendant, each with the date intervals during
        which it was (transitively) under ``name``: ``(None, None)`` is always. The canonical name
        itself is always included; a faction that was a member twice has two intervals.

        So a filter on the AUC includes the ACCU from its entry into the AUC (1997) only: an
        ACCU event of 1995 is not an AUC event. A name the registry does not know is itself,
        always.
        """
        canonical = self.canonical(name)
        if canonical is None:
            return {name.strip(): (ALWAYS,)}
        found: dict[str, list[Interval]] = {canonical: [ALWAYS]}
        stack: list[tuple[str, Interval, frozenset[str]]] = [(canonical, ALWAYS, frozenset())]
        while stack:
            current, span, path = stack.pop()
            for child, membership in self._children[current]:
                if child == canonical or child in path:
                    continue
                inner = _intersect(span, (membership.valid_from, membership.valid_to))
                if inner is None:
                    continue
                found.setdefault(child, []).append(inner)
                stack.append((child, inner, path | {current}))
        return {n: union_intervals(spans) for n, spans in found.items()}

    def by_class(self, actor_class: str) -> list[str]:
        """Canonical names of every actor of ``actor_class`` (groups and the class-level actor)."""
        if actor_class not in CLASSES:
            raise KeyError(actor_class)
        return [a.name for a in self.actors() if a.actor_class == actor_class]

    def class_level(self, actor_class: str) -> str | None:
        """The class-level actor of ``actor_class`` (``"Unidentified paramilitary group"``)."""
        return next(
            (a.name for a in self.actors() if a.actor_class == actor_class and a.class_level),
            None,
        )

    def successors(self, name: str) -> list[Actor]:
        """Actors that list ``name`` among their predecessors (lineage, for the detail view)."""
        canonical = self.canonical(name)
        return [
            a for a in self.actors() if any(p.group == canonical for p in a.predecessors)
        ]

    def umbrella_of(self, name: str, on: date | None = None) -> list[str]:
        """Umbrella groups above ``name``, nearest first (direct parents, then theirs, ...).

        With ``on``, only memberships valid on that date count. Unknown names have none.
        """
        canonical = self.canonical(name)
        if canonical is None:
            return []
        day = _as_date(on)
        result: list[str] = []
        frontier = [canonical]
        while frontier:
            next_frontier: list[str] = []
            for current in frontier:
                for membership in self._actors[current].parents:
                    parent = membership.parent
                    if membership.valid_on(day) and parent not in result and parent != canonical:
                        result.append(parent)
                        next_frontier.append(parent)
            frontier = next_frontier
        return result

    def _check_cycles(self) -> None:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for start in self._actors:
            if state.get(start):
                continue
            path: list[str] = [start]
            state[start] = 1
            iters = [iter(self._actors[start].parents)]
            while iters:
                membership = next(iters[-1], None)
                if membership is None:
                    state[path.pop()] = 2
                    iters.pop()
                    continue
                parent = membership.parent
                if state.get(parent) == 1:
                    cycle = path[path.index(parent) :] + [parent]
                    raise ValueError(f"group {cycle[0]!r}: membership cycle {' -> '.join(cycle)}")
                if not state.get(parent):
                    state[parent] = 1
                    path.append(parent)
                    iters.append(iter(self._actors[parent].parents))


Interval = tuple[date | None, date | None]  # half-open [start, end); None = open
ALWAYS: Interval = (None, None)


def _intersect(a: Interval, b: Interval) -> Interval | None:
    starts = [d for d in (a[0], b[0]) if d is not None]
    ends = [d for d in (a[1], b[1]) if d is not None]
    start = max(starts) if starts else None
    end = min(ends) if ends else None
    if start is not None and end is not None and start >= end:
        return None
    return (start, end)


def union_intervals(spans: list[Interval]) -> tuple[Interval, ...]:
    """Overlapping or touching intervals merged, in order of start."""
    ordered = sorted(spans, key=lambda s: (s[0] is not None, s[0] or date.min))
    merged: list[Interval] = []
    for start, end in ordered:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or start is None or start <= last_end:
                if last_end is not None and (end is None or end > last_end):
                    merged[-1] = (last_start, end)
                continue
        merged.append((start, end))
    return tuple(merged)


@lru_cache(maxsize=1)
def default_registry() -> ActorRegistry:
    """The registry from the bundled ``actors.toml``, loaded once."""
    return ActorRegistry.load()


# -- parsing -----------------------------------------------------------------------------------


def _as_date(value: date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def _parse_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return dates.parse_iso(value, field=where)
        except dates.DateError:
            pass
    raise ValueError(f"{where}: {value!r} is not a date (use YYYY-MM-DD)")


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise ValueError(f"{where} must be a list of strings")
    if not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where} must be a list of strings")
    return tuple(item.strip() for item in value if item.strip())


def _parse_membership(value: Any, group: str) -> Membership:
    if isinstance(value, str):
        return Membership(parent=value.strip())
    if not isinstance(value, Mapping):
        raise ValueError(f"group {group!r}: each parent must be a table or a name")
    unknown = set(value) - _MEMBERSHIP_KEYS
    if unknown:
        raise ValueError(f"group {group!r}: unknown parent field(s) {sorted(unknown)}")
    parent = value.get("parent")
    if not isinstance(parent, str) or not parent.strip():
        raise ValueError(f"group {group!r}: a parent entry has no 'parent' name")
    where = f"group {group!r}, parent {parent!r}"
    return Membership(
        parent=parent.strip(),
        valid_from=_parse_date(value.get("valid_from"), f"{where}, valid_from"),
        valid_to=_parse_date(value.get("valid_to"), f"{where}, valid_to"),
        source=str(value.get("source", "")).strip(),
        note=_note_text(value, "note", where),
        note_es=_note_text(value, "note_es", where),
    )


def _table_list(entry: Mapping[str, Any], key: str, group: str) -> list[Any]:
    value = entry.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"group {group!r}: {key!r} must be a list")
    return value


def _table(value: Any, allowed: frozenset[str], what: str, group: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"group {group!r}: each of its {what} must be a table")
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(f"group {group!r}: unknown {what} field(s) {sorted(unknown)}")
    return value


def _parse_name(value: Any, group: str) -> DatedName:
    table = _table(value, _NAME_KEYS, "names", group)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"group {group!r}: a dated name has no 'name'")
    where = f"group {group!r}, name {name!r}"
    return DatedName(
        name=name.strip(),
        valid_from=_parse_date(table.get("valid_from"), f"{where}, valid_from"),
        valid_to=_parse_date(table.get("valid_to"), f"{where}, valid_to"),
        source=str(table.get("source", "")).strip(),
    )


def _parse_lineage(value: Any, group: str) -> Lineage:
    table = _table(value, _LINEAGE_KEYS, "predecessors", group)
    other = table.get("group")
    if not isinstance(other, str) or not other.strip():
        raise ValueError(f"group {group!r}: a predecessor has no 'group'")
    where = f"group {group!r}, predecessor {other!r}"
    return Lineage(
        group=other.strip(),
        note=_note_text(table, "note", where),
        source=str(table.get("source", "")).strip(),
        note_es=_note_text(table, "note_es", where),
    )


def _note_text(table: Mapping[str, Any], key: str, where: str) -> str:
    """A note of a membership or lineage entry (``note`` or ``note_es``), whitespace collapsed."""
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key!r} must be a string")
    return " ".join(value.split())


def _check_bounds(group: str, what: str, start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start >= end:
        raise ValueError(f"group {group!r}: {what} has valid_from {start} not before valid_to {end}")


def _parse_actors(data: Mapping[str, Any]) -> list[Actor]:
    entries = data.get("actor")
    if not isinstance(entries, list):
        raise ValueError("expected one or more [[actor]] tables")
    actors: list[Actor] = []
    for index, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"actor #{index} has no name")
        name = name.strip()
        if "kind" in entry:
            raise ValueError(
                f"group {name!r}: 'kind' is replaced by 'class' (one of {', '.join(CLASSES)})"
            )
        unknown = set(entry) - _ACTOR_KEYS
        if unknown:
            raise ValueError(f"group {name!r}: unknown field(s) {sorted(unknown)}")
        actor_class = entry.get("class")
        if not isinstance(actor_class, str):
            raise ValueError(f"group {name!r}: 'class' is missing")
        class_level = entry.get("class_level", False)
        if not isinstance(class_level, bool):
            raise ValueError(f"group {name!r}: 'class_level' must be true or false")
        parents = entry.get("parents", [])
        if not isinstance(parents, list):
            raise ValueError(f"group {name!r}: 'parents' must be a list")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise ValueError(f"group {name!r}: 'note' must be a string")
        note_es = entry.get("note_es", "")
        if not isinstance(note_es, str):
            raise ValueError(f"group {name!r}: 'note_es' must be a string")
        actors.append(
            Actor(
                name=name,
                actor_class=actor_class.strip(),
                aliases=_str_list(entry.get("aliases"), f"group {name!r}: 'aliases'"),
                parents=tuple(_parse_membership(p, name) for p in parents),
                sources=_str_list(entry.get("sources"), f"group {name!r}: 'sources'"),
                note=" ".join(note.split()),
                names=tuple(
                    _parse_name(n, name) for n in _table_list(entry, "names", name)
                ),
                predecessors=tuple(
                    _parse_lineage(n, name) for n in _table_list(entry, "predecessors", name)
                ),
                class_level=class_level,
                note_es=" ".join(note_es.split()),
            )
        )
    return actors
