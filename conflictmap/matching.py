"""The same event in several sources is one event: cross-dataset matching of reports.

Analysts combine ACLED, UCDP GED and their own additions; the 2 September 2022 Neiva attack is
in all of them, and counting each report inflates every figure. This module finds reports of
different datasets that describe the same event, groups them, and lets every view count each
group once (``Filters.count == "events"``, the default; ``"reports"`` counts every report).

**The rule set** (documented rather than learnt: the analyst can read why two reports match,
and there is no labelled Colombian training data for a probabilistic linker such as Splink).

Candidates (blocking, in SQL on either store): two reports of *different datasets*, both with a
department, in the *same department*, whose dates are within :data:`WINDOW_DAYS` days of each
other once each report's date precision is taken into account (a report dated to the week or
month covers that whole period; reports known only to the year are never matched). Each
candidate pair is then scored, 0–100:

============  ====  ==========================================================================
criterion     max   points
============  ====  ==========================================================================
date           30   same day 30 · 1 day apart 20 · 2 days 10 · one report's imprecise date
                    (week/month) covers the other's 15
place          30   same municipality 30 · neighbouring municipalities 20 · points within
                    :data:`NEAR_KM` km 20 × (1 − d/NEAR_KM) · only the department in common 10
event type     15   same 15 · both violent (battles, explosions/remote violence, violence
                    against civilians) 8 · otherwise the pair is not a match (−100)
actors         15   a group in common (the same group, or one is the other's umbrella: Police
                    and State forces, a FARC front and FARC dissidents) 15 · a class-level actor
                    and a group of that class ("Unidentified paramilitary group" and the AUC) 8
                    · one report names no group (unidentified, civilians or a class only) 5 ·
                    both name groups and none in common −25
fatalities     10   equal 10 · within each other's range or within max(1, 25 %) 6 · both
                    unknown 5 · one unknown 3 · far apart −20
============  ====  ==========================================================================

A pair scoring at least :data:`THRESHOLD` is a match, unless an analyst split it; a pair an
analyst confirmed is a match whatever its score. Matches are grouped transitively (connected
components); the group's **primary report** — the one the counts use — is the one placed most
precisely, then dated most precisely, then the first by dataset name and id. Decisions
(``match_decisions``) are kept by incident id, so they survive re-imports.

The groups are recomputed after every import (:func:`rematch`, in the import's transaction) and
after an analyst's decision. A report whose primary was deleted counts again (the count clause
joins the live incidents).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from conflictmap import dialect
from conflictmap.actors import ActorRegistry, default_registry

WINDOW_DAYS = 2
NEAR_KM = 25.0
THRESHOLD = 60
SPAN_DAYS = {"day": 0, "week": 6, "month": 30}  # days a report's date may cover; year: never
VIOLENT = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})
UNNAMED_CLASSES = frozenset({"civilians", "unidentified"})
COUNT_MODES = ("events", "reports")

SCHEMA = """
CREATE TABLE IF NOT EXISTS event_matches (
    -- one row per report in a group of two or more; event_id is the group's primary report
    incident_id VARCHAR PRIMARY KEY,
    event_id VARCHAR NOT NULL,
    score INTEGER,
    explanation VARCHAR
);
CREATE TABLE IF NOT EXISTS match_decisions (
    -- an analyst's decision on a pair (id_a < id_b): 'confirmed' or 'split'
    id_a VARCHAR NOT NULL,
    id_b VARCHAR NOT NULL,
    decision VARCHAR NOT NULL CHECK (decision IN ('confirmed', 'split')),
    decided_by VARCHAR,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id_a, id_b)
);
"""

_FIELDS = (
    "incident_id, dataset, source, event_date, date_precision, event_type, actor1, actor2, "
    "assoc_actors, fatalities, fatalities_low, fatalities_high, latitude, longitude, "
    "geo_precision, dept_code, muni_code"
)


@dataclass(frozen=True)
class Part:
    criterion: str  # date | place | type | actors | fatalities
    points: int
    why: str


@dataclass(frozen=True)
class Score:
    parts: tuple[Part, ...]

    @property
    def total(self) -> int:
        return sum(p.points for p in self.parts)

    @property
    def explanation(self) -> str:
        return "; ".join(f"{p.criterion} {p.points:+d} ({p.why})" for p in self.parts)


# --------------------------------------------------------------------------------------------
# Candidates


def candidates_sql() -> str:
    """SQL of the candidate pairs (columns ``a_*`` and ``b_*``): ``b``'s date falls in ``a``'s
    window (its date, plus its span, widened by :data:`WINDOW_DAYS` both ways). A pair appears
    once per orientation that qualifies; :func:`candidates` keeps one.

    Blocking is an equality join on (department, week number): each report of ``a`` is repeated
    for the weeks its window touches (at most 7, for a month), each ``b`` sits in the week of its
    date. At 100,000 ACLED events that is about a hundred pairs per report to check, where a
    join on the department alone would compare every report with every other of its department.
    """
    span = "CASE date_precision WHEN 'week' THEN 6 WHEN 'month' THEN 30 ELSE 0 END"
    day = "(event_date - DATE '1970-01-01')"
    w = WINDOW_DAYS
    names = [c.strip() for c in _FIELDS.split(",")]
    a_cols = ", ".join(f"a.{c} AS a_{c}" for c in names)
    b_cols = ", ".join(f"b.{c} AS b_{c}" for c in names)
    weeks = ", ".join(f"({k})" for k in range(7))
    return f"""
        WITH r AS (SELECT {_FIELDS}, {day} AS day_n, {span} AS span_n FROM incidents
                   WHERE dept_code IS NOT NULL AND date_precision IN ('day', 'week', 'month')),
        wa AS (SELECT r.*, CAST(floor((r.day_n - {w}) / 7.0) AS INTEGER) + k.k AS week_n
               FROM r JOIN (VALUES {weeks}) AS k(k)
                 ON k.k <= CAST(floor((r.day_n + r.span_n + {w}) / 7.0) AS INTEGER)
                           - CAST(floor((r.day_n - {w}) / 7.0) AS INTEGER)),
        wb AS (SELECT r.*, CAST(floor(r.day_n / 7.0) AS INTEGER) AS week_n FROM r)
        SELECT {a_cols}, {b_cols}
        FROM wa a JOIN wb b ON a.dept_code = b.dept_code AND a.week_n = b.week_n
             AND a.dataset <> b.dataset
             AND b.day_n >= a.day_n - {w} AND b.day_n <= a.day_n + a.span_n + {w}"""


def candidates(con: dialect.Connection) -> pd.DataFrame:
    """The candidate pairs, each once (``a`` the smaller id), ordered by ids."""
    frame = con.execute(candidates_sql()).df()
    if frame.empty:
        return frame
    names = [c.strip() for c in _FIELDS.split(",")]
    swap = frame["a_incident_id"] > frame["b_incident_id"]
    if swap.any():
        swapped = frame.loc[swap].rename(
            columns={**{f"a_{n}": f"b_{n}" for n in names}, **{f"b_{n}": f"a_{n}" for n in names}}
        )
        frame = pd.concat([frame.loc[~swap], swapped[frame.columns]], ignore_index=True)
    frame = frame.drop_duplicates(["a_incident_id", "b_incident_id"])
    return frame.sort_values(["a_incident_id", "b_incident_id"], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Scoring


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def _known(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return int(value)


def _score_date(a: dict[str, Any], b: dict[str, Any]) -> Part:
    da, db = _day(a["event_date"]), _day(b["event_date"])
    gap = abs((da - db).days)
    pa, pb = a["date_precision"], b["date_precision"]
    if pa != "day" or pb != "day":
        # an imprecise date covers [date, date + span]
        for dx, px, other in ((da, pa, db), (db, pb, da)):
            if px != "day" and 0 <= (other - dx).days <= SPAN_DAYS.get(px, 0):
                return Part("date", 15, f"one report's date falls in the other's {px}")
    points = {0: 30, 1: 20, 2: 10}.get(gap, 0)
    return Part("date", points, "same day" if gap == 0 else f"{gap} day(s) apart")


def _km(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if any(pd.isna(v) for v in (a["latitude"], a["longitude"], b["latitude"], b["longitude"])):
        return None
    if int(a["geo_precision"]) > 2 or int(b["geo_precision"]) > 2:
        return None
    la1, lo1, la2, lo2 = map(
        math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"])
    )
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _score_place(a: dict[str, Any], b: dict[str, Any], neighbours: dict[str, frozenset[str]]) -> Part:
    ma, mb = a["muni_code"], b["muni_code"]
    best = Part("place", 10, "same department")
    if isinstance(ma, str) and isinstance(mb, str) and ma and mb:
        if ma == mb:
            return Part("place", 30, f"same municipality ({ma})")
        if mb in neighbours.get(ma, frozenset()):
            best = Part("place", 20, f"neighbouring municipalities ({ma}, {mb})")
    km = _km(a, b)
    if km is not None and km <= NEAR_KM:
        points = round(20 * (1 - km / NEAR_KM))
        if points > best.points:
            best = Part("place", points, f"{km:.1f} km apart")
    return best


def _score_type(a: dict[str, Any], b: dict[str, Any]) -> Part:
    ta, tb = a["event_type"], b["event_type"]
    if ta == tb:
        return Part("type", 15, f"both {ta}")
    if ta in VIOLENT and tb in VIOLENT:
        return Part("type", 8, f"{ta} / {tb}, both violent")
    return Part("type", -100, f"{ta} / {tb}: not the same kind of event")


def _actors(row: dict[str, Any]) -> list[str]:
    names = [row["actor1"], row["actor2"]]
    assoc = row["assoc_actors"]
    if assoc is not None and not (isinstance(assoc, float) and math.isnan(assoc)):
        names.extend(list(assoc))
    return [n for n in names if isinstance(n, str) and n]


def _sides(names: Iterable[str], registry: ActorRegistry) -> tuple[set[str], dict[str, str]]:
    """The groups a report names (not unidentified actors or civilians), and of those the
    class-level ones ("State forces", "Unidentified paramilitary group") with their class."""
    groups: set[str] = set()
    classes: dict[str, str] = {}
    for n in names:
        try:
            actor = registry.get(n)
        except KeyError:
            groups.add(n)  # a name the registry does not know is still a group
            continue
        if actor.actor_class in UNNAMED_CLASSES:
            continue
        groups.add(actor.name)
        if actor.class_level:
            classes[actor.name] = actor.actor_class
    return groups, classes


def _class_of(name: str, registry: ActorRegistry) -> str | None:
    try:
        return registry.get(name).actor_class
    except KeyError:
        return None


def _score_actors(a: dict[str, Any], b: dict[str, Any], registry: ActorRegistry) -> Part:
    (ga, ca), (gb, cb) = _sides(_actors(a), registry), _sides(_actors(b), registry)
    day = _day(a["event_date"])
    for x in sorted(ga):
        for y in sorted(gb):
            if x == y:
                return Part("actors", 15, f"both name {x}")
            if y in registry.umbrella_of(x, day) or x in registry.umbrella_of(y, day):
                return Part("actors", 15, f"{x} / {y}: one within the other")
    for levels, others in ((ca, gb), (cb, ga)):
        for level, actor_class in sorted(levels.items()):
            member = next((o for o in sorted(others) if _class_of(o, registry) == actor_class), None)
            if member:
                return Part("actors", 8, f"{level} / {member}: same class")
    if not (ga - set(ca)) or not (gb - set(cb)):
        return Part("actors", 5, "one report names no group")
    return Part("actors", -25, f"different groups ({', '.join(sorted(ga))} / {', '.join(sorted(gb))})")


def _range(row: dict[str, Any]) -> tuple[int, int] | None:
    best = _known(row["fatalities"])
    if best is None:
        return None
    low, high = _known(row["fatalities_low"]), _known(row["fatalities_high"])
    return (min(best, low if low is not None else best), max(best, high if high is not None else best))


def _score_fatalities(a: dict[str, Any], b: dict[str, Any]) -> Part:
    fa, fb = _known(a["fatalities"]), _known(b["fatalities"])
    if fa is None and fb is None:
        return Part("fatalities", 5, "both unknown")
    if fa is None or fb is None:
        return Part("fatalities", 3, "one unknown")
    if fa == fb:
        return Part("fatalities", 10, f"both {fa}")
    ra, rb = _range(a), _range(b)
    assert ra is not None and rb is not None
    overlap = ra[0] <= rb[1] and rb[0] <= ra[1]
    if overlap or abs(fa - fb) <= max(1, 0.25 * max(fa, fb)):
        return Part("fatalities", 6, f"{fa} / {fb}, close")
    return Part("fatalities", -20, f"{fa} / {fb}, far apart")


def score(
    a: dict[str, Any],
    b: dict[str, Any],
    *,
    neighbours: dict[str, frozenset[str]] | None = None,
    registry: ActorRegistry | None = None,
) -> Score:
    """The score of two reports (dicts with the incident columns of :data:`_FIELDS`)."""
    registry = registry or default_registry()
    return Score(
        (
            _score_date(a, b),
            _score_place(a, b, neighbours or {}),
            _score_type(a, b),
            _score_actors(a, b, registry),
            _score_fatalities(a, b),
        )
    )


# --------------------------------------------------------------------------------------------
# Groups


@dataclass
class Pair:
    id_a: str
    id_b: str
    score: Score
    decision: str | None = None  # confirmed | split

    @property
    def matched(self) -> bool:
        if self.decision == "split":
            return False
        return self.decision == "confirmed" or self.score.total >= THRESHOLD


@dataclass
class Groups:
    pairs: list[Pair] = field(default_factory=list)
    event_of: dict[str, str] = field(default_factory=dict)  # report -> primary report


def _decisions(con: dialect.Connection) -> dict[tuple[str, str], str]:
    if not con.execute(dialect.table_exists_query(con), ["match_decisions"]).fetchall()[0][0]:
        return {}
    rows = con.execute("SELECT id_a, id_b, decision FROM match_decisions").fetchall()
    return {(a, b): d for a, b, d in rows}


def _rank(row: dict[str, Any]) -> tuple[int, int, str, str]:
    precision = {"day": 0, "week": 1, "month": 2}.get(row["date_precision"], 3)
    return (int(row["geo_precision"]), precision, str(row["dataset"]), str(row["incident_id"]))


def compute(
    con: dialect.Connection,
    *,
    neighbours: dict[str, frozenset[str]] | None = None,
    registry: ActorRegistry | None = None,
) -> Groups:
    """Score every candidate pair, apply the analysts' decisions, and group the matches."""
    registry = registry or default_registry()
    decisions = _decisions(con)
    frame = candidates(con)
    out = Groups()
    rows: dict[str, dict[str, Any]] = {}
    names = [c.strip() for c in _FIELDS.split(",")]
    for rec in frame.to_dict("records"):
        a = {n: rec[f"a_{n}"] for n in names}
        b = {n: rec[f"b_{n}"] for n in names}
        s = score(a, b, neighbours=neighbours, registry=registry)
        pair = Pair(a["incident_id"], b["incident_id"], s, decisions.get((a["incident_id"], b["incident_id"])))
        out.pairs.append(pair)
        rows[a["incident_id"]], rows[b["incident_id"]] = a, b
    # confirmed pairs the candidate rule no longer finds (dates edited, a far place) still hold
    known = {(p.id_a, p.id_b) for p in out.pairs}
    for (a_id, b_id), decision in decisions.items():
        if decision == "confirmed" and (a_id, b_id) not in known:
            found = _rows(con, [a_id, b_id])
            if len(found) == 2:
                rows.update(found)
                out.pairs.append(Pair(a_id, b_id, score(found[a_id], found[b_id], neighbours=neighbours, registry=registry), decision))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in out.pairs:
        if p.matched:
            parent[find(p.id_a)] = find(p.id_b)
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    for group in members.values():
        if len(group) < 2:
            continue
        primary = min(group, key=lambda i: _rank(rows[i]))
        for i in group:
            out.event_of[i] = primary
    return out


def _rows(con: dialect.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    marks = ", ".join("?" for _ in ids)
    frame = con.execute(f"SELECT {_FIELDS} FROM incidents WHERE incident_id IN ({marks})", ids).df()
    return {str(r["incident_id"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}


def rematch(
    con: dialect.Connection,
    *,
    neighbours: dict[str, frozenset[str]] | None = None,
    registry: ActorRegistry | None = None,
) -> int:
    """Recompute the groups and store them (inside the caller's transaction); how many reports
    are in a group of two or more."""
    con.execute(SCHEMA)
    groups = compute(con, neighbours=neighbours, registry=registry)
    best: dict[str, Pair] = {}
    for p in groups.pairs:
        if p.matched:
            for i in (p.id_a, p.id_b):
                if i not in best or p.score.total > best[i].score.total:
                    best[i] = p
    con.execute("DELETE FROM event_matches").fetchall()
    if groups.event_of:
        ids = sorted(groups.event_of)
        frame = pd.DataFrame(
            {
                "incident_id": ids,
                "event_id": [groups.event_of[i] for i in ids],
                "score": [best[i].score.total if i in best else None for i in ids],
                "explanation": [best[i].score.explanation if i in best else None for i in ids],
            }
        )
        con.register("new_matches", frame)
        con.execute(
            "INSERT INTO event_matches SELECT incident_id, event_id, CAST(score AS INTEGER), "
            "explanation FROM new_matches"
        ).fetchall()
        con.unregister("new_matches")
    return len(groups.event_of)


def rematch_if_several(
    con: dialect.Connection,
    *,
    neighbours: dict[str, frozenset[str]] | None = None,
    registry: ActorRegistry | None = None,
) -> int:
    """:func:`rematch` when the database holds more than one dataset (or stale groups): one
    dataset alone has nothing to match, and a large one would cost the candidate join."""
    (n,) = con.execute("SELECT count(DISTINCT dataset) FROM incidents").fetchall()[0]
    if int(n) > 1 or has_matches(con):
        return rematch(con, neighbours=neighbours, registry=registry)
    return 0


def decide(
    con: dialect.Connection, id_a: str, id_b: str, decision: str, who: str, at: object
) -> None:
    """Record an analyst's decision on a pair (kept across re-imports) and regroup."""
    if decision not in ("confirmed", "split"):
        raise ValueError("decision must be 'confirmed' or 'split'")
    a, b = sorted((id_a, id_b))
    if a == b:
        raise ValueError("a report cannot be matched with itself")
    found = {i for (i,) in con.execute(
        "SELECT incident_id FROM incidents WHERE incident_id IN (?, ?)", [a, b]
    ).fetchall()}  # fmt: skip
    missing = [i for i in (a, b) if i not in found]
    if missing:
        raise ValueError(f"no stored report {', '.join(repr(m) for m in missing)}")
    con.execute(SCHEMA)
    con.execute("DELETE FROM match_decisions WHERE id_a = ? AND id_b = ?", [a, b]).fetchall()
    con.execute(
        "INSERT INTO match_decisions (id_a, id_b, decision, decided_by, decided_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [a, b, decision, who, at],
    ).fetchall()


# --------------------------------------------------------------------------------------------
# Reading


def secondary_condition() -> str:
    """SQL on ``incidents``: true for a report that is not its event's primary report (while
    that primary is stored). Views counting events add ``NOT (…)``."""
    return (
        "incident_id IN (SELECT m.incident_id FROM event_matches m "
        "JOIN incidents p ON p.incident_id = m.event_id WHERE m.event_id <> m.incident_id)"
    )


def has_matches(con: dialect.Connection) -> bool:
    """Whether the database has any group (a database from before matching has no table)."""
    if not con.execute(dialect.table_exists_query(con), ["event_matches"]).fetchall()[0][0]:
        return False
    return bool(con.execute("SELECT count(*) FROM event_matches").fetchall()[0][0])


def reports_of(con: dialect.Connection, incident_id: str) -> pd.DataFrame:
    """Every report of the event ``incident_id`` belongs to (itself alone when unmatched): id,
    dataset, source, date, fatalities and its range, place, primary flag, score and why."""
    columns = (
        "i.incident_id, i.dataset, i.source, i.event_date, i.event_type, i.fatalities, "
        "i.fatalities_low, i.fatalities_high, i.muni_code, i.location"
    )
    if has_matches(con):
        frame = con.execute(
            f"""SELECT {columns}, m.incident_id = m.event_id AS primary_report, m.score,
                       m.explanation
                FROM event_matches m JOIN incidents i ON i.incident_id = m.incident_id
                WHERE m.event_id = (SELECT event_id FROM event_matches WHERE incident_id = ?)
                ORDER BY 11 DESC, i.dataset, i.incident_id""",
            [incident_id],
        ).df()
        if len(frame):
            return frame
    return con.execute(
        f"SELECT {columns}, TRUE AS primary_report, CAST(NULL AS INTEGER) AS score, "
        "CAST(NULL AS VARCHAR) AS explanation FROM incidents i WHERE i.incident_id = ?",
        [incident_id],
    ).df()


def fatality_range(reports: pd.DataFrame) -> tuple[int, int] | None:
    """The lowest and highest fatality figure any report of the event gives (its own range
    included); None when no report gives one."""
    values: list[int] = []
    for col in ("fatalities", "fatalities_low", "fatalities_high"):
        values.extend(int(v) for v in reports[col].dropna())
    return (min(values), max(values)) if values else None


def pairs(con: dialect.Connection, *, limit: int = 500) -> pd.DataFrame:
    """Matched and decided pairs for the Data page: both reports, score, why, decision."""
    if not has_matches(con) and not _decisions(con):
        return pd.DataFrame(
            columns=["event_id", "incident_id", "dataset", "event_date", "fatalities", "score",
                     "explanation", "decision"]  # fmt: skip
        )
    frame = con.execute(
        f"""SELECT m.event_id, m.incident_id, i.dataset, i.event_date, i.fatalities, m.score,
                   m.explanation, d.decision
            FROM event_matches m JOIN incidents i ON i.incident_id = m.incident_id
            LEFT JOIN match_decisions d
                   ON (d.id_a = m.event_id AND d.id_b = m.incident_id)
                   OR (d.id_b = m.event_id AND d.id_a = m.incident_id)
            WHERE m.incident_id <> m.event_id
            ORDER BY m.event_id, m.incident_id LIMIT {int(limit)}"""
    ).df()
    return frame
