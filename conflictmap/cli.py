"""`conflictmap ...` commands over the same functions the dashboard uses.

Machine-readable results go to stdout as one JSON object; progress and errors go to stderr as
one clear line each (never a traceback for bad input); the exit code is non-zero on failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date

from conflictmap import (
    actor_mappings,
    alerts,
    audit,
    dates,
    db_admin,
    geodata,
    i18n,
    import_report,
    ingest,
    permissions,
    queries,
    sample,
    store,
    trash,
    users,
)
from conflictmap.actor_mappings import MappingError
from conflictmap.actor_resolution import Summary
from conflictmap.actors import CLASSES, default_registry
from conflictmap.divipola import PlaceError
from conflictmap.filters import STYLES, Filters
from conflictmap.geography import load_geography
from conflictmap.i18n import _, ngettext
from conflictmap.importers.csvfile import FileError
from conflictmap.territories import TerritoryError


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code 2."""


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        help="database: a DuckDB file or a postgresql:// URL "
        "(default: $CONFLICTMAP_DB or data/conflictmap.duckdb)",
    )


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (inclusive)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (inclusive)")
    p.add_argument("--actor", action="append", default=[], help="actor or alias (repeatable)")
    p.add_argument(
        "--event-type", action="append", default=[], help="event type (repeatable), e.g. Battles"
    )
    p.add_argument("--dept", help="department code or name, e.g. 41 or Huila")
    p.add_argument("--muni", help="municipality code or name, e.g. 41001 or Neiva")
    p.add_argument(
        "--count",
        choices=["events", "reports"],
        default="events",
        help="count each event once, its reports in several datasets matched (default), or "
        "every report",
    )


def day(text: str | None, flag: str) -> date | None:
    """A date flag (``--from``/``--to``) in the form YYYY-MM-DD."""
    try:
        return dates.parse_iso(text, field=flag) if text else None
    except dates.DateError as exc:
        raise CliError(str(exc)) from None


def filters_from_args(args: argparse.Namespace) -> Filters:
    from conflictmap import schema

    try:
        types = tuple(schema.event_type(t) for t in args.event_type)
    except schema.RowError as exc:
        raise CliError(f"--event-type: {exc}") from None
    dept: str | None = None
    muni: str | None = None
    try:
        if args.dept or args.muni:  # the boundaries are loaded only to resolve a place
            gaz = load_geography().gazetteer
            if args.dept:
                dept = gaz.department(args.dept).dept_code
            if args.muni:
                place = gaz.municipality(args.muni, dept)
                muni, dept = place.muni_code, place.dept_code
    except PlaceError as exc:
        raise CliError(str(exc)) from None
    try:
        return Filters(
            date_from=day(args.date_from, "--from"),
            date_to=day(args.date_to, "--to"),
            actors=tuple(a.strip() for a in args.actor if a.strip()),
            event_types=types,
            dept=dept,
            muni=muni,
            count=getattr(args, "count", "events"),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _progress(done: int, total: int) -> None:
    pct = 100 * done / total if total else 0
    print(
        "\r"
        + _("downloading boundaries: {done} / {total} MB ({pct} %)").format(
            done=i18n.number(done / 1e6, decimals=1),
            total=i18n.number(total / 1e6, decimals=1),
            pct=i18n.number(round(pct)),
        ),
        end="",
        file=sys.stderr,
        flush=True,
    )
    if done >= total:
        print(file=sys.stderr)


def cmd_geodata(args: argparse.Namespace) -> dict[str, object]:
    start = time.perf_counter()
    geo = load_geography(progress=_progress, source=args.source)
    counts = geo.municipalities.groupby("dept_code").size()
    return {
        "departments": len(geo.departments),
        "municipalities": len(geo.municipalities),
        "municipalities_by_department": {k: int(v) for k, v in counts.items()},
        "source": str(geodata.resolve_source(source=args.source)),
        "sha256": geo.source_sha256,
        "cache": str(geodata.cache_dir()),
        "attribution": geo.attribution,
        "seconds": round(time.perf_counter() - start, 3),
    }


def cmd_serve(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import serve, settings

    if args.read_only:  # the server inherits it: no import, edit or delete for anyone
        settings.set_read_only()
    try:
        code = serve.run(port=args.port, address=args.address, extra=args.streamlit_args)
    except serve.ServeError as exc:
        raise CliError(str(exc)) from None
    sys.exit(code)  # only without exec (not POSIX): Streamlit has stopped


def cmd_import(args: argparse.Namespace) -> dict[str, object]:
    def progress(rows: int) -> None:
        print(
            "\r" + _("imported {n} rows…").format(n=i18n.number(rows)),
            end="",
            file=sys.stderr,
            flush=True,
        )

    from conflictmap import data_admin

    sheet = args.sheet
    report = ingest.import_file(
        args.file,
        fmt=args.format,
        db=args.db,
        dataset=args.dataset,
        progress=progress if sys.stderr.isatty() else None,
        layout=args.layout,
        sheet=sheet,
        drop_repeats=args.drop_repeats,
        access_date=day(args.access_date, "--access-date"),
        audit_entry=data_admin.import_audit(
            permissions.cli_actor(), str(args.file), lambda: audit.path_sha256(args.file)
        ),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    # for a person, on stderr (stdout stays one JSON object for scripts)
    for line in import_report.detected_lines(report.detected):
        print(line, file=sys.stderr)
    print(import_report.as_text(report.lines), file=sys.stderr)
    for line in import_report.warning_lines(report.warnings):
        print(line, file=sys.stderr)
    saved = _save_layout(args) if args.save_layout else None
    if report.actors is not None:
        print(_actor_lines(report.actors), file=sys.stderr)
    out = report.as_json()
    return {k: out[k] for k in ("read", "inserted", "duplicates", "rejected", "rejects_file")} | {
        "dataset": report.dataset,
        "format": report.format,
        "warnings": report.warnings,
        "fatalities": out["fatalities"],
        "lines": out["lines"],
        "actors": out["actors"],
        "detected": report.detected,
    } | ({"victims": out["victims"]} if "victims" in out else {}) | (
        {"saved_layout": saved} if saved else {}
    )


def _save_layout(args: argparse.Namespace) -> str:
    """``import --save-layout NAME``: the layout used, saved for files with this header."""
    from conflictmap import layout_store
    from conflictmap.importers import tabular

    header = tabular.preview(args.file, sheet=args.sheet, rows=1).columns
    used = layout_store.resolve(args.layout, db=args.db) if args.layout else None
    if used is None:
        used = layout_store.detect(header, db=args.db)
    if used is None:
        raise CliError("--save-layout: the file was read by its format, not a layout")
    from dataclasses import replace

    return layout_store.save(
        replace(used.with_header(header), name=args.save_layout, id_prefix=used.prefix),
        db=args.db,
        replace=True,
    ).name


def cmd_layouts_list(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import layout_store

    return {"layouts": layout_store.listing(db=args.db)}


def cmd_layouts_export(args: argparse.Namespace) -> dict[str, object] | None:
    from pathlib import Path

    from conflictmap import layout_store

    text = layout_store.export_toml(args.name, db=args.db)
    if not args.out:
        sys.stdout.write(text)  # the TOML itself: `conflictmap layouts export NAME > x.toml`
        return None
    Path(args.out).write_text(text, encoding="utf-8")
    return {"name": args.name, "written": args.out}


def cmd_layouts_import(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import layout_store

    saved = layout_store.import_toml(args.file, db=args.db, replace=args.replace)
    audit.record_now(permissions.cli_actor(), "save_layout", args.db, detail={"layout": saved.name})
    return {"saved": saved.name, "fingerprint": saved.fingerprint}


def cmd_layouts_delete(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import layout_store

    if not layout_store.delete(args.name, db=args.db):
        raise CliError(f"no saved layout called '{args.name}'")
    audit.record_now(
        permissions.cli_actor(),
        "save_layout",
        args.db,
        detail={"layout": args.name, "deleted": True},
    )
    return {"deleted": args.name}


def cmd_layouts_propose(args: argparse.Namespace) -> dict[str, object] | None:
    from pathlib import Path

    from conflictmap.importers import layout, tabular

    table = tabular.preview(args.file, sheet=args.sheet, rows=1)
    proposed = layout.propose(
        table.columns, name=args.name or Path(args.file).stem, source=Path(args.file).stem
    )
    text = proposed.to_toml()
    for problem in proposed.problems():
        text += f"# to do: {problem}\n"
    if not args.out:
        sys.stdout.write(text)
        return None
    Path(args.out).write_text(text, encoding="utf-8")
    return {"written": args.out, "problems": proposed.problems()}


def _actor_lines(summary: Summary, shown: int = 10) -> str:
    """The actor-name summary of an import for a person, with the most frequent unresolved."""
    lines = [summary.sentence()]
    for name, incidents in list(summary.unresolved.items())[:shown]:
        lines.append(
            "  "
            + ngettext(
                "unresolved: {name} ({n} incident)", "unresolved: {name} ({n} incidents)", incidents
            ).format(name=name, n=i18n.number(incidents))
        )
    if len(summary.unresolved) > shown:
        lines.append(
            "  "
            + _("… and {n} more: `conflictmap actors unresolved`").format(
                n=i18n.number(len(summary.unresolved) - shown)
            )
        )
    if summary.unresolved:
        lines.append("  " + _('map one with: conflictmap actors map "NAME" --to GROUP'))
    return "\n".join(lines)


def cmd_actors_unresolved(args: argparse.Namespace) -> dict[str, object]:
    registry = default_registry()
    with store.connect(args.db, read_only=True) as con:
        frame = actor_mappings.unresolved(con, registry)
        summary = actor_mappings.summary(con, registry)
    return {
        "unresolved": [
            {"name": name, "incidents": int(n), "filed_under": under or None}
            for name, n, under in zip(
                frame["actor"], frame["incidents"], frame["filed_under"], strict=True
            )
        ],
        "resolved_by_registry": summary.registry,
        "resolved_by_hand": summary.hand,
    }


def cmd_actors_map(args: argparse.Namespace) -> dict[str, object]:
    registry = default_registry()
    with store.connect(args.db) as con, store.transaction(con):
        if args.remove:
            changed = actor_mappings.remove(con, args.name, registry)
            audit.record(
                con,
                permissions.cli_actor(),
                "unmap_actor",
                rows=changed,
                detail={"name": args.name},
            )
            return {"removed": args.name, "incidents_changed": changed}
        if not args.to:
            raise CliError("give --to GROUP (a registry group, alias or class:NAME) or --remove")
        mapped = actor_mappings.add(con, args.name, args.to, registry)
        audit.record(
            con,
            permissions.cli_actor(),
            "map_actor",
            rows=mapped.incidents,
            detail={"name": mapped.written, "target": mapped.target},
        )
    return {"name": mapped.written, "to": mapped.target, "incidents_changed": mapped.incidents}


def cmd_actors_mappings(args: argparse.Namespace) -> dict[str, object]:
    with store.connect(args.db, read_only=True) as con:
        frame = actor_mappings.listing(con)
    return {
        "mappings": [
            {"name": r.written, "to": r.target, "mapped_at": str(r.mapped_at)}
            for r in frame.itertuples(index=False)
        ]
    }


def cmd_actors_list(args: argparse.Namespace) -> dict[str, object]:
    registry = default_registry()
    actors = registry.actors()
    if args.actor_class:
        actors = [a for a in actors if a.actor_class == args.actor_class]
    return {
        "actors": [
            {
                "name": a.name,
                "class": a.actor_class,
                "class_level": a.class_level,
                "aliases": list(a.aliases),
                "parents": [
                    {"parent": m.parent, "from": m.valid_from, "to": m.valid_to}
                    for m in a.parents
                ],
                "predecessors": [p.group for p in a.predecessors],
            }
            for a in actors
        ]
    }


def cmd_summary(args: argparse.Namespace) -> dict[str, object]:
    filters = filters_from_args(args)
    names = load_geography().code_names
    with store.connect(args.db, read_only=True) as con:
        result = queries.summary(con, filters, names)
    return {"filters": filters.to_params(), **result}


def cmd_alerts(args: argparse.Namespace) -> dict[str, object]:
    """Places flagged by the alert rule and new actors (conflictmap/alerts.py), as JSON."""
    filters = filters_from_args(args)
    as_of = day(args.as_of, "--as-of")
    names = load_geography().code_names
    with store.connect(args.db, read_only=True) as con:
        result = alerts.compute(con, filters, args.period, metric=args.metric, as_of=as_of)
    return {"filters": filters.to_params(), **alerts.as_json(result, names)}


def cmd_sample(args: argparse.Namespace) -> dict[str, object]:
    result = sample.load_sample(args.db, force=args.force, synthetic=args.synthetic)
    print(result.message, file=sys.stderr)
    return {
        "loaded": result.loaded,
        "message": result.message,
        "imports": [r.as_json() for r in result.reports],
    }


def cmd_territories_import(args: argparse.Namespace) -> dict[str, object]:
    from pathlib import Path

    from conflictmap import territories, territory_editor

    report = territories.import_claims(args.file, db=args.db, dataset=args.dataset)
    territory_editor.record_import(
        permissions.cli_actor(),
        report,
        args.dataset or Path(args.file).stem,
        str(args.file),
        audit.path_sha256(args.file),
        args.db,
    )
    return report.as_json()


def cmd_territories_export(args: argparse.Namespace) -> dict[str, object]:
    from pathlib import Path

    from conflictmap import territories

    collection = territories.export_collection(
        db=args.db,
        start=day(args.date_from, "--from"),
        end=day(args.date_to, "--to"),
        groups=args.group or None,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    kinds: dict[str, int] = {}
    for feature in collection["features"]:
        kind = feature["properties"]["kind"]
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"out": str(out), "features": len(collection["features"]), "by_kind": kinds}


def cmd_snapshot(args: argparse.Namespace) -> dict[str, object]:
    """The export in the language of ``--lang`` (titles, legend, notes; the JSON keys and
    stored values are the same in both)."""
    with i18n.using(getattr(args, "lang", None)):
        return _snapshot(args)


def _snapshot(args: argparse.Namespace) -> dict[str, object]:
    from pathlib import Path

    from conflictmap import export
    from conflictmap.filters import ViewOptions
    from conflictmap.view import TerritoryOptions

    filters = filters_from_args(args)
    if getattr(args, "animate", None):
        return _animate(args, filters)
    level = args.level or ("municipality" if filters.dept else "department")
    request = export.SnapshotRequest(
        filters=filters,
        options=ViewOptions(level=level, metric=args.metric, style=args.style),
        territories=TerritoryOptions(
            declared=not args.no_territories,
            inferred=args.inferred is not None,
            min_incidents=args.inferred or 3,
        ),
        title=args.title,
        dpi=args.dpi,
        inline_assets=args.inline_assets,
        own_use=args.own_use,
    )
    written: list[str] = []
    if args.per_department:
        from dataclasses import replace

        folder = Path(args.per_department)
        fmt = args.format
        if fmt not in export.FORMATS:
            raise CliError(f"--format '{fmt}' is not one of: {', '.join(export.FORMATS)}")
        geo = load_geography()
        for dept in geo.departments.itertuples(index=False):
            req = replace(
                request,
                filters=filters.with_place(dept.dept_code, None),
                options=ViewOptions(level="municipality", metric=args.metric, style=args.style),
            )
            snap = export.snapshot(req, fmt, db=args.db, actor=permissions.cli_actor())
            name = f"{dept.dept_code}-{_slug(dept.dept_name)}.{fmt}"
            written += [str(p) for p in export.write(snap, folder / name, sidecar=args.sidecar)]
        return {"written": written, "files": len(written)}
    if not args.out:
        raise CliError(
            "give --out FILE.(png|svg|pdf|html|csv|geojson|gpkg) or --per-department DIR"
        )
    try:
        fmt = export.format_of(args.out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    snap = export.snapshot(request, fmt, db=args.db, actor=permissions.cli_actor())
    written = [str(p) for p in export.write(snap, args.out, sidecar=args.sidecar)]
    return {"written": written, "bytes": len(snap.content), "metadata": snap.metadata}


def _animate(args: argparse.Namespace, filters: Filters) -> dict[str, object]:
    """`snapshot --animate STEP --out FILE.gif|.mp4`: the map playback as an animation."""
    from conflictmap import animation

    if args.per_department or args.style != STYLES[0]:
        raise CliError(_("--animate draws the choropleth into one file: drop --per-department "
                         "and --style"))
    if not args.out:
        raise CliError(_("give --out FILE.gif or FILE.mp4 with --animate"))
    try:
        fmt = animation.format_of(args.out)
        anim = animation.plan(filters, args.animate, level=args.level, metric=args.metric,
                              title=args.title, db=args.db)
        total = len(anim.labels)
        written = animation.write(anim, args.out, fmt, on_frame=lambda i, label: print(
            f"\r{i + 1}/{total} {label}   ", end="", file=sys.stderr, flush=True))
        print(file=sys.stderr)
    except animation.AnimationError as exc:
        raise CliError(str(exc)) from None
    return {"written": [str(written.path)], "bytes": written.bytes, "format": fmt,
            "frames": written.frames, "step": args.animate, "width": written.width,
            "height": written.height, "first": written.labels[0], "last": written.labels[-1]}


def _slug(name: str) -> str:
    from conflictmap.divipola import normalise

    return "-".join(normalise(name).split())


# ---- users, deleted datasets, the audit trail (issue 14) ----------------------------------------


def _password(args: argparse.Namespace) -> str:
    """The new user's password: one line of standard input with --password-stdin, else asked
    twice without echo."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask the password on: give it with --password-stdin")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise CliError("the two passwords differ")
    return first


def cmd_users_add(args: argparse.Namespace) -> dict[str, object]:
    user = users.add(
        args.name, args.role, _password(args), actor=permissions.cli_actor(), db=args.db
    )
    return {"added": user.name, "role": user.role.value}


def cmd_users_list(args: argparse.Namespace) -> dict[str, object]:
    frame = users.listing(args.db)
    return {
        "users": [
            {"name": r.name, "role": r.role, "created_at": str(r.created_at)}
            for r in frame.itertuples(index=False)
        ],
        "mode": "users" if len(frame) else "single-user",
    }


def cmd_users_remove(args: argparse.Namespace) -> dict[str, object]:
    users.remove(args.name, actor=permissions.cli_actor(), db=args.db)
    return {"removed": users.normalise_name(args.name)}


def cmd_users_role(args: argparse.Namespace) -> dict[str, object]:
    user = users.set_role(args.name, args.role, actor=permissions.cli_actor(), db=args.db)
    return {"name": user.name, "role": user.role.value}


def cmd_datasets_list(args: argparse.Namespace) -> dict[str, object]:
    with store.connect(args.db, read_only=True) as con:
        live, deleted = store.datasets(con), trash.listing(con)
    return {
        "datasets": json.loads(live[["dataset", "incidents"]].to_json(orient="records")),
        "deleted": json.loads(deleted.to_json(orient="records", date_format="iso")),
    }


def cmd_datasets_delete(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import data_admin

    n = data_admin.delete_dataset(args.name, args.db, actor=permissions.cli_actor())
    if not n:
        raise CliError(f"no dataset named {args.name!r} (see `conflictmap datasets list`)")
    return {"deleted": args.name, "incidents": n, "restore": "conflictmap datasets restore NAME"}


def cmd_datasets_restore(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import data_admin

    done = data_admin.restore_dataset(args.name, args.db, actor=permissions.cli_actor())
    return {"restored": done.dataset, "incidents": done.restored, "skipped": done.skipped}


def cmd_datasets_purge(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import data_admin

    n = data_admin.purge_dataset(args.name, args.db, actor=permissions.cli_actor())
    return {"purged": args.name, "incidents": n}


def cmd_datasets_terms(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import source_terms

    if args.redistribution is None and args.access_date is None and args.citation is None:
        with store.connect(args.db, read_only=True) as con:
            if args.name not in set(store.datasets(con)["dataset"]):
                raise CliError(f"no dataset named {args.name!r} (see `conflictmap datasets list`)")
            return source_terms.terms_for(con, [args.name])[args.name].as_json()
    try:
        terms = source_terms.set_terms(
            args.name,
            args.db,
            actor=permissions.cli_actor(),
            redistribution=args.redistribution,
            access_date=day(args.access_date, "--access-date"),
            citation=args.citation,
        )
    except source_terms.TermsError as exc:
        raise CliError(str(exc)) from None
    return terms.as_json()


def cmd_db_migrate(args: argparse.Namespace) -> dict[str, object]:
    applied, status = db_admin.migrate(args.db)
    return {**status.as_json(), "applied_now": applied}


def cmd_db_status(args: argparse.Namespace) -> dict[str, object]:
    return db_admin.status(args.db).as_json()


def cmd_db_copy(args: argparse.Namespace) -> dict[str, object]:
    return db_admin.copy(args.source, args.target).as_json()


def cmd_audit(args: argparse.Namespace) -> dict[str, object]:
    frame = audit.trail(
        args.db,
        actor=permissions.cli_actor(),
        actions=args.action,
        who=args.user,
        dataset=args.dataset,
        limit=args.limit,
    )
    return {"entries": json.loads(frame.to_json(orient="records", date_format="iso"))}


# Commands that write, and the action they need (checked before they run: a read-only
# ConflictMap refuses them; see conflictmap/permissions.py)
WRITING_COMMANDS = {
    "import": "import",
    "sample": "import",
    "layouts import": "save_layout",
    "layouts delete": "save_layout",
    "actors map": "map_actor",
    "territories import": "edit_territories",
    "users add": "manage_users",
    "users remove": "manage_users",
    "users role": "manage_users",
    "datasets delete": "delete_dataset",
    "datasets restore": "restore_dataset",
    "datasets purge": "purge_dataset",
    "db init": "manage_database",
    "db migrate": "manage_database",
    "db copy": "manage_database",
}
# (``datasets terms`` writes only when given a change: source_terms.set_terms checks then)


def _command_name(args: argparse.Namespace) -> str:
    sub = next((v for k, v in vars(args).items() if k.endswith("_command")), None)
    return f"{args.command} {sub}" if sub else args.command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conflictmap", description="ConflictMap: conflict incidents in Colombia on maps."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("geodata", help="build/verify the boundary cache and print counts")
    p.add_argument(
        "--source", help="a local copy of the boundary file (instead of $CONFLICTMAP_GEODATA)"
    )
    p.set_defaults(func=cmd_geodata)

    p = sub.add_parser(
        "serve",
        help="run the dashboard (Streamlit), from a checkout or an installed package",
        description="Run the dashboard with Streamlit from any folder. Options after `--` go to "
        "`streamlit run`, e.g. `conflictmap serve --port 8502 -- --server.headless false`.",
    )
    p.add_argument("--port", type=int, help="port (default: Streamlit's, 8501)")
    p.add_argument("--address", help="address to listen on (default: all)")
    p.add_argument(
        "--read-only",
        action="store_true",
        help="a public deployment: no import, edit or delete controls for anyone, and the "
        "package refuses writes (as CONFLICTMAP_READ_ONLY=1)",
    )
    p.add_argument("streamlit_args", nargs="*", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "import", help="import a file of incidents (CSV in any encoding, .xlsx, .xls, .ods)"
    )
    p.add_argument("file")
    p.add_argument(
        "--format",
        default="auto",
        choices=["auto", *ingest.FORMATS],
        help="native, acled (ACLED export) or ucdp (UCDP GED); auto detects from the header, "
        "including the saved and built-in layouts (CNMH case tables, Policía exports)",
    )
    p.add_argument("--dataset", help="dataset name (default: the file name without extension)")
    p.add_argument(
        "--layout",
        help="map the columns with a layout: a saved or built-in layout's name, or a .toml file "
        "(see `conflictmap layouts`)",
    )
    p.add_argument("--sheet", help="workbook sheet, by name or number (default: the first with data)")
    p.add_argument(
        "--drop-repeats",
        action="store_true",
        help="store a row repeated identically (in a file without ids) once, not as often as it "
        "occurs",
    )
    p.add_argument(
        "--save-layout",
        metavar="NAME",
        help="save the layout used under NAME, offered again for files with this header",
    )
    p.add_argument(
        "--access-date",
        metavar="YYYY-MM-DD",
        help="the day the data was obtained from its source, for citations (default: today)",
    )
    _add_db(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("layouts", help="column layouts for spreadsheets: list, export, import")
    lsub = p.add_subparsers(dest="layouts_command", required=True)
    q = lsub.add_parser("list", help="saved and built-in layouts, as JSON")
    _add_db(q)
    q.set_defaults(func=cmd_layouts_list)
    q = lsub.add_parser("export", help="a layout as TOML (stdout, or --out FILE)")
    q.add_argument("name")
    q.add_argument("--out", help="write the TOML to this file")
    _add_db(q)
    q.set_defaults(func=cmd_layouts_export)
    q = lsub.add_parser("import", help="save the layout of a TOML file in the database")
    q.add_argument("file")
    q.add_argument("--replace", action="store_true", help="replace a saved layout of that name")
    _add_db(q)
    q.set_defaults(func=cmd_layouts_import)
    q = lsub.add_parser("delete", help="forget a saved layout")
    q.add_argument("name")
    _add_db(q)
    q.set_defaults(func=cmd_layouts_delete)
    q = lsub.add_parser(
        "propose", help="a first layout for a file from its header names, as TOML to complete"
    )
    q.add_argument("file")
    q.add_argument("--sheet", help="workbook sheet, by name or number")
    q.add_argument("--name", help="the layout's name (default: the file name)")
    q.add_argument("--out", help="write the TOML to this file")
    q.set_defaults(func=cmd_layouts_propose)

    p = sub.add_parser("summary", help="counts for the filters, as JSON")
    _add_filters(p)
    _add_db(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "alerts",
        help="places whose incidents or fatalities rise well above their baseline, and new "
        "actors, as JSON",
    )
    _add_filters(p)
    p.add_argument("--period", choices=list(alerts.PERIODS), default="month")
    p.add_argument("--metric", choices=["incidents", "fatalities"], default="incidents")
    p.add_argument(
        "--as-of",
        dest="as_of",
        metavar="YYYY-MM-DD",
        help="the last day of the current period (default: the last incident in view, not today)",
    )
    _add_db(p)
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("snapshot", help="export the map for the filters: image, HTML or data")
    _add_filters(p)
    p.add_argument(
        "--level",
        choices=["department", "municipality"],
        help="choropleth level (default: municipality when a department is chosen)",
    )
    p.add_argument("--metric", choices=["incidents", "fatalities"], default="incidents")
    p.add_argument(
        "--style",
        choices=list(STYLES),
        default=STYLES[0],
        help="choropleth: areas filled by their count; hexagons: an H3 density map",
    )
    p.add_argument("--title", help="title (default: metric and place)")
    p.add_argument("--dpi", type=int, default=100, help="PNG resolution (300 for print)")
    p.add_argument(
        "--lang",
        choices=["es", "en"],
        help="language of the map's texts (default: $CONFLICTMAP_LANG, else es)",
    )
    p.add_argument(
        "--inline-assets",
        action="store_true",
        help="HTML: embed Leaflet's JavaScript/CSS so the file works with no network",
    )
    p.add_argument("--no-territories", action="store_true", help="leave declared territories out")
    p.add_argument(
        "--inferred",
        type=int,
        metavar="K",
        help="add territories inferred from at least K incidents per municipality",
    )
    p.add_argument("--sidecar", action="store_true", help="also write FILE.json with the metadata")
    p.add_argument(
        "--out",
        help="output file; the extension picks the format "
        "(png, svg, pdf, html, csv, geojson, gpkg, aggregates.csv)",
    )
    p.add_argument(
        "--per-department",
        metavar="DIR",
        help="write one file per department into DIR (format from --format)",
    )
    p.add_argument("--format", default="png", help="format for --per-department (default png)")
    p.add_argument(
        "--animate",
        choices=["week", "month", "quarter", "year"],
        help="the map period by period over the date range, into --out FILE.gif or FILE.mp4 "
        "(colour classes fixed across frames)",
    )
    p.add_argument(
        "--own-use",
        action="store_true",
        help="include incident rows of datasets whose terms allow only aggregates or nothing "
        "(ACLED), for your own use: recorded in the file's metadata and the audit trail",
    )
    _add_db(p)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("territories", help="armed-group territory claims: import, export")
    tsub = p.add_subparsers(dest="territories_command", required=True)
    t = tsub.add_parser("import", help="import claims from CSV or GeoJSON")
    t.add_argument("file")
    t.add_argument("--dataset", help="dataset name (default: the file name)")
    _add_db(t)
    t.set_defaults(func=cmd_territories_import)
    t = tsub.add_parser("export", help="export declared territories as GeoJSON")
    t.add_argument("--out", required=True, help="output .geojson file")
    t.add_argument("--group", action="append", default=[], help="group or alias (repeatable)")
    t.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    t.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    _add_db(t)
    t.set_defaults(func=cmd_territories_export)

    p = sub.add_parser("actors", help="the actor registry and names it does not know")
    asub = p.add_subparsers(dest="actors_command", required=True)
    a = asub.add_parser("list", help="registry groups and class-level actors, as JSON")
    a.add_argument("--class", dest="actor_class", choices=list(CLASSES))
    a.set_defaults(func=cmd_actors_list)
    a = asub.add_parser(
        "unresolved", help="stored actor names no registry group or class resolves, with counts"
    )
    _add_db(a)
    a.set_defaults(func=cmd_actors_unresolved)
    a = asub.add_parser(
        "map",
        help="map an unresolved name to a registry group or class (stored incidents and every "
        "later import)",
    )
    a.add_argument("name", help="the name as stored (see `actors unresolved`)")
    a.add_argument("--to", help="a registry group (any spelling) or class:NAME")
    a.add_argument("--remove", action="store_true", help="forget the mapping of NAME")
    _add_db(a)
    a.set_defaults(func=cmd_actors_map)
    a = asub.add_parser("mappings", help="the hand mappings stored in the database")
    _add_db(a)
    a.set_defaults(func=cmd_actors_mappings)

    p = sub.add_parser(
        "sample",
        help="load the sample data into an empty database",
        description="Load the sample into an empty database: the two seed incidents and the "
        "real UCDP GED Colombia events 1989-2018 (CC BY 4.0, Sundberg & Melander 2013; "
        "Högbladh 2019), with one annotation. --synthetic loads the seed incidents with "
        "about 5,000 SYNTHETIC demo incidents and synthetic territory claims instead of the "
        "UCDP file (for scale tests; labelled synthetic wherever they show). For both, run "
        "`sample`, then `sample --synthetic --force`.",
    )
    p.add_argument("--force", action="store_true", help="load even if the database is not empty")
    p.add_argument(
        "--synthetic",
        action="store_true",
        help="seed incidents + SYNTHETIC demo incidents and territory claims instead of the "
        "UCDP file (not real events; for scale tests)",
    )
    _add_db(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "users",
        help="who may sign in to the dashboard, and their role (none: single-user mode)",
        description="Users of the dashboard. With none, anyone who opens it can import and "
        "delete (a local single-user tool). viewer: look, filter, export; editor: also import, "
        "add incidents, map actor names, edit territories; admin: also delete datasets and "
        "manage users. The first user must be an admin.",
    )
    usub = p.add_subparsers(dest="users_command", required=True)
    u = usub.add_parser("add", help="add a user (the password is asked, or read from stdin)")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=permissions.ROLES)
    u.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _add_db(u)
    u.set_defaults(func=cmd_users_add)
    u = usub.add_parser("list", help="the users and their roles")
    _add_db(u)
    u.set_defaults(func=cmd_users_list)
    u = usub.add_parser("remove", help="remove a user (not the last admin of several)")
    u.add_argument("name")
    _add_db(u)
    u.set_defaults(func=cmd_users_remove)
    u = usub.add_parser("role", help="change a user's role")
    u.add_argument("name")
    u.add_argument("role", choices=permissions.ROLES)
    _add_db(u)
    u.set_defaults(func=cmd_users_role)

    p = sub.add_parser(
        "datasets", help="datasets: list, delete (recoverable), restore, purge for good"
    )
    dsub = p.add_subparsers(dest="datasets_command", required=True)
    d = dsub.add_parser("list", help="stored and deleted datasets with their incident counts")
    _add_db(d)
    d.set_defaults(func=cmd_datasets_list)
    for name, func, text in (
        ("delete", cmd_datasets_delete, "hide a dataset's incidents everywhere (recoverable)"),
        ("restore", cmd_datasets_restore, "bring a deleted dataset back"),
        ("purge", cmd_datasets_purge, "drop a deleted dataset for good"),
    ):
        d = dsub.add_parser(name, help=text)
        d.add_argument("name", help="the dataset's name")
        _add_db(d)
        d.set_defaults(func=func)

    d = dsub.add_parser(
        "terms",
        help="a dataset's source terms (redistribution, citation, access date): show or change",
    )
    d.add_argument("name", help="the dataset's name")
    d.add_argument(
        "--redistribution",
        choices=["yes", "aggregates", "no"],
        help="what exports may carry: incident rows (yes), aggregates only, or nothing",
    )
    d.add_argument("--access-date", metavar="YYYY-MM-DD", help="the day the data was obtained")
    d.add_argument("--citation", help="the citation text the source asks for")
    _add_db(d)
    d.set_defaults(func=cmd_datasets_terms)

    p = sub.add_parser("audit", help="the audit trail: who imported, edited or deleted what")
    p.add_argument(
        "--action", action="append", default=[], choices=list(audit.ACTIONS), help="repeatable"
    )
    p.add_argument("--user", help="only this user's entries")
    p.add_argument("--dataset", help="only datasets whose name contains this")
    p.add_argument("--limit", type=int, default=100, help="newest entries (default 100)")
    _add_db(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "db", help="the database: create or upgrade its schema, status, copy between stores"
    )
    bsub = p.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("init", "create the schema of a new database (a file or a PostgreSQL database)"),
        ("migrate", "apply the schema migrations a database lacks"),
    ):
        b = bsub.add_parser(name, help=text)
        _add_db(b)
        b.set_defaults(func=cmd_db_migrate)
    b = bsub.add_parser("status", help="schema version and incident count, as JSON")
    _add_db(b)
    b.set_defaults(func=cmd_db_status)
    b = bsub.add_parser(
        "copy", help="copy a whole database into an empty one (DuckDB <-> PostgreSQL)"
    )
    b.add_argument("--from", dest="source", required=True, help="a DuckDB file or postgresql:// URL")
    b.add_argument("--to", dest="target", required=True, help="a DuckDB file or postgresql:// URL")
    b.set_defaults(func=cmd_db_copy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        action = WRITING_COMMANDS.get(_command_name(args))
        if action:  # refused before anything is read or written (a read-only ConflictMap)
            permissions.require(permissions.cli_actor(), action, getattr(args, "db", None))
        result = args.func(args)
    except (
        CliError,
        FileError,
        geodata.GeodataError,
        PlaceError,
        TerritoryError,
        MappingError,
        PermissionError,
        users.UserError,
        trash.TrashError,
        db_admin.CopyError,
    ) as exc:
        print(f"conflictmap {args.command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the database error types vary; one clear line
        import duckdb
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            print(
                f"conflictmap {args.command}: "
                + _("the PostgreSQL database cannot be reached ({error})").format(error=exc),
                file=sys.stderr,
            )
            return 2
        if isinstance(exc, duckdb.IOException):
            print(
                f"conflictmap {args.command}: "
                + _("the database is in use or cannot be opened ({error})").format(error=exc),
                file=sys.stderr,
            )
            return 2
        raise
    if result is None:  # the command wrote its own output (e.g. a layout's TOML)
        return 0
    try:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
