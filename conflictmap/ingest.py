"""From a source file to stored incidents: read -> parse -> place -> actors -> one transaction.

Nothing partial, nothing lost: every row read is either inserted, a duplicate, or written to the
rejects CSV with its row number and reason.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from conflictmap import geodata, store
from conflictmap.actors import ActorRegistry, default_registry
from conflictmap.divipola import Gazetteer, PlaceError, default_gazetteer
from conflictmap.importers import csvfile, native
from conflictmap.importers.candidates import Candidates, Reject
from conflictmap.schema import RECORD_COLUMNS

FORMATS = {"native": native}


@dataclass
class ImportReport:
    read: int
    inserted: int
    duplicates: int
    rejected: int
    rejects_file: str | None
    dataset: str
    format: str
    warnings: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def detect_format(frame: pd.DataFrame, name: str) -> str:
    columns = list(frame.columns)
    for fmt, module in FORMATS.items():
        if module.looks_like(columns):
            return fmt
    raise csvfile.FileError(
        f"{name}: the header matches no known format ({', '.join(FORMATS)}); the native format "
        f"needs {', '.join(native.REQUIRED)} and latitude+longitude or municipality"
    )


def import_file(
    path: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str | None = None,
    rejects_dir: str | os.PathLike[str] | None = None,
) -> ImportReport:
    """Import one file. Raises csvfile.FileError (database untouched) if it cannot be read."""
    path = Path(path)
    frame = csvfile.read_table(path)
    return import_frame(
        frame, name=str(path), fmt=fmt, db=db, dataset=dataset or path.stem, rejects_dir=rejects_dir
    )


def import_frame(
    frame: pd.DataFrame,
    *,
    name: str,
    fmt: str = "auto",
    db: str | os.PathLike[str] | None = None,
    dataset: str,
    rejects_dir: str | os.PathLike[str] | None = None,
    boundaries: geodata.Boundaries | None = None,
    gazetteer: Gazetteer | None = None,
    registry: ActorRegistry | None = None,
) -> ImportReport:
    if fmt == "auto":
        fmt = detect_format(frame, name)
    if fmt not in FORMATS:
        raise csvfile.FileError(f"{name}: unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    module = FORMATS[fmt]
    csvfile.require_columns(frame, module.REQUIRED, name, fmt)
    try:
        candidates = module.parse(frame)
    except ValueError as exc:
        raise csvfile.FileError(f"{name}: {exc}") from None
    records, warnings = prepare(
        candidates,
        dataset=dataset,
        boundaries=boundaries or geodata.load_boundaries(),
        gazetteer=gazetteer or default_gazetteer(),
        registry=registry or default_registry(),
    )
    rejects = sorted(candidates.rejects, key=lambda r: r.row)
    with store.connect(db) as con:
        result = store.insert_incidents(
            con,
            records,
            import_log={
                "dataset": dataset,
                "file": name,
                "format": fmt,
                "read": len(frame),
                "rejected": len(rejects),
            },
        )
    rejects_file = write_rejects(rejects, name, list(frame.columns), db, rejects_dir)
    return ImportReport(
        read=len(frame),
        inserted=result.inserted,
        duplicates=result.duplicates,
        rejected=len(rejects),
        rejects_file=str(rejects_file) if rejects_file else None,
        dataset=dataset,
        format=fmt,
        warnings=warnings,
    )


def prepare(
    candidates: Candidates,
    *,
    dataset: str,
    boundaries: geodata.Boundaries,
    gazetteer: Gazetteer,
    registry: ActorRegistry,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Place candidates (appending place rejects to ``candidates.rejects``) and finish the records."""
    frame = candidates.frame
    warnings: dict[str, int] = {}
    if frame.empty:
        return pd.DataFrame(columns=list(RECORD_COLUMNS)), warnings
    frame = frame.reset_index(drop=True).copy()
    placed_ok = _place(frame, candidates, boundaries, gazetteer, warnings)
    frame = frame[placed_ok].copy()
    # at department precision the point is not in the municipality it falls in
    frame.loc[frame["geo_precision"] == 3, "muni_code"] = None
    for col in ("actor1", "actor2"):
        frame[col] = [registry.canonical_or_raw(v) if v else None for v in frame[f"{col}_raw"]]
    frame["assoc_actors"] = [
        [registry.canonical_or_raw(a) for a in str(v).split(";") if a.strip()] if v else []
        for v in frame["assoc_actors_raw"]
    ]
    frame["dataset"] = dataset
    frame["imported_at"] = pd.Timestamp(datetime.now().replace(microsecond=0))
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    frame["fatalities"] = pd.array(frame["fatalities"], dtype="Int32")
    frame["geo_precision"] = frame["geo_precision"].astype("int16")
    return frame.loc[:, list(RECORD_COLUMNS)], warnings


def _place(
    frame: pd.DataFrame,
    candidates: Candidates,
    boundaries: geodata.Boundaries,
    gazetteer: Gazetteer,
    warnings: dict[str, int],
) -> np.ndarray:
    """Fill dept_code/muni_code/latitude/longitude/geo_precision in place; return rows kept."""
    n = len(frame)
    ok = np.ones(n, dtype=bool)
    frame["dept_code"] = None
    frame["muni_code"] = None
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float)
    has_point = np.isfinite(lat) & np.isfinite(lon)
    geo = frame["geo_precision"].to_numpy(dtype=object)

    # 1. points: vectorised point-in-polygon
    if has_point.any():
        dept, muni = geodata.assign_admin(lon[has_point], lat[has_point], boundaries)
        idx = np.flatnonzero(has_point)
        frame.loc[idx, "dept_code"] = dept
        frame.loc[idx, "muni_code"] = muni
        outside = idx[pd.isna(dept)]
        for i in outside:
            ok[i] = False
            candidates.rejects.append(
                Reject(
                    row=int(frame.at[i, "row"]),
                    reason=f"point ({lat[i]:.5f}, {lon[i]:.5f}) is outside Colombia",
                    raw=json.loads(frame.at[i, "original"]),
                )
            )
        geo[idx] = [g if g is not None and not pd.isna(g) else 1 for g in geo[idx]]
        # the file also named a place: keep our point-in-polygon result, count disagreements
        mismatches = 0
        hints = frame.loc[idx, ["place_muni", "place_dept", "muni_code"]].itertuples(index=False)
        for place_muni, place_dept, code in hints:
            if place_muni and code:
                try:
                    named = gazetteer.municipality(place_muni, place_dept or None).muni_code
                except PlaceError:
                    named = None
                if named != code:
                    mismatches += 1
        if mismatches:
            warnings["place_mismatch"] = mismatches

    # 2. no point: the named municipality (or department) at its representative point
    reps = _representative_points(boundaries)
    cache: dict[tuple[str, str], tuple[str, str | None] | str] = {}
    for i in np.flatnonzero(~has_point):
        key = (str(frame.at[i, "place_muni"] or ""), str(frame.at[i, "place_dept"] or ""))
        if key not in cache:
            cache[key] = _lookup(gazetteer, *key)
        found = cache[key]
        if isinstance(found, str):
            ok[i] = False
            candidates.rejects.append(
                Reject(row=int(frame.at[i, "row"]), reason=found, raw=json.loads(frame.at[i, "original"]))
            )
            continue
        dept_code, muni_code = found
        x, y = reps[muni_code or dept_code]
        frame.at[i, "dept_code"], frame.at[i, "muni_code"] = dept_code, muni_code
        frame.at[i, "longitude"], frame.at[i, "latitude"] = x, y
        given = geo[i]
        if muni_code is None:
            geo[i] = 3
        else:
            geo[i] = given if given is not None and not pd.isna(given) else 2
    frame["geo_precision"] = geo
    return ok


def _lookup(gazetteer: Gazetteer, muni: str, dept: str) -> tuple[str, str | None] | str:
    """(dept_code, muni_code) for a named place, or the reject reason."""
    try:
        if muni:
            place = gazetteer.municipality(muni, dept or None)
            return place.dept_code, place.muni_code
        return gazetteer.department(dept).dept_code, None
    except PlaceError as exc:
        return f"unknown place: {exc}"


_REPS: dict[str, dict[str, tuple[float, float]]] = {}


def _representative_points(b: geodata.Boundaries) -> dict[str, tuple[float, float]]:
    """Points inside each municipality and department, keyed by code (computed once)."""
    if b.source_sha256 not in _REPS:
        out: dict[str, tuple[float, float]] = {}
        for frame, col in ((b.municipalities, "muni_code"), (b.departments, "dept_code")):
            pts = frame.geometry.representative_point()
            out.update(zip(frame[col], zip(pts.x.round(6), pts.y.round(6), strict=True), strict=True))
        _REPS[b.source_sha256] = out
    return _REPS[b.source_sha256]


def write_rejects(
    rejects: list[Reject],
    name: str,
    columns: list[str],
    db: str | os.PathLike[str] | None,
    rejects_dir: str | os.PathLike[str] | None,
) -> Path | None:
    if not rejects:
        return None
    folder = Path(rejects_dir) if rejects_dir else store.resolve_db_path(db).parent / "rejects"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{Path(name).stem}.{stamp}.rejects.csv"
    with open(target, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "reason", *columns])
        for r in rejects:
            writer.writerow([r.row, r.reason, *[r.raw.get(c, "") for c in columns]])
    return target
