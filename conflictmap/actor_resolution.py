"""From an actor cell as a source writes it to the actors it names.

Real files write actors in many forms (issue 20): Spanish sentence case (``"Farc"``), a long
name followed by its acronym (``"Autodefensas unidas de colombia auc"``, ``"… (accu)"``),
several actors in one cell (``"Farc/eln"``, ``"ELN, FARC"``, ``"Agente del estado - grupo
paramilitar"``), a faction after a dash (``"EPL - Megateo"``), renamings (``"AGC ahora EGC"``,
``"X (antes Y)"``) and nicknames in parentheses (``"… (buitragueños)"``). :class:`Resolver`
turns a cell into a list of :class:`Name`: each part of the cell with the registry group or
class-level actor it names, or none (an unresolved name, kept as written).

The order of attempts, for the whole cell and then for each part of it:

1. a hand mapping (an analyst's decision stored in the database, :mod:`actor_mappings`), on
   the whole text;
2. the registry (:meth:`ActorRegistry.canonical`: aliases, dated names, ACLED's
   ``"UMBRELLA: Faction"``), on the whole text;
3. a renaming (``ahora``/``hoy``/``antes``/``now``/``formerly``): each side; the group both
   name (or the one that is known);
4. a parenthetical (``"Autodefensas … (accu)"``, ``"… (buitragueños)"``): the text before it,
   then the text inside;
5. a trailing acronym (``"Autodefensas unidas de colombia auc"``): the text without its last
   word and the last word, when both are known and name the same group (or a member and its
   umbrella: the member);

and a cell that is not one name is split on ``/``, ``;``, ``,``, ``|``, ``+``, ``&`` and a
spaced dash, each part resolved the same way (a part is split further on `` y ``/`` e ``/
`` and `` only when every piece of it then resolves: ``"Autodefensas Campesinas de Córdoba y
Urabá"`` is one group). When two parts name an umbrella and one of its members (``"Bloque
Central Bolívar - AUC"``), the member is kept. When no part resolves, the cell stays one
unresolved name as written (splitting a name nobody knows would invent actors); when some
parts resolve, the others stay as unresolved names of their own.

Placeholders meaning "no actor" (``"No aplica"``, ``"No identificada"``, ``"Sin
información"``, ``"N/A"``, ``"-"``) resolve to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from conflictmap import i18n
from conflictmap.actors import ActorRegistry, normalise_actor
from conflictmap.i18n import _
from conflictmap.schema import NO_VALUE_CELLS

# Written where a source has no actor for the case: the cells every source uses for "no value"
# (schema.NO_VALUE_CELLS, also a layout's default) and a few more seen in actor columns.
PLACEHOLDERS = frozenset(
    normalise_actor(t)
    for t in (
        *NO_VALUE_CELLS,
        "No identificados",
        "Sin datos",
        "Ninguno",
        "None",
        "Not applicable",
        "-",
    )
) - {""}

_SPLIT_RE = re.compile(r"\s*(?:[/;,|+&]|\s[-–—]\s)\s*")
_CONJUNCTION_RE = re.compile(r"\s+(?:y|e|and)\s+", re.IGNORECASE)
_RENAMING_RE = re.compile(
    r"^(?P<a>.*?)[\s,(]*\b(?:ahora|hoy|antes|luego|now|formerly|later)\b[\s:]*(?P<b>.*?)[\s)]*$",
    re.IGNORECASE,
)
_PAREN_RE = re.compile(r"^(?P<outer>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*(?P<rest>[^()]*)$")
_ACRONYM_RE = re.compile(r"^(?P<long>.+?)\s+(?P<acronym>[A-Za-zÁÉÍÓÚÑáéíóúñ\-.]{2,8})\s*$")


@dataclass(frozen=True)
class Name:
    """One actor named in a cell: ``written`` as the source wrote it (the part of the cell), and
    the canonical name it resolved to (None: unresolved) and how (``"registry"`` or
    ``"hand"``)."""

    written: str
    canonical: str | None
    how: str | None = None

    @property
    def stored(self) -> str:
        """What the incident stores: the canonical name, else the name as written."""
        return self.canonical or self.written


class Resolver:
    """Resolves actor cells with a registry and an analyst's hand mappings (normalised written
    name -> canonical name). Results are cached per cell: a file has few distinct cells."""

    def __init__(self, registry: ActorRegistry, hand: Mapping[str, str] | None = None) -> None:
        self.registry = registry
        self.hand = {normalise_actor(k): v for k, v in (hand or {}).items()}
        self._cache: dict[str, tuple[Name, ...]] = {}

    def resolve(self, cell: object) -> tuple[Name, ...]:
        """The actors a cell names, in the order written (none for an empty cell or a
        placeholder); each canonical name once."""
        if not isinstance(cell, str):
            return ()
        text = " ".join(cell.split())
        if text not in self._cache:
            self._cache[text] = self._resolve_cell(text)
        return self._cache[text]

    def stored(self, cell: object) -> list[str]:
        """The names an incident stores for ``cell``: canonical names and unresolved parts."""
        return [n.stored for n in self.resolve(cell)]

    # -- internals ------------------------------------------------------------------------------

    def _resolve_cell(self, text: str) -> tuple[Name, ...]:
        if not text or normalise_actor(text) in PLACEHOLDERS:
            return ()
        whole = self._one(text)
        if whole is not None:
            return (whole,)
        parts = [p for p in _SPLIT_RE.split(text) if p.strip()]
        names: list[Name] = []
        for part in parts:
            if normalise_actor(part) in PLACEHOLDERS:
                continue
            names.extend(self._part(part))
        if not any(n.canonical for n in names):
            return (Name(text, None),)
        return self._distinct(names)

    def _part(self, part: str) -> list[Name]:
        found = self._one(part)
        if found is not None:
            return [found]
        pieces = [p for p in _CONJUNCTION_RE.split(part) if p.strip()]
        if len(pieces) > 1:
            resolved = [self._one(p) for p in pieces]
            if all(r is not None for r in resolved):
                return [r for r in resolved if r is not None]
        return [Name(part, None)]

    def _one(self, text: str) -> Name | None:
        """``text`` as one actor: directly, as a renaming, with a parenthetical or a trailing
        acronym; None when none of these names a known actor."""
        direct = self._direct(text)
        if direct is not None:
            return direct
        renaming = _RENAMING_RE.match(text)
        if renaming and renaming["a"].strip() and renaming["b"].strip():
            found = self._either(text, renaming["a"], renaming["b"])
            if found is not None:
                return found
        paren = _PAREN_RE.match(text)
        if paren:
            outer = f"{paren['outer']} {paren['rest']}".strip()
            found = self._either(text, outer, paren["inner"]) if outer else None
            if found is not None:
                return found
            inner = _RENAMING_RE.match(paren["inner"])
            if inner and outer:
                found = self._either(text, outer, inner["b"])
                if found is not None:
                    return found
        acronym = _ACRONYM_RE.match(text)
        if acronym and len(acronym["long"].split()) >= 2:
            # both must be known and agree: a known last word alone ("Farc y Eln") is not the
            # group, nor is a known name with a word added ("Los Rastrojos Nuevos")
            long, short = self._direct(acronym["long"]), self._direct(acronym["acronym"])
            if long is not None and short is not None:
                found = self._either(text, acronym["long"], acronym["acronym"])
                if found is not None:
                    return found
        return None

    def _direct(self, text: str) -> Name | None:
        key = normalise_actor(text)
        if not key:
            return None
        if key in self.hand:
            return Name(text, self.hand[key], "hand")
        canonical = self.registry.canonical(text)
        return Name(text, canonical, "registry") if canonical else None

    def _either(self, written: str, first: str, second: str) -> Name | None:
        """Two names for one actor: the more specific when one is an umbrella of the other,
        the known one when only one is known; None when both are unknown or they disagree."""
        a, b = self._direct(first), self._direct(second)
        if a is None or b is None:
            found = a or b
            return Name(written, found.canonical, found.how) if found else None
        if a.canonical == b.canonical:
            return Name(written, a.canonical, a.how if a.how == b.how else "hand")
        assert a.canonical is not None and b.canonical is not None
        if b.canonical in self.registry.umbrella_of(a.canonical):
            return Name(written, a.canonical, a.how)
        if a.canonical in self.registry.umbrella_of(b.canonical):
            return Name(written, b.canonical, b.how)
        # a renaming between two registry groups ("AGC ahora EGC" where both are known as
        # different groups) or a contradiction: the newer name (after "ahora") is not trusted
        # over the older; keep neither
        return None

    def _distinct(self, names: list[Name]) -> tuple[Name, ...]:
        """Each canonical name once; an umbrella dropped when one of its members is named too."""
        canonicals = {n.canonical for n in names if n.canonical}
        umbrellas: set[str] = set()
        for canonical in canonicals:
            umbrellas.update(self.registry.umbrella_of(canonical))
        seen: set[str] = set()
        kept: list[Name] = []
        for name in names:
            key = name.canonical or f"\0{name.written}"
            if key in seen or (name.canonical in umbrellas):
                continue
            seen.add(key)
            kept.append(name)
        return tuple(kept)


@dataclass
class Roles:
    """An incident's stored actors: the first actor of each role's cell; the other actors a
    cell names (``"Farc/eln"``) and the associated actors go to ``assoc`` (each name once)."""

    actor1: str | None
    actor2: str | None
    assoc: list[str]


def roles(resolver: Resolver, actor1_raw: object, actor2_raw: object, assoc_raw: object) -> Roles:
    """The stored actors of an incident from its cells as written (``assoc_raw`` is a
    ``;``-separated list, each item a cell)."""
    first = resolver.stored(actor1_raw)
    second = resolver.stored(actor2_raw)
    extra: list[str] = first[1:] + second[1:]
    if isinstance(assoc_raw, str):
        for item in assoc_raw.split(";"):
            extra.extend(resolver.stored(item))
    actor1 = first[0] if first else None
    actor2 = second[0] if second else None
    # each name once; an associated actor that is also actor 1 or 2 is kept, as the source
    # lists it (ACLED may associate a group with itself)
    return Roles(actor1, actor2, list(dict.fromkeys(extra)))


@dataclass(frozen=True)
class Summary:
    """How the distinct actor names of a set of cells resolved: by the registry, by an
    analyst's hand mapping, or not at all (with how many incidents name each unresolved one)."""

    registry: int
    hand: int
    unresolved: dict[str, int]

    def as_json(self) -> dict[str, object]:
        return {
            "resolved_by_registry": self.registry,
            "resolved_by_hand": self.hand,
            "unresolved": len(self.unresolved),
            "unresolved_names": dict(self.unresolved),
        }

    def sentence(self) -> str:
        """One line for reports and citations."""
        total = self.registry + self.hand + len(self.unresolved)
        if not total:
            return _("No actor names.")
        return _(
            "{total} distinct actor names: {registry} resolved by the actor registry, "
            "{hand} by hand mappings, {unresolved} unresolved (kept as written)."
        ).format(
            total=i18n.number(total),
            registry=i18n.number(self.registry),
            hand=i18n.number(self.hand),
            unresolved=i18n.number(len(self.unresolved)),
        )


def summarise(resolver: Resolver, cells: list[tuple[object, int]]) -> Summary:
    """The :class:`Summary` of ``cells`` (cell, number of incidents naming it). A cell listing
    associated actors may be ``;``-separated."""
    how: dict[str, str | None] = {}
    unresolved: dict[str, int] = {}
    for cell, incidents in cells:
        items = cell.split(";") if isinstance(cell, str) else []
        for item in items:
            for name in resolver.resolve(item):
                key = normalise_actor(name.written)
                how[key] = name.how
                if name.canonical is None:
                    unresolved[name.written] = unresolved.get(name.written, 0) + incidents
    return Summary(
        registry=sum(1 for h in how.values() if h == "registry"),
        hand=sum(1 for h in how.values() if h == "hand"),
        unresolved=dict(sorted(unresolved.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
