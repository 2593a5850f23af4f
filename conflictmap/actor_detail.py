"""What the dashboard says about an actor the filter selects: class, names, memberships with
their dates, lineage (predecessors and successors, shown but never merged into the filter) and
the registry's sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conflictmap import i18n
from conflictmap.actors import CLASSES, ActorRegistry, class_label, class_of_token
from conflictmap.filters import day_month_year
from conflictmap.i18n import _, ngettext


@dataclass(frozen=True)
class ActorDetail:
    name: str
    heading: str  # "ELN · guerrilla"
    lines: tuple[str, ...]  # plain text, one fact each (escape before rendering as Markdown)
    sources: tuple[str, ...]


def span(start: date | None, end: date | None) -> str:
    """A membership or name period in words: "18 Apr 1997 – 15 Aug 2006", "from 1991"."""

    def when(d: date) -> str:  # 2 Sep 2022 / 2 sep. 2022
        return i18n.day(d) if i18n.current() == "es" else day_month_year(d)

    if start and end:
        return f"{when(start)} – {when(end)}"
    if start:
        return _("from {day}").format(day=when(start))
    if end:
        return _("until {day}").format(day=when(end))
    return _("no dates recorded")


def detail(value: str, registry: ActorRegistry) -> ActorDetail | None:
    """The detail of a filter value (a group in any spelling, or a class token); None for a
    name the registry does not know."""
    actor_class = class_of_token(value)
    if actor_class is not None:
        in_class = registry.by_class(actor_class)
        return ActorDetail(
            name=class_label(actor_class),
            heading=class_label(actor_class) + " · " + _("class"),
            lines=(
                ngettext(
                    "{n} registry actor of this class, with its factions while members: ",
                    "{n} registry actors of this class, with their factions while members: ",
                    len(in_class),
                ).format(n=i18n.number(len(in_class)))
                + ", ".join(in_class),
            ),
            sources=(),
        )
    canonical = registry.canonical(value)
    if canonical is None:
        return None
    actor = registry.get(canonical)
    lines: list[str] = []
    if actor.note:
        lines.append(actor.note_in(i18n.current()))
    if actor.class_level:
        lines.append(
            _("Stands for unnamed actors of the class ({name}).").format(
                name=_(CLASSES[actor.actor_class])
            )
        )
    if actor.aliases:
        lines.append(_("Also written:") + " " + "; ".join(actor.aliases))
    for dated in actor.names:
        lines.append(
            _("Named “{name}”: {period}").format(
                name=dated.name, period=span(dated.valid_from, dated.valid_to)
            )
        )
    lang = i18n.current()
    for membership in actor.parents:
        lines.append(
            _("Member of {group}: {period}").format(
                group=membership.parent,
                period=span(membership.valid_from, membership.valid_to),
            )
            + _dash_note(membership.note_in(lang))
        )
    members = [
        (child.name, m)
        for child in registry.actors()
        for m in child.parents
        if m.parent == canonical
    ]
    if members:
        lines.append(
            _("Members (included in the filter while members):")
            + " "
            + "; ".join(f"{n} ({span(m.valid_from, m.valid_to)})" for n, m in members)
        )
    for lineage in actor.predecessors:
        lines.append(
            _("Descends from {group} (not included in the filter)").format(group=lineage.group)
            + _dash_note(lineage.note_in(lang))
        )
    successors = registry.successors(canonical)
    if successors:
        lines.append(
            _("Succeeded by (not included in the filter):")
            + " "
            + ", ".join(a.name for a in successors)
        )
    return ActorDetail(
        name=canonical,
        heading=f"{canonical} · {_(CLASSES[actor.actor_class]).lower()}",
        lines=tuple(lines),
        sources=actor.sources,
    )


def _dash_note(note: str) -> str:
    """A membership's or lineage's note after its line (`` — note``), or nothing."""
    return f" — {note}" if note else ""
