"""What the dashboard says about an actor the filter selects: class, names, memberships with
their dates, lineage (predecessors and successors, shown but never merged into the filter) and
the registry's sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conflictmap.actors import CLASSES, ActorRegistry, class_label, class_of_token
from conflictmap.filters import day_month_year


@dataclass(frozen=True)
class ActorDetail:
    name: str
    heading: str  # "ELN · guerrilla"
    lines: tuple[str, ...]  # plain text, one fact each (escape before rendering as Markdown)
    sources: tuple[str, ...]


def span(start: date | None, end: date | None) -> str:
    """A membership or name period in words: "18 Apr 1997 – 15 Aug 2006", "from 1991"."""
    if start and end:
        return f"{day_month_year(start)} – {day_month_year(end)}"
    if start:
        return f"from {day_month_year(start)}"
    if end:
        return f"until {day_month_year(end)}"
    return "no dates recorded"


def detail(value: str, registry: ActorRegistry) -> ActorDetail | None:
    """The detail of a filter value (a group in any spelling, or a class token); None for a
    name the registry does not know."""
    actor_class = class_of_token(value)
    if actor_class is not None:
        in_class = registry.by_class(actor_class)
        return ActorDetail(
            name=class_label(actor_class),
            heading=f"{class_label(actor_class)} · class",
            lines=(
                f"{len(in_class):,} registry actors of this class, with their factions while "
                "members: " + ", ".join(in_class),
            ),
            sources=(),
        )
    canonical = registry.canonical(value)
    if canonical is None:
        return None
    actor = registry.get(canonical)
    lines: list[str] = []
    if actor.note:
        lines.append(actor.note)
    if actor.class_level:
        lines.append(f"Stands for unnamed actors of the class ({CLASSES[actor.actor_class]}).")
    if actor.aliases:
        lines.append("Also written: " + "; ".join(actor.aliases))
    for dated in actor.names:
        lines.append(f"Named “{dated.name}”: {span(dated.valid_from, dated.valid_to)}")
    for membership in actor.parents:
        lines.append(
            f"Member of {membership.parent}: {span(membership.valid_from, membership.valid_to)}"
        )
    members = [
        (child.name, m)
        for child in registry.actors()
        for m in child.parents
        if m.parent == canonical
    ]
    if members:
        lines.append(
            "Members (included in the filter while members): "
            + "; ".join(f"{n} ({span(m.valid_from, m.valid_to)})" for n, m in members)
        )
    for lineage in actor.predecessors:
        note = f" — {lineage.note}" if lineage.note else ""
        lines.append(f"Descends from {lineage.group} (not included in the filter){note}")
    successors = registry.successors(canonical)
    if successors:
        lines.append(
            "Succeeded by (not included in the filter): "
            + ", ".join(a.name for a in successors)
        )
    return ActorDetail(
        name=canonical,
        heading=f"{canonical} · {CLASSES[actor.actor_class].lower()}",
        lines=tuple(lines),
        sources=actor.sources,
    )
