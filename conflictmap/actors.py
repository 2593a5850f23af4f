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

DEFAULT_PATH = Path(__file__).with_name("actors.toml")
KINDS = frozenset({"armed_group", "state", "civilians", "unidentified"})

_ACTOR_KEYS = frozenset({"name", "kind", "aliases", "parents", "sources", "note"})
_MEMBERSHIP_KEYS = frozenset({"parent", "valid_from", "valid_to", "source", "note"})

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


@dataclass(frozen=True)
class Membership:
    """Membership of a group in an umbrella ``parent`` over ``[valid_from, valid_to)``."""

    parent: str
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = field(default="", compare=False)
    note: str = field(default="", compare=False)

    def valid_on(self, on: date | None) -> bool:
        """True when the membership holds on ``on`` (always, when ``on`` is None)."""
        if on is None:
            return True
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_to is None or on < self.valid_to


@dataclass(frozen=True)
class Actor:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    parents: tuple[Membership, ...] = ()
    sources: tuple[str, ...] = ()
    note: str = ""


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
            if actor.kind not in KINDS:
                raise ValueError(
                    f"group {actor.name!r}: unknown kind {actor.kind!r} "
                    f"(expected one of {', '.join(sorted(KINDS))})"
                )
            self._actors[actor.name] = actor
            for spelling in (actor.name, *actor.aliases):
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
                if (
                    membership.valid_from is not None
                    and membership.valid_to is not None
                    and membership.valid_from >= membership.valid_to
                ):
                    raise ValueError(
                        f"group {actor.name!r}: membership in {membership.parent!r} has "
                        f"valid_from {membership.valid_from} not before valid_to "
                        f"{membership.valid_to}"
                    )
                self._children[membership.parent].append((actor.name, membership))
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
        note=str(value.get("note", "")).strip(),
    )


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
        unknown = set(entry) - _ACTOR_KEYS
        if unknown:
            raise ValueError(f"group {name!r}: unknown field(s) {sorted(unknown)}")
        kind = entry.get("kind")
        if not isinstance(kind, str):
            raise ValueError(f"group {name!r}: 'kind' is missing")
        parents = entry.get("parents", [])
        if not isinstance(parents, list):
            raise ValueError(f"group {name!r}: 'parents' must be a list")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise ValueError(f"group {name!r}: 'note' must be a string")
        actors.append(
            Actor(
                name=name,
                kind=kind.strip(),
                aliases=_str_list(entry.get("aliases"), f"group {name!r}: 'aliases'"),
                parents=tuple(_parse_membership(p, name) for p in parents),
                sources=_str_list(entry.get("sources"), f"group {name!r}: 'sources'"),
                note=" ".join(note.split()),
            )
        )
    return actors
